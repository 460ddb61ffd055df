"""The numbers behind the pictures: artists hold the trajectories; levels and views are sane."""

import subprocess
import sys

import numpy as np
import pytest

from adamviz import api
from adamviz.render import grid, style


@pytest.fixture(scope="module")
def drawn():
    result = api.run("hump", ["sgd", "momentum", "adam"])
    return result, api.plot(result)


def test_lines_are_the_trajectories(drawn):
    result, panel = drawn
    segments = panel.lines.get_segments()
    assert len(segments) == len(result.runs)
    for seg, run in zip(segments, result.runs, strict=True):
        np.testing.assert_array_equal(seg, run.points)


def test_start_green_end_red_at_the_right_places(drawn):
    result, panel = drawn
    np.testing.assert_array_equal(panel.start.get_offsets(), [r.start for r in result.runs])
    np.testing.assert_array_equal(panel.end.get_offsets(), [r.end for r in result.runs])
    assert panel.start.get_facecolor()[0][:3] == pytest.approx((0, 0x9E / 255, 0x73 / 255))
    assert panel.end.get_facecolor()[0][:3] == pytest.approx((0xD5 / 255, 0x5E / 255, 0))
    assert len(panel.heads.get_offsets()) == 0  # a still picture marks ends, not heads


def test_legend_names_runs_start_end_and_minima(drawn):
    _, panel = drawn
    labels = [t.get_text() for t in panel.legend.get_texts()]
    assert labels == ["sgd (lr=0.01)", "momentum (lr=0.01)", "adam (lr=0.3)", "start", "end",
                      "global minimum", "local minimum"]


def test_minima_are_marked_by_kind(drawn):
    _, panel = drawn
    glob, local = panel.minima
    np.testing.assert_allclose(glob.get_offsets(), [[1.0466805318046022, 0]])
    np.testing.assert_allclose(local.get_offsets(), [[-0.9456492739235914, 0]])


def test_run_colours_avoid_the_start_and_end_colours():
    assert style.START["color"] not in style.RUN_COLORS
    assert style.END["color"] not in style.RUN_COLORS
    assert len(set(style.RUN_COLORS)) == len(style.RUN_COLORS)


def test_view_grows_to_include_runs_leaving_the_box_but_not_forever():
    box = ((-1, 1), (-1, 1))
    assert np.array_equal(grid.view_box(box, [np.array([[0, 0], [0.5, 0.5]])]), box)
    grown = grid.view_box(box, [np.array([[0, 0], [1.5, 0.2]])])
    assert grown[0][1] > 1.5 and tuple(grown[1]) == (-1, 1)
    capped = grid.view_box(box, [np.array([[0, 0], [1e9, 0]])])
    assert capped[0][1] == 1 + grid.GROW_LIMIT * 2 == 2


def test_diverged_runs_say_so_in_the_legend():
    result = api.run("bowl", ["sgd:lr=1", "adam"])
    labels = [t.get_text() for t in api.plot(result).legend.get_texts()]
    assert labels[:2] == ["sgd (lr=1) — diverged", "adam (lr=0.1)"]


def test_levels_are_log_spaced_where_the_loss_spans_decades():
    rosen = api.load_surface("rosenbrock")
    X, Y, Z = grid.loss_grid(rosen, rosen.box, 120)
    levels, mode = grid.contour_levels(Z, "auto")
    assert mode == "log"
    gaps = np.diff(levels[1:])
    assert gaps[-1] / gaps[0] > 100
    booth = api.load_surface("booth")
    assert grid.contour_levels(grid.loss_grid(booth, booth.box, 60)[2], "linear")[1] == "linear"


def test_markers_on_short_runs_only():
    short = api.plot(api.run("hump", ["adam"], steps=20))
    path = short.lines.get_segments()[0]
    np.testing.assert_array_equal(short.dots.get_offsets(), path)
    long = api.plot(api.run("hump", ["adam"], steps=300, tol=None))
    assert long.dots is None


def test_library_never_imports_pyplot():
    code = ("import adamviz, sys; r = adamviz.run('hump', ['adam'], steps=5);"
            "adamviz.plot(r); print('matplotlib.pyplot' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
