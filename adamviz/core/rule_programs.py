"""An optimizer's rule recorded as straight-line programs, once, with every name symbolic.

Recording (``record``) puts the rule on an ``autodiff.Tape``, as a surface's formula is, and
gives every value a kind: **constant** (numbers and hyperparameters), **scalar** (what also
depends on the step ``t`` or a scalar state variable) or **array** (what depends on ``g``,
``p`` or an array state variable). Scalars follow Python's float arithmetic and arrays torch's
tensor arithmetic, as a torch optimizer's Python code computes them: ``c / x`` with an array x
is ``reciprocal(x) * c`` and ``x ** 2`` is ``x*x`` for an array, while ``beta2 ** t`` is
Python's power. The result, a ``RuleProgram``, is what ``render/jsprogram.py`` writes as
JavaScript (hyperparameters stay inputs there: the player's controls change them) and what
``rule_compiled.py`` specialises and runs on numpy arrays.
"""
from __future__ import annotations

import ast
import operator
from dataclasses import dataclass

from . import grammar
from .autodiff import ARITY, Program, Tape, Var, const
from .errors import InputError
from .expressions import Formula
from .rules import Rule

CONSTANT, SCALAR, ARRAY = 0, 1, 2
_COMPARE_OPS = {ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.GtE: "ge", ast.Eq: "eq",
                ast.NotEq: "ne"}
_BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div"}


def _spow(a, b):
    value = a ** b
    if isinstance(value, complex):  # (-1.0)**0.5 in Python: torch could not use it either
        raise ValueError("math domain error")
    return float(value)


# Python float semantics of every operation: how the scalars are computed (and folded)
SCALAR_OPS = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv,
    "neg": operator.neg, "recip": lambda a: 1.0 / a, "spow": _spow, "pow": _spow,
    "powt": _spow, "powc": _spow,
    **{op: (lambda a, b, f=f: float(f(a, b))) for op, f in
       zip(("lt", "le", "gt", "ge", "eq", "ne"), (operator.lt, operator.le, operator.gt,
                                                  operator.ge, operator.eq, operator.ne),
           strict=True)},
    "and": lambda a, b: float(bool(a) and bool(b)), "or": lambda a, b: float(bool(a) or bool(b)),
    "not": lambda a: float(not a),
    **{f.op: f.fold for f in grammar.FUNCTIONS if f.op},
}


@dataclass(frozen=True, kw_only=True)
class RuleProgram:
    """A rule recorded with every name symbolic. Every program's inputs are ``names`` in
    order; ``update`` computes p and the state (``state`` order), ``report`` the effective
    learning rate (when ``has_rate``) and then the ``trace`` values, ``first`` the state's
    first values from the hyperparameters."""

    names: tuple[str, ...]
    input_kinds: tuple[int, ...]
    hyperparameters: tuple[str, ...]
    state: tuple[str, ...]
    scalar_state: tuple[str, ...]
    update: Program
    report: Program
    trace: tuple[str, ...]
    has_rate: bool
    first: Program
    shown: Program  # outputs: 1 where the trace value of that place is shown, else 0

    @property
    def array_state(self) -> tuple[str, ...]:
        return tuple(n for n in self.state if n not in self.scalar_state)


def kinds_of(program: Program, input_kinds) -> list[int]:
    """The kind of every slot: an operation's is the largest of its arguments'."""
    kinds = list(input_kinds)
    for op, args in program.ops:
        kinds.append(max((kinds[a] for a in args[:ARITY.get(op, 1)] if isinstance(a, int)),
                         default=CONSTANT))
    return kinds


class Recorder:
    """Formulas onto one tape, with the kind of every value."""

    def __init__(self, names, kinds, source: str):
        self.tape = Tape(len(names))
        self.kind = dict(enumerate(kinds))
        self.env = dict(zip(names, self.tape.leaves, strict=True))
        self.source = source

    def kind_of(self, var: Var) -> int:
        return CONSTANT if var.const else self.kind[var.ref]

    def emit(self, op, *args, params=()) -> Var:
        var = self.tape.emit(op, *args, params=params)
        if not var.const:
            self.kind.setdefault(var.ref, max((self.kind_of(a) for a in args), default=0))
        return var

    def formula(self, formula: Formula) -> Var:
        return self.value(formula.tree.body, formula)

    def value(self, node, formula) -> Var:
        if id(node) in formula.constants:
            return const(formula.constants[id(node)])
        if isinstance(node, ast.Name):
            if node.id in self.env:
                return self.env[node.id]
            return const(grammar.CONSTANTS[node.id])
        if isinstance(node, ast.UnaryOp):
            value = self.value(node.operand, formula)
            if isinstance(node.op, ast.Not):
                return self.emit("not", value)
            return self.emit("neg", value) if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp):
            return self.binary(type(node.op), self.value(node.left, formula),
                               self.value(node.right, formula))
        if isinstance(node, ast.Compare):
            values = [self.value(v, formula) for v in (node.left, *node.comparators)]
            out = None
            for op, a, b in zip(node.ops, values, values[1:], strict=False):
                part = self.emit(_COMPARE_OPS[type(op)], a, b)
                out = part if out is None else self.emit("and", out, part)
            return out
        if isinstance(node, ast.BoolOp):
            values = [self.value(v, formula) for v in node.values]
            out = values[0]
            for v in values[1:]:
                out = self.emit("and" if isinstance(node.op, ast.And) else "or", out, v)
            return out
        if isinstance(node, ast.IfExp):
            return self.choose(self.value(node.test, formula), self.value(node.body, formula),
                               self.value(node.orelse, formula), formula.text)
        return self.call(node, formula)

    def binary(self, op, a: Var, b: Var) -> Var:
        array_a, array_b = self.kind_of(a) == ARRAY, self.kind_of(b) == ARRAY
        if op is ast.Pow:
            if array_a and b.const:
                return self.emit("powc", a, params=(b.ref,))
            if array_a and not array_b:
                return self.emit("powt", a, b)
            return self.emit("pow" if array_b else "spow", a, b)
        if op is ast.Div and array_b and not array_a:  # Tensor.__rtruediv__: reciprocal(x) * c
            return self.emit("mul", self.emit("recip", b), a)
        name = _BINARY[op]
        if a.const and name in ("add", "mul"):  # c + x is x.__radd__(c): add(x, c)
            a, b = b, a
        return self.emit(name, a, b)

    def choose(self, condition: Var, yes: Var, no: Var, text: str) -> Var:
        if self.kind_of(condition) == ARRAY:
            raise InputError(f"{self.source}: the condition in {text!r} depends on g, p or a "
                             f"state variable kept per coordinate; a condition is on numbers "
                             f"alone (hyperparameters, t); choose per coordinate with "
                             f"where(c, a, b).")
        return self.emit("where", condition, yes, no)

    def call(self, node, formula) -> Var:
        name = grammar.ALIASES.get(node.func.id, node.func.id)
        args = [self.value(a, formula) for a in node.args]
        if name == "lerp":  # torch.lerp: start + w*(end - start) for |w| < 0.5, else ...
            a, b, w = args
            diff = self.emit("sub", b, a)
            small = self.emit("lt", self.emit("abs", w), const(0.5))
            low = self.emit("add", a, self.emit("mul", diff, w))
            high = self.emit("sub", b, self.emit("mul", diff, self.binary(ast.Sub, const(1.0),
                                                                          w)))
            return self.emit("where", small, low, high)
        if name == "where":
            return self.emit("where", *args)
        return self.emit(grammar.BY_NAME[name].op, *args)

    def run(self, rule: Rule) -> None:
        for step in rule.steps:
            value = self.formula(step.formula)
            if step.condition is not None:
                value = self.choose(self.formula(step.condition), value, self.env[step.name],
                                    step.condition.text)
            self.env[step.name] = value


def record(rule: Rule, hyperparameters, state, trace: dict, rate: Formula | None,
           first: dict, trace_if: dict | None = None) -> RuleProgram:
    """Record ``rule``; which state variables are scalars is found by recording: a variable
    is kept per coordinate when anything it is assigned depends on g, p or such a variable."""
    scalar = set(state)
    while True:
        program = _record(rule, tuple(hyperparameters), tuple(state), scalar, trace, rate,
                          first, trace_if or {})
        kinds = kinds_of(program.update, program.input_kinds)
        arrays = {n for n, ref in zip(state, program.update.outputs[1:], strict=True)
                  if isinstance(ref, int) and kinds[ref] == ARRAY}
        if not arrays & scalar:
            return program
        scalar -= arrays


def _record(rule, hyper, state, scalar, trace, rate, first, trace_if) -> RuleProgram:
    scalar_state = tuple(n for n in state if n in scalar)
    array_state = tuple(n for n in state if n not in scalar)
    names = (*hyper, "t", *scalar_state, "g", "p", *array_state)
    kinds = (CONSTANT,) * len(hyper) + (SCALAR,) * (1 + len(scalar_state)) + \
        (ARRAY,) * (2 + len(array_state))

    def recorder():
        return Recorder(names, kinds, rule.source)

    rec = recorder()
    rec.run(rule)
    update = rec.tape.program([rec.env["p"], *(rec.env[n] for n in state)])
    rec = recorder()
    report = rec.tape.program(([rec.formula(rate)] if rate is not None else [])
                              + [rec.formula(f) for f in trace.values()])
    rec = recorder()
    firsts = rec.tape.program([rec.formula(first[n]) for n in state])
    rec = recorder()
    shown = rec.tape.program([rec.formula(trace_if[n]) if n in trace_if else const(1.0)
                              for n in trace])
    return RuleProgram(names=names, input_kinds=kinds, hyperparameters=hyper, state=state,
                       scalar_state=scalar_state, update=update, report=report,
                       trace=tuple(trace), has_rate=rate is not None, first=firsts,
                       shown=shown)



