"""An optimizer file as an ``Optimizer``: its hyperparameters checked against their
declarations, its rule compiled (``core/rule_compiled.py``) for those values.

The update hands back the new point the rule computes (its ``p``), which the engine takes as it
is. In the engine's in-place mode (``ops.inplace``) the new point goes into ``ops.target`` and
each array state variable into one of two buffers of its own, never the one it is read from, so
a step allocates nothing; in the pure mode every output is a new array.
"""

from __future__ import annotations

import dataclasses
from collections import namedtuple

import numpy as np

from ..core import grammar
from ..core.errors import InputError
from ..core.names import suggest
from ..core.rule_compiled import Compiled, failing, scalar_value
from ..core.rules import RuleArithmetic, arithmetic, names_in
from .base import Optimizer, scheduled_rates_active
from .files import OptimizerFile, digest, is_builtin
from .ops import ALLOCATE


def values(definition: OptimizerFile, hyperparams: dict) -> dict:
    """Every hyperparameter's value: given ones checked, fixed ones put in, the others'
    defaults; then the file's ``requires``. A number may be given per run as a 1-D array (its
    values checked one by one, as a number would be); it comes back as a float array."""
    declared, fixed = definition.hyperparameters, definition.fixed or {}
    for key in hyperparams:
        if key not in declared:
            raise InputError(f"Unknown hyperparameter {key!r} for {definition.name}"
                             f"{suggest(key, definition.defaults)}")
        if key in fixed and (isinstance(hyperparams[key], np.ndarray) or
                             hyperparams[key] != fixed[key]):
            raise InputError(f"{definition.name}: {key} is fixed at {fixed[key]} (that is what "
                             f"makes it {definition.name}).")
    scheduled = scheduled_rates_active()
    out = {n: _checked(h, hyperparams[n], definition.name, scheduled) if n in hyperparams
           else fixed.get(n, h.default) for n, h in declared.items()}
    per_run = {n: v for n, v in out.items() if isinstance(v, np.ndarray)}
    if len({len(v) for v in per_run.values()}) > 1:
        raise InputError(f"{definition.name}: hyperparameters given per run need one length, "
                         f"got " + ", ".join(f"{n}: {len(v)}" for n, v in per_run.items()))
    for condition, then, message in definition.requires:
        used = names_in(condition) | names_in(then)
        for each in _each_run(out, {n: v for n, v in per_run.items() if n in used}):
            holds = numbers_only(lambda c=condition, t=then, e=each: not scalar_value(c, e) or
                                 scalar_value(t, e), f"{definition.source}: requires "
                                 f"({then.text})", each)
            if not holds:
                raise InputError(message + _naming(each, per_run))
    return out


def _checked(h, value, owner: str, scheduled: bool):
    if not isinstance(value, np.ndarray):
        return h.check(value, owner, scheduled)
    if h.switch or value.ndim != 1 or not len(value):
        raise InputError(f"{owner}: {h.name} per run is a 1-D array of numbers with at least "
                         f"one value, got shape {value.shape}" + (" (a switch is one value)"
                                                                  if h.switch else ""))
    # each value as a number would be (a distinct value once: a grid repeats its axes)
    for v in np.unique(value).tolist():
        h.check(v, owner, scheduled)
    return np.array(value, dtype=float)


def _each_run(out: dict, per_run: dict):
    """The numbers of each distinct run in the names ``per_run`` (the other values given per
    run left out: the formula asked about does not read them)."""
    numbers = {n: v for n, v in out.items() if not isinstance(v, np.ndarray)}
    if not per_run:
        yield numbers
        return
    table = np.unique(np.stack(list(per_run.values()), axis=1), axis=0)
    for row in table.tolist():
        yield {**numbers, **dict(zip(per_run, row, strict=True))}


def _naming(each: dict, per_run: dict) -> str:
    return "" if not per_run else " (at " + ", ".join(f"{n} = {each[n]!r}"
                                                     for n in per_run) + ")"


def numbers_only(compute, where: str, hyper: dict):
    """``compute()``, or the one line that says which numbers Python refused (1/0, overflow,
    a domain) for these hyperparameters."""
    try:
        return compute()
    except (ArithmeticError, ValueError) as exc:
        numbers = ", ".join(f"{k} = {v!r}" for k, v in hyper.items())
        raise RuleArithmetic(f"{where}: {arithmetic(exc)} with {numbers}; the file cannot "
                             f"be used with these hyperparameters.") from None


class _Rule:
    """The compiled programs of one file for one set of values, and how to call them."""

    def __init__(self, definition: OptimizerFile, hyper: dict, rates):
        program = self.program = definition.program
        self.rates = rates
        # folded into the programs: every value but a scheduled lr (read at each step)
        folded = {n: v for n, v in hyper.items() if not (rates is not None and n == "lr")}
        # values given per run, as rows (1, N) over the runs' columns: kept in the state, so
        # the engine cuts them with the runs when runs end (``engine._columns``)
        self.per_run = {n: v[None, :] for n, v in hyper.items() if isinstance(v, np.ndarray)}
        self.update = Compiled(program, program.update, folded)
        self.first = numbers_only(lambda: Compiled(program, program.first, hyper).run(
            dict(self.per_run), {}, shape=()), f"{definition.source}: [state] first values",
            hyper)
        self.State = namedtuple("RuleState", ["t", *program.state] +
                                (["per_run"] if self.per_run else []))
        self.scalars, self.arrays = program.scalar_state, program.array_state
        shown = numbers_only(lambda: Compiled(program, program.shown, hyper).run(
            dict(self.per_run), {}, shape=()), f"{definition.source}: [trace] conditions",
            hyper)
        self.shown = [n for n, keep in zip(program.trace, shown, strict=True)
                      if np.any(keep)]
        # the rate and the trace values shown, nothing else (a hidden one costs nothing)
        skip = 1 if program.has_rate else 0
        wanted = program.report.outputs[:skip] + tuple(
            ref for n, ref in zip(program.trace, program.report.outputs[skip:], strict=True)
            if n in self.shown)
        self.report = Compiled(program, dataclasses.replace(program.report, outputs=wanted),
                               folded)
        self.last = None  # (state, what ``reported`` gave for it)
        self.update_function = None  # the Optimizer's ``update`` (set by ``build``)
        self.single_runs: dict = {}  # ``single_run.py``'s compiled loops, by surface

    def numbers(self, t, state) -> dict:
        out = {"t": float(t)}
        for n in self.scalars:
            out[n] = getattr(state, n)
        if self.rates is not None:
            out["lr"] = self.rates(t)
        if self.per_run:
            out.update(state.per_run)
        return out

    def init(self, params):
        if not self.per_run:
            return self.State(0, *(float(v) if n in self.scalars else
                                   np.full_like(params, v, dtype=float)
                                   for n, v in zip(self.program.state, self.first,
                                                   strict=True)))
        n_runs = next(iter(self.per_run.values())).shape[1]
        if params.shape[-1] != n_runs:
            raise ValueError(f"hyperparameters are given for {n_runs} runs, and there are "
                             f"{params.shape[-1]}")
        return self.State(0, *(_number(v) if n in self.scalars else
                               np.full_like(params, v, dtype=float)
                               for n, v in zip(self.program.state, self.first, strict=True)),
                          dict(self.per_run))

    def step(self, grads, state, params, ops):
        t = state.t + 1
        given = {"g": grads, "p": params}
        for n in self.arrays:
            given[n] = getattr(state, n)
        targets = None
        if ops.inplace:
            pairs = _pairs(ops, self.arrays)
            targets = [ops.target] + [(b if given[n] is a else a) if n in pairs else None
                                      for n in self.program.state
                                      for a, b in [pairs.get(n, (None, None))]]
        try:
            if ops.inplace:  # (the engine has numpy quiet about inf and NaN already)
                out = self.update.run(self.numbers(t, state), given, targets, grads.shape)
            else:
                with np.errstate(all="ignore"):
                    out = self.update.run(self.numbers(t, state), given, None, grads.shape)
        except (ArithmeticError, ValueError) as exc:  # the numbers of this step (t): it
            if getattr(ops, "trial", False):  # diverges, unless this is the trial step
                raise failing(exc, f"step {t}") from None
            out = [np.full(grads.shape, np.nan), *(getattr(state, n)
                                                    for n in self.program.state)]
        if self.per_run:
            return out[0], self.State(t, *[_number(v) if n in self.scalars else v for n, v in
                                           zip(self.program.state, out[1:], strict=True)],
                                      state.per_run)
        if self.scalars:
            return out[0], self.State(t, *[float(v) if n in self.scalars else v for n, v in
                                           zip(self.program.state, out[1:], strict=True)])
        return out[0], self.State(t, *out[1:])

    def reported(self, state) -> list:
        """The rate and the trace after a step (computed once for both: the recorder asks
        for each)."""
        if self.last is not None and self.last[0] is state:
            return self.last[1]
        given = {n: getattr(state, n) for n in self.arrays}
        shape = next(iter(given.values())).shape if given else (
            (1, next(iter(state.per_run.values())).shape[1]) if self.per_run else (1, 1))
        try:  # (inf and NaN are results here: numpy says nothing of them)
            with np.errstate(all="ignore"):
                out = self.report.run(self.numbers(state.t, state), given, None, shape)
        except (ArithmeticError, ValueError):
            out = [np.nan] * len(self.report.outputs)
        out = [v if isinstance(v, np.ndarray) and v.shape == shape else
               np.broadcast_to(np.asarray(v, dtype=float), shape) for v in out]
        self.last = (state, out)
        return out

    def effective_lr(self, state):
        if not self.program.has_rate:  # SGD-like: this step's rate everywhere (scheduled)
            if "lr" in self.per_run:  # or each run's own: a row
                return state.per_run["lr"]
            return self.rates(max(state.t, 1))
        return self.reported(state)[0]

    def trace(self, state) -> dict:
        return dict(zip(self.shown, self.reported(state)[1 if self.program.has_rate else 0:],
                        strict=True))


def build(definition: OptimizerFile, rates=None, **hyperparams) -> Optimizer:
    """The ``Optimizer`` of a file. ``rates(t)``, when given, is the learning rate of step t
    (a schedule): lr is then an input of each step rather than a constant of the program."""
    hyper = values(definition, hyperparams)
    rule = _Rule(definition, hyper, rates)

    def update(grads, state, params, ops=ALLOCATE):
        return rule.step(grads, state, params, ops)

    _trial(definition, hyper, rule)
    rule.update_function = update
    program, fixed = definition.program, definition.fixed or {}
    return Optimizer(init=rule.init, update=update, rule=rule,
                     trace=rule.trace if rule.shown else None,
                     effective_lr=rule.effective_lr if program.has_rate or "lr" in
                     rule.per_run or (rates is not None and "lr" in hyper) else None,
                     name=definition.name, source=definition.source,
                     hyperparams={n: v for n, v in hyper.items() if n not in fixed},
                     definition="" if is_builtin(definition.source, definition.name)
                     else digest(definition))


def _number(value):
    """A scalar state variable's value: a float, or a row (1, N) where it is per run."""
    return value if isinstance(value, np.ndarray) else float(value)


class _Trial:
    inplace, trial, target = False, True, None


def _trial(definition: OptimizerFile, hyper: dict, rule: _Rule) -> None:
    """One step on a dummy run: what fails for these numbers alone fails here, before any
    work, in one line that names the assignment and its numbers. Per run, a column whose
    numbers Python refuses comes out NaN: those columns are explained one by one."""
    columns = next(iter(rule.per_run.values())).shape[1] if rule.per_run else 1
    one = np.ones((1, columns))
    with np.errstate(all="ignore"):
        try:
            new, _ = rule.step(one, rule.init(one), one, _Trial())
        except RuleArithmetic as exc:
            raise RuleArithmetic(explain(definition, hyper, rule.first) or
                                 f"{definition.source}: rule, {exc}") from None
    if not rule.per_run:
        return
    for j in np.flatnonzero(~np.isfinite(new[0])).tolist():
        each = {n: (v[j] if isinstance(v, np.ndarray) else v) for n, v in hyper.items()}
        first = [v.flat[j] if isinstance(v, np.ndarray) and v.size > 1 else
                 (v.flat[0] if isinstance(v, np.ndarray) else v) for v in rule.first]
        if (message := explain(definition, each, first)) is not None:
            raise RuleArithmetic(message)


def explain(definition: OptimizerFile, hyper: dict, first: list) -> str | None:
    """The first assignment whose arithmetic on numbers alone fails at step 1, with its
    numbers (as Python computes them: 1/0, overflow, a domain); ``first``: the state's first
    values."""
    program = definition.program
    env = {**hyper, "t": 1.0, **{n: v for n, v in zip(program.state, first, strict=True)
                                 if n in program.scalar_state}}
    for i, step in enumerate(definition.rule.steps):
        used = names_in(step.formula) - set(grammar.CONSTANTS)
        if step.condition is not None:
            used |= names_in(step.condition) - set(grammar.CONSTANTS)
        if not used <= env.keys():
            env.pop(step.name, None)  # per coordinate from here on
            continue
        try:
            if step.condition is None or scalar_value(step.condition, env):
                env[step.name] = scalar_value(step.formula, env)
        except (ArithmeticError, ValueError) as exc:
            numbers = ", ".join(f"{k} = {env[k]!r}" for k in sorted(used & env.keys()))
            return (f"{definition.rule.source}, assignment {i + 1} ({step.name} = "
                    f"{step.formula.text}): {arithmetic(exc)} with {numbers}; the rule "
                    f"cannot run with these hyperparameters.")
    return None


def _pairs(ops, names) -> dict:
    """Two buffers for each array state variable (kept on ``ops``, the engine's): a step
    writes into the one its input is not."""
    pairs = ops.buffers.get("state pairs")
    if pairs is None:
        pairs = {n: (ops.buffer(f"state:{n}:a"), ops.buffer(f"state:{n}:b")) for n in names}
        ops.buffers["state pairs"] = pairs
    return pairs
