"""A derivative program (``core.autodiff.Program``) as JavaScript: one straight-line function
``(x, y) => [outputs]`` with the same operations in the same order as ``core/programs.py`` runs
them on numpy arrays, so the player in the browser computes the loss and gradient the engine
does: + - * / and the special powers (x*x for 2, ...) to the last bit; other powers and the
libm functions are V8's, within an ulp of C's.
"""

from __future__ import annotations

import json
import math

from ..core import grammar
from ..core.autodiff import Program

UNARY = {"neg": "(-{0})", "recip": "(1/{0})", "rsqrt": "(1/Math.sqrt({0}))", "not": "({0}===0?1:0)",
         **{f.op: f.js for f in grammar.FUNCTIONS if f.op and f.arity == 1}}
BINARY = {
    "add": "({0}+{1})", "sub": "({0}-{1})", "mul": "({0}*{1})", "div": "({0}/{1})",
    "pow": "Math.pow({0},{1})", "spow": "Math.pow({0},{1})", "powt": "tpow({0},{1})",
    "eq": "({0}==={1}?1:0)",
    "ne": "({0}!=={1}?1:0)", "lt": "({0}<{1}?1:0)", "le": "({0}<={1}?1:0)",
    "gt": "({0}>{1}?1:0)", "ge": "({0}>={1}?1:0)", "and": "({0}!==0&&{1}!==0?1:0)",
    "or": "({0}!==0||{1}!==0?1:0)",
    **{f.op: f.js for f in grammar.FUNCTIONS if f.op and f.arity == 2},
}
# numpy's special cases of a constant power (programs._power), operation for operation
POWERS = {0.0: "1", 1.0: "{0}", 2.0: "({0}*{0})", 3.0: "(({0}*{0})*{0})", -1.0: "(1/{0})",
          -2.0: "(1/({0}*{0}))", 0.5: "Math.sqrt({0})", -0.5: "(1/Math.sqrt({0}))"}


def literal(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(float(value))


def javascript(program: Program, name: str = "f") -> str:
    """``function name(x, y) {...; return [outputs]}``."""
    def ref(arg) -> str:
        return f"r{arg}" if isinstance(arg, int) else literal(arg)

    inputs = [f"r{i}" for i in range(program.inputs)]
    lines = [f"function {name}({', '.join(inputs)}) {{"]
    for i, (op, args) in enumerate(program.ops):
        slot = program.inputs + i
        if op == "powc":
            base, p = args[0], float(args[1])  # the exponent is the op's parameter
            expr = POWERS.get(p, "Math.pow({0}," + literal(p) + ")").format(ref(base))
        elif op == "where":
            a, b, c = map(ref, args)
            expr = f"({a}!==0?{b}:{c})"
        elif op in BINARY:
            expr = BINARY[op].format(*map(ref, args))
        else:
            expr = UNARY[op].format(ref(args[0]))
        lines.append(f"  const r{slot} = {expr};")
    lines.append(f"  return [{', '.join(ref(o) for o in program.outputs)}];")
    lines.append("}")
    return "\n".join(lines)


# numpy's pairwise summation (add.reduce along a contiguous axis), step for step, so a sum over
# rows in the browser has the engine's bits: fewer than 8 terms in order from -0.0; up to 128 in
# eight interleaved sums joined as a tree; more, split in halves at a multiple of 8.
PAIRWISE = """function pairwise(a, lo, n) {
  if (n < 8) { let res = -0.0; for (let i = 0; i < n; i++) res += a[lo + i]; return res; }
  if (n <= 128) {
    const r = [a[lo], a[lo+1], a[lo+2], a[lo+3], a[lo+4], a[lo+5], a[lo+6], a[lo+7]];
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += a[lo + i + j];
    let res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) res += a[lo + i];
    return res;
  }
  let n2 = Math.floor(n / 2); n2 -= n2 % 8;
  return pairwise(a, lo, n2) + pairwise(a, lo + n2, n - n2);
}"""


def data_javascript(programs, columns, name: str = "valueAndGrad") -> str:
    """A loss over data (``core.data_programs.DataLoss`` and its rows ``columns``, (C, R)) as
    ``function name(p0, p1)``: each reduction's per-row program over every row, summed as numpy
    sums, then the outer program and the chain rule in ``RowsLoss.value_and_grad``'s order."""
    P = programs.P
    params = ", ".join(f"p{i}" for i in range(P))
    cells = ", ".join(f"DATA_COLUMNS[{c}][i]" for c in range(len(columns)))
    lines = [PAIRWISE, f"const DATA_COLUMNS = {json.dumps(columns.tolist())};",
             *(javascript(inner[0], f"inner{k}") for k, inner in enumerate(programs.inner)),
             javascript(programs.outer[0], "outer"), f"function {name}({params}) {{",
             f"  const n = {columns.shape[1]};"]
    for k, mean in enumerate(programs.means):
        lines += [f"  const v{k} = Array.from({{length: {1 + P}}}, () => new Float64Array(n));",
                  f"  for (let i = 0; i < n; i++) {{ const o = inner{k}({params}, {cells}); "
                  f"for (let j = 0; j <= {P}; j++) v{k}[j][i] = o[j]; }}",
                  f"  const red{k} = v{k}.map(a => pairwise(a, 0, n){' / n' if mean else ''});"]
    reduced = ", ".join(f"red{k}[0]" for k in range(programs.K))
    lines += [f"  const o = outer({params}, {reduced});", f"  const out = o.slice(0, {1 + P});"]
    for k in range(programs.K):
        lines.append(f"  for (let j = 0; j < {P}; j++) out[1 + j] += o[{1 + P + k}] * "
                     f"red{k}[1 + j];")
    return "\n".join([*lines, "  return out;", "}"])


def requirement(names, condition, then) -> Program:
    """A file's ``requires`` entry as a program of the hyperparameters (``names``, in order):
    outputs [condition, then], computed with Python's float arithmetic as
    ``optimizers.compiled.values`` checks them."""
    from ..core.rule_programs import CONSTANT, Recorder

    rec = Recorder(tuple(names), (CONSTANT,) * len(names), "formula")
    return rec.tape.program([rec.formula(condition), rec.formula(then)])


def rule_javascript(definition) -> str:
    """An optimizer file (``optimizers.files.OptimizerFile``) for the player: its recorded rule
    programs (``core/rule_programs.py``) written by ``javascript`` like a surface's, and the
    names that say what each input and output is. ``player/optimizers.js`` runs them per
    coordinate with the hyperparameters as inputs (the player's controls change them)."""
    program = definition.program
    spec = {"hyperparameters": list(program.hyperparameters), "state": list(program.state),
            "scalarState": list(program.scalar_state), "trace": list(program.trace),
            "hasRate": program.has_rate, "fixed": definition.fixed or {},
            "defaults": definition.defaults,
            "requires": [message for *_, message in definition.requires]}
    checks = [requirement(program.hyperparameters, condition, then)
              for condition, then, _ in definition.requires]
    functions = ",\n".join(javascript(p, "") for p in (program.update, program.first,
                                                         program.report, program.shown,
                                                         *checks))
    return f"OPTIMIZERS[{json.dumps(definition.name)}] = ruleOptimizer({json.dumps(spec)},\n" \
           f"{functions});"
