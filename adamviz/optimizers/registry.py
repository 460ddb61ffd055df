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
from pathlib import Path
from typing import Any

from ..core.errors import InputError
from ..core.names import suggest
from . import adam as _adam
from . import files, foreign, torch_bridge, user_code
from . import sgd as _sgd
from .base import Optimizer

OPTIMIZERS: dict[str, Callable[..., Optimizer]] = {
    f.__name__: f for f in (_sgd.sgd, _sgd.momentum, _sgd.nesterov, _sgd.adagrad, _sgd.rmsprop,
                            _adam.adam, _adam.adamw, _adam.adamax, _adam.nadam, _adam.radam)
}


GROUP = "adamviz.optimizers"  # the entry-point group packages register optimizers under


def plugins() -> dict:
    """Optimizers that installed packages register: entry points in ``GROUP``, each a
    function of hyperparameters (keyword defaults) returning an ``Optimizer`` or an object
    with optax-style init and update."""
    from importlib.metadata import entry_points

    return {ep.name: ep for ep in entry_points(group=GROUP)}


def names() -> list[str]:
    """Every optimizer ``--opt`` knows by name: the built-in functions, then the files
    (``files.py``: the ``optimizers/`` folder and ``$ADAMVIZ_OPTIMIZERS``), then the ones
    installed packages register."""
    found = dict.fromkeys([*OPTIMIZERS, *files.available(), *plugins()])
    return list(found)


def builtin_names() -> set[str]:
    """The names no user file or package may take: the built-in functions and files."""
    return {*OPTIMIZERS, *(p.stem for p in files.builtin_dir().glob("*.toml"))}


def known(name: str) -> bool:
    return (name in OPTIMIZERS or files.is_path(name) or torch_bridge.is_torch(name)
            or name in files.available() or name in plugins())


def _plugin(name: str):
    """The factory a package registered as ``name``, or None."""
    if name in OPTIMIZERS or files.is_path(name) or name in files.available():
        return None
    entry = plugins().get(name)
    if entry is None:
        return None
    return user_code.call(entry.load, f"Optimizer {name!r} from {entry.value}: loading it")


def _file(name: str) -> files.OptimizerFile | None:
    """The definition of a file optimizer (by name or path), or None for a built-in one."""
    if name in OPTIMIZERS:
        return None
    path = files.find(name)
    if path is None:
        problems = "".join(f" ({p})" for p in files.folder_problems())
        raise InputError(f"Unknown optimizer {name!r}{suggest(name, names())}"[:-1]
                         + f"{problems}.")
    definition = files.load(path)
    if definition.name in builtin_names() and not files.is_builtin(path, definition.name):
        raise InputError(f"{path}: name {definition.name!r} is a built-in optimizer's; a file "
                         f"of yours may not pass for it: give it a name of its own.")
    if not files.is_path(name) and definition.name != name:
        raise InputError(f"{path}: name {definition.name!r} does not match the file name "
                         f"{name!r}; rename one of them.")
    return definition


def listing() -> list[dict]:
    """Every optimizer as ``{"name", "update", "defaults"}``, or ``{"name", "source",
    "error"}`` for one that cannot be used (a broken file or package, a user file with a
    built-in's name, a missing folder): one broken thing never hides the others."""
    out = []
    entries = [*((n, None) for n in OPTIMIZERS), *((p.stem, p) for p in
                                                    sorted(files.builtin_dir().glob("*.toml"))),
               *((p.stem, p) for p in files.user_files()),
               *((n, e) for n, e in plugins().items())]
    seen = set()
    for name, source in entries:
        where = "" if source is None else str(getattr(source, "value", source))
        try:
            if name in seen:
                raise InputError(f"the name {name!r} is taken by another optimizer (built-ins "
                                 f"first, then files, then packages)")
            seen.add(name)
            if isinstance(source, Path):
                _file(str(source))  # by path: a clash with a built-in is said there
            if source is not None:
                make(name)  # a user's definition: it must build with its own defaults
            out.append({"name": name, "update": rule(name), "defaults": defaults(name)})
        except InputError as exc:
            out.append({"name": name, "source": where, "error": str(exc)})
    for problem in files.folder_problems():
        out.append({"name": "", "source": files.ENV_VAR, "error": problem})
    return out


def factory(name: str) -> Callable[..., Optimizer]:
    if name not in OPTIMIZERS:
        raise InputError(f"Unknown optimizer {name!r}{suggest(name, names())}")
    return OPTIMIZERS[name]


def defaults(name: str) -> dict[str, Any]:
    """The default hyperparameters of optimizer ``name`` (its factory's signature, or its
    file's [hyperparameters])."""
    if torch_bridge.is_torch(name):
        return torch_bridge.defaults(name)
    if (plugin := _plugin(name)) is not None:
        return {k: p.default for k, p in inspect.signature(plugin).parameters.items()
                if p.default is not inspect.Parameter.empty}
    definition = _file(name)
    if definition is not None:
        return dict(definition.defaults)
    params = inspect.signature(factory(name)).parameters
    return {k: p.default for k, p in params.items()}


def rule(name: str) -> str:
    """The one-line update rule (first line of the factory's docstring, after 'Name: '; or
    the file's rule)."""
    if torch_bridge.is_torch(name):
        return torch_bridge.rule(name)
    if (plugin := _plugin(name)) is not None:
        return ((inspect.getdoc(plugin) or name).splitlines()[0].split(": ", 1)[-1]
                + f" ({plugins()[name].value})")
    definition = _file(name)
    if definition is not None:
        return definition.text
    return inspect.getdoc(factory(name)).splitlines()[0].split(": ", 1)[1]


def make(name: str, **hyperparams) -> Optimizer:
    """Build optimizer ``name``; unknown or ill-typed hyperparameters raise ``InputError``."""
    if not isinstance(name, str):
        raise InputError(f"An optimizer's name is text such as 'adam', got {name!r}.")
    if torch_bridge.is_torch(name):
        return torch_bridge.build(name, **hyperparams)
    if (plugin := _plugin(name)) is not None:
        return _from_plugin(name, plugin, hyperparams)
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


def _from_plugin(name: str, plugin, hyperparams: dict) -> Optimizer:
    signature = inspect.signature(plugin)
    try:
        bound = signature.bind(**hyperparams)
    except TypeError:
        key = next((k for k in hyperparams if k not in signature.parameters), "?")
        raise InputError(f"Unknown hyperparameter {key!r} for {name}"
                         f"{suggest(key, signature.parameters)}") from None
    bound.apply_defaults()
    made = user_code.call(plugin, f"Optimizer {name!r} ({plugins()[name].value}): building it",
                          **bound.arguments)
    made = foreign.wrap(made)
    what = f"Optimizer {name!r} ({plugins()[name].value})"
    return dataclasses.replace(  # a package's code: its output kept off ours, its failures named
        made, name=name, hyperparams=dict(bound.arguments),
        init=lambda params: user_code.call(made.init, f"{what}: init", params),
        update=lambda grads, state, params, ops=None: user_code.call(
            made.update, f"{what}: a step", grads, state, params))


def markdown_table() -> str:
    """Name, update rule and defaults of every optimizer, for the README."""
    from ..core.specs import format_value

    lines = ["| optimizer | update | defaults (torch.optim's for the built-ins) |",
             "| --- | --- | --- |"]
    for name in names():
        defaults_text = ", ".join(f"{k}={format_value(v)}" for k, v in defaults(name).items())
        lines.append(f"| `{name}` | {rule(name).replace('|', chr(92) + '|')} | {defaults_text} |")
    return "\n".join(lines)
