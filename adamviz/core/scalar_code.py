"""A straight-line ``Program`` written as Python statements on floats: one run's step without
numpy's per-call cost (about 1 us a call, while a float operation costs 30 ns).

The statements compute what ``programs.Executor`` computes on arrays of one point, bit for bit:

- ``+ - * /``, negation, square root and the comparisons are IEEE operations in both, with the
  same specialisations of powers (``programs._power``: x**2 is x*x, ...);
- a function (exp, tanh, ...) or a general power is Python's own (``math``, ``Function.fold``)
  only where it gives numpy's bits (numpy calls the same libm for some functions and its own
  vector code for others, by machine): each is checked once per process on ``SAMPLE`` values
  against the numpy function the engine calls (``agreeing``). A function that disagrees is
  called through numpy on a one-element array, as the engine calls it for one run;
- where Python refuses (1/0, exp's overflow, a domain error) numpy goes on with inf or NaN, so
  the caller catches ``ArithmeticError``/``ValueError`` and hands the run back to the engine.

The code is made from the program's operation names and slot numbers alone: names are the
generator's own (``v12``), constants are bound as locals by position (``k3``), never written
from a formula's text, so a surface or rule file's contents never become source code.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import numpy as np

from . import grammar
from .autodiff import ARITY, Program
from .programs import function_of

WORD = re.compile(r"[A-Za-z_]\w*")  # a name in generated code
# A Python expression of the arguments' names: the same IEEE operation on arrays and floats
# (a rule's numbers are computed with these too, ``single_run.py``)
ARITHMETIC = {"add": "{0} + {1}", "sub": "{0} - {1}", "mul": "{0} * {1}", "div": "{0} / {1}",
              "neg": "-{0}", "recip": "1.0 / {0}"}
_OPERATORS = {
    **ARITHMETIC, "rsqrt": "1.0 / sqrt({0})",
    "eq": "(1.0 if {0} == {1} else 0.0)", "ne": "(1.0 if {0} != {1} else 0.0)",
    "lt": "(1.0 if {0} < {1} else 0.0)", "le": "(1.0 if {0} <= {1} else 0.0)",
    "gt": "(1.0 if {0} > {1} else 0.0)", "ge": "(1.0 if {0} >= {1} else 0.0)",
    # numpy's truth of a number: nonzero (NaN included), as Python's ``!= 0``
    "and": "(1.0 if {0} != 0 and {1} != 0 else 0.0)",
    "or": "(1.0 if {0} != 0 or {1} != 0 else 0.0)",
    "not": "(1.0 if {0} == 0 else 0.0)",
    "where": "({1} if {0} != 0 else {2})",
    "pow": "pow_({0}, {1})", "powt": "powt_({0}, {1})",
}
# x**p for a constant p: ``programs._power``'s specialisations, then the general power
_POWERS = {0.0: "1.0", 1.0: "{0}", 2.0: "{0} * {0}", 3.0: "{0} * {0} * {0}",
           -1.0: "1.0 / {0}", -2.0: "1.0 / ({0} * {0})", 0.5: "sqrt({0})",
           -0.5: "1.0 / sqrt({0})"}


def _sample() -> np.ndarray:
    """The values a function is checked on: the awkward ones and a spread over every scale
    (scrambled by a fixed irrational stride, so neighbours differ in every digit)."""
    special = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, 1e-300, -1e-300, 5e-324, 1e300, -1e300,
               20.0, 20.000000000000004, 709.78, -745.1, math.pi, math.e, math.nan, math.inf,
               -math.inf]
    unit = (np.arange(1, 1801) * 0.6180339887498949) % 1.0  # in [0, 1), evenly spread
    scales = 10.0 ** (24 * ((np.arange(600) * 0.7548776662466927) % 1.0) - 12)
    return np.concatenate([special, (2 * unit[:600] - 1) * scales, 80 * unit[600:1200] - 40,
                           2 * unit[1200:1500] - 1, 6 * unit[1500:] - 3])


SAMPLE = _sample()  # (numpy arithmetic: no random generator to import)


def _through_numpy(fn: Callable) -> Callable:
    """``fn`` (a numpy function with ``out`` last) on one-element arrays, as the engine calls
    it for one run: numpy's bits by construction, at numpy's cost."""
    def call(*args):
        out = np.empty(1)
        with np.errstate(all="ignore"):
            fn(*(np.array([a], dtype=float) for a in args), out)
        return float(out[0])
    return call


def _agrees(candidate: Callable, reference: Callable, arity: int) -> bool:
    """Whether ``candidate`` gives ``reference``'s bits on ``SAMPLE`` wherever it gives a
    value at all (where it raises, the run is handed back to the engine)."""
    columns = [SAMPLE if i == 0 else np.roll(SAMPLE, 7 * i) for i in range(arity)]
    expected = np.empty(len(SAMPLE))
    with np.errstate(all="ignore"):
        reference(*columns, expected)
    for i, args in enumerate(zip(*(c.tolist() for c in columns), strict=True)):
        try:
            got = candidate(*args)
        except (ArithmeticError, ValueError):
            continue
        want = expected[i]
        if not (got == want and math.copysign(1, got) == math.copysign(1, want)
                or got != got and want != want):
            return False
    return True


_CHOSEN: dict[str, Callable] = {}


def agreeing(op: str) -> Callable:
    """The fastest Python float function of ``op`` (a function or the general power) that
    gives the engine's bits: Python's own where it agrees, else numpy's on one element."""
    if op not in _CHOSEN:
        if op == "pow":
            arity, fold = 2, math.pow
        else:
            f = grammar.BY_OP[op]
            arity, fold = f.arity, f.fold
        reference = function_of(op, ())
        _CHOSEN[op] = fold if _agrees(fold, reference, arity) else _through_numpy(reference)
    return _CHOSEN[op]


def _powt(pow_: Callable) -> Callable:
    """x**e for an exponent known only when the step runs: ``programs._powt``'s choice."""
    def powt(a: float, e: float) -> float:
        e = float(e)
        if e == 2.0:
            return a * a
        if e == 0.0:
            return 1.0
        if e == 1.0:
            return a
        if e == 3.0:
            return a * a * a
        if e == -1.0:
            return 1.0 / a
        if e == -2.0:
            return 1.0 / (a * a)
        if e == 0.5:
            return math.sqrt(a)
        if e == -0.5:
            return 1.0 / math.sqrt(a)
        return pow_(a, e)
    return powt


class Writer:
    """Python statements for programs on floats, sharing one set of names and constants.

    ``constants`` and ``functions`` (name -> value) are what the statements read, bound as
    locals of the generated function by its maker."""

    def __init__(self):
        self.count = 0
        self.constants: dict[str, float] = {}
        self._constant_names: dict[str, str] = {}
        self.functions: dict[str, Callable] = {"sqrt": math.sqrt}
        # expression -> the variable that holds it: an operation on the same values is
        # computed once (every operation here is a function of its arguments alone)
        self.memo: dict[str, str] = {}

    def fresh(self, stem: str = "v") -> str:
        self.count += 1
        return f"{stem}{self.count}"

    def constant(self, value: float) -> str:
        key = float(value).hex()  # -0.0 apart from 0.0
        if key not in self._constant_names:
            name = self._constant_names[key] = f"k{len(self._constant_names)}"
            self.constants[name] = float(value)
        return self._constant_names[key]

    def _function(self, op: str) -> str:
        if op == "powt":
            self._function("pow")
            self.functions["powt_"] = _powt(self.functions["pow_"])
            return "powt_"
        name = "pow_" if op == "pow" else f"f_{op}"
        if name not in self.functions:
            self.functions[name] = agreeing(op)
        return name

    def program(self, program: Program, inputs: list[str]) -> tuple[list[str], list[str]]:
        """Statements computing ``program`` from the variables ``inputs``, and the names (or
        constants) of its outputs."""
        names = list(inputs)
        lines = []
        for op, args in program.ops:
            arity = ARITY.get(op, 1)
            refs = [names[a] if isinstance(a, int) else self.constant(a) for a in args[:arity]]
            expr = self.expression(op, refs, args[arity:])
            if expr not in self.memo:
                self.memo[expr] = self.fresh()
                lines.append(f"{self.memo[expr]} = {expr}")
            names.append(self.memo[expr])
        return lines, [names[o] if isinstance(o, int) else self.constant(o)
                       for o in program.outputs]

    def forget(self, names) -> None:
        """Variables that are about to hold new values: what was computed from them is not
        what the same expression computes from now on."""
        names = set(names)
        for expr in [e for e in self.memo if names & set(WORD.findall(e))]:
            del self.memo[expr]

    def expression(self, op: str, refs: list[str], params: tuple) -> str:
        if op == "powc":
            p = float(params[0])
            if p in _POWERS:
                return "(" + _POWERS[p].format(*refs) + ")"
            return f"{self._function('pow')}({refs[0]}, {self.constant(p)})"
        if op in ("pow", "powt"):
            self._function(op)
        elif op not in _OPERATORS:
            return f"{self._function(op)}({', '.join(refs)})"
        return "(" + _OPERATORS[op].format(*refs) + ")"

    def bindings(self) -> list[str]:
        """The statements that make every constant and function a local (read from ``K``)."""
        return [f"{name} = K[{name!r}]" for name in [*self.constants, *self.functions]]

    def namespace(self) -> dict:
        return {**self.constants, **self.functions}
