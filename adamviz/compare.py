"""Comparisons over many settings: basins of attraction, parameter sweeps, fair lr tuning.

Everything here runs on the batch engine (``engine.optimize_final``), which keeps only where each
run ended, so a grid of 40,000 starts per optimizer is one vectorized call.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from . import api, engine, optimizers
from .errors import InputError
from .specs import OptSpec, format_value, parse_opt
from .surfaces import Surface

MAX_STARTS = 4_000_000  # a grid beyond this is refused before anything runs
BYTES_PER_START = 8 * 2 * 12  # params, gradient, state and buffers: about 12 (N, 2) arrays
CRITERIA = ("final-loss", "distance", "steps")


def grid_starts(surface: Surface, x=None, y=None, n: int | None = None) -> np.ndarray:
    """Starts on a grid over the box: ``n`` x ``n``, or ``x = [a, b, n]``, ``y = [c, d, m]``."""
    if surface.dims != 2:
        raise InputError("A grid of starts needs a surface in x and y.")
    (x0, x1), (y0, y1) = surface.box
    x = list(x) if x is not None else [x0, x1, n]
    y = list(y) if y is not None else [y0, y1, n]
    check_grid(x, y)
    X, Y = np.meshgrid(np.linspace(x[0], x[1], int(x[2])), np.linspace(y[0], y[1], int(y[2])))
    return np.column_stack([X.ravel(), Y.ravel()])


def check_grid(x, y) -> None:
    """A grid spec ``[low, high, count]`` per axis, and its size, before anything is made."""
    for axis, spec in (("x", x), ("y", y)):
        if (not isinstance(spec, list | tuple) or len(spec) != 3
                or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in spec)
                or not float(spec[2]).is_integer() or spec[2] < 1):
            raise InputError(f"Grid {axis} must be [low, high, count] with a whole count >= 1, "
                             f"got {spec}.")
    check_size(int(x[2]) * int(y[2]))


def check_size(count: int) -> None:
    if count > MAX_STARTS:
        raise InputError(f"A grid of {count:,} starts is too large: at most {MAX_STARTS:,} "
                         f"(it would take about {count * BYTES_PER_START / 2**30:.1f} GiB).")


# --- basins ------------------------------------------------------------------------------------

@dataclass
class Basins:
    """For each optimizer, where every start of a grid ended."""

    surface: Surface
    labels: list[str]
    xs: np.ndarray
    ys: np.ndarray
    # (n_opts, ny, nx) category: 0..M-1 the index of the minimum reached, then DIVERGED_CODE
    # and NOT_CONVERGED_CODE
    categories: np.ndarray

    @property
    def diverged_code(self) -> int:
        return len(self.surface.minima)

    @property
    def unsettled_code(self) -> int:
        return len(self.surface.minima) + 1

    def share(self, i: int, kind: str = "global") -> float:
        """Share of optimizer i's starts that end at a minimum of ``kind``."""
        codes = [j for j, m in enumerate(self.surface.minima) if m.kind == kind]
        return float(np.isin(self.categories[i], codes).mean())

    def table(self) -> str:
        rows = [("optimizer", "global", "local", "diverged", "not converged")]
        for i, label in enumerate(self.labels):
            c = self.categories[i]
            rows.append((label, f"{self.share(i, 'global'):.1%}", f"{self.share(i, 'local'):.1%}",
                         f"{(c == self.diverged_code).mean():.1%}",
                         f"{(c == self.unsettled_code).mean():.1%}"))
        widths = [max(len(r[k]) for r in rows) for k in range(5)]
        return "\n".join("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()
                         for r in rows)


def classify(surface: Surface, ends: engine.Endpoints, radius: float | None = None) -> np.ndarray:
    """Category of each end: nearest listed minimum within ``radius``, diverged, or neither."""
    if radius is None:
        radius = 0.05 * max(hi - lo for lo, hi in surface.box)
    minima = np.array([m.point for m in surface.minima], dtype=float).reshape(-1, surface.dims)
    n_min = len(minima)
    codes = np.full(len(ends.points), n_min + 1)
    if n_min:
        with np.errstate(all="ignore"):  # diverged ends are inf or nan
            dist = np.linalg.norm(ends.points[:, None, :] - minima[None, :, :], axis=2)
        nearest = np.argmin(np.where(np.isfinite(dist), dist, np.inf), axis=1)
        close = np.take_along_axis(dist, nearest[:, None], axis=1)[:, 0] <= radius
        codes[close] = nearest[close]
    codes[ends.status == engine.DIVERGED] = n_min
    return codes


def basins(surface, opts, grid: int = 100, steps: int = 500, lr: float | None = None,
           tol: float | None = 1e-6, progress=None) -> Basins:
    """Run every optimizer from every start of a ``grid`` x ``grid`` over the box."""
    surface = api.load_surface(surface)
    check_size(grid * grid)
    starts = grid_starts(surface, n=grid)
    resolved = [api.resolve_optimizer(o, surface, lr) for o in opts]
    categories, labels = [], []
    for i, (opt, label) in enumerate(resolved):
        ends = engine.optimize_final(surface, opt, starts, steps, tol=tol)
        categories.append(classify(surface, ends).reshape(grid, grid))
        labels.append(label)
        if progress:
            progress(i + 1, len(resolved))
    (x0, x1), (y0, y1) = surface.box
    return Basins(surface, labels, np.linspace(x0, x1, grid), np.linspace(y0, y1, grid),
                  np.array(categories))


# --- fair tuning -------------------------------------------------------------------------------

def log_grid(text: str) -> list[float]:
    """``"1e-4:1:13"`` -> 13 learning rates spaced evenly in log from 1e-4 to 1."""
    try:
        lo, hi, n = text.split(":")
        lo, hi, n = float(lo), float(hi), int(n)
    except ValueError:
        raise InputError(f"Bad tuning grid {text!r}: expected LOW:HIGH:COUNT, e.g. 1e-4:1:13.") \
            from None
    if not (0 < lo < hi and math.isfinite(hi) and 2 <= n <= 200):
        raise InputError(f"Bad tuning grid {text!r}: need 0 < LOW < HIGH and 2 <= COUNT <= 200.")
    return [float(v) for v in np.geomspace(lo, hi, n)]


@dataclass
class Tuning:
    optimizer: str
    criterion: str
    grid: list[float]
    scores: list[float]
    best: float

    def describe(self) -> str:
        edge = self.best in (self.grid[0], self.grid[-1])
        return (f"{self.optimizer}: lr={self.best:.3g} chosen by {self.criterion} "
                f"over {len(self.grid)} rates {self.grid[0]:.3g}...{self.grid[-1]:.3g}"
                + (" (at the edge of the grid: widen it to be sure)" if edge else ""))


def tune_lr(surface, spec: str | OptSpec, starts, steps: int, grid: list[float],
            criterion: str = "final-loss", tol: float = 1e-6) -> Tuning:
    """Pick the learning rate from ``grid`` that scores best on ``criterion`` after ``steps``
    steps from ``starts`` (the same budget for every optimizer): the mean final loss, the mean
    distance to the nearest global minimum, or the mean steps to converge (runs that never do
    count as steps + 1). Diverged runs score infinitely badly."""
    if criterion not in CRITERIA:
        raise InputError(f"Unknown criterion {criterion!r}; choose {', '.join(CRITERIA)}.")
    surface = api.load_surface(surface)
    spec = parse_opt(spec) if isinstance(spec, str) else spec
    if criterion == "distance" and not surface.global_minima():
        raise InputError(f"The distance criterion needs a global minimum; {surface.name} lists "
                         f"none.")
    starts = np.array(starts, dtype=float, ndmin=2)
    scores = []
    for lr in grid:
        opt = optimizers.make(spec.name, **{**spec.hyperparams, "lr": lr})
        ends = engine.optimize_final(surface, opt, starts, steps, tol=tol)
        bad = ends.status == engine.DIVERGED
        if criterion == "final-loss":
            values = ends.losses
        elif criterion == "distance":
            glob = np.array([m.point for m in surface.global_minima()])
            with np.errstate(all="ignore"):  # diverged runs score inf anyway
                values = np.linalg.norm(ends.points[:, None] - glob[None], axis=2).min(axis=1)
        else:
            values = np.where(ends.steps_to_tol >= 0, ends.steps_to_tol, steps + 1).astype(float)
        scores.append(float("inf") if bad.any() else float(np.mean(values)))
    best = grid[int(np.argmin(scores))]
    return Tuning(spec.name, criterion, grid, scores, best)


# --- sweeps ------------------------------------------------------------------------------------

@dataclass
class Sweep:
    """One optimizer over the cartesian product of parameter lists."""

    surface: Surface
    names: list[str]  # swept parameters, in order (rows first, then columns)
    values: list[list]
    cells: list[tuple[dict, api.Result]] = field(default_factory=list)


def parse_param(text: str) -> tuple[str, list]:
    """``"lr=1e-3,1e-2"`` -> ("lr", [0.001, 0.01])."""
    from .specs import parse_value

    name, eq, rest = text.partition("=")
    name = name.strip()
    values = [v for v in rest.split(",") if v.strip()]
    if not eq or not name or not values:
        raise InputError(f"Bad --param {text!r}: expected NAME=V1,V2,..., e.g. lr=1e-3,1e-2.")
    return name, [parse_value(v, f"--param {name}") for v in values]


def sweep(surface, opt: str | OptSpec, params: dict[str, list], starts=None, steps=None,
          noise=0.0, seed=0, tol=1e-6, surfaces_dir=()) -> Sweep:
    surface = api.load_surface(surface, surfaces_dir)
    spec = parse_opt(opt) if isinstance(opt, str) else opt
    if not params:
        raise InputError("Nothing to sweep: give at least one --param NAME=V1,V2,...")
    for name, values in params.items():
        if not values:
            raise InputError(f"The sweep list of {name!r} is empty.")
    names, values = list(params), [params[n] for n in params]
    combos = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*values)]
    # every combination is checked before any runs
    specs = [OptSpec(spec.name, {**spec.hyperparams, **c}) for c in combos]
    for s in specs:
        api.resolve_optimizer(s, surface)
    result = Sweep(surface, names, values)
    for combo, s in zip(combos, specs, strict=True):
        result.cells.append((combo, api.run(surface, [s], starts, steps=steps, noise=noise,
                                            seed=seed, tol=tol)))
    return result


def summary_rows(result: api.Result, **extra) -> list[dict]:
    """One row per run, for summary tables: settings, start, end, minimum reached, status."""
    rows = []
    for run in result.runs:
        minimum, dist = result.nearest_minimum(run)
        kind = result.reached(run)
        tol_step = _steps_to_tol(run, result.settings.get("tol"))
        rows.append({**extra, "surface": result.surface.name, "optimizer": run.optimizer,
                     "label": run.label,
                     **{k: format_value(v) for k, v in run.hyperparams.items()},
                     "start": _pair(run.start), "end": _pair(run.end),
                     "final_loss": f"{run.final_loss:.6g}", "reached": kind,
                     "distance": "" if minimum is None else f"{dist:.4g}",
                     "steps": run.steps, "steps_to_tol": tol_step, "status": run.status})
    return rows


def _steps_to_tol(run, tol) -> str:
    if not tol:
        return ""
    lengths = np.linalg.norm(np.diff(run.points, axis=0), axis=1)
    grads = np.linalg.norm(run.gradients[1:], axis=1)
    hit = np.flatnonzero((lengths < tol) & (grads < tol))
    return str(int(hit[0]) + 1) if hit.size else ""


def _pair(p) -> str:
    return " ".join(f"{float(v):.4g}" for v in p)
