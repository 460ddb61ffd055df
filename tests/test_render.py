"""The numbers behind the pictures: artists hold the trajectories; levels and views are sane."""

import itertools
import subprocess
import sys

import matplotlib
import numpy as np
import pytest

from adamviz import api
from adamviz.render import grid, style


def panel_of(result, ax=None, view="contour"):
    """The panel api.plot draws, to look at its artists."""
    from adamviz.render.inline import draw

    return draw(result, ax, view)[0]


@pytest.fixture(scope="module")
def drawn():
    result = api.run("hump", ["sgd", "momentum", "adam"])
    return result, panel_of(result)


def test_lines_are_the_trajectories(drawn):
    result, panel = drawn
    segments = panel.lines.get_segments()
    assert len(segments) == len(result.runs)
    # Drawn longest first (a short path on a long one stays visible), each in its run's colour.
    lengths = [run.step_lengths().sum() for run in result.runs]
    assert panel.order == sorted(range(3), key=lambda i: -lengths[i])
    colors = panel.lines.get_colors()
    for seg, i, color in zip(segments, panel.order, colors, strict=True):
        np.testing.assert_array_equal(seg, result.runs[i].points)
        assert matplotlib.colors.to_hex(color) == style.run_styles(result.runs)[i][0].lower()


def test_start_green_ends_in_each_runs_colour_at_the_right_places(drawn):
    result, panel = drawn
    np.testing.assert_array_equal(panel.start.get_offsets(), [r.start for r in result.runs])
    np.testing.assert_array_equal(panel.end.get_offsets(), [r.end for r in result.runs])
    assert panel.start.get_facecolor()[0][:3] == pytest.approx((0, 0x9E / 255, 0x73 / 255))
    for i, face in enumerate(panel.end.get_facecolors()):
        assert matplotlib.colors.to_hex(face) == style.run_styles(result.runs)[i][0].lower()
    assert len(panel.heads.get_offsets()) == 0  # a still picture marks ends, not heads


def test_legend_names_runs_start_end_and_minima(drawn):
    _, panel = drawn
    labels = [t.get_text() for t in panel.legend.get_texts()]
    assert labels == ["sgd (lr=0.01)", "momentum (lr=0.01)", "adam (lr=0.3)", "start, end",
                      "global, local minimum"]  # markers two to an entry, to stay small


def test_minima_are_marked_by_kind(drawn):
    _, panel = drawn
    glob, local = panel.minima
    np.testing.assert_allclose(glob.get_offsets(), [[1.0466805318046022, 0]])
    np.testing.assert_allclose(local.get_offsets(), [[-0.9456492739235914, 0]])


def test_run_colours_avoid_the_start_colour():
    assert style.START["color"] not in style.RUN_COLORS
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
    labels = [t.get_text() for t in panel_of(result).legend.get_texts()]
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
    short = panel_of(api.run("hump", ["adam"], steps=20))
    path = short.lines.get_segments()[0]
    np.testing.assert_array_equal(short.dots.get_offsets(), path)
    long = panel_of(api.run("hump", ["adam"], steps=300, tol=None))
    assert long.dots is None


def test_library_never_imports_pyplot():
    code = ("import adamviz, sys; r = adamviz.run('hump', ['adam'], steps=5);"
            "adamviz.plot(r); print('matplotlib.pyplot' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_computing_imports_no_matplotlib(tmp_path):
    """Only drawing needs matplotlib (0.35 s to import): running, studies, records and exports
    leave it unimported, in a notebook too (its display is imported when something shows)."""
    steps = [
        "import adamviz",
        'r = adamviz.run("hump", ["sgd", "adam"], steps=20); r.table()',
        'adamviz.basins("hump", grid=5, steps=20).table()',
        'adamviz.sweep("hump", "adam", {"lr": [0.01, 0.1]}, steps=20)',
        'adamviz.tune("valley", ["sgd"], steps=20)',
        'adamviz.trace("lecture", "adam:lr=0.1", steps=3)',
        f'adamviz.record({str(tmp_path / "r.db")!r}, r); '
        f'adamviz.export(r, {str(tmp_path / "r.json")!r})',
    ]
    code = "import sys\n" + "".join(
        f"{step}\nprint({step!r}, 'matplotlib' in sys.modules)\n" for step in steps)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=tmp_path)
    assert [line.rsplit(" ", 1)[1] for line in out.stdout.splitlines()] == ["False"] * len(steps), \
        out.stdout


# --- runs stay distinguishable ------------------------------------------------------------------

MACHADO = {  # colour-blindness simulation, severity 1 (Machado, Oliveira & Fernandes 2009)
    "normal": np.eye(3),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}


def _lab(hex_color: str, vision) -> np.ndarray:
    """CIE Lab of an sRGB colour as seen with ``vision`` (a linear-RGB matrix)."""
    c = np.array([int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    lin = np.clip(vision @ lin, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ lin / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


@pytest.mark.parametrize("vision", list(MACHADO))
def test_twelve_runs_stay_apart_with_any_colour_vision(vision):
    """Two of the first 12 runs either differ in line style, or their colours differ by
    Delta E >= 15 as seen with normal vision and each kind of colour blindness."""
    one = style.paint(["adam"] * 12)  # one optimizer: a colour per run
    many = style.paint([f"opt{i}" for i in range(6) for _ in range(2)])  # six, two runs each
    for places in (one, many):
        assert len(set(places)) == 12
    runs = {(style.RUN_COLORS[c], style.RUN_LINESTYLES[d]) for c, d in one + many}
    for (c1, ls1), (c2, ls2) in itertools.combinations(runs, 2):
        if ls1 == ls2:
            gap = np.linalg.norm(_lab(c1, MACHADO[vision]) - _lab(c2, MACHADO[vision]))
            assert gap >= 15, (vision, c1, c2, gap)


def test_run_lines_have_a_halo_and_ends_take_the_runs_colour():
    result = api.run("hump", ["sgd", "adam", "momentum"], steps=40)
    panel = panel_of(result)
    assert len(panel.lines.get_path_effects()) == 2  # the dark edge, then the line
    faces = panel.end.get_facecolors()
    assert [matplotlib.colors.to_hex(f) for f in faces] == [
        style.OPTIMIZER_COLORS[name].lower() for name in ("sgd", "adam", "momentum")]


@pytest.mark.parametrize("lo,hi,mode,expected", [
    (-0.409, 14.2, "linear", [0, 2.5, 5, 7.5, 10, 12.5]), (0.0001, 0.52, "linear",
                                                          [0.1, 0.2, 0.3, 0.4, 0.5]),
    (-3.2, -1.1, "linear", [-3, -2.5, -2, -1.5]), (0, 2500, "log", [0.01, 0.1, 1, 10, 100, 1000]),
])
def test_colourbar_ticks_are_round(lo, hi, mode, expected):
    np.testing.assert_allclose(grid.nice_ticks(lo, hi, mode), expected)
    assert all(f"{t:g}" == f"{e:g}" for t, e in zip(grid.nice_ticks(lo, hi, mode), expected,
                                                     strict=True))


def test_titles_fit_the_figure_width():
    from adamviz.render.figure import fit_title

    text = "hump: a hump hides a local minimum (left) from the lower global minimum (right)"
    assert "\n" not in fit_title(text, 8.0)  # one panel is wide enough for one line
    assert fit_title(text, 3.0).count("\n") >= 2
    assert "\n" not in fit_title(text * 2, 24.0)  # three panels: no wrapping at 2880 px
    # two lines of even length, not a full one and a short tail; a word too long for the
    # width is still broken (a 5,000-character name must not run off the figure)
    network = ("moons-net: a 2-8-1 tanh network on the two moons: cross-entropy in all 33 "
               "weights and biases")
    lines = fit_title(network, 6.4).split("\n")
    assert len(lines) == 2 and abs(len(lines[0]) - len(lines[1])) < 12, lines
    assert max(map(len, fit_title("x" * 5000, 6.4).split("\n"))) < 100


def test_symlog_ticks_leave_the_linear_band_around_zero_clear():
    ticks = grid.symlog_ticks(0.017, 25.0)
    np.testing.assert_array_equal(ticks, [-10, -1, 0, 1, 10])
    assert not ((np.abs(ticks) > 0) & (np.abs(ticks) < 0.17)).any()


def test_a_one_panel_basins_legend_fits_inside_the_figure(tmp_path, monkeypatch):
    import adamviz.render.small_multiples as compare_module
    from adamviz.studies.basins import basins

    made = []
    real = compare_module.new_figure
    monkeypatch.setattr(compare_module, "new_figure",
                        lambda *a, **k: made.append(real(*a, **k)) or made[-1])
    compare_module.save_basins(basins("himmelblau", ["adam:lr=0.05"], grid=8), tmp_path / "b.png")
    fig = made[0]
    box, legend = fig.bbox, fig.legends[0].get_window_extent(fig.canvas.get_renderer())
    assert box.x0 <= legend.x0 and legend.x1 <= box.x1, (box, legend)


def test_a_still_is_laid_out_once_and_drawn_once(tmp_path, monkeypatch):
    """savefig draws a figure twice when a layout engine is attached (a layout pass, then the
    picture); a still is laid out first and saved without one."""
    from matplotlib.figure import Figure

    draws = []
    original = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, r: (draws.append(1), original(self, r)))
    result = api.run("hump", ["sgd", "adam"], steps=50)
    for suffix in ("png", "svg"):
        draws.clear()
        api.save_plot(result, tmp_path / f"a.{suffix}", ["contour", "loss"])
        assert len(draws) == 1, suffix


def test_layout_check_names_what_collides_and_the_layout_mends_it():
    """A y label taller than its Axes runs into the title whatever the constrained layout
    does; the check names the pair, and laying out wraps the label to the Axes."""
    from adamviz.render.figure import lay_out_once, new_figure
    from adamviz.render.layout import problems

    fig = new_figure(4, 2.5)
    ax = fig.add_subplot()
    ax.set_ylabel("a label far longer than the axes beside it is tall", fontsize="large")
    fig.suptitle("a title")
    fig.legend(handles=ax.plot([0, 1], label="run"), loc="outside lower center")
    fig.canvas.draw()  # the layout engine left on: one pass per draw
    assert "axes 0 y label leaves the figure" in problems(fig)
    lay_out_once(fig)
    assert problems(fig) == [] and ax.get_ylabel().count("\n") >= 1
    assert "abel" not in ax.get_ylabel().replace("label", "")  # words kept whole


def test_a_legend_below_the_panels_clears_their_x_labels():
    """One layout pass measured the panels' labels where they stood before it: the legend sat
    on the contour's x label (a still and an animation frame alike)."""
    from adamviz.render.animate import Animator
    from adamviz.render.figure import compose, lay_out_once
    from adamviz.render.layout import problems

    result = api.run("hump", ["adam"], steps=50)
    fig, _ = compose(result, ["contour", "steps"], panel_size=(6.4, 4.8))
    lay_out_once(fig)
    assert problems(fig) == []
    assert problems(Animator(result, ["contour"]).fig) == []


def test_a_panel_title_wider_than_its_panel_is_wrapped_to_it():
    """talk at 1280 x 720: "step length and effective learning rate" ran off the picture."""
    from adamviz.render.figure import STILL_DPI, compose, lay_out_once, panel_size_for
    from adamviz.render.layout import problems
    from adamviz.render.looks import wearing

    result = api.run("valley", ["sgd", "adam"], steps=40)
    with wearing("talk"):
        fig, panels = compose(result, ["contour", "steps"],
                              panel_size=panel_size_for((1280, 720), 2, STILL_DPI))
        lay_out_once(fig)
        assert problems(fig) == []
    title = panels[1].top.get_title()  # wrapped to its panel, words whole
    assert "\n" in title and title.replace("\n", " ") == "step length and effective learning rate"


def test_plot_on_a_users_axes_leaves_the_users_figure_as_it_was():
    """Only the Axes given is drawn on: no layout engine is switched on behind the user's back
    (with font.size 20, constrained layout collapsed with a warning)."""
    import warnings

    import matplotlib
    import matplotlib.figure

    result = api.run("hump", ["sgd", "adam"], steps=30)
    with matplotlib.rc_context({"font.size": 20}), warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = matplotlib.figure.Figure(figsize=(6, 4))
        left, right = fig.subplots(1, 2)
        api.plot(result, ax=left)
        fig.canvas.draw()
    assert fig.get_layout_engine() is None and len(fig.axes) == 3  # the two, and a colour bar
    assert api.plot(result).get_layout_engine() is not None  # a figure of our own has one


def test_a_view_on_the_wrong_kind_of_axes_is_one_clear_line():
    import matplotlib.figure

    from adamviz.core.errors import InputError

    result = api.run("hump", ["adam"], steps=5)
    fig = matplotlib.figure.Figure()
    with pytest.raises(InputError, match="projection='3d'"):
        api.plot(result, ax=fig.add_subplot(), view="3d")
    with pytest.raises(InputError, match="a flat Axes"):
        api.plot(result, ax=fig.add_subplot(projection="3d"), view="contour")
    assert api.plot(result, ax=fig.add_subplot(projection="3d"), view="3d").name == "3d"


def test_plot_returns_the_figure_or_the_axes_like_matplotlib():
    import matplotlib.figure

    result = api.run("hump", ["sgd", "adam"], steps=30)
    fig = api.plot(result)
    assert isinstance(fig, matplotlib.figure.Figure) and len(fig.axes) == 1
    assert len(fig.axes[0].child_axes) == 1  # its colour bar, beside it
    ax = matplotlib.figure.Figure().subplots()
    assert api.plot(result, ax=ax, view="loss") is ax
    legend = ax.get_legend()
    # above the Axes, never over the paths
    fig = ax.figure
    fig.canvas.draw()
    box = legend.get_window_extent().transformed(fig.dpi_scale_trans.inverted())
    axes_box = ax.get_window_extent().transformed(fig.dpi_scale_trans.inverted())
    assert box.y0 >= axes_box.y1 - 1e-6


def test_plot_follows_a_style_context():
    import matplotlib.colors
    import matplotlib.pyplot as plt

    result = api.run("hump", ["sgd", "adam"], steps=30)
    with plt.style.context("dark_background"):
        fig, ax = plt.subplots()
        panel = panel_of(result, ax)
        # the minima are drawn in light ink on a dark background, so they stay visible
        edge = matplotlib.colors.to_rgb(panel.minima[0].get_edgecolors()[0])
        assert sum(edge) > 2.4
    plt.close(fig)


# --- pictures in a notebook ---------------------------------------------------------------------

def pictures_in(data: dict) -> list[bytes]:
    """Every picture a notebook output carries: as an image/* type or as a data: URL inside
    its HTML (a picture stored twice is counted twice)."""
    import base64
    import re

    found = [base64.b64decode(v) if isinstance(v, str) else v
             for mime, v in data.items() if mime.startswith("image/")]
    html = data.get("text/html", "")
    return found + [base64.b64decode(m) for m in
                    re.findall(r'src="data:image/[a-z]+;base64,([^"]+)"', html)]


NOTEBOOK_OBJECTS = {  # what a notebook cell shows, as its code (a sweep three panels across)
    "result": 'adamviz.run("hump", ["sgd", "momentum", "adam:lr=0.3"], steps=100)',
    "basins": 'adamviz.basins("hump", ["sgd", "momentum", "adam"], grid=6, steps=50)',
    "sweep": 'adamviz.sweep("valley", "momentum", {"lr": [1e-3, 1e-2], '
             '"momentum": [0.5, 0.8, 0.9]}, steps=50)',
}


@pytest.mark.parametrize("kind", list(NOTEBOOK_OBJECTS))
def test_a_notebook_picture_is_stored_once_at_the_notebooks_width_with_readable_text(
        kind, monkeypatch):
    """A notebook shows a picture at most about 960 px wide: one drawn wider is shrunk, and its
    text with it (16 in at 100 dpi: 7-8 px). Drawn at that width and shown at 1:1, every text
    is at least 11 px tall, inside the picture, clear of the others; and the notebook stores
    the picture once (not in the HTML and again as PNG)."""
    import io

    from IPython.core.formatters import DisplayFormatter
    from matplotlib.text import Text
    from PIL import Image

    import adamviz.render.figure as figure_module
    import adamviz.render.small_multiples as compare_module

    made = []
    for module in (figure_module, compare_module):
        monkeypatch.setattr(module, "new_figure", lambda *a, real=module.new_figure, **k:
                            made.append(real(*a, **k)) or made[-1])
    data, _ = DisplayFormatter().format(eval(NOTEBOOK_OBJECTS[kind], {"adamviz": api}))
    (picture,) = pictures_in(data)
    width, height = Image.open(io.BytesIO(picture)).size
    assert 900 <= width <= 1000, width
    (fig,) = made
    dpi = width / fig.get_figwidth()  # the picture's pixels per inch
    drawn = []  # the texts drawn (a tick label beyond the axis' limits is not)
    real_draw = Text.draw
    monkeypatch.setattr(Text, "draw", lambda self, r: (drawn.append(self), real_draw(self, r)))
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = [t for t in dict.fromkeys(drawn) if t.get_visible() and t.get_text().strip()]
    boxes = []
    for text in texts:
        assert text.get_fontsize() * dpi / 72 >= 11, (text.get_text(), text.get_fontsize())
        box = text.get_window_extent(renderer)
        assert fig.bbox.x0 - 1 <= box.x0 and box.x1 <= fig.bbox.x1 + 1, text.get_text()
        assert fig.bbox.y0 - 1 <= box.y0 and box.y1 <= fig.bbox.y1 + 1, text.get_text()
        boxes.append((text.get_text(), box))
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        assert not box_a.overlaps(box_b), (a, b)
