"""Every optimizer, step by step, against torch (float64): torch evaluated each surface's formula
itself, took gradients with autograd and stepped with the torch class its file names
(scripts/make_torch_reference.py writes tests/data/torch/NAME.json, one file per optimizer). So
these trajectories check adamviz's derivatives and update rules together. torch is not needed.
"""

import numpy as np
import pytest
from reference import CASES, DERIVATIVES, FILES, FUNCTIONS, LONG

from adamviz import engine, optimizers
from adamviz.core import grammar
from adamviz.core.autodiff import derive
from adamviz.core.expressions import parse
from adamviz.core.programs import Evaluator
from adamviz.optimizers import registry
from adamviz.studies.runs import load_surface

# Formulas of + - * / and integer powers: the same IEEE operations in the same order as torch,
# so value, gradient and Hessian agree bit for bit. Transcendental functions differ by an ulp
# (torch uses SLEEF, numpy its own).
EXACT = {"hump", "rosenbrock", "beale", "himmelblau", "valley", "saddle"}
# torch's CPU kernels fuse a multiply and an add where numpy rounds twice (grad + wd*param,
# lerp), and its float64 sqrt is not always correctly rounded (1.3 % of values on the
# reference machine): an ulp per step. Adamax with lr 0.2 bounces across Rosenbrock's valley,
# where that ulp grows to 6e-9 over 60 steps; everywhere else it stays under 3e-12.
LOOSER = {("adamax", "rosenbrock"): 1e-8}
# A long chaotic run amplifies those ulps, and torch's own: on the reference machine 2,000
# RMSProp steps on Rosenbrock stay within 1e-11 of torch, but torch 2.13 on another machine
# moved that path by 7.4e-5. Held to torch at this tolerance, and to adamviz's own committed
# path exactly (a change in adamviz's arithmetic shows there).
LONG_TOLERANCE = 1e-4


def case_id(case):
    changed = {k: v for k, v in case["hyperparams"].items()
               if v != optimizers.defaults(case["optimizer"])[k] and k != "lr"}
    extra = ",".join(f"{k}={v}" for k, v in changed.items())
    return f"{case['optimizer']}-{case['surface']}" + (f"-{extra}" if extra else "")


def trajectory(case):
    surface = load_surface(case["surface"])
    opt = optimizers.make(case["optimizer"], **case["hyperparams"])
    out = engine.run(surface, opt, np.array(case["starts"]), case["steps"])
    assert out.status == ("max steps",) * len(case["starts"])
    return out.paths.points


@pytest.mark.parametrize("name", [n for n in optimizers.OPTIMIZERS
                                  if registry.definition(n).torch])
def test_reference_covers_every_optimizer_and_hyperparameter(name):
    assert name in FILES, f"no reference: python scripts/make_torch_reference.py --only {name}"
    data = FILES[name]
    assert data["torch"].startswith("2.13") and data["dtype"] == "float64"
    cases = data["cases"]
    assert len({c["surface"] for c in cases}) >= 6, name
    declared = registry.definition(name).hyperparameters
    varied = {k for c in cases for k, v in c["hyperparams"].items()
              if v != optimizers.defaults(name)[k]}
    torch_has = {k for k, h in declared.items() if h.torch} & set(optimizers.defaults(name))
    assert torch_has - {"lr"} <= varied, name


def test_every_reference_file_is_an_optimizer_with_a_torch_class():
    for name in FILES:
        assert name == "derivatives" or registry.definition(name).torch, name


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_trajectory_matches_torch(case):
    # relative error under 1e-10 at every step (atol for coordinates passing through 0); what
    # is left comes from torch's fused multiply-adds and its sqrt, not from the derivatives
    rtol = LOOSER.get((case["optimizer"], case["surface"]), 1e-10)
    np.testing.assert_allclose(trajectory(case), np.array(case["points"]), rtol=rtol,
                               atol=1e-12)


@pytest.mark.parametrize("case", LONG, ids=[case_id(c) for c in LONG])
def test_long_runs_stay_on_our_own_path_and_near_torchs(case):
    ours = trajectory(case)
    np.testing.assert_array_equal(ours, np.array(case["ours"]))
    np.testing.assert_allclose(ours, np.array(case["points"]), rtol=LONG_TOLERANCE, atol=0)


@pytest.mark.parametrize("entry", DERIVATIVES, ids=[d["surface"] for d in DERIVATIVES])
def test_derivatives_match_torch_autograd(entry):
    surface = load_surface(entry["surface"])
    points = np.array(entry["points"])
    grad, hess = surface.gradient(points), surface.hessian(points)
    if entry["surface"] in EXACT:
        np.testing.assert_array_equal(grad, np.array(entry["gradient"]))
        np.testing.assert_array_equal(hess, np.array(entry["hessian"]))
    else:
        np.testing.assert_allclose(grad, np.array(entry["gradient"]), rtol=1e-14, atol=1e-14)
        np.testing.assert_allclose(hess, np.array(entry["hessian"]), rtol=1e-14, atol=1e-12)


# tanh's derivative 1 - y*y grows an ulp of torch's y (SLEEF's tanh, numpy's is glibc's) by
# 1/(1 - y*y): a hundredfold at x = 3
FUNCTION_LOOSER = {"tanh": 5e-14}


@pytest.mark.parametrize("name", [f.name for f in grammar.FUNCTIONS if f.op and not f.rule_only])
def test_every_function_matches_torch_autograd(name):
    """Each function of the surface grammar alone, f(x) * y, as torch computes it: value,
    gradient and Hessian, also at the far ends (softplus past its threshold, sigmoid at -800).
    Values are an ulp apart at most (torch's exp, tanh, ... are SLEEF's). The gradient is
    torch's backward formula, the Hessian its chain rule, where torch has its own double
    backward for a few (sigmoid, softplus): where that is a difference of larger terms
    (sigmoid'' near 0, softplus'' past x = 15) both keep the terms' rounding: a few ulps of
    y (up to 2) absolute."""
    entry = {e["function"]: e for e in FUNCTIONS}.get(name)
    assert entry, "no reference: python scripts/make_torch_reference.py --only derivatives"
    derivatives = derive(parse(entry["formula"]), 2)
    points = np.array(entry["points"])
    value_grad = Evaluator(derivatives.value_and_grad)(points).T
    hess = Evaluator(derivatives.hessian)(points).T.reshape(-1, 2, 2)
    rtol = FUNCTION_LOOSER.get(name, 4e-15)
    np.testing.assert_allclose(value_grad[:, 0], entry["value"], rtol=1e-15, atol=0)
    np.testing.assert_allclose(value_grad[:, 1:], entry["gradient"], rtol=rtol, atol=0)
    np.testing.assert_allclose(hess, entry["hessian"], rtol=rtol, atol=5e-16)
