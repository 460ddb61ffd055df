"""The player fades a sliced result's paths where they leave the plane, as the stills do: each
run carries the stills' own alphas (``plane.point_alphas``), the view strokes a faded step
fainter than one on the plane, and the legend says what the fading means; an unsliced page
carries none of it."""

import json

import numpy as np
import pytest
from test_browser import MISSING, open_page
from test_honesty_render import slice_of
from test_player_live import settle

from adamviz import api
from adamviz.render import html, plane
from adamviz.surfaces import Surface


def page_data(result) -> dict:
    text = html.page(result)
    return json.loads(text.split("const DATA = ", 1)[1].split(";\n", 1)[0])


def unpacked(packed) -> np.ndarray:
    import base64

    assert packed["dtype"] == "u1"
    raw = np.frombuffer(base64.b64decode(packed["data"]), dtype=np.uint8)
    return raw.reshape(packed["shape"]) / 100


def test_a_sliced_pages_runs_carry_the_stills_alphas():
    result = api.run("moons-net", ["adam", "sgd"], steps=30)
    made = page_data(result)
    scale = plane.fade_scale(result.runs)
    for entry, run in zip(made["runs"], result.runs, strict=True):
        np.testing.assert_allclose(unpacked(entry["alphas"]), plane.point_alphas(run, scale),
                                   atol=1e-12)
    assert made["fade"] == {"label": plane.FADE_LABEL, "floor": plane.FADE_FLOOR}


def test_an_unsliced_page_carries_no_alphas_and_no_fade():
    made = page_data(api.run("hump", ["adam"], steps=30))
    assert "fade" not in made and all("alphas" not in r for r in made["runs"])


# --- in a browser ------------------------------------------------------------------------------

browser_only = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")


@pytest.fixture(scope="module")
def faded():
    """One run on the plane for its first half, then leaving it: its last steps at the floor."""
    flat = api.run(Surface.from_formula("x**2 + 3*y**2", (-2, 2), (-2, 2), start=(1.5, 1.2)),
                   ["sgd:lr=0.01"], steps=40)
    return slice_of(flat)


def view_pixels(tab) -> list:
    """The view canvas's pixels (RGBA rows, at the device's ratio) and that ratio."""
    return tab.evaluate(
        "() => { const c = document.getElementById('view'), ctx = c.getContext('2d'); "
        "return {ratio: c.width / c.getBoundingClientRect().width, width: c.width, "
        "data: Array.from(ctx.getImageData(0, 0, c.width, c.height).data)}; }")


def ink_at_midpoints(tab, points) -> np.ndarray:
    """How far each step's midpoint pixel moves when the run is drawn (0: not at all)."""
    tab.evaluate("() => { document.getElementById('arrows').checked = false; "
                 "window.adamvizPlayer.show(0, true); }")
    settle(tab)
    drawn = view_pixels(tab)
    tab.evaluate("() => window.adamvizPlayer.show(0, false)")
    settle(tab)
    bare = view_pixels(tab)
    tab.evaluate("() => window.adamvizPlayer.show(0, true)")
    size = tab.evaluate("() => { const r = document.getElementById('view')"
                        ".getBoundingClientRect(); return [r.width, r.height]; }")
    mids = (points[1:] + points[:-1]) / 2
    pixels = tab.evaluate(
        "([w, h, mids]) => { const f = Drawing.frame(DATA.surface.box, w, h); "
        "return mids.map(([x, y]) => [f.px(x), f.py(y)]); }", [*size, mids.tolist()])
    a = np.array(drawn["data"], dtype=float).reshape(-1, drawn["width"], 4)[..., :3]
    b = np.array(bare["data"], dtype=float).reshape(-1, bare["width"], 4)[..., :3]
    at = (np.array(pixels) * drawn["ratio"]).astype(int)
    return np.abs(a[at[:, 1], at[:, 0]] - b[at[:, 1], at[:, 0]]).sum(axis=1)


@browser_only
def test_a_step_off_the_plane_is_drawn_fainter_than_one_on_it(browser, faded, tmp_path):
    path = tmp_path / "faded.html"
    html.save_player(faded, path)
    tab = open_page(browser, path)
    run = faded.runs[0]
    alphas = plane.segment_alphas(run, plane.fade_scale(faded.runs))
    ink = ink_at_midpoints(tab, np.asarray(run.points))
    # away from the start's and the current point's marks, which hide the path's ends
    inner = np.zeros(len(alphas), bool)
    inner[4:-6] = True
    on, off = ink[inner & (alphas == 1)], ink[inner & np.isclose(alphas, plane.FADE_FLOOR)]
    assert len(on) >= 5 and len(off) >= 3
    assert np.median(on) > 100  # the path is seen where it is on the plane, and
    assert np.median(off) < 0.5 * np.median(on)  # far fainter where it is off it
    assert tab.errors == []
    tab.close()


def legend_words(tab) -> list[str]:
    return tab.evaluate("() => Array.from(document.querySelectorAll('#markers li'), "
                        "(li) => li.textContent)")


@browser_only
def test_the_legend_says_what_fading_means_on_a_sliced_page_only(browser, faded, tmp_path):
    (tmp_path / "sliced.html").write_text(html.page(faded))
    (tmp_path / "hump.html").write_text(html.page(api.run("hump", ["adam"], steps=30)))
    tab = open_page(browser, tmp_path / "sliced.html")
    assert plane.FADE_LABEL in legend_words(tab) and tab.errors == []
    tab.close()
    tab = open_page(browser, tmp_path / "hump.html")
    assert plane.FADE_LABEL not in legend_words(tab) and tab.errors == []
    tab.close()


@browser_only
def test_the_legend_explains_only_the_minima_the_page_marks(browser, tmp_path):
    """A network lists no minimum and the bowl only a global one: the legend names no mark
    the view never draws (a network page said 'global minimum' and 'local minimum')."""
    for name, kinds in (("moons-net", set()), ("bowl", {"global"}),
                        ("hump", {"global", "local"})):
        (tmp_path / f"{name}.html").write_text(html.page(api.run(name, ["adam"], steps=20)))
        tab = open_page(browser, tmp_path / f"{name}.html")
        words = legend_words(tab)
        assert {k for k in ("global", "local") if f"{k} minimum" in words} == kinds, name
        assert "start" in words and tab.errors == []
        tab.close()
