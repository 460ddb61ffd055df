"""Loss formulas as data: parsed (never executed) into a checked syntax tree.

A surface file's ``expr`` is untrusted text. It goes through ``ast.parse(mode="eval")`` only to get
a syntax tree; every node is then checked against a whitelist (numbers, the variables ``x`` and
``y``, the constants ``pi`` and ``e``, ``+ - * / **``, unary signs, and the functions in
``FUNCTIONS``). Nothing the user wrote is handed to ``eval``/``exec``. Sizes are bounded (text
length, node count, nesting depth) and so are constant exponents and constant values.

The checker folds constant sub-trees with Python floats, as Python itself would when the formula
runs on tensors, and keeps each folded value (``Formula.constants``); ``autodiff.py`` turns the
checked tree into straight-line programs for the value, gradient and Hessian. Only the standard
library is used, so listing surfaces stays fast.
"""

from __future__ import annotations

import ast
import math
import warnings
from dataclasses import dataclass, field

from . import grammar
from .errors import InputError
from .grammar import ALIASES, CONSTANTS  # noqa: F401 (re-exported)

MAX_LENGTH = 2000  # characters of formula text
MAX_NODES = 400  # syntax-tree nodes
MAX_DEPTH = 100  # nesting depth of the syntax tree (a chain of + or * is one level a term)
MAX_EXPONENT = 64  # |p| for a constant exponent in a ** p
MAX_CONSTANT = 1e100  # |value| of any constant sub-expression

VARIABLES = ("x", "y")
# A loss over data reduces over the rows (``data_formula.py`` splits them off): to the checker
# they are functions of one argument that are never folded into a number.
REDUCTIONS = {"mean": (1, lambda value: value), "sum": (1, lambda value: value)}
# name -> (number of arguments, float function used to fold constants): grammar.py's table
FUNCTIONS = grammar.table()

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_HINTS = {
    ast.BitXor: "'^' is not a power here; write x**2",
    ast.FloorDiv: "'//' is not supported; use '/'",
    ast.Mod: "'%' is not supported",
    ast.MatMult: "'@' is not supported",
}


class ExpressionError(InputError):
    """A formula was refused; the message names the source, the reason and the offending text."""


@dataclass(frozen=True, eq=False, kw_only=True)
class Formula:
    """A validated formula: its text, the variables it uses, its checked syntax tree and the
    value of every constant sub-tree (keyed by ``id`` of the node)."""

    text: str
    variables: tuple[str, ...]
    tree: ast.Expression
    constants: dict = field(repr=False)
    reduces: bool = False  # calls mean(...)/sum(...) over a data set's rows (data_formula.py)

    def __eq__(self, other) -> bool:
        return isinstance(other, Formula) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __reduce__(self):
        # The folded constants are keyed by node identity, which does not survive pickling
        # (e.g. to a --jobs worker): a formula travels as its text and is checked again.
        extra = tuple(v for v in self.variables if v not in VARIABLES)
        if self.reduces:
            return (_reduced, (self.text, extra))
        return (parse, (self.text, "formula", extra))


@dataclass(frozen=True, kw_only=True)
class Limits:
    length: int = MAX_LENGTH
    nodes: int = MAX_NODES
    depth: int = MAX_DEPTH
    exponent: float = MAX_EXPONENT




def parse(text: object, source: str = "expression", names: tuple[str, ...] = (),
          limits: Limits = Limits(), variables: tuple[str, ...] = VARIABLES,
          functions: dict | None = None, conditions: bool = False) -> Formula:
    """Validate formula text and return a ``Formula``; raise ``ExpressionError`` if refused.

    ``source`` names where the text came from (e.g. ``"surfaces/hump.toml: expr"``) so the
    message can point at it. ``names`` are extra variables allowed besides ``variables`` (x and
    y; the temporaries of a derived formula); ``functions`` replaces ``FUNCTIONS`` (an
    optimizer's rule adds max, min, lerp and where); ``conditions`` allows comparisons,
    ``and``/``or``/``not`` and ``a if c else b`` (an optimizer's rule).
    """
    if not isinstance(text, str):
        raise ExpressionError(f"{source}: the formula must be a string, got {type(text).__name__}")
    if not text.strip():
        raise ExpressionError(f"{source}: the formula is empty")
    if len(text) > limits.length:
        raise ExpressionError(
            f"{source}: the formula is {len(text)} characters long; at most {limits.length} allowed"
        )
    if "\n" in text.strip() or "\r" in text:
        raise ExpressionError(f"{source}: the formula must be on one line")
    try:
        with warnings.catch_warnings():  # e.g. "2x": the refusal below says what is wrong
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        where = f" at column {exc.offset}" if exc.offset else ""
        raise ExpressionError(
            f"{source}: not a valid formula ({exc.msg}{where}): {text!r}") from None
    except (ValueError, MemoryError, RecursionError) as exc:
        raise ExpressionError(f"{source}: not a valid formula ({exc})") from None
    checker = _Checker(text.strip(), source, names, limits, variables, functions or FUNCTIONS)
    checker.conditions = conditions
    checker.check(tree.body, depth=1)
    used = tuple(v for v in (*variables, *names) if v in checker.names)
    return Formula(text=text.strip(), variables=used, tree=tree, constants=checker.constants,
                   reduces=any(name in REDUCTIONS for name in checker.calls))


class _Checker:
    """Walks a syntax tree, refusing anything outside the whitelist and folding constants."""

    def __init__(self, text: str, source: str, names=(), limits: Limits = Limits(),
                 variables=VARIABLES, functions=None):
        self.text, self.source = text, source
        self.variables = (*variables, *names)
        self.functions = functions or FUNCTIONS
        self.limits = limits
        self.nodes = 0
        self.names: set[str] = set()
        self.calls: set[str] = set()  # the functions called
        self.constants: dict[int, float] = {}  # id(node) -> folded value
        self.conditions = False  # comparisons, and/or/not, if/else (optimizer rules)

    def check(self, node: ast.AST, depth: int) -> float | None:
        """Return the constant value of ``node`` (None if it depends on a variable)."""
        value = self._check(node, depth)
        if value is not None:
            self.constants[id(node)] = value
        return value

    def refuse(self, node: ast.AST, reason: str):
        part = ast.get_source_segment(self.text, node) or type(node).__name__
        if len(part) > 60:
            part = part[:57] + "..."
        raise ExpressionError(f"{self.source}: {reason}: {part!r}")

    def _check(self, node: ast.AST, depth: int) -> float | None:
        # One dispatch over the node types the grammar allows: the whole whitelist reads in one
        # place, which matters more here than a short function.
        self.nodes += 1
        if self.nodes > self.limits.nodes:
            self.refuse(node, f"formula too large (more than {self.limits.nodes} parts)")
        if depth > self.limits.depth:
            self.refuse(node, f"formula nested too deeply (more than {self.limits.depth} levels; "
                              f"a chain of + or * counts a level a term)")

        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or not isinstance(value, int | float):
                self.refuse(node, "only numbers are allowed as constants")
            return self.bounded(node, float(value) if abs(value) < 1e308 else math.inf)
        if isinstance(node, ast.Name):
            if node.id in self.variables:
                self.names.add(node.id)
                return None
            if node.id in CONSTANTS:
                return CONSTANTS[node.id]
            if node.id in self.functions or node.id in ALIASES:
                self.refuse(node, f"function {node.id!r} must be called, e.g. {node.id}(x)")
            known = ", ".join(self.variables)
            self.refuse(node, f"unknown name (use {known}, pi, e or a function such as exp(x))")
        if self.conditions and isinstance(node, ast.Compare | ast.BoolOp | ast.IfExp) or \
                self.conditions and isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return self._condition(node, depth)
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub | ast.UAdd):
                self.refuse(node, "only unary + and - are allowed")
            value = self.check(node.operand, depth + 1)
            return None if value is None else (-value if isinstance(node.op, ast.USub) else value)
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                self.refuse(node, _HINTS.get(type(node.op), "operator not allowed"))
            left = self.check(node.left, depth + 1)
            right = self.check(node.right, depth + 1)
            limit = self.limits.exponent
            if isinstance(node.op, ast.Pow) and right is not None and abs(right) > limit:
                self.refuse(node, f"exponent too large (at most {limit:g} in absolute value)")
            if isinstance(node.op, ast.Div) and right == 0:
                self.refuse(node, "division by zero")
            if left is None or right is None:
                return None
            return self.fold(node, _FOLD[type(node.op)], left, right)
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else None
            name = ALIASES.get(name, name)
            if name not in self.functions:
                allowed = ", ".join(sorted(self.functions))
                self.refuse(node.func, f"unknown function (allowed: {allowed})")
            if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
                self.refuse(node, "functions take plain positional arguments")
            arity, fn = self.functions[name]
            self.calls.add(name)
            if len(node.args) != arity:
                self.refuse(node, f"{name} takes {arity} argument{'s' * (arity > 1)}")
            values = [self.check(arg, depth + 1) for arg in node.args]
            if any(v is None for v in values):
                return None
            return self.fold(node, fn, *values)
        hint = {
            ast.Attribute: "attribute access is not allowed",
            ast.Subscript: "subscripts are not allowed",
            ast.Lambda: "lambdas are not allowed",
            ast.Compare: "comparisons are not allowed",
            ast.BoolOp: "and/or are not allowed",
            ast.IfExp: "if/else is not allowed",
        }.get(type(node), "not allowed in a formula")
        self.refuse(node, hint)

    def _condition(self, node, depth: int) -> float | None:
        """A comparison, and/or/not, or ``a if c else b``: 1.0 for true, 0.0 for false."""
        if isinstance(node, ast.IfExp):
            test, yes, no = (self.check(n, depth + 1) for n in (node.test, node.body,
                                                                  node.orelse))
            if test is None:
                return None
            return yes if test else no
        if isinstance(node, ast.UnaryOp):
            value = self.check(node.operand, depth + 1)
            return None if value is None else float(not value)
        if isinstance(node, ast.BoolOp):
            values = [self.check(v, depth + 1) for v in node.values]
            if any(v is None for v in values):
                return None
            pick = all if isinstance(node.op, ast.And) else any
            return float(pick(values))
        if not all(type(op) in COMPARE for op in node.ops):
            self.refuse(node, "only < <= > >= == != compare numbers")
        values = [self.check(v, depth + 1) for v in (node.left, *node.comparators)]
        if any(v is None for v in values):
            return None
        return float(all(COMPARE[type(op)](a, b) for op, a, b in
                         zip(node.ops, values, values[1:], strict=False)))

    def fold(self, node, fn, *args) -> float:
        try:
            value = fn(*args)
        except (ArithmeticError, ValueError):
            self.refuse(node, "constant part is undefined or too large")
        if isinstance(value, complex):
            self.refuse(node, "constant part is not a real number")
        return self.bounded(node, float(value))

    def bounded(self, node, value: float) -> float:
        if not math.isfinite(value) or abs(value) > MAX_CONSTANT:
            self.refuse(node, f"constant too large (at most {MAX_CONSTANT:g} in absolute value)")
        return value


def _reduced(text: str, names: tuple[str, ...]) -> Formula:
    """A formula with reductions over rows, checked again (``Formula.__reduce__``)."""
    return parse(text, "formula", names, functions={**FUNCTIONS, **REDUCTIONS})


COMPARE = {ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b,
           ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b,
           ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b}
_FOLD = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}
