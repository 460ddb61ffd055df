"""Networks as surfaces: torch's own numbers on the same network, weights and rows
(tests/data/torch_networks.json, scripts/make_network_reference.py), run as a user runs them;
the file's checks, each one line; the init law; a one-unit network is the cars formula."""

import json
import pickle
import re

import numpy as np
import pytest

import adamviz
from adamviz import api, engine, single_run, surfaces
from adamviz.core.errors import InputError
from adamviz.core.limits import MAX_NETWORK_PARAMS
from adamviz.networks import Network
from adamviz.surfaces import NetworkSurface
from conftest import REPO

REFERENCE = json.loads((REPO / "tests" / "data" / "torch_networks.json").read_text())


DEFINED = {d["name"]: d for d in REFERENCE["defined"]}  # networks the script defines itself


def surface_of(name: str) -> NetworkSurface:
    if name in DEFINED:
        return surfaces.from_dict(DEFINED[name], source=f"make_network_reference {name}")
    return api.load_surface(name)


def close(ours, theirs, tol):
    """Equal to ``tol`` relative to the largest magnitude (coordinates near 0 included)."""
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    scale = max(1.0, float(np.abs(theirs).max()))
    assert np.abs(ours - theirs).max() <= tol * scale, np.abs(ours - theirs).max() / scale


def test_the_reference_covers_the_networks_and_every_torch_optimizer():
    names = {c["surface"] for c in REFERENCE["cases"]}
    assert names == {"moons-net", "cars-net", "moons-relu", "moons-softmax"}
    kinds = {(s.network.model.activation, s.network.model.loss, s.network.model.outputs)
             for s in map(surface_of, names)}
    assert kinds == {("tanh", "cross_entropy", 1), ("identity", "squared_error", 1),
                     ("relu", "cross_entropy", 1), ("sigmoid", "cross_entropy", 2)}
    assert {c["optimizer"] for c in REFERENCE["cases"]} >= {"sgd", "momentum", "nesterov",
                                                           "adam", "adamw", "rprop"}
    assert {c["batch_size"] for c in REFERENCE["cases"]} == {None, 32}


@pytest.mark.parametrize("entry", REFERENCE["derivatives"], ids=lambda e: e["surface"])
def test_value_gradient_and_hvp_equal_torch_autograd(entry):
    surface = surface_of(entry["surface"])
    points = np.array(entry["points"])
    close(surface.loss(points), entry["value"], 1e-12)
    close(surface.gradient(points), entry["gradient"], 1e-12)
    for point, V, theirs in zip(points, entry["directions"], entry["hvp"], strict=True):
        close(surface.hvp(point, np.array(V)), theirs, 1e-12)


@pytest.mark.parametrize("case", REFERENCE["cases"], ids=lambda c: "-".join(
    [c["surface"], c["optimizer"], "full" if c["batch_size"] is None else "batch"]))
def test_paths_equal_torch_optim_as_a_user_runs_them(case):
    surface = surface_of(case["surface"])
    spec = f"{case['optimizer']}:lr={case['hyperparams']['lr']}"
    result = adamviz.run(surface, [spec], steps=case["steps"], tol=0,
                         batch_size=case["batch_size"])
    run = result.runs[0]  # drawn on a plane; its full path is kept as it ran
    assert run.parameters.shape == (case["steps"] + 1, surface.dims)
    for step, theirs in case["kept"].items():
        close(run.parameters[int(step)], theirs, 1e-10)
    close(run.losses, case["losses"], 1e-10)
    if case["monitor"] is not None:  # the held-out loss, recorded at every step
        close(run.monitor, case["monitor"], 1e-10)
    else:
        assert run.monitor is None


def test_a_run_in_full_dimension_starts_at_the_init_and_records_the_validation_loss():
    result = adamviz.run("moons-net", ["adam"], steps=20)
    surface = result.surface.network_surface  # (the runs come back on a plane)
    assert surface.dims == 33 and result.runs[0].parameters.shape == (21, 33)
    assert tuple(result.runs[0].parameters[0]) == surface.default_start
    assert result.runs[0].monitor is not None and result.runs[0].losses[-1] < 0.69


def test_the_fast_float_path_declines_a_network_and_it_has_no_data_attribute():
    surface = api.load_surface("moons-net")
    assert not single_run.applies(surface, adamviz.make_optimizer("adam"))
    assert not hasattr(surface, "data")


def test_names_slices_and_the_init_law():
    net = Network((2, 3, 1), "tanh", "cross_entropy")
    assert net.n_params == 2 * 3 + 3 + 3 + 1
    assert net.names()[:3] == ("w1[0,0]", "w1[0,1]", "w1[1,0]")
    assert net.names()[6:10] == ("b1[0]", "b1[1]", "b1[2]", "w2[0,0]")
    assert [(n, s.start, s.stop, shape) for n, s, shape in net.layer_slices()] == [
        ("w1", 0, 6, (3, 2)), ("b1", 6, 9, (3,)), ("w2", 9, 12, (1, 3)), ("b2", 12, 13, (1,))]
    # torch's nn.Linear law: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases alike
    wide = Network((400, 50, 1), "relu", "squared_error")
    draws = wide.init(3)
    first, second = draws[:400 * 50 + 50], draws[400 * 50 + 50:]
    assert np.abs(first).max() <= 1 / 20 and np.abs(first).max() > 0.99 / 20
    assert np.abs(second).max() <= 1 / np.sqrt(50)
    assert abs(first.std() - (1 / 20) / np.sqrt(3)) < 1e-3
    gen = np.random.Generator(np.random.PCG64(3))  # the documented order: w1, b1, w2, b2
    assert np.array_equal(draws[:400 * 50], gen.uniform(-1 / 20, 1 / 20, 400 * 50))
    assert not np.array_equal(wide.init(3), wide.init(4))


def test_a_one_unit_network_is_the_cars_formula():
    net, formula = api.load_surface("cars-net"), api.load_surface("cars")
    assert net.dims == 2 and net.axes == ("w1[0,0]", "b1[0]")
    points = np.array([[0.0, 5.0], [3.9, -17.9], [-1.0, 12.0], [8.0, -40.0]])
    np.testing.assert_allclose(net.loss(points), formula.loss(points), rtol=1e-13)
    np.testing.assert_allclose(net.gradient(points), formula.gradient(points), rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_allclose(net.hessian(points), formula.hessian(points), rtol=1e-12)
    np.testing.assert_allclose(net.validation_loss(points), formula.validation_loss(points),
                               rtol=1e-13)


def test_minibatch_losses_chunk_and_pickling():
    surface = api.load_surface("moons-net")
    rng = np.random.default_rng(0)
    points = surface.default_start + rng.normal(0, 0.3, (5, surface.dims))
    rows = rng.integers(0, surface.training_rows, (5, 32))
    out = surface.batch_value_and_grad(np.ascontiguousarray(points.T), rows)
    for j in range(5):
        fit = surface.network
        alone = fit.model.value_and_grad(points[j][:, None], fit.train_x[rows[j]],
                                         fit.train_y[rows[j]])[:, 0]
        np.testing.assert_allclose(out[:, j], alone, rtol=1e-14, atol=1e-16)
    np.testing.assert_array_equal(surface.batch_loss(points.T, rows), out[0])
    again = pickle.loads(pickle.dumps(surface))
    np.testing.assert_array_equal(again.loss(points), surface.loss(points))
    assert again.identity() == surface.identity()


def test_many_runs_at_once_stay_within_the_chunk_memory(monkeypatch):
    from adamviz import networks

    surface = api.load_surface("moons-net")
    points = surface.default_start + np.random.default_rng(1).normal(0, 0.5, (40, 33))
    whole = surface.gradient(points)
    monkeypatch.setattr(networks, "CHUNK_BYTES", 8 * 225 * 8 * 12 * 3)  # 3 runs a chunk
    assert len(surface.network.model._chunks(40, 225)) == 14
    np.testing.assert_array_equal(surface.gradient(points), whole)


def test_a_plane_grid_of_runs_stays_within_the_chunk_memory():
    import tracemalloc

    surface = surfaces.from_dict(changed(model={"layers": [2, 8, 8, 1]}), source="grid")
    grid = surface.default_start + np.random.default_rng(2).normal(0, 0.5, (2500, surface.dims))
    columns = np.ascontiguousarray(grid.T)
    tracemalloc.start()
    try:
        out = surface.network.value_and_grad(columns)
        peak = tracemalloc.get_traced_memory()[1] - out.nbytes
    finally:
        tracemalloc.stop()
    assert peak < 40e6, peak


NETWORK = {"name": "net", "data": "moons", "model": {
    "layers": [2, 4, 1], "activation": "tanh", "loss": "cross_entropy",
    "inputs": ["x1", "x2"], "target": "label"}}


def changed(model=None, **keys):
    found = {**NETWORK, **keys}
    if model is not None:
        found["model"] = model if isinstance(model, str) else {**NETWORK["model"], **model}
    return {k: v for k, v in found.items() if v is not None}


@pytest.mark.parametrize("data, reason", [
    (changed(layer=[2, 1]), r"unknown key 'layer'"),
    (changed(model={"layer": 3}), r"model: unknown key 'layer'; did you mean 'layers'"),
    (changed(model={"layers": [2]}), r"model.layers must be a list of 2 to 8 whole numbers"),
    (changed(model={"layers": [2, 0, 1]}), r"whole numbers from 1 to 1024"),
    (changed(model={"layers": [2, 4.0, 1]}), r"whole numbers"),
    (changed(model={"layers": [2, True, 1]}), r"whole numbers"),
    (changed(model={"layers": [2] * 9}), r"2 to 8 whole numbers"),
    (changed(model={"layers": "2-4-1"}), r"model.layers must be a list"),
    (changed(model={"layers": [3, 4, 1]}), r"layers starts with 3 inputs but inputs names 2"),
    (changed(model={"activation": "gelu"}), r"unknown activation 'gelu'; known: tanh, relu"),
    (changed(model={"loss": "mse"}), r"unknown loss 'mse'; known: squared_error"),
    (changed(model={"target": "x1"}), r"target 'x1' is also an input"),
    (changed(model={"layers": [1, 4, 1], "inputs": ["x1"], "target": "x2"}),
     r"class indices 0..1 for cross_entropy.*has -?\d"),
    (changed(model={"layers": [2, 4, 3]}), None),  # labels 0/1 are classes of 3: fine
    (changed(model={"inputs": ["x1", "x3"]}), r"model.inputs: 'x3' is not a column of bundled"),
    (changed(model={"target": "y"}), r"model.target: 'y' is not a column"),
    (changed(model={"loss": "squared_error", "layers": [2, 4, 2]}), r"the last width must be 1"),
    (changed(model="2-4-1"), None),  # a string model is a formula's: no network
    (changed(model={"layers": [2, 1024, 1024, 1]}),
     r"model.layers \[2, 1024, 1024, 1\]: the network has 1,053,697 parameters, more than "
     r"the 5,000 .*params x rows = 316,109,100 multiply-adds"),
    (changed(init_seed=-1), r"init_seed must be a whole number >= 0"),
    (changed(init_seed=1.5), r"init_seed must be a whole number >= 0"),
    (changed(init_seed=True), r"init_seed must be a whole number >= 0"),
    (changed(plane="tsne"), r"plane 'tsne' is unknown"),
    (changed(validation=1.5), r"validation share 1.5 is not a fraction"),
    (changed(validation=float("nan")), r"validation is a share of the rows"),
    (changed(split_seed=3), r"split_seed picks the rows"),
    (changed(data="nowhere"), r"No bundled data set 'nowhere'"),
    (changed(data=None), r"a network needs data"),
    (changed(data=3), r"data must name a CSV file"),
    (changed(name=None), r"missing required key 'name'"),
    (changed(name="a b"), r"name 'a b' may use only"),
    (changed(steps=0), r"steps must be a whole number >= 1"),
    (changed(lr={"sgd": -1}), r"lr.sgd must be a positive number"),
])
def test_a_bad_network_file_is_one_line_naming_the_key(data, reason):
    if reason is None:
        if isinstance(data["model"], str):  # the formula surface's own checks refuse it
            with pytest.raises(InputError):
                surfaces.from_dict(data, source="bad.toml")
        else:
            assert isinstance(surfaces.from_dict(data, source="bad.toml"), NetworkSurface)
        return
    with pytest.raises(InputError) as caught:
        surfaces.from_dict(data, source="bad.toml")
    message = str(caught.value)
    assert message.startswith("bad.toml") and "\n" not in message
    assert re.search(reason, message), message
    assert MAX_NETWORK_PARAMS == 5_000


def test_a_large_hessian_is_refused_in_one_line():
    surface = surfaces.from_dict(changed(model={"layers": [2, 60, 30, 1]}), source="big.toml")
    assert surface.dims > 2000
    with pytest.raises(InputError, match=r"full Hessian of 2,041 parameters"):
        surface.hessian(np.array([surface.default_start]))


def test_the_listing_and_the_box():
    surface = api.load_surface("moons-net")
    lo, hi = engine.escape_box(surface)
    assert len(lo) == 33 and (hi - lo).min() >= 10 * 2 * 5
    assert surface.expr == "2-8-1 tanh MLP, cross-entropy on moons"
    assert surface.default_plane == "pca" and surface.layer_slices()[0][0] == "w1"


def test_the_listing_says_a_networks_parameters_in_one_line():
    from click.testing import CliRunner

    from adamviz.cli import cli

    out = CliRunner().invoke(cli, ["surfaces"])
    assert out.exit_code == 0, out.output
    assert ("33 parameters (w1, b1, w2, b2) from torch's initialisation (seed 0); data: moons, "
            "225 training rows, 75 validation rows; plane: pca") in out.output
    assert "w1[0,0] in" not in out.output


def test_the_identity_follows_what_decides_the_runs():
    base = surfaces.from_dict(NETWORK, source="a.toml").identity()
    assert base == surfaces.from_dict(dict(NETWORK, description="other"),
                                      source="b.toml").identity()
    for other in (changed(init_seed=1), changed(validation=0.25),
                  changed(model={"activation": "relu"}), changed(steps=10)):
        assert surfaces.from_dict(other, source="a.toml").identity() != base


def test_a_csv_beside_the_file_and_a_validation_file(tmp_path):
    (tmp_path / "rows.csv").write_text("a,b,c\n0,1,0\n1,0,1\n0.5,0.5,2\n2,2,1\n")
    (tmp_path / "held.csv").write_text("a,b,c\n1,1,0\n")
    (tmp_path / "three.toml").write_text(
        'name = "three"\ndata = "rows.csv"\nvalidation = "held.csv"\n'
        'model = { layers = [2, 3], activation = "identity", loss = "cross_entropy", '
        'inputs = ["a", "b"], target = "c" }\n')
    surface = api.load_surface(tmp_path / "three.toml")
    assert surface.training_rows == 4 and surface.has_validation and surface.dims == 9
    start = np.array([surface.default_start])
    logits = surface.predict(start, np.array([[1.0, 1.0]]))[0, 0]
    expected = np.log(np.exp(logits).sum()) - logits[0]  # the held-out row is class 0
    np.testing.assert_allclose(surface.validation_loss(start), [expected], rtol=1e-14)
    (tmp_path / "held.csv").write_text("a,b,c\n1,1,3\n")
    with pytest.raises(InputError, match=r"class indices 0..2 .* row 1 of .*held.csv has 3"):
        api.load_surface(tmp_path / "three.toml")
