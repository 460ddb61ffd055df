"""The numeric checks of a surface, made once before it is first used (listing surfaces stays
fast: it only parses). Each refusal names the file and says what would be right.

- The formula is finite somewhere in the box (``log(-1 - x**2)`` is nowhere).
- Every listed minimum is one: its gradient is near zero against the surface's typical gradient
  on the box, and its Hessian is positive semi-definite. Otherwise the message gives the nearest
  stationary point (Newton's method from the listed one) and what kind it is.
- No local minimum lies below a global one.
"""

from __future__ import annotations

import numpy as np

from .core.differences import central
from .core.errors import InputError, describe
from .core.names import count

SAMPLES = 41  # per side of the grid the box is sampled on
GRADIENT_TOL = 1e-4  # a minimum's gradient, relative to the median gradient over the box
CURVATURE_TOL = 1e-6  # its Hessian's lowest eigenvalue, relative to the typical curvature


def check(surface) -> None:
    """Raise ``InputError`` unless ``surface`` is numerically usable as listed."""
    grid = _grid(surface)
    with np.errstate(all="ignore"):
        values = surface.loss(grid)
    _finite_somewhere(surface, grid, values)
    held_out = getattr(surface, "validation_loss", lambda _: None)(grid)
    if held_out is not None:
        _finite_somewhere(surface, grid, held_out, held_out=True)
    if not surface.minima:
        return
    with np.errstate(all="ignore"):  # the typical gradient and curvature, to judge minima by
        grads = np.linalg.norm(surface.gradient(grid), axis=1)
        hess = np.abs(surface.hessian(grid)).reshape(len(grid), -1).max(axis=1)
    g_scale = float(np.median(grads[np.isfinite(grads)])) if np.isfinite(grads).any() else 1.0
    h_scale = float(np.median(hess[np.isfinite(hess)])) if np.isfinite(hess).any() else 1.0
    losses = []
    for i, minimum in enumerate(surface.minima):
        where = f"{surface.source}: minima[{i}] at {_text(minimum.point)}"
        losses.append(_check_minimum(surface, minimum, where, g_scale, h_scale))
    glob = [v for v, m in zip(losses, surface.minima, strict=True) if m.kind == "global"]
    for i, (value, minimum) in enumerate(zip(losses, surface.minima, strict=True)):
        if minimum.kind == "local" and glob and value < min(glob) - 1e-12 * (1 + abs(value)):
            raise InputError(f"{surface.source}: minima[{i}] (local, loss {value:.6g}) is lower "
                             f"than the global minimum (loss {min(glob):.6g}); swap their "
                             f"kinds.")


def _finite_somewhere(surface, grid, values, held_out: bool = False) -> None:
    """The loss (``held_out``: over the validation rows) is finite somewhere on ``grid``; over
    data, the cause is often one row (the log of a negative value): named when it is."""
    if np.isfinite(values).any():
        return
    centre = len(values) // 2
    row = surface.data.undefined_row(grid[centre], held_out) if hasattr(surface, "data") \
        else None
    what = "the validation loss" if held_out else f"expr {surface.expr!r}"
    raise InputError(f"{surface.source}: {what} is not finite anywhere in the box (at the "
                     f"centre it is {values[centre]}" +
                     (f"; {row}); check the data and the formula." if row else
                      "); check the formula and xlim/ylim."))


def _grid(surface) -> np.ndarray:
    axes = [np.linspace(lo, hi, SAMPLES) for lo, hi in surface.box]
    mesh = np.meshgrid(*axes)
    return np.column_stack([m.ravel() for m in mesh])


def _check_minimum(surface, minimum, where, g_scale, h_scale) -> float:
    point = np.array([minimum.point], dtype=float)
    value = float(surface.loss(point)[0])
    grad = surface.gradient(point)[0]
    if not np.isfinite(value) or not np.isfinite(grad).all():
        raise InputError(f"{where}: the loss or its gradient is not finite there.")
    if np.linalg.norm(grad) > GRADIENT_TOL * max(g_scale, 1e-300):
        raise InputError(f"{where} is not a minimum: the gradient there is {_text(grad)}, "
                         f"against a typical {g_scale:.3g} on the box; "
                         f"{_nearest(surface, point[0])}.")
    lowest = float(np.linalg.eigvalsh(surface.hessian(point)[0]).min())
    if lowest < -CURVATURE_TOL * max(h_scale, 1e-300):
        raise InputError(f"{where} is not a minimum: the loss curves down there (Hessian "
                         f"eigenvalue {lowest:.3g}); {_nearest(surface, point[0])}.")
    return value


def _nearest(surface, start: np.ndarray) -> str:
    """Where Newton's method from ``start`` finds a stationary point, and what kind it is."""
    p = start.copy()
    with np.errstate(all="ignore"):
        for _ in range(50):
            g = surface.gradient(p[None])[0]
            h = surface.hessian(p[None])[0]
            try:
                step = np.linalg.solve(h, g)
            except np.linalg.LinAlgError:
                break
            p = p - step
            if not np.isfinite(p).all():
                break
            if np.linalg.norm(step) <= 1e-12 * (1 + np.linalg.norm(p)):
                eig = np.linalg.eigvalsh(surface.hessian(p[None])[0])
                kind = ("a minimum" if eig.min() > 0 else "a maximum" if eig.max() < 0
                        else "a saddle point")
                return f"the nearest stationary point is {kind} at {_text(p)}"
    return "no stationary point was found near it"


def _text(p) -> str:
    return "(" + ", ".join(f"{float(v):.6g}" for v in np.ravel(p)) + ")"


def check_function(surface) -> None:
    """A loss in Python: ``function`` gives one real loss per point (at the start and three
    points together), and a gradient given with it is right (``check_gradient``)."""
    rows = np.array([surface.default_start, *([[lo + (hi - lo) * f for lo, hi in surface.box]
                                               for f in (0.2, 0.5, 0.8)])]).T
    try:
        with np.errstate(all="ignore"):
            out = np.asarray(surface.function(*rows))
        if np.iscomplexobj(out) or out.dtype.kind not in "biuf":
            raise TypeError("not real numbers")
        if np.ndim(out) and np.shape(out) != rows.shape[1:]:
            raise TypeError(f"shape {np.shape(out)} for {rows.shape[1]} points")
    except (TypeError, ValueError) as exc:
        raise InputError(f"{surface.name}: f must return one real loss per point, an array "
                         f"shaped like its inputs ({exc}).") from None
    except Exception as exc:  # the user's function failed: say so, in its words
        raise InputError(f"{surface.name}: f failed on the start and three points of the "
                         f"box: {describe(exc)}.") from None
    check_gradient(surface)


def check_gradient(surface) -> None:
    """A gradient given with a loss in Python must have a component per coordinate and agree
    with central differences of the loss at the start, the listed minima and nine points spread
    over the box (off-centre, so not on a symmetry line or a kink), or the runs would go to a
    wrong point and call it converged."""
    if getattr(surface, "grad", None) is None:
        return
    box = np.array(surface.box, dtype=float)
    spread = np.array([0.21, 0.5, 0.79])
    grid = np.array(np.meshgrid(*[lo + (hi - lo) * spread for lo, hi in box]))
    points = np.vstack([[surface.default_start], *([m.point] for m in surface.minima),
                        grid.reshape(surface.dims, -1).T])
    rows = np.ascontiguousarray(points.T)
    try:
        with np.errstate(all="ignore"):
            parts = surface.grad(*rows)
    except Exception as exc:  # the user's function failed: say so, in its words
        raise InputError(f"{surface.name}: grad failed: {describe(exc)}.") from None
    if isinstance(parts, list | tuple):
        parts = list(parts)
    elif np.ndim(parts) == 0 or surface.dims == 1 and np.ndim(parts) == 1:
        parts = [parts]  # one value (a curve's derivative; for two coordinates: refused)
    else:
        parts = list(parts)
    want = "df/dx" if surface.dims == 1 else "(df/dx, df/dy)"
    if len(parts) != surface.dims:
        raise InputError(f"{surface.name}: grad returned {count(len(parts), 'component')}; it "
                         f"must return {want}, one array per coordinate.")
    try:
        given = np.array([np.broadcast_to(np.asarray(p, dtype=float), rows.shape[1:])
                          for p in parts])
    except (TypeError, ValueError):
        raise InputError(f"{surface.name}: grad must return {want} as numbers or arrays shaped "
                         f"like its inputs.") from None
    values = surface.loss(points)
    numeric = central(lambda r: surface.loss(r.T), rows)
    with np.errstate(all="ignore"):  # differences lose about eps*|f|/h to rounding
        tol = 1e-4 * np.maximum(1.0, np.maximum(np.abs(given), np.abs(numeric))) + \
            1e-9 * np.abs(values) / np.maximum(1.0, np.abs(rows))
        bad = np.isfinite(values) & np.isfinite(numeric).all(axis=0) & \
            ~(np.abs(given - numeric) <= tol).all(axis=0)
    if bad.any():
        j = int(np.argmax(bad))
        raise InputError(
            f"{surface.name}: grad disagrees with the function's own slope at "
            f"{_text(points[j])}: it gives {_text(given[:, j])}, central differences give "
            f"{_text(numeric[:, j])}; fix grad, or leave it out to use central differences.")
