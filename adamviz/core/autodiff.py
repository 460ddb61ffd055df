"""Automatic differentiation of a checked formula into straight-line programs.

The checked syntax tree is recorded on a ``Tape`` in the order Python would evaluate it on
tensors (left operand, right operand, then the operation), with the operations torch would
dispatch: ``c / x`` is ``reciprocal(x) * c`` (``Tensor.__rtruediv__``), ``x ** 3`` is ``x*x*x``
(torch's pow specialisations live in ``programs.py``). ``gradient`` then runs reverse mode over
the tape as torch's autograd engine does: nodes in reverse creation order, each node's local
derivative written as in torch's ``derivatives.yaml``, and the contributions reaching a node added
in the order they arrive. So a torch script of the same formula computes the same gradient
(bit for bit where both use the same IEEE operations: + - * /, sqrt, integer powers up to 3;
transcendental functions differ by an ulp, since torch uses SLEEF and numpy its own).

Every node's value is numbered: the same operation on the same operands gets the same slot, so a
shared subexpression is computed once (exact: the same operation on the same inputs gives the
same bits) while the backward pass still follows each use, as torch does. The Hessian is the
gradient of the gradient, by running reverse mode again over the tape that holds both.

Programs are plain data (``Program``): no numpy here, nothing is ever ``eval``-ed.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from . import grammar
from .expressions import ALIASES, CONSTANTS, Formula


@dataclass(frozen=True, kw_only=True)
class Program:
    """A straight-line program: ``ops[i]`` computes slot ``inputs + i`` from earlier slots.

    Each op is ``(name, args)``; an argument is a slot (int) or a constant (float). Outputs are
    slots or constants. ``programs.py`` runs it on numpy arrays.
    """

    inputs: int
    ops: tuple[tuple[str, tuple], ...]
    outputs: tuple

    @property
    def size(self) -> int:
        return len(self.ops)


class Var:
    """A value on the tape: ``node`` is its tape node (None for a constant), ``ref`` its slot
    (int) or its constant value (float)."""

    __slots__ = ("node", "ref")

    def __init__(self, node, ref):
        self.node, self.ref = node, ref

    @property
    def const(self) -> bool:
        return self.node is None


def const(value: float) -> Var:
    return Var(None, float(value))


# Arithmetic folded with Python floats: the same IEEE double operations numpy and torch use.
_FOLD = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
         "div": lambda a, b: a / b, "neg": lambda a: -a, "recip": lambda a: 1.0 / a}
_COMMUTATIVE = {"add", "mul"}


class Tape:
    """Operations in creation order (``nodes``) over numbered values (``ops``)."""

    def __init__(self, inputs: int):
        self.inputs = inputs
        self.ops: list[tuple[str, tuple]] = []  # slot inputs + i
        self.numbers: dict[tuple, int] = {}  # (op, args) -> slot
        self.nodes: list[tuple[str, tuple[Var, ...], tuple, Var]] = []  # op, inputs, params, out
        self.leaves = [self._node("input", (), (i,), i) for i in range(inputs)]

    def _node(self, op, args, params, slot) -> Var:
        var = Var(len(self.nodes), slot)
        self.nodes.append((op, args, params, var))
        return var

    def emit(self, op: str, *args: Var, params: tuple = (), shortcut: bool = False) -> Var:
        """Record ``op(*args)``; constant operands are folded for arithmetic. With ``shortcut``
        (backward passes only), exact identities skip the node: 1*a is a, -(-a) is a."""
        if all(a.const for a in args) and op in _FOLD:
            try:
                return const(_FOLD[op](*[a.ref for a in args]))
            except ArithmeticError:
                pass  # e.g. 1/0: leave it to numpy (inf), as torch would compute it
        if shortcut:
            same = self._identity(op, args, params)
            if same is not None:
                return same
        refs = tuple(a.ref for a in args)
        keys = tuple(map(value_key, refs))
        key = (op, tuple(sorted(keys)) if op in _COMMUTATIVE else keys, params)
        slot = self.numbers.get(key)
        if slot is None:
            slot = self.inputs + len(self.ops)
            self.ops.append((op, refs + params))
            self.numbers[key] = slot
        return self._node(op, args, params, slot)

    def negated(self, var: Var) -> Var | None:
        """x when ``var`` is the node -x, else None."""
        if var.const or self.nodes[var.node][0] != "neg":
            return None
        return self.nodes[var.node][1][0]

    def _identity(self, op: str, args, params=()) -> Var | None:
        """An exact rewrite for a backward-pass operation, or None. Each gives the same bits
        as the operation itself (IEEE arithmetic is symmetric in sign): a**1 is a copy of a,
        1*a is a, -(-a) is a, a + (-b) is a - b, (-a)*b is -(a*b). The last two let negations
        fold away."""
        if op == "powc" and params == (1.0,):
            return args[0]
        if op == "mul":
            for one, other in ((args[0], args[1]), (args[1], args[0])):
                if one.const and one.ref == 1.0:
                    return other
            for neg, other in ((args[0], args[1]), (args[1], args[0])):
                inner = self.negated(neg)
                if inner is not None:
                    return self.emit("neg", self.emit("mul", inner, other, shortcut=True),
                                     shortcut=True)
        if op == "neg":
            return self.negated(args[0])
        if op == "add":
            for neg, other in ((args[1], args[0]), (args[0], args[1])):
                inner = self.negated(neg)
                if inner is not None:
                    return self.emit("sub", other, inner, shortcut=True)
        return None

    def program(self, outputs) -> Program:
        """The ops needed for ``outputs`` (dead ones dropped), renumbered."""
        needed = needed_slots(self.ops, self.inputs, [o.ref for o in outputs])
        renumber = {i: i for i in range(self.inputs)}
        ops = []
        for slot in sorted(needed):
            op, args = self.ops[slot - self.inputs]
            n = _arity(op)
            mapped = tuple(renumber[a] if isinstance(a, int) else a for a in args[:n])
            renumber[slot] = self.inputs + len(ops)
            ops.append((op, mapped + args[n:]))
        outs = tuple(o.ref if o.const else renumber[o.ref] for o in outputs)
        return Program(inputs=self.inputs, ops=tuple(ops), outputs=outs)


def needed_slots(ops, inputs: int, refs) -> set[int]:
    """The slots of ``ops`` (computing slot inputs + i) that the values ``refs`` depend on."""
    seen, stack = set(), [r for r in refs if isinstance(r, int)]
    while stack:
        slot = stack.pop()
        if slot in seen or slot < inputs:
            continue
        seen.add(slot)
        op, args = ops[slot - inputs]
        stack.extend(a for a in args[: _arity(op)] if isinstance(a, int))
    return seen


def value_key(ref) -> tuple:
    """A slot or a constant as a dictionary key. Tagged: in Python 1.0 == 1 and hashes alike,
    so an untagged constant 1.0 would be taken for slot 1; and -0.0 must stay apart from 0.0."""
    return ("slot", ref) if isinstance(ref, int) else ("const", float(ref).hex())


# --- the formula on the tape -------------------------------------------------------------------

# grammar name -> program operation (arctan -> atan ...), from grammar.py's one table
_OPS = {f.name: f.op for f in grammar.FUNCTIONS if f.op}


def record(formula: Formula, tape: Tape, variables=("x", "y")) -> Var:
    """Record ``formula`` on ``tape``, whose inputs are ``variables``; return its value."""
    env = dict(zip(variables, tape.leaves, strict=False))
    return _record(formula.tree.body, formula.constants, env, tape)


def _record(node, constants, env, tape) -> Var:
    if id(node) in constants:
        return const(constants[id(node)])
    if isinstance(node, ast.Name):
        if node.id in CONSTANTS:
            return const(CONSTANTS[node.id])
        return env[node.id]
    if isinstance(node, ast.UnaryOp):
        value = _record(node.operand, constants, env, tape)
        return value if isinstance(node.op, ast.UAdd) else tape.emit("neg", value)
    if isinstance(node, ast.BinOp):
        a = _record(node.left, constants, env, tape)
        b = _record(node.right, constants, env, tape)
        op = type(node.op)
        if op is ast.Pow:
            if b.const:
                return tape.emit("powc", a, params=(b.ref,))
            return tape.emit("pow", a, b)
        if op is ast.Div and a.const:  # Tensor.__rtruediv__: reciprocal(x) * c
            return tape.emit("mul", tape.emit("recip", b), a)
        name = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div"}[op]
        if a.const and name in _COMMUTATIVE:  # c + x is x.__radd__(c): add(x, c)
            a, b = b, a
        return tape.emit(name, a, b)
    if isinstance(node, ast.Call):
        name = ALIASES.get(node.func.id, node.func.id)
        args = [_record(a, constants, env, tape) for a in node.args]
        return tape.emit(_OPS[name], *args)
    raise AssertionError(f"unchecked node {type(node).__name__}")  # parse() refused it


# --- reverse mode --------------------------------------------------------------------------------

def gradient(tape: Tape, output: Var, wrt=None, seed: float = 1.0, follow=None) -> list[Var]:
    """d output / d wrt (default: the tape's inputs), by reverse mode in torch's order.
    ``follow(var)``, when given, says whether a value can depend on ``wrt`` at all: the others
    are not followed (a rule's numbers alone, such as beta2**t, whose derivatives no one asks)."""
    wrt = tape.leaves if wrt is None else wrt
    if output.const:
        return [const(0.0) for _ in wrt]
    pending: dict[int, Var] = {output.node: const(seed)}
    for index in range(output.node, -1, -1):
        g = pending.pop(index, None)
        if g is None:
            continue
        op, args, params, out = tape.nodes[index]
        if op == "input":
            pending[index] = g  # a leaf keeps what reached it
            continue
        for arg, part in zip(args, RULES[op](tape, g, args, params, out), strict=True):
            if part is None or arg.const or (follow is not None and not follow(arg)):
                continue
            before = pending.get(arg.node)
            pending[arg.node] = part if before is None else _e(tape, "add", before, part)
    return [pending.get(v.node, const(0.0)) for v in wrt]


def _e(tape, op, *args, params=()):
    return tape.emit(op, *args, params=params, shortcut=True)


def _c(value):
    return const(value)


def _pow_rule(t, g, args, params, out):
    # torch pow_backward: grad * (exponent * self.pow(exponent - 1)); zero for exponent 0
    (p,) = params
    if p == 0:
        return [_c(0.0)]
    return [_e(t, "mul", g, _e(t, "mul", _e(t, "powc", args[0], params=(p - 1,)), _c(p)))]


def _pow_tensor_rule(t, g, args, params, out):
    # torch: self: where(exponent == 0, 0, grad * (exponent * self.pow(exponent - 1)));
    # exponent: grad * where(self == 0 & exponent >= 0, 0, result * self.log())
    a, b = args
    to_a = _e(t, "mul", g, _e(t, "mul", b, _e(t, "pow", a, _e(t, "sub", b, _c(1.0)))))
    to_a = _e(t, "where", _e(t, "eq", b, _c(0.0)), _c(0.0), to_a)
    zero_base = _e(t, "mul", _e(t, "eq", a, _c(0.0)), _e(t, "ge", b, _c(0.0)))
    to_b = _e(t, "mul", g, _e(t, "where", zero_base, _c(0.0), _e(t, "mul", out, _e(t, "log", a))))
    return [to_a, to_b]


RULES = {
    "add": lambda t, g, a, p, y: [g, g],
    "sub": lambda t, g, a, p, y: [g, _e(t, "neg", g)],
    "mul": lambda t, g, a, p, y: [_e(t, "mul", g, a[1]), _e(t, "mul", g, a[0])],
    "div": lambda t, g, a, p, y: [  # grad / other; -grad * ((self / other) / other)
        _e(t, "div", g, a[1]),
        _e(t, "mul", _e(t, "neg", g), _e(t, "div", _e(t, "div", a[0], a[1]), a[1]))],
    "neg": lambda t, g, a, p, y: [_e(t, "neg", g)],
    "recip": lambda t, g, a, p, y: [_e(t, "mul", _e(t, "neg", g), _e(t, "mul", y, y))],
    "powc": _pow_rule,
    "pow": _pow_tensor_rule,
    "rsqrt": lambda t, g, a, p, y: [  # -0.5 * grad * result.pow(3)
        _e(t, "mul", _e(t, "mul", g, _c(-0.5)), _e(t, "powc", y, params=(3.0,)))],
    "where": lambda t, g, a, p, y: [None, _e(t, "where", a[0], g, _c(0.0)),
                                    _e(t, "where", a[0], _c(0.0), g)],
}
# a rule's array to a power known at run time (rule_programs.py)
RULES["powt"] = _pow_tensor_rule

RULES.update({f.op: (lambda t, g, a, p, y, f=f: f.derivative(
    lambda op, *args, params=(): _e(t, op, *args, params=params), _c, g, a, y))
    for f in grammar.FUNCTIONS if f.op})
COMPARISONS = ("eq", "ne", "lt", "le", "gt", "ge", "and", "or")
RULES.update({op: (lambda t, g, a, p, y: [None, None]) for op in COMPARISONS})
RULES["not"] = lambda t, g, a, p, y: [None]

ARITY = {name: 2 for name in ("add", "sub", "mul", "div", "pow", "spow", "powt",
                              *COMPARISONS)}
ARITY.update({f.op: f.arity for f in grammar.FUNCTIONS if f.op})
ARITY["where"] = 3


def _arity(op: str) -> int:
    return ARITY.get(op, 1)


# --- the programs of a formula -------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class Derivatives:
    """The programs of one formula in ``dims`` variables."""

    value: Program  # outputs: f
    gradient: Program  # outputs: df/dx (, df/dy)
    value_and_grad: Program  # outputs: f, df/dx (, df/dy)
    hessian: Program  # outputs: d2f/dxi dxj, row-major
    # Whether f can be undefined where its gradient is not: an operation with a restricted
    # domain (log, sqrt, division, ...) whose value only f uses. log(x) is; sums of squares
    # are not (their f is finite wherever the gradient is, but for overflow).
    partial: bool

    @property
    def dims(self) -> int:
        return self.value.inputs


def derive(formula: Formula, dims: int) -> Derivatives:
    """Value, gradient and Hessian programs of ``formula`` in its first ``dims`` variables."""
    tape = Tape(dims)
    f = record(formula, tape, ("x", "y")[:dims])
    grad = gradient(tape, f)
    hess = []
    for g in grad:
        hess += gradient(tape, g)
    both = tape.program([f, *grad])
    return Derivatives(value=tape.program([f]), gradient=tape.program(grad),
                       value_and_grad=both, hessian=tape.program(hess),
                       partial=any(_restricted(op, args) for op, args in _only_for(both, 0)))


PARTIAL_OPS = {"log", "log1p", "sqrt", "rsqrt", "recip", "div", "pow", "tan", "asin", "acos",
               "acosh", "atanh"}


def _restricted(op: str, args: tuple) -> bool:
    """Can this operation give a non-finite value from finite operands (but for overflow)?"""
    if op == "powc":
        p = args[-1]
        return not (float(p).is_integer() and p >= 0)
    return op in PARTIAL_OPS


def _only_for(program: Program, output: int):
    """The operations that only output ``output`` needs."""
    others = needed_slots(program.ops, program.inputs,
                          [o for i, o in enumerate(program.outputs) if i != output])
    for slot in needed_slots(program.ops, program.inputs, [program.outputs[output]]) - others:
        yield program.ops[slot - program.inputs]
