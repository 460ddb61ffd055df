"""One run stepped on Python floats: the engine's loop for a single start, written out once as
Python code from the same programs (the surface's derivatives, the optimizer file's compiled
rule), so a long run pays a float operation's cost per operation rather than numpy's call.

It is the engine's loop exactly where it applies, and hands the run back where it may not be:

- it applies to one start of a surface given by a formula and an optimizer that is its file's
  compiled rule (``Optimizer.rule``), without noise, minibatches or a held-out monitor;
- every operation gives the numpy program's bits (``core/scalar_code.py``), the step's numbers
  follow the rule's own Python arithmetic, the conditions on ``t`` pick the same variant;
- anything the engine treats specially makes ``attempt`` return None, and the engine runs the
  start itself from the beginning: a step Python refuses (1/0, an overflow, a domain), a
  non-finite loss or point, a point outside the escape box (the run diverges).
"""

from __future__ import annotations

import itertools
from array import array
from dataclasses import dataclass

import numpy as np

from .core.autodiff import Program
from .core.rule_compiled import scalar_of, scalar_plan
from .core.rule_programs import SCALAR_OPS
from .core.scalar_code import ARITHMETIC, WORD, Writer
from .recorders import Paths

MAX_CONDITIONS = 3  # a rule choosing among more variants per step is left to the engine
MAX_STEPS, CONVERGED, STOPPED_EARLY = 0, 1, 2  # how the loop ended (``engine`` names them)


@dataclass(frozen=True)
class Ended:
    """How the one run ended: ``code`` (MAX_STEPS, CONVERGED or STOPPED_EARLY) after
    ``taken`` steps at ``end`` (D,), the step of its lowest loss, and every step if kept."""

    code: int
    taken: int
    best_step: int
    end: np.ndarray
    paths: Paths | None


def applies(surface, optimizer) -> bool:
    rule = getattr(optimizer, "rule", None)
    d = surface.derivatives
    return (rule is not None and optimizer.update is rule.update_function
            and not rule.per_run  # (values per run: the numpy loop's rows)
            and all(type(p) is Program for p in (d.value, d.gradient, d.value_and_grad))
            and len(rule.update.conditions) <= MAX_CONDITIONS
            and len(rule.report.conditions) <= MAX_CONDITIONS)


def attempt(surface, optimizer, start, steps: int, *, box, tol, patience,
            paths: bool) -> Ended | None:
    """The run from ``start`` (D,), or None where the engine must run it (see above)."""
    if not applies(surface, optimizer):
        return None
    rule, d = optimizer.rule, surface.derivatives
    key = (id(d), paths, bool(tol), bool(patience))
    made = rule.single_runs.get(key)
    if made is None or made[0] is not d:
        try:
            made = rule.single_runs[key] = (d, _Maker(surface, optimizer, paths, bool(tol),
                                                      bool(patience)).make())
        except KeyError:  # an operation with no float form: the engine's own loop
            return None
    loop, layout = made[1]
    loss0 = float(surface.loss(start[None])[0])
    state = optimizer.init(start[:, None])  # (its fields are named after the rule's state)
    carried = [float(v) for v in start]  # in ``_Maker.carried``'s order
    carried += [float(v) for name in rule.arrays for v in getattr(state, name)[:, 0]]
    carried += [float(getattr(state, name)) for name in rule.scalars]
    kept = array("d")  # every step's numbers, 8 bytes each
    try:
        with np.errstate(all="ignore"):
            ended = loop(carried, steps, kept.extend, loss0, float(tol or 0.0) ** 2,
                         int(patience or 0),
                         [float(b) for pair in zip(*box, strict=True) for b in pair])
    except (ArithmeticError, ValueError):
        return None
    if ended is None:
        return None
    code, taken, best_step, end = ended
    return Ended(code, taken, best_step, np.array(end[:layout.dims]),
                 layout.paths(start, loss0, np.frombuffer(kept), optimizer) if paths else None)


@dataclass(frozen=True)
class _Layout:
    """Where each recorded number sits in a step's tuple."""

    dims: int
    rate: str  # "constant" (the lr of every step), "report" or "rates" (a schedule's)
    shown: tuple

    def paths(self, start, loss0, kept, optimizer) -> Paths:
        dims = self.dims
        base = 2 * dims + 1 + (0 if self.rate == "constant" else dims)  # the first quantity's
        table = kept.reshape(-1, base + dims * len(self.shown))
        t = len(table)

        def per_step(first, columns):  # (T+1, 1, columns), row 0 the start's
            out = np.full((t + 1, 1, columns), np.nan)
            out[1:, 0] = table[:, first:first + columns]
            return out

        points = per_step(0, dims)
        points[0, 0] = start
        losses = per_step(dims, 1)[:, :, 0]
        losses[0, 0] = loss0
        rate = np.full((t + 1, 1, dims), np.nan)
        rate[1:] = optimizer.hyperparams.get("lr", np.nan) if self.rate == "constant" \
            else per_step(2 * dims + 1, dims)[1:]
        return Paths(points=points, losses=losses, monitor=None,
                     gradients=per_step(dims + 1, dims), effective_lr=rate,
                     quantities={name: per_step(base + i * dims, dims)
                                 for i, name in enumerate(self.shown)})


class _Maker:
    """Writes the loop's source for one surface and one compiled rule."""

    def __init__(self, surface, optimizer, paths: bool, tol: bool, patience: bool):
        self.rule, self.d = optimizer.rule, surface.derivatives
        self.dims = self.d.dims
        self.paths, self.tol, self.patience = paths, tol, patience
        self.w = Writer()
        self.helpers: dict = {}
        # Names that stand for another variable (a gradient for its program's output, a
        # number computed twice for its first computation): no copy is made in the loop.
        self.alias: dict[str, str] = {}
        # A step's numbers (functions of t and the scalar state) by expression, where they
        # are computed every step whatever happens: the update's and the report's, shared.
        self.numbers: dict[str, str] = {}
        self.assigned: list[str] = []
        program = self.rule.program
        self.slot = {n: i for i, n in enumerate(program.names)}
        self.scalar_inputs = [n for n in ("t", "lr", *self.rule.scalars)
                              if n in self.slot and (n != "lr" or self.rule.rates is not None)]
        if optimizer.effective_lr is None:
            self.rate = "constant"
        else:
            self.rate = "report" if program.has_rate else "rates"

    def scalar(self, name: str) -> str:
        return f"i{self.slot[name]}"

    def array(self, name: str, d: int) -> str:
        return self.slot_array(self.slot[name], d)

    def slot_array(self, slot: int, d: int) -> str:
        name = f"a{slot}_{d}"
        return self.alias.get(name, name)

    def make(self):
        lines = self.source()
        source = "def loop(carried, steps, append, best, tol2, patience, box):\n" + \
            "\n".join("    " + line for line in lines) + "\n"
        # The source is made of the generator's own names and slot numbers; the constants
        # and functions it reads are bound from ``K`` (see core/scalar_code.py).
        namespace: dict = {"K": {**self.w.namespace(), **self.helpers}}
        exec(compile(source, "<adamviz single run>", "exec"), namespace)  # noqa: S102
        return namespace["loop"], _Layout(self.dims, self.rate, tuple(self.rule.shown))

    def source(self) -> list[str]:
        dims = self.dims
        step = self.step_lines()  # first: it names the constants and helpers bound below
        head = self.w.bindings() + [f"{n} = K[{n!r}]" for n in self.helpers]
        head += [", ".join(f"lo{d}, hi{d}" for d in range(dims)) + ", = box",
                 f"{', '.join(self.carried())}, = carried", "best_step = k = 0"]
        body = ["for k in range(1, steps + 1):"] + ["    " + line for line in step]
        return head + body + [self.ending(MAX_STEPS)]

    def carried(self) -> list[str]:
        """The variables a step hands to the next: the point, array state, number state."""
        rule = self.rule
        return [self.array(n, d) for n in ("p", *rule.arrays) for d in range(self.dims)] + \
            [self.scalar(n) for n in rule.scalars]

    def ending(self, code: int) -> str:
        """How the loop ends: its code, the steps taken, the best step and the point."""
        point = ", ".join(self.array("p", d) for d in range(self.dims))
        return f"return {code}, k, best_step, ({point},)"

    def step_lines(self) -> list[str]:
        dims, w = self.dims, self.w
        lines = [f"{self.scalar('t')} = float(k)"]
        if "lr" in self.scalar_inputs:
            self.helpers["rates"] = self.rule.rates
            lines.append(f"{self.scalar('lr')} = rates(k)")
        grad = self.d.value_and_grad if self.d.partial else self.d.gradient
        code, outs = w.program(grad, [self.array("p", d) for d in range(dims)])
        lines += code
        if self.d.partial:
            lines.append(f"if not -inf < {outs[0]} < inf: return None")
            self.helpers["inf"] = float("inf")
            outs = outs[1:]
        for d in range(dims):
            self.alias[f"a{self.slot['g']}_{d}"] = outs[d]
        if self.tol:
            lines.append("g2 = " + " + ".join(f"{o} * {o}" for o in outs))
        names = ("p", *self.rule.program.state)
        code, new = self.compiled_lines(self.rule.update, "u",
                                        [n not in self.rule.scalars for n in names])
        lines += code
        inside = " and ".join(f"lo{d} <= {new[0][d]} <= hi{d}" for d in range(dims))
        lines.append(f"if not ({inside}): return None")
        if self.tol:
            lines.append("s2 = " + " + ".join(f"({new[0][d]} - {self.array('p', d)}) * "
                                               f"({new[0][d]} - {self.array('p', d)})"
                                               for d in range(dims)))
        lines += self.assign_state(new)
        lines += self.watch_lines()
        for target in self.assigned:  # the loop's own variables again, after the step
            self.alias.pop(target, None)
        return lines

    def assign_state(self, new) -> list[str]:
        """The new point and state into the loop's variables: one assignment each, or one
        tuple assignment where a value read is a variable assigned before it."""
        names = ("p", *self.rule.program.state)
        pairs = []
        for name, out in zip(names, new, strict=True):
            if name in self.rule.scalars:
                pairs.append((self.scalar(name), out))
            else:
                pairs += [(self.array(name, d), out[d]) for d in range(self.dims)]
        pairs = [(target, value) for target, value in pairs if target != value]
        targets = {target for target, _ in pairs}
        for key in [k for k in self.numbers if targets & set(WORD.findall(k))]:
            del self.numbers[key]  # (computed from a number of the old state)
        self.w.forget(targets)
        if any(value in targets for _, value in pairs):
            return [f"{', '.join(t for t, _ in pairs)}, = {', '.join(v for _, v in pairs)},"]
        # Until the step ends, the rest reads the values where they were made (the same
        # numbers): what the report computes as the update did is then found computed.
        self.alias.update((t, v) for t, v in pairs if WORD.fullmatch(v))
        self.assigned = [t for t, _ in pairs]
        return [f"{target} = {value}" for target, value in pairs]

    def watch_lines(self) -> list[str]:
        dims, lines = self.dims, []
        if self.paths or self.patience:
            code, outs = self.w.program(self.d.value, [self.array("p", d) for d in range(dims)])
            lines += code + [f"loss = {outs[0]}"]  # (a name the stopping rules read)
        if self.paths:
            row = [self.array("p", d) for d in range(dims)] + ["loss"] + \
                [self.array("g", d) for d in range(dims)]
            reported = []
            if self.rate == "report" or self.rule.shown:
                report = self.rule.report
                code, reported = self.compiled_lines(report, "r",
                                                     [True] * len(report.outputs))
                lines += code
            if self.rate == "rates":
                row += [self.scalar("lr")] * dims
            for out in reported:
                row += list(out)
            lines.append(f"append(({', '.join(row)},))")  # (an array's extend)
        if self.tol:
            lines.append(f"if s2 < tol2 and g2 < tol2: {self.ending(CONVERGED)}")
        if self.patience:
            lines += ["if loss < best: best, best_step = loss, k",
                      f"if k - best_step >= patience: {self.ending(STOPPED_EARLY)}"]
        return lines

    def compiled_lines(self, c, prefix: str, arrays: list[bool]):
        """Statements computing a compiled rule program's outputs (``c``: ``Compiled``) into
        ``{prefix}o{position}[_{coordinate}]``: the step's variant chosen by its conditions
        on t, its numbers, then its array program per coordinate. Also the output names, a
        list per coordinate for an array output (``arrays``)."""
        if not c.conditions:  # one variant: its outputs are read where they are made
            return self.variant_lines(c, c.variant(()), prefix, arrays)
        outs = [[f"{prefix}o{pos}_{d}" for d in range(self.dims)] if is_array
                else f"{prefix}o{pos}" for pos, is_array in enumerate(arrays)]
        plan = scalar_plan(c.kept, c.conditions, c.inputs)
        lines = ["try:"] + ["    " + line for line in self.number_lines(c, plan, prefix)]
        conditions = list(c.conditions)
        chosen = ", ".join(f"bool({self.ref(c, x, prefix)})" for x in conditions)
        lazy = self.helper(lambda known: tuple(bool(scalar_of(c.kept, x, known))
                                               for x in conditions))
        lines += [f"    key = ({chosen},)", "except (ArithmeticError, ValueError):",
                  f"    key = {lazy}({self.known(c)})"]
        for j, key in enumerate(itertools.product((True, False), repeat=len(conditions))):
            variant = c.variant(key)
            lines.append(("if" if j == 0 else "elif") + f" key == {key!r}:")
            saved = dict(self.w.memo)  # what a branch computes is not there in another
            code, made = self.variant_lines(c, variant, prefix, arrays, shared=False)
            self.w.memo = saved
            lines += ["    " + line for line in code]
            lines += ["    " + line for line in _copies(outs, made)]
        return lines, outs

    def ref(self, c, ref, prefix: str) -> str:
        if not isinstance(ref, int):
            return self.w.constant(ref)
        name = f"i{ref}" if ref < c.inputs else f"{prefix}{ref}"
        return self.alias.get(name, name)

    def known(self, c) -> str:
        """The step's numbers by slot, as ``scalar_of`` reads them: a dict display."""
        return "{" + ", ".join(f"{self.slot[n]}: {self.scalar(n)}"
                               for n in self.scalar_inputs) + "}"

    def helper(self, fn) -> str:
        name = f"h{len(self.helpers)}"
        self.helpers[name] = fn
        return name

    def number_lines(self, c, plan, prefix: str, shared: bool = False) -> list[str]:
        """The step's numbers ``plan`` needs; ``shared``: computed every step, so a later
        program's same number is read from here."""
        lines = []
        for slot, _, args in plan:
            op, _, params = c.kept[slot]
            refs = [self.ref(c, a, prefix) for a in [*args, *params]]
            if op == "where":  # both sides computed already (as ``Compiled`` does first)
                expr = f"({refs[1]} if {refs[0]} else {refs[2]})"
            elif op in ARITHMETIC:
                expr = "(" + ARITHMETIC[op].format(*refs) + ")"
            elif op in ("spow", "pow", "powt", "powc"):  # Python's power, refused if complex
                expr = f"({refs[0]} ** {refs[1]})" if _nonnegative(args[0]) else \
                    f"({refs[0]} ** {refs[1]} if {refs[0]} >= 0 else " \
                    f"{self.helpers_for(op)}({refs[0]}, {refs[1]}))"
            else:
                expr = f"{self.helpers_for(op)}({', '.join(refs)})"
            name = f"{prefix}{slot}"
            if expr in self.numbers:
                self.alias[name] = self.numbers[expr]
                continue
            if shared:
                self.numbers[expr] = name
            lines.append(f"{name} = {expr}")
        return lines

    def helpers_for(self, op: str) -> str:
        name = f"S_{op}"
        self.helpers[name] = SCALAR_OPS[op]
        return name

    def variant_lines(self, c, variant, prefix: str, arrays: list[bool],
                      shared: bool = True):
        """One variant's statements, and the names its outputs are read from (a list per
        coordinate for an array output)."""
        lines = []
        needed = [slot for slot, _, _ in variant.plan]
        if needed:
            code = self.number_lines(c, variant.plan, prefix, shared)
            lazy = self.helper(lambda known: tuple(scalar_of(c.kept, s, known) for s in needed))
            targets = ", ".join(self.ref(c, s, prefix) for s in needed)
            if code:
                lines += ["try:"] + ["    " + line for line in code]
                lines += ["except (ArithmeticError, ValueError):",
                          f"    {targets}, = {lazy}({self.known(c)})"]
        scalars = [self.ref(c, r, prefix) for r, _ in variant.scalars]
        outs: list = [[None] * self.dims if is_array else None for is_array in arrays]
        for d in range(self.dims):
            inputs = [self.slot_array(c.slot[n], d) for n in variant.array_names] + scalars
            code, made = self.w.program(variant.program, inputs)
            lines += code
            for j, pos in enumerate(variant.computed):
                outs[pos][d] = made[j]
        for pos, how, ref in variant.others:
            if how == "number":
                value = self.ref(c, ref, prefix)
                outs[pos] = [value] * self.dims if arrays[pos] else value
            else:
                outs[pos] = [self.slot_array(c.slot[ref], d) for d in range(self.dims)]
        return lines, outs


def _copies(targets, values) -> list[str]:
    lines = []
    for target, value in zip(targets, values, strict=True):
        if isinstance(target, list):
            lines += [f"{t} = {v}" for t, v in zip(target, value, strict=True)]
        else:
            lines.append(f"{target} = {value}")
    return lines


def _nonnegative(ref) -> bool:
    """Whether a power's base is a constant >= 0 (beta ** t): Python's power is a float."""
    return not isinstance(ref, int) and ref >= 0
