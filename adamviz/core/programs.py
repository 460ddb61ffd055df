"""Run a straight-line ``Program`` (see ``autodiff.py``) on numpy arrays of N points.

An ``Executor`` is made once per program and N: every operation becomes one numpy call writing
into a preallocated buffer (``out=``), and a buffer is reused as soon as the value it held is
dead, so evaluating a gradient allocates nothing and touches few cache lines (for 40,000 points,
allocating every intermediate costs as much as computing it). Outputs land in the rows of one
``(outputs, N)`` array, which the caller may read or modify until the next run.

Powers follow torch's specialisations of ``pow(tensor, scalar)``: x**2 is x*x, x**3 is x*x*x,
x**-1 is 1/x, x**-2 is 1/(x*x), x**0.5 is sqrt(x), x**-0.5 is 1/sqrt(x), x**1 and x**0 are a
copy and ones; anything else is ``np.power``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import grammar
from .autodiff import ARITY, Program, value_key


def _cube(a, out):
    np.multiply(a, a, out=out)
    return np.multiply(out, a, out=out)


def _inverse_square(a, out):
    np.multiply(a, a, out=out)
    return np.divide(1.0, out, out=out)


def _rsqrt(a, out):
    np.sqrt(a, out=out)
    return np.divide(1.0, out, out=out)


def _recip(a, out):
    return np.divide(1.0, a, out=out)


def _square(a, out):
    return np.multiply(a, a, out=out)


def _copy(a, out):
    np.copyto(out, a)
    return out


def _ones(a, out):
    out.fill(1.0)
    return out


def _where(cond, a, b, out):
    np.copyto(out, np.where(np.asarray(cond) != 0, a, b))
    return out


def _power(p: float):
    special = {0.0: _ones, 1.0: _copy, 2.0: _square, 3.0: _cube, -1.0: _recip,
               -2.0: _inverse_square, 0.5: np.sqrt, -0.5: _rsqrt}
    if p in special:
        return special[p]
    return lambda a, out: np.power(a, p, out)


def _powt(a, e, out):
    """An array to a power that is a number at run time: the same specialisations."""
    return _power(float(e))(a, out)


UFUNCS = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide, "neg": np.negative,
    "recip": _recip, "rsqrt": _rsqrt, "pow": np.power, "powt": _powt, "where": _where,
    "eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal, "gt": np.greater,
    "ge": np.greater_equal, "and": np.logical_and, "or": np.logical_or, "not": np.logical_not,
    **{f.op: f.numpy for f in grammar.FUNCTIONS if f.op},  # the functions: grammar.py's table
}


def function_of(op: str, params: tuple):
    """The numpy callable ``f(*args, buffer)`` of one operation (``out`` last, positional)."""
    if op == "powc":
        return _power(float(params[0]))
    return UFUNCS[op]


@dataclass(frozen=True)
class FunctionProgram:
    """A Python function in a program's place (a loss written in Python): ``call(points)``
    maps (inputs, n) to (outputs, n)."""

    inputs: int
    count: int  # outputs
    call: Callable

    @property
    def outputs(self) -> range:
        return range(self.count)


class Executor:
    """``program`` compiled for ``n`` points: ``run(points)`` -> (outputs, n) array, where
    ``points`` is a (inputs, n) array whose rows are the coordinates."""

    BOUND = 4  # input arrays whose call plans are kept (the engine double-buffers its points)

    def __init__(self, program: Program, n: int):
        self.program, self.n = program, n
        self.bound: dict[int, tuple] = {}  # id(points) -> (points, calls, fills)
        if isinstance(program, FunctionProgram):
            self.run = program.call  # nothing to plan: the function is the program
            return
        self.out = np.empty((len(program.outputs), n))
        self.plan, self.regs, self.fills = _allocate(program, n, self.out)

    def _bind(self, points):
        """The calls with every argument in place: running is then one call per operation."""
        regs = list(self.regs)
        regs[: len(points)] = list(points)
        # ufuncs (and the helpers above) take ``out`` as their last positional argument, which
        # skips keyword parsing: the call is all that is left per operation
        calls = [(fn, (*(regs[a] for a in args), regs[o])) for fn, args, o in self.plan]
        fills = [(self.out[row], regs[s] if isinstance(s, int) else s)
                 for row, s in self.fills]
        if len(self.bound) >= self.BOUND:
            self.bound.pop(next(iter(self.bound)))
        self.bound[id(points)] = (points, calls, fills)
        return calls, fills

    def run(self, points) -> np.ndarray:
        """Evaluate at ``points`` (inputs, n); arrays seen before reuse their bound plan."""
        entry = self.bound.get(id(points))
        calls, fills = (entry[1], entry[2]) if entry is not None and entry[0] is points \
            else self._bind(points)
        with np.errstate(all="ignore"):
            for fn, args in calls:
                fn(*args)
            for out, source in fills:  # outputs that are an input or a constant
                out[...] = source
        return self.out


def _allocate(program: Program, n: int, out: np.ndarray):
    """The call plan over a register file: inputs, constants, then reused buffers."""
    k = program.inputs
    last_use: dict[int, int] = {}
    for i, (op, args) in enumerate(program.ops):
        for a in args[: ARITY.get(op, 1)]:
            if isinstance(a, int):
                last_use[a] = i
    # An output is written straight into its row of ``out`` when one op makes it, once.
    rows: dict[int, int] = {}
    fills = []
    for row, ref in enumerate(program.outputs):
        if isinstance(ref, int) and ref >= k and ref not in rows:
            rows[ref] = row
        else:
            fills.append((row, ref))
    regs: list = [None] * k
    const_reg: dict[tuple, int] = {}  # value_key(constant) -> register
    free: list[int] = []
    where: dict[int, int] = {i: i for i in range(k)}  # slot -> register
    plan = []
    for i, (op, args) in enumerate(program.ops):
        arity = ARITY.get(op, 1)
        arg_regs = []
        for a in args[:arity]:
            if isinstance(a, int):
                arg_regs.append(where[a])
            else:
                key = value_key(a)
                if key not in const_reg:
                    const_reg[key] = len(regs)
                    regs.append(a)
                arg_regs.append(const_reg[key])
        slot = k + i
        if slot in rows:
            regs.append(out[rows[slot]])
            target = len(regs) - 1
        elif free:
            target = free.pop()
        else:
            regs.append(np.empty(n))
            target = len(regs) - 1
        where[slot] = target
        plan.append((function_of(op, args[arity:]), tuple(arg_regs), target))
        for a in set(args[:arity]):  # freed after the output is placed: no aliasing
            if isinstance(a, int) and a >= k and last_use.get(a) == i and a not in rows:
                free.append(where[a])
    fills = [(row, where[ref] if isinstance(ref, int) else ref) for row, ref in fills]
    return plan, regs, fills


class Evaluator:
    """A program ready for any N: keeps an ``Executor`` for the last few sizes used."""

    def __init__(self, program: Program, keep: int = 4):
        self.program, self.keep = program, keep
        self.executors: dict[int, Executor] = {}

    def executor(self, n: int) -> Executor:
        ex = self.executors.pop(n, None) or Executor(self.program, n)
        self.executors[n] = ex  # most recently used last
        while len(self.executors) > self.keep:
            self.executors.pop(next(iter(self.executors)))
        return ex

    def __call__(self, points) -> np.ndarray:
        """Outputs at ``points`` (N, inputs), as a new (outputs, N) array."""
        points = np.asarray(points, dtype=float)
        if points.ndim != 2 or points.shape[1] != self.program.inputs:
            raise ValueError(f"points must have shape (N, {self.program.inputs}), "
                             f"got {points.shape}")
        rows = np.ascontiguousarray(points.T)
        out = self.executor(len(points)).run(rows).copy()
        self.executor(len(points)).bound.pop(id(rows), None)  # a one-off array: do not keep it
        return out
