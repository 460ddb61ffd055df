"""The HTML player in a real browser (Debian's Chromium driven by playwright): it loads with no
console error, plays, scrubs to the Python run's numbers, and a click starts every optimizer
where the engine would. Without a browser these skip, saying why; ADAMVIZ_REQUIRE_BROWSER=1
(CI) turns that into a failure."""

import os
import re
import shutil

import numpy as np
import pytest

from adamviz import api

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _browser_missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install playwright)"
    if not os.path.exists(CHROMIUM):
        return "Chromium is not installed (apt-get install chromium)"
    return None


MISSING = _browser_missing()
if MISSING and os.environ.get("ADAMVIZ_REQUIRE_BROWSER"):
    raise RuntimeError(f"ADAMVIZ_REQUIRE_BROWSER is set but {MISSING}")
pytestmark = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")

OPTS = ["sgd:lr=0.01", "momentum:lr=0.01", "adam:lr=0.3"]


def open_page(browser, path):
    """``path`` in a new tab that collects console errors in ``tab.errors``."""
    tab = browser.new_page(viewport={"width": 820, "height": 1100})
    errors = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.goto(path.as_uri())
    tab.wait_for_function("window.adamvizPlayer !== undefined")
    tab.errors = errors
    return tab


@pytest.fixture(scope="module")
def page(browser, tmp_path_factory):
    path = tmp_path_factory.mktemp("player") / "paths.html"
    api.player(api.run("hump", OPTS, [(-2, 1)], steps=300), path)
    tab = open_page(browser, path)
    yield tab
    tab.screenshot(path=str(path.with_suffix(".png")))


def state(page):
    return page.evaluate("() => { const s = window.adamvizPlayer.state(); return {k: s.k, "
                         "playing: s.playing, start: s.start, points: s.runs.map(r => r.points),"
                         " status: s.runs.map(r => r.status)}; }")


def test_it_loads_without_errors_and_shows_the_engines_paths(page):
    assert page.errors == []
    python = api.run("hump", OPTS, [(-2, 1)], steps=300)
    shown = state(page)
    for points, run in zip(shown["points"], python.runs, strict=True):
        np.testing.assert_allclose(np.array(points), run.points, rtol=1e-10, atol=1e-12)
    assert shown["status"] == [r.status for r in python.runs]


def test_the_loss_panel_follows_the_step(page):
    """Below the view, loss - f* per step: drawn, and redrawn when the step moves."""
    grab = "() => document.getElementById('loss').toDataURL()"
    page.evaluate("() => { const s = document.getElementById('step'); s.value = 10; "
                  "s.dispatchEvent(new Event('input')); }")
    first = page.evaluate(grab)
    page.keyboard.press("ArrowRight")
    assert page.evaluate(grab) != first
    blank = page.evaluate("() => { const c = document.createElement('canvas'); "
                          "c.width = document.getElementById('loss').width; c.height = "
                          "document.getElementById('loss').height; return c.toDataURL(); }")
    assert first != blank


def test_play_moves_the_frames(page):
    page.evaluate("() => { document.getElementById('step').value = 0; "
                  "document.getElementById('step').dispatchEvent(new Event('input')); }")
    before = page.evaluate("() => document.getElementById('view').toDataURL()")
    page.keyboard.press("Space")
    page.wait_for_timeout(400)
    after = state(page)
    assert after["k"] > 0 and page.evaluate("() => document.getElementById('view')"
                                            ".toDataURL()") != before
    page.keyboard.press("Space")
    assert state(page)["playing"] is False


def test_scrubbing_reads_out_the_python_runs_numbers(page):
    page.evaluate("() => { const s = document.getElementById('step'); s.value = 50; "
                  "s.dispatchEvent(new Event('input')); }")
    page.keyboard.press("ArrowRight")  # and the keyboard steps once more
    assert state(page)["k"] == 51
    cells = page.evaluate("() => [...document.querySelectorAll('#readout tbody tr')]"
                          ".map(r => [...r.cells].map(c => c.textContent))")
    python = api.run("hump", OPTS, [(-2, 1)], steps=300)
    for row, run in zip(cells, python.runs, strict=True):
        assert row[0] == run.label
        assert row[1] == f"{run.points[51][0]:.4f}" and row[3] == f"{run.losses[51]:.4f}"


def test_a_click_starts_every_optimizer_there(page):
    box = page.locator("#view").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.3)
    shown = state(page)
    start = shown["start"]
    assert start is not None and re.match(r"-?\d", str(start[0]))
    python = api.run("hump", OPTS, [tuple(start)], steps=300)
    for points, run in zip(shown["points"], python.runs, strict=True):
        np.testing.assert_allclose(np.array(points)[:20], run.points[:20], rtol=1e-10,
                                   atol=1e-12)
    assert page.errors == []


def test_recorded_runs_play_back_and_say_they_cannot_rerun(browser, tmp_path):
    path = tmp_path / "noisy.html"
    api.player(api.run("hump", OPTS, [(-2, 1)], steps=100, noise=0.2, seed=3), path)
    python = api.run("hump", OPTS, [(-2, 1)], steps=100, noise=0.2, seed=3)
    tab = open_page(browser, path)
    shown = state(tab)
    live = tab.evaluate("() => window.adamvizPlayer.state()")
    assert tab.errors == [] and live["live"] is False and "noise" in live["reason"]
    assert tab.locator("#start-x").is_hidden() and tab.locator("#reset-all").is_visible()
    for points, run in zip(shown["points"], python.runs, strict=True):
        np.testing.assert_allclose(np.array(points), run.points, rtol=1e-6)  # as float32


def test_a_control_per_declared_hyperparameter_and_a_drag_reruns_at_its_value(browser,
                                                                              tmp_path):
    """The controls come from the optimizers' files: one per hyperparameter (slider or box),
    labelled with its symbol. A real mouse drag of β₁ and a click on amsgrad run Adam again,
    and the path is the engine's with those values."""
    path = tmp_path / "adam.html"
    api.player(api.run("hump", ["adam:lr=0.3", "rmsprop:lr=0.01"], [(-2, 1)], steps=200),
               path)
    tab = open_page(browser, path)
    names = tab.evaluate("() => [...document.querySelectorAll('#runs section.run')].map(s => "
                         "[...s.querySelectorAll('.knob')].map(k => k.dataset.name))")
    assert names == [["lr", "beta1", "beta2", "eps", "weight_decay", "amsgrad",
                      "bias_correction", "eps_inside_sqrt", "maximize"],
                     ["lr", "alpha", "eps", "weight_decay", "momentum", "centered",
                      "maximize"]]
    assert "β₁" in tab.locator("label[for=knob-0-beta1]").inner_text()
    drag(tab, "#knob-0-beta1", 0.9, 0.55)
    tab.locator("#knob-0-amsgrad").click()
    runs = tab.evaluate("() => window.adamvizPlayer.state().runs.map(r => ({points: r.points,"
                        " h: r.hyperparameters}))")
    adam = runs[0]
    assert adam["h"]["amsgrad"] is True and 0.3 < adam["h"]["beta1"] < 0.8
    assert "beta1" not in runs[1]["h"] and runs[1]["h"].get("amsgrad") is None
    python = api.run("hump", [api_spec("adam", adam["h"])], [(-2, 1)], steps=200).runs[0]
    np.testing.assert_allclose(np.array(adam["points"]), python.points, rtol=1e-10,
                               atol=1e-12)
    assert tab.errors == []


def drag(tab, selector: str, start: float, end: float) -> None:
    """A real mouse drag along a slider, from and to fractions of its width (scrolled into
    view first, as a person would)."""
    tab.locator(selector).scroll_into_view_if_needed()
    box = tab.locator(selector).bounding_box()
    y = box["y"] + box["height"] / 2
    tab.mouse.move(box["x"] + box["width"] * start, y)
    tab.mouse.down()
    tab.mouse.move(box["x"] + box["width"] * end, y, steps=5)
    tab.mouse.up()


def api_spec(name, hyper) -> str:
    return name + ":" + ",".join(f"{k}={str(v).lower() if isinstance(v, bool) else repr(v)}"
                                 for k, v in hyper.items())


def test_a_new_optimizer_file_runs_live_with_its_own_controls(browser, tmp_path, monkeypatch):
    """An optimizer file in a folder of the user's, nothing else edited: its page runs it
    live, with a control per declared hyperparameter, and a drag runs it again as the
    engine would."""
    from test_optimizer_files import SIGNUM

    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "signum.toml").write_text(SIGNUM)
    monkeypatch.setenv("ADAMVIZ_OPTIMIZERS", str(folder))
    path = tmp_path / "signum.html"
    api.player(api.run("hump", ["signum:lr=0.05"], [(-2, 1)], steps=150), path)
    tab = open_page(browser, path)
    assert tab.evaluate("() => [...document.querySelectorAll('#runs .knob')]"
                        ".map(k => k.dataset.name)") == ["lr", "momentum"]
    drag(tab, "#knob-0-momentum", 0.95, 0.4)
    run = tab.evaluate("() => window.adamvizPlayer.state().runs[0]")
    assert 0.2 < run["hyperparameters"]["momentum"] < 0.6
    python = api.run("hump", [api_spec("signum", run["hyperparameters"])], [(-2, 1)],
                     steps=150).runs[0]
    np.testing.assert_allclose(np.array(run["points"]), python.points, rtol=1e-10, atol=1e-12)
    assert tab.errors == []
