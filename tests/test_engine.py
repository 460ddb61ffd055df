"""The engine's stopping rules and noise."""

import numpy as np
import pytest

from adamviz import api, engine, optimizers


@pytest.fixture(scope="module")
def bowl():
    return api.load_surface("bowl")


def test_converged_when_step_and_gradient_are_small(bowl):
    traj = engine.optimize(bowl, optimizers.make("sgd", lr=0.05), [[1.0, 0.5]], 5000, tol=1e-6)
    assert traj.status == ["converged"]
    assert traj.steps[0] < 5000
    assert np.linalg.norm(bowl.gradient(traj.points[-1])) < 1e-5


def test_max_steps_without_tol(bowl):
    traj = engine.optimize(bowl, optimizers.make("sgd", lr=0.05), [[1.0, 0.5]], 30, tol=None)
    assert traj.status == ["max steps"] and traj.steps[0] == 30 and len(traj.points) == 31


def test_divergence_is_a_result_not_an_error(bowl):
    # lr far above 2/curvature: the iterates blow up; the run ends at its last point
    traj = engine.optimize(bowl, optimizers.make("sgd", lr=1.0), [[1.0, 0.5], [0.0, 0.0]], 500,
                           tol=None)
    assert traj.status == ["diverged", "max steps"]
    assert np.isfinite(traj.path(0)).all()
    assert traj.steps[0] < 500


def test_non_finite_values_end_at_the_last_finite_point():
    from adamviz.surfaces import from_dict

    # exp(x**2) overflows to inf within a few steps of a too-large learning rate
    s = from_dict({"name": "cliff", "expr": "exp(x**2) + y**2", "xlim": [-3, 3],
                   "ylim": [-3, 3]})
    traj = engine.optimize(s, optimizers.make("sgd", lr=0.5), [[2.5, 0.0]], 50, tol=None)
    assert traj.status == ["diverged"]
    assert np.isfinite(traj.path(0)).all() and np.isfinite(traj.loss_path(0)).all()


def test_early_stopping_keeps_the_best_step(bowl):
    held_out = api.load_surface("bowl")

    def monitor(points):  # a held-out loss whose minimum is elsewhere: it starts to rise
        return held_out.loss(points - np.array([0.6, 0.6]))

    traj = engine.optimize(bowl, optimizers.make("adam", lr=0.05), [[2.0, 2.0]], 1000,
                           patience=10, monitor=monitor)
    assert traj.status == ["stopped early"]
    best = traj.best_step[0]
    assert traj.steps[0] == best + 10
    assert traj.monitor[best, 0] == traj.monitor[: traj.steps[0] + 1, 0].min()


def test_patience_on_the_training_loss(bowl):
    traj = engine.optimize(bowl, optimizers.make("sgd", lr=0.05), [[1.0, 0.5]], 100,
                           noise=5.0, seed=3, patience=5, tol=None)
    assert traj.status == ["stopped early"]


def test_noise_is_repeatable_with_a_seed(bowl):
    opt = optimizers.make("sgd", lr=0.01)
    a = engine.optimize(bowl, opt, [[1.0, 0.5]], 50, noise=0.5, seed=7, tol=None)
    b = engine.optimize(bowl, opt, [[1.0, 0.5]], 50, noise=0.5, seed=7, tol=None)
    c = engine.optimize(bowl, opt, [[1.0, 0.5]], 50, noise=0.5, seed=8, tol=None)
    np.testing.assert_array_equal(a.points, b.points)
    assert not np.array_equal(a.points, c.points)


def test_runs_that_finish_stay_on_their_last_point(bowl):
    traj = engine.optimize(bowl, optimizers.make("sgd", lr=0.05), [[1.0, 0.5], [3.0, -3.0]], 400,
                           tol=1e-3)
    first_done = traj.steps.min()
    i = int(np.argmin(traj.steps))
    assert (traj.points[first_done:, i] == traj.points[first_done, i]).all()
