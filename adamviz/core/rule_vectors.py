"""A compiled rule run with some hyperparameters given per run: a (1, N) row of values, one a
column, broadcast over the (D, N) arrays of the N runs.

Each column must get the bits a run built with that one value gets, where the number-only
arithmetic is Python's on floats (``rule_programs.SCALAR_OPS``). So the number-only operations
that read a per-run value are computed on rows here:

- the correctly rounded IEEE operations (+, -, *, /, comparisons, logic) in one numpy call,
  which gives Python's bits wherever the result and the arguments are finite; any other column
  (an overflow, 1/0, a NaN on the way) is computed again in Python;
- every other function (powers, roots, exp, log, ...) in Python, once per distinct value
  (a grid has few distinct values on each axis), since numpy's may differ in the last bit.

Where Python refuses a column's arithmetic (1/0, a domain) that column gets NaN, so its new
point is not finite and the engine ends it as diverged at its last point, as the run alone
ends (the run alone: the whole step NaN). A condition that differs between columns (SGD's
``momentum != 0`` over a grid reaching 0, RAdam's ``rho_t > 5``) runs each variant taken on
all columns and keeps each column from its own.
"""

from __future__ import annotations

import math

import numpy as np

from .rule_programs import SCALAR_OPS


def _float(fn):
    return lambda *a: fn(*a).astype(float)


_EXACT = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
    "neg": np.negative, "recip": lambda a: np.divide(1.0, a),
    **{op: _float(f) for op, f in (("lt", np.less), ("le", np.less_equal),
                                   ("gt", np.greater), ("ge", np.greater_equal),
                                   ("eq", np.equal), ("ne", np.not_equal))},
    "and": _float(np.logical_and), "or": _float(np.logical_or),
    "not": _float(np.logical_not),
}


def _python(fn, args) -> np.ndarray:
    """``fn`` (a Python float function) per column, once per distinct set of arguments; NaN
    where Python refuses."""
    shape = np.broadcast_shapes(*(a.shape for a in args if isinstance(a, np.ndarray)))
    rows = [np.broadcast_to(a, shape).ravel() for a in args if isinstance(a, np.ndarray)]
    table = np.stack(rows, axis=1) if len(rows) > 1 else rows[0][:, None]
    distinct, inverse = np.unique(table, axis=0, return_inverse=True)
    out = np.empty(len(distinct))
    for i, row in enumerate(distinct.tolist()):
        it = iter(row)
        values = [next(it) if isinstance(a, np.ndarray) else a for a in args]
        try:
            out[i] = fn(*values)
        except (ArithmeticError, ValueError):
            out[i] = math.nan
    return out[inverse.ravel()].reshape(shape)


def vector_op(op: str, params=()):
    """The number-only operation ``op`` on floats or per-run rows, exact per column."""
    scalar = SCALAR_OPS[op]
    if params:
        scalar = (lambda f, extra: lambda *a: f(*a, *extra))(scalar, params)
    fast = _EXACT.get(op)

    def apply(*args):
        if not any(isinstance(a, np.ndarray) for a in args):
            return scalar(*args)
        if fast is None:
            return _python(scalar, args)
        with np.errstate(all="ignore"):
            out = np.asarray(fast(*args), dtype=float)
        odd = ~np.isfinite(out)
        for a in args:
            if isinstance(a, np.ndarray):
                odd = odd | ~np.isfinite(a)
        if odd.any():  # Python's own answer (inf, NaN, or a refusal) for those columns
            again = _python(scalar, args)
            out = np.where(odd, again, out)
        return out
    return apply


def choose(condition, yes, no):
    if isinstance(condition, np.ndarray):
        return np.where(condition != 0, yes, no)
    return yes if condition else no


def value_of(kept: dict, ref, values: dict):
    """``rule_compiled.scalar_of`` on rows: a condition first, then the branches it takes
    (both, where columns differ)."""
    if not isinstance(ref, int):
        return ref
    value = values.get(ref)
    if value is None:
        op, args, params = kept[ref]
        if op == "where":
            condition = value_of(kept, args[0], values)
            if isinstance(condition, np.ndarray):
                value = choose(condition, value_of(kept, args[1], values),
                               value_of(kept, args[2], values))
            else:
                value = value_of(kept, args[1] if condition else args[2], values)
        else:
            value = vector_op(op, params)(*(value_of(kept, a, values) for a in args))
        values[ref] = value
    return value


def run(c, values: dict, arrays: dict, targets, shape) -> list:
    """``Compiled.run`` with rows among ``values``: per key of the conditions, its variant;
    where the columns' keys differ, each key's variant on all columns, merged by column."""
    known = {c.slot[n]: v for n, v in values.items()}
    conditions = [value_of(c.kept, s, known) for s in c.conditions]
    if shape is None:
        shape = next(iter(arrays.values())).shape
    if not any(isinstance(v, np.ndarray) and v.size > 1 and (v != v.flat[0]).any()
               for v in conditions):
        key = tuple(bool(np.asarray(v).flat[0]) for v in conditions)
        return _variant_run(c, c.variant(key), known, arrays, targets, shape)
    columns = shape[-1] if shape else 1
    codes = np.zeros(columns, dtype=np.int64)  # each column's key, as the bits of a number
    for bit, v in enumerate(conditions):
        codes |= np.broadcast_to(np.asarray(v) != 0, (1, columns))[0].astype(np.int64) << bit
    merged = None
    for code in np.unique(codes).tolist():
        mask = (codes == code)[None, :]
        key = tuple(bool(code >> bit & 1) for bit in range(len(conditions)))
        out = _variant_run(c, c.variant(key), dict(known), arrays, None, shape)
        if merged is None:  # (two keys at least: every output is made again below)
            merged = out
        else:
            merged = [np.where(mask, o, m) for o, m in zip(out, merged, strict=True)]
    if targets is not None:
        for pos, target in enumerate(targets):
            if target is not None:
                np.copyto(target, merged[pos])
                merged[pos] = target
    return merged


def _variant_run(c, variant, known: dict, arrays: dict, targets, shape) -> list:
    steps = variant.__dict__.get("vector_steps")
    if steps is None:
        steps = variant.vector_steps = [(slot, op_args) for slot, op_args in
                                        _plan(c, variant)]
    for slot, (fn, args) in steps:
        known[slot] = fn(*(known[a] if type(a) is int else a for a in args))
    columns = shape[-1] if shape else 1
    inputs = [arrays[n] for n in variant.array_names]
    for (slot, box) in variant.scalars:
        value = known[slot]
        if isinstance(value, np.ndarray):
            rows = variant.__dict__.setdefault("rows", {})
            row = rows.get((slot, columns))
            if row is None:
                row = rows[(slot, columns)] = np.empty((1, columns))
            np.copyto(row, value)
            inputs.append(row)
        else:
            box[()] = value
            inputs.append(box)
    out = [None] * len(c.outputs)
    if variant.computed:
        executor = variant.executor(shape)
        for pos in variant.computed:
            target = None if targets is None else targets[pos]
            out[pos] = np.empty(shape) if target is None else target
        executor.run(inputs, [out[p] for p in variant.computed])
    variant.fill_others(out, known, arrays, targets)
    return out


def _plan(c, variant):
    """The number-only operations of a variant, in order, as row functions."""
    for slot, _, args in variant.plan:
        op, _, params = c.kept[slot]
        fn = choose if op == "where" else vector_op(op, params)
        yield slot, (fn, args)
