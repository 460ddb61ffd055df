"""What an optimizer is: a pair of pure functions over explicit state, in the style of optax.

    state = opt.init(params)                              # params: (D, N), a column per run
    new, state = opt.update(grads, state, params)         # the new parameters
    new, state = opt.update(grads, state, params, ops)    # the same, into buffers (ops.py)

``update`` hands back the optimizer's own new point, which the engine takes as it is (an
optimizer that computes a step and lets the engine add it could not always be landed on
exactly). It never modifies its inputs; given in-place ``ops`` it writes the new point into
``ops.target`` and its state into buffers of ``ops`` (the engine owns them). The step counter
``t`` lives in the state; state fields are named after the math. ``effective_lr(state)`` is
the per-coordinate rate the last update applied to its direction (or one number for every
coordinate; None for SGD-like methods, whose rate is lr everywhere); ``trace(state)`` names
the update's quantities after a step, as ``adamviz trace`` prints them.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True, kw_only=True)
class Optimizer:
    init: Callable[[np.ndarray], Any]
    update: Callable[..., tuple[np.ndarray, Any]]
    effective_lr: Callable[[Any], np.ndarray] | None = None
    trace: Callable[[Any], dict[str, np.ndarray]] | None = None
    # Filled in by ``registry.make`` from the factory's name and bound signature.
    name: str = ""
    hyperparams: Mapping[str, Any] = field(default_factory=dict)
    # A schedule's way in: the same optimizer with lr read per step, ``with_rates(rate_of_t)``
    # (None where the optimizer must be built again for each rate).
    with_rates: Callable[[Callable[[int], float]], Any] | None = None
    # The optimizer file it was made from (the player compiles that one, not another of the
    # same name); "" for one made otherwise.
    source: str = ""
    # What defines it besides its hyperparameters, when a user can change it (a digest of an
    # optimizer file's rule): a results database tells an edited file from the one it ran.
    definition: str = ""
    # The compiled rule behind ``update`` (``compiled._Rule``), for the engine's one-run path
    # (``single_run.py``), which runs its programs on floats; it is used only while ``update``
    # is still that rule's own (a wrapper that changes the gradient is not the rule).
    rule: Any = None


# A schedule may bring the rate down to 0 (cosine to eta_min = 0), which torch allows for a
# scheduled rate though not for a rate given; ``scheduled_rates`` says the rate is scheduled.
_scheduled = contextvars.ContextVar("scheduled", default=False)


@contextlib.contextmanager
def scheduled_rates():
    token = _scheduled.set(True)
    try:
        yield
    finally:
        _scheduled.reset(token)


def scheduled_rates_active() -> bool:
    return _scheduled.get()
