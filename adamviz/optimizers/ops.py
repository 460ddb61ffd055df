"""Where an update writes: ``ALLOCATE`` (the pure optax-style update: new arrays, inputs never
touched) or ``InPlace(shape)`` (the engine's: the new point into ``target``, the state into
buffers made on the first step and reused, so the hot loop allocates nothing). Both compute
the same operations in the same order, so they agree to the last bit (tests check every
optimizer)."""

from __future__ import annotations

import numpy as np


class Allocate:
    """Pure mode: every result is a new array."""

    inplace = False
    target = None

    def buffer(self, name: str):
        return None


class InPlace(Allocate):
    """Buffer mode: ``target`` takes the new point (the engine sets it each step); named
    buffers are made once."""

    inplace = True

    def __init__(self, shape):
        self.shape = tuple(shape)
        self.buffers: dict[str, np.ndarray] = {}
        self.target: np.ndarray | None = None

    def buffer(self, name: str) -> np.ndarray:
        buf = self.buffers.get(name)
        if buf is None:
            buf = self.buffers[name] = np.zeros(self.shape)
        return buf


ALLOCATE = Allocate()
