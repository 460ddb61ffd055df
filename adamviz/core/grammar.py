"""The formula grammar's functions, in one table: every other list is made from it.

Each ``Function`` says what a name means everywhere a formula goes:

- ``arity`` and ``fold``: how many arguments, and the Python float function that folds constant
  parts (and runs an optimizer rule's scalars, as torch's Python code computes them);
- ``op``: the operation of a derivative program (``autodiff.py``), run by ``numpy`` (a ufunc
  writing into ``out=``, ``programs.py``) and written in JavaScript by ``js`` (``{0}``, ``{1}``
  stand for the arguments, ``jsprogram.py``);
- ``derivative``: the local derivative as torch's ``derivatives.yaml`` writes it, given
  ``e(op, *args)`` to emit an operation, ``c(value)`` for a constant, the incoming gradient
  ``g``, the arguments and the result ``y``; one entry per argument;
- ``torch``: the torch function a reference script calls;
- ``rule_only``: only an optimizer's rule may call it (surfaces keep the plain grammar).

Adding a function is one entry here (and a test case in ``tests/test_expressions.py``, its
mpmath twin and domain in ``tests/test_autodiff.py``, and its domain in
``scripts/make_torch_reference.py``, run with ``--only derivatives``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Function:
    name: str
    arity: int
    fold: Callable
    op: str
    numpy: Callable | None
    js: str
    derivative: Callable | None
    torch: str
    rule_only: bool = False


def _sign(v: float) -> float:
    return float((v > 0) - (v < 0)) if v == v else math.nan


# torch.nn.functional.softplus's defaults (beta 1): past the threshold softplus(x) is x itself,
# so a value far out is x, not exp's overflow
SOFTPLUS_THRESHOLD = 20.0


def _sigmoid(v: float) -> float:  # torch's 1 / (1 + exp(-x)): 0 where exp(-x) overflows
    try:
        return 1.0 / (1.0 + math.exp(-v))
    except OverflowError:
        return 0.0


def _np_sigmoid(a, out):
    np.negative(a, out=out)
    np.exp(out, out=out)
    np.add(out, 1.0, out=out)
    return np.divide(1.0, out, out=out)


def _softplus(v: float) -> float:
    return v if v > SOFTPLUS_THRESHOLD else math.log1p(math.exp(v))


def _np_softplus(a, out):
    np.exp(a, out=out)
    np.log1p(out, out=out)
    np.copyto(out, a, where=a > SOFTPLUS_THRESHOLD)
    return out


def _softplus_backward(e, c, g, x):
    # torch softplus_backward: z = exp(x); grad past the threshold, else grad * z / (z + 1).
    # z is taken of the threshold there instead: the branch is not used, and exp's overflow
    # (x > 709) would make its derivative inf/inf, NaN in the Hessian where torch has 0.
    past = e("gt", x, c(SOFTPLUS_THRESHOLD))
    z = e("exp", e("where", past, c(SOFTPLUS_THRESHOLD), x))
    return e("where", past, g, e("div", e("mul", g, z), e("add", z, c(1.0))))


def _d(fn):  # a derivative of one argument: [g * fn(e, c, x, y)]
    return lambda e, c, g, a, y: [e("mul", g, fn(e, c, a[0], y))]


FUNCTIONS: tuple[Function, ...] = (
    Function("exp", 1, math.exp, "exp", np.exp, "Math.exp({0})", _d(lambda e, c, x, y: y),
             "exp"),
    Function("log", 1, math.log, "log", np.log, "Math.log({0})",
             lambda e, c, g, a, y: [e("div", g, a[0])], "log"),
    Function("sqrt", 1, math.sqrt, "sqrt", np.sqrt, "Math.sqrt({0})",
             lambda e, c, g, a, y: [e("div", g, e("mul", y, c(2.0)))], "sqrt"),
    Function("abs", 1, abs, "abs", np.abs, "Math.abs({0})",
             _d(lambda e, c, x, y: e("sign", x)), "abs"),
    Function("sign", 1, _sign, "sign", np.sign, "Math.sign({0})",
             lambda e, c, g, a, y: [c(0.0)], "sign"),
    Function("sin", 1, math.sin, "sin", np.sin, "Math.sin({0})",
             _d(lambda e, c, x, y: e("cos", x)), "sin"),
    Function("cos", 1, math.cos, "cos", np.cos, "Math.cos({0})",
             _d(lambda e, c, x, y: e("neg", e("sin", x))), "cos"),
    Function("tan", 1, math.tan, "tan", np.tan, "Math.tan({0})",
             _d(lambda e, c, x, y: e("add", e("mul", y, y), c(1.0))), "tan"),
    Function("sinh", 1, math.sinh, "sinh", np.sinh, "Math.sinh({0})",
             _d(lambda e, c, x, y: e("cosh", x)), "sinh"),
    Function("cosh", 1, math.cosh, "cosh", np.cosh, "Math.cosh({0})",
             _d(lambda e, c, x, y: e("sinh", x)), "cosh"),
    # 1 - y^2 as (1 - y)(1 + y): no cancellation where tanh is close to +-1 (torch fuses it)
    Function("tanh", 1, math.tanh, "tanh", np.tanh, "Math.tanh({0})",
             _d(lambda e, c, x, y: e("mul", e("sub", c(1.0), y), e("add", y, c(1.0)))),
             "tanh"),
    Function("arcsin", 1, math.asin, "asin", np.arcsin, "Math.asin({0})",
             _d(lambda e, c, x, y: e("rsqrt", e("add", e("mul", e("neg", x), x), c(1.0)))),
             "asin"),
    Function("arccos", 1, math.acos, "acos", np.arccos, "Math.acos({0})",
             _d(lambda e, c, x, y: e("neg", e("rsqrt", e("add", e("mul", e("neg", x), x),
                                                        c(1.0))))), "acos"),
    Function("arctan", 1, math.atan, "atan", np.arctan, "Math.atan({0})",
             lambda e, c, g, a, y: [e("div", g, e("add", e("mul", a[0], a[0]), c(1.0)))],
             "atan"),
    Function("arctan2", 2, math.atan2, "atan2", np.arctan2, "Math.atan2({0},{1})",
             lambda e, c, g, a, y: _atan2(e, g, a), "atan2"),
    Function("arcsinh", 1, math.asinh, "asinh", np.arcsinh, "Math.asinh({0})",
             _d(lambda e, c, x, y: e("rsqrt", e("add", e("powc", x, params=(2.0,)), c(1.0)))),
             "asinh"),
    Function("arccosh", 1, math.acosh, "acosh", np.arccosh, "Math.acosh({0})",
             _d(lambda e, c, x, y: e("rsqrt", e("sub", e("powc", x, params=(2.0,)), c(1.0)))),
             "acosh"),
    Function("arctanh", 1, math.atanh, "atanh", np.arctanh, "Math.atanh({0})",
             lambda e, c, g, a, y: [e("div", g, e("sub", c(1.0), e("powc", a[0],
                                                                  params=(2.0,))))], "atanh"),
    Function("log1p", 1, math.log1p, "log1p", np.log1p, "Math.log1p({0})",
             lambda e, c, g, a, y: [e("div", g, e("add", a[0], c(1.0)))], "log1p"),
    # sigmoid_backward: (grad * (1 - y)) * y, in that order
    Function("sigmoid", 1, _sigmoid, "sigmoid", _np_sigmoid, "(1/(1+Math.exp(-({0}))))",
             lambda e, c, g, a, y: [e("mul", e("mul", g, e("sub", c(1.0), y)), y)], "sigmoid"),
    Function("softplus", 1, _softplus, "softplus", _np_softplus,
             f"({{0}}>{SOFTPLUS_THRESHOLD!r}?{{0}}:Math.log1p(Math.exp({{0}})))",
             lambda e, c, g, a, y: [_softplus_backward(e, c, g, a[0])],
             "nn.functional.softplus"),
    # max/min: the chosen argument takes the whole gradient (the first one on ties)
    Function("max", 2, max, "max", lambda a, b, out: np.maximum(a, b, out=out), "Math.max({0},{1})",
             lambda e, c, g, a, y: _pick(e, c, g, e("ge", a[0], a[1])), "maximum",
             rule_only=True),
    Function("min", 2, min, "min", lambda a, b, out: np.minimum(a, b, out=out), "Math.min({0},{1})",
             lambda e, c, g, a, y: _pick(e, c, g, e("ge", a[1], a[0])), "minimum",
             rule_only=True),
    # Composite: written out as operations by the rule compiler (torch.lerp's two branches,
    # torch.where), so they need no operation, no JavaScript and no derivative of their own.
    Function("lerp", 3, lambda a, b, w: a + (b - a) * w if abs(w) < 0.5 else b - (b - a) * (1 - w),
             "", None, "", None, "lerp", rule_only=True),
    Function("where", 3, lambda cond, a, b: a if cond else b, "", None, "", None, "where",
             rule_only=True),
)
BY_NAME = {f.name: f for f in FUNCTIONS}
BY_OP = {f.op: f for f in FUNCTIONS if f.op}
ALIASES = {"asin": "arcsin", "acos": "arccos", "atan": "arctan", "atan2": "arctan2", "ln": "log",
           "asinh": "arcsinh", "acosh": "arccosh", "atanh": "arctanh"}
CONSTANTS = {"pi": math.pi, "e": math.e}


def _atan2(e, g, args):
    # torch atan2_backward: recip = (self^2 + other^2)^-1; grad*other*recip, grad*-self*recip
    a, b = args
    recip = e("recip", e("add", e("mul", a, a), e("mul", b, b)))
    return [e("mul", e("mul", g, b), recip), e("mul", e("mul", g, e("neg", a)), recip)]


def _pick(e, c, g, first):
    return [e("where", first, g, c(0.0)), e("where", first, c(0.0), g)]


def table(rules: bool = False) -> dict:
    """name -> (arity, fold): what the formula checker allows (``rules``: a rule's as well)."""
    return {f.name: (f.arity, f.fold) for f in FUNCTIONS if rules or not f.rule_only}


def markdown_table() -> str:
    """The grammar's functions for the README."""
    lines = ["| function | arguments | torch | where |", "| --- | --- | --- | --- |"]
    aliases = {}
    for alias, name in ALIASES.items():
        aliases.setdefault(name, []).append(alias)
    for f in FUNCTIONS:
        also = f" (also {', '.join(aliases[f.name])})" if f.name in aliases else ""
        lines.append(f"| `{f.name}`{also} | {f.arity} | `torch.{f.torch}` | "
                     f"{'optimizer rules' if f.rule_only else 'surfaces and rules'} |")
    return "\n".join(lines)
