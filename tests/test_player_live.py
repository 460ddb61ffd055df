"""The live player in a real browser, used the way a person uses it: clicks, drags, typing and
keys on the page's own controls, each outcome compared with the Python engine (``api.run``)
and with the ``adamviz run`` line the page writes. Without a browser these skip, as in
test_browser.py; ADAMVIZ_REQUIRE_BROWSER=1 makes that a failure."""

import json
import os
import shlex
import subprocess
import sys

import numpy as np
import pytest
from test_browser import MISSING, open_page

from adamviz import api

pytestmark = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")

OPTS = ["sgd:lr=0.01", "momentum:lr=0.01", "adam:lr=0.3"]
START = [(-2, 1)]
BUILTINS = ["adadelta", "adagrad", "adam", "adamax", "adamw", "lion", "momentum", "nadam",
            "nesterov", "qhadam", "radam", "rmsprop", "rprop", "sgd"]
HALF = 'name = "half"\nexpr = "log(x) + y**2"\nxlim = [-1, 2]\nylim = [-1, 1]\n'
STATE = "() => window.adamvizPlayer.state()"


@pytest.fixture(scope="module")
def python():
    return api.run("hump", OPTS, START, steps=300)


@pytest.fixture(scope="module")
def page(browser, tmp_path_factory):
    path = tmp_path_factory.mktemp("live") / "paths.html"
    api.player(api.run("hump", OPTS, START, steps=300), path)
    tab = open_page(browser, path)
    yield tab
    tab.close()


@pytest.fixture
def tab(page):
    """The module's page, back to the runs it was made with, nothing playing, no errors yet."""
    page.evaluate("() => { const p = window.adamvizPlayer; p.pause(); p.resetAll(); "
                  "window.scrollTo(0, 0); }")
    settle(page)
    page.errors.clear()
    return page


def settle(tab):
    """Two animation frames: whatever a change asked to draw has been drawn."""
    tab.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def state(tab):
    return tab.evaluate(STATE)


def rows(tab) -> int:
    return tab.locator("#readout tbody tr").count()


def box_of(tab, selector):
    tab.locator(selector).scroll_into_view_if_needed()
    return tab.locator(selector).bounding_box()


def drag(tab, selector: str, start: float, end: float) -> None:
    """A real mouse drag along a slider, from and to fractions of its width."""
    box = box_of(tab, selector)
    y = box["y"] + box["height"] / 2
    tab.mouse.move(box["x"] + box["width"] * start, y)
    tab.mouse.down()
    tab.mouse.move(box["x"] + box["width"] * end, y, steps=8)
    tab.mouse.up()
    settle(tab)


def exact_box(tab, run: int, name: str):
    return tab.locator(f"#runs section.run:nth-child({run + 1}) "
                       f".knob[data-name='{name}'] .exact")


def type_exact(tab, run: int, name: str, text: str, key: str = "Enter") -> None:
    """Click a control's exact-number box, replace its text by typing, then Enter or Tab."""
    box = exact_box(tab, run, name)
    box.scroll_into_view_if_needed()
    box.click()
    tab.keyboard.press("Control+A")
    tab.keyboard.type(text)
    tab.keyboard.press(key)
    settle(tab)


def view_point(tab, x: float, y: float) -> tuple[float, float]:
    """Where the surface point (x, y) is on the screen, the #view canvas scrolled into view."""
    tab.locator("#view").scroll_into_view_if_needed()
    return tuple(tab.evaluate(
        "([x, y]) => { const r = document.getElementById('view').getBoundingClientRect(); "
        "const f = Drawing.frame(DATA.surface.box, r.width, r.height); "
        "return [r.left + f.px(x), r.top + f.py(y)]; }", [x, y]))


def same_path(shown, engine, rtol=1e-10):
    np.testing.assert_allclose(np.array(shown, dtype=float), engine, rtol=rtol, atol=1e-12)


def spec(run) -> str:
    """An ``--opt`` spec with the run's every hyperparameter as the page holds it."""
    return run["optimizer"] + ":" + ",".join(
        f"{k}={str(v).lower() if isinstance(v, bool) else repr(v)}"
        for k, v in run["hyperparameters"].items())


# --- 1. toggles -------------------------------------------------------------------------------

def test_toggles_keep_working_after_clicks_and_drags(tab):
    assert state(tab)["runs"][1]["visible"] is True and rows(tab) == 3
    box_of(tab, "#show-1")
    tab.locator("#show-1").click()
    settle(tab)
    assert state(tab)["runs"][1]["visible"] is False and rows(tab) == 2
    before = state(tab)["runs"][2]["hyperparameters"]["lr"]
    drag(tab, "#knob-2-lr", 0.69, 0.45)
    assert state(tab)["runs"][2]["hyperparameters"]["lr"] != before
    assert state(tab)["runs"][1]["visible"] is False and rows(tab) == 2
    u, v = view_point(tab, 0.5, 0.5)
    tab.mouse.click(u, v)
    settle(tab)
    shown = state(tab)
    assert shown["start"] == pytest.approx([0.5, 0.5], abs=0.02)
    assert shown["runs"][1]["visible"] is False and rows(tab) == 2
    box_of(tab, "#show-1")
    tab.locator("#show-1").click()
    settle(tab)
    assert state(tab)["runs"][1]["visible"] is True and rows(tab) == 3
    assert tab.locator("#show-1").is_checked()
    tab.locator("#show-1").click()  # and once more, after all that
    settle(tab)
    assert state(tab)["runs"][1]["visible"] is False and rows(tab) == 2
    assert tab.errors == []


# --- 2. one run's lr ----------------------------------------------------------------------------

def test_one_runs_lr_moves_that_run_only(tab):
    before = state(tab)["runs"]
    drag(tab, "#knob-2-lr", 0.69, 0.5)
    dragged = state(tab)["runs"]
    lr = dragged[2]["hyperparameters"]["lr"]
    assert lr != 0.3 and dragged[2]["label"] == f"adam (lr={lr:.3g})"
    engine = api.run("hump", [f"adam:lr={lr!r}"], START, steps=300).runs[0]
    same_path(dragged[2]["points"], engine.points)
    type_exact(tab, 2, "lr", "0.1")
    after = state(tab)["runs"]
    for i in (0, 1):
        assert after[i]["points"] == before[i]["points"]
        assert after[i]["label"] == before[i]["label"]
    assert after[2]["hyperparameters"]["lr"] == 0.1 and after[2]["label"] == "adam (lr=0.1)"
    assert tab.locator("#runs section.run:nth-child(3) .label").inner_text() == "adam (lr=0.1)"
    engine = api.run("hump", ["adam:lr=0.1"], START, steps=300).runs[0]
    same_path(after[2]["points"], engine.points)
    assert tab.locator("#knob-2-lr").get_attribute("aria-valuetext") == "lr 0.1"
    type_exact(tab, 2, "lr", "0.05", key="Tab")  # Tab commits the box too
    assert state(tab)["runs"][2]["label"] == "adam (lr=0.05)"
    assert tab.errors == []


# --- 3. the lr lock -----------------------------------------------------------------------------

def test_the_lock_moves_every_lr_by_the_same_factor(tab):
    before = state(tab)["runs"]
    box_of(tab, "#lock")
    tab.locator("#lock").click()
    assert state(tab)["lock"] is True
    type_exact(tab, 0, "lr", "0.02")
    after = state(tab)["runs"]
    for old, new in zip(before, after, strict=True):
        assert new["hyperparameters"]["lr"] == pytest.approx(2 * old["hyperparameters"]["lr"],
                                                             rel=1e-12)
        engine = api.run("hump", [spec(new)], START, steps=300).runs[0]
        same_path(new["points"], engine.points)
    assert [r["label"] for r in after] == ["sgd (lr=0.02)", "momentum (lr=0.02)",
                                           "adam (lr=0.6)"]
    assert tab.errors == []


# --- 4. a diverged run --------------------------------------------------------------------------

def test_a_diverged_run_says_so_and_the_view_still_draws(tab):
    type_exact(tab, 0, "lr", "1")
    run = state(tab)["runs"][0]
    engine = api.run("hump", ["sgd:lr=1"], START, steps=300).runs[0]
    assert engine.status == "diverged" and run["status"] == "diverged"
    same_path(run["points"], engine.points)
    section = tab.locator("#runs section.run:nth-child(1)")
    assert section.locator(".badge").inner_text() == "diverged"
    why = section.locator(".why").inner_text()
    assert why and why == run["why"] and "step" in why, why
    picture = "() => document.getElementById('view').toDataURL()"
    frames = []
    for k in (0, 1, 2, 3, 150, 300):
        tab.evaluate("k => window.adamvizPlayer.stepTo(k)", k)
        settle(tab)
        frames.append(tab.evaluate(picture))
    assert len(set(frames)) > 1  # it draws, step by step
    times = tab.evaluate("() => window.adamvizPlayer.frameTimes()")
    assert isinstance(times, list) and times and all(isinstance(t, int | float) for t in times)
    assert tab.errors == []


# --- 5. an undefined start ----------------------------------------------------------------------

def test_a_click_where_the_loss_is_undefined_says_so(browser, tmp_path):
    (tmp_path / "half.toml").write_text(HALF)
    path = tmp_path / "half.html"
    api.player(api.run(str(tmp_path / "half.toml"), ["adam:lr=0.1", "sgd:lr=0.1"],
                       [(0.5, 0.5)], steps=50), path)
    tab = open_page(browser, path)
    u, v = view_point(tab, -0.5, 0.25)
    tab.mouse.click(u, v)
    settle(tab)
    shown = state(tab)
    assert shown["start"][0] < 0
    for i, run in enumerate(shown["runs"]):
        assert run["badge"] == "undefined start" and "not defined" in run["why"]
        section = tab.locator(f"#runs section.run:nth-child({i + 1})")
        assert section.locator(".badge").inner_text() == "undefined start"
        assert "not defined" in section.locator(".why").inner_text()
    u, v = view_point(tab, 0.5, 0.5)  # and back where it is defined, it runs again
    tab.mouse.click(u, v)
    settle(tab)
    assert all(r["badge"] != "undefined start" for r in state(tab)["runs"])
    assert tab.errors == []
    tab.close()


# --- 6. the link ------------------------------------------------------------------------------

def comparable(shown):
    return {"start": shown["start"], "lock": shown["lock"], "k": shown["k"],
            "runs": [{key: r[key] for key in ("label", "optimizer", "hyperparameters",
                                               "visible", "start", "points", "status")}
                     for r in shown["runs"]]}


def test_a_reloaded_link_gives_the_same_state(browser, tab):
    type_exact(tab, 2, "lr", "0.1")
    box_of(tab, "#show-0")
    tab.locator("#show-0").click()
    tab.locator("#add-optimizer").select_option("nadam")
    tab.locator("#add").click()
    tab.evaluate("() => window.adamvizPlayer.startAt(0.25, -0.4)")
    box_of(tab, "#lock")
    tab.locator("#lock").click()
    tab.wait_for_timeout(400)  # the fragment is written a moment after the last change
    url = tab.url
    assert "#" in url and url == tab.evaluate("() => window.adamvizPlayer.link()")
    shown = state(tab)
    assert len(shown["runs"]) == 4 and shown["runs"][0]["visible"] is False
    other = browser.new_page(viewport={"width": 820, "height": 1100})
    errors = []
    other.on("pageerror", lambda e: errors.append(str(e)))
    other.goto(url)
    other.wait_for_function("window.adamvizPlayer !== undefined")
    again = state(other)
    assert comparable(again) == comparable(shown)
    assert other.locator("#lock").is_checked() and not other.locator("#show-0").is_checked()
    assert other.locator("#notice").is_hidden() and errors == [] and tab.errors == []
    other.close()


# --- 7. the command -----------------------------------------------------------------------------

def test_the_command_makes_the_same_points_bit_for_bit(tab, tmp_path):
    tab.evaluate("() => window.adamvizPlayer.startAt(0.3, -0.7)")
    type_exact(tab, 2, "beta1", "0.8")
    drag(tab, "#knob-0-lr", 0.4, 0.33)  # a log slider's value: six digits, not a round one
    shown = state(tab)
    assert shown["runs"][2]["hyperparameters"]["beta1"] == 0.8
    lr = shown["runs"][0]["hyperparameters"]["lr"]
    assert 0.001 < lr < 0.01 and len(repr(lr).rstrip("0")) >= 7, lr
    out = tmp_path / "paths.json"
    line = tab.evaluate("f => window.adamvizPlayer.command(f)", str(out))
    assert "\n" not in line and line.startswith("adamviz run ")
    words = shlex.split(line)
    env = {**os.environ, "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, "-m", "adamviz", *words[1:]], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    exported = json.loads(out.read_text())["runs"]
    assert len(exported) == len(shown["runs"])
    for mine, theirs in zip(shown["runs"], exported, strict=True):
        assert mine["label"] == theirs["label"] and mine["status"] == theirs["status"]
        assert np.array_equal(np.array(mine["points"]), np.array(theirs["points"])), \
            mine["label"]
    assert tab.errors == []


# --- 8. keys ------------------------------------------------------------------------------------

def test_keys_belong_to_the_control_with_the_focus(tab):
    k = state(tab)["k"]
    tab.locator("#show-0").focus()
    tab.keyboard.press("Space")
    settle(tab)
    shown = state(tab)
    assert shown["runs"][0]["visible"] is False and shown["playing"] is False
    assert shown["k"] == k
    (x0, x1), _ = tab.evaluate("() => DATA.surface.box")
    tab.locator("#view").focus()
    tab.keyboard.press("ArrowRight")
    settle(tab)
    shown = state(tab)
    assert shown["start"][0] == pytest.approx(-2 + 0.01 * (x1 - x0), abs=1e-9 * (x1 - x0))
    assert shown["start"][1] == 1 and shown["k"] == state(tab)["steps"]
    assert all(r["start"] == shown["start"] for r in shown["runs"])
    assert tab.locator("#knob-0-lr").get_attribute("aria-valuetext") == "lr 0.01"
    for run_index, run in enumerate(shown["runs"]):
        for name, value in run["hyperparameters"].items():
            knob = tab.locator(f"#knob-{run_index}-{name}")
            if knob.count() and knob.get_attribute("type") == "range":
                assert knob.get_attribute("aria-valuetext") == f"{name} {value:.3g}"
    assert tab.errors == []


# --- 9. what a screen reader hears ------------------------------------------------------------

WATCH = """() => {
  window.seen = {say: 0, rows: 0, cells: 0};
  window.tbody = document.querySelector('#readout tbody');
  new MutationObserver((ms) => { window.seen.say += ms.length; }).observe(
    document.getElementById('say'), {childList: true, characterData: true, subtree: true});
  new MutationObserver((ms) => { for (const m of ms) {
    if (m.target.tagName === 'TABLE' || m.target.tagName === 'TBODY') window.seen.rows++;
    else window.seen.cells++; } }).observe(
    document.getElementById('readout'), {childList: true, characterData: true, subtree: true});
}"""


def test_the_live_region_speaks_on_changes_only(tab):
    tab.locator("h1").click()  # the focus on the page, not on a control
    tab.evaluate(WATCH)
    tab.keyboard.press("Space")
    tab.wait_for_timeout(1000)
    seen = tab.evaluate("() => window.seen")
    shown = state(tab)
    assert shown["playing"] is True and 0 < shown["k"] < shown["steps"]
    assert seen["say"] <= 2, seen
    assert seen["rows"] == 0 and seen["cells"] > 0, seen
    assert tab.evaluate("() => document.querySelector('#readout tbody') === window.tbody")
    tab.keyboard.press("Space")
    assert state(tab)["playing"] is False
    assert tab.errors == []


# --- 10. a recorded page ------------------------------------------------------------------------

def test_a_recorded_page_says_why_it_cannot_run(browser, tmp_path):
    path = tmp_path / "noisy.html"
    api.player(api.run("hump", OPTS, START, steps=100, noise=0.2, seed=3), path)
    tab = open_page(browser, path)
    shown = state(tab)
    assert shown["live"] is False and "noise" in shown["reason"]
    sections = tab.locator("#runs section.run")
    assert sections.count() == 3
    hint = tab.locator("#hint").inner_text()
    for i, run in enumerate(shown["runs"]):
        assert run["live"] is False and "noise" in run["reason"]
        said = sections.nth(i).locator(".recorded")  # a reason of its own, or the page's
        if said.count():
            assert run["reason"] in said.inner_text()
        else:
            assert run["reason"] == shown["reason"] and shown["reason"] in hint, hint
    assert tab.locator("#runs input[type=range]").count() == 0
    assert tab.locator("#runs .exact").count() == 0
    # the command makes the recorded runs again, noise and all: the engine's paths exactly
    export = tmp_path / "noisy.json"
    line = tab.evaluate("(file) => window.adamvizPlayer.command(file)", str(export))
    assert "--noise 0.2 --seed 3" in line
    done = subprocess.run([sys.executable, "-m", "adamviz", *shlex.split(line)[1:]],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    engine = api.run("hump", OPTS, START, steps=100, noise=0.2, seed=3)
    exported = json.loads(export.read_text())["runs"]
    for run, made in zip(exported, engine.runs, strict=True):
        assert np.array_equal(np.array(run["points"], dtype=float), made.points)
    assert tab.errors == []
    tab.close()


def test_a_held_out_loss_given_in_python_has_no_command_and_says_so(browser, tmp_path):
    """A held-out loss given to api.run as ``monitor`` is Python: no `adamviz run` flag makes
    it, and the page says so."""
    path = tmp_path / "held.html"
    api.player(api.run("hump", ["adam:lr=0.05"], START, steps=200, patience=5,
                       monitor=lambda p: ((p - 0.5) ** 2).sum(axis=1)), path)
    tab = open_page(browser, path)
    said = tab.evaluate("() => { try { return 'no error: ' + window.adamvizPlayer.command(); }"
                        " catch (e) { return e.message; } }")
    assert said.startswith("adam") and "held-out loss given in Python" in said, said
    assert "held-out loss" in tab.locator("#hint").inner_text()
    tab.close()


def test_the_early_stopping_figure_has_the_command_that_makes_it(browser, tmp_path):
    """Its validation loss is the iris rows held out, which `adamviz run -s iris --patience`
    watches too: the page's command makes the figure's run again, stop and all."""
    from click.testing import CliRunner

    from adamviz.cli import cli
    from adamviz.studies import recipes

    out = tmp_path / "figs"
    assert CliRunner().invoke(cli, ["figures", "--html", "--only", "early-stopping", "-o",
                                    str(out), "-q"]).exit_code == 0
    tab = open_page(browser, out / "early-stopping.html")
    export = tmp_path / "stopped.json"
    line = tab.evaluate("(file) => window.adamvizPlayer.command(file)", str(export))
    assert "-s iris" in line and "--patience 30" in line, line
    done = subprocess.run([sys.executable, "-m", "adamviz", *shlex.split(line)[1:]],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    made = recipes.run(recipes.load("early-stopping")).runs[0]
    run, = json.loads(export.read_text())["runs"]
    assert run["status"] == "stopped early"
    assert np.array_equal(np.array(run["points"], dtype=float), made.points)
    assert tab.errors == []
    tab.close()


# --- 11. add and remove -------------------------------------------------------------------------

def test_a_run_added_and_removed_by_its_buttons(tab, python):
    box_of(tab, "#add-optimizer")
    tab.locator("#add-optimizer").select_option("rmsprop")
    tab.locator("#add").click()
    settle(tab)
    shown = state(tab)
    assert len(shown["runs"]) == 4 and tab.locator("#runs section.run").count() == 4
    engine = api.run("hump", ["rmsprop"], START, steps=300).runs[0]
    assert shown["runs"][3]["label"] == engine.label
    assert tab.locator("#runs section.run:nth-child(4) .label").inner_text() == engine.label
    same_path(shown["runs"][3]["points"], engine.points)
    assert rows(tab) == 4
    box_of(tab, "#runs section.run:nth-child(4) .remove")
    tab.locator("#runs section.run:nth-child(4) .remove").click()
    settle(tab)
    shown = state(tab)
    assert [r["label"] for r in shown["runs"]] == [r.label for r in python.runs]
    assert tab.locator("#runs section.run").count() == 3 and rows(tab) == 3
    for run, made in zip(shown["runs"], python.runs, strict=True):
        same_path(run["points"], made.points)
    assert tab.errors == []


# --- 12. labels ---------------------------------------------------------------------------------

def test_every_builtins_label_and_path_is_pythons(browser, tmp_path):
    engine = api.run("hump", BUILTINS, START, steps=40)
    path = tmp_path / "all.html"
    api.player(engine, path)
    tab = open_page(browser, path)
    shown = state(tab)["runs"]
    assert [r["label"] for r in shown] == [r.label for r in engine.runs]
    assert tab.locator("#runs .label").all_inner_texts() == [r.label for r in engine.runs]
    for run, made in zip(shown, engine.runs, strict=True):
        assert run["live"] is True and run["status"] == made.status, run["label"]
        same_path(run["points"], made.points)
    for name in BUILTINS:  # a run added by name is labelled as `--opt NAME` labels it
        tab.evaluate("n => window.adamvizPlayer.add(n)", name)
    added = state(tab)["runs"][len(BUILTINS):]
    assert [r["label"] for r in added] == [r.label for r in engine.runs]
    assert tab.errors == []
    tab.close()


# --- 13. layout ---------------------------------------------------------------------------------

MEASURE = """() => { const v = document.getElementById('view').getBoundingClientRect();
  const bg = getComputedStyle(document.body).backgroundColor.match(/[\\d.]+/g).map(Number);
  return {scroll: document.documentElement.scrollWidth, width: innerWidth, height: innerHeight,
          view: [v.width, v.height], background: bg}; }"""


def luminance(rgb) -> float:
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", [(390, 844), (1920, 1080), (2560, 1440)])
def test_the_layout_fills_the_screen_without_sideways_scrolling(browser, page, size, scheme):
    width, height = size
    tab = browser.new_page(viewport={"width": width, "height": height}, color_scheme=scheme)
    errors = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.goto(page.url.split("#")[0])
    tab.wait_for_function("window.adamvizPlayer !== undefined")
    settle(tab)
    m = tab.evaluate(MEASURE)
    share = m["view"][0] * m["view"][1] / (width * height)
    print(size, scheme, m, f"view {m['view'][0] / width:.2f} of the width, "
          f"{share:.2f} of the area")
    assert m["scroll"] <= m["width"], m
    if width < 900:  # the view spans the phone's width (measured: 96%)
        assert m["view"][0] >= 0.85 * width, m
    else:  # measured: 32% of the area at 1920x1080, 36% at 2560x1440, the side view beside it
        assert share >= 0.3 and m["view"][0] >= 0.4 * width and m["view"][1] >= 0.55 * height, m
    dark = luminance(m["background"]) < 0.2
    assert dark == (scheme == "dark"), m
    assert errors == []
    tab.close()


# --- what a script, a pasted link and a keyboard user meet ----------------------------------

def test_a_link_pasted_into_the_open_page_opens_its_view(tab):
    tab.evaluate("() => window.adamvizPlayer.set(2, 'lr', 0.1)")
    link = tab.evaluate("() => window.adamvizPlayer.link()")
    tab.evaluate("() => window.adamvizPlayer.resetAll()")
    assert state(tab)["runs"][2]["label"] == "adam (lr=0.3)"
    tab.evaluate("(hash) => { location.hash = hash; }", link.split("#", 1)[1])
    tab.wait_for_function("window.adamvizPlayer.state().runs[2].label === 'adam (lr=0.1)'")
    assert tab.errors == []


@pytest.mark.parametrize("call, words", [
    ("stepTo(NaN)", "a step is a number"), ("stepTo('abc')", "a step is a number"),
    ("show(0, 'false')", "true or false"), ("set(0, 'lr', NaN)", "got NaN"),
    ("set(0, 'lr', 1e999)", "got Infinity"), ("set(NaN, 'lr', 1)", "run NaN does not exist"),
    ("set(0, 'nesterov', true)", "Nesterov momentum requires"), ("add('toString')", "no optimizer"),
    ("command(5)", ".json file"), ("startAt(NaN, 1)", "finite numbers"),
])
def test_a_wrong_call_throws_saying_why_and_changes_nothing(tab, call, words):
    before = state(tab)
    said = tab.evaluate(f"() => {{ try {{ window.adamvizPlayer.{call}; return 'no error'; }} "
                        f"catch (e) {{ return e.message; }} }}")
    assert words in said, said
    after = state(tab)
    assert after["k"] == before["k"] and comparable(after) == comparable(before)
    tab.evaluate("() => window.adamvizPlayer.stepTo(10)")  # and the page still works
    assert state(tab)["k"] == 10 and tab.errors == []


def test_full_screen_keeps_the_page_colours_and_says_it_is_on(tab):
    assert tab.evaluate("() => getComputedStyle(document.getElementById('app'))"
                        ".backgroundColor") == "rgb(255, 255, 255)"
    tab.locator("#fullscreen").click()
    tab.wait_for_function("document.getElementById('fullscreen').getAttribute('aria-pressed')"
                          " === 'true' && document.fullscreenElement !== null")
    assert tab.locator("#fullscreen").inner_text() == "leave full screen"
    tab.locator("#fullscreen").click()
    tab.wait_for_function("document.fullscreenElement === null")


def test_removing_a_run_keeps_the_focus_in_the_list(tab):
    box_of(tab, "#runs section.run:nth-child(1) .remove")
    tab.locator("#runs section.run:nth-child(1) .remove").click()
    assert len(state(tab)["runs"]) == 2
    assert tab.evaluate("() => document.activeElement.classList.contains('remove')")


def test_a_path_that_parts_from_the_engines_says_so(browser, tmp_path):
    """On Rastrigin the browser's cos and numpy's may differ in the last bit, and the surface
    grows that: a run whose path is not the engine's says so, one whose path is does not."""
    path = tmp_path / "rastrigin.html"
    result = api.run("rastrigin", ["momentum:lr=0.01", "adam:lr=0.1"], steps=300)
    api.player(result, path)
    tab = open_page(browser, path)
    for shown, run in zip(state(tab)["runs"], result.runs, strict=True):
        same = len(shown["points"]) == len(run.points) and np.allclose(
            np.array(shown["points"]), run.points, rtol=0, atol=1e-9)
        assert ("parts from" in shown["why"]) == (not same), shown["why"]
    assert tab.errors == []
    tab.close()


def test_the_page_says_when_the_learning_rates_differ_and_stops_when_they_do_not(tab):
    """As the pictures' legends do: SGD and momentum at 0.01 beside Adam at 0.3 is said; typing
    Adam's lr to 0.01 makes it a comparison at one rate, and the note goes."""
    note = tab.locator("#rates-note")
    assert note.is_visible()
    assert note.inner_text() == ("note: the learning rates differ between optimizers (sgd 0.01, "
                                 "momentum 0.01, adam 0.3); one rate for all compares the update "
                                 "rules alone")
    type_exact(tab, 2, "lr", "0.01")
    assert not note.is_visible()
    type_exact(tab, 0, "lr", "0.02")
    assert "(sgd 0.02, momentum 0.01, adam 0.01)" in note.inner_text()
    assert tab.errors == []
