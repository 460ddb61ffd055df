"""A convergence-rate map (``studies/rates.py``): two axes, each cell coloured by its measured
rate; one axis, the rate as a line. Diverged cells are grey, cells that did not converge in
their steps are hatched over their colour, the stability edge of gradient descent is a line,
and the theory's rates, when given, are contours (a dashed line on a line plot)."""

from __future__ import annotations

import textwrap

import numpy as np
from matplotlib import colormaps
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path

from . import style
from .figure import STILL_DPI, image_format, new_figure, save

COLORMAP = "viridis"  # sequential, perceptually even, readable with colour-blindness
DIVERGED_COLOR = "#BDBDBD"
HATCH_COLOR = "white"
EDGE_COLOR = "#D55E00"  # Okabe-Ito vermilion: apart from every viridis colour
PREDICTED_COLOR = "#F0F0F0"
MISS_COLOR = "black"
OPTIMUM_COLOR = "#CC79A7"  # Okabe-Ito reddish purple
# Contour levels of the predicted rate as 1 - gap: rates crowd near 1 (0.999 on rosenbrock
# against 0.7 on the valley), so the gaps run over decades
GAPS = (0.5, 0.3, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001, 5e-4, 2e-4, 1e-4)


def levels(predicted: np.ndarray) -> list[float]:
    """At most six contour levels of the predicted rate, spanning its values below 1."""
    inside = predicted[np.isfinite(predicted) & (predicted < 1)]
    if not inside.size:
        return []
    return sorted(1 - g for g in GAPS if inside.min() < 1 - g)[:6]  # the widest gaps


def edges(values: np.ndarray, log: bool) -> np.ndarray:
    """Cell edges around grid values (halfway between, in log where the axis is log)."""
    v = np.log(values) if log else values
    mid = (v[1:] + v[:-1]) / 2
    out = np.concatenate([[v[0] - (mid[0] - v[0])], mid, [v[-1] + (v[-1] - mid[-1])]])
    return np.exp(out) if log else out


def label(axis) -> str:
    return axis.name + (" (log scale)" if axis.log else "")


def save_rates(found, path, dpi: int | None = None, fmt: str | None = None,
               title: str | None = None):
    """Draw ``found`` (a ``RateMap``) and save it, titled ``title`` (default: what it is); the
    suffix picks the format."""
    fmt = fmt or image_format(path)
    fig = new_figure(9.0, 6.4, out_dpi=dpi or STILL_DPI)
    fig.set_layout_engine("none")  # placed by hand: the legend and caption below the map
    ax = fig.add_axes((0.1, 0.3, 0.72, 0.6))
    handles = draw_map(fig, ax, found) if len(found.axes) == 2 else draw_line(ax, found)
    title = "\n".join(textwrap.wrap(
        title or f"{found.optimizer} on {found.surface.name}: measured convergence rate", 80))
    fig.suptitle(title, fontsize="x-large", **style.LITERAL)
    text = fig.text(0.08, 0.015, caption(found), fontsize="x-small", va="bottom",
                    **style.LITERAL)
    legend = fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.08, 0.1), ncols=2,
                        frameon=False, fontsize="small")
    style.literal_legend(legend)
    _stack(fig, text, legend, top=0.85 if "\n" in title else 0.9)
    return save(fig, path, dpi=dpi or STILL_DPI, fmt=fmt)


def _stack(fig, text, legend, top: float) -> None:
    """Place, from the bottom up, the caption, the legend above it and the map (and its colour
    bar) above that, leaving room for the axis labels: a long caption (a theory's note) moves
    the rest up instead of running into the legend."""
    renderer = fig.canvas.get_renderer()
    height = fig.bbox.height
    caption_top = 0.015 + text.get_window_extent(renderer).height / height
    legend.set_bbox_to_anchor((0.08, caption_top + 0.01), transform=fig.transFigure)
    legend_top = caption_top + 0.01 + legend.get_window_extent(renderer).height / height
    bottom = legend_top + 0.1  # the tick labels and the axis label below the map
    ax, *bar = fig.axes
    ax.set_position((0.1, bottom, 0.72, top - bottom))
    for cax in bar:
        cax.set_position((0.85, bottom, 0.03, top - bottom))


def caption(found) -> str:
    start = ", ".join(f"{v:g}" for v in found.start)
    shared = ", ".join(f"{k}={v:g}" for k, v in found.hyperparams.items()
                       if isinstance(v, float))
    text = (f"{found.steps} steps from ({start}); {shared}. Rate: the per-step factor of "
            f"the distance to the minimum reached ({found.how.split(': ', 1)[1]}).")
    if found.predicted_note:
        text += " No predicted rate is drawn: " + found.predicted_note
    return "\n".join(textwrap.wrap(text, 125))


def cells_path(mask: np.ndarray, x_edges: np.ndarray, y_edges: np.ndarray) -> Path:
    """The cells of ``mask`` (n_y, n_x) as one path of rectangles, hatched in one pass (a
    hatched patch per cell takes seconds at 100 x 100)."""
    rows, columns = np.nonzero(mask)
    x0, x1 = x_edges[columns], x_edges[columns + 1]
    y0, y1 = y_edges[rows], y_edges[rows + 1]
    corners = np.stack([np.c_[x0, y0], np.c_[x1, y0], np.c_[x1, y1], np.c_[x0, y1],
                        np.c_[x0, y0]], axis=1).reshape(-1, 2)
    codes = np.tile([Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY],
                    len(rows))
    return Path(corners, codes)


def draw_map(fig, ax, found) -> list:
    x, y = found.axes
    rate = np.where(found.cells("diverged"), np.nan, found.measured)
    cell_edges = edges(x.values, x.log), edges(y.values, y.log)
    mesh = ax.pcolormesh(*cell_edges, np.ma.masked_invalid(rate),
                         cmap=colormaps[COLORMAP].with_extremes(bad=DIVERGED_COLOR),
                         vmin=found.lowest_shown(), vmax=1.0, shading="flat")
    waiting = found.cells("not converged")
    if waiting.any():
        ax.add_patch(PathPatch(cells_path(waiting, *cell_edges), hatch="///",
                               facecolor="none", edgecolor=HATCH_COLOR, linewidth=0.0))
    bar = fig.colorbar(mesh, cax=fig.add_axes((0.85, 0.3, 0.03, 0.6)))
    bar.set_label("measured rate (distance factor per step; lower is faster)")
    ax.set_xscale("log" if x.log else "linear")
    ax.set_yscale("log" if y.log else "linear")
    ax.set_xlabel(label(x))
    ax.set_ylabel(label(y))
    handles = [Patch(facecolor=DIVERGED_COLOR, label="diverged"),
               Patch(facecolor="#21918C", hatch="///", edgecolor=HATCH_COLOR,
                     label=f"not converged in {found.steps} steps (rate so far)")]
    handles += _edge(ax, found, x, y)
    if found.predicted is not None and not found.predicted_note:  # (a note: it does not hold)
        handles += _theory(ax, found, x, y, cell_edges)
    ax.set_xlim(cell_edges[0][[0, -1]])
    ax.set_ylim(cell_edges[1][[0, -1]])
    return handles


def _theory(ax, found, x, y, cell_edges) -> list:
    """The predicted rate as contours; where the runs part from it, marked: converged cells
    whose rate differs by more than ``found.match`` (dots) and cells it says converge that
    diverged (crossed); the heavy ball's optimum as a star."""
    X, Y = np.meshgrid(x.values, y.values)
    handles = []
    chosen = levels(found.predicted)
    if chosen:
        lines = ax.contour(X, Y, found.predicted, levels=chosen, colors=PREDICTED_COLOR,
                           linestyles="--", linewidths=1.2)
        for label in ax.clabel(lines, fmt="%g", fontsize="x-small"):  # readable on hatching
            label.set_bbox({"facecolor": "black", "alpha": 0.45, "pad": 0.6,
                            "edgecolor": "none"})
        handles.append(Line2D([], [], color="0.4", linestyle="--",
                              label="predicted rate (theory at the minimum)"))
    off = found.differs()
    if off.any():
        # black dots ringed in white: seen on the darkest and the lightest colours
        ax.scatter(X[off], Y[off], s=9, color=MISS_COLOR, marker="o", edgecolors="white",
                   linewidths=0.5, zorder=3)
        handles.append(_miss_handle(found))
    blind = found.blind()
    if blind.any():
        ax.add_patch(PathPatch(cells_path(blind, *cell_edges), hatch="xx",
                               facecolor="none", edgecolor="0.45", linewidth=0.0))
        handles.append(Patch(facecolor=DIVERGED_COLOR, hatch="xx", edgecolor="0.45",
                             label="diverged where the theory says it converges"))
    if found.optimum is not None:
        lr, mu, rate = found.optimum
        at = (lr, mu) if x.name == "lr" else (mu, lr)
        ax.scatter(*at, marker="*", s=260, color=OPTIMUM_COLOR, edgecolors="white",
                   linewidths=1.2, zorder=4)
        handles.append(Line2D([], [], marker="*", markersize=14, color=OPTIMUM_COLOR,
                              markeredgecolor="white", linestyle="",
                              label=f"theory's optimum: lr {lr:.3g}, momentum {mu:.3g} "
                                    f"(rate {rate:.3g})"))
    return handles


def _miss_handle(found) -> Line2D:
    return Line2D([], [], color=MISS_COLOR, marker="o", markersize=4, markeredgecolor="white",
                  markeredgewidth=0.5, linestyle="",
                  label=f"measured differs from predicted by > {found.match:g}")


def _edge(ax, found, *axes) -> list:
    """The stability edge lr = 2/lambda_max, where lr is an axis and the edge inside it."""
    edge = found.stability_edge
    for k, axis in enumerate(axes):
        if axis.name != "lr" or edge is None or not axis.low <= edge <= axis.high:
            continue
        (ax.axvline if k == 0 else ax.axhline)(edge, color=EDGE_COLOR, linewidth=2)
        return [Line2D([], [], color=EDGE_COLOR, linewidth=2,
                       label=f"stability edge of gradient descent: lr = 2/λmax = {edge:.4g}")]
    return []


def draw_line(ax, found) -> list:
    (x,) = found.axes
    values, rate = x.values, found.measured
    ax.plot(values, np.where(found.cells("diverged"), np.nan, rate), color="#0072B2",
            linewidth=1.5, zorder=2)
    marks = [("converged", "o", "#0072B2", "converged"),
             ("not converged", "s", "#E69F00", f"not converged in {found.steps} steps"),
             ("diverged", "x", "#000000", "diverged (drawn at 1)")]
    handles = []
    for status, marker, color, text in marks:
        chosen = found.cells(status)
        if not chosen.any():
            continue
        y = np.ones(chosen.sum()) if status == "diverged" else rate[chosen]
        ax.scatter(values[chosen], y, marker=marker, color=color, s=18, zorder=3)
        handles.append(Line2D([], [], marker=marker, color=color, linestyle="", label=text))
    shown = rate[np.isfinite(rate)]
    if found.predicted is not None and not found.predicted_note:
        inside = found.predicted[(found.predicted >= 0) & (found.predicted <= 1)]
        shown = np.concatenate([shown, inside])
        ax.plot(values, found.predicted, color="#CC79A7", linestyle="--", linewidth=1.5)
        off = found.differs()
        if off.any():
            ax.scatter(values[off], rate[off], s=60, facecolors="none", edgecolors=MISS_COLOR,
                       linewidths=1.2, zorder=4)
            handles.append(Line2D([], [], marker="o", markersize=8, markerfacecolor="none",
                                  color=MISS_COLOR, linestyle="",
                                  label=f"measured differs from predicted by > "
                                        f"{found.match:g}"))
        handles.append(Line2D([], [], color="#CC79A7", linestyle="--",
                              label="predicted rate (theory at the minimum)"))
    handles += _edge(ax, found, x)
    low = float(shown.min()) if shown.size else 0.0
    ax.set_ylim(low - 0.05 * (1.0 - low) - 1e-3, 1.0 + 0.05 * (1.0 - low) + 1e-3)
    ax.set_xscale("log" if x.log else "linear")
    ax.set_xlabel(label(x))
    ax.set_ylabel("measured rate (distance factor per step)")
    ax.grid(True, color="0.9")
    return handles
