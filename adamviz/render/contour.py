"""Drawing pieces of the contour view: the filled background, its lines, the minima and the
colour bar.

Each function takes an ``Axes`` and precomputed arrays and returns the artists it made.
"""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps, rcParams
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.ticker import FuncFormatter, Locator
from matplotlib.transforms import Affine2D, ScaledTranslation, blended_transform_factory

from . import style
from .grid import nice_ticks


def background_cmap() -> ListedColormap:
    lo, hi = style.background_range()
    base = colormaps[style.BACKGROUND_CMAP]
    return ListedColormap(base(np.linspace(lo, hi, 256)), name="adamviz-background")


def draw_surface(ax, X, Y, Z, levels):
    """Filled contours and thin contour lines; returns (filled, lines)."""
    cmap = background_cmap()
    extend = "max"
    top = float(np.nanmax(Z, initial=-np.inf))
    if max(levels[-1], top) >= 2.0**52:
        # matplotlib puts the "higher" band's upper edge at max(levels, Z) + 1, which rounds
        # to its lower edge past 2**52 (exp(700*x) reaches 1e304): close the band at the top
        # value instead, a last level of its own
        extend = "neither"
        if top > levels[-1]:
            levels = np.append(levels, np.nextafter(top, np.inf))
    norm = BoundaryNorm(levels, cmap.N, extend=extend)
    with np.errstate(invalid="ignore"):
        filled = ax.contourf(X, Y, Z, levels=levels, cmap=cmap, norm=norm, extend=extend)
        lines = ax.contour(X, Y, Z, levels=levels, colors=style.contour_line(), linewidths=0.4,
                           alpha=0.35)
    return filled, lines


def draw_minima(ax, minima):
    """Global minima as white stars, local ones as hollow diamonds; returns the artists."""
    artists = []
    for kind, spec in (("global", style.GLOBAL_MIN), ("local", style.LOCAL_MIN)):
        pts = np.array([m.point for m in minima if m.kind == kind], dtype=float).reshape(-1, 2)
        if len(pts):
            artists.append(ax.scatter(pts[:, 0], pts[:, 1], marker=spec["marker"], s=spec["size"],
                                      c=spec["color"], edgecolors=style.ink(),
                                      linewidths=1.5, zorder=6, label=f"{kind} minimum"))
    return artists


def draw_colorbar(ax, filled, levels, mode: str):
    """The loss scale beside the surface, with round ticks that never overlap.

    In a figure with a layout engine the bar stands beside the Axes as tall as it is drawn
    (an Axes at equal scale is often shorter than its grid cell, and a bar sized to the cell
    would tower over it), and the layout makes room for it. On a user's figure with no layout
    engine it takes its room from the Axes, as matplotlib's colour bars do.
    """
    if ax.figure.get_layout_engine() is not None:
        size = rcParams["font.size"]  # points: the bar is as wide as 1.4 characters are tall
        points = Affine2D().scale(1 / 72) + ax.figure.dpi_scale_trans
        beside = blended_transform_factory(points + ScaledTranslation(1, 0, ax.transAxes),
                                           ax.transAxes)
        bar = ax.figure.colorbar(filled, cax=ax.inset_axes([0.8 * size, 0, 1.4 * size, 1],
                                                           transform=beside),
                                 spacing="uniform")
    else:
        bar = ax.figure.colorbar(filled, ax=ax, shrink=0.85, pad=0.02, spacing="uniform")
    bar.set_label("loss" + (" (log-spaced levels)" if mode == "log" else ""), fontsize="large")
    bar.locator = SpacedTicks(nice_ticks(levels[0], levels[-1], mode))
    bar.formatter = FuncFormatter(lambda value, _pos: f"{value:g}")
    return bar


class SpacedTicks(Locator):
    """Ticks at ``values``, keeping from the top down only those at least a label's height
    (and a little) from the last one kept, as the axis is drawn now: log-spaced levels bunch
    the small values at the bottom of a bar, and a short bar (a small panel, large text) has
    room for fewer labels."""

    def __init__(self, values):
        self.values = np.sort(np.asarray(values, dtype=float))[::-1]

    def __call__(self):
        axis = self.axis
        low, high = sorted(axis.get_view_interval())
        shown = self.values[(self.values >= low) & (self.values <= high)]
        if len(shown) < 2:
            return shown
        long = 1 if axis.axis_name == "y" else 0
        pairs = np.zeros((len(shown), 2))
        pairs[:, long] = shown
        pixels = axis.axes.transData.transform(pairs)[:, long]
        label = axis.get_major_ticks(1)[0].label1.get_fontsize()
        gap = 1.4 * label * axis.figure.dpi / 72
        kept = [0]
        for i in range(1, len(shown)):
            if abs(pixels[i] - pixels[kept[-1]]) >= gap:
                kept.append(i)
        return shown[kept]

    def tick_values(self, vmin, vmax):
        return self.values[(self.values >= min(vmin, vmax)) & (self.values <= max(vmin, vmax))]
