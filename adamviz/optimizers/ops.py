"""The arithmetic an optimizer's update is written in, in two modes with the same rounding.

An update is written once, against ``ops``. ``ALLOCATE`` returns new arrays and never touches its
inputs (the pure optax-style update). ``InPlace(shape)`` writes every result into the buffer
named by ``out=`` — the state's own arrays, or scratch buffers made on the first step — so the
engine's hot loop allocates nothing. Both modes perform the same floating-point operations in
the same order, so they agree to the last bit (tests check every optimizer).

Compound operations follow torch's CPU kernels: ``lerp`` has torch's two branches.
"""

from __future__ import annotations

import numpy as np


class Allocate:
    """Pure mode: every operation makes a new array; ``out`` is ignored."""

    inplace = False

    def buffer(self, name: str):
        return None

    def add(self, a, b, out=None):
        return a + b

    def sub(self, a, b, out=None):
        return a - b

    def mul(self, a, b, out=None):
        return a * b

    def div(self, a, b, out=None):
        return a / b

    def sqrt(self, a, out=None):
        return np.sqrt(a)

    def abs(self, a, out=None):
        return np.abs(a)

    def maximum(self, a, b, out=None):
        return np.maximum(a, b)

    def copy(self, a, out=None):
        return np.array(a, dtype=float, copy=True)

    def lerp(self, start, end, weight: float, out=None):
        """torch.lerp: start + w*(end - start) for |w| < 0.5, else end - (end - start)*(1 - w)."""
        if abs(weight) < 0.5:
            return start + (end - start) * weight
        return end - (end - start) * (1 - weight)


class InPlace(Allocate):
    """Buffer mode: results go into ``out`` (required); scratch buffers are made once."""

    inplace = True

    def __init__(self, shape):
        self.shape = tuple(shape)
        self.buffers: dict[str, np.ndarray] = {}

    def buffer(self, name: str) -> np.ndarray:
        buf = self.buffers.get(name)
        if buf is None:
            buf = self.buffers[name] = np.zeros(self.shape)
        return buf

    def add(self, a, b, out=None):
        return np.add(a, b, out=_need(out))

    def sub(self, a, b, out=None):
        return np.subtract(a, b, out=_need(out))

    def mul(self, a, b, out=None):
        return np.multiply(a, b, out=_need(out))

    def div(self, a, b, out=None):
        return np.divide(a, b, out=_need(out))

    def sqrt(self, a, out=None):
        return np.sqrt(a, out=_need(out))

    def abs(self, a, out=None):
        return np.abs(a, out=_need(out))

    def maximum(self, a, b, out=None):
        return np.maximum(a, b, out=_need(out))

    def copy(self, a, out=None):
        np.copyto(_need(out), a)
        return out

    def lerp(self, start, end, weight: float, out=None):
        tmp = self.buffer("_lerp")
        np.subtract(end, start, out=tmp)
        if abs(weight) < 0.5:
            np.multiply(tmp, weight, out=tmp)
            return np.add(start, tmp, out=_need(out))
        np.multiply(tmp, 1 - weight, out=tmp)
        return np.subtract(end, tmp, out=_need(out))


def _need(out):
    if out is None:  # a missing out= would allocate silently on every step
        raise ValueError("in-place ops need an out= buffer")
    return out


ALLOCATE = Allocate()
