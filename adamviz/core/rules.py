"""An optimizer's update rule as data: assignments in the formula grammar, parsed (never
executed), compiled by ``rule_programs.py`` to numpy and JavaScript.

    c = beta1*m + (1 - beta1)*g;  p = p - lr*sign(c);  m = beta2*m + (1 - beta2)*g
    if amsgrad: v_max = max(v_max, v)
    buf = g if t == 1 else momentum*buf + (1 - dampening)*g

``g`` is the gradient, ``p`` the parameter, ``t`` the step (1, 2, ...); the hyperparameters
and state variables are named by the file; any other name assigned is a temporary, usable
after its assignment. Assignments run in order. The grammar is the surfaces' (numbers,
+ - * / **, the functions of ``grammar.py``) with ``max``, ``min``, ``lerp`` (torch's, two
branches) and ``where(c, a, b)`` (per coordinate), comparisons, ``and``/``or``/``not``, and two
forms of condition on numbers alone (hyperparameters, switches, ``t``, scalar state):
``a if c else b`` and a whole assignment ``if c: name = formula``. A condition on
hyperparameters is resolved when the rule is compiled; one on ``t`` at each step.

Arithmetic on numbers alone is done with Python floats and arithmetic on arrays as torch does
on tensors, as a torch optimizer written in Python computes its scalars and tensors; so a rule
written in torch's order reproduces its optimizer to the last bit.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass

from . import grammar
from .errors import InputError
from .expressions import Formula, parse

RULE_FUNCTIONS = grammar.table(rules=True)
BUILT_IN = ("p", "g", "t")
GRAMMAR_NAMES = {*grammar.CONSTANTS, *RULE_FUNCTIONS, *grammar.ALIASES}  # no file may take them


@dataclass(frozen=True)
class Step:
    """``name = formula``, only where ``condition`` holds when it is given."""

    name: str
    formula: Formula
    condition: Formula | None = None


@dataclass(frozen=True)
class Rule:
    """Checked assignments in order; ``state`` the names kept from step to step."""

    steps: tuple[Step, ...]
    state: tuple[str, ...]
    source: str = "rule"  # where it was written, for messages

    def then(self, other: Rule) -> Rule:
        """This rule's steps followed by ``other``'s (a transform around a rule)."""
        return Rule(steps=self.steps + other.steps, state=self.state, source=self.source)


def split(text: str) -> list[str]:
    """The assignments of a rule's text: separated by ';' or new lines."""
    return [part.strip() for part in text.replace("\n", ";").split(";") if part.strip()]


def parse_rule(text: object, source: str, hyperparameters, state, *,
               complete: bool = True) -> Rule:
    """Check ``text``: every assignment's target, condition and formula, every name used,
    that ``p`` and every state variable are assigned (``complete``; a transform's steps are
    not). ``InputError`` names ``source`` and the part."""
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{source}: the rule must be text such as \"p = p - lr*g\".")
    fixed = {"t", *hyperparameters}
    known = [*BUILT_IN, *hyperparameters, *state]
    steps = []
    for i, part in enumerate(split(text)):
        where = f"{source}, assignment {i + 1}"
        condition = None
        if part.startswith("if ") and ":" in part:
            head, _, part = part[3:].partition(":")
            condition = parse(head, f"{where} (its condition)", variables=tuple(known),
                              functions=RULE_FUNCTIONS, conditions=True)
        name, eq, formula = part.partition("=")
        name = name.strip()
        if not eq or not name.isidentifier() or formula.lstrip().startswith("="):
            raise InputError(f"{where}: expected NAME = formula (or if CONDITION: NAME = "
                             f"formula), got {part.strip()!r}.")
        if name in fixed:
            raise InputError(f"{where}: {name!r} cannot be assigned (t counts the steps, "
                             f"hyperparameters are fixed); assign p, g, a state variable or a "
                             f"temporary.")
        if name in GRAMMAR_NAMES:
            raise InputError(f"{where}: {name!r} is a constant or function name; choose "
                             f"another name.")
        if condition is not None and name not in known:
            raise InputError(f"{where}: {name!r} has no value yet where the condition fails; "
                             f"a conditional assignment changes p, a state variable or an "
                             f"earlier temporary.")
        steps.append(Step(name, parse(formula, where, variables=tuple(known),
                                      functions=RULE_FUNCTIONS, conditions=True), condition))
        if name not in known:
            known.append(name)  # a temporary, from here on
    assigned = {s.name for s in steps}
    if complete and "p" not in assigned:
        raise InputError(f"{source}: the rule never updates p (the parameter); e.g. "
                         f"\"p = p - lr*g\".")
    for name in state if complete else ():
        if name not in assigned:
            raise InputError(f"{source}: the state variable {name!r} is never assigned, so it "
                             f"would keep its first value; assign it or drop it from [state].")
    return Rule(steps=tuple(steps), state=tuple(state), source=source)


class RuleArithmetic(InputError):
    """A rule's arithmetic on numbers alone failed (1/0, overflow): refused when its
    hyperparameters alone cause it; a run that reaches it later has diverged."""


def arithmetic(exc: Exception) -> str:
    if isinstance(exc, ZeroDivisionError):
        return "a division by zero"
    if isinstance(exc, OverflowError):
        return "a number too large for a float"
    return "a value outside a function's domain"


def check_number(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(f"{where}: a finite number, got {value!r}.")
    return float(value)


def names_in(formula: Formula) -> set[str]:
    return {n.id for n in ast.walk(formula.tree) if isinstance(n, ast.Name)}
