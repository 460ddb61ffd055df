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
