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


RULE_FUNCTIONS = {
    "exp": "Math.exp", "log": "Math.log", "sqrt": "Math.sqrt", "abs": "Math.abs",
    "sin": "Math.sin", "cos": "Math.cos", "tan": "Math.tan", "sinh": "Math.sinh",
    "cosh": "Math.cosh", "tanh": "Math.tanh", "arcsin": "Math.asin", "arccos": "Math.acos",
    "arctan": "Math.atan", "arctan2": "Math.atan2", "arcsinh": "Math.asinh",
    "arccosh": "Math.acosh", "arctanh": "Math.atanh", "sign": "Math.sign", "max": "Math.max",
    "min": "Math.min", "lerp": "lerp",
}


OPERATORS = {"Add": "+", "Sub": "-", "Mult": "*", "Div": "/"}


def _rule_expression(node, constants) -> str:
    """A rule's formula tree as JavaScript; its names are prefixed ``v_`` (a rule may name a
    temporary ``new`` or ``this``, which JavaScript reserves)."""
    import ast

    from ..core.expressions import ALIASES, CONSTANTS

    if id(node) in constants:
        return f"({literal(constants[id(node)])})"
    if isinstance(node, ast.Name):
        return literal(CONSTANTS[node.id]) if node.id in CONSTANTS else f"v_{node.id}"
    if isinstance(node, ast.UnaryOp):
        inner = _rule_expression(node.operand, constants)
        return f"(-{inner})" if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp):
        a, b = (_rule_expression(n, constants) for n in (node.left, node.right))
        if isinstance(node.op, ast.Pow):
            return f"Math.pow({a},{b})"
        return f"({a}{OPERATORS[type(node.op).__name__]}{b})"
    name = ALIASES.get(node.func.id, node.func.id)
    args = ",".join(_rule_expression(a, constants) for a in node.args)
    return f"{RULE_FUNCTIONS[name]}({args})"


def rule_javascript(definition) -> str:
    """An optimizer file (``optimizers.files.OptimizerFile``) as a player optimizer: its rule
    per coordinate, in order, with the landing of ``step_to`` (params + step is the rule's p).
    The player's own entries of the state start with ``_``, which no name in a file may."""
    state = list(definition.state)
    hyper = ", ".join(f"{n}: v_{n}" for n in definition.defaults)
    first = "".join(f", {n}: p.map(() => {literal(v)})" for n, v in definition.state.items())
    names = ["v_p = p0[i]", *(f"v_{n} = s.{n}[i]" for n in state),
             *(f"v_{n}" for n in definition.rule.temporaries)]
    body = "\n".join(f"        v_{name} = {_rule_expression(f.tree.body, f.constants)};"
                     for name, f in definition.rule.steps)
    keep = "".join(f"        s.{n}[i] = v_{n};\n" for n in state)
    quantities = ", ".join(f"{n}: s.{n}" for n in state)
    return f"""OPTIMIZERS[{definition.name!r}] = function (h) {{
  const {{{hyper}}} = h;
  return {{
    init: (p) => ({{_t: 0, _dims: p.length{first}}}),
    update(g0, p0, s) {{
      const v_t = s._t + 1, step = [];
      for (let i = 0; i < p0.length; i++) {{
        const v_g = g0[i];
        let {", ".join(names)};
{body}
{keep}        let d = v_p - p0[i];
        for (let k = 0; k < 4 && p0[i] + d !== v_p && Number.isFinite(v_p); k++) {{
          d += v_p - (p0[i] + d);
        }}
        step.push(d);
      }}
      s._t = v_t;
      return step;
    }},
    quantities: (s) => ({{{quantities}}}),
    rate: (s) => ("lr" in h ? Array(s._dims).fill(h.lr) : null),
  }};
}};"""
