"""The optimizer registry: every built-in optimizer is a file of data (``files.py``), read
by everything that lists, checks, documents or runs optimizers.

Defaults, ranges, symbols and torch names come from each file's declared hyperparameters
(``hyperparameters.py``); the update is the file's ``summary`` (else its rule). ``adamviz
optimizers``, completion, the README tables, the torch bridge and the parametrized tests all
read this registry; nothing keeps a list of optimizers by hand.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..core.errors import InputError
from ..core.names import suggest
from . import compiled, files, foreign, torch_bridge, user_code
from .base import Optimizer


class _BuiltIns(Mapping):
    """name -> factory of every built-in optimizer (a file each), read when asked."""

    def __getitem__(self, name: str) -> Callable[..., Optimizer]:
        if name not in files.builtin_files():
            raise KeyError(name)
        return lambda **hyperparams: make(name, **hyperparams)

    def __iter__(self):
        return iter(files.builtin_files())

    def __len__(self) -> int:
        return len(files.builtin_files())


OPTIMIZERS: Mapping[str, Callable[..., Optimizer]] = _BuiltIns()


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
    found = dict.fromkeys([*files.available(), *plugins()])
    return list(found)


def builtin_names() -> set[str]:
    """The names no user file or package may take: the built-in files'."""
    return set(OPTIMIZERS)


def known(name: str) -> bool:
    return (files.is_path(name) or torch_bridge.is_torch(name)
            or name in files.available() or name in plugins())


def _plugin(name: str):
    """The factory a package registered as ``name``, or None."""
    if files.is_path(name) or name in files.available():
        return None
    entry = plugins().get(name)
    if entry is None:
        return None
    return user_code.call(entry.load, f"Optimizer {name!r} from {entry.value}: loading it")


def definition(name: str) -> files.OptimizerFile:
    """The file of optimizer ``name`` (by name or path), checked."""
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
    entries = [*files.builtin_files().items(),
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
                definition(str(source))  # by path: a clash with a built-in is said there
            make(name)  # it must build with its own defaults
            out.append({"name": name, "update": rule(name), "defaults": defaults(name),
                        **declared(name)})
        except InputError as exc:
            out.append({"name": name, "source": where, "error": str(exc)})
    for problem in files.folder_problems():
        out.append({"name": "", "source": files.ENV_VAR, "error": problem})
    return out


def factory(name: str) -> Callable[..., Optimizer]:
    if name not in OPTIMIZERS:
        raise InputError(f"Unknown optimizer {name!r}{suggest(name, names())}")
    return OPTIMIZERS[name]


def declared(name: str) -> dict:
    """What a file declares beyond its defaults: each hyperparameter's range, symbol, torch
    name and control, its description and trace (``optimizers --json``)."""
    if torch_bridge.is_torch(name) or _plugin(name) is not None:
        return {}
    found = definition(name)
    out = {"hyperparameters": {n: h.describe(found.torch is not None)
                               for n, h in found.hyperparameters.items()
                               if n not in (found.fixed or {})},
           "description": found.description, "rule": found.text,
           "trace": list(found.program.trace)}
    if found.torch:
        out["torch"] = found.torch
    return out


def defaults(name: str) -> dict[str, Any]:
    """The default hyperparameters of optimizer ``name`` (its file's declarations)."""
    if torch_bridge.is_torch(name):
        return torch_bridge.defaults(name)
    if (plugin := _plugin(name)) is not None:
        return {k: p.default for k, p in inspect.signature(plugin).parameters.items()
                if p.default is not inspect.Parameter.empty}
    return dict(definition(name).defaults)


def rule(name: str) -> str:
    """The update in one line: the file's summary, else its rule."""
    if torch_bridge.is_torch(name):
        return torch_bridge.rule(name)
    if (plugin := _plugin(name)) is not None:
        return ((inspect.getdoc(plugin) or name).splitlines()[0].split(": ", 1)[-1]
                + f" ({plugins()[name].value})")
    found = definition(name)
    return found.summary or found.text


def make(name: str, **hyperparams) -> Optimizer:
    """Build optimizer ``name``; unknown or ill-typed hyperparameters raise ``InputError``."""
    if not isinstance(name, str):
        raise InputError(f"An optimizer's name is text such as 'adam', got {name!r}.")
    if torch_bridge.is_torch(name):
        return torch_bridge.build(name, **hyperparams)
    if (plugin := _plugin(name)) is not None:
        return _from_plugin(name, plugin, hyperparams)
    found = definition(name)
    opt = compiled.build(found, **hyperparams)
    return dataclasses.replace(opt, name=name if not files.is_path(name) else found.name,
                               with_rates=lambda rates: dataclasses.replace(
                                   compiled.build(found, rates=rates, **hyperparams),
                                   name=opt.name))


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
            made.update, f"{what}: a step", grads, state, params, ops))


def hyperparameter_table() -> str:
    """Every built-in optimizer's hyperparameters as declared: symbol, default, valid range
    and torch's argument, for the README."""
    from ..core.specs import format_value

    lines = ["| optimizer | hyperparameter | symbol | default | valid | torch |",
             "| --- | --- | --- | --- | --- | --- |"]
    for name in OPTIMIZERS:
        found = definition(name)
        for h in found.hyperparameters.values():
            if h.name in (found.fixed or {}):
                continue
            valid = "true or false" if h.switch else h.range.text
            torch = f"`{h.torch}`" if h.torch and found.torch else "(not in torch)"
            lines.append(f"| `{name}` | `{h.name}` | {h.symbol or h.name} | "
                         f"{format_value(h.default)} | {valid} | {torch} |")
    return "\n".join(lines)


def markdown_table() -> str:
    """Name, update rule and defaults of every optimizer, for the README."""
    from ..core.specs import format_value

    lines = ["| optimizer | update | defaults (torch.optim's for the built-ins) |",
             "| --- | --- | --- |"]
    for name in names():
        defaults_text = ", ".join(f"{k}={format_value(v)}" for k, v in defaults(name).items())
        lines.append(f"| `{name}` | {rule(name).replace('|', chr(92) + '|')} | {defaults_text} |")
    return "\n".join(lines)
