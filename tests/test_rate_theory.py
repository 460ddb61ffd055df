"""Predicted convergence rates at a minimum (studies/rate_theory.py): closed forms on the valley
(Hessian diag(1, 36)), the general Jacobian path against them, distill's optimum, and runs of
the real optimizers whose measured per-step factor is the predicted one."""

import cmath

import numpy as np
import pytest

from adamviz import engine, surfaces
from adamviz.core.errors import InputError
from adamviz.optimizers import registry
from adamviz.studies import rate_theory as rt

VALLEY = surfaces.load("valley")
EIGS = (1.0, 36.0)
LR = np.array([0.002, 0.013, 0.031, 0.047, 0.055, 0.071, 0.093])[:, None]
MU = np.array([0.0, 0.1, 0.37, 0.52, 0.79, 0.9, 0.97])[None, :]


def largest_root(b: float, c: float) -> float:
    """max |z| of z^2 - b z + c = 0, by the quadratic formula in complex numbers."""
    root = cmath.sqrt(b * b - 4 * c)
    return max(abs((b + root) / 2), abs((b - root) / 2))


def test_hessians_at_the_minima_are_the_analytic_ones():
    assert np.array_equal(rt.minimum_hessian(VALLEY), np.diag(EIGS))
    assert rt.stability_edge(VALLEY) == 2 / 36
    rosenbrock = surfaces.load("rosenbrock")  # (1-x)^2 + 100 (y-x^2)^2 at (1, 1)
    assert np.array_equal(rt.minimum_hessian(rosenbrock, (1, 1)),
                          np.array([[802.0, -400.0], [-400.0, 200.0]]))


def test_gradient_descent_is_the_largest_of_one_minus_lr_lambda():
    rate = rt.predicted_rate(VALLEY, "sgd", {"lr": LR[:, 0]})
    expected = np.maximum(np.abs(1 - LR[:, 0]), np.abs(1 - 36 * LR[:, 0]))
    assert rate.shape == (7,)
    np.testing.assert_allclose(rate, expected, rtol=0, atol=1e-12)


def test_heavy_ball_is_the_largest_root_of_its_polynomial():
    found = rt.predict(VALLEY, "momentum", {"lr": LR, "momentum": MU})
    assert found.method == "heavy ball" and found.note == "" and found.rate.shape == (7, 7)
    complex_cells = 0
    for (i, j), rate in np.ndenumerate(found.rate):
        lr, mu = LR[i, 0], MU[0, j]
        moduli = []
        for lam in EIGS:
            b = 1 + mu - lr * lam
            if b * b < 4 * mu:  # complex roots: both of modulus sqrt(mu)
                moduli.append(np.sqrt(mu))
                complex_cells += 1
            else:
                moduli.append((abs(b) + np.sqrt(b * b - 4 * mu)) / 2)
            assert abs(moduli[-1] - largest_root(b, mu)) < 1e-12
        assert abs(rate - max(moduli)) < 1e-12, (lr, mu)
    assert 5 < complex_cells < 90  # both kinds of roots are checked


def test_nesterov_is_the_largest_root_of_its_polynomial():
    mu = MU + 0.01  # torch's Nesterov needs momentum > 0
    found = rt.predict(VALLEY, "nesterov", {"lr": LR, "momentum": mu})
    assert found.method == "nesterov"
    for (i, j), rate in np.ndenumerate(found.rate):
        lr, m = LR[i, 0], mu[0, j]
        expected = max(largest_root((1 + m) * (1 - lr * lam), m * (1 - lr * lam))
                       for lam in EIGS)
        assert abs(rate - expected) < 1e-12
        # the polynomial is that of torch's step on an eigenvector (buf = m buf + g;
        # p -= lr (g + m buf)) written as a matrix over (p, buf)
        for lam in EIGS:
            step = np.array([[1 - lr * lam * (1 + m), -lr * m * m], [lam, m]])
            assert abs(np.abs(np.linalg.eigvals(step)).max() -
                       largest_root((1 + m) * (1 - lr * lam), m * (1 - lr * lam))) < 1e-7


@pytest.mark.parametrize("name, hyper", [
    ("sgd", {"lr": LR}),
    ("sgd", {"lr": LR, "momentum": MU, "weight_decay": 0.3}),  # momentum 0 in some cells
    ("sgd", {"lr": LR, "momentum": MU + 0.01, "dampening": 0.25}),
    ("momentum", {"lr": LR, "momentum": MU}),
    ("nesterov", {"lr": LR, "momentum": MU + 0.01, "weight_decay": 0.1}),
])
def test_the_jacobian_of_the_rule_file_gives_the_closed_forms(name, hyper):
    closed = rt.predict(VALLEY, name, hyper)
    general = rt.predict(VALLEY, name, hyper, method="jacobian")
    assert general.method == "jacobian" and general.note == ""
    np.testing.assert_allclose(general.rate, closed.rate, rtol=0, atol=1e-9)


def test_the_jacobian_couples_coordinates_through_a_full_hessian():
    rosenbrock = surfaces.load("rosenbrock")  # H = [[802, -400], [-400, 200]] at (1, 1)
    hyper = {"lr": LR / 40, "momentum": MU}
    for name in ("momentum", "nesterov"):
        hyper["momentum"] = MU + (name == "nesterov") * 0.01
        closed = rt.predict(rosenbrock, name, hyper, at=(1, 1))
        general = rt.predict(rosenbrock, name, hyper, at=(1, 1), method="jacobian")
        np.testing.assert_allclose(general.rate, closed.rate, rtol=0, atol=1e-9)


def test_weight_decay_away_from_the_origin_is_said():
    rosenbrock = surfaces.load("rosenbrock")
    for method in ("auto", "jacobian"):
        found = rt.predict(rosenbrock, "sgd", {"lr": 1e-3, "weight_decay": 0.1}, method=method)
        assert found.note.startswith("sgd does not stay at the minimum")
    assert rt.predict(VALLEY, "sgd", {"lr": 1e-3, "weight_decay": 0.1}).note == ""


def test_a_users_rule_file_is_linearised_and_said_when_not_linear(tmp_path):
    heavy = tmp_path / "my_heavy.toml"
    heavy.write_text('rule = "b = mu*b + g; p = p - lr*b"\n[hyperparameters]\nlr = 0.01\n'
                     'mu = 0.5\n[state]\nb = 0.0\n')
    found = rt.predict(VALLEY, str(heavy), {"lr": LR, "mu": MU})
    assert found.method == "jacobian" and found.note == ""
    np.testing.assert_allclose(found.rate, rt.heavy_ball_rate(EIGS, LR, MU), rtol=0, atol=1e-9)
    signed = tmp_path / "my_sign.toml"
    signed.write_text('rule = "p = p - lr*sign(g)"\n[hyperparameters]\nlr = 0.01\n')
    found = rt.predict(VALLEY, str(signed), {"lr": 0.01})
    assert found.note.startswith("my_sign's step is not linear")


def test_adam_with_a_large_eps_is_heavy_ball_at_rest_and_says_so_otherwise():
    # at rest v = 0, t -> inf: m = b1 m + (1 - b1) g; p -= (lr/eps) m, heavy ball with
    # momentum b1 and dampening b1 at lr/eps
    hyper = {"lr": LR * 3, "beta1": 0.8, "eps": 2.0}
    found = rt.predict(VALLEY, "adam", hyper)
    assert found.note == ""
    np.testing.assert_allclose(found.rate, rt.heavy_ball_rate(EIGS, LR * 1.5, 0.8, 0.8)[:, 0:1],
                               rtol=0, atol=1e-9)
    usual = rt.predict(VALLEY, "adam", {"lr": 0.05})
    assert "lr/eps" in usual.note and np.isfinite(usual.rate)  # (0 * inf at v = 0 is 0)
    for name in ("lion", "adagrad", "rprop"):
        assert rt.predict(VALLEY, name, {"lr": 0.05}).note.startswith(name)


def test_distills_optimum_has_the_rate_sqrt_kappa_minus_one_over_plus_one():
    lr, mu, rate = rt.heavy_ball_optimum(VALLEY)
    kappa = 36.0
    assert lr == pytest.approx(4 / 49, rel=1e-15) and mu == pytest.approx(25 / 49, rel=1e-15)
    assert rate == pytest.approx(5 / 7, rel=1e-15)
    predicted = rt.predicted_rate(VALLEY, "momentum", {"lr": lr, "momentum": mu})
    # both extreme eigenvalues sit on a double root there, where a root moves by the square
    # root of a change in the coefficients: 1e-16 in them is ~1e-8 in the rate
    assert abs(predicted - (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)) < 1e-7
    nearby = rt.predicted_rate(VALLEY, "momentum", {
        "lr": lr * np.array([0.99, 1, 1.01])[:, None], "momentum": mu * np.array([0.99, 1, 1.01])})
    assert nearby.min() >= predicted - 1e-7  # the optimum is the best of its neighbours


def measured_rate(name: str, steps: int, **hyper) -> float:
    """The per-step factor of the distance to the minimum over the tail of one engine run: the
    ratio of its envelopes (the largest distance in a window longer than an oscillation)
    between the tail's two ends."""
    optimizer = registry.make(name, **hyper)
    out = engine.run(VALLEY, optimizer, np.array([VALLEY.default_start]), steps, tol=None)
    distance = np.linalg.norm(out.paths.points[:, 0], axis=1)
    assert out.status == ("max steps",) and np.isfinite(distance).all()
    end = min(len(distance) - 1, int(np.nonzero(distance > 1e-250)[0][-1]))
    window, begin = 150, 200
    assert end - begin > 1000
    first, last = distance[begin:begin + window].max(), distance[end - window:end].max()
    return (last / first) ** (1 / (end - window - begin))  # windows that far apart


@pytest.mark.parametrize("name, hyper", [
    ("sgd", {"lr": 0.03}),  # max(|1 - 0.03|, |1 - 1.08|)
    ("sgd", {"lr": 0.05}),
    ("momentum", {"lr": 0.02, "momentum": 0.5}),  # real roots
    ("momentum", {"lr": 0.01, "momentum": 0.9}),  # complex roots: sqrt(0.9)
    ("momentum", {"lr": 0.07, "momentum": 0.6}),  # near distill's optimum
    ("nesterov", {"lr": 0.02, "momentum": 0.8}),
    ("nesterov", {"lr": 0.01, "momentum": 0.9}),
])
def test_runs_of_the_real_optimizers_converge_at_the_predicted_rate(name, hyper):
    predicted = float(rt.predicted_rate(VALLEY, name, hyper))
    assert predicted < 1
    assert abs(measured_rate(name, 4000, **hyper) - predicted) < 1e-3


def test_bad_inputs_are_one_line_errors():
    with pytest.raises(InputError, match="Unknown optimizer"):
        rt.predict(VALLEY, "adamm", {"lr": 0.1})
    with pytest.raises(InputError, match="learning rate"):
        rt.predict(VALLEY, "sgd", {"lr": np.array([0.1, -0.1])})
    with pytest.raises(InputError, match="no minimum"):
        rt.predict(surfaces.Surface.from_formula("x**2 + y**2", (-1, 1), (-1, 1)), "sgd",
                   {"lr": 0.1})
    with pytest.raises(InputError, match="coordinates"):
        rt.minimum_hessian(VALLEY, (0, 0, 0))
