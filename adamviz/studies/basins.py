"""Basins of attraction: every optimizer from every start of a grid over the box, coloured by
where it ended (the minimum it reached, diverged, or neither)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import partial

import numpy as np

from .. import engine
from ..core.errors import InputError
from ..core.limits import check_starts
from ..database_rows import RunColumns
from ..optimizers import Optimizer
from ..results import Summary, classify, format_table, shown
from ..surfaces import Surface
from .runs import Settings, load_surface, optimizer_list, resolve
from .slices import refuse_network

BASINS_SETTINGS = Settings(steps=500)
CLASSIFY_ROWS = 65536


def check_grid(x, y) -> None:
    """A grid spec ``[low, high, count]`` per axis, and its size, before anything is made."""
    for axis, spec in (("x", x), ("y", y)):
        if (not isinstance(spec, list | tuple) or len(spec) != 3
                or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in spec)
                or not float(spec[2]).is_integer() or spec[2] < 1):
            raise InputError(f"Grid {axis} must be [low, high, count] with a whole count >= 1, "
                             f"got {spec}.")
    check_starts(int(x[2]) * int(y[2]))


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
class Ends:
    """How every run of a basins grid ended: per optimizer (i) and start (j)."""

    starts: np.ndarray  # (N, 2)
    points: np.ndarray  # (n_opts, N, 2)
    losses: np.ndarray  # (n_opts, N)
    steps: np.ndarray  # (n_opts, N)
    status: tuple[tuple[str, ...], ...]  # (n_opts, N)
    settings: dict


@dataclass(frozen=True, kw_only=True)
class Basins:
    """For each optimizer, where every start of a grid ended."""

    surface: Surface
    labels: tuple[str, ...]
    optimizers: tuple[Optimizer, ...]
    xs: np.ndarray
    ys: np.ndarray
    # (n_opts, ny, nx): 0..M-1 the index of the minimum reached, M diverged, M+1 neither
    categories: np.ndarray
    ends: Ends | None = None  # how every run ended, when asked for (exports, databases)

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

    def summaries(self) -> list[Summary]:
        """One row per optimizer and start (with ``keep_ends``), as ``results.Summary``."""
        rows = []
        for opt, runs in zip(self.optimizers, self.run_columns(), strict=True):
            for r in runs.records():
                start, end = (r.pop("start_x"), r.pop("start_y")), (r.pop("end_x"), r.pop("end_y"))
                rows.append(Summary(**r, hyperparams=opt.hyperparams, start=start, end=end))
        return rows

    def run_columns(self) -> list[RunColumns]:
        """The rows of ``summaries`` as columns, one ``RunColumns`` per optimizer: what a
        results database writes, a chunk of runs at a time."""
        if self.ends is None:
            raise InputError("These basins kept only where runs ended up; make them with "
                             "keep_ends=True for a row per run.")
        hyper = [opt.hyperparams for opt in self.optimizers]
        return [RunColumns(size=len(self.ends.starts), hyperparams=tuple(hyper[i]),
                           shared={"experiment": "", "surface": self.surface.name,
                                   "optimizer": opt.name, "label": self.labels[i], "tuned": "",
                                   "hyperparams": json.dumps(hyper[i]), **hyper[i]},
                           each=partial(self._run_values, i))
                for i, opt in enumerate(self.optimizers)]

    def _run_values(self, i: int, lo: int, hi: int) -> dict:
        """How optimizer i's runs from starts lo..hi-1 ended, in the summary's columns."""
        e, surface = self.ends, self.surface
        minima = np.array([m.point for m in surface.minima], dtype=float).reshape(-1, 2)
        unknown = "none" if surface.minima else None  # (as results.reached: none listed)
        kinds = np.array([m.kind for m in surface.minima] + [unknown, unknown], dtype=object)
        ends = e.points[i, lo:hi]
        with np.errstate(all="ignore"):  # diverged ends may be inf or nan
            dist = np.linalg.norm(ends[:, None, :] - minima[None], axis=2)
        dist = np.where(np.isfinite(dist), dist, np.inf)
        nearest = dist.min(axis=1) if len(minima) else np.full(len(ends), np.inf)
        status = np.array(e.status[i][lo:hi], dtype=object)
        steps = e.steps[i, lo:hi]
        return {"start_x": e.starts[lo:hi, 0], "start_y": e.starts[lo:hi, 1],
                "end_x": ends[:, 0], "end_y": ends[:, 1], "final_loss": e.losses[i, lo:hi],
                "reached": kinds[self.categories[i].ravel()[lo:hi]],
                "distance": np.where(np.isfinite(nearest), nearest, None), "steps": steps,
                "steps_to_tol": np.where(status == engine.CONVERGED, steps, None),
                "status": status}

    def config(self) -> dict:
        if self.ends is None:
            raise InputError("These basins kept only where runs ended up; make them with "
                             "keep_ends=True.")
        return {"surface": self.surface.identity(),
                "optimizers": [[o.name, dict(o.hyperparams)] for o in self.optimizers],
                "starts": {"grid": [len(self.xs), len(self.ys)]}, "settings": self.ends.settings}

    def table(self) -> str:
        return format_table(*self.table_rows())

    def table_rows(self) -> tuple[list[str], list[list[str]]]:
        """Per optimizer, the shares of starts ending at the global and at a local minimum,
        diverging, or elsewhere (at no listed minimum: still moving, or settled at a point the
        surface file does not list)."""
        rows = []
        for i, label in enumerate(self.labels):
            c = self.categories[i]
            rows.append([label, f"{self.share(i, 'global'):.1%}", f"{self.share(i, 'local'):.1%}",
                         f"{(c == self.diverged_code).mean():.1%}",
                         f"{(c == self.unsettled_code).mean():.1%}"])
        return ["optimizer", "global", "local", "diverged", "elsewhere"], rows

    def __repr__(self) -> str:
        shares = ", ".join(f"{label}: {self.share(i):.1%}" for i, label in enumerate(self.labels))
        return (f"Basins({self.surface.name}, {len(self.xs)}x{len(self.ys)} starts; reaching the "
                f"global minimum: {shares})")

    def _repr_html_(self):
        """The table and the picture (the picture only here, not again as PNG)."""
        return shown(self, "basins", "html")


def basins(surface, opts, grid: int = 100, settings: Settings = BASINS_SETTINGS,
           progress=None, surfaces_dir=(), keep_ends: bool = False) -> Basins:
    """Run every optimizer from every start of a ``grid`` x ``grid`` over the box; with
    ``keep_ends`` keep how every run ended (for a row per run)."""
    surface = load_surface(surface, surfaces_dir)
    refuse_network(surface, "A basins map", "starts runs from a grid over a box of two "
                   "variables")
    if isinstance(grid, bool) or not isinstance(grid, int) or grid < 1:
        raise InputError(f"Invalid grid: {grid!r} (starts per side, a whole number >= 1).")
    check_starts(grid * grid)
    starts = grid_starts(surface, n=grid)
    resolved = [resolve(o, surface, settings.lr, settings.schedule)
                for o in optimizer_list(opts)]
    settings.check_batches(surface)
    steps = settings.steps_for(surface)
    # (n_opts, N) codes in the smallest type that holds them (a byte: 8 times less than int),
    # filled in place (a list of them stacked at the end would hold two)
    categories = np.empty((len(resolved), len(starts)),
                          dtype=np.min_scalar_type(len(surface.minima) + 1))
    outs = []
    for i, (opt, _) in enumerate(resolved):
        out = engine.run(surface, opt, starts, steps, noise=settings.noise, seed=settings.seed,
                         keys=engine.RunKeys((i,), len(starts)), tol=settings.tol or None,
                         record="ends", batch_size=settings.batch_for(opt))
        _classify_into(categories[i], surface, out)
        if keep_ends:
            outs.append(out)
        del out  # (the next optimizer's runs need its memory)
        if progress:
            progress(i + 1, len(resolved))
    ends = None
    if keep_ends:
        ends = Ends(starts=starts,
                    points=np.array([o.ends for o in outs]),
                    losses=np.array([o.end_losses for o in outs]),
                    steps=np.array([o.steps for o in outs]),
                    status=tuple(tuple(o.status) for o in outs),
                    settings={**settings.as_dict(), "steps": steps})
    (x0, x1), (y0, y1) = surface.box
    return Basins(surface=surface, labels=tuple(label for _, label in resolved),
                  optimizers=tuple(o for o, _ in resolved), xs=np.linspace(x0, x1, grid),
                  ys=np.linspace(y0, y1, grid), categories=categories.reshape(-1, grid, grid),
                  ends=ends)


def _classify_into(codes: np.ndarray, surface: Surface, out: engine.Outcome) -> None:
    """Each run's category (``classify``) into ``codes`` (N,), CLASSIFY_ROWS runs at a time
    (its distances to the minima take about 100 bytes a run while they are worked out)."""
    diverged = out.ended(engine.DIVERGED)
    for lo in range(0, len(codes), CLASSIFY_ROWS):
        part = slice(lo, lo + CLASSIFY_ROWS)
        codes[part] = classify(surface, out.ends[part], diverged[part])
