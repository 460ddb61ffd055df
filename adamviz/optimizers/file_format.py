"""The optimizer file format: what each key may hold, checked, into an ``OptimizerFile``
whose rule is recorded as programs (``core/rule_programs.py``). Every refusal is one line
that names the file and the part; nothing in a file is executed."""

from __future__ import annotations

import keyword
import re
import warnings
from dataclasses import dataclass

from ..core.errors import InputError
from ..core.expressions import Formula, parse
from ..core.limits import MAX_RULE_NAMES, MAX_RULE_STEPS
from ..core.names import suggest
from ..core.rule_programs import RuleProgram, record
from ..core.rules import BUILT_IN, GRAMMAR_NAMES, RULE_FUNCTIONS, Rule, names_in, parse_rule, split
from . import transforms as _transforms
from .hyperparameters import Hyperparameter, declare

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
# what a file based on another may change (the rule, the state and the rate are the base's)
BASED_KEYS = {"name", "description", "summary", "based_on", "fixed", "hyperparameters",
              "torch", "transforms"}


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


def parse_file(data: dict, path, base_file) -> OptimizerFile:
    """``data`` (a file's TOML) checked; ``base_file(name)`` gives another file's TOML (for
    ``based_on``)."""
    data = _based(data, path, base_file)
    if "rule" not in data:
        raise InputError(f"{path}: missing required key 'rule'.")
    name = data.get("name", _stem(path))
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise InputError(f"{path}: name {name!r} is what --opt calls it: lower-case letters, "
                         f"digits and '_', starting with a letter (name = \"my_adam\"; the "
                         f"file's stem when omitted).")
    for key in ("description", "summary", "rate"):
        if key in data and not isinstance(data[key], str):
            raise InputError(f"{path}: {key} is text, got {data[key]!r}.")
    if isinstance(data["rule"], str) and len(split(data["rule"])) > MAX_RULE_STEPS:
        raise InputError(f"{path}: the rule has {len(split(data['rule'])):,} assignments; at "
                         f"most {MAX_RULE_STEPS}.")
    used = _transforms.check(data.get("transforms", []), path)
    hyper = _hyperparameters(data, used, path)
    fixed = _fixed(data, hyper, path)
    state_table = _table(data, "state", path)
    clash = set(hyper) & set(state_table)
    if clash:
        raise InputError(f"{path}: {sorted(clash)[0]!r} is both a hyperparameter and a state "
                         f"variable; give each one name.")
    given = set(state_table) & set(BUILT_IN)
    if given:
        raise InputError(f"{path}: [state] {sorted(given)[0]!r} is given to the rule (p the "
                         f"parameter, g the gradient, t the step); a state variable needs a "
                         f"name of its own.")
    first = {n: _formula(v, f"{path}: [state] {n}", tuple(hyper), number=True)
             for n, v in state_table.items()}
    rule = parse_rule(data["rule"], f"{path}: rule", tuple(hyper), tuple(first))
    for t in reversed(used):
        rule = _transforms.rule(t, tuple(hyper), tuple(first)).then(rule)
    trace, trace_if = _trace(data, hyper, first, path)
    after = (*hyper, *first, "t")
    rate = _formula(data["rate"], f"{path}: rate", after) if "rate" in data else None
    requires = _requires(data, path, hyper)
    _all_used(hyper, fixed, rule, first, trace, trace_if, rate, requires, path)
    return OptimizerFile(
        name=name, description=data.get("description", ""), summary=data.get("summary", ""),
        text="; ".join(" ".join(f.split()) for f in split(str(data["rule"]))), rule=rule,
        hyperparameters=hyper, state=first, source=str(path), transforms=tuple(used),
        program=record(rule, tuple(hyper), tuple(first), trace, rate, first, trace_if),
        torch=_torch(data.get("torch"), path), requires=requires, fixed=fixed,
        trace_if=trace_if)


def _stem(path) -> str:
    return str(path).replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".toml")


def _based(data: dict, path, base_file) -> dict:
    """The file's keys over those of the file it is ``based_on`` (one level)."""
    for key in data:
        if key not in KEYS:
            raise InputError(f"{path}: unknown key {key!r}{suggest(key, KEYS)}")
    base_name = data.get("based_on")
    if base_name is None:
        return data
    if base_name == data.get("name", _stem(path)):
        raise InputError(f"{path}: based_on {base_name!r} is this file itself; name another "
                         f"optimizer (e.g. based_on = \"sgd\").")
    for key in data:
        if key not in BASED_KEYS:
            raise InputError(f"{path}: {key!r} belongs to the base {base_name!r}; a file "
                             f"based on another may change only "
                             f"{', '.join(sorted(BASED_KEYS - {'based_on'}))}.")
    base = base_file(base_name)
    if base is None:
        raise InputError(f"{path}: based_on {base_name!r} is not an optimizer file's name.")
    if "based_on" in base:
        raise InputError(f"{path}: based_on {base_name!r}, which is based on another; "
                         f"one level only.")
    merged = {k: v for k, v in base.items() if k not in ("name", "description", "summary",
                                                          "torch", "fixed")}
    merged.update({k: v for k, v in data.items() if k not in ("hyperparameters", "based_on")})
    table = dict(base.get("hyperparameters", {}))
    mine = data.get("hyperparameters", {})
    if not isinstance(mine, dict):
        raise InputError(f"{path}: [hyperparameters] is a table of names and values.")
    both = set(mine) & set(data.get("fixed", {}) if isinstance(data.get("fixed"), dict)
                           else ())
    if both:
        raise InputError(f"{path}: {sorted(both)[0]!r} is both fixed and given a default; "
                         f"keep one of them.")
    for n, v in mine.items():
        if n not in table:
            raise InputError(f"{path}: [hyperparameters] {n!r} is not a hyperparameter of "
                             f"{base_name}{suggest(n, table)}")
        old = table[n]
        table[n] = {**old, "default": v} if isinstance(old, dict) and not isinstance(v, dict) \
            else v
    merged["hyperparameters"] = table
    return merged


def _hyperparameters(data, used, path) -> dict[str, Hyperparameter]:
    brought = {n: v for t in used for n, v in _transforms.TRANSFORMS[t][0].items()}
    table = _table(data, "hyperparameters", path)
    hyper = {}
    for n, value in {**table, **{n: v for n, v in brought.items() if n not in table}}.items():
        if n in brought and not isinstance(value, dict):  # a transform's, with a default
            value = {**brought[n], "default": value}
        hyper[n] = declare(n, value, f"{path}: [hyperparameters] {n}")
        if n in brought and hyper[n].switch != isinstance(brought[n]["default"], bool):
            kind = "true or false" if hyper[n].switch else "a number"
            raise InputError(f"{path}: [hyperparameters] {n} belongs to a transform and is "
                             f"{'a number' if hyper[n].switch else 'true or false'} there, "
                             f"not {kind}.")
    return hyper


def _fixed(data, hyper, path) -> dict:
    fixed = data.get("fixed", {})
    if not isinstance(fixed, dict):
        raise InputError(f"{path}: fixed is a table such as {{nesterov = true}}.")
    for n, v in fixed.items():
        if n not in hyper:
            raise InputError(f"{path}: fixed {n!r} is not a hyperparameter{suggest(n, hyper)}")
        hyper[n].check(v, f"{path}: fixed")
    return dict(fixed)


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


def _formula(text, where: str, names, number: bool = False) -> Formula:
    """A formula (text; for a state's first value also a finite number)."""
    if number and isinstance(text, int | float) and not isinstance(text, bool):
        if text != text or text in (float("inf"), float("-inf")):
            raise InputError(f"{where}: a finite number, got {text!r}.")
        text = repr(float(text))
    if not isinstance(text, str):
        raise InputError(f"{where}: a formula such as \"m / (1 - beta1**t)\", got {text!r}.")
    return parse(text, where, variables=tuple(names), functions=RULE_FUNCTIONS,
                 conditions=True)


def _trace(data, hyper, first, path) -> tuple[dict, dict]:
    """[trace]: name -> formula over the state, t and the hyperparameters, or a table
    {value, if}; without one, the state variables themselves."""
    after = (*hyper, *first, "t")
    shown = _table(data, "trace", path) if "trace" in data else {n: n for n in first}
    trace, trace_if = {}, {}
    for n, v in shown.items():
        where = f"{path}: [trace] {n}"
        if isinstance(v, dict):  # {value = "buf", if = "momentum != 0"}
            if set(v) - {"value", "if"} or "value" not in v:
                raise InputError(f"{where}: a formula, or {{value = \"buf\", if = "
                                 f"\"momentum != 0\"}}.")
            trace_if[n] = _formula(v.get("if", "1"), where, tuple(hyper))
            v = v["value"]
        trace[n] = _formula(v, where, after)
    return trace, trace_if


def _torch(table, path) -> dict | None:
    if table is None:
        return None
    if not isinstance(table, dict) or not isinstance(table.get("class"), str):
        raise InputError(f"{path}: [torch] needs class = \"torch.optim.Name\" and may fix "
                         f"arguments (nesterov = true).")
    return dict(table)


def _requires(data, path, hyper) -> tuple:
    items = data.get("requires", [])
    if not isinstance(items, list):
        raise InputError(f"{path}: requires is a list of {{if, then, message}}.")
    out = []
    for i, item in enumerate(items):
        where = f"{path}: requires[{i}]"
        if not isinstance(item, dict) or set(item) - {"if", "then", "message"} or \
                not isinstance(item.get("then"), str) or \
                not isinstance(item.get("message"), str) or \
                not isinstance(item.get("if", ""), str):
            raise InputError(f"{where}: {{if = \"nesterov\", then = \"momentum > 0\", "
                             f"message = \"...\"}} (text each).")
        out.append((_formula(item.get("if", "1"), where, hyper),
                    _formula(item["then"], where, hyper), item["message"]))
    return tuple(out)


def _all_used(hyper, fixed, rule, first, trace, trace_if, rate, requires, path) -> None:
    """A declared hyperparameter that nothing uses is said (a typo is not a silent no-op); a
    warning, not a refusal, so that a file written for 0.2 still runs (in a file based on
    another, a name the base lacks is refused: ``_based``)."""
    used = set()
    for step in rule.steps:
        used |= names_in(step.formula) | (names_in(step.condition) if step.condition else set())
    for formula in [*first.values(), *trace.values(), *trace_if.values(),
                    *([rate] if rate else []), *(f for r in requires for f in r[:2])]:
        used |= names_in(formula)
    for n in hyper:
        if n not in used:
            warnings.warn(f"{path}: [hyperparameters] {n!r} is not used by the rule (nor its "
                          f"trace, rate or requires); use it or drop it.", stacklevel=2)
