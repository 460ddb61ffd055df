"""Drawing pieces of the contour view: the filled background, its lines and the minima.

Each function takes an ``Axes`` and precomputed arrays and returns the artists it made.
"""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import BoundaryNorm, ListedColormap

from . import style


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
