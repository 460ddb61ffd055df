"""A network's runs drawn on one plane, as a user gets them: the API, the command line, exports,
sweeps, batch files and recipes (``studies/slices.py``); the planes themselves are tested in
test_planes.py, the networks in test_networks.py."""

import csv
import io
import json

import numpy as np
import pytest
from click.testing import CliRunner

from adamviz import api
from adamviz.cli import cli
from adamviz.studies import slices

STEPS = 60


@pytest.fixture(scope="module")
def moons():
    return api.run("moons-net", ["sgd", "momentum", "adam"], steps=STEPS)


def test_runs_go_in_full_dimension_and_come_back_on_one_plane(moons):
    network = api.load_surface("moons-net")
    assert isinstance(moons.surface, slices.PlaneSurface)
    assert moons.surface.plane.kind == network.default_plane
    for run in moons.runs:
        assert run.points.shape == (run.steps + 1, 2)
        assert run.parameters.shape == (run.steps + 1, network.dims)
        np.testing.assert_array_equal(run.parameters[0], network.default_start)
        # the true loss is the network's at the full point; the plane's at the projection
        np.testing.assert_allclose(run.losses, network.loss(run.parameters), rtol=1e-12)
        lifted = moons.surface.plane.lift(run.points)
        np.testing.assert_allclose(run.plane_losses, network.loss(lifted), rtol=1e-12)
        np.testing.assert_allclose(run.off_plane,
                                   np.linalg.norm(run.parameters - lifted, axis=1),
                                   rtol=1e-9, atol=1e-12)
        assert run.monitor is not None  # the validation loss, every step
    # the plane surface is the network's loss there: value and gradient by the chain rule
    point = moons.runs[2].points[-1]
    full = moons.surface.plane.lift(point[None])
    assert moons.surface.loss(point[None])[0] == pytest.approx(network.loss(full)[0], rel=1e-12)
    eps = 1e-6
    numeric = [(moons.surface.loss((point + eps * e)[None])[0]
                - moons.surface.loss((point - eps * e)[None])[0]) / (2 * eps)
               for e in np.eye(2)]
    np.testing.assert_allclose(moons.surface.gradient(point[None])[0], numeric, rtol=1e-6)


def test_every_run_lies_in_the_box_the_plane_is_drawn_in(moons):
    (x0, x1), (y0, y1) = moons.surface.box
    for run in moons.runs:
        assert (run.points[:, 0] > x0).all() and (run.points[:, 0] < x1).all()
        assert (run.points[:, 1] > y0).all() and (run.points[:, 1] < y1).all()


def test_a_model_of_two_parameters_is_its_own_plane():
    """cars-net is least squares, weight and bias: the PCA plane of its paths is the whole
    parameter space, so nothing is off it and the plane's loss is the true loss."""
    found = api.run("cars-net", ["sgd", "adam"], steps=40)
    for run in found.runs:
        np.testing.assert_allclose(run.off_plane, 0, atol=1e-9)
        np.testing.assert_allclose(run.plane_losses, run.losses, rtol=1e-10)
    assert found.surface.plane.explained == pytest.approx(1.0)


@pytest.mark.parametrize("kind", ["pca", "random", "hessian"])
def test_each_plane_can_be_asked_for(kind):
    found = api.run("moons-net", ["adam"], steps=20, plane=kind)
    assert found.surface.plane.kind == kind and found.settings["plane"] == kind
    assert 0 <= found.surface.plane.explained <= 1


def test_the_same_runs_on_another_plane_are_not_run_again(moons):
    again = slices.resliced(moons, "random")
    for a, b in zip(moons.runs, again.runs, strict=True):
        np.testing.assert_array_equal(a.parameters, b.parameters)
        np.testing.assert_array_equal(a.losses, b.losses)
    assert again.surface.plane.kind == "random"


def test_the_table_notes_say_which_plane_and_how_far_off_it(moons):
    note = moons.notes()[-1]
    assert "plane" in note and "farthest step" in note
    assert f"{max(r.off_plane.max() for r in moons.runs):.3g}" in note


def test_the_json_export_carries_the_plane_and_each_steps_honesty(moons, tmp_path):
    path = api.export(moons, tmp_path / "runs.json") if hasattr(api, "export") else None
    data = moons.to_dict() if path is None else json.loads(path.read_text())
    head = data["surface"]
    assert head["plane"]["kind"] == "pca"
    assert head["plane"]["explained"] == pytest.approx(moons.surface.plane.explained)
    assert head["network"]["init_seed"] == 0
    run = data["runs"][0]
    assert np.shape(run["points"]) == (STEPS + 1, 2)
    assert len(run["plane_losses"]) == len(run["off_plane"]) == STEPS + 1
    assert len(run["end_parameters"]) == api.load_surface("moons-net").dims


def test_the_csv_export_has_the_plane_loss_and_distance_columns(moons):
    from adamviz.exports import trajectories_csv

    rows = list(csv.DictReader(io.StringIO(trajectories_csv(moons))))
    assert {"plane_loss", "off_plane", "validation_loss"} <= set(rows[0])
    assert len(rows) == 3 * (STEPS + 1)
    assert float(rows[-1]["off_plane"]) == moons.runs[-1].off_plane[-1]


def test_a_sweep_draws_every_panel_on_one_plane():
    found = api.sweep("moons-net", "adam", {"lr": [0.01, 0.05]}, steps=30)
    planes = {id(cell.result.surface.plane) for cell in found.cells}
    assert len(planes) == 1 and found.surface is found.cells[0].result.surface


def run_cli(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_the_command_line_draws_a_network_on_the_plane_asked_for(tmp_path):
    out = tmp_path / "moons.png"
    got = run_cli("run", "-s", "moons-net", "--opt", "sgd", "--opt", "adam", "--steps", "40",
                  "--plane", "hessian", "--view", "contour,loss", "-o", str(out), "--json")
    assert got.exit_code == 0, got.output
    data = json.loads(got.stdout)
    assert data["surface"]["plane"]["kind"] == "hessian"
    assert out.stat().st_size > 10_000


@pytest.mark.parametrize("args, says", [
    (["run", "-s", "hump", "--plane", "pca"], "--plane pca slices a network's parameters"),
    (["run", "-s", "moons-net", "--plane", "flat"], "Invalid value for '--plane'"),
    (["basins", "-s", "moons-net"], "A basins map starts runs from a grid"),
    (["rates", "-s", "moons-net", "--opt", "sgd", "--grid", "lr=0.01:0.1:3"],
     "A rate map measures the distance"),
    (["trace", "-s", "moons-net"], "A trace tabulates every quantity"),
    (["run", "-s", "moons-net", "--start", "1,2"], "its runs start from its initialisation"),
    (["run", "-s", "moons-net", "--view", "contour,fit", "-o", "x.png"],
     "'moons-net' is a network, whose runs are drawn on a plane"),
    (["run", "-s", "moons-net", "--overlay", "grad", "-o", "x.png"],
     "a network whose gradient has a component in each of its 33 parameters"),
    (["run", "-s", "hump", "--tune", "lr", "--criterion", "validation-loss"],
     "The validation-loss criterion needs validation rows; hump has none"),
])
def test_what_a_network_cannot_do_is_one_line_and_exit_2(args, says, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    got = CliRunner().invoke(cli, args)
    assert got.exit_code == 2, got.output
    assert says in got.output and "Traceback" not in got.output
    assert not list(tmp_path.iterdir())  # nothing written


def test_a_batch_experiment_takes_a_plane(tmp_path):
    batch = tmp_path / "nets.toml"
    batch.write_text('[[experiment]]\nname = "moons"\nsurface = "moons-net"\n'
                     'optimizers = ["sgd", "adam"]\nsteps = 30\nplane = "random"\n'
                     'outputs = ["summary", "contour"]\n')
    got = run_cli("batch", str(batch), "-o", str(tmp_path / "out"), "-q")
    assert got.exit_code == 0, got.output
    files = sorted(p.name for p in (tmp_path / "out").rglob("*"))
    assert "runs.png" in files and "summary.csv" in files, files


def test_work_beyond_an_hour_on_a_network_is_refused_with_its_cost(tmp_path):
    from adamviz.core.errors import InputError
    from adamviz.core.limits import check_network_work

    check_network_work(3, 500, 300, 105)  # the benchmark's work: well inside
    with pytest.raises(InputError, match=r"1 run x 100,000 steps x 10,000 rows a step x 5,000 "
                                         r"parameters would take about 9.7 hours"):
        check_network_work(1, 100_000, 10_000, 5_000)
    rows = np.random.default_rng(0).normal(size=(20_000, 2))
    (tmp_path / "big.csv").write_text("x1,x2,label\n" + "".join(
        f"{a:.3f},{b:.3f},{int(a * b > 0)}\n" for a, b in rows))
    (tmp_path / "big.toml").write_text(
        'name = "big"\ndata = "big.csv"\ninit_seed = 0\nmodel = { layers = [2, 64, 64, 1], '
        'activation = "tanh", loss = "cross_entropy", inputs = ["x1", "x2"], '
        'target = "label" }\n')
    got = CliRunner().invoke(cli, ["run", "-s", str(tmp_path / "big.toml"), "--steps", "6000",
                                   "--no-plot"])
    assert got.exit_code == 2 and "would take about 1.0 hours" in got.output, got.output


def test_a_batch_criterion_that_the_surface_cannot_measure_is_refused_when_read(tmp_path):
    # (one check for tuning and batch files: it ran, and wrote its summary, before refusing)
    (tmp_path / "b.toml").write_text(
        '[[experiment]]\nname = "e"\nsurface = "hump"\noptimizers = ["sgd"]\nsteps = 3\n'
        'tune = { grid = "1e-3:1:3", criterion = "validation-loss" }\noutputs = ["summary"]\n')
    got = CliRunner().invoke(cli, ["batch", str(tmp_path / "b.toml"), "-o", str(tmp_path / "o")])
    assert got.exit_code == 2 and "tune.criterion: The validation-loss criterion needs " \
        "validation rows; hump has none" in got.output
    assert not (tmp_path / "o").exists()
