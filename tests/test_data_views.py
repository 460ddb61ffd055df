"""What a loss over data adds to the pictures, checked on the numbers drawn: the validation loss
as contours with its minimum, the point early stopping kept, the minibatch's own loss in an
animation, and training and validation loss on one scale."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from adamviz import api  # noqa: E402
from adamviz.render.figure import make_panel  # noqa: E402
from adamviz.render.viewdata import loss_reference  # noqa: E402


@pytest.fixture(scope="module")
def stopped():
    return api.run("cars", ["adam:lr=0.5"], batch_size=8, patience=60)


def test_the_validation_minimum_is_one_and_is_drawn(stopped):
    surface = stopped.surface
    best = surface.validation_minimum
    rows = surface.data.validation_rows
    assert np.linalg.norm(rows.value_and_grad(best[:, None])[1:]) < 1e-8
    grid = np.array(np.meshgrid(np.linspace(*surface.xlim, 60), np.linspace(*surface.ylim, 60)))
    assert surface.validation_loss(best[None])[0] <= surface.validation_loss(
        grid.reshape(2, -1).T).min()
    fig, ax = plt.subplots()
    panel = make_panel("contour", ax, stopped)
    panel.show([r.steps for r in stopped.runs])
    offsets = [c.get_offsets() for c in ax.collections if len(c.get_offsets()) == 1]
    assert any(np.allclose(o[0], best) for o in offsets)
    labels = [e.get_label() for e in panel.legend_entries()]
    assert "validation loss (dashed)" in labels and "validation minimum" in labels
    plt.close(fig)


def test_the_kept_point_is_ringed_once_the_run_has_stopped(stopped):
    run = stopped.runs[0]
    assert run.status == "stopped early"
    fig, ax = plt.subplots()
    panel = make_panel("contour", ax, stopped, animated=True)
    panel.show([run.steps - 1])
    assert len(panel.data.kept.get_offsets()) == 0
    panel.show([run.steps])
    np.testing.assert_allclose(panel.data.kept.get_offsets()[0], run.points[run.best_step])
    plt.close(fig)


def test_an_animation_draws_the_loss_of_the_steps_own_minibatch(stopped):
    run = stopped.runs[0]
    fig, ax = plt.subplots()
    panel = make_panel("contour", ax, stopped, animated=True)
    for k in (0, 1, 37):
        panel.show([k])
        segments = panel.data.lines.get_segments()
        if k == 0:
            assert segments == []
            continue
        assert segments
        rows = run.batch_rows[k][run.batch_rows[k] >= 0]
        points = np.concatenate(segments)
        values = stopped.surface.batch_value_and_grad(
            np.ascontiguousarray(points.T), np.broadcast_to(rows, (len(points), len(rows))))[0]
        levels = panel.levels
        nearest = np.abs(values[:, None] - levels[None, :]).min(axis=1)
        assert (nearest <= 0.02 * np.abs(values)).all()  # each vertex on one of the levels
    plt.close(fig)


def test_training_and_validation_loss_are_drawn_on_one_scale(stopped):
    offset, log = loss_reference(stopped.surface, stopped.runs)
    assert offset is None  # not loss - f*: f* is the training loss's alone
    fig, ax = plt.subplots()
    panel = make_panel("loss", ax, stopped)
    panel.show([stopped.runs[0].steps])
    held = panel.held_lines[0].get_ydata()
    np.testing.assert_allclose(held, stopped.runs[0].monitor[: len(held)])
    assert "validation loss" in ax.get_ylabel()
    plt.close(fig)
