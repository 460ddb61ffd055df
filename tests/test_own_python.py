"""A user's own optimizer in Python: any object with optax-style init and update, or an
Optimizer renamed; run beside the built-ins in every study."""

import dataclasses

import numpy as np
import pytest

import adamviz
from adamviz.core.errors import InputError


class Sign:
    """signSGD with a step counter kept in a dict (a state shape the engine must carry)."""

    hyperparams = {"lr": 0.05}

    def init(self, params):
        return {"t": 0, "seen": np.zeros_like(params)}

    def update(self, grads, state, params=None):
        return -self.hyperparams["lr"] * np.sign(grads), {"t": state["t"] + 1,
                                                         "seen": state["seen"] + 1}


def test_an_object_with_init_and_update_runs_beside_the_built_ins():
    result = adamviz.run("hump", [Sign(), "adam"], starts=[(-2, 1)], steps=40)
    sign, adam = result.runs
    assert sign.label == "sign (lr=0.05)" and sign.optimizer == "sign"
    np.testing.assert_allclose(np.abs(np.diff(sign.points, axis=0)), 0.05, rtol=1e-12)
    assert adam.label.startswith("adam")


def test_its_state_follows_the_runs_that_go_on():
    """Runs that diverge are dropped from the arrays (compaction); a dict state's columns go
    with them."""
    class Blow(Sign):
        hyperparams = {"lr": 1.0}

        def update(self, grads, state, params=None):
            step, state = super().update(grads, state, params)
            assert state["seen"].shape == params.shape  # columns kept per run
            return step * 1e6 * (params[0] > 0), state  # runs with x > 0 fly off

    result = adamviz.run("bowl", [Blow()], starts=[(1, 1), (-1, 1), (0.5, -0.5)], steps=30)
    assert [r.status for r in result.runs] == ["diverged", "max steps", "diverged"]


def test_a_renamed_optimizer_keeps_its_name():
    mine = dataclasses.replace(adamviz.make_optimizer("adam", lr=0.1), name="mine")
    result = adamviz.run("hump", [mine], steps=10)
    assert result.runs[0].label == "mine (lr=0.1)"


def test_anything_else_is_refused_in_one_line():
    with pytest.raises(InputError, match="an object with init"):
        adamviz.run("hump", [object()])


def test_every_study_takes_one(tmp_path):
    found = adamviz.basins("hump", [Sign(), "adam"], grid=8, steps=50)
    assert found.labels[0] == "sign (lr=0.05)"
    with pytest.raises(InputError, match="cannot be tuned"):
        adamviz.tune("hump", [Sign()], steps=20)
    with pytest.raises(InputError, match="sweeps hyperparameters by name"):
        adamviz.sweep("hump", Sign(), {"lr": [0.1, 0.2]})


HUMP_MINIMA = [((1.0466805318046022, 0.0), "global"), ((-0.9456492739235922, 0.0), "local")]


def hump(x, y):
    return (x**2 - 1) ** 2 - 0.4 * x + y**2


def hump_grad(x, y):
    return 4 * x * (x**2 - 1) - 0.4, 2 * y


def test_a_python_loss_runs_like_the_same_formula():
    mine = adamviz.Surface.from_function(hump, xlim=(-2.5, 2.5), ylim=(-1.5, 1.5),
                                         minima=HUMP_MINIMA)
    assert "central differences" in mine.expr and "central differences" in mine.description
    opts = ["sgd:lr=0.01", "momentum:lr=0.01", "adam:lr=0.3"]
    ours = adamviz.run(mine, opts, starts=[(-2, 1)], steps=300)
    exact = adamviz.run("hump", opts, starts=[(-2, 1)], steps=300)
    for a, b in zip(ours.runs, exact.runs, strict=True):
        np.testing.assert_allclose(a.points, b.points, atol=1e-8)
        assert ours.reached(a) == exact.reached(b)
    given = adamviz.Surface.from_function(hump, (-2.5, 2.5), (-1.5, 1.5), grad=hump_grad,
                                          minima=HUMP_MINIMA)
    assert given.expr.endswith("gradient: given")
    np.testing.assert_allclose(given.gradient(np.array([[0.3, -0.2]])),
                               [hump_grad(0.3, -0.2)], rtol=1e-15)


def test_a_python_loss_works_in_every_study_and_picture(tmp_path):
    mine = adamviz.Surface.from_function(hump, (-2.5, 2.5), (-1.5, 1.5), grad=hump_grad,
                                         minima=HUMP_MINIMA, name="mine")
    result = adamviz.run(mine, ["sgd", "adam"], steps=40)
    adamviz.save_plot(result, tmp_path / "a.png", views=["contour", "3d", "loss", "steps"])
    adamviz.animate(result, tmp_path / "a.gif", frames=5)
    assert adamviz.basins(mine, ["sgd", "adam"], grid=6, steps=40).share(1) >= 0
    assert len(adamviz.sweep(mine, "adam", {"lr": [0.01, 0.1]}, steps=20).cells) == 2
    data = result.to_dict()["surface"]
    assert data["expression"] == "hump(x, y) in Python; gradient: given"


def test_a_formula_from_python_is_checked_like_a_file():
    bowl = adamviz.Surface.from_formula("x**2 + 3*y**2", xlim=(-2, 2), ylim=(-2, 2),
                                        minima=[(0, 0)], start=(1.5, 1), name="bowl2")
    assert adamviz.run(bowl, ["adam:lr=0.1"], steps=400).runs[0].status == "converged"
    with pytest.raises(InputError, match="unknown name"):
        adamviz.Surface.from_formula("x**2 + z", xlim=(-1, 1), ylim=(-1, 1))
    with pytest.raises(InputError, match="not a minimum|gradient"):
        adamviz.run(adamviz.Surface.from_formula("x**2", xlim=(-1, 1), minima=[(0.5,)]))


def test_a_bare_function_is_refused_with_the_way_to_give_its_box():
    with pytest.raises(InputError, match=r"Surface.from_function\(f, xlim"):
        adamviz.run(lambda x, y: x**2 + y**2, ["adam"])


def test_the_readme_picture_signsgd_keeps_stepping_in_the_local_minimum():
    """outputs/readme/hump-signsgd-adam.png: every coordinate of every signSGD step moves by
    0.05 (or 0 where the gradient's coordinate is 0); both end at the local minimum."""
    class SignSGD:
        hyperparams = {"lr": 0.05}

        def init(self, params):
            return ()

        def update(self, grads, state, params=None):
            return -0.05 * np.sign(grads), state

    result = adamviz.run("hump", [SignSGD(), "adam:lr=0.05"], starts=[(-2, 1)], steps=300)
    sign, adam = result.runs
    moves = np.abs(np.diff(sign.points, axis=0))
    assert np.all(np.isclose(moves, 0.05, rtol=1e-9) | (moves == 0))
    assert sign.step_lengths()[-50:].min() >= 0.05  # still moving: never shrinks
    assert result.reached(sign) == result.reached(adam) == "local"
