"""Any torch optimizer through --opt torch:<class>, and optimizers that packages register."""

import sys

import numpy as np
import pytest
from click.testing import CliRunner
from reference import CASES

import adamviz
from adamviz import engine, optimizers
from adamviz.cli import cli
from adamviz.core.errors import InputError
from adamviz.optimizers import registry
from adamviz.studies.runs import load_surface


def torch_spec(case) -> tuple[str, dict]:
    """The reference case as a bridge spec: the class and hyperparameters its file declares
    (torch's names; the bridge joins beta1/beta2 into betas)."""
    found = registry.definition(case["optimizer"])
    h = {k: v for k, v in case["hyperparams"].items()
         if found.hyperparameters[k].torch is not None}
    fixed = {k: v for k, v in found.torch.items() if k != "class"}
    return f"torch:{found.torch['class']}", {**h, **fixed}


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
    name, spec = torch_spec(case)
    opt = optimizers.make(name, **spec)
    out = engine.run(surface, opt, np.array(case["starts"]), case["steps"])
    np.testing.assert_allclose(out.paths.points, np.array(case["points"]), rtol=1e-10,
                               atol=1e-12)


@pytest.mark.parametrize("name, spec", [
    ("torch:torch.optim.Adam", {"lr": 0.3, "weight_decay": 0.5}),
    ("torch:torch.optim.AdamW", {"lr": 0.2, "weight_decay": 0.5, "amsgrad": True}),
    ("torch:torch.optim.SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("torch:torch.optim.RAdam", {"lr": 0.1, "decoupled_weight_decay": True,
                                 "weight_decay": 0.3}),
    ("torch:torch.optim.Rprop", {"lr": 0.05, "eta_minus": 0.4}),
])
def test_a_bridged_torch_optimizer_is_torch_run_directly_bit_for_bit(name, spec):
    """The engine takes torch's parameters as its points: the path is torch's own, to the
    last bit, also where coordinates cross zero (the hump's minima lie either side of x = 0,
    the starts straddle y = 0), where adding a step could not land exactly."""
    torch = pytest.importorskip("torch", reason="the bridge drives torch itself")
    from adamviz.optimizers.torch_bridge import torch_class

    surface = load_surface("hump")
    starts = np.array([[-2.0, 1.0], [0.3, -0.02], [1e-3, 1e-9], [-0.4, 2e-7]])
    out = engine.run(surface, optimizers.make(name, **spec), starts, 150)
    cls, kwargs = torch_class(name.removeprefix("torch:")), dict(spec)
    if "eta_minus" in kwargs:
        kwargs["etas"] = (kwargs.pop("eta_minus"), 1.2)
    torch.set_default_dtype(torch.float64)
    try:
        for j, start in enumerate(starts):
            p = torch.tensor(start, requires_grad=True)
            opt = cls([p], **kwargs)
            path = [p.detach().numpy().copy()]
            for _ in range(out.steps[j]):
                p.grad = torch.from_numpy(surface.gradient(p.detach().numpy()[None])[0])
                opt.step()
                path.append(p.detach().numpy().copy())
            np.testing.assert_array_equal(out.paths.points[:len(path), j], np.array(path))
    finally:
        torch.set_default_dtype(torch.float32)
    crossed = np.diff(np.sign(out.paths.points), axis=0) != 0
    assert crossed.any()  # the runs do cross zero


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
