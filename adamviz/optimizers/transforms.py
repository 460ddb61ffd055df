"""Shared steps written once and put before any optimizer's rule (``transforms = [...]`` in
its file, user files included), as torch's optimizers all begin:

- ``maximize``: ascend the loss, ``g = -g`` (torch's ``maximize``);
- ``weight_decay``: L2 (coupled) decay, ``g = g + weight_decay*p``;
- ``decoupled_weight_decay``: AdamW's, ``p = p*(1 - lr*weight_decay)`` before the step.

Each brings its hyperparameter's declaration (a file may change its default:
``weight_decay = 1e-2``). Clipping and schedules wrap any optimizer, torch's and packages'
too, from the command line (``schedules.py``).
"""

from __future__ import annotations

from ..core.errors import InputError
from ..core.names import suggest
from ..core.rules import Rule, parse_rule
from .hyperparameters import Hyperparameter, declare

_DECAY = {"default": 0.0, "range": ">= 0", "symbol": "λ", "slider": {"min": 0.0, "max": 0.5},
          "about": "weight decay"}
TRANSFORMS: dict[str, tuple[dict, str]] = {
    "maximize": ({"maximize": {"default": False, "about": "ascend the loss instead"}},
                 "if maximize: g = -g"),
    "weight_decay": ({"weight_decay": _DECAY}, "if weight_decay != 0: g = g + weight_decay*p"),
    "decoupled_weight_decay": ({"weight_decay": _DECAY},
                               "if weight_decay != 0: p = p*(1 - lr*weight_decay)"),
}


def check(names, path) -> list[str]:
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise InputError(f"{path}: transforms is a list of names, e.g. [\"maximize\", "
                         f"\"weight_decay\"].")
    for name in names:
        if name not in TRANSFORMS:
            raise InputError(f"{path}: unknown transform {name!r}{suggest(name, TRANSFORMS)}")
    return list(dict.fromkeys(names))


def declarations(name: str, path) -> dict[str, Hyperparameter]:
    return {n: declare(n, v, f"{path}: transform {name}") for n, v in
            TRANSFORMS[name][0].items()}


def owner(used, hyperparameter: str) -> str:
    return next(t for t in used if hyperparameter in TRANSFORMS[t][0])


def rule(name: str, hyperparameters, state) -> Rule:
    if name == "decoupled_weight_decay" and "lr" not in hyperparameters:
        raise InputError("decoupled_weight_decay needs a hyperparameter lr.")
    return parse_rule(TRANSFORMS[name][1], f"transform {name}", hyperparameters, state,
                      complete=False)
