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

import hashlib
import json
import keyword
import os
import re
from collections import namedtuple
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..core.errors import InputError
from ..core.io import read_toml
from ..core.limits import MAX_RULE_NAMES
from ..core.names import suggest
from ..core.rules import (
    GRAMMAR_NAMES,
    Rule,
    RuleArithmetic,
    check_number,
    parse_rule,
    run_rule,
)
from .base import Optimizer, step_to

ENV_VAR = "ADAMVIZ_OPTIMIZERS"
NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")  # an optimizer's, a hyperparameter's, a state's
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


def user_dirs() -> list[Path]:
    """The folders in ``$ADAMVIZ_OPTIMIZERS``, as given (see ``folder_problems``)."""
    return [Path(d) for d in os.environ.get(ENV_VAR, "").split(os.pathsep) if d]


def folder_problems() -> list[str]:
    """What is wrong with ``$ADAMVIZ_OPTIMIZERS``, one line a folder: said where it matters
    (a listing, an unknown name), never a reason to refuse the built-ins."""
    return [f"optimizers folder {str(d)!r} (${ENV_VAR}) does not exist or is not a folder"
            for d in user_dirs() if not d.is_dir()]


def available() -> dict[str, Path]:
    """Every optimizer file by name (its stem): the built-in ones first, so that no user file
    can pass for one of them (``user_files`` lists the user's, shadowed ones too)."""
    found = {p.stem: p for p in sorted(builtin_dir().glob("*.toml"))}
    for path in user_files():
        if NAME.fullmatch(path.stem):  # others cannot be named (`optimizers` says why)
            found.setdefault(path.stem, path)
    return found


def user_files() -> list[Path]:
    """Every ``*.toml`` in the user's folders, in order (unreadable folders are skipped)."""
    out = []
    for folder in user_dirs():
        try:
            out += sorted(folder.glob("*.toml")) if folder.is_dir() else []
        except OSError:
            continue
    return out


def is_builtin(path, name: str) -> bool:
    """Whether ``path`` is the built-in optimizer file ``name``, or a copy of it to the byte."""
    shipped = builtin_dir() / f"{name}.toml"
    try:
        return Path(path).resolve() == shipped.resolve() or \
            Path(path).read_bytes() == shipped.read_bytes()
    except OSError:
        return False


def is_path(name: str) -> bool:
    return name.endswith(".toml") or os.sep in name


def find(name: str) -> Path | None:
    """The file of optimizer ``name`` (a path, or a name in the folders), or None."""
    if is_path(name):
        path = Path(name)
        if not path.exists():
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
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise InputError(f"{path}: name {name!r} is what --opt calls it: lower-case letters, "
                         f"digits and '_', starting with a letter (name = \"my_adam\"; the "
                         f"file's stem when omitted).")
    tables = {}
    for key in ("hyperparameters", "state"):
        table = data.get(key, {})
        if not isinstance(table, dict):
            raise InputError(f"{path}: [{key}] is a table of names and numbers.")
        if len(table) > MAX_RULE_NAMES:
            raise InputError(f"{path}: [{key}] has {len(table):,} names; at most {MAX_RULE_NAMES}.")
        for k in table:
            if not NAME.fullmatch(k) or keyword.iskeyword(k):
                raise InputError(f"{path}: [{key}] {k!r} is not a plain name: lower-case "
                                 f"letters, digits and '_', starting with a letter, and no "
                                 f"Python keyword (e.g. beta1, m_hat).")
            if k in GRAMMAR_NAMES:
                raise InputError(f"{path}: [{key}] {k!r} is a constant or function of the "
                                 f"rule grammar; choose another name.")
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
    State = namedtuple("RuleState", fields)  # noqa: N806
    with np.errstate(all="ignore"):  # one step on a dummy run: what fails for these numbers
        one = np.ones((1, 1))        # alone fails here, before any work
        run_rule(definition.rule, {**values, **{n: one * v for n, v in
                                                  definition.state.items()},
                                   "g": one, "p": one, "t": 1})

    def init(params):
        return State(0, *(np.full_like(params, v, dtype=float) for v in definition.state.values()))

    def update(grads, state, params, ops=None):
        t = state.t + 1
        try:
            env = run_rule(definition.rule, {**values, **state._asdict(), "g": grads,
                                             "p": params, "t": t})
        except RuleArithmetic:  # (its hyperparameters passed the trial step below): at this
            env = {"p": np.full_like(params, np.nan), **state._asdict()}  # t, it diverges
        new = np.broadcast_to(env["p"], params.shape)
        arrays = [np.array(np.broadcast_to(env[n], params.shape), dtype=float)
                  for n in definition.state]
        return step_to(new, params), State(t, *arrays)  # params + step is the rule's p

    def trace(state):
        return {n: getattr(state, n) for n in definition.state}

    digest = hashlib.sha256(json.dumps([definition.text, definition.state]).encode())
    return Optimizer(init=init, update=update, trace=trace, name=definition.name,
                     hyperparams=values, definition=digest.hexdigest()[:16])
