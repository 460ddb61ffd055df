"""Pictures of comparisons: basins of attraction and small multiples of a sweep."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Patch

from . import legend, style
from .contour import draw_minima
from .figure import STILL_DPI, fit_title, image_format, legend_columns, new_figure, save
from .grid import nice_ticks, view_box
from .panels import ContourPanel
from .plane import caption, sliced

# Minima get the Okabe-Ito colours in order; diverged is black, not settled light grey.
MINIMUM_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
                  "#999999", "#7F3C8D")
DIVERGED_COLOR, UNSETTLED_COLOR = "#000000", "#E8E8E8"


def basin_colors(n_minima: int) -> list[str]:
    return [MINIMUM_COLORS[i % len(MINIMUM_COLORS)] for i in range(n_minima)] + [
        DIVERGED_COLOR, UNSETTLED_COLOR]


def draw_basins(axes, basins):
    """One panel per optimizer: each start coloured by where it ended; returns the images."""
    s = basins.surface
    colors = basin_colors(len(s.minima))
    # each category's colour as the colormap gives it, looked up here: an image of RGBA bytes
    # (4 a start) is drawn as it is, where categories would be normalized and colour-mapped
    # in float copies (110 bytes a start at a 1000 x 1000 grid)
    lut = ListedColormap(colors)(np.arange(len(colors)), bytes=True)
    (x0, x1), (y0, y1) = s.box
    images = []
    for ax, label, cats, i in zip(axes, basins.labels, basins.categories,
                                  range(len(basins.labels)), strict=True):
        images.append(ax.imshow(lut[cats], origin="lower", extent=(x0, x1, y0, y1),
                                interpolation="nearest", aspect="auto"))
        draw_minima(ax, s.minima)
        ax.set_title(f"{label}\n{basins.share(i, 'global'):.1%} reach a global minimum",
                     **style.LITERAL,
                     fontsize="large")
        ax.set_xlabel(f"start {s.axes[0]}")
    axes[0].set_ylabel(f"start {s.axes[1]}")
    return images


def basins_size(panels: int, most: float | None = None) -> tuple[float, float]:
    return at_most((4.6 * panels, 5.0), most)


def sweep_size(rows: int, cols: int, most: float | None = None) -> tuple[float, float]:
    # the panels keep the view's aspect, so narrower panels are lower too
    return at_most((4.2 * cols + 1.2, 3.6 * rows + 0.8), most, scale_height=True)


def at_most(size: tuple[float, float], width: float | None,
            scale_height: bool = False) -> tuple[float, float]:
    """``size`` (inches) no wider than ``width`` (and with ``scale_height`` as much lower): the
    panels get smaller and the text keeps its size, where a picture scaled down to fit (as a
    notebook does) shrinks its text too."""
    if width is None or size[0] <= width:
        return size
    return width, size[1] * (width / size[0] if scale_height else 1)


def sweep_layout(values) -> tuple[int, int]:
    """Rows and columns of a sweep's small multiples: the first swept list down, the second
    across; with more than two lists, one row per setting."""
    if len(values) > 2:
        return math.prod(len(v) for v in values), 1
    return len(values[0]), len(values[1]) if len(values) > 1 else 1


def save_basins(basins, path, dpi: int | None = None, fmt: str | None = None,
                width: float | None = None):
    """Each optimizer's basins side by side; ``path`` a file (its suffix picks the format) or a
    binary stream with ``fmt``; ``width``: the most inches wide it may be."""
    fmt = fmt or image_format(path)
    n = len(basins.labels)
    size = basins_size(n, width)
    fig = new_figure(*size, out_dpi=dpi or STILL_DPI)
    axes = [fig.add_subplot(1, n, i + 1) for i in range(n)]
    draw_basins(axes, basins)
    colors = basin_colors(len(basins.surface.minima))
    handles = [Patch(color=c, label=f"{m.kind} minimum ({', '.join(f'{v:.3g}' for v in m.point)})")
               for c, m in zip(colors, basins.surface.minima, strict=False)]
    handles += [Patch(color=DIVERGED_COLOR, label="diverged"),
                Patch(facecolor=UNSETTLED_COLOR, edgecolor="0.6",
                      label="elsewhere (no listed minimum)")]
    style.literal_legend(fig.legend(handles=handles, loc="outside lower center",
                                    ncols=legend_columns(handles, size[0]),
                                    frameon=False, fontsize="medium"))
    fig.suptitle(f"Where each start ends: {basins.surface.name}", fontsize="x-large",
                 **style.LITERAL)
    return save(fig, path, dpi=dpi or STILL_DPI, fmt=fmt)


def save_sweep_grid(sweep, path, dpi: int | None = None, fmt: str | None = None,
                    width: float | None = None):
    """Small multiples: one contour panel per swept setting, one shared view and colour scale;
    ``width``: the most inches wide it may be."""
    fmt = fmt or image_format(path)
    names, values = sweep.names, sweep.values
    rows, cols = sweep_layout(values)
    title = f"{sweep.optimizer} on {sweep.surface.name}: " + " x ".join(names)
    first = sweep.cells[0].result
    if sliced(first):  # one plane made of every panel's paths
        title += "\n" + caption(first, sum(len(c.result.runs) for c in sweep.cells))
    return save_small_multiples(sweep.surface, [(c.title, c.result) for c in sweep.cells],
                                rows, cols, title, path, dpi, fmt, width)


def save_small_multiples(surface, panels, rows, cols, title, path, dpi: int | None = None,
                         fmt: str | None = None, width: float | None = None):
    """One contour panel per (title, result), one shared view and colour scale; ``width``: the
    most inches wide it may be."""
    size = sweep_size(rows, cols, width)
    fig = new_figure(*size, out_dpi=dpi or STILL_DPI)
    view = view_box(surface.box, [r.points for _, res in panels for r in res.runs])
    drawn = []
    for k, (name, result) in enumerate(panels):
        ax = fig.add_subplot(rows, cols, k + 1)
        panel = ContourPanel(ax, result, colorbar=False, view=view)
        panel.show([r.steps for r in result.runs])
        status = ", ".join(sorted({r.status for r in result.runs}))
        ax.set_title(f"{name}\n{status}", fontsize="medium", **style.LITERAL)
        # axis names on the outer panels only (a plane's PC 1 and PC 2 say what the axes are)
        ax.set_xlabel(surface.axes[0] if k // cols == rows - 1 else "")
        ax.set_ylabel(surface.axes[1] if k % cols == 0 else "")
        drawn.append(panel)
    bar = fig.colorbar(drawn[0].filled, ax=fig.axes, shrink=0.8, spacing="uniform")
    bar.set_label("loss (one scale for all panels)")
    levels = drawn[0].levels
    ticks = nice_ticks(levels[0], levels[-1], drawn[0].level_mode)
    bar.set_ticks(ticks, labels=[f"{t:g}" for t in ticks])
    first = panels[0][1]
    handles = legend.figure_entries(first, [first.runs[0].optimizer], drawn[:1])
    style.literal_legend(fig.legend(handles=handles[1:], loc="outside lower center",
                                    ncols=legend_columns(handles[1:], size[0]),
                                    frameon=False, fontsize="medium"))
    # each line wrapped to the figure's width (a network's caption line is long)
    size_pt = FontProperties(size="x-large").get_size_in_points()
    fig.suptitle("\n".join(fit_title(line, size[0], size_pt) for line in title.split("\n")),
                 fontsize="x-large", **style.LITERAL)
    return save(fig, path, dpi=dpi or STILL_DPI, fmt=fmt or image_format(path))


__all__ = ["draw_basins", "save_basins", "save_small_multiples", "save_sweep_grid", "style"]
