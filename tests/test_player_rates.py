"""The player's ratemap view (``--view ratemap``): each run's optimizer's measured convergence-rate
map, made by ``studies.rates.rate_map`` when the page is written and carried in DATA, drawn
beside the run's sliders with a ring at the run's values that moves as a slider is dragged."""

import base64
import json
import math
import os

import numpy as np
import pytest
from click.testing import CliRunner
from test_browser import MISSING, open_page
from test_player_live import drag, settle, state

from adamviz import api
from adamviz.cli import cli
from adamviz.core.errors import InputError
from adamviz.outputs import player_rate_maps
from adamviz.render import player_data
from adamviz.render.html import page
from adamviz.studies.rates import rate_map

OPTS = ["momentum:lr=0.03", "adam:lr=0.1"]
browser_only = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")


@pytest.fixture(scope="module")
def result():
    return api.run("valley", OPTS, steps=200)


@pytest.fixture(scope="module")
def maps(result):
    return player_rate_maps(result)


def unpack(p) -> np.ndarray:
    dtype = {"f4": "<f4", "u1": "u1"}[p["dtype"]]
    return np.frombuffer(base64.b64decode(p["data"]), dtype=dtype).reshape(p["shape"])


def test_each_optimizer_gets_lr_by_its_next_hyperparameter_around_the_run(maps):
    momentum, adam = maps["momentum"], maps["adam"]
    assert [(a.name, a.low, a.high, a.n, a.log) for a in momentum.axes] == [
        ("lr", pytest.approx(0.003), pytest.approx(0.3), 24, True), ("momentum", 0.0, 0.99, 24,
                                                                      False)]
    assert [a.name for a in adam.axes] == ["lr", "beta1"]
    assert adam.axes[0].low == pytest.approx(0.01) and adam.axes[1].high == 0.999
    assert momentum.start == (-2.5, 1.0) and momentum.steps == 200
    assert momentum.hyperparams["dampening"] == 0  # the run's other values, as it ran


def test_the_pages_map_is_rate_maps_own(result, maps):
    """The same grid through rate_map directly gives the numbers DATA carries (as float32)."""
    spec = maps["momentum"]
    again = rate_map("valley", "momentum", [(a.name, a.low, a.high, a.n) for a in spec.axes],
                     start=spec.start, steps=spec.steps, log=("lr",))
    assert np.array_equal(again.measured, spec.measured, equal_nan=True)
    assert np.array_equal(again.status, spec.status)
    entry = player_data.data(result, result.surface.box, None, maps)["rateMaps"]["momentum"]
    assert np.array_equal(unpack(entry["rate"]), spec.measured.astype("<f4"), equal_nan=True)
    assert np.array_equal(unpack(entry["status"]), spec.status)
    assert entry["axes"][0] == {"name": "lr", "low": spec.axes[0].low,
                                "high": spec.axes[0].high, "n": 24, "log": True}
    assert len(entry["colors"]) == 32 and entry["low"] == pytest.approx(
        float(np.nanmin(np.where(spec.status == 2, np.nan, spec.measured))))


def test_a_page_without_the_view_carries_no_map(result, maps):
    plain, with_maps = page(result), page(result, rate_maps=maps)
    assert '"rateMaps"' not in plain and "const RateMaps" not in plain
    assert '"rateMaps"' in with_maps and "const RateMaps" in with_maps
    # two 24 x 24 maps and the panel's script: under 20 kB
    assert len(with_maps.encode()) - len(plain.encode()) < 20_000


def test_a_still_refuses_the_ratemap_view_in_one_line(result, tmp_path):
    with pytest.raises(InputError, match="drawn by the .html player only"):
        api.save_plot(result, tmp_path / "m.png", "contour,ratemap")
    out = CliRunner().invoke(cli, ["run", "-s", "valley", "--opt", "momentum", "--view",
                                   "contour,ratemap", "-o", str(tmp_path / "m.png")])
    assert out.exit_code == 2 and "drawn by the .html player only" in out.output
    assert "Traceback" not in out.output
    out = CliRunner().invoke(cli, ["run", "-s", "valley", "--opt", "momentum", "--view",
                                   "loss", "-o", str(tmp_path / "m.html")])
    assert out.exit_code == 2 and "--view contour,ratemap" in out.output


def test_the_cli_writes_the_view_into_the_player(tmp_path):
    out = CliRunner().invoke(cli, ["run", "-s", "valley", "--opt", "momentum:lr=0.03",
                                   "--steps", "100", "--view", "ratemap", "-o",
                                   str(tmp_path / "m.html"), "-q"])
    assert out.exit_code == 0, out.output
    text = (tmp_path / "m.html").read_text()
    data = json.loads(text.split("const DATA = ", 1)[1].split(";\n", 1)[0])
    assert list(data["rateMaps"]) == ["momentum"]
    assert data["rateMaps"]["momentum"]["steps"] == 100


def cell_of(axis: dict, value: float) -> int:
    """The cell a value falls in, as the page's RateMaps.along places it."""
    t = math.log(value / axis["low"]) / math.log(axis["high"] / axis["low"]) if axis["log"] \
        else (value - axis["low"]) / (axis["high"] - axis["low"])
    return min(max(round(t * (axis["n"] - 1)), 0), axis["n"] - 1)


def marks(tab, optimizer):
    return json.loads(tab.locator(f'#ratemaps figure[data-optimizer="{optimizer}"] canvas')
                      .get_attribute("data-marks"))


@browser_only
def test_dragging_a_slider_moves_the_runs_ring_to_its_cell(browser, result, maps, tmp_path):
    path = tmp_path / "rates.html"
    api.player(result, path, rates=True)
    tab = open_page(browser, path)
    try:
        axes = [{"name": a.name, "low": a.low, "high": a.high, "n": a.n, "log": a.log}
                for a in maps["momentum"].axes]
        before = marks(tab, "momentum")[0]
        assert before["cell"] == [cell_of(axes[0], 0.03), cell_of(axes[1], 0.9)]
        assert not before["off"]
        drag(tab, "#knob-0-momentum", 0.9, 0.3)  # the mouse, down, along, up
        values = state(tab)["runs"][0]["hyperparameters"]
        assert values["momentum"] < 0.5
        after = marks(tab, "momentum")[0]
        assert after["cell"] == [cell_of(axes[0], values["lr"]),
                                 cell_of(axes[1], values["momentum"])]
        assert after["cell"][1] < before["cell"][1] and after["y"] > before["y"]
        i, j = after["cell"]
        assert after["status"] == maps["momentum"].status[j, i]
        assert after["rate"] == pytest.approx(maps["momentum"].measured[j, i], rel=1e-6,
                                              nan_ok=True)
        drag(tab, "#knob-0-lr", 0.5, 0.98)  # beyond the map's lr: on its edge, said so
        off = marks(tab, "momentum")[0]
        assert off["off"] and off["cell"][0] == 23
        text = tab.locator('#ratemaps figure[data-optimizer="momentum"] p').text_content()
        assert "off the map (lr above 0.3)" in text
        settle(tab)
        tab.locator("#ratemaps").scroll_into_view_if_needed()
        tab.locator("#ratemaps").screenshot(path=os.environ.get(
            "ADAMVIZ_RATES_SHOT", str(tmp_path / "rates.png")))
        assert tab.errors == []
    finally:
        tab.close()


def test_a_map_needs_a_minimum_and_rates_is_a_switch(tmp_path, result):
    (tmp_path / "nomin.toml").write_text('name = "nomin"\nexpr = "x**2 + y**2"\n'
                                         'xlim = [-2, 2]\nylim = [-2, 2]\n')
    out = CliRunner().invoke(cli, ["run", "-s", str(tmp_path / "nomin.toml"), "--opt",
                                   "momentum:lr=0.05", "--view", "ratemap", "-o",
                                   str(tmp_path / "m.html")])
    assert out.exit_code == 2 and "lists none; drop ratemap from --view" in out.output
    assert "max steps" not in out.output and not (tmp_path / "m.html").exists()  # no runs
    with pytest.raises(InputError, match="rates is true or false"):
        api.player(result, tmp_path / "m.html", rates="yes")
