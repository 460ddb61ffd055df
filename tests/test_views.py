"""Each view draws the numbers of the runs, on its own Axes or side by side in one figure."""

import re

import numpy as np
import pytest
from matplotlib.figure import Figure

from adamviz import api
from adamviz.core.errors import InputError
from adamviz.render.viewdata import side_view
from adamviz.render.views import STILL_VIEWS, VIEWS, parse_views


def panel_of(result, ax=None, view="contour"):
    """The panel api.plot draws, to look at its artists."""
    from adamviz.render.inline import draw

    return draw(result, ax, view)[0]


@pytest.fixture(scope="module")
def hump():
    return api.run("hump", ["sgd", "momentum", "adam"])


@pytest.fixture(scope="module")
def cars():
    """A loss over data with a model: every view draws it, the fit view too."""
    return api.run("cars", ["sgd", "adam"], steps=60)


def test_loss_view_draws_loss_minus_the_optimum(hump):
    panel = panel_of(hump, view="loss")
    f_star = panel.offset  # the global minimum's loss
    assert f_star == pytest.approx(-0.40954429520014574, abs=1e-15)
    for line, run in zip(panel.lines, hump.runs, strict=True):
        np.testing.assert_array_equal(line.get_xdata(), np.arange(run.steps + 1))
        np.testing.assert_allclose(line.get_ydata(), np.maximum(run.losses - f_star, 1e-300))
    assert panel.ax.get_yscale() == "log"  # the gap to f* spans many decades


def test_loss_view_marks_early_stopping_and_divergence():
    result = api.run("bowl", ["sgd:lr=1", "adam:lr=0.05"], noise=2.0, patience=15, steps=300)
    diverged, stopped = result.runs
    assert (diverged.status, stopped.status) == ("diverged", "stopped early")
    panel = panel_of(result, view="loss")
    best = panel.best.get_offsets()
    assert best[0][0] == stopped.best_step
    assert panel.diverged.get_offsets()[0][0] == diverged.steps


def test_steps_view_draws_step_lengths_and_adams_effective_lr(hump):
    panel = panel_of(hump, view="steps")
    sgd, _, adam = hump.runs
    np.testing.assert_allclose(panel.length_lines[2].get_ydata(),
                               np.linalg.norm(np.diff(adam.points, axis=0), axis=1))
    # SGD's rate is its lr everywhere; Adam's first rate is lr / (|g1| + eps) (v^1 = g1^2)
    np.testing.assert_allclose(panel.rate_lines[0][0].get_ydata(), 0.01)
    g1 = hump.surface.gradient(adam.points[:1])[0]
    first_rates = [panel.rate_lines[4 + d][0].get_ydata()[0] for d in range(2)]
    np.testing.assert_allclose(first_rates, 0.3 / (np.abs(g1) + 1e-8), rtol=1e-12)


def test_profile_is_the_valley_floor_and_the_balls_lie_on_or_above_it(hump):
    panel = panel_of(hump, view="profile")
    xs, floor = panel.curve.get_data()
    np.testing.assert_allclose(floor, (xs**2 - 1) ** 2 - 0.4 * xs, atol=1e-3)  # min over y
    for run in hump.runs:
        below = np.interp(run.points[:, 0], xs, floor)
        assert (run.losses >= below - 1e-2).all()
    for trail, run in zip(panel.trails, hump.runs, strict=True):
        np.testing.assert_array_equal(trail.get_xdata(), run.points[:, 0])
        np.testing.assert_array_equal(trail.get_ydata(), run.losses)


def test_side_view_of_a_curve_is_the_curve():
    s = api.load_surface(_curve_file())
    xs, ys = side_view(s, np.array([[-1.0, 3.0]]))
    np.testing.assert_allclose(ys, (3 * xs - 4) ** 2)


def test_3d_view_lifts_each_path_onto_the_surface(hump):
    ax = Figure().add_subplot(projection="3d")
    panel = panel_of(hump, ax=ax, view="3d")
    for line, run, z in zip(panel.lines, hump.runs, panel.z, strict=True):
        xs, ys, zs = line.get_data_3d()
        np.testing.assert_array_equal(xs, run.points[:, 0])
        np.testing.assert_array_equal(zs, z)
        np.testing.assert_allclose(z, np.minimum(run.losses, panel.zmax) + panel.lift)


@pytest.mark.parametrize("views", [*STILL_VIEWS, "contour,loss", ",".join(STILL_VIEWS)])
def test_every_view_saves_alone_and_side_by_side(hump, cars, tmp_path, views):
    model = any(VIEWS[v].needs_model for v in views.split(","))
    path = api.save_plot(cars if model else hump, tmp_path / "v.png", views=views.split(","),
                         dpi=40)
    assert path.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("text,message", [
    ("contuor", "Unknown view 'contuor'; did you mean 'contour'?"),
    ("", "No view given"),
    ("loss,loss", "listed twice"),
])
def test_bad_views(text, message):
    with pytest.raises(ValueError, match=message):
        parse_views(text, 2)


def test_3d_of_a_curve_is_refused():
    with pytest.raises(InputError, match="3d view needs a surface in x and y"):
        api.check_views(api.load_surface(_curve_file()), "3d")


def _curve_file():
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / "line.toml"
    path.write_text('name = "line"\nexpr = "(3*x - 4)**2"\nxlim = [-1, 3]\n'
                    '[[minima]]\nat = [1.3333333333333333]\nkind = "global"\n')
    return str(path)


def test_each_panel_declares_what_it_adds_to_the_legend_and_the_figure_gathers_it(monkeypatch):
    """The figure's legend is the runs, then each panel's own entries once: a view other than
    the contour (here the loss view's validation line, or a new view's) reaches it with no
    central list to extend."""
    from matplotlib.lines import Line2D

    from adamviz.render import panels
    from adamviz.render.figure import compose
    from adamviz.studies import recipes

    held = recipes.run(recipes.load("early-stopping"))  # the runs carry a validation loss
    fig, _ = compose(held, ["loss"])
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[len(held.runs):] == ["validation loss (dashed)", "best step (early stopping)"]
    fig, _ = compose(held, ["contour", "3d", "loss"])
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels.count("start") == 1 and labels.count("global minimum") == 1
    assert "best step (early stopping)" in labels

    def declared(self):
        return [Line2D([], [], ls="none", marker="v", label="a new view's marker")]

    monkeypatch.setattr(panels.LossPanel, "legend_entries", declared)
    fig, _ = compose(held, ["contour", "loss"])
    assert "a new view's marker" in [t.get_text() for t in fig.legends[0].get_texts()]


@pytest.mark.parametrize("view,setting", [("loss", "overlays"), ("steps", "camera"),
                                          ("contour", "camera"), ("moments", "marks")])
def test_a_panel_takes_only_the_settings_its_view_declares(hump, view, setting):
    """No panel swallows keywords: a setting its view does not declare is a TypeError on the
    panel, and make_panel never hands it one."""
    from adamviz.render.figure import make_panel, new_figure
    from adamviz.render.views import panel_class

    cls = panel_class(view, 2)
    fig = new_figure()
    area = fig.add_gridspec(1, 1)[0, 0]
    with pytest.raises(TypeError):
        cls(fig.add_subplot(area), hump, **{setting: ("grad",) if setting == "overlays" else 1})
    from adamviz.render.settings import Camera, Overlays

    make_panel(view, new_figure().add_gridspec(1, 1)[0, 0], hump,
               camera=Camera(elev=10, azim=20), overlays=Overlays(show=("grad",)), marks=())


@pytest.mark.parametrize("kwargs,message", [
    ({"views": ["loss"], "overlays": ["grad"]},
     "Overlay arrows (grad) are drawn on the contour view of a surface in x and y; add it, "
     "e.g. contour,loss."),
    ({"views": ["contour"], "elev": 20}, "elev and azim turn the 3d view's camera"),
    ({"views": ["steps"], "azim": 20}, "elev and azim turn the 3d view's camera"),
])
def test_the_library_refuses_settings_no_view_draws(hump, tmp_path, kwargs, message):
    """save_plot(views=["loss"], overlays=["grad"]) drew nothing and said nothing."""
    for call in (api.save_plot, api.animate):
        with pytest.raises(InputError, match=re.escape(message)):
            call(hump, tmp_path / ("x.png" if call is api.save_plot else "x.gif"), **kwargs)
    assert not list(tmp_path.iterdir())
    curve = api.run("lecture", ["adam"], steps=3)
    with pytest.raises(InputError, match="Overlay arrows are drawn on a surface in x and y"):
        api.save_plot(curve, tmp_path / "c.png", overlays="grad")
