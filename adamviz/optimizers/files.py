"""Optimizers written as data: a TOML file with an update rule in the formula grammar
(``core/rules.py``), its hyperparameters with defaults, and its state with first values.

    name = "lion"
    description = "Lion: the sign of an interpolated momentum"
    rule = "c = beta1*m + (1 - beta1)*g;  p = p - lr*sign(c);  m = beta2*m + (1 - beta2)*g"
    [hyperparameters]
    lr = 1e-4
    beta1 = 0.9
    beta2 = 0.99
    [state]
    m = 0.0

The built-in files are the checkout's top-level ``optimizers/`` folder (in the wheel,
``adamviz/builtin_optimizers``); ``$ADAMVIZ_OPTIMIZERS`` adds folders, and ``--opt FILE.toml``
names a file directly. The rule is parsed, never executed.
"""

from __future__ import annotations

import os
from collections import namedtuple
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..core.errors import InputError
from ..core.io import read_toml
from ..core.names import suggest
from ..core.rules import Rule, check_number, parse_rule, run_rule
from .base import Optimizer, step_to

ENV_VAR = "ADAMVIZ_OPTIMIZERS"
KEYS = {
    "name": "the name used with --opt (the file's stem when omitted)",
    "description": "one line shown by `adamviz optimizers`",
    "rule": "the update: assignments in order, separated by ';' or new lines",
    "hyperparameters": "a table of names and default values (lr, beta1, ...)",
    "state": "a table of state variables and their first values (m = 0.0)",
}


@dataclass(frozen=True)
class OptimizerFile:
    name: str
    description: str
    text: str  # the rule as written
    rule: Rule
    defaults: dict[str, float]
    state: dict[str, float]
    source: str


def builtin_dir() -> Path:
    here = Path(__file__).resolve().parent.parent
    packaged = here / "builtin_optimizers"
    return packaged if packaged.is_dir() else here.parent / "optimizers"


def search_dirs() -> list[Path]:
    dirs = [Path(d) for d in os.environ.get(ENV_VAR, "").split(os.pathsep) if d]
    for d in dirs:
        if not d.is_dir():
            raise InputError(f"Optimizers folder {str(d)!r} (${ENV_VAR}) does not exist.")
    return [*dirs, builtin_dir()]


def available() -> dict[str, Path]:
    """Every optimizer file by name (its stem), user folders first."""
    found: dict[str, Path] = {}
    for folder in search_dirs():
        for path in sorted(folder.glob("*.toml")):
            found.setdefault(path.stem, path)
    return found


def is_path(name: str) -> bool:
    return name.endswith(".toml") or os.sep in name


def find(name: str) -> Path | None:
    """The file of optimizer ``name`` (a path, or a name in the folders), or None."""
    if is_path(name):
        path = Path(name)
        if not path.is_file():
            raise InputError(f"Optimizer file {name!r} does not exist.")
        return path
    return available().get(name)


@lru_cache(maxsize=64)
def _load(path: str, mtime: float) -> OptimizerFile:
    data = read_toml(Path(path), "Optimizer file")
    for key in data:
        if key not in KEYS:
            raise InputError(f"{path}: unknown key {key!r}{suggest(key, KEYS)}")
    if "rule" not in data:
        raise InputError(f"{path}: missing required key 'rule'.")
    name = data.get("name", Path(path).stem)
    if not isinstance(name, str) or not name.replace("_", "").replace("-", "").isalnum():
        raise InputError(f"{path}: name: letters, digits, '-' and '_', got {name!r}.")
    tables = {}
    for key in ("hyperparameters", "state"):
        table = data.get(key, {})
        if not isinstance(table, dict):
            raise InputError(f"{path}: [{key}] is a table of names and numbers.")
        for k in table:
            if not k.isidentifier():
                raise InputError(f"{path}: [{key}] {k!r} is not a plain name.")
        tables[key] = {k: check_number(v, f"{path}: [{key}] {k}") for k, v in table.items()}
    clash = set(tables["hyperparameters"]) & {*tables["state"], "p", "g", "t"}
    if clash:
        raise InputError(f"{path}: {sorted(clash)[0]!r} is both a hyperparameter and a state "
                         f"variable (or p, g, t); give each one name.")
    rule = parse_rule(data["rule"], f"{path}: rule", tuple(tables["hyperparameters"]),
                      tuple(tables["state"]))
    return OptimizerFile(name=name, description=str(data.get("description", "")),
                         text="; ".join(" ".join(f.split()) for f in
                                        str(data["rule"]).replace("\n", ";").split(";")
                                        if f.strip()), rule=rule,
                         defaults=tables["hyperparameters"], state=tables["state"],
                         source=str(path))


def load(path) -> OptimizerFile:
    path = Path(path)
    return _load(str(path.resolve()), path.stat().st_mtime)


def build(definition: OptimizerFile, **hyperparams) -> Optimizer:
    """The ``Optimizer`` of a file, its hyperparameters checked against the file's."""
    for key in hyperparams:
        if key not in definition.defaults:
            raise InputError(f"Unknown hyperparameter {key!r} for {definition.name}"
                             f"{suggest(key, definition.defaults)}")
    values = {k: check_number(hyperparams.get(k, v), f"{definition.name}: {k}")
              for k, v in definition.defaults.items()}
    fields = ["t", *definition.state]
    State = namedtuple(f"{definition.name.title().replace('-', '')}State", fields)  # noqa: N806

    def init(params):
        return State(0, *(np.full_like(params, v, dtype=float) for v in definition.state.values()))

    def update(grads, state, params, ops=None):
        t = state.t + 1
        env = run_rule(definition.rule, {**values, **state._asdict(), "g": grads,
                                         "p": params, "t": t})
        new = np.broadcast_to(env["p"], params.shape)
        arrays = [np.array(np.broadcast_to(env[n], params.shape), dtype=float)
                  for n in definition.state]
        return step_to(new, params), State(t, *arrays)  # params + step is the rule's p

    def trace(state):
        return {n: getattr(state, n) for n in definition.state}

    return Optimizer(init=init, update=update, trace=trace, name=definition.name,
                     hyperparams=values)
