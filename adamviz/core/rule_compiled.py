"""A recorded rule (``rule_programs.RuleProgram``) specialised to one set of hyperparameters
and run on numpy arrays.

``Compiled`` folds the constants with Python floats and resolves every condition on
hyperparameters; at each step the scalars are computed in Python (lazily: a branch not taken is
never computed, so RAdam's square root of a negative number is never taken), the conditions on
``t`` pick a variant of the array program, and the variant runs as one numpy call per
operation into preallocated buffers (``RuleExecutor``), the same plan as a surface's gradient
(``programs._allocate``).
"""

from __future__ import annotations

import numpy as np

from . import rule_vectors
from .autodiff import ARITY, Program
from .expressions import Formula
from .programs import _allocate
from .rule_programs import ARRAY, CONSTANT, SCALAR_OPS, Recorder, RuleProgram, kinds_of
from .rules import RuleArithmetic, arithmetic

EXECUTORS_KEPT = 4  # array shapes whose plans a variant keeps


def fold(program: Program, known: dict) -> tuple[dict, list]:
    """``program`` with the inputs ``known`` (slot -> float) put in: every operation on numbers
    alone computed with Python floats, every condition that became a number resolved. The
    operations left, by slot, and the outputs (a slot or a number)."""
    refs: dict = {i: known.get(i, i) for i in range(program.inputs)}
    kept = {}
    for i, (op, args) in enumerate(program.ops):
        slot, n = program.inputs + i, ARITY.get(op, 1)
        a = [refs[x] if isinstance(x, int) else x for x in args[:n]]
        params = args[n:]
        if op == "where" and not isinstance(a[0], int):
            refs[slot] = a[1] if a[0] else a[2]
            continue
        if not any(isinstance(x, int) for x in a):
            try:
                refs[slot] = float(SCALAR_OPS[op](*a, *params))
                continue
            except (ArithmeticError, ValueError):
                pass  # computed when (if ever) a step needs it, and said then
        if op == "powt" and not isinstance(a[1], int):
            op, a, params = "powc", a[:1], (a[1],)
        kept[slot] = (op, tuple(a), params)
        refs[slot] = slot
    return kept, [refs[o] if isinstance(o, int) else o for o in program.outputs]


def scalar_of(kept: dict, ref, values: dict):
    """The value of a number-only ``ref`` among the operations ``kept`` (by slot), computed
    on demand: a condition first, then only the branch it takes (memoized in ``values``)."""
    if not isinstance(ref, int):
        return ref
    value = values.get(ref)
    if value is None:
        op, args, params = kept[ref]
        if op == "where":
            value = scalar_of(kept, args[1] if scalar_of(kept, args[0], values) else args[2],
                              values)
        else:
            value = SCALAR_OPS[op](*(scalar_of(kept, a, values) for a in args), *params)
        values[ref] = value
    return value


class Compiled:
    """One program of a rule with its hyperparameters put in, ready to run at any step.

    ``values`` given to ``run`` are the scalar inputs (t, scalar state) by name; ``arrays`` the
    array inputs (g, p, array state) by name, each of shape (D, N). Outputs come back by
    position: a number for a scalar one, an array (in ``targets`` when given) for the others.
    """

    def __init__(self, rule: RuleProgram, program: Program, hyperparameters: dict):
        self.names = rule.names
        self.slot = {n: i for i, n in enumerate(rule.names)}
        # a hyperparameter given per run (an array) stays an input: its row comes with the
        # step's numbers (``rule_vectors.py``)
        self.per_run = tuple(n for n, v in hyperparameters.items()
                             if n in self.slot and isinstance(v, np.ndarray))
        known = {self.slot[n]: float(v) for n, v in hyperparameters.items()
                 if n in self.slot and n not in self.per_run}
        self.kept, self.outputs = fold(program, known)
        self.kinds = kinds_of(program, rule.input_kinds)
        self.inputs = program.inputs
        self.conditions = self._conditions()
        self.variants: dict = {}
        # output position -> its own input slot (the update's p and state read themselves)
        names = ("p", *rule.state) if program is rule.update else ()
        self.state_inputs = {pos: self.slot[n] for pos, n in enumerate(names)
                             if n in self.slot}

    def is_array(self, ref) -> bool:
        return isinstance(ref, int) and self.kinds[ref] == ARRAY

    def _conditions(self) -> list[int]:
        """The scalar conditions that choose between array values (per step: a variant)."""
        seen, stack, found = set(), [o for o in self.outputs if self.is_array(o)], set()
        while stack:
            slot = stack.pop()
            if slot in seen or slot < self.inputs:
                continue
            seen.add(slot)
            op, args, _ = self.kept[slot]
            if op == "where" and not self.is_array(args[0]):
                found.add(args[0])
                stack += [a for a in args[1:] if self.is_array(a)]
            else:
                stack += [a for a in args if self.is_array(a)]
        return sorted(found)

    def run(self, values: dict, arrays: dict, targets=None, shape=None) -> list:
        """One evaluation; ``targets`` (by output position, None to allocate) take the array
        outputs; an output that is its own input (state left as it is) is that input."""
        if self.per_run:
            return rule_vectors.run(self, values, arrays, targets, shape)
        known = {self.slot[n]: v for n, v in values.items()}
        key = tuple(bool(scalar_of(self.kept, c, known)) for c in self.conditions) \
            if self.conditions else ()
        variant = self.variant(key)
        try:  # the numbers this variant needs, in order (both sides of a choice on t)
            for slot, step in variant.steps:
                known[slot] = step(known)
        except (ArithmeticError, ValueError):  # one side failed: only what is taken, lazily
            known = {self.slot[n]: v for n, v in values.items()}
            for slot, _, _ in variant.plan:
                scalar_of(self.kept, slot, known)
        for slot, box in variant.scalars:
            box[()] = known[slot]
        if shape is None:
            shape = next(iter(arrays.values())).shape
        out = [None] * len(self.outputs)
        if variant.computed:
            executor = variant.executor(shape)
            inputs = [arrays[n] for n in variant.array_names] + variant.boxes
            if targets is None:  # its own outputs (bound once), copied: new arrays
                executor.run(inputs, executor.placeholders)
                for pos, made in zip(variant.computed, executor.placeholders, strict=True):
                    out[pos] = made.copy()
            else:
                for pos in variant.computed:
                    out[pos] = np.empty(shape) if targets[pos] is None else targets[pos]
                executor.run(inputs, [out[p] for p in variant.computed])
        variant.fill_others(out, known, arrays, targets)
        return out

    def variant(self, key) -> _Variant:
        """The variant of one choice of the conditions (a tuple of bools, in their order)."""
        return self.variants.get(key) or self._variant(key)

    def _variant(self, key) -> _Variant:
        chosen = dict(zip(self.conditions, key, strict=True))

        def resolve(ref):
            while isinstance(ref, int) and ref >= self.inputs and self.is_array(ref):
                op, args, _ = self.kept[ref]
                if op != "where" or self.is_array(args[0]):
                    break
                ref = args[1] if chosen[args[0]] else args[2]
            return ref

        self.variants[key] = variant = _Variant(self, resolve)
        return variant


def scalar_plan(kept: dict, refs, inputs: int) -> list:
    """The number-only operations ``refs`` need, in order, as (slot, function, arguments)."""
    order, seen = [], set()

    def visit(ref):
        if type(ref) is not int or ref < inputs or ref in seen:
            return
        seen.add(ref)
        op, args, params = kept[ref]
        for a in args:
            visit(a)
        fn = _choose if op == "where" else SCALAR_OPS[op]
        if params:
            fn = (lambda f, extra: lambda *a: f(*a, *extra))(fn, params)
        order.append((ref, fn, args))

    for ref in refs:
        visit(ref)
    return order


def _step(fn, args):
    """One number-only operation as a call on the step's values (slots looked up, constants
    in place): the common arities without a list per call."""
    a = args
    slot = [type(v) is int for v in a]
    if len(a) == 1 and slot[0]:
        return lambda k: fn(k[a[0]])
    if len(a) == 2 and slot == [True, True]:
        return lambda k: fn(k[a[0]], k[a[1]])
    if len(a) == 2 and slot == [True, False]:
        return lambda k: fn(k[a[0]], a[1])
    if len(a) == 2 and slot == [False, True]:
        return lambda k: fn(a[0], k[a[1]])
    return lambda k: fn(*[k[v] if type(v) is int else v for v in a])


def _choose(condition, yes, no):
    return yes if condition else no


class _Variant:
    """One choice of the step's conditions: its array program (``computed`` outputs), the
    outputs that are a number or an input (``others``), and the number-only operations both
    need, in order (``steps``)."""

    def __init__(self, c: Compiled, resolve):
        outputs = [resolve(ref) for ref in c.outputs]
        self.computed = [pos for pos, ref in enumerate(outputs)
                         if c.is_array(ref) and ref >= c.inputs]
        needed, scalar_refs, stack = set(), set(), [outputs[pos] for pos in self.computed]
        while stack:
            ref = resolve(stack.pop())
            if not isinstance(ref, int) or ref in needed:
                continue
            if not c.is_array(ref):
                scalar_refs.add(ref)
                continue
            needed.add(ref)
            if ref >= c.inputs:
                stack += list(c.kept[ref][1])
        arrays_in = sorted(r for r in needed if r < c.inputs)
        self.array_names = [c.names[r] for r in arrays_in]
        self.scalars = [(r, np.zeros(())) for r in sorted(scalar_refs)]
        self.boxes = [b for _, b in self.scalars]
        number = {r: i for i, r in enumerate(arrays_in)}
        number.update({r: len(arrays_in) + i for i, (r, _) in enumerate(self.scalars)})
        base = len(number)
        ops = []
        for slot in sorted(r for r in needed if r >= c.inputs):
            op, args, params = c.kept[slot]
            args = [resolve(a) for a in args]
            ops.append((op, tuple(number[a] if isinstance(a, int) else a for a in args)
                        + tuple(params)))
            number[slot] = base + len(ops) - 1
        self.program = Program(inputs=base, ops=tuple(ops),
                               outputs=tuple(number[outputs[pos]] for pos in self.computed))
        self.executors: dict = {}
        self.others = [(pos, "number", ref) if not c.is_array(ref) else
                       (pos, "same" if c.state_inputs.get(pos) == ref else "copy",
                        c.names[ref])
                       for pos, ref in enumerate(outputs) if pos not in self.computed]
        self.plan = scalar_plan(c.kept, [r for _, how, r in self.others if how == "number"]
                          + [slot for slot, _ in self.scalars], c.inputs)
        self.steps = [(slot, _step(fn, args)) for slot, fn, args in self.plan]

    def fill_others(self, out: list, known: dict, arrays: dict, targets) -> None:
        """Put into ``out`` the outputs that are a number or an input array (``others``)."""
        for pos, how, ref in self.others:
            if how == "number":
                out[pos] = known[ref] if type(ref) is int else ref
            elif how == "same":  # left as it is: the same array, nothing copied
                out[pos] = arrays[ref]
            else:
                target = targets[pos] if targets is not None else None
                out[pos] = np.array(arrays[ref], copy=True) if target is None else target
                if target is not None:
                    np.copyto(target, arrays[ref])

    def executor(self, shape) -> RuleExecutor:
        ex = self.executors.pop(shape, None) or RuleExecutor(self.program, shape)
        self.executors[shape] = ex  # most recently used last
        # the last few shapes only: the engine's arrays shrink as runs end, chunk by chunk
        while len(self.executors) > EXECUTORS_KEPT:
            self.executors.pop(next(iter(self.executors)))
        return ex


class RuleExecutor:
    """A program over arrays of one shape, its outputs written into arrays the caller gives:
    the plan (``programs._allocate``) is made once and bound to the last few sets of
    arrays, so a step is one numpy call per operation and allocates nothing."""

    BOUND = 4

    def __init__(self, program: Program, shape):
        self.placeholders = [np.empty(shape) for _ in program.outputs]
        self.plan, self.regs, self.fills = _allocate(program, shape, self.placeholders)
        self.inputs = program.inputs
        self.bound: dict = {}

    def run(self, inputs, targets) -> None:
        key = (*map(id, inputs), *map(id, targets))
        entry = self.bound.get(key)  # (it holds the arrays: an id cannot be taken again)
        if entry is None:
            entry = self._bind(key, inputs, targets)
        for fn, args in entry[1]:  # (the caller says how numpy reports inf and NaN)
            fn(*args)
        for out, source in entry[2]:
            out[...] = source

    def _bind(self, key, inputs, targets):
        swap = {id(p): t for p, t in zip(self.placeholders, targets, strict=True)}
        regs = [swap.get(id(r), r) if isinstance(r, np.ndarray) else r for r in self.regs]
        regs[: self.inputs] = list(inputs)
        calls = [(fn, (*(regs[a] for a in args), regs[o])) for fn, args, o in self.plan]
        fills = [(targets[row], regs[s] if isinstance(s, int) else s) for row, s in self.fills]
        if len(self.bound) >= self.BOUND:
            self.bound.pop(next(iter(self.bound)))
        self.bound[key] = entry = ((*inputs, *targets), calls, fills)
        return entry


def failing(exc: Exception, source: str) -> RuleArithmetic:
    """A rule's arithmetic on numbers that failed, said in one line."""
    return RuleArithmetic(f"{source}: {arithmetic(exc)} in the arithmetic on numbers alone; "
                          f"the rule cannot run with these hyperparameters.")


def scalar_value(formula: Formula, env: dict) -> float:
    """``formula`` of numbers alone (``env``: name -> float) with Python's float arithmetic,
    as a rule's scalars are computed; ArithmeticError or ValueError where Python refuses."""
    rec = Recorder(tuple(env), (CONSTANT,) * len(env), "formula")
    program = rec.tape.program([rec.formula(formula)])
    kept, outputs = fold(program, {i: float(v) for i, v in enumerate(env.values())})
    return scalar_of(kept, outputs[0], {})
