"""The player on a loss over data, in a real browser: the data travels with the page and every
run is made live from it, as the engine makes it (a sum over rows added as numpy adds it), so a
click or a drag gives the engine's own path; what cannot be live (minibatches, a data set too
large to carry) is recorded and says why."""

import json
import subprocess

import numpy as np
import pytest
from test_browser import MISSING, open_page
from test_player_live import drag, settle, state, view_point

from adamviz import api
from adamviz.render import player_data
from adamviz.render.jsprogram import data_javascript
from adamviz.surfaces import Surface

pytestmark = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")
OPTS = ["sgd:lr=0.002", "adam:lr=0.5"]


@pytest.mark.parametrize("name", ["lecture", "cars", "iris", "dip"])
def test_the_pages_loss_over_data_is_the_engines(name):
    """Arithmetic alone (least squares) to the bit; tanh, exp and log within V8's ulp."""
    surface = api.load_surface(name)
    program = data_javascript(surface.data.programs, surface.data.columns(surface.data.train))
    box = np.array(surface.box)
    points = np.random.default_rng(0).uniform(box[:, 0], box[:, 1], (100, surface.dims))
    script = program + ("\nconst pts = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
                        "process.stdout.write(JSON.stringify(pts.map(p => valueAndGrad(...p))));")
    done = subprocess.run(["node", "-e", script], input=json.dumps(points.tolist()),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    theirs = np.array(json.loads(done.stdout))
    ours = surface.evaluator("value_and_grad")(points).T
    if name in ("lecture", "cars"):
        np.testing.assert_array_equal(theirs, ours)
    else:
        np.testing.assert_allclose(theirs, ours, rtol=1e-14, atol=1e-15)


@pytest.fixture(scope="module")
def cars_page(browser, tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "cars.html"
    api.player(api.run("cars", OPTS, steps=300), path)
    tab = open_page(browser, path)
    yield tab
    tab.close()


def test_a_click_on_the_cars_page_runs_the_engines_path_bit_for_bit(cars_page):
    tab = cars_page
    shown = state(tab)
    assert all(r["live"] for r in shown["runs"]), [r.get("reason") for r in shown["runs"]]
    u, v = view_point(tab, 2.0, -25.0)
    tab.mouse.click(u, v)
    settle(tab)
    shown = state(tab)
    start = shown["start"]
    assert start == pytest.approx([2.0, -25.0], abs=0.3)
    engine = api.run("cars", OPTS, [tuple(start)], steps=300)
    for mine, theirs in zip(shown["runs"], engine.runs, strict=True):
        np.testing.assert_array_equal(np.array(mine["points"], dtype=float), theirs.points)
    drag(tab, "#knob-1-lr", 0.6, 0.4)  # Adam's rate, by its slider
    shown = state(tab)
    lr = shown["runs"][1]["hyperparameters"]["lr"]
    again = api.run("cars", [f"adam:lr={lr!r}"], [tuple(start)], steps=300)
    np.testing.assert_array_equal(np.array(shown["runs"][1]["points"], dtype=float),
                                  again.runs[0].points)
    assert tab.errors == []


def test_minibatches_and_big_data_are_recorded_and_say_why(browser, tmp_path):
    batched = api.run("cars", ["sgd:lr=0.002,batch_size=8"], steps=50)
    said = player_data.recorded_because(batched.runs[0], batched, {})
    assert "minibatch of 8 rows" in said
    rows = player_data.LIVE_DATA  # two columns of this many rows: twice the page's limit
    x = np.linspace(-1, 1, rows)
    big = Surface.from_data({"x": x, "y": 2 * x}, expr="mean((w*x + b - y)**2)",
                                params=["w", "b"], xlim=[-3, 3], ylim=[-3, 3])
    result = api.run(big, ["sgd:lr=0.1"], steps=20)
    said = player_data.recorded_because(result.runs[0], result, {})
    assert f"{rows:,} rows of data" in said and "to run live" in said
    path = tmp_path / "big.html"
    api.player(result, path)
    tab = open_page(browser, path)
    try:
        shown = state(tab)
        assert not shown["runs"][0]["live"]
        np.testing.assert_allclose(np.array(shown["runs"][0]["points"], dtype=float),
                                   result.runs[0].points, rtol=1e-6)  # recorded as float32
        assert tab.errors == []
    finally:
        tab.close()
