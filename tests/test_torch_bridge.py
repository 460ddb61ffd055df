"""Any torch optimizer through --opt torch:<class>, and optimizers that packages register."""

import json
import sys

import numpy as np
import pytest
from click.testing import CliRunner

import adamviz
from adamviz import engine, optimizers
from adamviz.cli import cli
from adamviz.core.errors import InputError
from adamviz.optimizers import registry
from adamviz.studies.runs import load_surface
from conftest import REPO

CASES = json.loads((REPO / "tests" / "data" / "torch_reference.json").read_text())["cases"]
CLASSES = {"sgd": "SGD", "momentum": "SGD", "nesterov": "SGD", "adagrad": "Adagrad",
           "rmsprop": "RMSprop", "adam": "Adam", "adamw": "AdamW", "adamax": "Adamax",
           "nadam": "NAdam", "radam": "RAdam"}


def torch_spec(case) -> dict:
    """The reference case's hyperparameters in torch's names (the reference script's map)."""
    h = dict(case["hyperparams"])
    if case["optimizer"] in ("sgd", "momentum", "nesterov"):
        h["nesterov"] = h.get("nesterov", False) or case["optimizer"] == "nesterov"
    if case["optimizer"] == "adam":
        assert h.pop("bias_correction") and not h.pop("eps_inside_sqrt")
    return h


def test_without_torch_one_line_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch fails, as without it
    result = CliRunner().invoke(cli, ["run", "--opt", "torch:torch.optim.SGD:lr=0.1",
                                      "--no-plot"])
    assert result.exit_code == 2
    assert "needs PyTorch, which is not installed: pip install 'adamviz[torch]'" in \
        result.stderr


@pytest.mark.parametrize("text, message", [
    ("torch:", "expected torch:<class path>"), ("torch:1abc", "expected torch:<class path>"),
])
def test_bad_torch_specs_are_refused(text, message):
    with pytest.raises(InputError, match=message):
        adamviz.run("hump", [text])


@pytest.mark.parametrize("case", CASES[::3], ids=lambda c: f"{c['optimizer']}-{c['surface']}")
def test_torch_classes_through_the_bridge_follow_the_reference(case):
    pytest.importorskip("torch", reason="the bridge drives torch itself: pip install torch")
    surface = load_surface(case["surface"])
    opt = optimizers.make(f"torch:torch.optim.{CLASSES[case['optimizer']]}",
                          **torch_spec(case))
    out = engine.run(surface, opt, np.array(case["starts"]), case["steps"])
    np.testing.assert_allclose(out.paths.points, np.array(case["points"]), rtol=1e-10,
                               atol=1e-12)


def test_an_optimizer_that_needs_a_closure_is_refused():
    pytest.importorskip("torch", reason="the bridge drives torch itself: pip install torch")
    with pytest.raises(InputError, match="steps only with a closure"):
        adamviz.run("hump", ["torch:torch.optim.LBFGS:lr=0.1"])


def test_a_torch_optimizer_runs_from_the_command_line():
    pytest.importorskip("torch", reason="the bridge drives torch itself: pip install torch")
    result = CliRunner().invoke(cli, ["run", "--opt", "torch:torch.optim.SGD:lr=0.01,"
                                      "momentum=0.9", "--opt", "momentum:lr=0.01", "--no-plot",
                                      "--start", "-2,1", "--start", "3,0"])
    assert result.exit_code == 0, result.output
    assert "torch.SGD (lr=0.01, momentum=0.9) from (-2, 1)" in result.stdout


class FakeEntry:
    value = "signsgd_package:signsgd"

    @staticmethod
    def load():
        def signsgd(lr: float = 0.01):
            """signSGD: x -= lr * sign(g)."""
            class Sign:
                def init(self, params):
                    return ()

                def update(self, grads, state, params=None):
                    return -lr * np.sign(grads), state
            return Sign()
        return signsgd


def test_a_package_can_register_an_optimizer(monkeypatch):
    monkeypatch.setattr(registry, "plugins", lambda: {"signsgd": FakeEntry})
    assert "signsgd" in optimizers.names()
    assert optimizers.defaults("signsgd") == {"lr": 0.01}
    assert optimizers.rule("signsgd") == "x -= lr * sign(g). (signsgd_package:signsgd)"
    result = adamviz.run("hump", ["signsgd:lr=0.05"], [(-2, 1)], steps=20)
    assert result.runs[0].label == "signsgd (lr=0.05)"
    np.testing.assert_allclose(np.abs(np.diff(result.runs[0].points, axis=0)), 0.05)
    listed = CliRunner().invoke(cli, ["optimizers"]).stdout
    assert "signsgd: x -= lr * sign(g). (signsgd_package:signsgd)" in listed
    with pytest.raises(InputError, match="Unknown hyperparameter 'beta'"):
        adamviz.run("hump", ["signsgd:beta=1"])
