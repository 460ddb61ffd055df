"""The fit view: the data with the model at each run's step, read back from the drawn artists
(a curve over one input, a decision boundary over two), in stills and animation frames; and
refused, in one line, where there is no model to draw."""

import warnings

import numpy as np
import pytest
from click.testing import CliRunner
from matplotlib.colors import to_rgba
from PIL import Image

from adamviz import api
from adamviz.cli import cli
from adamviz.core.errors import InputError
from adamviz.render.animate import Animator
from adamviz.render.figure import compose, final_steps
from adamviz.render.frames import run_steps

PLAIN_DATA = ('name = "plain"\ndata = "cars"\nparams = ["w", "b"]\n'
              'expr = "mean((w*speed + b - dist)**2)"\nxlim = [-1, 8]\nylim = [-40, 12]\n')


@pytest.fixture(scope="module")
def cars():
    return api.run("cars", ["sgd", "adam"], steps=120)


@pytest.fixture(scope="module")
def iris():
    return api.run("iris", ["sgd", "adam"], steps=120)


def fit_panel(result, views=("contour", "fit")):
    """The still's figure and its fit panel, at the last step (as save_still draws it)."""
    fig, panels = compose(result, list(views))
    for panel in panels:
        panel.show(final_steps(panel.result))
    return fig, panels[list(views).index("fit")]


def test_a_still_draws_each_runs_curve_at_its_last_step(cars):
    _, panel = fit_panel(cars)
    (name,) = cars.surface.data.inputs
    for line, run in zip(panel.curves, cars.runs, strict=True):
        xs, ys = line.get_data()
        np.testing.assert_allclose(ys, cars.surface.predict(run.points[-1], {name: xs}),
                                   rtol=1e-12)
        assert xs.min() < cars.surface.data.train.columns[name].min()  # a margin around the data
    assert panel.ax.get_xlabel() == "speed" and panel.ax.get_ylabel() == "dist"


def test_a_middle_animation_frame_draws_the_curves_at_that_frames_steps(cars):
    animator = Animator(cars, ["contour", "fit"], dpi=30)
    animator.frame(37)
    panel = animator.panels[1]
    ks = run_steps(37, [run.steps for run in cars.runs])
    for line, run, k in zip(panel.curves, cars.runs, ks, strict=True):
        xs, ys = line.get_data()
        np.testing.assert_allclose(ys, cars.surface.predict(run.points[k], {"speed": xs}),
                                   rtol=1e-12)
        assert not np.allclose(ys, cars.surface.predict(run.points[-1], {"speed": xs}))


def test_the_decision_boundary_is_where_the_model_equals_the_boundary(iris):
    for steps in (final_steps(iris), [30, 30]):
        _, panel = fit_panel(iris)
        panel.show(steps)
        (x0, x1), (y0, y1) = panel.ax.get_xlim(), panel.ax.get_ylim()
        for lines, run, k in zip(panel.boundaries, iris.runs, steps, strict=True):
            points = np.concatenate(lines.get_segments())
            assert len(points) > 10
            values = iris.surface.predict(run.points[k], {"petal_length": points[:, 0],
                                                          "petal_width": points[:, 1]})
            np.testing.assert_allclose(values, iris.surface.data.boundary, atol=1e-9)
            assert (points[:, 0] >= x0).all() and (points[:, 0] <= x1).all()
            assert (points[:, 1] >= y0).all() and (points[:, 1] <= y1).all()
    # the axes stay on the data (petals of 3 to 7 cm by 1 to 2.5 cm), not on the lines
    assert 2.5 < x0 < 3.0 and 6.9 < x1 < 7.5 and 0.8 < y0 < 1.0 and 2.5 < y1 < 2.8


def test_validation_rows_are_hollow_and_all_drawn(cars, iris):
    _, panel = fit_panel(cars)
    held = cars.surface.data.validation
    assert len(panel.held.get_offsets()) == held.rows == 10
    assert len(panel.points.get_offsets()) == cars.surface.data.train.rows == 40
    assert panel.held.get_facecolors().size == 0 or (panel.held.get_facecolors()[:, 3] == 0).all()
    assert panel.held.get_paths()[0] != panel.points.get_paths()[0]  # another marker
    _, panel = fit_panel(iris)
    assert sum(len(s.get_offsets()) for s in panel.held) == 25
    assert sum(len(s.get_offsets()) for s in panel.points) == 75
    assert all(s.get_facecolors().size == 0 or (s.get_facecolors()[:, 3] == 0).all()
               for s in panel.held)
    # the classes differ in shape and in grey (no hue: the hues are the runs')
    shapes = [s.get_paths()[0].vertices.shape for s in panel.points]
    faces = [to_rgba(s.get_facecolors()[0]) for s in panel.points]
    assert shapes[0] != shapes[1] and faces[0] != faces[1]
    assert all(f[0] == f[1] == f[2] for f in faces)


def test_the_legend_names_the_data_and_the_runs(cars, iris):
    fig, _ = fit_panel(cars, ["fit"])
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["sgd (lr=0.002)", "adam (lr=1)", "training rows (40)",
                      "validation rows (10, hollow)"]
    fig, _ = fit_panel(iris, ["fit"])
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[2:] == ["label = 0 (36 rows)", "label = 1 (39 rows)",
                          "validation rows (25, hollow)",
                          "decision boundary: model = 0 (run's colour)"]


def test_the_minibatch_rows_of_the_current_step_are_ringed():
    result = api.run("cars", ["sgd"], steps=40, batch_size=8)
    animator = Animator(result, ["fit"], dpi=30)
    animator.frame(20)
    panel, run = animator.panels[0], result.runs[0]
    rows = run.batch_rows[20]
    train = result.surface.data.train.columns
    np.testing.assert_array_equal(panel.batch.get_offsets(),
                                  np.column_stack([train["speed"][rows], train["dist"][rows]]))
    labels = [e.get_label() for e in panel.legend_entries()]
    assert "rows of this step's minibatch (sgd (lr=0.002))" in labels


def test_two_inputs_predicting_a_measure_colour_the_rows_by_it():
    """Not a few classes but a measure (any number of values): rows coloured by it, and the
    level line model = boundary drawn as a classifier's boundary is."""
    from adamviz.surfaces import Surface

    rng = np.random.default_rng(0)
    a, b = rng.uniform(0, 3, 40), rng.uniform(-1, 1, 40)
    surface = Surface.from_data({"a": a, "b": b, "y": 1.5 * a - 2 * b}, params=["u", "v"],
                                expr="mean((u*a + v*b - y)**2)", model="u*a + v*b",
                                target="y", boundary=1, validation=0.25, start=[0, 0])
    result = api.run(surface, ["adam:lr=0.1"], steps=50)
    _, panel = fit_panel(result, ["fit"])
    assert panel.coloured and len(panel.points) == 1 and len(panel.held[0].get_offsets()) == 10
    assert len(np.unique(panel.points[0].get_facecolors(), axis=0)) > 20
    points = np.concatenate(panel.boundaries[0].get_segments())
    values = surface.predict(result.runs[0].points[-1], {"a": points[:, 0], "b": points[:, 1]})
    np.testing.assert_allclose(values, 1, atol=1e-9)
    assert "training rows (30), coloured by y (purple low, yellow high)" in \
        [e.get_label() for e in panel.legend_entries()]


def test_a_curve_of_one_row_is_drawn_from_zero_to_it():
    """The lecture's one row (x = 3, y = 4) and w*x: the line through the origin, seen whole."""
    result = api.run("lecture", ["adam"], steps=30)
    _, panel = fit_panel(result, ["fit"])
    xs, ys = panel.curves[0].get_data()
    assert xs[0] < 0 < 3 < xs[-1]
    np.testing.assert_allclose(ys, result.runs[0].points[-1, 0] * xs)


@pytest.mark.parametrize("surface", ["hump", "plain.toml"])
def test_fit_needs_a_data_surface_with_a_model(surface, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plain.toml").write_text(PLAIN_DATA)
    kind = "a formula, not a loss over data" if surface == "hump" else \
        "a loss over data without model and target"
    name = surface.removesuffix(".toml")
    message = (f"The fit view draws a model on its data; surface {name!r} is {kind}. Use a "
               f"data surface with model and target, e.g. cars.")
    result = api.run(surface, ["adam"], steps=3)
    for call, out in ((api.save_plot, "x.png"), (api.animate, "x.gif")):
        with pytest.raises(InputError) as caught:
            call(result, tmp_path / out, views=["contour", "fit"])
        assert str(caught.value) == message
    out = CliRunner().invoke(cli, ["run", "-s", surface, "--view", "contour,fit", "-o", "x.png"])
    assert out.exit_code == 2 and message in out.stderr and "Traceback" not in out.output
    assert not (tmp_path / "x.png").exists()


def test_a_batch_file_refuses_fit_on_a_formula(tmp_path):
    from adamviz import outputs

    path = tmp_path / "b.toml"
    path.write_text('[[experiment]]\nname = "a"\nsurface = "hump"\noptimizers = ["adam"]\n'
                    'outputs = ["fit"]\n')
    with pytest.raises(InputError, match=r"experiment\[0\]\.outputs: The fit view draws a "
                                         r"model on its data; surface 'hump'"):
        outputs.load_batch(path)


def test_an_animation_of_contour_and_fit_moves_the_boundary(iris, tmp_path):
    path = tmp_path / "fit.gif"
    api.animate(iris, path, views=["contour", "fit"], frames=6, dpi=40)
    with Image.open(path) as gif:
        assert gif.n_frames >= 6
    animator = Animator(iris, ["fit"], dpi=40)  # the fit panel alone: only its lines move
    first, middle = animator.frame(0).copy(), animator.frame(40).copy()
    assert (first != middle).any(axis=2).sum() > 100


def test_a_diverging_run_draws_without_warnings(tmp_path):
    result = api.run("cars", ["sgd:lr=1", "adam"], steps=40)
    assert result.runs[0].status == "diverged"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        api.save_plot(result, tmp_path / "d.png", views=["contour", "fit"], dpi=40)
        api.animate(result, tmp_path / "d.gif", views=["fit"], frames=5, dpi=40)
    _, panel = fit_panel(result, ["fit"])
    y0, y1 = panel.ax.get_ylim()  # on the data (2 to 120), not the diverged line
    assert -20 < y0 < 0 and 120 < y1 < 140
