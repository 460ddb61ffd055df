"""What an optimizer is: a pair of pure functions over explicit state, in the style of optax.

    state = opt.init(params)                              # params: N runs at once
    step, state = opt.update(grads, state, params)        # new params = params + step
    step, state = opt.update(grads, state, params, ops)   # the same, into buffers (ops.py)

``update`` never modifies its inputs unless given in-place ``ops``, in which case it writes into
the state's own arrays (the engine owns them). The step counter ``t`` lives in the state; state
fields are named after the math. ``effective_lr(state)`` is the per-coordinate rate the last
update applied to its direction (or one number for every coordinate; None for SGD-like methods,
whose rate is lr everywhere);
``trace(state)`` names the update's quantities after a step, as ``adamviz trace`` prints them.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.errors import InputError


@dataclass(frozen=True, kw_only=True)
class Optimizer:
    init: Callable[[np.ndarray], Any]
    update: Callable[..., tuple[np.ndarray, Any]]
    effective_lr: Callable[[Any], np.ndarray] | None = None
    trace: Callable[[Any], dict[str, np.ndarray]] | None = None
    # Filled in by ``registry.make`` from the factory's name and bound signature.
    name: str = ""
    hyperparams: Mapping[str, Any] = field(default_factory=dict)
    # What defines it besides its hyperparameters, when a user can change it (a digest of an
    # optimizer file's rule): a results database tells an edited file from the one it ran.
    definition: str = ""


def zeros(params: np.ndarray) -> np.ndarray:
    return np.zeros_like(params, dtype=float)


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


def check(lr=None, eps=None, weight_decay=None, momentum=None, **betas) -> None:
    """Reject out-of-range hyperparameters with torch-style messages."""
    if lr is not None and not (lr > 0 or (lr == 0 and _scheduled.get())):
        raise InputError(f"Invalid learning rate: {lr} (must be > 0)")
    if eps is not None and not eps > 0:
        raise InputError(f"Invalid epsilon value: {eps} (must be > 0)")
    if weight_decay is not None and not weight_decay >= 0:
        raise InputError(f"Invalid weight_decay value: {weight_decay} (must be >= 0)")
    if momentum is not None and not momentum >= 0:
        raise InputError(f"Invalid momentum value: {momentum} (must be >= 0)")
    for name, beta in betas.items():
        if not 0 <= beta < 1:
            raise InputError(f"Invalid {name} value: {beta} (must be in [0, 1))")


def l2(grads, params, weight_decay: float, ops, out):
    """Coupled (L2) weight decay, torch's ``grad.add(param, alpha=weight_decay)``."""
    if weight_decay == 0:
        return grads
    return ops.add(grads, ops.mul(weight_decay, params, out=out), out=out)


def step_to(new: np.ndarray, params: np.ndarray) -> np.ndarray:
    """The step that lands ``params + step`` exactly on ``new``, for an optimizer that computes
    its new parameters rather than a step (a torch optimizer, a rule that assigns p): the
    difference, corrected where rounding would miss (rarely more than once)."""
    step = new - params
    with np.errstate(all="ignore"):
        for _ in range(4):
            landed = params + step
            miss = (landed != new) & np.isfinite(new)
            if not miss.any():
                break
            step = np.where(miss, step + (new - landed), step)
    return step
