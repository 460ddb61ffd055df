"""Learning-rate schedules and gradient clipping, with torch's semantics.

A schedule is torch's ``lr_scheduler`` stepped once after every optimizer step: step k uses the
rate the scheduler holds after k - 1 steps, computed by torch's own recursive formulas in
Python floats (so the rates are torch's to the last bit). Each function below is one
scheduler; its signature gives the parameters and their defaults, its docstring the rule.

Clipping is applied to the gradient before the update, as a torch script calls
``clip_grad_value_`` and ``clip_grad_norm_`` before ``optimizer.step()``: first every
coordinate to [-clip_value, clip_value], then the gradient scaled to at most clip_norm in the
2-norm over both coordinates (each run on its own).
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from dataclasses import dataclass

import numpy as np

from ..core.errors import InputError
from ..core.names import suggest
from ..core.specs import format_value, parse_opt
from .base import Optimizer, scheduled_rates


def step(lr, k, base, step_size: int = 30, gamma: float = 0.1):
    """StepLR: lr *= gamma every step_size steps."""
    return lr * gamma if k % step_size == 0 else lr


def exponential(lr, k, base, gamma: float = 0.99):
    """ExponentialLR: lr *= gamma every step."""
    return lr * gamma


def cosine(lr, k, base, T_max: int = 100, eta_min: float = 0.0):  # noqa: N803 (torch's name)
    """CosineAnnealingLR: lr = eta_min + (base - eta_min)*(1 + cos(pi*k/T_max))/2, by torch's
    recursion."""
    if (k - 1 - T_max) % (2 * T_max) == 0:
        return lr + (base - eta_min) * (1 - math.cos(math.pi / T_max)) / 2
    return ((1 + math.cos(math.pi * k / T_max)) / (1 + math.cos(math.pi * (k - 1) / T_max))
            * (lr - eta_min) + eta_min)


def linear(lr, k, base, start_factor: float = 1 / 3, end_factor: float = 1.0,
           total_iters: int = 5):
    """LinearLR: the factor goes from start_factor to end_factor over total_iters steps."""
    if k > total_iters:
        return lr
    return lr * (1.0 + (end_factor - start_factor)
                 / (total_iters * start_factor + (k - 1) * (end_factor - start_factor)))


SCHEDULES = {f.__name__: f for f in (step, exponential, cosine, linear)}
TORCH_NAMES = {"step": "StepLR", "exponential": "ExponentialLR", "cosine": "CosineAnnealingLR",
               "linear": "LinearLR"}
WHOLE = {"step_size", "T_max", "total_iters"}


def defaults(name: str) -> dict:
    params = list(inspect.signature(SCHEDULES[name]).parameters.values())[3:]
    return {p.name: p.default for p in params}


@dataclass(frozen=True)
class Schedule:
    name: str
    params: dict

    def __str__(self) -> str:
        return self.name + "".join(f"{':' if i == 0 else ','}{k}={format_value(v)}"
                                   for i, (k, v) in enumerate(self.params.items()))

    def rates(self, base: float):
        """lr for steps 1, 2, ... (an endless generator)."""
        rule, params = SCHEDULES[self.name], {**defaults(self.name), **self.params}
        lr = base * params["start_factor"] if self.name == "linear" else base
        k = 0
        while True:
            yield lr
            k += 1
            lr = rule(lr, k, base, **params)


def parse_schedule(text) -> Schedule | None:
    """``cosine:T_max=200,eta_min=0`` (or a ``Schedule``, or None) checked as torch checks."""
    if text is None or isinstance(text, Schedule):
        return text
    try:
        spec = parse_opt(text) if isinstance(text, str) else None
    except InputError as exc:  # the same small grammar as an optimizer spec: said as a schedule
        raise InputError(str(exc).replace("Bad optimizer spec", "Bad schedule").replace(
            "optimizer spec", "schedule")) from None
    if spec is None or spec.name not in SCHEDULES:
        name = getattr(spec, "name", text)
        raise InputError(f"Unknown schedule {name!r}{suggest(str(name), SCHEDULES)}; e.g. "
                         f"cosine:T_max=200 or step:step_size=30,gamma=0.1.")
    known = defaults(spec.name)
    for key, value in spec.hyperparams.items():
        if key not in known:
            raise InputError(f"Unknown parameter {key!r} for the {spec.name} schedule"
                             f"{suggest(key, known)}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(f"{spec.name} schedule: {key} must be a number, got {value!r}.")
        if key in WHOLE and (not float(value).is_integer() or value < 1):
            raise InputError(f"{spec.name} schedule: {key} must be a whole number >= 1.")
    params = {k: int(v) if k in WHOLE else float(v) for k, v in spec.hyperparams.items()}
    full = {**known, **params}
    if "gamma" in full and not full["gamma"] > 0:  # a rate that turns negative is no rate
        raise InputError(f"{spec.name} schedule: gamma must be > 0 (it multiplies the rate), "
                         f"got {full['gamma']:g}.")
    if spec.name == "linear" and not (0 < full["start_factor"] <= 1
                                      and 0 <= full["end_factor"] <= 1):
        raise InputError("linear schedule: start_factor must be in (0, 1] and end_factor in "
                         "[0, 1] (torch's LinearLR).")
    return Schedule(spec.name, params)


def scheduled(make, hyperparams: dict, schedule: Schedule) -> Optimizer:
    """The optimizer ``make(**hyperparams)`` whose lr follows ``schedule``: step k is taken by
    the optimizer built with the k-th rate (the state is the same whatever the lr)."""
    if "lr" not in hyperparams:
        raise InputError("A schedule changes the learning rate; this optimizer has no lr.")
    rates, seen = schedule.rates(hyperparams["lr"]), []
    built: dict[float, Optimizer] = {}

    def rate(t: int) -> float:  # step t's rate (t = 1, 2, ...)
        while len(seen) < t:
            seen.append(next(rates))
        return seen[t - 1]

    plain = make(**hyperparams)
    if plain.with_rates is not None:  # lr read at each step: one compiled optimizer
        with scheduled_rates():
            opt = plain.with_rates(rate)
        return dataclasses.replace(opt, hyperparams={**plain.hyperparams,
                                                     "lr": hyperparams["lr"],
                                                     "schedule": str(schedule)})

    def at(k: int) -> Optimizer:  # the optimizer of step k + 1
        while len(seen) <= k:
            seen.append(next(rates))
        lr = seen[k]
        if lr not in built:
            with scheduled_rates():
                built[lr] = make(**{**hyperparams, "lr": lr})
        return built[lr]

    first = at(0)

    def update(grads, state, params, ops=None):
        opt = at(state.t)
        return opt.update(grads, state, params, *([ops] if ops is not None else []))

    def effective_lr(state):
        opt = at(max(state.t - 1, 0))
        if opt.effective_lr is not None:
            return opt.effective_lr(state)
        return opt.hyperparams["lr"]  # SGD-like: this step's rate for every coordinate

    return Optimizer(init=first.init, update=update, effective_lr=effective_lr,
                     trace=first.trace, name=first.name, definition=first.definition,
                     hyperparams={**first.hyperparams, "lr": hyperparams["lr"],
                                  "schedule": str(schedule)})


def clipped(opt: Optimizer, clip_norm: float | None = None,
            clip_value: float | None = None) -> Optimizer:
    """``opt`` with its gradient clipped first: torch's ``clip_grad_value_`` then
    ``clip_grad_norm_`` (scale by clip_norm / (norm + 1e-6) when that is below 1)."""
    for name, value in (("clip_norm", clip_norm), ("clip_value", clip_value)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)
                                  or not value > 0 or not math.isfinite(value)):
            raise InputError(f"{opt.name}: {name} must be a number > 0, got {value!r}.")

    def clip(grads):
        g = grads
        if clip_value is not None:
            g = np.clip(g, -clip_value, clip_value)
        if clip_norm is not None:
            norm = np.sqrt(np.sum(g * g, axis=0))  # per run: coordinates are rows
            g = g * np.minimum(clip_norm / (norm + 1e-6), 1.0)
        return g

    def update(grads, state, params, ops=None):
        return opt.update(clip(grads), state, params, *([ops] if ops is not None else []))

    extra = {k: float(v) for k, v in (("clip_norm", clip_norm), ("clip_value", clip_value))
             if v is not None}
    return Optimizer(init=opt.init, update=update, effective_lr=opt.effective_lr,
                     trace=opt.trace, name=opt.name, hyperparams={**opt.hyperparams, **extra},
                     definition=opt.definition, source=opt.source)


def batched(opt: Optimizer, batch_size) -> Optimizer:
    """``opt`` as it is, naming the minibatch its gradient is taken on (``batch_size=`` in a
    spec): the engine samples the rows, and the label, exports and database say how many."""
    whole = isinstance(batch_size, int | float) and not isinstance(batch_size, bool) and \
        math.isfinite(batch_size) and float(batch_size).is_integer() and batch_size >= 1
    if not whole:  # a spec's numbers are read as floats: 8.0 is 8
        raise InputError(f"{opt.name}: batch_size must be a whole number >= 1, got "
                         f"{batch_size!r}.")
    batch_size = int(batch_size)
    return Optimizer(init=opt.init, update=opt.update, effective_lr=opt.effective_lr,
                     trace=opt.trace, name=opt.name,
                     hyperparams={**opt.hyperparams, "batch_size": batch_size},
                     definition=opt.definition, source=opt.source)
