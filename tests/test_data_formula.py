"""A loss over data as a formula: checked, split into per-row parts and reductions, and its value,
gradient and Hessian over rows (torch's own results are in test_data_surfaces.py)."""

import numpy as np
import pytest

from adamviz.core.data_formula import parse_data
from adamviz.core.data_programs import CHUNK, DataLoss
from adamviz.core.errors import InputError

RNG = np.random.default_rng(3)
X, Y = RNG.normal(size=37), RNG.normal(size=37)


def rows_loss(text, params=("w", "b"), columns=("x", "y")):
    formula = parse_data(text, "t", list(params), list(columns))
    data = {"x": X, "y": Y}
    return DataLoss(formula).on(np.array([data[c] for c in formula.columns]))


def plain(text, w, b):
    """The same loss in plain numpy: mean and sum over the rows."""
    env = {"w": w, "b": b, "x": X, "y": Y, "mean": np.mean, "sum": np.sum, "tanh": np.tanh,
           "exp": np.exp, "log": np.log, "sqrt": np.sqrt}
    return eval(text, {}, env)  # noqa: S307  (the test's own formula text, not user input)


@pytest.mark.parametrize("text, reason", [
    ("(w*x + b - y)**2", "outside mean"),
    ("w**2 + b**2", "does not reduce over the data's rows"),
    ("mean(w**2)", "must reduce something that names a data column"),
    ("mean(mean(x*w))", "inside another reduction"),
    ("mean((w*z - y)**2)", r"unknown name .*the data's columns: x, y"),
    ("mean(x)*w + y", "the column 'y' is used outside"),
    ("mean(x w)", "not a valid formula"),
    ("mean(x, w)", "mean takes 1 argument"),
    ("__import__('os')", "unknown function"),
])
def test_a_loss_that_is_not_a_reduction_over_rows_is_refused_in_one_line(text, reason):
    with pytest.raises(InputError, match=reason) as info:
        parse_data(text, "f.toml: expr", ["w", "b"], ["x", "y"])
    assert "\n" not in str(info.value) and str(info.value).startswith("f.toml: expr")


@pytest.mark.parametrize("params, columns, reason", [
    (["w", "x"], ["x", "y"], "both a parameter and a data column"),
    (["w", "w"], ["x"], "twice"),
    (["w", "b", "c"], ["x"], "one or two parameter names"),
    ("w", ["x"], "one or two parameter names"),
    (["exp", "b"], ["x"], "taken by the formula language"),
    (["pi"], ["x"], "taken by the formula language"),
    (["2w"], ["x"], "not a name a formula can use"),
])
def test_bad_parameter_names_are_refused(params, columns, reason):
    with pytest.raises(InputError, match=reason):
        parse_data("mean(x*w)", "f", params, columns)


def test_the_split_keeps_the_order_and_names_only_the_columns_used():
    f = parse_data("mean((w*x + b - y)**2) + 0.5*sum(x*w)/2 + b**2", "t", ["w", "b"],
                   ["y", "unused", "x", "not a name"])
    assert f.columns == ("y", "x")  # the data's order
    assert f.outer.text == "_reduced0 + 0.5 * _reduced1 / 2 + b ** 2"
    assert [(r.kind, r.formula.text) for r in f.reductions] == [
        ("mean", "(w * x + b - y) ** 2"), ("sum", "x * w")]


@pytest.mark.parametrize("text", [
    "mean((w*x + b - y)**2)",
    "mean((w*x + b - y)**2) + 0.01*(w**2 + b**2)",
    "sum(tanh(w*x + b)*y)/mean(exp(0.1*w*x)) + log(1 + mean((x - b)**2))",
    "sqrt(mean((w*x - y)**2) + b**2 + 1)",
])
def test_value_gradient_and_hessian_match_plain_numpy_and_differences(text):
    loss = rows_loss(text)
    points = np.array([[0.3, -1.2, 2.0], [0.7, 0.1, -0.5]])
    out, hess = loss.value_and_grad(points), loss.hessian(points).reshape(2, 2, -1)
    h = 1e-5
    for n, (w, b) in enumerate(points.T):
        assert out[0, n] == pytest.approx(plain(text, w, b), rel=1e-13)
        grad = [(plain(text, w + h, b) - plain(text, w - h, b)) / (2 * h),
                (plain(text, w, b + h) - plain(text, w, b - h)) / (2 * h)]
        np.testing.assert_allclose(out[1:, n], grad, rtol=1e-7, atol=1e-8)
        for i, (dw, db) in enumerate(((h, 0), (0, h))):
            up = loss.value_and_grad(np.array([[w + dw], [b + db]]))[1:, 0]
            down = loss.value_and_grad(np.array([[w - dw], [b - db]]))[1:, 0]
            np.testing.assert_allclose(hess[:, i, n], (up - down) / (2 * h), rtol=1e-6,
                                       atol=1e-7)
        assert hess[0, 1, n] == pytest.approx(hess[1, 0, n], rel=1e-12)


def test_chunks_give_the_same_numbers_as_one_pass():
    """Points are cut into chunks of at most CHUNK per-row elements: many points must give
    what each point gives alone."""
    loss = rows_loss("mean((w*x + b - y)**2)")
    n = CHUNK // len(X) * 2 + 7  # three chunks, the last a short one
    points = RNG.normal(size=(2, n))
    together = loss.value_and_grad(points)
    for i in (0, n // 2, n - 1):
        np.testing.assert_array_equal(together[:, i], loss.value_and_grad(points[:, i:i + 1])[:, 0])


def test_a_minibatch_is_the_loss_over_its_rows_alone():
    loss = rows_loss("mean((w*x + b - y)**2)")
    points = np.array([[0.5, -1.0], [0.2, 0.3]])
    rows = np.array([[0, 5, 9], [36, 1, 1]])  # each run its own rows (a row may repeat)
    out = loss.value_and_grad(points, rows)
    for n in range(2):
        w, b = points[:, n]
        x, y = X[rows[n]], Y[rows[n]]
        r = w * x + b - y
        assert out[0, n] == pytest.approx(np.mean(r**2), rel=1e-15)
        np.testing.assert_allclose(out[1:, n], [np.mean(2 * r * x), np.mean(2 * r)], rtol=1e-14)


def test_the_value_alone_has_the_bits_of_the_value_beside_the_gradient():
    """The recorded loss of each step comes from the value program alone: it must be the very
    number the step's own value and gradient gave."""
    loss = rows_loss("sum(tanh(w*x + b)*y)/mean(exp(0.1*w*x)) + log(1 + mean((x - b)**2))")
    points = RNG.normal(size=(2, 500))
    np.testing.assert_array_equal(loss.value(points), loss.value_and_grad(points)[0])
    rows = RNG.integers(0, len(X), size=(500, 6))
    np.testing.assert_array_equal(loss.value(points, rows),
                                  loss.value_and_grad(points, rows)[0])
