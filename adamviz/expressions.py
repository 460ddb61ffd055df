"""Loss formulas as data: parsed (never executed), differentiated exactly, compiled for numpy.

A surface file's ``expr`` is untrusted text. It goes through ``ast.parse(mode="eval")`` only to get
a syntax tree; every node is then checked against a whitelist (numbers, the variables ``x`` and
``y``, the constants ``pi`` and ``e``, ``+ - * / **``, unary signs, and the functions in
``FUNCTIONS``) and converted to a sympy object node by node. Nothing the user wrote is handed to
``eval``/``exec``/``sympify``. Sizes are bounded (text length, node count, nesting depth) and so
are constant exponents and constant values, so a hostile file can neither run code nor make
sympy compute a number with billions of digits.

Validation (``parse``) needs only the standard library, so listing surfaces stays fast. Exact
derivatives come from sympy (``derivatives.py``), are printed back into this same grammar, cached,
and evaluated by a small numpy evaluator (``compiled.py``): nothing is ever ``eval``-ed.
"""

from __future__ import annotations

import ast
import math
import warnings
from dataclasses import dataclass
from functools import cached_property

from .errors import InputError

MAX_LENGTH = 2000  # characters of formula text
MAX_NODES = 400  # syntax-tree nodes
MAX_DEPTH = 40  # nesting depth of the syntax tree
MAX_EXPONENT = 64  # |p| for a constant exponent in a ** p
MAX_CONSTANT = 1e100  # |value| of any constant sub-expression

VARIABLES = ("x", "y")
CONSTANTS = {"pi": math.pi, "e": math.e}

# name -> (number of arguments, float function used to fold constants, sympy function name)
FUNCTIONS = {
    "exp": (1, math.exp, "exp"),
    "log": (1, math.log, "log"),
    "sqrt": (1, math.sqrt, "sqrt"),
    "abs": (1, abs, "Abs"),
    "sin": (1, math.sin, "sin"),
    "cos": (1, math.cos, "cos"),
    "tan": (1, math.tan, "tan"),
    "sinh": (1, math.sinh, "sinh"),
    "cosh": (1, math.cosh, "cosh"),
    "tanh": (1, math.tanh, "tanh"),
    "arcsin": (1, math.asin, "asin"),
    "arccos": (1, math.acos, "acos"),
    "arctan": (1, math.atan, "atan"),
    "arctan2": (2, math.atan2, "atan2"),
    "arcsinh": (1, math.asinh, "asinh"),
    "arccosh": (1, math.acosh, "acosh"),
    "arctanh": (1, math.atanh, "atanh"),
    "sign": (1, lambda v: float((v > 0) - (v < 0)), "sign"),
}
ALIASES = {"asin": "arcsin", "acos": "arccos", "atan": "arctan", "atan2": "arctan2", "ln": "log",
           "asinh": "arcsinh", "acosh": "arccosh", "atanh": "arctanh"}

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_HINTS = {
    ast.BitXor: "'^' is not a power here; write x**2",
    ast.FloorDiv: "'//' is not supported; use '/'",
    ast.Mod: "'%' is not supported",
    ast.MatMult: "'@' is not supported",
}


class ExpressionError(InputError):
    """A formula was refused; the message names the source, the reason and the offending text."""


@dataclass(frozen=True)
class Formula:
    """A validated formula: its text, the variables it uses and its checked syntax tree."""

    text: str
    variables: tuple[str, ...]
    tree: ast.Expression

    @cached_property
    def symbolic(self):
        """The formula as a sympy expression in real symbols ``x`` and ``y``."""
        return _to_sympy(self.tree.body)

    def compile(self, dims: int):
        """Exact value, gradient and Hessian as vectorized numpy functions of (N, dims) points."""
        from .compiled import compile_formula

        return compile_formula(self, dims)


@dataclass(frozen=True)
class Limits:
    length: int = MAX_LENGTH
    nodes: int = MAX_NODES
    depth: int = MAX_DEPTH
    exponent: float = MAX_EXPONENT


# Derived formulas (gradients, Hessians) are longer than what a user writes; they come from our
# own printer, but are validated all the same, under these looser bounds.
DERIVED_LIMITS = Limits(length=200_000, nodes=50_000, depth=400, exponent=1000)


def parse(text: object, source: str = "expression", names: tuple[str, ...] = (),
          limits: Limits = Limits()) -> Formula:
    """Validate formula text and return a ``Formula``; raise ``ExpressionError`` if refused.

    ``source`` names where the text came from (e.g. ``"surfaces/hump.toml: expr"``) so the
    message can point at it. ``names`` are extra variables allowed besides x and y (the
    temporaries of a derived formula).
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
    checker = _Checker(text.strip(), source, names, limits)
    checker.check(tree.body, depth=1)
    used = tuple(v for v in (*VARIABLES, *names) if v in checker.names)
    return Formula(text=text.strip(), variables=used, tree=tree)


class _Checker:
    """Walks a syntax tree, refusing anything outside the whitelist and folding constants."""

    def __init__(self, text: str, source: str, names=(), limits: Limits = Limits()):
        self.text, self.source = text, source
        self.variables = (*VARIABLES, *names)
        self.limits = limits
        self.nodes = 0
        self.names: set[str] = set()

    def refuse(self, node: ast.AST, reason: str):
        part = ast.get_source_segment(self.text, node) or type(node).__name__
        if len(part) > 60:
            part = part[:57] + "..."
        raise ExpressionError(f"{self.source}: {reason}: {part!r}")

    def check(self, node: ast.AST, depth: int) -> float | None:
        """Return the constant value of ``node`` (None if it depends on x or y)."""
        self.nodes += 1
        if self.nodes > self.limits.nodes:
            self.refuse(node, f"formula too large (more than {self.limits.nodes} parts)")
        if depth > self.limits.depth:
            self.refuse(node, f"formula nested too deeply (more than {self.limits.depth} levels)")

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
            if node.id in FUNCTIONS or node.id in ALIASES:
                self.refuse(node, f"function {node.id!r} must be called, e.g. {node.id}(x)")
            self.refuse(node, "unknown name (use x, y, pi, e or a function such as exp(x))")
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
            if left is None or right is None:
                return None
            return self.fold(node, _FOLD[type(node.op)], left, right)
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else None
            name = ALIASES.get(name, name)
            if name not in FUNCTIONS:
                allowed = ", ".join(sorted(FUNCTIONS))
                self.refuse(node.func, f"unknown function (allowed: {allowed})")
            if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
                self.refuse(node, "functions take plain positional arguments")
            arity, fn, _ = FUNCTIONS[name]
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


_FOLD = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


def _symbols():
    import sympy

    return sympy.symbols("x y", real=True)


def _to_sympy(node: ast.AST):
    """Build the sympy expression of an already-checked tree, node by node."""
    import sympy

    if isinstance(node, ast.Constant):
        # Exact rational of the literal's shortest repr: compiles back to exactly the same float.
        return sympy.Integer(node.value) if isinstance(node.value, int) else sympy.Rational(
            repr(node.value))
    if isinstance(node, ast.Name):
        if node.id in VARIABLES:
            return _symbols()[VARIABLES.index(node.id)]
        return {"pi": sympy.pi, "e": sympy.E}[node.id]
    if isinstance(node, ast.UnaryOp):
        operand = _to_sympy(node.operand)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        left, right = _to_sympy(node.left), _to_sympy(node.right)
        op = type(node.op)
        if op is ast.Add:
            return left + right
        if op is ast.Sub:
            return left - right
        if op is ast.Mult:
            return left * right
        if op is ast.Div:
            return left / right
        return left**right
    if isinstance(node, ast.Call):
        name = ALIASES.get(node.func.id, node.func.id)
        return getattr(sympy, FUNCTIONS[name][2])(*[_to_sympy(a) for a in node.args])
    raise AssertionError(f"unchecked node {type(node).__name__}")  # parse() refused it already
