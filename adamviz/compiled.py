"""Evaluate formulas on arrays of points with numpy, from their validated syntax trees.

Each formula of a derivation (see ``derivatives.py``) is parsed by the same validator as a
surface file and turned into a tree of small closures, one numpy operation per node, with
constant sub-trees folded once. Evaluating a gradient is then a walk over that tree for all N
points at once: no code is generated, nothing is ``eval``-ed.
"""

from __future__ import annotations

import ast
import operator

import numpy as np

from .derivatives import load_or_derive
from .expressions import CONSTANTS, DERIVED_LIMITS, Formula, parse

_NUMPY = {
    "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "abs": np.abs, "sign": np.sign,
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "sinh": np.sinh, "cosh": np.cosh,
    "tanh": np.tanh, "arcsin": np.arcsin, "arccos": np.arccos, "arctan": np.arctan,
    "arctan2": np.arctan2, "arcsinh": np.arcsinh, "arccosh": np.arccosh, "arctanh": np.arctanh,
}
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.Pow: operator.pow}


def compile_formula(formula: Formula, dims: int) -> CompiledFormula:
    return CompiledFormula(load_or_derive(formula, dims), dims, source=formula.text)


class CompiledFormula:
    """Value, gradient and Hessian of a formula on arrays of points of shape (N, dims)."""

    def __init__(self, derivation: dict, dims: int, source: str = "formula"):
        self.dims = dims
        self.derivation = derivation
        self._value = _Program(derivation["value"], dims, f"{source} (value)")
        self._grad = _Program(derivation["grad"], dims, f"{source} (gradient)")
        self._hess = None  # built on first use: only tests and analysis need it
        self._fast = None  # the register program of the gradient, for one N

    def _columns(self, points):
        points = np.asarray(points, dtype=float)
        if points.ndim != 2 or points.shape[1] != self.dims:
            raise ValueError(f"points must have shape (N, {self.dims}), got {points.shape}")
        return points, [points[:, i] for i in range(self.dims)]

    def value(self, points):
        """Loss at each point: shape (N,)."""
        points, cols = self._columns(points)
        with np.errstate(all="ignore"):
            (out,) = self._value(cols)
        return np.broadcast_to(np.asarray(out, dtype=float), (points.shape[0],)).copy()

    def gradient(self, points, out=None):
        """Gradient at each point: shape (N, dims); written into ``out`` when given."""
        points, cols = self._columns(points)
        if out is None:
            out = np.empty_like(points)
        with np.errstate(all="ignore"):
            parts = self._grad(cols)
        for i, part in enumerate(parts):
            out[:, i] = part  # broadcasts a constant partial derivative
        return out

    def gradient_into(self, cols, out) -> None:
        """The fast path of the batch engine: the gradient at points given as coordinate
        columns (each of length N), written into ``out`` (N, dims) with no array allocated:
        every node of the program has a buffer of its own, made once per N."""
        if self._fast is None or self._fast.n != len(cols[0]):
            self._fast = _Registers(self.derivation["grad"], self.dims, len(cols[0]))
        with np.errstate(all="ignore"):
            self._fast.run(cols, out)

    def hessian(self, points):
        """Hessian at each point: shape (N, dims, dims)."""
        if self._hess is None:
            self._hess = _Program(self.derivation["hess"], self.dims, "formula (Hessian)")
        points, cols = self._columns(points)
        out = np.empty((points.shape[0], self.dims * self.dims))
        with np.errstate(all="ignore"):
            for i, part in enumerate(self._hess(cols)):
                out[:, i] = part
        return out.reshape(-1, self.dims, self.dims)


class _Program:
    """Temporaries computed in order, then the outputs; each a tree of numpy closures."""

    def __init__(self, program: dict, dims: int, source: str):
        names = ["x", "y"][:dims]
        self.steps = []
        for name, text in program["temps"]:
            tree = parse(text, source, names=tuple(names), limits=DERIVED_LIMITS).tree.body
            self.steps.append(_build(tree, {n: i for i, n in enumerate(names)}))
            names.append(name)
        slots = {n: i for i, n in enumerate(names)}
        self.outs = [_build(parse(t, source, names=tuple(names), limits=DERIVED_LIMITS)
                            .tree.body, slots) for t in program["outs"]]

    def __call__(self, cols):
        env = list(cols)
        for step in self.steps:
            env.append(step(env))
        return [out(env) for out in self.outs]


def _small_integer(p) -> bool:
    """Integer exponents numpy's power is slow at (8x a multiply for x**3) and we expand."""
    return float(p).is_integer() and 1 <= abs(p) <= 16


def _int_power(x, p: int):
    """x**p by repeated squaring (x**-p as 1/x**p), for small integer p."""
    result, base, k = None, x, abs(p)
    while k:
        if k & 1:
            result = base if result is None else result * base
        k >>= 1
        if k:
            base = np.square(base)
    return 1.0 / result if p < 0 else result


def _build(node, slots):
    """A closure env -> value for a validated node (constant sub-trees folded)."""
    fn, const = _node(node, slots)
    return fn if const is None else (lambda env, c=const: c)


def _node(node, slots):
    """(closure, constant value or None) for one node."""
    if isinstance(node, ast.Constant):
        value = float(node.value)
        return (lambda env: value), value
    if isinstance(node, ast.Name):
        if node.id in CONSTANTS:
            value = CONSTANTS[node.id]
            return (lambda env: value), value
        i = slots[node.id]
        return (lambda env: env[i]), None
    if isinstance(node, ast.UnaryOp):
        f, c = _node(node.operand, slots)
        if isinstance(node.op, ast.UAdd):
            return f, c
        return ((lambda env: -f(env)), None) if c is None else ((lambda env: -c), -c)
    if isinstance(node, ast.BinOp):
        op = _BINARY[type(node.op)]
        (f, a), (g, b) = _node(node.left, slots), _node(node.right, slots)
        if a is not None and b is not None:
            value = op(a, b)
            return (lambda env: value), value
        if b is not None:
            if op is operator.pow and _small_integer(b):
                return (lambda env: _int_power(f(env), int(b))), None
            if op is operator.pow and b == 0.5:
                return (lambda env: np.sqrt(f(env))), None
            return (lambda env: op(f(env), b)), None
        if a is not None:
            return (lambda env: op(a, g(env))), None
        return (lambda env: op(f(env), g(env))), None
    if isinstance(node, ast.Call):
        from .expressions import ALIASES

        fn = _NUMPY[ALIASES.get(node.func.id, node.func.id)]
        args = [_node(a, slots) for a in node.args]
        if all(c is not None for _, c in args):
            value = float(fn(*[c for _, c in args]))
            return (lambda env: value), value
        fs = [f if c is None else (lambda env, c=c: c) for f, c in args]
        if len(fs) == 1:
            (f,) = fs
            return (lambda env: fn(f(env))), None
        return (lambda env: fn(*[f(env) for f in fs])), None
    raise AssertionError(f"unchecked node {type(node).__name__}")


class _Registers:
    """A derivation's program flattened into numpy calls over preallocated buffers.

    Each non-constant node gets a buffer of N floats; running the program is a list of
    ``ufunc(a, b, out=buffer)`` calls, so no temporary is allocated per evaluation (for 40,000
    points, allocating every intermediate costs as much as computing it).
    """

    def __init__(self, program: dict, dims: int, n: int):
        self.n = n
        self.calls: list = []  # (ufunc, arguments: slot index or constant, output slot)
        self.buffers: list = [None] * dims  # slots 0..dims-1 are the coordinates
        names = {name: i for i, name in enumerate(["x", "y"][:dims])}
        for name, text in program["temps"]:
            tree = parse(text, "derived", names=tuple(names), limits=DERIVED_LIMITS).tree.body
            names[name] = self._emit(tree, names)
        self.outputs = [self._emit(parse(t, "derived", names=tuple(names),
                                         limits=DERIVED_LIMITS).tree.body, names)
                        for t in program["outs"]]

    def _slot(self):
        self.buffers.append(np.empty(self.n))
        return len(self.buffers) - 1

    def _emit(self, node, names):
        """Emit calls computing ``node``; return its slot, or a float if it is constant."""
        _, const = _node(node, {n: i for n, i in names.items()})
        if const is not None:
            return float(const)
        if isinstance(node, ast.Name):
            return names[node.id]
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.UAdd):
                return self._emit(node.operand, names)
            return self._call(np.negative, [self._emit(node.operand, names)])
        if isinstance(node, ast.BinOp):
            a, b = self._emit(node.left, names), self._emit(node.right, names)
            if isinstance(node.op, ast.Pow) and not isinstance(a, float) \
                    and isinstance(b, float) and _small_integer(b):
                return self._power(a, int(b))
            if isinstance(node.op, ast.Pow) and b == 0.5 and not isinstance(a, float):
                return self._call(np.sqrt, [a])
            ufunc = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply,
                     ast.Div: np.divide, ast.Pow: np.power}[type(node.op)]
            return self._call(ufunc, [a, b])
        from .expressions import ALIASES

        fn = _NUMPY[ALIASES.get(node.func.id, node.func.id)]
        return self._call(fn, [self._emit(a, names) for a in node.args])

    def _power(self, slot, p: int):
        """Emit x**p as squarings and multiplications (see ``_int_power``)."""
        result, base, k = None, slot, abs(p)
        while k:
            if k & 1:
                result = base if result is None else self._call(np.multiply, [result, base])
            k >>= 1
            if k:
                base = self._call(np.square, [base])
        return self._call(np.reciprocal, [result]) if p < 0 else result

    def _call(self, ufunc, args):
        out = self._slot()
        self.calls.append((ufunc, args, out))
        return out

    def run(self, cols, out) -> None:
        buffers = self.buffers
        for i, col in enumerate(cols):
            buffers[i] = col
        for ufunc, args, slot in self.calls:
            ufunc(*[buffers[a] if isinstance(a, int) else a for a in args], out=buffers[slot])
        for i, slot in enumerate(self.outputs):
            out[:, i] = buffers[slot] if isinstance(slot, int) else slot
