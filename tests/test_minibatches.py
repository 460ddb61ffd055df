"""Losses over data, run: full batch to the least-squares solution, real minibatches that anyone
can recompute from the exported rows, and a real validation loss that early stopping watches."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from adamviz import api, exports, minibatches
from adamviz.cli import cli
from adamviz.core.errors import InputError
from adamviz.surfaces import Surface

RNG = np.random.default_rng(11)
X = RNG.uniform(-2, 3, 60)
Y = 1.5 * X - 0.5 + RNG.normal(0, 0.4, 60)


def line(validation=None, rows=60):
    return Surface.from_data({"x": X[:rows], "y": Y[:rows]}, expr="mean((w*x + b - y)**2)",
                             params=["w", "b"], xlim=[-3, 4], ylim=[-3, 3], start=[-2, 2],
                             validation=validation, name="line")


def test_full_batch_least_squares_converges_to_lstsq():
    result = api.run(line(), ["momentum:lr=0.05", "adam:lr=0.05"], steps=3000, tol=1e-12)
    solution = np.linalg.lstsq(np.c_[X, np.ones_like(X)], Y, rcond=None)[0]
    for run in result.runs:
        assert run.status == "converged"
        np.testing.assert_allclose(run.end, solution, atol=1e-9)


def sgd_again(surface, run, lr):
    """Plain numpy SGD on least squares over each step's exported rows."""
    p = np.array(run["points"][0])
    train = surface.data.train.columns
    for k in range(1, run["steps"] + 1):
        rows = np.array(run["batch_rows"][k])
        x, y = train["x"][rows], train["y"][rows]
        r = p[0] * x + p[1] - y
        grad = np.array([np.mean(2 * r * x), np.mean(2 * r)])
        assert run["batch_losses"][k] == pytest.approx(np.mean(r**2), rel=1e-13)
        p = p - lr * grad
        np.testing.assert_allclose(run["points"][k], p, rtol=1e-13, atol=1e-14)
    return p


def test_a_minibatch_path_is_recomputed_step_by_step_from_its_exported_rows(tmp_path):
    surface = line(validation=0.25)
    result = api.run(surface, ["sgd:lr=0.05"], steps=40, batch_size=7, tol=None)
    path = tmp_path / "runs.json"
    exports.write(result, path)
    run = json.loads(path.read_text())["runs"][0]
    assert run["batch_rows"][0] == [] and len(run["batch_rows"]) == 41
    sgd_again(surface, run, 0.05)
    # an epoch is every training row once: 45 rows in batches of 7 are 6 of 7 and one of 3
    per_epoch = minibatches.steps_per_epoch(45, 7)
    assert per_epoch == 7
    epoch = [i for rows in run["batch_rows"][1:per_epoch + 1] for i in rows]
    assert sorted(epoch) == list(range(45))
    assert [len(r) for r in run["batch_rows"][1:per_epoch + 1]] == [7] * 6 + [3]
    assert run["batch_rows"][1:per_epoch + 1] != run["batch_rows"][per_epoch + 1:2 * per_epoch + 1]


def test_adding_a_run_never_changes_another_runs_batches():
    surface = line()
    alone = api.run(surface, ["sgd:lr=0.02"], ["-2,2"], steps=30, batch_size=5, tol=None)
    more = api.run(surface, ["sgd:lr=0.02", "adam:lr=0.1"], ["-2,2", "1,1"], steps=30,
                   batch_size=5, tol=None)
    np.testing.assert_array_equal(alone.runs[0].batch_rows, more.runs[0].batch_rows)
    np.testing.assert_array_equal(alone.runs[0].points, more.runs[0].points)
    assert not np.array_equal(more.runs[0].batch_rows, more.runs[1].batch_rows)
    again = api.run(surface, ["sgd:lr=0.02"], ["-2,2"], steps=30, batch_size=5, seed=1, tol=None)
    assert not np.array_equal(alone.runs[0].batch_rows, again.runs[0].batch_rows)


def test_a_step_costs_its_batch_not_the_data():
    """The minibatch gradient reads only the batch's rows: the same gradient whatever the other
    rows hold."""
    a = line()
    rows = np.array([[0, 1, 2]])
    point = np.array([[0.3], [0.2]])
    first = a.batch_value_and_grad(point, rows)
    other = Surface.from_data({"x": np.r_[X[:3], X[3:] * 0 + 9], "y": np.r_[Y[:3], Y[3:] * 0]},
                              expr="mean((w*x + b - y)**2)", params=["w", "b"], xlim=[-3, 4],
                              ylim=[-3, 3])
    np.testing.assert_array_equal(first, other.batch_value_and_grad(point, rows))


def test_the_validation_loss_is_recorded_and_early_stopping_keeps_its_best_point():
    surface = line(validation=0.3)
    assert surface.has_validation and surface.training_rows == 42
    result = api.run(surface, ["sgd:lr=0.3"], steps=400, batch_size=1, patience=15, tol=None)
    run = result.runs[0]
    held = surface.validation_loss(run.points)
    np.testing.assert_allclose(run.monitor, held, rtol=1e-13)
    assert run.status == "stopped early"
    assert run.steps == run.best_step + 15
    assert run.monitor[run.best_step] == run.monitor.min()
    assert run.monitor[run.best_step] < run.monitor[-1]


@pytest.mark.parametrize("kwargs, reason", [
    ({"batch_size": 61}, "larger than the 60 training rows of 'line'"),
    ({"batch_size": 0}, "Invalid batch size"),
    ({"batch_size": 2.5}, "Invalid batch size"),
])
def test_bad_batch_sizes_are_refused(kwargs, reason):
    with pytest.raises(InputError, match=reason):
        api.run(line(), ["sgd"], steps=3, **kwargs)


def test_a_batch_size_on_a_formula_says_what_would_work():
    with pytest.raises(InputError, match="needs a loss over data; 'hump' is a formula"):
        api.run("hump", ["sgd"], steps=3, batch_size=4)
    out = CliRunner().invoke(cli, ["run", "-s", "hump", "--batch-size", "4", "--no-plot"])
    assert out.exit_code == 2 and "needs a loss over data" in out.stderr
    assert "Traceback" not in out.output


def test_exports_carry_the_validation_and_minibatch_losses(tmp_path):
    result = api.run(line(validation=0.25), ["sgd:lr=0.05"], steps=5, batch_size=4, tol=None)
    lines = exports.trajectories_csv(result).splitlines()
    assert lines[0] == "run,optimizer,label,step,x,y,loss,validation_loss,batch_loss"
    assert lines[1].endswith(",")  # step 0: no batch yet
    assert float(lines[2].split(",")[-1]) == result.runs[0].batch_losses[1]
    frame = result.to_frame()
    assert list(frame.columns)[-2:] == ["validation_loss", "batch_loss"]
    doc = result.to_dict()
    assert doc["surface"]["data"]["rows"] == 45 and doc["surface"]["data"]["validation"] == 0.25


def test_seed_is_taken_with_minibatches_and_same_seed_same_batches():
    runner = CliRunner()
    first = runner.invoke(cli, ["run", "-s", "cars", "--opt", "sgd", "--batch-size", "8",
                                "--seed", "3", "--steps", "20", "--no-plot", "--json"])
    again = runner.invoke(cli, ["run", "-s", "cars", "--opt", "sgd:batch_size=8", "--seed", "3",
                                "--steps", "20", "--no-plot", "--json"])
    assert first.exit_code == 0 and again.exit_code == 0, first.output + again.output
    ends = [json.loads(out.stdout)["runs"][0]["end_x"] for out in (first, again)]
    assert ends[0] == ends[1]
    alone = runner.invoke(cli, ["run", "-s", "cars", "--opt", "sgd", "--seed", "3", "--no-plot"])
    assert alone.exit_code == 2 and "add --noise or --batch-size" in alone.stderr
