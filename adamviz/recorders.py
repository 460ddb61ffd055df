"""What the engine keeps of a run: every step (``FullPaths``) or nothing but the end
(``Endpoints``, for which the engine's own end points suffice).

``FullPaths`` grows its arrays as the run goes (doubling), so memory follows the steps actually
taken, not the steps asked for. Arrays are indexed [step, run, ...]; step 0 is the start. A run
that has ended keeps its last point and loss in the later rows, so every run has the same length.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FIRST_CAPACITY = 256  # steps kept before the arrays first grow


@dataclass(frozen=True, kw_only=True)
class Paths:
    """Every step of N runs. Arrays are (T+1, N, ...); row 0 of the per-step quantities is NaN."""

    points: np.ndarray  # (T+1, N, D)
    losses: np.ndarray  # (T+1, N) loss on the surface (noise-free)
    monitor: np.ndarray | None  # (T+1, N) the monitored (held-out) loss, when one was given
    gradients: np.ndarray  # (T+1, N, D) the gradient step k used (noise included)
    effective_lr: np.ndarray  # (T+1, N, D) the per-coordinate rate of step k
    quantities: dict  # name -> (T+1, N, D): the optimizer's trace after step k
    batch_rows: np.ndarray | None = None  # (T+1, N, B) the training rows of step k's batch;
    # -1 where a batch was shorter (an epoch's last) and in row 0
    batch_losses: np.ndarray | None = None  # (T+1, N) the loss on step k's batch, before it


class Recorder:
    keeps_paths = False

    def begin(self, starts, loss0, watched0) -> None:
        pass

    def finish(self, taken):
        return None


class Endpoints(Recorder):
    """Keep nothing per step: the engine's outcome already holds where each run ended."""


class FullPaths(Recorder):
    keeps_paths = True

    def __init__(self, steps: int):
        self.steps = steps

    def begin(self, starts, loss0, watched0) -> None:
        n, dims = starts.shape
        cap = min(self.steps, FIRST_CAPACITY) + 1
        self.arrays = {"points": np.full((cap, n, dims), np.nan),
                       "losses": np.full((cap, n), np.nan),
                       "gradients": np.full((cap, n, dims), np.nan),
                       "effective_lr": np.full((cap, n, dims), np.nan)}
        self.arrays["points"][0] = starts
        self.arrays["losses"][0] = loss0
        if watched0 is not None:
            self.arrays["monitor"] = np.full((cap, n), np.nan)
            self.arrays["monitor"][0] = watched0
        self.names: list[str] = []  # the optimizer's trace quantities, in order

    def _room(self, k: int) -> None:
        cap = len(self.arrays["points"])
        if k < cap:
            return
        grow = min(2 * cap, self.steps + 1)
        for key, old in self.arrays.items():
            new = np.full((grow, *old.shape[1:]), -1 if old.dtype.kind == "i" else np.nan,
                          dtype=old.dtype)
            new[:cap] = old
            self.arrays[key] = new

    def record(self, k, rows, points, losses, watched, grads, optimizer, state, moved) -> None:
        """Step k of the runs ``rows`` (arrays of their slots: points (D, m) ...)."""
        self._room(k)
        a = self.arrays
        a["points"][k, rows] = points.T
        a["losses"][k, rows] = losses
        if watched is not None:
            a["monitor"][k, rows] = watched
        a["gradients"][k, rows] = grads.T
        rate = optimizer.hyperparams.get("lr", np.nan) if optimizer.effective_lr is None \
            else optimizer.effective_lr(state)  # per coordinate, or one rate for every one
        a["effective_lr"][k, rows] = rate if np.ndim(rate) == 0 else rate[:, moved].T
        for name, value in (optimizer.trace(state) if optimizer.trace else {}).items():
            key = "q:" + name
            if key not in a:
                a[key] = np.full_like(a["gradients"], np.nan)
                self.names.append(name)
            a[key][k, rows] = value[:, moved].T

    def record_batch(self, k, rows, used, losses) -> None:
        """Step k's minibatch of the runs ``rows``: the training rows each used (m, b) and
        the loss on them at the point the step started from."""
        a = self.arrays
        if "batch_rows" not in a:
            cap, n = a["losses"].shape
            a["batch_rows"] = np.full((cap, n, used.shape[1]), -1, dtype=np.intp)
            a["batch_losses"] = np.full((cap, n), np.nan)
        a["batch_rows"][k, rows, : used.shape[1]] = used
        a["batch_losses"][k, rows] = losses

    def finish(self, taken) -> Paths:
        """The arrays trimmed to the longest run, ended runs held at their last point."""
        end = int(taken.max(initial=0)) + 1
        a = {key: value[:end] for key, value in self.arrays.items()}
        for key in ("points", "losses", "monitor"):
            if key in a:
                for run, last in enumerate(taken):
                    a[key][last + 1:, run] = a[key][last, run]
        return Paths(points=a["points"], losses=a["losses"], monitor=a.get("monitor"),
                     gradients=a["gradients"], effective_lr=a["effective_lr"],
                     quantities={name: a["q:" + name] for name in self.names},
                     batch_rows=a.get("batch_rows"), batch_losses=a.get("batch_losses"))


def stack(parts: list[Paths], taken) -> Paths:
    """The paths of runs recorded one by one, as one ``FullPaths`` keeps them together: as
    long as the longest, each ended run's point and loss held in the later rows (the rest NaN).
    """
    end = int(np.max(taken, initial=0)) + 1

    def joined(arrays, hold: bool):
        if arrays[0] is None:
            return None
        out = np.full((end, len(arrays), *arrays[0].shape[2:]), np.nan)
        for run, a in enumerate(arrays):
            out[: len(a), run] = a[:, 0]
            if hold:
                out[len(a):, run] = a[-1, 0]
        return out

    return Paths(points=joined([p.points for p in parts], True),
                 losses=joined([p.losses for p in parts], True),
                 monitor=joined([p.monitor for p in parts], True),
                 gradients=joined([p.gradients for p in parts], False),
                 effective_lr=joined([p.effective_lr for p in parts], False),
                 quantities={name: joined([p.quantities[name] for p in parts], False)
                             for name in parts[0].quantities})
