"""Optimizers written as data: a TOML file with an update rule in the formula grammar
(``core/rules.py``), its hyperparameters declared (``hyperparameters.py``), and its state with
first values. Every built-in optimizer is such a file (the checkout's top-level ``optimizers/``
folder; in the wheel, ``adamviz/builtin_optimizers``).

    name = "lion"
    description = "Lion: the sign of an interpolated momentum"
    rule = "c = beta1*m + (1 - beta1)*g;  p = p - lr*sign(c);  m = beta2*m + (1 - beta2)*g"
    [hyperparameters]
    lr = {default = 1e-4, range = "> 0", symbol = "η"}
    beta1 = 0.9
    beta2 = 0.99
    [state]
    m = 0.0

Optional keys: ``summary`` (the update in one line of math, for listings), ``transforms``
(shared steps put before the rule: ``transforms.py``), ``rate`` (the effective learning rate,
a formula over the state, t and the hyperparameters), ``[trace]`` (what ``adamviz trace`` and
the player show: name = formula), ``[torch]`` (``class`` and fixed arguments of the torch
class it reproduces), ``requires`` (conditions on the hyperparameters, each with a message).
``$ADAMVIZ_OPTIMIZERS`` adds folders, and ``--opt FILE.toml`` names a file directly. The rule
is parsed, never executed.
"""

from __future__ import annotations

import hashlib
import json
import keyword
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..core.errors import InputError
from ..core.expressions import Formula, parse
from ..core.io import read_toml
from ..core.limits import MAX_RULE_NAMES
from ..core.names import suggest
from ..core.rule_programs import RuleProgram, record
from ..core.rules import GRAMMAR_NAMES, RULE_FUNCTIONS, Rule, names_in, parse_rule
from . import transforms as _transforms
from .hyperparameters import Hyperparameter, declare

ENV_VAR = "ADAMVIZ_OPTIMIZERS"
NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")  # an optimizer's, a hyperparameter's, a state's
KEYS = {
    "name": "the name used with --opt (the file's stem when omitted)",
    "description": "one line shown by `adamviz optimizers`",
    "summary": "the update in one line of math, for listings and the README",
    "rule": "the update: assignments in order, separated by ';' or new lines",
    "transforms": "shared steps before the rule: " + ", ".join(_transforms.TRANSFORMS),
    "hyperparameters": "a table of names and defaults, or of declarations (default, range, "
                       "symbol, torch, slider)",
    "state": "a table of state variables and their first values (m = 0.0, or a formula of "
             "the hyperparameters)",
    "rate": "the effective learning rate, a formula over the state, t and hyperparameters",
    "trace": "a table of values `adamviz trace` prints: name = formula",
    "torch": "the torch class it reproduces: class = \"torch.optim.Adam\" and fixed arguments",
    "requires": "a list of {if, then, message}: conditions on the hyperparameters",
    "based_on": "another optimizer file's name: its keys, changed by this file's",
    "fixed": "a table of the base's hyperparameters fixed here (nesterov = false)",
}


@dataclass(frozen=True)
class OptimizerFile:
    name: str
    description: str
    text: str  # the rule as written
    rule: Rule
    hyperparameters: dict[str, Hyperparameter]
    state: dict[str, Formula]
    source: str
    summary: str = ""
    program: RuleProgram | None = None
    torch: dict | None = None  # {"class": path, **fixed arguments}
    requires: tuple = ()  # (condition Formula, then Formula, message)
    transforms: tuple[str, ...] = ()
    fixed: dict | None = None  # hyperparameters the file fixes: in the rule, not settable
    trace_if: dict | None = None  # trace name -> condition on the hyperparameters

    @property
    def defaults(self) -> dict:
        return {n: h.default for n, h in self.hyperparameters.items()
                if n not in (self.fixed or {})}


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
    data = _based(read_toml(Path(path), "Optimizer file"), path)
    if "rule" not in data:
        raise InputError(f"{path}: missing required key 'rule'.")
    name = data.get("name", Path(path).stem)
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise InputError(f"{path}: name {name!r} is what --opt calls it: lower-case letters, "
                         f"digits and '_', starting with a letter (name = \"my_adam\"; the "
                         f"file's stem when omitted).")
    used = _transforms.check(data.get("transforms", []), path)
    brought = {n: v for t in used for n, v in _transforms.TRANSFORMS[t][0].items()}
    hyper = {}
    for n, value in {**_table(data, "hyperparameters", path), **{
            n: v for n, v in brought.items() if n not in data.get("hyperparameters", {})}}.items():
        if n in brought and not isinstance(value, dict):  # a transform's, with a default
            value = {**brought[n], "default": value}
        hyper[n] = declare(n, value, f"{path}: [hyperparameters] {n}")
    fixed = data.get("fixed", {})
    if not isinstance(fixed, dict) or set(fixed) - set(hyper):
        raise InputError(f"{path}: fixed is a table of the hyperparameters this file fixes.")
    for n, v in fixed.items():
        hyper[n].check(v, f"{path}: fixed")
    state_table = _table(data, "state", path)
    clash = set(hyper) & {*state_table, "p", "g", "t"}
    if clash:
        raise InputError(f"{path}: {sorted(clash)[0]!r} is both a hyperparameter and a state "
                         f"variable (or p, g, t); give each one name.")
    first = {n: _first(v, f"{path}: [state] {n}", tuple(hyper)) for n, v in state_table.items()}
    rule = parse_rule(data["rule"], f"{path}: rule", tuple(hyper), tuple(first))
    for t in reversed(used):
        rule = _transforms.rule(t, tuple(hyper), tuple(first)).then(rule)
    after = (*hyper, *first, "t")
    trace, trace_if = {}, {}
    shown = _table(data, "trace", path) if "trace" in data else {n: n for n in first}
    for n, v in shown.items():
        if isinstance(v, dict):  # {value = "buf", if = "momentum != 0"}
            trace_if[n] = _formula(v.get("if", "1"), f"{path}: [trace] {n}", tuple(hyper))
            v = v.get("value")
        trace[n] = _formula(v, f"{path}: [trace] {n}", after)
    rate = _formula(data["rate"], f"{path}: rate", after) if "rate" in data else None
    return OptimizerFile(
        name=name, description=str(data.get("description", "")),
        summary=str(data.get("summary", "")),
        text="; ".join(" ".join(f.split()) for f in str(data["rule"]).replace("\n", ";")
                       .split(";") if f.strip()), rule=rule, hyperparameters=hyper,
        state=first, source=str(path), transforms=tuple(used),
        program=record(rule, tuple(hyper), tuple(first), trace, rate, first, trace_if),
        torch=_torch(data.get("torch"), path, hyper), requires=_requires(data, path, hyper),
        fixed=dict(fixed), trace_if=trace_if)


def _based(data: dict, path) -> dict:
    """The file's keys over those of the file it is ``based_on`` (one level)."""
    for key in data:
        if key not in KEYS:
            raise InputError(f"{path}: unknown key {key!r}{suggest(key, KEYS)}")
    base_name = data.get("based_on")
    if base_name is None:
        return data
    base_path = available().get(base_name) if isinstance(base_name, str) else None
    if base_path is None:
        raise InputError(f"{path}: based_on {base_name!r} is not an optimizer file's name.")
    base = read_toml(base_path, "Optimizer file")
    if "based_on" in base:
        raise InputError(f"{path}: based_on {base_name!r}, which is based on another; "
                         f"one level only.")
    merged = {k: v for k, v in base.items() if k not in ("name", "description", "summary",
                                                          "torch", "fixed")}
    merged.update({k: v for k, v in data.items() if k not in ("hyperparameters", "based_on")})
    table = dict(base.get("hyperparameters", {}))
    for n, v in data.get("hyperparameters", {}).items():
        old = table.get(n)
        table[n] = {**old, "default": v} if isinstance(old, dict) and not isinstance(v, dict) \
            else v
    merged["hyperparameters"] = table
    return merged


def _table(data, key, path) -> dict:
    table = data.get(key, {})
    if not isinstance(table, dict):
        raise InputError(f"{path}: [{key}] is a table of names and values.")
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
    return table


def _formula(text, where: str, names) -> Formula:
    if isinstance(text, bool) or not isinstance(text, str | int | float):
        raise InputError(f"{where}: a formula such as \"m / (1 - beta1**t)\", got {text!r}.")
    return parse(str(text), where, variables=tuple(names), functions=RULE_FUNCTIONS,
                 conditions=True)


def _first(value, where: str, hyper) -> Formula:
    """A state variable's first value: a finite number or a formula of the hyperparameters."""
    if isinstance(value, bool) or not isinstance(value, int | float | str) or \
            isinstance(value, float) and value != value or value in (float("inf"), -float("inf")):
        raise InputError(f"{where}: a finite number, got {value!r}.")
    return _formula(value, where, hyper)


def _torch(table, path, hyper) -> dict | None:
    if table is None:
        return None
    if not isinstance(table, dict) or not isinstance(table.get("class"), str):
        raise InputError(f"{path}: [torch] needs class = \"torch.optim.Name\" and may fix "
                         f"arguments (nesterov = true).")
    return dict(table)


def _requires(data, path, hyper) -> tuple:
    out = []
    for i, item in enumerate(data.get("requires", [])):
        where = f"{path}: requires[{i}]"
        if not isinstance(item, dict) or set(item) - {"if", "then", "message"} or \
                "then" not in item or "message" not in item:
            raise InputError(f"{where}: {{if = \"nesterov\", then = \"momentum > 0\", "
                             f"message = \"...\"}}.")
        out.append((_formula(item.get("if", "1"), where, hyper),
                    _formula(item["then"], where, hyper), str(item["message"])))
    return tuple(out)


def load(path) -> OptimizerFile:
    path = Path(path)
    return _load(str(path.resolve()), path.stat().st_mtime)


def digest(definition: OptimizerFile) -> str:
    """What defines a user's file besides its hyperparameters' values: a results database
    tells an edited file from the one it ran."""
    text = json.dumps([definition.text, {n: f.text for n, f in definition.state.items()},
                       list(definition.transforms)])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def uses(formula: Formula) -> set[str]:
    return names_in(formula)
