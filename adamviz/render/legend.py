"""Legend entries. A figure's legend is one entry per run (one per group of runs when there are
many), then what each of its panels says it draws (``Panel.legend_entries``), each kind once, in
the order of the panels: a new view's markers and arrows reach the legend by being declared on
its panel, not by a list kept here.
"""

from __future__ import annotations

import os.path

from matplotlib.lines import Line2D

from ..arrows import OVERLAYS
from . import style


def runs(result, labels) -> list[Line2D]:
    """One entry per run: its line, in its colour and dash, with its label; more runs than
    ``style.CROWD`` get one entry per group (``groups``): a legend of hundreds of runs covers
    the picture and says nothing a reader can use."""
    width = style.lw(2.2)
    if len(result.runs) > style.CROWD:
        return [Line2D([], [], color=color, lw=width, path_effects=style.halo(width),
                       label=label) for color, label in groups(result.runs)]
    return [Line2D([], [], color=color, ls=dash, lw=width, path_effects=style.halo(width),
                   label=label)
            for (color, dash), label in zip(style.run_styles(result.runs), labels, strict=True)]


def groups(runs) -> list[tuple[str, str]]:
    """(colour, label) of each group of ``runs`` made alike (the same optimizer, settings and
    own label or colour), in order: "adam (lr=0.1) (100 runs, 3 diverged)" in the group's
    colour (the ink's when its runs take one colour each: a single optimizer's)."""
    found: dict[tuple, list[int]] = {}
    for i, run in enumerate(runs):
        key = (run.optimizer, repr(sorted(run.hyperparams.items())), run.color, run.own_label)
        found.setdefault(key, []).append(i)
    colors = [color for color, _ in style.run_styles(runs)]
    out = []
    for members in found.values():
        named = os.path.commonprefix([runs[i].label for i in members])
        # the runs of one optimizer differ by start: "adam (lr=0.1) from (x, y)"
        name = named.split(" from (")[0].strip() or runs[members[0]].optimizer
        diverged = sum(runs[i].status == "diverged" for i in members)
        count = f"{len(members)} run" + ("s" if len(members) > 1 else "")
        shades = {colors[i] for i in members}
        if len(shades) > 1:
            count += ", each its colour"
        out.append((shades.pop() if len(shades) == 1 else style.ink(),
                    f"{name} ({count}" + (f", {diverged} diverged)" if diverged else ")")))
    return out


def start_and_end() -> list[Line2D]:
    return [Line2D([], [], ls="none", label="start", marker=style.START["marker"],
                   markerfacecolor=style.START["color"], markeredgecolor=style.ink(),
                   markersize=9),
            Line2D([], [], ls="none", label="end (in the run's colour)",
                   marker=style.END["marker"], markerfacecolor="white",
                   markeredgecolor=style.ink(), markersize=10)]


def marks(found) -> list[Line2D]:
    """One entry per kind of mark (a recipe's rings: "highest point", "best step")."""
    return [Line2D([], [], ls="none", label=mark.label, marker=mark.shape,
                   markerfacecolor=mark.color, markeredgecolor=style.ink(), markersize=10)
            for mark in {m.label: m for m in found}.values()]


def overlays(names) -> list[Line2D]:
    entries = []
    for name in names:
        spec = OVERLAYS[name]
        entries.append(Line2D([0, 1], [0, 0], color=style.overlay_color(spec.color) or "0.55",
                              lw=2.5, marker=">", markevery=[1], markersize=9,
                              markeredgecolor=style.edge(), path_effects=style.halo(2.5),
                              label=spec.label + (" (run's colour)" if spec.color is None
                                                  else "")))
    return entries


def minima(surface) -> list[Line2D]:
    kinds = {m.kind for m in surface.minima}
    entries = []
    if "global" in kinds:
        entries.append(Line2D([], [], ls="none", label="global minimum", marker="*",
                              markerfacecolor="white", markeredgecolor=style.ink(),
                              markersize=16))
    if "local" in kinds:
        entries.append(Line2D([], [], ls="none", label="local minimum", marker="D",
                              markerfacecolor="none", markeredgecolor=style.ink(), markersize=8))
    return entries


def figure_entries(result, labels, panels) -> list[Line2D]:
    """The runs, then every panel's own entries, each label once."""
    entries, seen = runs(result, labels), set()
    for panel in panels:
        for entry in panel.legend_entries():
            if entry.get_label() not in seen:
                seen.add(entry.get_label())
                entries.append(entry)
    return entries
