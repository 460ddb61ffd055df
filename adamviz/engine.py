"""The engine: one stepping loop for N starts of one optimizer, whatever is recorded.

Each step evaluates the exact loss and gradient at every active point in one call (the
surface's value-and-gradient program), adds each run's own noise when asked, and lets the
optimizer update its state in place and hand back the new points, which are taken as they are
(never rebuilt from a step). A run ends when:

- it has **diverged**: the loss at its point is not defined (``log(x)`` at x < 0: it stays
  there), its new point is not finite (a non-finite gradient makes a non-finite step; the step
  is refused and the run stays at its last finite point), or its new point lies more than
  ``DIVERGE_FACTOR`` box sizes outside the box (it is drawn leaving). The loss is tested every
  step only for formulas where it can be undefined while the gradient is not (see
  ``Derivatives.partial``); elsewhere it is finite wherever the gradient is, and an overflow
  is caught on the end point;
- it has **converged**: the step length and the true (noise-free) gradient norm are both below
  ``tol``;
- it is **stopped early**: with ``patience`` K, the monitored loss (the surface's, or a held-out
  loss given as ``monitor``) has not improved for K steps; the best step is kept;
- otherwise it runs to **max steps**.

Up to ``FEW_STARTS`` starts (without noise, minibatches or a held-out monitor, and an
optimizer that is its file's rule) are stepped one by one by ``single_run.py`` instead: the
same loop written out on Python floats from the same programs, giving the same bits without
numpy's cost per call (a step of Adam on the hump: about 3 us instead of 130), and handing a
run back here wherever it may diverge.

What is kept is the caller's choice, the same loop either way: ``FullPaths`` keeps every step
(run, figures, animations, trace); ``Endpoints`` keeps only where runs ended (basins, batch
summaries, tuning). Runs that have ended are dropped from the arrays in batches, so the work
follows the runs still going. With ends only, many starts go through the loop in chunks of
``CHUNK_RUNS``, each through all its steps before the next: every array of the loop then fits
in cache and memory follows the chunk, not N (a run never sees another, so the numbers are the
same). Each run draws its noise from a stream of its own
(``SeedSequence(seed, spawn_key=key)``, keyed by the run's place), so adding a start or an
optimizer, or splitting the work over processes, never changes another run.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from . import single_run
from .core.programs import Executor
from .minibatches import BatchStreams
from .optimizers import InPlace, Optimizer
from .recorders import Endpoints, FullPaths, Recorder, stack

CONVERGED, STOPPED_EARLY = "converged", "stopped early"
DIVERGED, MAX_STEPS = "diverged", "max steps"
STATUSES = (CONVERGED, STOPPED_EARLY, DIVERGED, MAX_STEPS)
DIVERGE_FACTOR = 10.0  # how many box sizes away from the box a run counts as diverged
NOISE_BLOCK_BYTES = 64 * 2**20  # noise is drawn ahead per run, in blocks of about this size
COMPACT_SHARE = 0.25  # drop finished runs from the arrays once they are this share of them
# Up to this many starts are stepped one by one on floats (about 3 us a step each, where the
# numpy loop costs about 100 us a step whatever the number of starts, up to thousands)
FEW_STARTS = 16
# Runs stepped together when only their ends are kept. Adam on the hump, CPU ns a point-step
# on 2 busy cores: 39-61 at 4,096 (numpy's per-call cost), 25-29 at 16,384, 24-27 at 32,768
# (twice the memory), 31-39 at 131,072 and 41-46 all 10^6 at once (arrays out of cache)
CHUNK_RUNS = 16384


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """What N runs of one optimizer did (arrays indexed by run)."""

    ends: np.ndarray  # (N, D) where each run ended
    end_losses: np.ndarray  # (N,)
    codes: np.ndarray  # (N,) int8: each run's status as its index in STATUSES
    steps: np.ndarray  # (N,) steps each run took
    best_step: np.ndarray  # (N,) step of the lowest monitored loss (early stopping keeps it)
    paths: FullPaths | None = None  # every step, when recorded

    @cached_property
    def status(self) -> tuple[str, ...]:
        """(N,) one of STATUSES (made when asked: a million runs take 1 byte each as codes)."""
        return tuple(STATUSES[c] for c in self.codes.tolist())

    def ended(self, status: str) -> np.ndarray:
        """(N,) bool: the runs that ended with ``status``."""
        return self.codes == STATUSES.index(status)


def escape_box(surface) -> tuple[np.ndarray, np.ndarray]:
    """Bounds beyond which a run has flown far out of the box (counts as diverged)."""
    box = np.array(surface.box, dtype=float)
    size = box[:, 1] - box[:, 0]
    return box[:, 0] - DIVERGE_FACTOR * size, box[:, 1] + DIVERGE_FACTOR * size


class NoiseStreams:
    """Gaussian gradient noise, one independent stream per run, drawn ahead in blocks."""

    def __init__(self, sigma: float, seed: int, keys, dims: int, steps: int):
        self.sigma, self.dims = float(sigma), dims
        self.gens = [np.random.Generator(np.random.PCG64(
            np.random.SeedSequence(seed, spawn_key=tuple(key)))) for key in keys]
        per_step = 8 * dims * max(len(keys), 1)
        self.block = int(max(1, min(steps, NOISE_BLOCK_BYTES // per_step)))
        self.rows = np.arange(len(keys))
        self.z = np.empty((self.block, dims, len(keys)))
        self.used = self.block

    def add(self, grads: np.ndarray, scratch: np.ndarray) -> None:
        """grads += sigma * z for the next step of every run still in the arrays."""
        if self.used == self.block:
            for j, row in enumerate(self.rows):
                self.z[:, :, j] = self.gens[row].standard_normal((self.block, self.dims))
            self.used = 0
        np.multiply(self.z[self.used], self.sigma, out=scratch)
        np.add(grads, scratch, out=grads)
        self.used += 1

    def keep(self, keep: np.ndarray) -> None:
        self.rows = self.rows[keep]
        self.z = np.ascontiguousarray(self.z[:, :, keep])


def run(surface, optimizer: Optimizer, starts, steps: int, *, noise: float = 0.0,
        seed: int = 0, keys=None, tol: float | None = None, patience: int | None = None,
        monitor=None, record: str = "paths", batch_size: int | None = None) -> Outcome:
    """Run ``optimizer`` on ``surface`` from every row of ``starts`` (N, D) for ``steps`` steps.

    ``keys`` names each run's noise and batch streams (default: its row, ``(i,)``);
    ``monitor(points)`` is a held-out loss for early stopping; ``record`` is "paths" (every
    step) or "ends", or a ``Recorder`` of the caller's (its ``finish`` is the outcome's
    ``paths``); ``batch_size`` takes each step's gradient on that many of the training rows
    of a data surface (``minibatches.py``), where it is otherwise taken on all of them.
    """
    starts = np.atleast_2d(np.asarray(starts, dtype=float))  # (a copy would cost 16 B a start)
    if starts.shape[1] != surface.dims:
        raise ValueError(f"starts must have {surface.dims} coordinates, got {starts.shape[1]}")
    if isinstance(record, str) and len(starts) <= FEW_STARTS and not noise \
            and not batch_size and monitor is None and single_run.applies(surface, optimizer):
        return _each(surface, optimizer, starts, steps, tol=tol, patience=patience,
                     record=record)
    keys = RunKeys((), len(starts)) if keys is None else \
        keys if isinstance(keys, RunKeys | list) else list(keys)
    # (hyperparameters given per run are the columns of all the starts: one piece)
    if isinstance(record, str) and record != "paths" and len(starts) > CHUNK_RUNS \
            and not _per_run(optimizer):
        return _in_chunks(surface, optimizer, starts, steps, keys, noise=noise, seed=seed,
                          tol=tol, patience=patience, monitor=monitor, batch_size=batch_size)
    return _run(surface, optimizer, starts, steps, keys, noise=noise, seed=seed, tol=tol,
                patience=patience, monitor=monitor, record=record, batch_size=batch_size)


def _per_run(optimizer) -> bool:
    return bool(getattr(getattr(optimizer, "rule", None), "per_run", None))


class RunKeys:
    """The keys ``(*prefix, j)`` of n runs, j = 0..n-1, made when asked (a list of a million
    tuples would take 90 MB)."""

    def __init__(self, prefix: tuple, n: int):
        self.prefix, self.n = tuple(prefix), n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [(*self.prefix, j) for j in range(self.n)[index]]
        return (*self.prefix, range(self.n)[index])


def _run(surface, optimizer, starts, steps, keys, *, noise, seed, tol, patience, monitor,
         record, batch_size) -> Outcome:
    recorder = record if isinstance(record, Recorder) else \
        FullPaths(steps) if record == "paths" else Endpoints()
    loop = _Loop(surface, optimizer, starts, recorder, tol=tol, patience=patience,
                 monitor=monitor)
    if noise:
        loop.noise = NoiseStreams(noise, seed, keys[:], surface.dims, steps)
    if batch_size:
        loop.batches = BatchStreams(surface, batch_size, seed, keys[:])
    loop.run(steps)
    return loop.outcome()


def _each(surface, optimizer, starts, steps, *, tol, patience, record) -> Outcome:
    """A few starts, each stepped on floats (``single_run.py``) or, where it hands the run
    back, by the loop: the runs are independent, so the outcome is the loop's for all."""
    outs = []
    for start in starts:
        one = single_run.attempt(surface, optimizer, start, steps, box=escape_box(surface),
                                 tol=tol, patience=patience, paths=record == "paths")
        outs.append(_single(surface, one) if one is not None else _run(
            surface, optimizer, start[None], steps, [(0,)], noise=0.0, seed=0, tol=tol,
            patience=patience, monitor=None, record=record, batch_size=None))
    if len(outs) == 1:
        return outs[0]
    steps_taken = np.concatenate([o.steps for o in outs])
    return Outcome(ends=np.concatenate([o.ends for o in outs]),
                   end_losses=np.concatenate([o.end_losses for o in outs]),
                   codes=np.concatenate([o.codes for o in outs]), steps=steps_taken,
                   best_step=np.concatenate([o.best_step for o in outs]),
                   paths=stack([o.paths for o in outs], steps_taken)
                   if record == "paths" else None)


def _single(surface, one: single_run.Ended) -> Outcome:
    """The outcome of one run stepped on floats, as the loop below would give it."""
    ends = one.end[None]
    end_losses = surface.loss(ends)
    status = (MAX_STEPS, CONVERGED, STOPPED_EARLY)[one.code]
    if not np.isfinite(end_losses[0]):  # an overflow: it left the surface
        status = DIVERGED
    return Outcome(ends=ends, end_losses=end_losses,
                   codes=np.array([STATUSES.index(status)], dtype=np.int8),
                   steps=np.array([one.taken]), best_step=np.array([one.best_step]),
                   paths=one.paths)


def _in_chunks(surface, optimizer, starts, steps, keys, **settings) -> Outcome:
    """``_run`` on CHUNK_RUNS starts at a time (ends only), each with its own keys, into one
    outcome."""
    n = len(starts)
    ends, end_losses = np.empty_like(starts), np.empty(n)
    codes, taken, best_step = np.empty(n, np.int8), np.empty(n, int), np.empty(n, int)
    for lo in range(0, n, CHUNK_RUNS):
        part = slice(lo, lo + CHUNK_RUNS)
        out = _run(surface, optimizer, starts[part], steps, keys[part], record="ends",
                   **settings)
        ends[part], end_losses[part], codes[part] = out.ends, out.end_losses, out.codes
        taken[part], best_step[part] = out.steps, out.best_step
    return Outcome(ends=ends, end_losses=end_losses, codes=codes, steps=taken,
                   best_step=best_step)


def _columns(state, keep, n: int):
    """The state of the runs ``keep`` (a mask of n): every array with a column per run is cut
    to those columns, through any nest of tuples, named tuples, lists and dicts (a user's
    optimizer may keep its state in any of them); anything else is kept as it is."""
    if isinstance(state, np.ndarray):
        return state[..., keep] if state.ndim and state.shape[-1] == n else state
    if isinstance(state, tuple) and hasattr(state, "_fields"):
        return type(state)(*(_columns(v, keep, n) for v in state))
    if isinstance(state, list | tuple):
        return type(state)(_columns(v, keep, n) for v in state)
    if isinstance(state, dict):
        return {k: _columns(v, keep, n) for k, v in state.items()}
    return state


class _Loop:
    """The state of one engine run: the arrays of the runs still going, indexed by slot;
    ``rows`` maps each slot to its run."""

    def __init__(self, surface, optimizer, starts, recorder: Recorder, *, tol, patience,
                 monitor):
        self.surface, self.optimizer, self.recorder = surface, optimizer, recorder
        self.tol2 = tol * tol if tol else None
        self.patience, self.monitor, self.noise = patience, monitor, None
        self.batches: BatchStreams | None = None
        n, dims = starts.shape
        self.lo, self.hi = (b[:, None] for b in escape_box(surface))
        self.codes = np.full(n, STATUSES.index(MAX_STEPS), dtype=np.int8)
        self.taken = np.zeros(n, dtype=int)  # written when a run stops, and at the end
        self.k = 0
        self.best_step = np.zeros(n, dtype=int)
        self.ends = starts.copy()
        loss0 = surface.loss(starts)
        watched0 = monitor(starts) if monitor is not None else loss0
        self.best = np.array(watched0, dtype=float)
        recorder.begin(starts, loss0, None if monitor is None else watched0)
        self.need_loss = recorder.keeps_paths or bool(patience)
        # (a copy: the loop writes into its points, and starts may be the caller's, in any order)
        self._arrays(np.arange(n), np.array(starts.T, order="C"), optimizer.init(starts.T))

    def _arrays(self, rows, points, state) -> None:
        """(Re)make every per-slot array for the runs ``rows`` (at start and on compaction)."""
        n = len(rows)
        self.rows, self.P, self.state = rows, points, state
        self.P_new = np.empty_like(points)
        self.alive = np.ones(n, dtype=bool)
        self.n_alive = n
        self.ops = InPlace(points.shape)
        d = self.surface.derivatives
        self.partial = d.partial  # the loss must be tested each step
        self.grad = Executor(d.value_and_grad if d.partial else d.gradient, n)
        self.value = Executor(self.surface.derivatives.value, n) if self.need_loss else None
        self.g2, self.s2 = np.empty(n), np.empty(n)
        self.scratch = np.empty_like(points)
        self.dead_diverged = 0

    def run(self, steps: int) -> None:
        # Non-finite values are results here (the loop tests for them and ends those runs), so
        # numpy is not to warn about them on the way.
        with np.errstate(all="ignore"):
            for k in range(1, steps + 1):
                self.k = k
                self.step(k)
                if not self.n_alive:
                    break
                dead = len(self.alive) - self.n_alive
                if dead > COMPACT_SHARE * len(self.alive) or self.dead_diverged:
                    self.compact()

    def step(self, k: int) -> None:
        used = None
        if self.batches is not None:  # the loss and gradient on each run's minibatch
            out, used = self.batches.value_and_grad(self.P, self.rows, k)
        else:
            out = self.grad.run(self.P)
        # (a loss over data, the only one with minibatches, is partial: its value comes with
        # every gradient)
        grads = out[1:] if self.partial else out
        # A non-finite gradient shows as a non-finite step below; the loss, where it can be
        # undefined on its own (log(x) at x < 0), is tested here with one reduction.
        if self.partial and not np.isfinite(out[0].sum()):
            self.stop(self.alive & ~np.isfinite(out[0]), DIVERGED, taken=k - 1)
        if self.tol2:
            np.einsum("dn,dn->n", grads, grads, out=self.g2)
        if self.noise is not None:
            self.noise.add(grads, self.scratch)
        self.ops.target = self.P_new  # the optimizer's new point, taken as it is
        new, self.state = self.optimizer.update(grads, self.state, self.P, self.ops)
        if new is not self.P_new:
            np.copyto(self.P_new, new)
        new = self.P_new
        rejected = None
        # NaN propagates through min and max, so two reductions test finiteness and the box
        if not ((new.min(axis=1) >= self.lo[:, 0]).all()
                and (new.max(axis=1) <= self.hi[:, 0]).all()):
            rejected = self.alive & ~np.isfinite(new).all(axis=0)
            far = self.alive & ~rejected & ((new < self.lo) | (new > self.hi)).any(axis=0)
            new[:, rejected] = self.P[:, rejected]
            self.stop(rejected, DIVERGED, taken=k - 1)
            moved = self.alive.copy()
            self.stop(far, DIVERGED, moved=True)
        else:
            moved = self.alive
        self.P, self.P_new = new, self.P
        watched = self._watch(k, moved, grads, None if used is None else (used, out[0]))
        if self.tol2:
            step = np.subtract(self.P, self.P_new, out=self.scratch)  # P_new: the old point
            np.einsum("dn,dn->n", step, step, out=self.s2)
            self.stop(self.alive & (self.s2 < self.tol2) & (self.g2 < self.tol2), CONVERGED)
        if self.patience:
            improved = self.alive & (watched < self.best[self.rows])
            self.best[self.rows[improved]] = watched[improved]
            self.best_step[self.rows[improved]] = k
            self.stop(self.alive & (k - self.best_step[self.rows] >= self.patience),
                      STOPPED_EARLY)

    def _watch(self, k, moved, grads, batch=None):
        """Record step k; return the monitored loss at the new points (None if not needed).
        ``batch``: the rows each run's minibatch held and its loss there."""
        if not self.need_loss:
            return None
        loss = self.value.run(self.P)[0]
        watched = self.monitor(self.P.T) if self.monitor is not None else loss
        if self.recorder.keeps_paths:
            self.recorder.record(k, self.rows[moved], self.P[:, moved], loss[moved],
                                 None if self.monitor is None else watched[moved],
                                 grads[:, moved], self.optimizer, self.state, moved)
            if batch is not None:
                self.recorder.record_batch(k, self.rows[moved], batch[0][moved],
                                           batch[1][moved])
        return watched

    def stop(self, mask, status: str, moved: bool = False, taken: int | None = None) -> None:
        """End the runs in ``mask`` (slots) with ``status`` at their current points, after
        ``taken`` steps (default: this one)."""
        if not mask.any():
            return
        rows = self.rows[mask]
        self.codes[rows] = STATUSES.index(status)
        self.taken[rows] = self.k if taken is None else taken
        self.alive &= ~mask
        self.n_alive = int(self.alive.sum())
        self.ends[rows] = (self.P_new if moved else self.P)[:, mask].T
        if status == DIVERGED:
            self.dead_diverged += int(mask.sum())

    def compact(self) -> None:
        keep = self.alive
        state = _columns(self.state, keep, len(keep))
        self._arrays(self.rows[keep], np.ascontiguousarray(self.P[:, keep]), state)
        if self.noise is not None:
            self.noise.keep(keep)

    def outcome(self) -> Outcome:
        live = self.rows[self.alive]
        self.ends[live] = self.P[:, self.alive].T
        self.taken[live] = self.k
        end_losses = self.surface.loss(self.ends)
        # an overflow: it left the surface
        self.codes[~np.isfinite(end_losses)] = STATUSES.index(DIVERGED)
        return Outcome(ends=self.ends, end_losses=end_losses, codes=self.codes,
                       steps=self.taken, best_step=self.best_step,
                       paths=self.recorder.finish(self.taken) if self.recorder.keeps_paths
                       else None)
