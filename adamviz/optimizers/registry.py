"""The optimizer registry: name -> factory. Everything else is read from the factory itself.

Defaults come from the factory's signature (``inspect.signature``), the hyperparameters a user
gives are bound to it (``Signature.bind``: an unknown name is refused before anything runs), and
the one-line update rule is the first line of its docstring. ``adamviz optimizers``, the README
table and the parametrized tests all read this registry.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import numbers
from collections.abc import Callable
from typing import Any

from ..core.errors import InputError
from ..core.names import suggest
from . import adam as _adam
from . import files
from . import sgd as _sgd
from .base import Optimizer

OPTIMIZERS: dict[str, Callable[..., Optimizer]] = {
    f.__name__: f for f in (_sgd.sgd, _sgd.momentum, _sgd.nesterov, _sgd.adagrad, _sgd.rmsprop,
                            _adam.adam, _adam.adamw, _adam.adamax, _adam.nadam, _adam.radam)
}


def names() -> list[str]:
    """Every optimizer ``--opt`` knows by name: the built-in functions, then the files
    (``files.py``: the ``optimizers/`` folder and ``$ADAMVIZ_OPTIMIZERS``)."""
    return [*OPTIMIZERS, *(n for n in files.available() if n not in OPTIMIZERS)]


def known(name: str) -> bool:
    return name in OPTIMIZERS or files.is_path(name) or name in files.available()


def _file(name: str) -> files.OptimizerFile | None:
    """The definition of a file optimizer (by name or path), or None for a built-in one."""
    if name in OPTIMIZERS:
        return None
    path = files.find(name)
    if path is None:
        raise InputError(f"Unknown optimizer {name!r}{suggest(name, names())}")
    return files.load(path)


def factory(name: str) -> Callable[..., Optimizer]:
    if name not in OPTIMIZERS:
        raise InputError(f"Unknown optimizer {name!r}{suggest(name, names())}")
    return OPTIMIZERS[name]


def defaults(name: str) -> dict[str, Any]:
    """The default hyperparameters of optimizer ``name`` (its factory's signature, or its
    file's [hyperparameters])."""
    definition = _file(name)
    if definition is not None:
        return dict(definition.defaults)
    params = inspect.signature(factory(name)).parameters
    return {k: p.default for k, p in params.items()}


def rule(name: str) -> str:
    """The one-line update rule (first line of the factory's docstring, after 'Name: '; or
    the file's rule)."""
    definition = _file(name)
    if definition is not None:
        return definition.text
    return inspect.getdoc(factory(name)).splitlines()[0].split(": ", 1)[1]


def make(name: str, **hyperparams) -> Optimizer:
    """Build optimizer ``name``; unknown or ill-typed hyperparameters raise ``InputError``."""
    definition = _file(name)
    if definition is not None:
        return files.build(definition, **hyperparams)
    build = factory(name)
    signature = inspect.signature(build)
    try:
        bound = signature.bind(**hyperparams)
    except TypeError:
        known = signature.parameters
        key = next(k for k in hyperparams if k not in known)
        raise InputError(f"Unknown hyperparameter {key!r} for {name}{suggest(key, known)}") \
            from None
    values = {}
    for key, value in bound.arguments.items():
        default = signature.parameters[key].default
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise InputError(f"{name}: {key} must be true or false, got {value!r}")
        elif isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise InputError(f"{name}: {key} must be a number, got {value!r}")
        elif not math.isfinite(value):
            raise InputError(f"{name}: {key} must be finite, got {value!r}")
        values[key] = value if isinstance(default, bool) else float(value)
    bound = signature.bind(**values)
    bound.apply_defaults()
    opt = build(**bound.arguments)
    return dataclasses.replace(opt, name=name, hyperparams=dict(dict(bound.arguments)))


def markdown_table() -> str:
    """Name, update rule and defaults of every optimizer, for the README."""
    from ..core.specs import format_value

    lines = ["| optimizer | update | defaults (torch.optim's for the built-ins) |",
             "| --- | --- | --- |"]
    for name in names():
        defaults_text = ", ".join(f"{k}={format_value(v)}" for k, v in defaults(name).items())
        lines.append(f"| `{name}` | {rule(name).replace('|', chr(92) + '|')} | {defaults_text} |")
    return "\n".join(lines)
