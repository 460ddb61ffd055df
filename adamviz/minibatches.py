"""Minibatches: each run's own shuffled pass over the training rows, epoch after epoch.

As a torch ``DataLoader(shuffle=True, batch_size=B, drop_last=False, generator=g)`` would: at the
start of every epoch a run draws a permutation of the training rows from its own generator, and
step k takes the next B rows of it (an epoch of R rows has ceil(R / B) steps; its last batch has
the R mod B rows left over, when there are any). Every run's generator is its own
(``SeedSequence(seed, spawn_key=(*key, STREAM))``, keyed by the run's place as the gradient noise
is, on a stream of its own), so adding a run, or splitting the work over processes, never changes
another run's batches. Row numbers are into the training rows.
"""

from __future__ import annotations

import math

import numpy as np

STREAM = 1  # the spawn-key suffix that sets batch streams apart from the noise streams


def steps_per_epoch(rows: int, batch_size: int) -> int:
    return math.ceil(rows / batch_size)


class BatchStreams:
    """The minibatches of N runs (``keys``: one per run) of ``batch_size`` rows out of ``rows``."""

    def __init__(self, surface, batch_size: int, seed: int, keys):
        self.surface, self.size = surface, int(batch_size)
        self.rows = surface.training_rows
        self.per_epoch = steps_per_epoch(self.rows, self.size)
        self.gens = [np.random.Generator(np.random.PCG64(
            np.random.SeedSequence(seed, spawn_key=(*tuple(key), STREAM)))) for key in keys]
        self.order = np.zeros((len(self.gens), self.rows), dtype=np.intp)
        self.epoch_of = np.full(len(self.gens), -1)  # the epoch each run's order is for

    def rows_at(self, k: int, runs: np.ndarray) -> np.ndarray:
        """The training rows step k (from 1) of each of ``runs`` uses: (len(runs), b)."""
        epoch, place = divmod(k - 1, self.per_epoch)
        for run in runs[self.epoch_of[runs] != epoch]:  # a run still going took every step
            self.order[run] = self.gens[run].permutation(self.rows)
            self.epoch_of[run] = epoch
        lo = place * self.size
        return self.order[runs, lo:min(lo + self.size, self.rows)]

    def value_and_grad(self, points: np.ndarray, runs: np.ndarray, k: int):
        """(out, rows): the minibatch loss and gradient (1 + D, n) at ``points`` (D, n) of
        ``runs`` for step k, and the rows each used (n, b)."""
        rows = self.rows_at(k, runs)
        return self.surface.batch_value_and_grad(points, rows), rows
