"""Numbers behind a contour plot, with no matplotlib: the view box, the grid, the levels."""

from __future__ import annotations

import numpy as np

from ..core.errors import InputError

GROW_LIMIT = 0.5  # the view grows to show runs leaving the box, by at most this many box sizes
PADDING = 0.05


def view_box(box, paths=()) -> np.ndarray:
    """The box, grown (with a margin) to include every finite point of ``paths``.

    ``box`` is ((x0, x1), (y0, y1)); each path is an (n, 2) array. Growth is capped at
    ``GROW_LIMIT`` box sizes on each side, so one run that flies off does not shrink the rest to
    a dot (it is drawn leaving the view, and reported as diverged).
    """
    box = np.array(box, dtype=float)
    size = box[:, 1] - box[:, 0]
    lo, hi = box[:, 0].copy(), box[:, 1].copy()
    for path in paths:
        path = np.asarray(path, dtype=float)
        finite = path[np.isfinite(path).all(axis=1)]
        if len(finite):
            lo = np.minimum(lo, finite.min(axis=0))
            hi = np.maximum(hi, finite.max(axis=0))
    grown = (lo < box[:, 0]) | (hi > box[:, 1])
    lo = np.where(grown, lo - PADDING * (hi - lo), lo)
    hi = np.where(grown, hi + PADDING * (hi - lo), hi)
    lo = np.maximum(lo, box[:, 0] - GROW_LIMIT * size)
    hi = np.minimum(hi, box[:, 1] + GROW_LIMIT * size)
    return np.stack([lo, hi], axis=1)


def loss_grid(surface, view, resolution: int = 240):
    """X, Y, Z arrays of the loss over ``view`` ((x0, x1), (y0, y1)) at ``resolution``^2 points.

    Where the loss is not finite (outside the formula's domain, or at a pole such as log(0))
    Z is NaN: drawn as a hole, never as an infinite axis limit.
    """
    xs = np.linspace(view[0][0], view[0][1], resolution)
    ys = np.linspace(view[1][0], view[1][1], resolution)
    X, Y = np.meshgrid(xs, ys)
    Z = surface.loss(np.column_stack([X.ravel(), Y.ravel()])).reshape(X.shape)
    if not np.isfinite(Z).any():  # (finite only on lines between the grid's points)
        raise InputError(f"{surface.name}: the loss is not finite anywhere on the "
                         f"{resolution} x {resolution} grid the picture is drawn on, so there "
                         f"is nothing to draw; check the formula, or narrow the box.")
    return X, Y, np.where(np.isfinite(Z), Z, np.nan)


def nice_ticks(lo: float, hi: float, mode: str = "linear", count: int = 6) -> np.ndarray:
    """Round tick values within [lo, hi]: steps of 1, 2, 2.5 or 5 times a power of ten
    (linear), or powers of ten above ``lo`` (log levels measure the loss above its minimum)."""
    if not hi > lo:
        return np.array([lo])
    if mode == "log":
        spread = hi - lo
        powers = 10.0 ** np.arange(np.ceil(np.log10(spread * 1e-6)), np.floor(np.log10(spread))
                                   + 1)
        powers = powers[:: max(1, int(np.ceil(len(powers) / count)))]
        ticks = lo + powers
        return ticks[(ticks >= lo) & (ticks <= hi)] if lo == 0 else _rounded(ticks)
    raw = (hi - lo) / count
    power = 10.0 ** np.floor(np.log10(raw))
    step = power * min((s for s in (1, 2, 2.5, 5, 10) if s * power >= raw), default=10)
    ticks = np.arange(np.ceil(lo / step) * step, hi + step * 1e-9, step)
    return np.round(ticks / step) * step + 0.0  # exact multiples; + 0.0 turns -0 into 0


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_label(value: float, _pos=None) -> str:
    """A tick label for a log axis: "10⁻³" for a power of ten (Unicode superscripts: plain text,
    so no mathtext to parse for every label), "0", else the number as %g."""
    if value == 0:
        return "0"
    exponent = np.log10(abs(value))
    if np.isfinite(exponent) and abs(exponent - round(exponent)) < 1e-9:
        text = "1" if round(exponent) == 0 else "10" + str(int(round(exponent))).translate(
            _SUPERSCRIPT)
        return ("−" if value < 0 else "") + text
    return f"{value:g}".replace("-", "−")


def symlog_ticks(linthresh: float, top: float) -> np.ndarray:
    """0 and the powers of ten from ten times ``linthresh`` up to ``top``, both signs: the
    decades inside the linear band around 0 would sit on top of each other."""
    powers = 10.0 ** np.arange(np.ceil(np.log10(linthresh * 10)), np.floor(np.log10(top)) + 1)
    return np.concatenate([-powers[::-1], [0.0], powers])


def _rounded(ticks: np.ndarray) -> np.ndarray:
    """Log ticks over a minimum that is not 0, to three significant digits."""
    return np.array([float(f"{t:.3g}") for t in ticks])


def spans_decades(values) -> bool:
    """True when log-spaced levels show the surface better than linear ones.

    Measured on the loss above its minimum: either the top is over 100x the median (a few steep
    walls would take all the linear levels), or the median is over 200x the 1st percentile (a
    narrow valley floor, as Rosenbrock's, would sit inside the lowest band). A quadratic bowl
    scores about 10 and 50-125 on these and stays linear.
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return False
    p1, p50, top = np.percentile(v - v.min(), [1, 50, 100])
    if top <= 0:
        return False
    return top > 100 * p50 or p50 > 200 * max(p1, 1e-300)


def contour_levels(Z, mode: str = "auto", count: int = 20,
                   cap_quantile: float = 0.85) -> tuple[np.ndarray, str]:
    """Contour levels for loss values ``Z`` and the mode used ('linear' or 'log').

    Linear levels stop at the ``cap_quantile`` of the values (what lies above is one "higher"
    band), so steep walls at the edge of the box do not squeeze the interesting region into one
    band. Log levels are spaced geometrically in (loss - min), from a small fraction of the range
    up to the maximum, so both the deep valley and the high walls get lines.
    """
    finite = Z[np.isfinite(Z)]
    zmin, zmax = float(finite.min()), float(finite.max())
    if zmax <= zmin:
        return np.array([zmin - 0.5, zmin + 0.5]), "linear"
    if mode == "auto":
        mode = "log" if spans_decades(finite) else "linear"
    if mode == "log":
        spread = zmax - zmin
        floor = max(float(np.percentile(finite - zmin, 0.5)), spread * 1e-6)
        levels = zmin + np.geomspace(floor, spread, count)
        return np.concatenate([[zmin], levels]), "log"
    top = float(np.quantile(finite, cap_quantile))
    return np.linspace(zmin, top if top > zmin else zmax, count + 1), "linear"
