"""Derivatives by automatic differentiation: every grammar function's value, gradient and
Hessian against extended-precision arithmetic (mpmath), torch's operation order, shared
subexpressions, and what the old symbolic route got wrong."""

import ast
import math
import subprocess
import sys
import tomllib
import warnings

import mpmath
import numpy as np
import pytest

from adamviz.core.autodiff import derive
from adamviz.core.expressions import ALIASES, FUNCTIONS, parse
from adamviz.core.programs import Evaluator
from adamviz.studies.runs import load_surface
from adamviz.surfaces import available

mpmath.mp.dps = 40
MP = {"exp": mpmath.exp, "log": mpmath.log, "sqrt": mpmath.sqrt, "abs": abs,
      "sign": mpmath.sign, "sin": mpmath.sin, "cos": mpmath.cos, "tan": mpmath.tan,
      "sinh": mpmath.sinh, "cosh": mpmath.cosh, "tanh": mpmath.tanh, "arcsin": mpmath.asin,
      "arccos": mpmath.acos, "arctan": mpmath.atan, "arctan2": mpmath.atan2,
      "arcsinh": mpmath.asinh, "arccosh": mpmath.acosh, "arctanh": mpmath.atanh,
      "log1p": mpmath.log1p, "sigmoid": lambda x: 1 / (1 + mpmath.exp(-x)),
      "softplus": lambda x: mpmath.log1p(mpmath.exp(x))}
OPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
       ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: a**b}
# Each function on a domain where it and its derivatives are defined and well conditioned.
DOMAINS = {"exp": (-5, 5), "log": (0.1, 10), "sqrt": (0.1, 10), "abs": (0.2, 3),
           "sign": (0.2, 3), "sin": (-4, 4), "cos": (-4, 4), "tan": (-1.2, 1.2),
           "sinh": (-4, 4), "cosh": (-4, 4), "tanh": (-3, 3), "arcsin": (-0.9, 0.9),
           "arccos": (-0.9, 0.9), "arctan": (-5, 5), "arcsinh": (-5, 5),
           "arccosh": (1.2, 6), "arctanh": (-0.9, 0.9), "log1p": (-0.9, 10),
           # torch's derivatives of these lose digits as sigmoid(x) nears 1 (1 - y, z / (z + 1))
           "sigmoid": (-8, 3), "softplus": (-8, 3)}
# sigmoid'' is the chain rule of torch's backward (g*(1 - y))*y: the difference of two terms of
# about g/4, which near x = 0, where it crosses 0, keeps their absolute error (torch's double
# backward writes 1 - 2y there instead)
ATOL = {"sigmoid": 1e-16}


def mp_formula(node, env):
    """The formula in extended precision (mpmath), straight from the checked tree."""
    if isinstance(node, ast.Constant):
        return mpmath.mpf(node.value)
    if isinstance(node, ast.Name):
        return env[node.id] if node.id in env else {"pi": mpmath.pi, "e": mpmath.e}[node.id]
    if isinstance(node, ast.UnaryOp):
        value = mp_formula(node.operand, env)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp):
        return OPS[type(node.op)](mp_formula(node.left, env), mp_formula(node.right, env))
    name = ALIASES.get(node.func.id, node.func.id)
    return MP[name](*[mp_formula(a, env) for a in node.args])


def exact(text, points):
    """Value, gradient and Hessian at ``points`` in 40 digits, as float64."""
    tree = parse(text).tree.body

    def f(x, y):
        return mp_formula(tree, {"x": x, "y": y})

    out = []
    for x, y in points:
        x, y = mpmath.mpf(x), mpmath.mpf(y)
        d = {order: mpmath.diff(f, (x, y), order) for order in
             [(0, 0), (1, 0), (0, 1), (2, 0), (1, 1), (0, 2)]}
        out.append([float(d[k]) for k in [(0, 0), (1, 0), (0, 1), (2, 0), (1, 1), (1, 1),
                                          (0, 2)]])
    return np.array(out)


def ours(text, points):
    der = derive(parse(text), 2)
    vg = Evaluator(der.value_and_grad)(points)
    hess = Evaluator(der.hessian)(points)
    return np.column_stack([vg.T, hess.T])


@pytest.mark.parametrize("name", sorted(set(FUNCTIONS) - {"arctan2"}))
def test_every_function_value_gradient_and_hessian(name):
    lo, hi = DOMAINS[name]
    rng = np.random.default_rng(0)
    points = np.column_stack([rng.uniform(lo, hi, 40), rng.uniform(0.5, 2, 40)])
    text = f"{name}(x) * y"  # the function, its first and its second derivative, times y
    np.testing.assert_allclose(ours(text, points), exact(text, points), rtol=4e-15,
                               atol=ATOL.get(name, 1e-30))


def test_softplus_sigmoid_and_log1p_far_out_are_torchs():
    """softplus past torch's threshold 20 is x itself (log1p(exp(x)) overflows past 709) with
    gradient 1; sigmoid and softplus of -800 are 0 with gradient 0, not NaN; log1p keeps a tiny
    x. Columns: value, d/dx, d/dy, then the Hessian, of f(x) * y at y = 1."""
    points = np.array([[25.0, 1.0], [-800.0, 1.0], [800.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        softplus, sigmoid = ours("softplus(x) * y", points), ours("sigmoid(x) * y", points)
        tiny = ours("log1p(x) * y", np.array([[1e-20, 1.0]]))
        folded = {text: parse(f"{text} * x") for text in
                  ("softplus(25)", "softplus(-800)", "sigmoid(-800)", "log1p(1e-20)")}
    np.testing.assert_array_equal(softplus, [[25, 1, 25, 0, 1, 1, 0], [0, 0, 0, 0, 0, 0, 0],
                                             [800, 1, 800, 0, 1, 1, 0]])
    np.testing.assert_array_equal(sigmoid, [[sigmoid[0, 0], sigmoid[0, 1], sigmoid[0, 0],
                                             sigmoid[0, 3], sigmoid[0, 1], sigmoid[0, 1], 0],
                                            [0, 0, 0, 0, 0, 0, 0], [1, 0, 1, 0, 0, 0, 0]])
    np.testing.assert_array_equal(tiny, [[1e-20, 1, 1e-20, -1, 1, 1, 0]])
    assert [f.constants[id(f.tree.body.left)] for f in folded.values()] == [25, 0, 0, 1e-20]


def test_arctan2_and_tensor_powers():
    rng = np.random.default_rng(1)
    points = np.column_stack([rng.uniform(0.3, 3, 40), rng.uniform(0.3, 3, 40)])
    for text in ("arctan2(y, x)", "x**y", "2**x + x**0.5 * y**-1.5 + 3/x", "e**(x*y)"):
        np.testing.assert_allclose(ours(text, points), exact(text, points), rtol=4e-15,
                                   atol=1e-15, err_msg=text)


FORMULAS = sorted(n for n, path in available().items()
                  if "data" not in tomllib.loads(path.read_text()))  # data: test_data_surfaces


@pytest.mark.parametrize("name", FORMULAS)
def test_builtin_surfaces_as_accurate_as_their_formula(name):
    """Gradients (and Hessians) within a few ulp of the exact ones, measured against each
    derivative's size over the box: no expansion that loses digits (the old route turned
    Rosenbrock's 200*(y - x**2) into -200*x**2 + 200*y). (A loss over data is held against
    torch autograd on the same rows, in test_data_surfaces.py.)"""
    surface = load_surface(name)
    if surface.dims == 1:
        return
    rng = np.random.default_rng(2)
    box = np.array(surface.box)
    points = rng.uniform(box[:, 0], box[:, 1], (25, 2))
    got, want = ours(surface.expr, points), exact(surface.expr, points)
    scale = np.abs(want).max(axis=0) + 1
    assert (np.abs(got - want) <= 16 * np.finfo(float).eps * scale).all()


def test_shared_subexpressions_are_computed_once():
    program = derive(parse("(x**2 + y)**2 + sin(x**2 + y)"), 2).value_and_grad
    squares = [op for op in program.ops if op[0] == "powc" and op[1] == (0, 2.0)]
    inner = [op for op in program.ops if op[0] == "add" and 0 not in op[1][:1]]
    assert len(squares) == 1
    assert len(program.ops) < 20 and inner


def test_what_the_symbolic_route_refused_now_works():
    pts = np.array([[1.5, 2.0], [-0.5, 3.0]])
    # sign(x)*y: d/dx sign is 0 (as torch), d/dy is sign(x)
    np.testing.assert_array_equal(ours("sign(x)*y", pts)[:, 1:3], [[0.0, 1.0], [-0.0, -1.0]])
    # a tiny but valid scale
    got = ours("1e-300*(x**2 + y**2)", pts)
    np.testing.assert_allclose(got[:, 1], 2e-300 * pts[:, 0], rtol=1e-15)


def test_constants_broadcast_and_literals_keep_their_float():
    np.testing.assert_array_equal(ours("3*x + 2", np.zeros((5, 2)))[:, :3],
                                  np.tile([2.0, 3.0, 0.0], (5, 1)))
    got = ours("0.1*x + 0.3", np.array([[1.0, 0.0]]))
    assert got[0, 0] == 0.1 * 1.0 + 0.3 and got[0, 1] == 0.1


def test_deriving_is_fast_and_needs_no_sympy():
    code = ("import sys, time; import adamviz; t = time.perf_counter(); "
            "s = adamviz.load_surface('beale'); s.gradient([[1.0, 2.0]]); s.hessian([[1.0, 2.0]]);"
            "print(time.perf_counter() - t, 'sympy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds, sympy_loaded = out.stdout.split()
    assert sympy_loaded == "False"
    assert math.isfinite(float(seconds))
