"""Optimizers from elsewhere, in the shape adamviz runs: any object with optax-style
``init(params)`` and ``update(grads, state, params)``.

    class Sign:                                   # signSGD, in five lines
        def init(self, params):
            return ()
        def update(self, grads, state, params=None):
            return -0.01 * np.sign(grads), state

    adamviz.run("hump", [Sign(), "adam"])

Arrays are float64 of shape (D, N): a row per coordinate, a column per run (N runs at once).
``update`` returns the step that is added to the parameters (optax's convention; adamviz takes
the sum as the new point) and the new state; the state may be
any nest of tuples, lists, dicts and arrays (columns are kept per run). The name in labels is
the object's ``name`` attribute, else its class's name in lower case; its ``hyperparams``
(a dict), when it has one, show in labels and exports.
"""

from __future__ import annotations

import numpy as np

from ..core.errors import InputError
from .base import Optimizer


def is_foreign(item) -> bool:
    return (not isinstance(item, Optimizer) and callable(getattr(item, "init", None))
            and callable(getattr(item, "update", None)))


def wrap(item) -> Optimizer:
    """``item`` as an ``Optimizer`` (one already is)."""
    if isinstance(item, Optimizer):
        return item
    if not is_foreign(item):
        raise InputError(f"An optimizer is a spec such as 'adam:lr=0.05', an Optimizer, or an "
                         f"object with init(params) and update(grads, state, params); got "
                         f"{item!r}.")
    name = getattr(item, "name", None) or type(item).__name__.lower()
    hyperparams = getattr(item, "hyperparams", None)
    hyperparams = dict(hyperparams) if isinstance(hyperparams, dict) else {}

    def update(grads, state, params, ops=None):
        step, state = item.update(grads, state, params)
        target = getattr(ops, "target", None)
        if target is not None and np.shape(step) == target.shape:
            return np.add(params, step, out=target), state
        return params + step, state

    return Optimizer(init=item.init, update=update, name=str(name), hyperparams=hyperparams)
