"""Still pictures laid out as a reader sees them: panels in a grid that fits the size asked for,
the contour at true scale with its colour bar beside it, colour-bar labels apart, and the 3d
view turned to show the surface's minima and what lies between them."""

import io
import tomllib
from contextlib import contextmanager
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from adamviz import api
from adamviz.render import figure as figure_module
from adamviz.render import looks
from adamviz.render.settings import Look
from adamviz.render.views import STILL_VIEWS

# (a network's surface is drawn on a plane through its weights, not over a box: not here)
SURFACES = sorted(p.stem for p in (Path(__file__).resolve().parent.parent / "surfaces")
                  .glob("*.toml") if not isinstance(tomllib.loads(p.read_text()).get("model"),
                                                    dict))


@pytest.fixture(scope="module")
def hump():
    return api.run("hump", ["sgd", "adam"], steps=80)


@contextmanager
def drawn_still(monkeypatch, result, views, size=None, style="paper"):
    """The figure ``save_still`` would write, drawn and measured in its look: (figure, panels,
    renderer) inside the ``with`` (outside it, text made later would take other sizes)."""
    kept = {}
    compose = figure_module.compose

    def keep_panels(*args, **kwargs):
        kept["fig"], kept["panels"] = compose(*args, **kwargs)
        return kept["fig"], kept["panels"]

    def draw_instead_of_saving(fig, path, **_):
        fig.canvas.draw()  # inside the look, as the picture is drawn

    monkeypatch.setattr(figure_module, "compose", keep_panels)
    monkeypatch.setattr(figure_module, "save", draw_instead_of_saving)
    with looks.wearing(style):
        figure_module.save_still(result, io.BytesIO(), views, Look(size=size, style=style),
                                 fmt="png")
        yield kept["fig"], kept["panels"], kept["fig"].canvas.get_renderer()


def panel_axes(panel) -> list:
    """Every Axes a panel drew on, its colour bar included."""
    axes = [getattr(panel, name) for name in ("ax", "top", "bottom") if hasattr(panel, name)]
    return axes + [child for ax in axes for child in ax.child_axes]


def colour_bar(panel):
    """The Axes of a contour panel's colour bar."""
    return panel.filled.colorbar.ax


def union(boxes):
    return (min(b.x0 for b in boxes), min(b.y0 for b in boxes), max(b.x1 for b in boxes),
            max(b.y1 for b in boxes))


def overlap(a, b, slack=1.0) -> bool:
    return a[0] < b[2] - slack and b[0] < a[2] - slack and a[1] < b[3] - slack and \
        b[1] < a[3] - slack


FORMULA_VIEWS = [v for v, spec in STILL_VIEWS.items() if not spec.needs_model]  # all the hump's
LOOKS = ((None, "paper"), ((1920, 1080), "paper"), ((1920, 1080), "talk"))
LAYOUTS = [(n, size, style) for n in range(1, len(FORMULA_VIEWS) + 1) for size, style in LOOKS]


@pytest.mark.parametrize("n,size,style", LAYOUTS)
def test_panels_fill_the_size_in_a_grid_without_overlapping(monkeypatch, hump, n, size, style):
    check_grid(monkeypatch, hump, FORMULA_VIEWS[:n], size, style)


@pytest.mark.parametrize("size,style", [*LOOKS, ((1920, 1080), "dark")])
@pytest.mark.parametrize("surface,views", [("cars", ["fit"]), ("iris", ["contour", "fit"]),
                                           ("dip", ["contour", "loss", "fit"]),
                                           ("lecture", ["contour", "fit"])])
def test_the_fit_view_lays_out_beside_the_others(monkeypatch, surface, views, size, style):
    result = api.run(surface, ["sgd", "adam"], steps=60)
    check_grid(monkeypatch, result, views, size, style)


def check_grid(monkeypatch, result, views, size, style) -> None:
    """The still of ``views``: panels in a grid of the size asked for, each panel's Axes and
    (with its labels) its whole box clear of the others and inside the figure."""
    with drawn_still(monkeypatch, result, views, size, style) as (fig, panels, renderer):
        boxes = [[ax.get_window_extent(renderer) for ax in panel_axes(p)] for p in panels]
        tight = [union([ax.get_tightbbox(renderer) for ax in panel_axes(p)]) for p in panels]
    width, height = fig.bbox.width, fig.bbox.height
    if size is not None:
        assert width / height == pytest.approx(size[0] / size[1], rel=0.01)
    else:  # never a strip of panels: at most three a row
        assert width / height <= 3 * 8 / 6 + 0.01
    flat = [(b.x0, b.y0, b.x1, b.y1) for group in boxes for b in group]
    for a, b in combinations(flat, 2):
        assert not overlap(a, b), (a, b)
    # Each panel with its labels, titles and colour bar stays clear of the others and inside
    # the figure.
    for a, b in combinations(tight, 2):
        assert not overlap(a, b), (a, b)
    for box in tight:
        assert box[0] >= -1 and box[1] >= -1 and box[2] <= width + 1 and box[3] <= height + 1
    for group in boxes:
        x0, y0, x1, y1 = union(group)
        assert (x1 - x0) / width >= 0.15 and (y1 - y0) / height >= 0.2, views


@pytest.mark.parametrize("views", [["contour"], ["contour", "loss"], FORMULA_VIEWS])
@pytest.mark.parametrize("size", [None, (1920, 1080), (1280, 1024)])
def test_the_contour_keeps_true_scale_and_its_colour_bar_matches_it(monkeypatch, hump, views,
                                                                    size):
    with drawn_still(monkeypatch, hump, views, size) as (_, panels, renderer):
        contour = panels[0]
        box = contour.ax.get_window_extent(renderer)
        bar = contour.filled.colorbar.outline.get_window_extent(renderer)  # with its end arrow
    (x0, x1), (y0, y1) = contour.view
    assert box.width / box.height == pytest.approx((x1 - x0) / (y1 - y0), rel=0.03)
    assert bar.x0 > box.x1  # beside it, as tall as the surface
    assert bar.y0 == pytest.approx(box.y0, abs=2) and bar.y1 == pytest.approx(box.y1, abs=2)


def test_measuring_the_layout_sees_a_colour_bar_beside_its_panel(monkeypatch, hump):
    """A colour bar is a child of its panel, not one of the figure's Axes, yet its label and
    tick labels stand beside the next panel's y label: they are measured as the colour bar's
    of that panel (the check costs 10 ms more for three panels; #24 had left them out, and
    the three-planes figure's 'loss' then ran into 'direction 2')."""
    from adamviz.render import layout

    with drawn_still(monkeypatch, hump, ("contour", "loss")) as (fig, panels, _):
        found = {(owner, part) for owner, part, _ in layout.boxes(fig)}
    assert {("colour bar of axes 0", "y label"), ("colour bar of axes 0", "y tick labels"),
            ("axes 0", "title"), ("axes 1", "y label")} <= found


def test_panels_that_meet_are_spaced_apart():
    """Laid out with no room between panels, a contour's colour bar label meets the next
    panel's y label: the layout spaces the panels until they stand clear."""
    from adamviz.render import layout
    from adamviz.render.figure import compose

    fig, _ = compose(api.run("hump", ["adam:lr=0.3"], steps=40), ["contour", "contour"])
    engine = fig.get_layout_engine()
    engine.set(w_pad=0, h_pad=0, wspace=0, hspace=0)
    layout.fit(fig, engine)
    renderer = fig.canvas.get_renderer()
    label = fig.axes[0].child_axes[0].yaxis.label.get_window_extent(renderer)
    beside = fig.axes[1].yaxis.label.get_window_extent(renderer)
    assert beside.x0 - label.x1 >= layout.GAP and layout.problems(fig) == []
    assert 0 < engine.get()["wspace"] <= layout.MAX_SPACE


def test_measuring_the_layout_leaves_a_3d_panel_alone(monkeypatch, hump):
    """A 3D panel's labels turn with the camera inside its box and are not measured, so its
    ticks and labels are not placed for the check either (#24)."""
    from adamviz.render import layout

    with drawn_still(monkeypatch, hump, ("contour", "3d")) as (fig, panels, _):
        measured = []
        monkeypatch.setattr(panels[1].ax, "get_tightbbox",
                            lambda *a, **k: measured.append(1))
        found = layout.boxes(fig)
    assert measured == []
    assert {owner for owner, _, _ in found} == {"figure", "legend 0", "axes 0",
                                                "colour bar of axes 0"}


def test_the_layout_runs_no_pass_it_does_not_need(monkeypatch):
    """One pass for a figure it lays out cleanly; two for a clash no pass or wrapping can
    resolve (a short title drawn onto the y tick labels), and no more (#24: the layout is
    the costliest part of a picture)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from adamviz.render import layout

    def passes(clashing: bool) -> int:
        fig = Figure(figsize=(6, 4), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        ax.set(xlabel="x", ylabel="y")
        ax.set_title("title", x=-0.1, y=0.5, ha="left") if clashing else ax.set_title("title")
        engine = fig.get_layout_engine()
        count = []
        execute = engine.execute
        monkeypatch.setattr(engine, "execute", lambda f: (count.append(1), execute(f)))
        layout.fit(fig, engine)
        assert bool(layout.clashes(fig)) == clashing
        return len(count)

    assert passes(clashing=False) == 1
    assert passes(clashing=True) == 2


def test_the_layout_measures_the_panels_with_their_titles_held(monkeypatch, hump):
    """Left free, matplotlib places a panel's title afresh at every measurement of its Axes, a
    full tick update of its y axis each time: a fifth of a picture's layout (#24). The layout
    holds the titles at the top of their Axes, where the picture then places them."""
    from matplotlib.axes import Axes

    from adamviz.render import layout

    placed, during_layout = [], []
    place, fit = Axes._update_title_position, layout.fit
    def placing(self, renderer):  # a title placed, not one held (nor a colour bar's, untitled)
        if self._autotitlepos and self.get_title():
            placed.append(self)
        place(self, renderer)

    monkeypatch.setattr(Axes, "_update_title_position", placing)
    monkeypatch.setattr(layout, "fit", lambda *a, **k: (placed.clear(), fit(*a, **k),
                                                        during_layout.extend(placed)))
    with drawn_still(monkeypatch, hump, ("contour", "loss")) as (fig, panels, renderer):
        for panel in panels:
            title, area = panel.ax.title, panel.ax.get_window_extent(renderer)
            assert title.get_position()[1] == 1.0
            assert title.get_window_extent(renderer).y0 > area.y1
        assert not layout.problems(fig)
    assert during_layout == []
    assert placed  # the picture's own draw places them


def test_a_title_over_an_offset_text_is_laid_out_where_it_rises():
    """A y axis whose ticks share an offset ("1e6" over the Axes) lifts the panel's title above
    it; the layout is redone with the title free, so it still stays inside the figure."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from adamviz.render import layout

    fig = Figure(figsize=(6, 4), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot([0, 1], [1e6, 2e6])
    ax.set(xlabel="x", ylabel="y")
    ax.set_title("a title as wide as the panel, over the offset", loc="left")
    layout.fit(fig, fig.get_layout_engine())
    fig.set_layout_engine(None)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    offset = ax.yaxis.offsetText.get_window_extent(renderer)
    title = ax._left_title.get_window_extent(renderer)
    assert ax.yaxis.offsetText.get_text()
    assert title.y0 >= offset.y1 - 1
    assert title.y1 <= fig.bbox.y1 + layout.SLACK


def test_six_views_are_a_grid_not_a_row():
    assert figure_module.grid_shape(6) == (2, 3)
    assert figure_module.grid_shape(6, (1920, 1080)) == (2, 3)
    assert figure_module.grid_shape(2, (1920, 1080)) == (1, 2)
    assert figure_module.grid_shape(3, (1920, 720)) == (1, 3)  # the figures' slides
    assert figure_module.grid_shape(2, (1080, 1920)) == (2, 1)  # a portrait screen


@pytest.mark.parametrize("style", ["paper", "talk"])
@pytest.mark.parametrize("name", SURFACES)
def test_colour_bar_labels_never_overlap(monkeypatch, name, style):
    result = api.run(name, ["adam"], steps=20)
    if result.surface.dims == 1:
        pytest.skip("a curve f(x) has no colour bar")
    with drawn_still(monkeypatch, result, ["contour"], None, style) as (_, (panel,), renderer):
        axis = colour_bar(panel).yaxis
        low, high = sorted(axis.get_view_interval())
        labels = [t for t, v in zip(axis.get_ticklabels(), axis.get_ticklocs(), strict=True)
                  if t.get_visible() and t.get_text() and low <= v <= high]
        boxes = [t.get_window_extent(renderer) for t in labels]
    assert len(labels) >= 2, name
    for a, b in combinations(boxes, 2):
        assert not overlap((a.x0, a.y0, a.x1, a.y1), (b.x0, b.y0, b.x1, b.y1), 0), \
            (name, style, [t.get_text() for t in labels])


def test_the_3d_view_marks_the_minima_on_the_surface(hump):
    ax = Figure().add_subplot(projection="3d")
    from adamviz.render.inline import draw

    panel, _ = draw(hump, ax, "3d")
    surface = hump.surface
    assert len(panel.minima) == len(surface.minima)
    for artist, minimum in zip(panel.minima, surface.minima, strict=True):
        xs, ys, zs = artist.get_data_3d()
        f = float(surface.loss(np.array([minimum.point]))[0])
        np.testing.assert_allclose([xs[0], ys[0]], minimum.point)
        assert zs[0] == pytest.approx(f + panel.lift)
        assert artist.get_marker() == ("*" if minimum.kind == "global" else "D")
    assert "global minimum" in [e.get_label() for e in panel.legend_entries()]
    labels = [t.get_text() for t in panel.legend.get_texts()]
    assert any("global" in label and "local" in label for label in labels), labels


def on_screen(ax, points):
    """Pixels of 3d ``points`` as drawn, in units of the Axes' width."""
    from mpl_toolkits.mplot3d import proj3d

    ax.figure.canvas.draw()
    xs, ys, _ = proj3d.proj_transform(*np.asarray(points, dtype=float).T, ax.get_proj())
    return ax.transData.transform(np.column_stack([xs, ys])) / ax.bbox.width


def test_the_3d_camera_shows_the_hump_between_the_minima(hump):
    from adamviz.render.inline import draw

    panel, fig = draw(hump, None, "3d")
    surface = hump.surface
    glob, local = (m.point for m in surface.minima)
    saddle = np.array([-0.1, 0.0])  # the hump's top between them
    points = [(*p, float(surface.loss(np.array([p]))[0])) for p in (local, saddle, glob)]
    (lx, ly), (sx, sy), (gx, gy) = on_screen(panel.ax, points)
    # Seen across the line between the minima: the local one on the left, the global one on the
    # right, near level, with the hump between them and above both.
    assert lx < sx < gx
    assert abs(gy - ly) < 0.3 * (gx - lx)
    assert sy > max(ly, gy)
    assert gx - lx > 0.2  # of the Axes' width: side by side, not one behind the other


@pytest.fixture(scope="module")
def crowd():
    """400 runs: 100 starts of each of four optimizers, a few steps (the batch GIF of #24)."""
    starts = [(float(x), float(y)) for x in np.linspace(-2.2, 2.2, 10)
              for y in np.linspace(-1.3, 1.3, 10)]
    return api.run("hump", ["sgd", "momentum", "rmsprop", "adam"], starts, steps=5)


def test_a_figure_of_hundreds_of_runs_has_a_legend_of_groups(monkeypatch, crowd):
    """400 runs made a legend of 400 entries over the plot, title and step counter (and the
    constrained layout gave up): more runs than style.CROWD get one entry per optimizer, in its
    colour, with the number of its runs (#24); every run keeps its optimizer's colour."""
    from adamviz.render import layout, style
    from adamviz.render.animate import Animator

    colors = {name: style.OPTIMIZER_COLORS[name] for name in ("sgd", "momentum", "rmsprop",
                                                              "adam")}
    with drawn_still(monkeypatch, crowd, ["contour", "loss"]) as (fig, panels, _):
        assert layout.problems(fig) == []
    animator = Animator(crowd, ["contour"])
    for figure in (fig, animator.fig):
        entries = figure.legends[0].legend_handles
        labels = [t.get_text() for t in figure.legends[0].get_texts()]
        assert len(entries) <= 10, labels
        assert [label for label in labels if "runs" in label] == [
            f"{name} (lr={lr}) (100 runs)" for name, lr in (("sgd", 0.01), ("momentum", 0.01),
                                                           ("rmsprop", 0.01), ("adam", 0.3))]
        assert [h.get_color() for h in entries[:4]] == list(colors.values())
        assert labels.count("start") == 1
    assert layout.problems(animator.fig) == []
    for panel in (*panels, *animator.panels):
        assert {(run.optimizer, color) for run, color in zip(crowd.runs, panel.colors,
                                                              strict=True)} == set(colors.items())


def test_one_optimizer_of_many_runs_is_one_entry_in_the_ink():
    """One optimizer's many runs take a colour each: its one entry is drawn in the ink and
    says so."""
    from adamviz.render import legend

    result = api.run("hump", ["adam"], [(float(x), 0.5) for x in np.linspace(-2, 2, 20)],
                     steps=5)
    assert legend.groups(result.runs) == [("black", "adam (lr=0.3) (20 runs, each its colour)")]


def test_a_notebook_picture_of_many_runs_has_a_legend_of_groups(crowd):
    """``plot`` in a notebook: the runs' groups, then the markers two to an entry."""
    from adamviz.render import inline

    panel, _ = inline.draw(crowd)
    labels = [t.get_text() for t in panel.legend.get_texts()]
    assert labels[:4] == [f"{name} (100 runs)" for name in ("sgd (lr=0.01)", "momentum (lr=0.01)",
                                                          "rmsprop (lr=0.01)", "adam (lr=0.3)")]
    assert labels[4:] == ["start, end", "global, local minimum"], labels
