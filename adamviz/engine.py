"""The engine: run one optimizer from N start points at once and record the trajectories.

Each step evaluates the exact gradient at all N points in one call, optionally adds Gaussian
noise (stochastic gradients), asks the optimizer for its step and applies it to the runs that are
still active. A run ends when:

- it has **converged**: step length and true gradient norm both below ``tol``;
- it is **stopped early**: with ``patience`` K, the monitored loss (the surface's, or a held-out
  loss given as ``monitor``) has not improved for K steps; the best step is kept;
- it has **diverged**: a non-finite value, or a point farther than ``DIVERGE_FACTOR`` box sizes
  from the box; the trajectory ends at its last finite point;
- otherwise it runs to **max steps**.

A finished run stays on its last point, so every array keeps the same length for all runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .optimizers import Optimizer
from .surfaces import Surface

CONVERGED, STOPPED_EARLY = "converged", "stopped early"
DIVERGED, MAX_STEPS = "diverged", "max steps"
STATUSES = (CONVERGED, STOPPED_EARLY, DIVERGED, MAX_STEPS)
DIVERGE_FACTOR = 10.0  # how many box sizes away from the box a run counts as diverged


@dataclass
class Trajectories:
    """What N runs of one optimizer did. Arrays are indexed [step, run, ...]."""

    points: np.ndarray  # (T+1, N, D); step 0 is the start; frozen after a run ends
    losses: np.ndarray  # (T+1, N) loss on the surface (noise-free)
    monitor: np.ndarray | None  # (T+1, N) monitored (held-out) loss, when one was given
    steps: np.ndarray  # (N,) steps each run took
    status: list[str]  # (N,) one of STATUSES
    best_step: np.ndarray  # (N,) step of the lowest monitored loss (early stopping keeps it)
    effective_lr: np.ndarray | None = None  # (T+1, N, D) per-coordinate rate; row 0 is NaN
    gradients: np.ndarray | None = None  # (T+1, N, D) gradient used at step k (row 0 NaN)
    quantities: dict | None = None  # name -> (T+1, N, D): the optimizer's trace after step k

    @property
    def n_runs(self) -> int:
        return self.points.shape[1]

    def path(self, run: int) -> np.ndarray:
        """The points run ``run`` actually visited, shape (steps+1, D)."""
        return self.points[: self.steps[run] + 1, run]

    def loss_path(self, run: int) -> np.ndarray:
        return self.losses[: self.steps[run] + 1, run]


def optimize(surface: Surface, optimizer: Optimizer, starts, steps: int, *,
             noise: float = 0.0, seed: int | None = 0, tol: float | None = None,
             patience: int | None = None,
             monitor: Callable[[np.ndarray], np.ndarray] | None = None,
             record_lr: bool = False, record_trace: bool = False) -> Trajectories:
    """Run ``optimizer`` on ``surface`` from every row of ``starts`` (N, D) for ``steps`` steps.

    With ``record_lr`` the optimizer's effective per-coordinate learning rate is kept for every
    step (for SGD-like optimizers, which have none, it is their constant lr). With
    ``record_trace`` the gradients and the optimizer's named quantities are kept too.
    """
    params = np.array(starts, dtype=float, ndmin=2)
    n, dims = params.shape
    if dims != surface.dims:
        raise ValueError(f"starts must have {surface.dims} coordinates, got {dims}")
    rng = np.random.default_rng(seed) if noise else None
    lo, hi = _escape_box(surface)

    points = np.empty((steps + 1, n, dims))
    losses = np.empty((steps + 1, n))
    watched = np.empty((steps + 1, n)) if monitor is not None else None
    points[0] = params
    losses[0] = surface.loss(params)
    if watched is not None:
        watched[0] = monitor(params)
    best = (watched if watched is not None else losses)[0].copy()
    best_step = np.zeros(n, dtype=int)
    taken = np.zeros(n, dtype=int)
    status = np.full(n, MAX_STEPS, dtype=object)
    active = np.ones(n, dtype=bool)
    state = optimizer.init(params)
    last = 0
    rates = None
    if record_lr:
        rates = np.full((steps + 1, n, dims), np.nan)
        constant = None if optimizer.effective_lr else optimizer.hyperparams["lr"]
    grads_seen, quantities = None, None
    if record_trace:
        grads_seen = np.full((steps + 1, n, dims), np.nan)
        quantities = {}

    for k in range(1, steps + 1):
        true_grad = surface.gradient(params)
        grad = true_grad + noise * rng.standard_normal(true_grad.shape) if noise else true_grad
        step, state = optimizer.update(grad, state, params)
        if grads_seen is not None:
            grads_seen[k] = grad
            for name, value in (optimizer.trace(state) if optimizer.trace else {}).items():
                if name not in quantities:
                    quantities[name] = np.full((steps + 1, n, dims), np.nan)
                quantities[name][k] = value
        if rates is not None:
            rates[k] = constant if constant is not None else optimizer.effective_lr(state)
            rates[k] = np.where(active[:, None], rates[k], rates[k - 1])
        new = params + step
        loss = surface.loss(new)

        bad = active & ~(np.isfinite(new).all(axis=1) & np.isfinite(loss))
        far = active & ~bad & ((new < lo) | (new > hi)).any(axis=1)
        # A non-finite run stays at its last finite point; one that flew off keeps that point.
        moving = active & ~bad
        params = np.where(moving[:, None], new, params)
        points[k] = params
        losses[k] = np.where(moving, loss, losses[k - 1])
        taken[moving] = k
        status[bad | far] = DIVERGED
        active &= ~(bad | far)

        if watched is not None:
            watched[k] = np.where(moving, monitor(params), watched[k - 1])
        current = (watched if watched is not None else losses)[k]
        improved = active & (current < best)
        best[improved] = current[improved]
        best_step[improved] = k

        if tol:
            size = np.linalg.norm(step, axis=1)
            grad_norm = np.linalg.norm(true_grad, axis=1)
            done = active & (size < tol) & (grad_norm < tol)
            status[done] = CONVERGED
            active &= ~done
        if patience:
            done = active & (k - best_step >= patience)
            status[done] = STOPPED_EARLY
            active &= ~done
        last = k
        if not active.any():
            break

    end = last + 1
    return Trajectories(points=points[:end], losses=losses[:end],
                        monitor=None if watched is None else watched[:end],
                        steps=taken, status=list(status), best_step=best_step,
                        effective_lr=None if rates is None else rates[:end],
                        gradients=None if grads_seen is None else grads_seen[:end],
                        quantities=None if quantities is None
                        else {k: v[:end] for k, v in quantities.items()})


def optimize_loop(surface: Surface, optimizer: Optimizer, starts, steps: int,
                  **kwargs) -> list[Trajectories]:
    """The plain way: one run at a time, the same math. For tests and benchmarks only."""
    starts = np.array(starts, dtype=float, ndmin=2)
    return [optimize(surface, optimizer, start[None, :], steps, **kwargs) for start in starts]


def _escape_box(surface: Surface) -> tuple[np.ndarray, np.ndarray]:
    """Bounds beyond which a run has flown far out of the box (counts as diverged)."""
    box = np.array(surface.box, dtype=float)
    size = box[:, 1] - box[:, 0]
    return box[:, 0] - DIVERGE_FACTOR * size, box[:, 1] + DIVERGE_FACTOR * size


@dataclass
class Endpoints:
    """Where N runs ended, without their paths (the batch engine's result)."""

    points: np.ndarray  # (N, D)
    losses: np.ndarray  # (N,)
    status: np.ndarray  # (N,) of STATUSES (never "stopped early": no patience here)
    steps_to_tol: np.ndarray  # (N,) first step with step length and gradient norm < tol; -1


def optimize_final(surface: Surface, optimizer: Optimizer, starts, steps: int, *,
                   tol: float | None = None, noise: float = 0.0,
                   seed: int | None = 0) -> Endpoints:
    """The batch engine: N runs, only their ends kept, in place and with no per-step allocation.

    Many starts at once (a grid of 40,000 for basins): parameters and state live in
    preallocated (D, N) arrays, gradients are evaluated into a buffer (``gradient_into``), and
    optimizers with an in-place form update without allocating (others use their pure update).
    Runs are not stopped when they converge: a converged run's steps are below ``tol`` and
    its end stays put; the step where it first got there is reported. Status is decided at
    the end: non-finite or far out of the box is diverged. Results equal ``optimize``'s
    (tol=None) to the last bit for the in-place optimizers (tests check it).
    """
    start = np.array(starts, dtype=float, ndmin=2)
    n, dims = start.shape
    params = np.ascontiguousarray(start.T)  # (D, N): each coordinate contiguous
    grads = np.empty_like(params)
    compiled = surface.compiled
    cols = list(params)
    rng = np.random.default_rng(seed) if noise else None
    inplace = optimizer.make_inplace(params.shape) if optimizer.make_inplace else None
    state = None if inplace else optimizer.init(params.T)
    reached = np.full(n, -1)
    if tol:
        before, size, grad_size = np.empty_like(params), np.empty(n), np.empty(n)
        tol2 = tol * tol
    with np.errstate(all="ignore"):
        for k in range(1, steps + 1):
            compiled.gradient_into(cols, grads.T)
            if tol:
                np.einsum("dn,dn->n", grads, grads, out=grad_size)
                before[...] = params
            g = grads + noise * rng.standard_normal(grads.shape) if noise else grads
            if inplace:
                inplace(g, params)
            else:
                step, state = optimizer.update(g.T, state, params.T)
                params += step.T
            if tol:
                np.subtract(params, before, out=before)
                np.einsum("dn,dn->n", before, before, out=size)
                done = (size < tol2) & (grad_size < tol2) & (reached < 0)
                reached[done] = k
        losses = surface.loss(params.T)
    lo, hi = _escape_box(surface)
    points = params.T.copy()
    bad = ~np.isfinite(points).all(axis=1) | ~np.isfinite(losses) | \
        ((points < lo) | (points > hi)).any(axis=1)
    status = np.where(bad, DIVERGED, np.where(reached >= 0, CONVERGED, MAX_STEPS))
    reached[bad] = -1
    return Endpoints(points, losses, status.astype(object), reached)
