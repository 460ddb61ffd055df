"""The numbers each view draws, computed without matplotlib (tested on their own)."""

from __future__ import annotations

import math

import numpy as np

DEFAULT_CAMERA = (35.0, -60.0)  # matplotlib's (elevation, azimuth), for one minimum or none
ACROSS_CAMERA = (25.0, 10.0)  # elevation, and the turn off square, across two minima


def loss_reference(surface, runs) -> tuple[float | None, bool]:
    """(offset, log): plot loss - offset on a log axis when the values span decades.

    The offset is the global minimum's loss when the surface lists one, so the log axis shows
    the gap to the optimum; a positive loss is drawn as it is. A loss over data with its
    validation loss beside it is drawn as it is: the two are compared on one scale, and the
    training minimum says nothing of the validation loss.
    """
    values = np.concatenate([r.losses for r in runs])
    values = values[np.isfinite(values)]
    offset = None
    compared = getattr(surface, "has_validation", False) and any(r.monitor is not None
                                                                  for r in runs)
    if surface.minima and not compared:
        glob = [m for m in surface.minima if m.kind == "global"] or list(surface.minima)
        offset = float(surface.loss(np.array([glob[0].point]))[0])
    shifted = values - (offset if offset is not None else 0.0)
    held = [r.monitor for r in runs if r.monitor is not None]  # drawn as they are
    if held:
        shifted = np.concatenate([shifted, *held])
        shifted = shifted[np.isfinite(shifted)]
    positive = shifted[shifted > 0]
    if positive.size < 2 or (offset is None and (values <= 0).any()):
        return offset, False
    # training and validation loss side by side differ by little: a log axis shows it sooner
    spans = positive.max() / max(positive.min(), 1e-300) > (3 if compared else 100)
    return offset, bool(spans)


def side_view(surface, view, resolution: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """The curve the profile view draws: f(x), or for f(x, y) the lowest loss over y in the view
    (the valley floor seen from the side, which every point of a run lies on or above)."""
    xs = np.linspace(view[0][0], view[0][1], resolution)
    if surface.dims == 1:
        return xs, surface.loss(xs[:, None])
    ys = np.linspace(view[1][0], view[1][1], resolution)
    X, Y = np.meshgrid(xs, ys)
    Z = surface.loss(np.column_stack([X.ravel(), Y.ravel()])).reshape(X.shape)
    lowest = np.where(np.isfinite(Z), Z, np.inf).min(axis=0)  # a column with no finite loss
    return xs, np.where(np.isfinite(lowest), lowest, np.nan)  # is a gap in the curve


def clip_height(Z: np.ndarray, quantile: float = 0.9) -> float:
    """A z limit for the 3d view: steep walls are cut so the valley keeps its shape."""
    finite = Z[np.isfinite(Z)]
    lo, top = float(finite.min()), float(np.quantile(finite, quantile))
    return top if top > lo else float(finite.max())


def camera(minima, elev: float | None = None, azim: float | None = None) -> tuple[float, float]:
    """The 3d view's (elevation, azimuth) in degrees; a given angle is kept.

    With two minima or more, the camera looks across the line from the first global minimum
    to the nearest other one, lower x on the left: both minima side by side, and what rises
    between them (the hump) seen from the side against the far wall. It looks from 25 degrees
    up, turned 10 degrees off square so that the y axis is not seen edge-on. With fewer
    minima, matplotlib's default.
    """
    points = [np.asarray(m.point, dtype=float) for m in minima]
    if len(points) < 2:
        across = DEFAULT_CAMERA
    else:
        first = next((p for p, m in zip(points, minima, strict=True) if m.kind == "global"),
                     points[0])
        other = min((p for p in points if p is not first),
                    key=lambda p: float(np.hypot(*(p - first))))
        dx, dy = other - first
        if dx < 0 or (dx == 0 and dy < 0):
            dx, dy = -dx, -dy
        turn = math.degrees(math.atan2(dy, dx)) - 90 + ACROSS_CAMERA[1]
        across = (ACROSS_CAMERA[0], (turn + 180) % 360 - 180)
    return (across[0] if elev is None else elev, across[1] if azim is None else azim)
