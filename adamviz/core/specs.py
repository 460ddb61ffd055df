"""Parsing the small text forms users type: optimizer specs and points.

``adam:lr=0.05,beta1=0.8`` -> an ``OptSpec`` named "adam" with {"lr": 0.05, "beta1": 0.8}, and
``"-2,1.5"`` -> ``(-2.0, 1.5)``. Values are numbers or ``true``/``false``; whether a
hyperparameter exists and has the right type is checked by ``optimizers.make``. Every refusal is
an ``InputError`` that says what a valid spec looks like.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from .errors import InputError

_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
_BOOLS = {"true": True, "false": False}


@dataclass(frozen=True, kw_only=True)
class OptSpec:
    """An optimizer name and the hyperparameters the user set explicitly."""

    name: str
    hyperparams: dict = field(default_factory=dict)

    def __str__(self) -> str:
        if not self.hyperparams:
            return self.name
        body = ",".join(f"{k}={format_value(v)}" for k, v in self.hyperparams.items())
        return f"{self.name}:{body}"


def format_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e6:
        return str(int(value))
    return f"{value:g}" if isinstance(value, float) else str(value)


def parse_value(text: str, where: str):
    text = text.strip()
    if text.lower() in _BOOLS:
        return _BOOLS[text.lower()]
    return _finite(text, where, " (or true/false)")


def _finite(text: str, where: str, also: str = "") -> float:
    """``text`` as a finite float; an ``InputError`` that starts with ``where`` otherwise."""
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{where}: {text!r} is not a number{also}.") from None
    if not math.isfinite(value):
        raise InputError(f"{where}: {text!r} is not a finite number.")
    return value


def parse_opt(text: str) -> OptSpec:
    """Parse ``NAME[:key=value,...]``; NAME may be the path of an optimizer file
    (``lion.toml``)."""
    example = "e.g. adam or adam:lr=0.05,beta1=0.8"
    if not isinstance(text, str):
        raise InputError(f"An optimizer is a spec such as 'adam:lr=0.05', an Optimizer, or an "
                         f"object with init(params) and update(grads, state, params); got "
                         f"{text!r}.")
    if not text.strip():
        raise InputError(f"Empty optimizer spec; expected NAME[:key=value,...], {example}.")
    name, sep, rest = text.strip().partition(":")
    name = name.strip()
    if name.lower() == "torch" and sep:  # torch:<class path>[:key=value,...]
        path, sep, rest = rest.partition(":")
        if not re.fullmatch(r"[A-Za-z_][\w.]*", path.strip()):
            raise InputError(f"Bad optimizer spec {text!r}: expected torch:<class path>, e.g. "
                             f"torch:torch.optim.SGD:lr=0.1.")
        name = "torch:" + path.strip()
        return OptSpec(name=name, hyperparams=_params(text, rest, sep, example))
    # a name, or the path of an optimizer file (kept as written: paths are case-sensitive)
    name = name if name.lower().endswith(".toml") else name.lower()
    if not (_NAME.match(name) or name.lower().endswith(".toml")):
        raise InputError(f"Bad optimizer spec {text!r}: {name!r} is not an optimizer name; "
                         f"expected NAME[:key=value,...], {example}.")
    return OptSpec(name=name, hyperparams=_params(text, rest, sep, example))


def _params(text: str, rest: str, sep: str, example: str) -> dict:
    """The ``key=value,...`` after a spec's name."""
    params: dict = {}
    if sep and not rest.strip():
        raise InputError(f"Bad optimizer spec {text!r}: nothing after ':'; {example}.")
    for item in rest.split(",") if sep else []:
        key, eq, value = item.partition("=")
        key = key.strip()
        if not eq or not key or not value.strip():
            raise InputError(f"Bad optimizer spec {text!r}: {item.strip()!r} is not key=value; "
                             f"{example}.")
        if key in params:
            raise InputError(f"Bad optimizer spec {text!r}: {key!r} is given twice.")
        params[key] = parse_value(value, f"optimizer spec {text!r}, {key}")
    return params


def parse_point(text: str, dims: int | None = None) -> tuple[float, ...]:
    """Parse ``X,Y`` (or ``X`` for a curve) into a tuple of floats."""
    parts = [p for p in re.split(r"[,\s]+", text.strip()) if p] if isinstance(text, str) else []
    if not parts or len(parts) > 2 or (dims is not None and len(parts) != dims):
        shape = "X" if dims == 1 else "X,Y"
        raise InputError(f"Bad point {text!r}: expected {shape}, e.g. "
                         f"{'-1.5' if dims == 1 else '-1.5,0.8'}.")
    return tuple(_finite(part, f"Bad point {text!r}") for part in parts)
