"""Convergence-rate maps: one optimizer over a grid of one or two hyperparameters, every cell
run from one start in one engine call (the gridded values given per run), each cell's
**measured** linear rate: the per-step factor by which its distance to the minimum it reaches
shrinks.

How a rate is measured (``measured_rates``): d_k = |x_k - x*|, x* the listed minimum nearest
where the run ended (sharpened by Newton's method on the exact derivatives), for the steps
k = 0, 1, ... before d_k first falls to the rounding floor of x* (``floors``: below it
rounding, not the optimizer, moves the point; about 1e-12 |x*|, and far lower at x* = 0), and
up to its smallest distance among them where that is within tol of x* (a run that stalls near
the minimum is measured on its way in). Over the last half of those steps, the least-squares
slope s of log e_k, where e_k = max(d_k, ..., d_last) is the distance's upper envelope (a
spiral's distance swings each turn; its envelope falls at its rate), and the rate is exp(s).
At least ``MIN_FIT_STEPS`` steps are needed, else no rate. Runs are not stopped early: the
longer the fit, the closer the rate.

Each cell is **converged** (its distance fell below ``tol`` x max(1, |x*|); its steps are the
steps it took to get there), **not converged** (it did not in its steps), or **diverged** (the
engine's test; no rate). The stability edge of gradient descent, lr = 2 / lambda_max, comes
from the surface's exact Hessian at the minimum; the rate predicted there, and what the theory
says of itself where it does not hold for runs, from ``rate_theory.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .. import engine, optimizers
from ..core.errors import InputError
from ..core.limits import check_rate_cells
from ..core.specs import OptSpec
from ..optimizers import registry
from ..recorders import Recorder
from ..results import shown
from ..surfaces import Surface
from . import rate_theory
from .rate_grid import Axis, check_axes, parse_grid  # noqa: F401  (the API's names)
from .runs import load_surface, spec_of
from .slices import refuse_network

CONVERGED, NOT_CONVERGED, DIVERGED = "converged", "not converged", "diverged"
STATUSES = (CONVERGED, NOT_CONVERGED, DIVERGED)
FLOOR = 1e-12  # relative distance below which rounding moves a point near x*
GRADIENT_FLOOR = 1e3  # times the gradient's rounding at x* over the least curvature
TINY = 1e-280  # the floor at x* = 0 with an exact gradient (clear of subnormal numbers)
NEWTON_STEPS = 6
MIN_FIT_STEPS = 3
DEFAULT_STEPS, DEFAULT_TOL = 500, 1e-8
MATCH = 1e-3  # measured and predicted rates closer than this agree (the tolerance)
HOW = ("measured rate: exp of the least-squares slope of log(upper envelope of |x_k - x*|) "
       "over the last half of the steps before the distance falls to rounding or to its "
       "smallest (x* the minimum reached)")


@dataclass(frozen=True, kw_only=True)
class RateMap:
    """One optimizer's rate over a grid: arrays (n,) for one axis, (n_y, n_x) for two (the
    first axis across, the second up)."""

    surface: Surface
    optimizer: str
    hyperparams: dict  # the values every cell shares (the gridded ones left out)
    axes: tuple[Axis, ...]
    start: tuple[float, ...]
    steps: int
    measured: np.ndarray  # NaN where there is no rate
    status: np.ndarray  # index into STATUSES (int8)
    steps_taken: np.ndarray
    final_loss: np.ndarray
    minimum: tuple[float, ...]  # the minimum the theory is taken at
    eigenvalues: tuple[float, ...]  # of the Hessian there, ascending
    stability_edge: float | None  # lr = 2 / lambda_max (None: lambda_max <= 0)
    how: str = HOW
    predicted: np.ndarray | None = None  # the theory's rate per cell (``rate_theory.py``)
    predicted_note: str = ""  # what the theory says of itself (where it does not apply)
    predicted_method: str = ""  # how: "gradient descent", "heavy ball", "nesterov", "jacobian"
    # The heavy ball's best (lr, momentum, rate) in theory, on a map over lr x momentum
    optimum: tuple[float, float, float] | None = None
    match: float = MATCH  # measured and predicted closer than this agree

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(a.n for a in reversed(self.axes))

    statuses: ClassVar[tuple[str, ...]] = STATUSES  # what ``status`` indexes

    def cells(self, status: str) -> np.ndarray:
        """The cells of one status (one of ``STATUSES``), as a mask."""
        return self.status == STATUSES.index(status)

    def lowest_shown(self) -> float:
        """Where a picture's colour scale starts (it ends at 1): the lowest rate of the
        converged cells, or of every cell not diverged where none converged (a rate so far may
        be anything), and at most 0.99."""
        rated = np.isfinite(self.measured) & ~self.cells(DIVERGED)
        chosen = rated & self.cells(CONVERGED) if (rated & self.cells(CONVERGED)).any() \
            else rated
        return min(float(self.measured[chosen].min()), 0.99) if chosen.any() else 0.0

    def differs(self, tol: float | None = None) -> np.ndarray:
        """Converged cells whose measured rate is more than ``tol`` (default ``match``) from
        the predicted one (none where there is no prediction, or it says it does not hold)."""
        if self.predicted is None or self.predicted_note:
            return np.zeros(self.shape, dtype=bool)
        tol = self.match if tol is None else tol
        return (self.status == STATUSES.index(CONVERGED)) & \
            (np.abs(self.measured - self.predicted) > tol)

    def blind(self) -> np.ndarray:
        """Cells the theory at the minimum says converge (predicted rate below 1) that
        diverged on the way there."""
        if self.predicted is None or self.predicted_note:
            return np.zeros(self.shape, dtype=bool)
        return (self.status == STATUSES.index(DIVERGED)) & (self.predicted < 1)

    def status_names(self) -> np.ndarray:
        return np.array(STATUSES, dtype=object)[self.status]

    def rows(self) -> list[dict]:
        """A row per cell (first axis fastest): its grid values, rates, status, steps, loss."""
        grids = np.meshgrid(*(a.values for a in self.axes)) if len(self.axes) > 1 else \
            [self.axes[0].values]
        # (where the theory says it does not hold, its numbers are not the runs' rate)
        predicted = self.predicted.ravel() if self.predicted is not None and \
            not self.predicted_note else None
        columns = [g.ravel().tolist() for g in grids]
        measured, status = self.measured.ravel().tolist(), self.status.ravel().tolist()
        taken, loss = self.steps_taken.ravel().tolist(), self.final_loss.ravel().tolist()
        out = []
        for i in range(len(measured)):
            row = {a.name: columns[k][i] for k, a in enumerate(self.axes)}
            row.update(measured_rate=None if np.isnan(measured[i]) else measured[i],
                       predicted_rate=None if predicted is None or np.isnan(predicted[i])
                       else float(predicted[i]), status=STATUSES[status[i]],
                       steps=int(taken[i]), final_loss=loss[i])
            out.append(row)
        return out

    def table(self) -> str:
        counts = {s: int((self.status == i).sum()) for i, s in enumerate(STATUSES)}
        converged = self.status == STATUSES.index(CONVERGED)
        rated = np.where(converged, self.measured, np.nan)
        fastest = np.nanmin(rated) if np.isfinite(rated).any() else None
        lines = [f"{self.optimizer} on {self.surface.name}: {self.measured.size} cells over "
                 + " x ".join(f"{a.name} {a.low:g}..{a.high:g}" for a in self.axes),
                 ", ".join(f"{v} {k}" for k, v in counts.items())]
        if fastest is not None:
            at = np.unravel_index(np.nanargmin(rated), rated.shape)
            where = ", ".join(f"{a.name} = {a.values[at[::-1][k]]:.4g}"
                              for k, a in enumerate(self.axes))
            lines.append(f"fastest measured rate {fastest:.6g} at {where}")
        else:
            lines.append("no cell converged: no rate to name the fastest")
        if self.predicted is not None:
            lines.append(_agreement(self))
        if self.stability_edge is not None:
            lines.append(f"stability edge of gradient descent: lr = 2/lambda_max = "
                         f"{self.stability_edge:.6g}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"RateMap({self.table().splitlines()[0]})"

    def _repr_png_(self):
        return shown(self, "rates", "png")


def _agreement(found: RateMap) -> str:
    """How the measured rates stand against the theory's, in one line."""
    if found.predicted_note:
        return f"predicted ({found.predicted_method}) does not hold here: {found.predicted_note}"
    converged = found.status == STATUSES.index(CONVERGED)
    gaps = np.abs(found.measured - found.predicted)[converged]
    blind = found.blind()
    text = (f"predicted ({found.predicted_method}): "
            f"{int(converged.sum() - found.differs().sum())} of {int(converged.sum())} "
            f"converged cells within {found.match:g} of it")
    if gaps.size:
        text += f" (largest difference {gaps.max():.2g})"
    if blind.any():
        text += f"; {int(blind.sum())} cells it predicts to converge diverged"
    return text


class _Distances(Recorder):
    """The distance of every run to each listed minimum after every step: (T+1, M, N)."""

    keeps_paths = True

    def __init__(self, minima: np.ndarray, steps: int, progress=None):
        self.minima, self.steps, self.progress = minima, steps, progress

    def _of(self, points: np.ndarray) -> np.ndarray:  # points (D, m) -> (M, m)
        return np.sqrt(((points[None, :, :] - self.minima[:, :, None]) ** 2).sum(axis=1))

    def begin(self, starts, loss0, watched0) -> None:
        self.d = np.full((self.steps + 1, len(self.minima), len(starts)), np.nan)
        self.d[0] = self._of(starts.T)

    def record(self, k, rows, points, *rest) -> None:
        self.d[k][:, rows] = self._of(points)
        if self.progress is not None and k % 10 == 0:
            self.progress(k, self.steps)

    def finish(self, taken):
        return self.d


def floors(surface: Surface, minima: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The listed minima sharpened by Newton's method (a step kept while it lowers the
    gradient), and each one's rounding floor: the distance below which rounding, not the
    optimizer, moves a point (FLOOR |x*|, GRADIENT_FLOOR |g(x*)| / lambda_min, at least
    TINY)."""
    sharp, out = minima.copy(), np.empty(len(minima))
    with np.errstate(all="ignore"):
        for i, point in enumerate(sharp):
            g = surface.gradient(point[None])[0]
            for _ in range(NEWTON_STEPS):
                try:
                    moved = point - np.linalg.solve(surface.hessian(point[None])[0], g)
                except np.linalg.LinAlgError:
                    break
                g_moved = surface.gradient(moved[None])[0]
                if not np.linalg.norm(g_moved) < np.linalg.norm(g):
                    break
                point, g = moved, g_moved
            sharp[i] = point
            curvature = np.linalg.eigvalsh(surface.hessian(point[None])[0])[0]
            rounding = GRADIENT_FLOOR * np.linalg.norm(g) / curvature if curvature > 0 else 0
            out[i] = max(FLOOR * np.linalg.norm(point), rounding, TINY)
    return sharp, out


def measured_rates(d: np.ndarray, floor: np.ndarray, ends: np.ndarray, minima: np.ndarray,
                   taken: np.ndarray, close: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each run's rate (see the module's text) from its distances ``d`` (T+1, M, N) to the
    ``minima`` (M, D), their rounding ``floor`` (M,), where it ended (N, D), its steps taken
    (N,) and the distance to each minimum that counts as reaching it, ``close`` (M,; None: a
    run is fitted to the floor however it stalls): the rates (NaN where too few steps are
    left to fit), the minimum each run is measured to, and its distance after each step
    (T+1, N)."""
    n_runs = d.shape[2]
    with np.errstate(all="ignore"):
        nearest = np.sqrt(((ends[:, None, :] - minima[None]) ** 2).sum(axis=2))
    target = np.argmin(np.where(np.isfinite(nearest), nearest, np.inf), axis=1)
    dist = d[:, target, np.arange(n_runs)]  # (T+1, N)
    k = np.arange(len(dist), dtype=float)[:, None]
    usable = dist > floor[target]  # (False for NaN)
    usable &= k <= taken
    # the steps before the distance first falls to the floor (or the run ends) ...
    count = np.where(usable.all(axis=0), len(dist), np.argmin(usable, axis=0))
    # ... up to its smallest distance there, if that is close to the minimum: a run that
    # stalls near it (Adam at a distance its eps sets) is measured on its way in, not on a
    # plateau of rate 1 (one still on its way keeps every step: its rate so far)
    if close is not None:
        before = np.where(k < count, dist, np.inf)
        before[np.isnan(before)] = np.inf
        closest = np.argmin(before, axis=0)
        count = np.where(before[closest, np.arange(n_runs)] <= close[target],
                         np.minimum(count, closest + 1), count)
    inside = k < count
    envelope = np.ascontiguousarray(np.where(inside, dist, 0.0)[::-1])
    np.maximum.accumulate(envelope, axis=0, out=envelope)
    window = inside & (k >= count // 2)
    y = np.zeros_like(envelope)
    np.log(envelope[::-1], out=y, where=window)
    w = window.astype(float)
    # the least-squares slope from the window's sums (k, y, k^2, k*y)
    n = w.sum(axis=0)
    sk, sy = (w * k).sum(axis=0), y.sum(axis=0)
    skk, sky = (w * k * k).sum(axis=0), (y * k).sum(axis=0)
    with np.errstate(all="ignore"):
        slope = (n * sky - sk * sy) / (n * skk - sk * sk)
        return np.where(n >= MIN_FIT_STEPS, np.exp(slope), np.nan), target, dist


def _statuses(out: engine.Outcome, dist: np.ndarray, near: np.ndarray):
    """Each cell's status and steps: converged at the first step its distance is within
    ``near`` (N,; 0 when tol is 0: no convergence test), else not converged after the steps
    it took; diverged as the engine says."""
    status = np.full(len(out.steps), STATUSES.index(NOT_CONVERGED), dtype=np.int8)
    steps = out.steps.copy()
    if near.any():
        close = dist <= near  # (False for NaN)
        reached = close.any(axis=0)
        status[reached] = STATUSES.index(CONVERGED)
        steps[reached] = np.argmax(close, axis=0)[reached]
    diverged = out.ended(engine.DIVERGED)
    status[diverged] = STATUSES.index(DIVERGED)
    steps[diverged] = out.steps[diverged]
    return status, steps


def _optimizer(spec, surface: Surface, axes: tuple[Axis, ...]):
    """The optimizer with the gridded values per run (first axis fastest)."""
    grids = np.meshgrid(*(a.values for a in axes)) if len(axes) > 1 else [axes[0].values]
    hyper = dict(spec.hyperparams)
    for key in ("clip_norm", "clip_value", "batch_size"):
        if key in hyper:
            raise InputError(f"A rate map runs the rule itself: {key} is not taken here.")
    if "lr" not in hyper and spec.name in surface.lr:
        hyper["lr"] = surface.lr[spec.name]
    gridded = {a.name: g for a, g in zip(axes, grids, strict=True)}
    hyper = {n: v for n, v in hyper.items() if n not in gridded}  # (the surface's lr)
    opt = optimizers.make(spec.name, **hyper, **{n: g.ravel() for n, g in gridded.items()})
    shared = {n: v for n, v in opt.hyperparams.items() if n not in gridded}
    return opt, shared, {**hyper, **gridded}


def _theory_point(surface: Surface, start) -> tuple[np.ndarray, np.ndarray]:
    """The listed minima (M, D), and the one the theory is taken at: the global minimum
    nearest the start (any listed one when none is global)."""
    if not surface.minima:
        raise InputError(f"A rate map measures the distance to a minimum, and {surface.name} "
                         f"lists none; add its minima to the surface file.")
    minima = np.array([m.point for m in surface.minima], dtype=float)
    chosen = [m.point for m in (surface.global_minima() or surface.minima)]
    at = min(chosen, key=lambda p: float(np.sum((np.array(p) - start) ** 2)))
    return minima, np.array(at, dtype=float)


def check_rates(surface: Surface, optimizer, grid, log=(), start=None,
                steps: int = DEFAULT_STEPS, tol: float = DEFAULT_TOL):
    """Everything a rate map is asked, checked before any run: the spec, then the axes, start,
    steps, tol, minima and size (InputError in one line); returns (spec, axes, start, minima,
    the theory's minimum)."""
    spec = spec_of(optimizer)
    if not isinstance(spec, OptSpec):
        raise InputError("A rate map grids hyperparameters by name: give a spec such as "
                         "'momentum' or an optimizer file, not an optimizer object.")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise InputError(f"Invalid steps: {steps!r} (must be a whole number >= 1)")
    axes = check_axes(grid, registry.definition(spec.name).hyperparameters, tuple(log))
    for axis in axes:
        if axis.name in spec.hyperparams:
            raise InputError(f"{spec} sets {axis.name} itself, and the grid sets every "
                             f"{axis.name}; drop one.")
    try:
        start = np.array(surface.default_start if start is None else start, dtype=float)
    except (TypeError, ValueError):
        start = np.array([np.nan])
    if start.shape != (surface.dims,) or not np.isfinite(start).all():
        raise InputError(f"A start is {surface.dims} finite numbers, e.g. "
                         f"{list(surface.default_start)}.")
    if isinstance(tol, bool) or not isinstance(tol, int | float) or not tol >= 0:
        raise InputError(f"Invalid tol: {tol!r} (must be >= 0; 0 turns convergence checks "
                         f"off)")
    minima, at = _theory_point(surface, start)
    if any(np.array_equal(start, m) for m in minima):
        raise InputError(f"The start {tuple(start.tolist())} is a minimum of {surface.name}: "
                         f"there is no distance to shrink; start elsewhere, e.g. "
                         f"{list(surface.default_start)}.")
    check_rate_cells(int(np.prod([a.n for a in axes])), steps, len(minima))
    return spec, axes, start, minima, at


def rate_map(surface, optimizer, grid, *, start=None, steps: int = DEFAULT_STEPS,
             log=(), tol: float = DEFAULT_TOL, surfaces_dir=(), progress=None) -> RateMap:
    """``optimizer`` (a spec such as "momentum" or "adam:eps=1e-6") over ``grid``: one or two
    axes, each ``(name, low, high, n)`` or "NAME=LOW:HIGH:N", log-spaced for the names in
    ``log``; every cell run from ``start`` (default the surface's) for ``steps`` steps."""
    surface = load_surface(surface, surfaces_dir)
    refuse_network(surface, "A rate map", "measures the distance to a minimum in every "
                   "parameter and reads rates from its exact Hessian")
    spec, axes, start, minima, at = check_rates(surface, optimizer, grid, log, start, steps,
                                                tol)
    cells = int(np.prod([a.n for a in axes]))
    opt, shared, cells_hyper = _optimizer(spec, surface, axes)
    minima, floor = floors(surface, minima)
    recorder = _Distances(minima, steps, progress)
    out = engine.run(surface, opt, np.tile(start, (cells, 1)), steps, record=recorder)
    close = np.maximum(1.0, np.linalg.norm(minima, axis=1)) * tol  # "converged" there
    measured, target, dist = measured_rates(out.paths, floor, out.ends, minima, out.steps,
                                            close)
    status, taken = _statuses(out, dist, close[target])
    measured[status == STATUSES.index(DIVERGED)] = np.nan
    if progress is not None:
        progress(steps, steps)
    eigenvalues = rate_theory.curvatures(surface, at)
    edge = rate_theory.edge_of(eigenvalues)
    shape = tuple(a.n for a in reversed(axes))
    theory = rate_theory.predict(surface, spec.name, cells_hyper, at)
    optimum = None
    if theory.method == "heavy ball" and {a.name for a in axes} == {"lr", "momentum"}:
        optimum = rate_theory.heavy_ball_optimum(surface, at)
    return RateMap(surface=surface, optimizer=spec.name, hyperparams=shared, axes=axes,
                   start=tuple(start.tolist()), steps=steps, measured=measured.reshape(shape),
                   status=status.reshape(shape), steps_taken=taken.reshape(shape),
                   final_loss=out.end_losses.reshape(shape), minimum=tuple(at.tolist()),
                   eigenvalues=tuple(eigenvalues.tolist()),
                   stability_edge=edge if np.isfinite(edge) else None,
                   predicted=theory.rate, predicted_note=theory.note,
                   predicted_method=theory.method, optimum=optimum)
