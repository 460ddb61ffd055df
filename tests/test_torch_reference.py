"""Every optimizer, step by step, against torch (float64): torch evaluated each surface's formula
itself, took gradients with autograd and stepped with torch.optim (scripts/make_torch_reference.py).
So these trajectories check adamviz's derivatives and update rules together. torch is not needed.
"""

import json

import numpy as np
import pytest

from adamviz import engine, optimizers
from adamviz.studies.runs import load_surface
from conftest import REPO

DATA = json.loads((REPO / "tests" / "data" / "torch_reference.json").read_text())
CASES = DATA["cases"]
# Formulas of + - * / and integer powers: the same IEEE operations in the same order as torch,
# so value, gradient and Hessian agree bit for bit. Transcendental functions differ by an ulp
# (torch uses SLEEF, numpy its own).
EXACT = {"hump", "rosenbrock", "beale", "himmelblau", "valley", "saddle"}
# torch's CPU kernels fuse a multiply and an add where numpy rounds twice (grad + wd*param,
# lerp): an ulp per step. Adamax with lr 0.2 bounces across Rosenbrock's valley, where that ulp
# grows to 6e-9 over 60 steps; everywhere else it stays under 3e-12.
LOOSER = {("adamax", "rosenbrock"): 1e-8}


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


def test_reference_covers_every_optimizer_and_hyperparameter():
    for name in optimizers.OPTIMIZERS:
        surfaces = {c["surface"] for c in CASES if c["optimizer"] == name}
        assert len(surfaces) >= 6, (name, surfaces)
        varied = {k for c in CASES if c["optimizer"] == name
                  for k, v in c["hyperparams"].items() if v != optimizers.defaults(name)[k]}
        torch_only = {"bias_correction", "eps_inside_sqrt"}  # not in torch: hand-checked
        assert set(optimizers.defaults(name)) - torch_only - {"lr"} <= varied, name


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_trajectory_matches_torch(case):
    # relative error under 1e-10 at every step (atol for coordinates passing through 0); what
    # is left comes from torch's fused multiply-adds inside its optimizer kernels (lerp, add
    # with alpha), not from the derivatives
    rtol = LOOSER.get((case["optimizer"], case["surface"]), 1e-10)
    np.testing.assert_allclose(trajectory(case), np.array(case["points"]), rtol=rtol,
                               atol=1e-12)


@pytest.mark.parametrize("case", DATA["long"], ids=[case_id(c) for c in DATA["long"]])
def test_long_runs_stay_on_torchs_path(case):
    """RMSProp on Rosenbrock for 2,000 steps amplifies any difference in the gradient; with
    derivatives that follow torch's operation order it stays on torch's path."""
    np.testing.assert_allclose(trajectory(case), np.array(case["points"]), rtol=1e-9, atol=0)


@pytest.mark.parametrize("entry", DATA["derivatives"],
                         ids=[d["surface"] for d in DATA["derivatives"]])
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
