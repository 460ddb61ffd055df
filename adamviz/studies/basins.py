"""Basins of attraction: every optimizer from every start of a grid over the box, coloured by
where it ended (the minimum it reached, diverged, or neither)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import engine
from ..core.errors import InputError
from ..results import classify, format_table
from ..surfaces import Surface
from .runs import Settings, load_surface, optimizer_list, resolve

MAX_STARTS = 4_000_000  # a grid beyond this is refused before anything runs
BYTES_PER_START = 8 * 2 * 12  # params, gradient, state and buffers: about 12 (N, 2) arrays
BASINS_SETTINGS = Settings(steps=500)


def check_size(count: int) -> None:
    if count > MAX_STARTS:
        raise InputError(f"A grid of {count:,} starts is too large: at most {MAX_STARTS:,} "
                         f"(it would take about {count * BYTES_PER_START / 2**30:.1f} GiB).")


def check_grid(x, y) -> None:
    """A grid spec ``[low, high, count]`` per axis, and its size, before anything is made."""
    for axis, spec in (("x", x), ("y", y)):
        if (not isinstance(spec, list | tuple) or len(spec) != 3
                or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in spec)
                or not float(spec[2]).is_integer() or spec[2] < 1):
            raise InputError(f"Grid {axis} must be [low, high, count] with a whole count >= 1, "
                             f"got {spec}.")
    check_size(int(x[2]) * int(y[2]))


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


@dataclass(frozen=True, kw_only=True)
class Basins:
    """For each optimizer, where every start of a grid ended."""

    surface: Surface
    labels: tuple[str, ...]
    xs: np.ndarray
    ys: np.ndarray
    # (n_opts, ny, nx): 0..M-1 the index of the minimum reached, M diverged, M+1 neither
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
        rows = []
        for i, label in enumerate(self.labels):
            c = self.categories[i]
            rows.append((label, f"{self.share(i, 'global'):.1%}", f"{self.share(i, 'local'):.1%}",
                         f"{(c == self.diverged_code).mean():.1%}",
                         f"{(c == self.unsettled_code).mean():.1%}"))
        return format_table(("optimizer", "global", "local", "diverged", "not converged"), rows)


def basins(surface, opts, grid: int = 100, settings: Settings = BASINS_SETTINGS,
           progress=None, surfaces_dir=()) -> Basins:
    """Run every optimizer from every start of a ``grid`` x ``grid`` over the box."""
    surface = load_surface(surface, surfaces_dir)
    check_size(grid * grid)
    starts = grid_starts(surface, n=grid)
    resolved = [resolve(o, surface, settings.lr) for o in optimizer_list(opts)]
    steps = settings.steps_for(surface)
    categories, labels = [], []
    for i, (opt, label) in enumerate(resolved):
        out = engine.run(surface, opt, starts, steps, noise=settings.noise, seed=settings.seed,
                         keys=[(i, j) for j in range(len(starts))], tol=settings.tol or None,
                         record="ends")
        diverged = np.array([s == engine.DIVERGED for s in out.status])
        categories.append(classify(surface, out.ends, diverged).reshape(grid, grid))
        labels.append(label)
        if progress:
            progress(i + 1, len(resolved))
    (x0, x1), (y0, y1) = surface.box
    return Basins(surface=surface, labels=tuple(labels), xs=np.linspace(x0, x1, grid),
                  ys=np.linspace(y0, y1, grid), categories=np.array(categories))
