"""How far to trust a picture of runs that live in many dimensions but are drawn on one plane.

A sliced result (runs on a network of P parameters, projected onto a 2-D plane; its surface has
a ``plane`` with ``kind``, ``explained`` and ``about``) draws like any other, and says where the
picture lies: a path fades where it leaves the plane (``FadedPaths``), the loss view shows the
gap between the true loss and the plane's, the title names the plane and the share of the paths'
variance it holds (``caption``), and the steps and moments views summarize the P coordinates
(``spread``) instead of drawing a line each.

Fading: a step's distance from the plane is measured against ``fade_scale``, the spread of the
projected points (the root-mean-square distance of every run's points on the plane from their
centre): a path on the plane is opaque, one at least that far off it has alpha ``FADE_FLOOR``,
linearly between. A path as far from the plane as the paths are wide on it is a picture of
something else.
"""

from __future__ import annotations

import warnings

import numpy as np
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..plane_kinds import TITLES, percent
from . import style

FADE_FLOOR = 0.2  # the alpha at fade_scale or farther: faint, but the path is still seen
# Alphas come in steps of 0.1 (1.0 down to FADE_FLOOR), and the steps of one alpha are drawn as
# one path: drawn step by step, the round caps of hundreds of short steps pile up and a faint
# path would look opaque again.
FADE_STEP = 0.1
BAND_ALPHA = 0.25  # the light bands (the loss gap, the 10-90% spread) under their lines
GAP_LABEL = "gap: true loss vs the plane's loss"
SPREAD = (10, 90)  # the percentiles the steps and moments views band over the coordinates


def sliced(result) -> bool:
    """Whether ``result``'s runs were projected onto a plane through more parameters."""
    return getattr(result.surface, "plane", None) is not None


def parameter_count(result) -> int | None:
    """P, the number of parameters the runs moved in (None when no run kept them)."""
    found = [run.parameters.shape[1] for run in result.runs if run.parameters is not None]
    return max(found) if found else None


def panel_title(result) -> str:
    """The contour panel's title on a plane: which plane the paths are drawn on."""
    return plane_name(result.surface.plane)


def plane_name(found) -> str:
    """A plane as a panel's title names it: "PCA plane: 98% of the variance"."""
    return f"{TITLES[found.kind]} plane: {percent(found.explained)} of the variance"


def caption(result, paths: int | None = None, planes: int = 1) -> str:
    """One line under the title: the plane the runs are drawn on and the share of the paths'
    variance it holds (``paths``: how many paths made the plane, default the result's). On
    ``planes`` planes, one panel each, a line for one plane would speak for one panel only:
    it says where each panel's share is given instead."""
    plane = result.surface.plane
    n = len(result.runs) if paths is None else paths
    paths_ = "the path's" if n == 1 else f"the {n} paths'"
    if planes > 1:
        return (f"drawn on {planes} planes: each panel's title says how much of {paths_} "
                f"variance its plane holds")
    these = "the path" if n == 1 else f"the {n} paths"
    named = {"pca": f"the PCA plane of {these}",
             "random": "a random plane (two filter-normalized directions)",
             "hessian": "the plane of the Hessian's top two eigenvectors"}
    where = named.get(plane.kind, plane.about or f"a {plane.kind} plane")
    whose = ("its" if n == 1 else "their") if plane.kind == "pca" else paths_
    return f"on {where}: it holds {percent(plane.explained)} of {whose} variance"


def fade_scale(runs) -> float:
    """The distance from the plane at which a path is faintest: the spread of all runs'
    projected points (root-mean-square distance from their centre); 1 when they have none."""
    points = np.concatenate([run.points for run in runs])
    points = points[np.isfinite(points).all(axis=1)]
    if len(points) < 2:
        return 1.0
    spread = float(np.sqrt(np.mean(np.sum((points - points.mean(axis=0)) ** 2, axis=1))))
    return spread if spread > 0 else 1.0


def point_alphas(run, scale: float) -> np.ndarray:
    """(steps+1,) each step's alpha: 1 on the plane, ``FADE_FLOOR`` at ``scale`` or farther (or
    unknown), in steps of ``FADE_STEP``; all 1 for a run with no distances."""
    if run.off_plane is None:
        return np.ones(len(run.points))
    off = np.asarray(run.off_plane, dtype=float)
    with np.errstate(invalid="ignore"):
        far = np.where(np.isfinite(off), np.clip(off / scale, 0.0, 1.0), 1.0)
    alpha = 1.0 - (1.0 - FADE_FLOOR) * far
    return np.maximum(np.round(alpha / FADE_STEP) * FADE_STEP, FADE_FLOOR)


def segment_alphas(run, scale: float) -> np.ndarray:
    """(steps,) the alpha of the step from k-1 to k: its farther end's (a step is as
    trustworthy as its worse end)."""
    alpha = point_alphas(run, scale)
    return np.minimum(alpha[:-1], alpha[1:])


def pieces(alphas: np.ndarray) -> list[tuple[int, int, float]]:
    """The steps cut into runs of one alpha: (first step, last step + 1, alpha); step k joins
    point k-1 to point k, here counted from 0."""
    if len(alphas) == 0:
        return []
    cuts = np.flatnonzero(np.diff(alphas) != 0) + 1
    starts = [0, *cuts.tolist()]
    stops = [*cuts.tolist(), len(alphas)]
    return [(a, b, float(alphas[a])) for a, b in zip(starts, stops, strict=True)]


class FadedPaths:
    """Paths drawn in pieces of one alpha each, in a collection made by ``make`` (a 2-D or 3-D
    LineCollection), with an optional halo collection under it; ``show(ks)`` draws each path
    up to its step ``ks[i]``."""

    def __init__(self, coords, alphas, colors, linestyles, lines, halo=None):
        """``coords``: per path its points ((steps+1, 2) or (steps+1, 3)); ``alphas``: per
        path its steps' alphas (``segment_alphas``)."""
        self.coords, self.colors, self.linestyles = coords, colors, linestyles
        self.pieces = [pieces(a) for a in alphas]
        self.first = [float(a[0]) if len(a) else 1.0 for a in alphas]
        self.lines, self.halo = lines, halo

    @property
    def artists(self) -> list:
        return [a for a in (self.halo, self.lines) if a is not None]

    def segments(self, ks):
        """(paths, RGBA colours, line styles) of the pieces up to steps ``ks``."""
        paths, colors, styles = [], [], []
        for coords, cut, first, color, dash, k in zip(
                self.coords, self.pieces, self.first, self.colors, self.linestyles, ks,
                strict=True):
            shown = [(a, min(b, k), alpha) for a, b, alpha in cut if a < k] or [(0, 0, first)]
            for a, b, alpha in shown:
                paths.append(coords[a: b + 1])
                colors.append(to_rgba(color, alpha))
                styles.append(dash)
        return paths, colors, styles

    def show(self, ks) -> None:
        paths, colors, styles = self.segments(ks)
        self.lines.set_segments(paths)
        self.lines.set_color(colors)
        self.lines.set_linestyle(styles)
        if self.halo is not None:
            halo = to_rgba(style.DARK_HALO if style.dark() else style.HALO["color"])
            self.halo.set_segments(paths)
            self.halo.set_color([(*halo[:3], style.HALO["alpha"] * c[3]) for c in colors])
            self.halo.set_linestyle(styles)


def contour_paths(panel) -> FadedPaths:
    """A contour panel's paths on a sliced result: each step as opaque as its run is near the
    plane, over a halo that fades with it, the longest paths first as unsliced ones are."""
    width, order = style.lw(2.2), panel.order
    # Butt caps: round ones overlap where two pieces meet, a darker bead on a faded path (the
    # path's ends lie under the start, end and head markers).
    common = {"capstyle": "butt", "joinstyle": "round"}
    halo = LineCollection([], linewidths=width + style.HALO["extra"], zorder=4.9, **common)
    lines = LineCollection([], linewidths=width, zorder=5, **common)
    runs = [panel.runs[i] for i in order]
    return FadedPaths([r.points for r in runs],
                      [segment_alphas(r, panel.fade_scale) for r in runs],
                      [panel.colors[i] for i in order], [panel.linestyles[i] for i in order],
                      lines, halo)


FADE_LABEL = "faded: off the plane"


def fade_entry() -> Line2D:
    """The legend's word on what the fading means (one label whatever a panel's scale, so
    panels on several planes share one entry)."""
    return Line2D([], [], color=style.ink(), alpha=FADE_FLOOR + 0.1, lw=style.lw(2.2),
                  label=FADE_LABEL)


def gap_entry() -> Patch:
    return Patch(facecolor=style.ink(), alpha=BAND_ALPHA, linewidth=0, label=GAP_LABEL)


def band_vertices(x, upper, lower) -> np.ndarray:
    """The outline of the band between two curves over ``x``: along ``upper``, back along
    ``lower``."""
    return np.concatenate([np.column_stack([x, upper]),
                           np.column_stack([x, lower])[::-1]])


def spread(values) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per step (row) of ``values`` (steps+1, P): the median over the coordinates and the
    ``SPREAD`` percentiles; NaN where a step has no finite value (row 0)."""
    values = np.asarray(values, dtype=float)
    with warnings.catch_warnings():  # the rows with no value (step 0) are NaN, as meant
        warnings.simplefilter("ignore", RuntimeWarning)
        low, median, high = np.nanpercentile(values, [SPREAD[0], 50, SPREAD[1]], axis=1)
    return median, low, high


class GapBands:
    """The loss view's band per run between its true loss and the plane's loss at its projected
    point, light in the run's colour, drawn up to the step shown."""

    def __init__(self, ax, curves, colors):
        """``curves``: per run (true, plane), as the panel draws them (offset, log floor)."""
        self.curves = curves
        self.bands = [PolyCollection([], closed=False, facecolors=[to_rgba(c, BAND_ALPHA)],
                                     linewidths=0, zorder=1.5) for c in colors]
        for band in self.bands:
            ax.add_collection(band)

    @property
    def artists(self) -> list:
        return list(self.bands)

    def values(self) -> np.ndarray:
        """Every plane loss drawn, for the axis's limits."""
        values = np.concatenate([plane for _, plane in self.curves])
        return values[np.isfinite(values)]

    def show(self, ks) -> None:
        for band, (true, plane), k in zip(self.bands, self.curves, ks, strict=True):
            true, plane = true[: k + 1], plane[: k + 1]
            known = np.isfinite(true) & np.isfinite(plane)  # (a band through NaN is not drawn)
            steps = np.arange(k + 1)[known]
            band.set_verts([band_vertices(steps, true[known], plane[known])], closed=False)


class SpreadLine:
    """One run's (steps+1, P) per-coordinate values as the median over the coordinates, a line,
    over the band of the ``SPREAD`` percentiles, light in the same colour; from step 1."""

    def __init__(self, ax, values, color, linewidth: float):
        self.median, self.low, self.high = spread(values)
        self.line = ax.plot([], [], color=color, lw=linewidth)[0]
        self.band = PolyCollection([], closed=False, facecolors=[to_rgba(color, BAND_ALPHA)],
                                   linewidths=0)
        ax.add_collection(self.band)

    @property
    def artists(self) -> list:
        return [self.band, self.line]

    def values(self) -> np.ndarray:
        return np.concatenate([self.low, self.median, self.high])

    def show(self, k: int) -> None:
        steps = np.arange(1, k + 1)
        self.line.set_data(steps, self.median[1: k + 1])
        high, low = self.high[1: k + 1], self.low[1: k + 1]
        known = np.isfinite(high) & np.isfinite(low)  # a band through NaN is not drawn at all
        self.band.set_verts([band_vertices(steps[known], high[known], low[known])],
                           closed=False)


def spread_key(result) -> str:
    """What a ``SpreadLine`` shows, for the axis that names its steps."""
    size = parameter_count(result)
    return (f"median of {f'{size:,} ' if size else 'the '}coordinates, {SPREAD[0]}–{SPREAD[1]}% "
            f"band")


def dimensions(result) -> str:
    """" (6-D)": the dimension a sliced result's steps are measured in, for a label."""
    size = parameter_count(result)
    return f" ({size:,}-D)" if size else ""
