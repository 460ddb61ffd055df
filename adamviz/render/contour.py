"""The contour view: the loss surface from above with every run's path on it.

Drawing functions take an ``Axes`` and precomputed arrays and return the artists they made, so a
notebook user can draw onto their own axes and tests can read the data back.
"""

from __future__ import annotations

import textwrap

import numpy as np
from matplotlib import colormaps
from matplotlib.collections import LineCollection
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.lines import Line2D

from . import style
from .grid import contour_levels, loss_grid, view_box


def background_cmap() -> ListedColormap:
    lo, hi = style.BACKGROUND_RANGE
    base = colormaps[style.BACKGROUND_CMAP]
    return ListedColormap(base(np.linspace(lo, hi, 256)), name="adamviz-background")


def draw_surface(ax, X, Y, Z, levels):
    """Filled contours and thin contour lines; returns (filled, lines)."""
    cmap = background_cmap()
    norm = BoundaryNorm(levels, cmap.N, extend="max")
    with np.errstate(invalid="ignore"):
        filled = ax.contourf(X, Y, Z, levels=levels, cmap=cmap, norm=norm, extend="max")
        lines = ax.contour(X, Y, Z, levels=levels, colors="black", linewidths=0.4, alpha=0.35)
    return filled, lines


def draw_minima(ax, minima):
    """Global minima as white stars, local ones as hollow diamonds; returns the artists."""
    artists = []
    for kind, spec in (("global", style.GLOBAL_MIN), ("local", style.LOCAL_MIN)):
        pts = np.array([m.point for m in minima if m.kind == kind], dtype=float).reshape(-1, 2)
        if len(pts):
            artists.append(ax.scatter(pts[:, 0], pts[:, 1], marker=spec["marker"], s=spec["size"],
                                      c=spec["color"], edgecolors=spec["edgecolor"],
                                      linewidths=1.5, zorder=6, label=f"{kind} minimum"))
    return artists


def draw_paths(ax, paths, colors, labels, markers: bool = False):
    """Each run's path as a line (one LineCollection), start and end marked; returns a dict."""
    segments = [np.asarray(p, dtype=float) for p in paths]
    lines = LineCollection(segments, colors=colors, linewidths=2.2, zorder=5,
                           capstyle="round", joinstyle="round")
    ax.add_collection(lines)
    dots = []
    if markers:
        for path, color in zip(segments, colors, strict=True):
            dots.append(ax.plot(path[:, 0], path[:, 1], ls="none", marker="o", ms=3.5,
                                color=color, zorder=5)[0])
    starts = np.array([p[0] for p in segments])
    ends = np.array([p[-1] for p in segments])
    start = ax.scatter(starts[:, 0], starts[:, 1], zorder=6, linewidths=1.2, **_marker(style.START))
    end = ax.scatter(ends[:, 0], ends[:, 1], zorder=7, linewidths=1.2, **_marker(style.END))
    handles = [Line2D([], [], color=c, lw=2.2, label=lab)
               for c, lab in zip(colors, labels, strict=True)]
    return {"lines": lines, "dots": dots, "start": start, "end": end, "handles": handles}


def place_legend(ax, handles):
    """The legend below the axes, in as many columns as fit, so it never hides a path."""
    widths = [len(h.get_label()) + 6 for h in handles]  # label plus its marker, in characters
    ncols = len(handles) if sum(widths) <= 100 else (3 if max(widths) > 28 else 4)
    return ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.1),
                     ncols=ncols, fontsize=10, frameon=False)


def _marker(spec: dict) -> dict:
    return {"marker": spec["marker"], "s": spec["size"], "c": spec["color"],
            "edgecolors": spec["edgecolor"]}


def legend_handles(surface, runs_handles):
    """Legend entries: one per run, then start, end and the kinds of minima present."""
    handles = list(runs_handles)
    handles.append(Line2D([], [], ls="none", label="start", markeredgecolor="black",
                          marker=style.START["marker"], markerfacecolor=style.START["color"],
                          markersize=9))
    handles.append(Line2D([], [], ls="none", label="end", markeredgecolor="black",
                          marker=style.END["marker"], markerfacecolor=style.END["color"],
                          markersize=10))
    kinds = {m.kind for m in surface.minima}
    if "global" in kinds:
        handles.append(Line2D([], [], ls="none", label="global minimum", marker="*",
                              markerfacecolor="white", markeredgecolor="black", markersize=16))
    if "local" in kinds:
        handles.append(Line2D([], [], ls="none", label="local minimum", marker="D",
                              markerfacecolor="none", markeredgecolor="black", markersize=8))
    return handles


def draw_contour_view(ax, result, title: str | None = None, colorbar: bool = True):
    """The whole contour view of ``result`` on ``ax``; returns a dict of the artists."""
    surface = result.surface
    paths = [run.points for run in result.runs]
    colors = [style.run_color(i) for i in range(len(result.runs))]
    labels = [run.label + (" — diverged" if run.status == "diverged" else "")
              for run in result.runs]
    markers = max((run.steps for run in result.runs), default=0) <= style.MARKERS_UP_TO
    if surface.dims == 1:
        return _draw_curve_view(ax, result, paths, colors, labels, markers, title)

    view = view_box(surface.box, paths)
    X, Y, Z = loss_grid(surface, view)
    levels, mode = contour_levels(Z, surface.levels)
    filled, contour_lines = draw_surface(ax, X, Y, Z, levels)
    minima = draw_minima(ax, surface.minima)
    drawn = draw_paths(ax, paths, colors, labels, markers)
    ax.set_xlim(*view[0])
    ax.set_ylim(*view[1])
    ax.set_xlabel("x", fontsize=12)
    ax.set_ylabel("y", fontsize=12)
    ax.set_title(title or _title(surface), fontsize=13)
    if colorbar:
        # uniform spacing: every band gets the same height, so log-spaced levels stay readable
        bar = ax.figure.colorbar(filled, ax=ax, shrink=0.85, pad=0.02, spacing="uniform")
        bar.set_label("loss" + (" (log-spaced levels)" if mode == "log" else ""), fontsize=11)
        ticks = levels[:: max(1, len(levels) // 6)]
        bar.set_ticks(ticks, labels=[f"{t:.3g}" for t in ticks])
    (x0, x1), (y0, y1) = view
    if 1 / 3 <= (y1 - y0) / (x1 - x0) <= 3:
        ax.set_aspect("equal", adjustable="box")  # true geometry: step lengths look right
    legend = place_legend(ax, legend_handles(surface, drawn["handles"]))
    return {**drawn, "filled": filled, "contours": contour_lines, "minima": minima,
            "legend": legend, "view": view, "levels": levels, "level_mode": mode}


def _draw_curve_view(ax, result, paths, colors, labels, markers, title):
    """A one-variable surface: the loss curve, each run's points drawn on it."""
    surface = result.surface
    view = view_box(surface.box + ((0.0, 1.0),),
                    [np.column_stack([p[:, 0], np.zeros(len(p))]) for p in paths])[0]
    xs = np.linspace(view[0], view[1], 600)
    ax.plot(xs, surface.loss(xs[:, None]), color="0.35", lw=2, zorder=2)
    lifted = [np.column_stack([p[:, 0], result.runs[i].losses]) for i, p in enumerate(paths)]
    drawn = draw_paths(ax, lifted, colors, labels, markers=True)
    for m in surface.minima:
        spec = style.GLOBAL_MIN if m.kind == "global" else style.LOCAL_MIN
        y = float(surface.loss(np.array([m.point]))[0])
        ax.scatter([m.point[0]], [y], marker=spec["marker"], s=spec["size"],
                   c="white" if m.kind == "global" else "none", edgecolors="black", zorder=4)
    ax.set_xlim(*view)
    ax.set_xlabel("x", fontsize=12)
    ax.set_ylabel("loss", fontsize=12)
    ax.set_title(title or _title(surface), fontsize=13)
    legend = place_legend(ax, legend_handles(surface, drawn["handles"]))
    return {**drawn, "legend": legend, "view": np.array([view])}


def _title(surface) -> str:
    """The surface's name and description, wrapped so it never runs past the axes."""
    if not surface.description:
        return surface.name
    return "\n".join(textwrap.wrap(f"{surface.name}: {surface.description}", width=64))
