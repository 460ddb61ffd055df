"""A derivative program (``core.autodiff.Program``) as JavaScript: one straight-line function
``(x, y) => [outputs]`` with the same operations in the same order as ``core/programs.py`` runs
them on numpy arrays, so the player in the browser computes the loss and gradient the engine
does: + - * / and the special powers (x*x for 2, ...) to the last bit; other powers and the
libm functions are V8's, within an ulp of C's.
"""

from __future__ import annotations

import math

from ..core.autodiff import Program

UNARY = {
    "neg": "(-{0})", "recip": "(1/{0})", "rsqrt": "(1/Math.sqrt({0}))", "exp": "Math.exp({0})",
    "log": "Math.log({0})", "sqrt": "Math.sqrt({0})", "sin": "Math.sin({0})",
    "cos": "Math.cos({0})", "tan": "Math.tan({0})", "sinh": "Math.sinh({0})",
    "cosh": "Math.cosh({0})", "tanh": "Math.tanh({0})", "asin": "Math.asin({0})",
    "acos": "Math.acos({0})", "atan": "Math.atan({0})", "asinh": "Math.asinh({0})",
    "acosh": "Math.acosh({0})", "atanh": "Math.atanh({0})", "abs": "Math.abs({0})",
    "sign": "Math.sign({0})",
}
BINARY = {
    "add": "({0}+{1})", "sub": "({0}-{1})", "mul": "({0}*{1})", "div": "({0}/{1})",
    "pow": "Math.pow({0},{1})", "atan2": "Math.atan2({0},{1})", "eq": "({0}==={1}?1:0)",
    "ge": "({0}>={1}?1:0)", "max": "Math.max({0},{1})", "min": "Math.min({0},{1})",
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
