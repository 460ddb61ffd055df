"""Convergence-rate maps (``studies/rates.py``): measured rates against gradient descent's closed
form on the valley, statuses, the export's columns, bad grids as one line, the CLI, the picture."""

import csv
import io
import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from adamviz import api, engine
from adamviz.cli import cli
from adamviz.core.errors import InputError
from adamviz.optimizers import registry
from adamviz.studies import rate_theory, rates
from adamviz.studies.runs import load_surface


@pytest.fixture(scope="module")
def sgd_line():
    return rates.rate_map("valley", "sgd", [("lr", 0.001, 0.06, 120)], steps=3000)


def test_sgd_on_the_valley_measures_max_of_one_minus_lr_lambda(sgd_line):
    lr = sgd_line.axes[0].values
    assert sgd_line.eigenvalues == pytest.approx((1.0, 36.0), abs=1e-12)
    predicted = np.max(np.abs(1 - lr[:, None] * np.array([1.0, 36.0])), axis=1)
    converged = sgd_line.status == rates.STATUSES.index(rates.CONVERGED)
    assert converged.sum() > 50
    assert np.abs(sgd_line.measured - predicted)[converged].max() < 1e-3
    diverged = sgd_line.status == rates.STATUSES.index(rates.DIVERGED)
    assert (lr[diverged] > 2 / 36).all() and diverged[lr > 2 / 36 + 1e-3].all()  # the edge
    assert np.isnan(sgd_line.measured[diverged]).all()
    assert sgd_line.stability_edge == pytest.approx(2 / 36, rel=1e-12)


def test_every_cell_is_its_own_run_bit_for_bit():
    found = rates.rate_map("valley", "momentum", [("lr", 0.01, 0.09, 4),
                                                  ("momentum", 0.0, 0.9, 3)], steps=200)
    surface = load_surface("valley")
    for j, momentum in enumerate(found.axes[1].values):
        for i, lr in enumerate(found.axes[0].values):
            one = engine.run(surface, registry.make("momentum", lr=float(lr),
                                                    momentum=float(momentum)),
                             np.array([surface.default_start]), 200, record="paths")
            assert found.final_loss[j, i] == one.end_losses[0]
            distance = np.linalg.norm(one.paths.points[:, 0], axis=1)
            if found.status[j, i] == 0:  # the first step within tol of the minimum
                assert found.steps_taken[j, i] == np.argmax(distance <= rates.DEFAULT_TOL)
            else:
                assert (distance > rates.DEFAULT_TOL).all()
    assert set(np.unique(found.status).tolist()) <= {0, 1, 2}


def test_rate_fit_on_a_known_geometric_sequence():
    k = np.arange(101, dtype=float)
    d = (0.8 ** k * (1.5 + np.cos(2.0 * k)))[:, None, None]  # a spiral-like swing
    rate, _, _ = rates.measured_rates(d, np.array([1e-280]), np.zeros((1, 2)),
                                      np.zeros((1, 2)), np.array([100]))
    assert rate[0] == pytest.approx(0.8, abs=5e-3)


def test_minima_are_sharpened_and_floored_where_rounding_moves_points():
    sharp, floor = rates.floors(load_surface("valley"), np.array([[1e-3, -1e-3]]))
    assert np.array_equal(sharp, [[0.0, 0.0]]) and floor[0] == rates.TINY
    sharp, floor = rates.floors(load_surface("rosenbrock"), np.array([[1.0, 1.0]]))
    assert floor[0] == pytest.approx(rates.FLOOR * np.sqrt(2))


def test_export_has_a_row_per_cell_with_exact_numbers(tmp_path):
    found = rates.rate_map("valley", "momentum", [("lr", 0.01, 0.05, 3),
                                                  ("momentum", 0.1, 0.5, 2)], steps=300)
    rows = found.rows()
    assert len(rows) == 6
    assert list(rows[0]) == ["lr", "momentum", "measured_rate", "predicted_rate", "status",
                             "steps", "final_loss"]
    assert [(r["lr"], r["momentum"]) for r in rows[:3]] == [(0.01, 0.1), (0.03, 0.1),
                                                            (0.05, 0.1)]
    lr, mu = np.meshgrid([0.01, 0.03, 0.05], [0.1, 0.5])
    heavy_ball = rate_theory.heavy_ball_rate(np.array([1.0, 36.0]), lr, mu)
    assert [r["predicted_rate"] for r in rows] == pytest.approx(heavy_ball.ravel(), abs=1e-12)
    assert found.predicted_note == ""
    from adamviz.exports import rows_csv, rows_json
    table = list(csv.DictReader(io.StringIO(rows_csv(rows))))
    assert float(table[4]["final_loss"]) == found.final_loss[1, 1]
    assert float(table[0]["predicted_rate"]) == found.predicted[0, 0]
    assert json.loads(rows_json(rows))[5]["measured_rate"] == found.measured[1, 2]


@pytest.mark.parametrize("grid, log, words", [
    ([("lr", 0.1, 0.1, 5)], (), "one point"),
    ([("lr", 0.1, 0.01, 5)], (), "reversed"),
    ([("lr", 0.1, 0.2, 1)], (), "at least 2"),
    ([("lr", -0.1, 0.2, 5)], (), r"not a valid lr \(must be > 0\)"),
    ([("momentum", -0.5, 0.5, 5)], (), "not a valid momentum"),
    ([("lr", 0.0, 0.2, 5)], ("lr",), "log axis needs a low end > 0"),
    ([("lr", 0.01, 0.2, 5)], ("momentum",), "not a grid axis"),
    ([("speed", 0.1, 0.2, 5)], (), "known: dampening, lr, momentum, weight_decay"),
    ([("lr", 0.01, 0.2, 5), ("lr", 0.01, 0.2, 5)], (), "given twice"),
    ([("nesterov", 0, 1, 2)], (), "not a number of this optimizer"),
    ([("lr", 0.01, 0.1, 2000), ("momentum", 0.0, 0.9, 2000)], (),
     r"4,000,000 cells of 500 steps would keep .* GB and take about"),
    (["lr=0.1:0.2"], (), "NAME=LOW:HIGH:N"),
    (["lr=0.01:0.2:3"], (), "sets lr itself"),
    ([("lr", 0.01)], (), "A grid axis is"),
    ([1, 2], (), "A grid axis is"),
    (["lr=0.001:0.1:10", 5], (), "got 5"),
    (["momentum=\u22120.1:0.9:5"], (), "the ASCII '-'"),
])
def test_bad_grids_are_one_line(grid, log, words):
    with pytest.raises(InputError, match=words) as caught:
        rates.rate_map("valley", "momentum:lr=0.1" if words == "sets lr itself" else
                       "momentum", grid, log=log)
    assert "\n" not in str(caught.value)


def test_cli_writes_the_map_and_export_and_exits_2_on_a_bad_grid(tmp_path):
    runner = CliRunner()
    out, export = tmp_path / "map.png", tmp_path / "map.csv"
    result = runner.invoke(cli, ["rates", "-s", "valley", "--opt", "momentum", "--grid",
                                 "lr=0.01:0.09:6", "--grid", "momentum=0:0.9:5", "--steps",
                                 "200", "-o", str(out), "--export", str(export)])
    assert result.exit_code == 0, result.output
    assert "stability edge" in result.stdout
    rows = list(csv.DictReader(export.open()))
    assert len(rows) == 30 and {r["status"] for r in rows} <= set(rates.STATUSES)
    assert out.stat().st_size > 0
    for bad in (["--grid", "lr=0.1:0.01:5"], ["--grid", "lr=0:1:5", "--log", "lr"],
                ["--grid", "lr=1:2:3", "--grid", "momentum=0:1:3", "--grid", "lr=1:2:3"]):
        result = runner.invoke(cli, ["rates", "-s", "valley", "--no-plot", *bad])
        assert result.exit_code == 2 and "Traceback" not in result.output
        assert len(result.stderr.strip().splitlines()) == 1
    result = runner.invoke(cli, ["rates", "-s", "valley", "--grid", "lr=0.01:0.05:3",
                                 "--no-plot", "--json", "-q"])
    document = json.loads(result.stdout)
    assert document["kind"] == "rates" and len(document["cells"]) == 3
    assert document["theory"] == {"minimum": [0.0, 0.0], "eigenvalues": [1.0, 36.0],
                                  "method": "heavy ball", "note": "", "optimum": None}


@pytest.mark.parametrize("opt, grid, theory", [
    ("momentum", [("lr", 0.01, 0.1, 20), ("momentum", 0.0, 0.95, 15)], True),
    ("adam", [("lr", 0.01, 0.5, 12), ("beta1", 0.0, 0.95, 10)], False),  # a long caption
    ("adam", [("lr", 0.01, 0.5, 12)], False),
])
def test_map_picture_layout(tmp_path, opt, grid, theory):
    """Nothing leaves the page or overlaps (the caption, which a theory's note makes long,
    pushes the legend and the map up); where the theory does not hold, it is not drawn."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: F401

    from adamviz.render import rates as drawing
    found = rates.rate_map("valley", opt, grid, steps=300, log=("lr",) if opt == "adam" else ())
    assert bool(found.predicted_note) != theory
    assert ("does not hold here" in found.table()) != theory
    captured = {}
    real_save = drawing.save

    def keep(fig, path, **kw):
        captured["fig"] = fig
        return real_save(fig, path, **kw)

    drawing.save = keep
    try:
        api.save_rates(found, tmp_path / "map.png")
    finally:
        drawing.save = real_save
    fig = captured["fig"]
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    caption = fig.texts[-1].get_window_extent(renderer)
    legend = fig.legends[0].get_window_extent(renderer)
    boxes = [t.get_window_extent(renderer) for t in fig.texts] + [legend] + \
        [ax.get_tightbbox(renderer) for ax in fig.axes]
    for b in boxes:  # everything on the page
        assert b.x0 >= box.x0 - 1 and b.x1 <= box.x1 + 1 and b.y0 >= box.y0 - 1
        assert b.y1 <= box.y1 + 1
    main = fig.axes[0].get_tightbbox(renderer)
    assert not main.overlaps(legend) and not caption.overlaps(legend)
    if len(fig.axes) > 1:
        assert not main.overlaps(fig.axes[1].get_tightbbox(renderer))
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert any("not converged" in t for t in labels) and any("stability edge" in t for t in labels)
    assert any("predicted" in t for t in labels) == theory
    assert ("No predicted rate is drawn" in fig.texts[-1].get_text()) != theory


BATCH = """
[[experiment]]
name = "map"
surface = "valley"
optimizers = ["momentum"]
steps = 200
rates = { grid = ["lr=0.01:0.09:5", "momentum=0:0.9:4"], log = [] }
outputs = ["rates", "rates_table"]
"""


def test_a_batch_experiment_writes_the_map_and_its_table(tmp_path):
    path = tmp_path / "b.toml"
    path.write_text(BATCH)
    result = CliRunner().invoke(cli, ["batch", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((tmp_path / "out" / "map" / "rates.csv").open()))
    assert len(rows) == 20 and list(rows[0])[:3] == ["lr", "momentum", "measured_rate"]
    assert (tmp_path / "out" / "map" / "rates.png").stat().st_size > 0


@pytest.mark.parametrize("change, words", [
    (('outputs = ["rates", "rates_table"]', 'outputs = ["summary"]'), "add \"rates\""),
    (("rates = { grid", "ratez = { grid"), "unknown key"),
    (('optimizers = ["momentum"]', 'optimizers = ["momentum", "sgd"]'), "grids one optimizer"),
    (("lr=0.01:0.09:5", "lr=0.09:0.01:5"), r"experiment\[0\].rates: --grid lr=0.09:0.01:5"),
    (('rates = { grid = ["lr=0.01:0.09:5", "momentum=0:0.9:4"], log = [] }\n', ""),
     "rates needs a rates table"),
])
def test_a_bad_rates_table_is_one_line_before_any_run(tmp_path, change, words):
    path = tmp_path / "b.toml"
    path.write_text(BATCH.replace(*change))
    result = CliRunner().invoke(cli, ["batch", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert re.search(words, result.stderr), result.stderr
    assert not (tmp_path / "out").exists()


def test_a_curve_and_the_progress_callback():
    seen = []
    found = rates.rate_map("lecture", "sgd", [("lr", 0.01, 0.2, 6)], steps=100,
                           progress=lambda done, total: seen.append((done, total)))
    assert found.measured.shape == (6,) and found.eigenvalues == pytest.approx((18.0,))
    assert seen[-1] == (100, 100) and len(seen) > 2
    converged = found.status == 0
    lr = found.axes[0].values
    assert np.abs(found.measured - np.abs(1 - 18 * lr))[converged].max() < 1e-3


def test_a_start_at_the_minimum_is_refused_in_one_line():
    with pytest.raises(InputError, match=r"is a minimum of valley: there is no distance"):
        rates.rate_map("valley", "momentum", [("lr", 0.01, 0.1, 3)], start=(0, 0))


def test_a_run_that_stalls_near_the_minimum_is_measured_on_its_way_in():
    """Adam reaches the valley's minimum in a few dozen steps and then hovers at a distance its
    eps sets: its rate is the descent's, below 1, not the plateau's 1."""
    found = rates.rate_map("valley", "adam", [("lr", 0.2, 0.32, 4), ("beta1", 0.0, 0.05, 4)])
    converged = found.status == 0
    assert converged.any() and (found.measured[converged] < 0.999).all()
    assert found.predicted_note and all(r["predicted_rate"] is None for r in found.rows())


def test_the_table_names_no_fastest_rate_when_nothing_converged():
    found = rates.rate_map("valley", "momentum", [("lr", 0.2, 0.3, 3)], steps=20)
    assert not (found.status == 0).any()
    assert "no cell converged" in found.table()


def test_a_map_shows_as_a_picture_in_a_notebook():
    found = rates.rate_map("valley", "momentum", [("lr", 0.01, 0.05, 4),
                                                  ("momentum", 0.1, 0.5, 3)], steps=100)
    png = found._repr_png_()
    assert png.startswith(b"\x89PNG") and found._repr_png_() is png  # drawn once
