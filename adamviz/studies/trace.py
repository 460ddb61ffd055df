"""Every quantity of an optimizer's update, step by step: for handouts and for checking by hand.

For Adam a row holds t, the parameters, the gradient g, m, v, m̂, v̂, the step and the new
parameters; other optimizers show their own quantities (see ``Optimizer.trace``). Tables come as
aligned text, CSV, JSON, Markdown or LaTeX.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np

from ..core.errors import InputError
from ..core.names import suggest
from ..core.specs import OptSpec, parse_opt
from .runs import Settings, load_surface, make_runs, spec_of
from .slices import refuse_network

FORMATS = ("table", "csv", "json", "markdown", "latex")
EXAMPLES = {
    # The lecture notes' worked example: w = 0.5, input 3, target 4, loss (3w - 4)^2, lr 0.1.
    "lecture": {"surface": "lecture", "opt": "adam:lr=0.1,eps=1e-8", "start": (0.5,),
                "steps": 3},
}


def example(name: str, opt=None, start=None, steps=None, lr=None) -> Trace:
    """A worked example (``EXAMPLES``), with what the caller changed: ``opt`` keeps the
    example's hyperparameters unless it sets them (``adam:bias_correction=false`` is the
    lecture's Adam without correction) or names another optimizer; ``start``, ``steps`` and
    ``lr`` replace the example's."""
    if name not in EXAMPLES:
        raise InputError(f"Unknown example {name!r}{suggest(name, EXAMPLES)}")
    base = dict(EXAMPLES[name])
    if opt is not None:
        mine, theirs = spec_of(opt), parse_opt(base["opt"])
        base["opt"] = (OptSpec(name=mine.name, hyperparams={**theirs.hyperparams,
                                                             **mine.hyperparams})
                       if mine.name == theirs.name else mine)
    if lr is not None:  # the example's own lr gives way, as a spec's would not
        spec = spec_of(base["opt"])
        base["opt"] = OptSpec(name=spec.name, hyperparams={**spec.hyperparams, "lr": lr})
    if start is not None:
        base["start"] = start
    if steps is not None:
        base["steps"] = steps
    return trace(**base)


_PRETTY = {"m_hat": "m̂", "v_hat": "v̂", "v_max": "v_max", "g_avg": "ḡ"}
_LATEX = {"m_hat": r"\hat{m}", "v_hat": r"\hat{v}", "v_max": r"v_{\max}", "g_avg": r"\bar{g}",
          "g": "g"}
# where the step starts and ends, for a curve f(x) and a surface f(x, y)


@dataclass(frozen=True, kw_only=True)
class Trace:
    label: str
    surface: str
    hyperparams: dict
    columns: list[str]
    rows: list[list[float]]
    status: str = "max steps"  # how the run ended
    asked: int = 0  # the steps asked for

    def __repr__(self) -> str:
        """The aligned table, as ``adamviz trace`` prints it."""
        return render(self, "table").rstrip("\n")

    def notes(self) -> list[str]:
        """What a reader of the table must know to check it by hand."""
        notes = [self.ending()] if self.ending() else []
        clipped = [k for k in ("clip_norm", "clip_value") if k in self.hyperparams]
        if clipped:
            notes.append(f"g is the gradient before clipping ({', '.join(clipped)}); the "
                         f"update used the clipped gradient")
        return notes

    def ending(self) -> str:
        """'' when the run took every step asked for; else how and when it ended."""
        if len(self.rows) == self.asked:
            return ""
        return f"the run {self.status.replace('max steps', 'stopped')} after {len(self.rows)} " \
               f"step{'s' * (len(self.rows) != 1)} of the {self.asked} asked for"


def trace(surface="lecture", opt="adam", start=None, steps: int = 3, lr=None,
          surfaces_dir=()) -> Trace:
    """Run one optimizer from one start and tabulate every quantity of every step."""
    refuse_network(load_surface(surface, surfaces_dir), "A trace",
                   "tabulates every quantity of every coordinate (a column each)")
    result = make_runs(surface, [opt], [start] if start is not None else None,
                       Settings(steps=steps, lr=lr, tol=None), surfaces_dir=surfaces_dir)
    run = result.runs[0]
    dims = run.points.shape[1]
    coords = list(result.surface.axes)  # x and y, or a model's parameters (the lecture's w)

    def names(q):
        return [q] if dims == 1 else [f"{q}_{c}" for c in coords]

    quantities = list(run.quantities)
    columns = ["t", *coords, *names("g")]
    for q in quantities:
        columns += names(q)
    columns += [*names("step"), *(f"{c}_new" for c in coords)]
    rows = []
    for t in range(1, run.steps + 1):
        row = [t, *run.points[t - 1], *run.gradients[t]]
        for q in quantities:
            row += list(run.quantities[q][t])
        row += [*(run.points[t] - run.points[t - 1]), *run.points[t]]
        rows.append([float(v) for v in row])
    return Trace(label=run.label, surface=result.surface.name, hyperparams=dict(run.hyperparams),
                 columns=columns, rows=rows, status=run.status, asked=result.settings["steps"])


def render(tr: Trace, fmt: str = "table") -> str:
    if fmt == "csv":
        lines = [",".join(tr.columns)]
        lines += [",".join(_num(v, exact=True) for v in row) for row in tr.rows]
        return "\n".join(lines) + "\n"
    if fmt == "json":
        return json.dumps({"optimizer": tr.label, "surface": tr.surface,
                           "hyperparameters": tr.hyperparams, "status": tr.status,
                           "steps": [{c: int(v) if c == "t" else (v if math.isfinite(v)
                                                                  else None)
                                      for c, v in zip(tr.columns, row, strict=True)}
                                     for row in tr.rows]}, indent=1) + "\n"
    coords = tuple(c[:-4] for c in tr.columns if c.endswith("_new"))  # x, y or w, b ...
    header = [_pretty(c, coords) for c in tr.columns]
    cells = [[_num(v) for v in row] for row in tr.rows]
    title = f"{tr.label} on {tr.surface}"
    if fmt == "markdown":
        lines = [f"**{title}**", "", "| " + " | ".join(header) + " |",
                 "|" + "|".join("---:" for _ in header) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in cells]
        return "\n".join(lines) + "\n"
    if fmt == "latex":
        head = " & ".join(f"${_latex(c, coords)}$" for c in tr.columns)
        body = "".join(" & ".join(f"${v}$" for v in r) + " \\\\\n" for r in cells)
        return ("% " + title + "\n\\begin{tabular}{" + "r" * len(header) + "}\n\\hline\n"
                + head + " \\\\\n\\hline\n" + body + "\\hline\n\\end{tabular}\n")
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(header)]
    lines = [title, "  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(lines) + "\n"


def _num(v: float, exact: bool = False) -> str:
    if float(v).is_integer() and abs(v) < 1e15:
        return str(int(v))
    if exact or not math.isfinite(v):
        return repr(float(v))
    return f"{v:.6g}"


def _split(column: str, coords) -> tuple[str, str]:
    """(quantity, coordinate): m_hat_x -> (m_hat, x); g_b -> (g, b); x_new -> (x_new, "")."""
    for c in coords:
        if column.endswith(f"_{c}") and column != f"{c}_new" and column not in _LATEX:
            return column[: -len(c) - 1], c
    return column, ""


def _pretty(column: str, coords=("x", "y")) -> str:
    """m_hat_x -> m̂[x]; x_new stays as it is."""
    base, coord = _split(column, coords)
    if coord:
        return f"{_PRETTY.get(base, base)}[{coord}]"
    return _PRETTY.get(column, column)


def _latex(column: str, coords=("x", "y")) -> str:
    """A column's header in LaTeX math: m_hat -> \\hat{m}_t, g_x -> g_{t,x}, y_new -> y_{t};
    a name of the optimizer file's own in roman type (mu_product -> \\mathrm{mu\\_product})."""
    if column in coords:
        return f"{column}_{{t-1}}"
    if column.endswith("_new") and column[:-4] in coords:
        return f"{column[:-4]}_{{t}}"
    base, coord = _split(column, coords)
    if base == "step":
        return rf"\Delta {coord or 'x'}"
    symbol = _LATEX.get(base, base if len(base) == 1  # a letter is a variable: italic
                        else r"\mathrm{" + base.replace("_", r"\_") + "}")
    sub = ",".join(p for p in ("t" if base in ("m_hat", "v_hat", "g") else "", coord) if p)
    return symbol + (f"_{{{sub}}}" if sub else "")


def steps_of(tr: Trace, column: str) -> np.ndarray:
    """One column as numbers (for tests and scripts)."""
    return np.array([row[tr.columns.index(column)] for row in tr.rows])
