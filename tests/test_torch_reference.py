"""Every optimizer, step by step, against trajectories recorded from torch.optim (float64).

The reference file is made by scripts/make_torch_reference.py (torch fed adamviz's gradients, so
these trajectories test the update rules), and also holds torch autograd gradients, which test the
symbolic derivatives independently. torch is not needed here.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from adamviz import api, engine, optimizers

DATA = json.loads((Path(__file__).parent / "data" / "torch_reference.json").read_text())
CASES = DATA["cases"]


def case_id(case):
    changed = {k: v for k, v in case["hyperparams"].items()
               if v != optimizers.defaults(case["optimizer"])[k] and k != "lr"}
    extra = ",".join(f"{k}={v}" for k, v in changed.items())
    return f"{case['optimizer']}-{case['surface']}" + (f"-{extra}" if extra else "")


def test_reference_covers_every_optimizer_on_at_least_four_surfaces():
    for name in optimizers.OPTIMIZERS:
        surfaces = {c["surface"] for c in CASES if c["optimizer"] == name}
        assert len(surfaces) >= 4, (name, surfaces)


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_trajectory_matches_torch(case):
    surface = api.load_surface(case["surface"])
    opt = optimizers.make(case["optimizer"], **case["hyperparams"])
    traj = engine.optimize(surface, opt, np.array(case["starts"]), case["steps"], tol=None)
    expected = np.array(case["points"])
    assert traj.points.shape == expected.shape
    assert traj.status == [engine.MAX_STEPS] * len(case["starts"])
    # relative error under 1e-9 at every step (atol only for coordinates that pass through 0)
    np.testing.assert_allclose(traj.points, expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("entry", DATA["gradients"], ids=[g["surface"] for g in DATA["gradients"]])
def test_symbolic_gradient_matches_torch_autograd(entry):
    surface = api.load_surface(entry["surface"])
    points = np.array(entry["points"])
    np.testing.assert_allclose(surface.gradient(points), np.array(entry["autograd"]),
                               rtol=1e-9, atol=1e-9)
