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
            if op is operator.pow and b == 2:
                return (lambda env: np.square(f(env))), None
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
