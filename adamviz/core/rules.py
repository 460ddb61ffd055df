"""An optimizer's update rule as data: assignments in the formula grammar, parsed (never
executed) and evaluated on numpy arrays, per coordinate and vectorized over runs.

    c = beta1*m + (1 - beta1)*g;  p = p - lr*sign(c);  m = beta2*m + (1 - beta2)*g

``g`` is the gradient, ``p`` the parameter, ``t`` the step (1, 2, ...); the hyperparameters
and state variables are named by the file; any other name assigned is a temporary, usable
after its assignment. Assignments run in order. The grammar is the surfaces' (numbers,
+ - * / **, the functions there) with ``max(a, b)``, ``min(a, b)`` and ``lerp(a, b, w)``
(torch's, two branches) added.

Arithmetic on numbers alone (hyperparameters, ``t``) is done with Python floats and arithmetic
on arrays with numpy, as a torch optimizer written in Python computes its scalars and tensors;
so a rule written in torch's order reproduces its optimizer to the last bit.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass

import numpy as np

from .errors import InputError
from .expressions import ALIASES, CONSTANTS, FUNCTIONS, Formula, parse


def _lerp(a, b, w):
    """torch.lerp: a + w*(b - a) for |w| < 0.5, else b - (b - a)*(1 - w)."""
    if isinstance(w, float | int):
        return a + (b - a) * w if abs(w) < 0.5 else b - (b - a) * (1 - w)
    return np.where(np.abs(w) < 0.5, a + (b - a) * w, b - (b - a) * (1 - w))


RULE_FUNCTIONS = {**FUNCTIONS, "max": (2, max), "min": (2, min),
                  "lerp": (3, lambda a, b, w: _lerp(a, b, w))}
ARRAY_FUNCTIONS = {
    "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "abs": np.abs, "sin": np.sin, "cos": np.cos,
    "tan": np.tan, "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh, "arcsin": np.arcsin,
    "arccos": np.arccos, "arctan": np.arctan, "arctan2": np.arctan2, "arcsinh": np.arcsinh,
    "arccosh": np.arccosh, "arctanh": np.arctanh, "sign": np.sign, "max": np.maximum,
    "min": np.minimum, "lerp": _lerp,
}
BUILT_IN = ("p", "g", "t")
GRAMMAR_NAMES = {*CONSTANTS, *RULE_FUNCTIONS, *ALIASES}  # no file may name its own values so
_BINARY = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
           ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b,
           ast.Pow: lambda a, b: a ** b}


@dataclass(frozen=True)
class Rule:
    """Checked assignments, ``(name, formula)`` in order."""

    steps: tuple[tuple[str, Formula], ...]
    state: tuple[str, ...]
    source: str = "rule"  # where it was written, for messages

    @property
    def temporaries(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n for n, _ in self.steps if n not in (*self.state, "p")))


def parse_rule(text: object, source: str, hyperparameters, state) -> Rule:
    """Check ``text``: every assignment's target and formula, every name used, that ``p`` and
    every state variable are assigned. ``InputError`` names ``source`` and the part."""
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{source}: the rule must be text such as \"p = p - lr*g\".")
    reserved = {*BUILT_IN[1:], *hyperparameters}
    known = [*BUILT_IN, *hyperparameters, *state]
    steps = []
    for i, part in enumerate(p for p in text.replace("\n", ";").split(";") if p.strip()):
        where = f"{source}, assignment {i + 1}"
        name, eq, formula = part.partition("=")
        name = name.strip()
        if not eq or not name.isidentifier() or formula.lstrip().startswith("="):
            raise InputError(f"{where}: expected NAME = formula, got {part.strip()!r}.")
        if name in reserved:
            raise InputError(f"{where}: {name!r} cannot be assigned (g and t are given, "
                             f"hyperparameters are fixed); assign p, a state variable or a "
                             f"temporary.")
        if name in CONSTANTS or name in RULE_FUNCTIONS or name in ALIASES:
            raise InputError(f"{where}: {name!r} is a constant or function name; choose "
                             f"another name.")
        steps.append((name, parse(formula, where, variables=tuple(known),
                                  functions=RULE_FUNCTIONS)))
        if name not in known:
            known.append(name)  # a temporary, from here on
    assigned = {n for n, _ in steps}
    if "p" not in assigned:
        raise InputError(f"{source}: the rule never updates p (the parameter); e.g. "
                         f"\"p = p - lr*g\".")
    for name in state:
        if name not in assigned:
            raise InputError(f"{source}: the state variable {name!r} is never assigned, so it "
                             f"would keep its first value; assign it or drop it from [state].")
    return Rule(steps=tuple(steps), state=tuple(state), source=source)


def run_rule(rule: Rule, env: dict) -> dict:
    """Evaluate the assignments in order over ``env`` (names to floats or arrays); the names
    afterwards."""
    env = dict(env)
    for i, (name, formula) in enumerate(rule.steps):
        try:
            env[name] = _value(formula.tree.body, formula.constants, env)
        except (ArithmeticError, ValueError) as exc:
            # Numbers alone (hyperparameters, t) are Python floats, as in a torch optimizer,
            # and Python refuses 1/0, log(0) and overflow where arrays would give inf or NaN.
            numbers = ", ".join(f"{k} = {v!r}" for k, v in env.items()
                                if isinstance(v, float | int) and k in formula.variables)
            raise RuleArithmetic(f"{rule.source}, assignment {i + 1} ({name} = {formula.text}): "
                             f"{_arithmetic(exc)} with {numbers or 'these numbers'}; the rule "
                             f"cannot run with these hyperparameters.") from None
    return env


class RuleArithmetic(InputError):
    """A rule's arithmetic on numbers alone failed (1/0, overflow): refused when its
    hyperparameters alone cause it; a run that reaches it later has diverged."""


def _arithmetic(exc: Exception) -> str:
    if isinstance(exc, ZeroDivisionError):
        return "a division by zero"
    if isinstance(exc, OverflowError):
        return "a number too large for a float"
    return "a value outside a function's domain"


def _value(node, constants, env):
    if id(node) in constants:
        return constants[id(node)]
    if isinstance(node, ast.Name):
        return env[node.id] if node.id in env else CONSTANTS[node.id]
    if isinstance(node, ast.UnaryOp):
        value = _value(node.operand, constants, env)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp):
        value = _BINARY[type(node.op)](_value(node.left, constants, env),
                                       _value(node.right, constants, env))
        return math.nan if isinstance(value, complex) else value  # (-1.0)**0.5 in Python
    name = ALIASES.get(node.func.id, node.func.id)
    args = [_value(a, constants, env) for a in node.args]
    if all(isinstance(a, float | int) for a in args):  # numbers alone: Python's arithmetic
        value = RULE_FUNCTIONS[name][1](*args)
        return float(value) if not isinstance(value, float) else value
    return ARRAY_FUNCTIONS[name](*args)


def check_number(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(f"{where}: a finite number, got {value!r}.")
    return float(value)
