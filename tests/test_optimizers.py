"""Optimizer semantics beyond the torch table: hand-derived variants, validation, purity."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adamviz import optimizers
from adamviz.core.errors import InputError

# The lecture notes' worked example: w = 0.5, loss (3w - 4)^2, so g1 = 2*(1.5 - 4)*3 = -15.
G1 = np.array([[-15.0]])
W0 = np.array([[0.5]])


def one_step(opt, grads=G1, params=W0):
    state = opt.init(params)
    return opt.update(grads, state, params)  # the new point, and the state


def test_adam_first_step_matches_the_lecture_example():
    w1, state = one_step(optimizers.make("adam", lr=0.1))
    assert state.m[0, 0] == pytest.approx(-1.5)  # m1 = 0.1 * -15
    assert state.v[0, 0] == pytest.approx(0.225)  # v1 = 0.001 * 225
    # m^ = -15, v^ = 225: w1 = 0.5 - 0.1 * -15 / (15 + 1e-8)
    assert w1[0, 0] == pytest.approx(0.5 + 0.1 * 15 / (15 + 1e-8), rel=1e-15)
    assert w1[0, 0] == pytest.approx(0.6, abs=1e-9)


def test_adam_without_bias_correction_is_the_cs231n_simplified_version():
    # m1 = -1.5, v1 = 0.225: w1 = 0.5 + 0.1 * 1.5 / (sqrt(0.225) + 1e-8) = 0.5 + 0.316227...
    w1, _ = one_step(optimizers.make("adam", lr=0.1, bias_correction=False))
    assert w1[0, 0] == pytest.approx(0.5 + 0.15 / (math.sqrt(0.225) + 1e-8), rel=1e-15)
    assert w1[0, 0] == pytest.approx(0.8162277593, abs=1e-9)
    # second step with the same gradient: m2 = -2.85, v2 = 0.449775
    opt = optimizers.make("adam", lr=0.1, bias_correction=False)
    state = opt.init(W0)
    w1, state = opt.update(G1, state, W0)
    w2, state = opt.update(G1, state, w1)
    assert state.m[0, 0] == pytest.approx(-2.85)
    assert state.v[0, 0] == pytest.approx(0.449775)
    assert (w2 - w1)[0, 0] == pytest.approx(0.1 * 2.85 / (math.sqrt(0.449775) + 1e-8),
                                            rel=1e-14)


def test_adam_eps_inside_sqrt_is_the_essay_algorithm_box():
    # With eps = 1 the two placements differ visibly: 1.5/sqrt(225 + 1) vs 1.5/(15 + 1).
    inside, _ = one_step(optimizers.make("adam", lr=0.1, eps=1.0, eps_inside_sqrt=True))
    outside, _ = one_step(optimizers.make("adam", lr=0.1, eps=1.0))
    assert inside[0, 0] == pytest.approx(0.5 + 1.5 / math.sqrt(226), rel=1e-15)  # 0.599778
    assert outside[0, 0] == pytest.approx(0.5 + 1.5 / 16, rel=1e-15)  # 0.59375


def test_sgd_momentum_first_buffer_is_the_raw_gradient():
    opt = optimizers.make("momentum", lr=0.1, dampening=0.5)
    state = opt.init(W0)
    w1, state = opt.update(G1, state, W0)
    assert (w1 - W0)[0, 0] == pytest.approx(1.5)  # no dampening on the first step (torch)
    w2, state = opt.update(G1, state, w1)
    assert state.buf[0, 0] == pytest.approx(0.9 * -15 + 0.5 * -15)


@pytest.mark.parametrize("name", list(optimizers.OPTIMIZERS))
def test_update_is_pure(name):
    decay = {"weight_decay": 0.1} if "weight_decay" in optimizers.defaults(name) else {}
    opt = optimizers.make(name, **decay)
    params = np.array([[0.3, -1.2], [2.0, 0.5]])
    grads = np.array([[1.0, -2.0], [0.5, 0.25]])
    state = opt.init(params)
    for _ in range(3):
        before = (params.copy(), grads.copy(), [np.copy(f) for f in state])
        new, new_state = opt.update(grads, state, params)
        np.testing.assert_array_equal(params, before[0])
        np.testing.assert_array_equal(grads, before[1])
        for field, old in zip(state, before[2], strict=True):
            np.testing.assert_array_equal(field, old)
        assert new_state.t == state.t + 1
        params, state = new, new_state


@pytest.mark.parametrize("name,hyper,message", [
    ("adam", {"lr": -1}, "Invalid learning rate: -1.0 (must be > 0)"),
    ("sgd", {"lr": 0}, "Invalid learning rate: 0.0"),
    ("adam", {"beta1": 1.0}, "Invalid beta1 value: 1.0 (must be in [0, 1))"),
    ("adam", {"beta2": -0.1}, "Invalid beta2 value: -0.1"),
    ("rmsprop", {"eps": 0}, "Invalid epsilon value: 0.0 (must be > 0)"),
    ("rmsprop", {"alpha": 1.5}, "Invalid alpha value: 1.5"),
    ("momentum", {"momentum": -0.5}, "Invalid momentum value: -0.5"),
    ("adamw", {"weight_decay": -1}, "Invalid weight_decay value: -1.0"),
    ("sgd", {"nesterov": True}, "Nesterov momentum requires a momentum > 0"),
    ("adam", {"bta1": 0.9}, "Unknown hyperparameter 'bta1' for adam; did you mean 'beta1'?"),
    ("adam", {"amsgrad": 1.0}, "adam: amsgrad must be true or false"),
    ("sgd", {"lr": True}, "sgd: lr must be a number"),
    ("adagrad", {"lr_decay": -1}, "Invalid lr_decay value"),
    ("nadam", {"momentum_decay": -1}, "Invalid momentum_decay value"),
])
def test_bad_hyperparameters_are_refused_with_a_clear_message(name, hyper, message):
    with pytest.raises(InputError) as err:
        optimizers.make(name, **hyper)
    assert message in str(err.value)


def test_unknown_optimizer_suggests_the_closest():
    with pytest.raises(InputError, match="Unknown optimizer 'adma'; did you mean 'adam'"):
        optimizers.make("adma")


def test_defaults_are_torchs():
    assert optimizers.defaults("sgd")["lr"] == 1e-3
    assert optimizers.defaults("adam") == {
        "lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0,
        "amsgrad": False, "bias_correction": True, "eps_inside_sqrt": False, "maximize": False}
    assert optimizers.defaults("adamw")["weight_decay"] == 1e-2
    assert optimizers.defaults("rmsprop")["alpha"] == 0.99
    assert optimizers.defaults("adagrad")["eps"] == 1e-10
    assert optimizers.defaults("adamax")["lr"] == 2e-3
    assert optimizers.defaults("nadam")["momentum_decay"] == 4e-3


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(list(optimizers.OPTIMIZERS)),
       grads=st.lists(st.floats(-1e3, 1e3), min_size=4, max_size=4),
       lr=st.floats(1e-5, 1.0))
def test_steps_are_finite_and_oppose_a_constant_gradient(name, grads, lr):
    """Property: from rest, every optimizer's first step is finite and goes downhill."""
    opt = optimizers.make(name, lr=lr)
    g = np.array(grads).reshape(2, 2)
    params = np.zeros((2, 2))
    step = opt.update(g, opt.init(params), params)[0] - params
    assert np.isfinite(step).all()
    assert (step * g <= 0).all()
