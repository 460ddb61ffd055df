"""--overlay grad,momentum,step: the arrows are the run's own numbers, on stills and in
animations; bad overlay input is one clear line."""

from dataclasses import replace

import numpy as np
import pytest
from click.testing import CliRunner

from adamviz import api
from adamviz.arrows import OVERLAYS, parse_overlays, parse_steps
from adamviz.cli import cli
from adamviz.core.errors import InputError
from adamviz.render import overlays
from adamviz.render.animate import Animator
from adamviz.render.figure import compose
from adamviz.render.settings import Overlays


@pytest.fixture(scope="module")
def result():
    return api.run("hump", ["sgd", "momentum", "adam"], steps=80)


def test_vectors_are_the_runs_numbers(result):
    sgd, momentum, adam = result.runs
    np.testing.assert_array_equal(OVERLAYS["grad"].vector(sgd), -sgd.gradients)
    np.testing.assert_array_equal(OVERLAYS["momentum"].vector(momentum),
                                  -momentum.quantities["b"])
    np.testing.assert_array_equal(OVERLAYS["momentum"].vector(adam), -adam.quantities["m"])
    assert OVERLAYS["momentum"].vector(sgd) is None  # plain SGD keeps no momentum
    step = OVERLAYS["step"].vector(adam)
    np.testing.assert_allclose(step[5], adam.points[5] - adam.points[4])


def test_arrows_start_where_the_step_was_taken_and_keep_their_direction(result):
    momentum = result.runs[1]
    view = ((-2.5, 2.5), (-1.5, 1.5))
    grad = [OVERLAYS["grad"].vector(momentum)]
    tails, vectors, owners = overlays.arrows([momentum], grad, [[5, 13]],
                                             overlays.scale(grad, view), view)
    np.testing.assert_array_equal(tails, momentum.points[[4, 12]])
    for v, k in zip(vectors, (5, 13), strict=True):
        g = -momentum.gradients[k]
        assert np.dot(v, g) / np.linalg.norm(v) / np.linalg.norm(g) == pytest.approx(1)
        assert np.linalg.norm(v) <= overlays.LONGEST * 3 + 1e-12  # clipped to the view
    assert owners == [0, 0]


def test_still_draws_one_arrow_per_chosen_step_and_run_that_has_the_quantity(result):
    fig, (panel,) = compose(result, ["contour"],
                            overlays=Overlays(show=("grad", "momentum"), at=(5, 10)))
    assert len(panel.arrows.quivers["grad"].U) == 6  # 3 runs x 2 steps
    assert len(panel.arrows.quivers["momentum"].U) == 4  # sgd has none
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "−gradient (downhill)" in labels and "−momentum (first moment)" in labels


def test_animation_frames_carry_the_arrows_of_the_current_step(result):
    plain = Animator(result, ["contour"])
    arrows = Animator(result, ["contour"], overlays=Overlays(show=("grad", "momentum", "step")))
    a, b = plain.frame(10).copy(), arrows.frame(10).copy()
    assert np.abs(a.astype(int) - b.astype(int)).sum() > 0
    quiver = arrows.panels[0].arrows.quivers["grad"]
    np.testing.assert_allclose(quiver.get_offsets()[1], result.runs[1].points[9])


@pytest.mark.parametrize("text,message", [
    ("gard", "Unknown overlay 'gard'; did you mean 'grad'"),
    ("grad,grad", "listed twice"),
])
def test_bad_overlays(text, message):
    with pytest.raises(InputError, match=message):
        parse_overlays(text)


@pytest.mark.parametrize("text,message", [("0", "steps count from 1"),
                                          ("a,b", "expected whole numbers")])
def test_bad_overlay_steps(text, message):
    with pytest.raises(InputError, match=message):
        parse_steps(text)


@pytest.mark.parametrize("args,message", [
    (["--overlay", "grad", "--view", "loss"], "are drawn on the contour view of a surface"),
    (["--overlay", "velocity"], "Unknown overlay 'velocity'"),
    (["--overlay", "grad", "--overlay-at", "-3"], "steps count from 1"),
])
def test_cli_overlay_errors(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(cli, ["run", "-s", "hump", *args])
    assert out.exit_code == 2 and message in out.stderr and not list(tmp_path.iterdir())


def test_cli_overlay_writes_a_picture(tmp_path):
    out = CliRunner().invoke(cli, ["run", "-s", "hump", "--opt", "momentum", "--overlay",
                                   "grad,momentum", "--overlay-at", "5,13", "-o",
                                   str(tmp_path / "a.png"), "-q"])
    assert out.exit_code == 0 and (tmp_path / "a.png").stat().st_size > 0


def test_momentum_claim_refuses_a_run_without_momentum(result):
    from adamviz.studies.claims import momentum_against_gradient

    check = momentum_against_gradient(result, {"run": 1, "at": [5]}, None)
    assert not check.ok and "keeps no momentum" in check.statement


def test_a_stills_arrows_stand_where_the_run_moves_not_in_the_knot_at_its_end():
    """Default steps are spread along the path: on the hump, momentum's first half of the way
    takes half the arrows, though it is a tenth of its steps; spread over the steps, they sat
    at the minimum."""
    momentum = api.run("hump", ["momentum"]).runs[0]
    steps = overlays.default_steps(momentum)
    moved = np.concatenate([[0], np.cumsum(momentum.step_lengths())])
    half = int(np.searchsorted(moved, moved[-1] / 2))
    assert half < momentum.steps / 10
    assert len(steps) == overlays.DEFAULT_ARROWS and steps[0] == 1
    assert (steps <= half).sum() >= overlays.DEFAULT_ARROWS // 2
    still = replace(momentum, points=np.repeat(momentum.points[:1], 6, axis=0), steps=5)
    assert list(overlays.default_steps(still)) == [1, 2, 3, 4, 5]  # it did not move


def test_arrows_at_convergence_look_small_beside_the_first_ones():
    """The scale is the kind's long arrows (90th percentile), not its median: near the
    minimum, where most of a converging run's steps are, a gradient arrow is short."""
    adam = api.run("hump", ["adam"]).runs[0]
    view = ((-2.5, 2.5), (-1.5, 1.5))
    grad = [OVERLAYS["grad"].vector(adam)]
    factor = overlays.scale(grad, view)
    _, vectors, _ = overlays.arrows([adam], grad, [[1, adam.steps]], factor, view)
    first, last = np.linalg.norm(vectors, axis=1)
    assert first >= 0.05 * overlays.side(view) and last < 0.01 * overlays.side(view)


def test_on_a_dark_look_the_arrows_and_contour_lines_turn_light():
    import matplotlib

    from adamviz.render.looks import wearing

    result = api.run("hump", ["momentum"], steps=30)
    for look, grad, lines in (("paper", "#000000", "#000000"), ("dark", "#e8e8e8", "#ffffff")):
        with wearing(look):
            fig, (panel,) = compose(result, ["contour"],
                                    overlays=Overlays(show=("grad", "momentum")))
            face = panel.arrows.quivers["grad"].get_facecolor()[0]
            assert matplotlib.colors.to_hex(face) == grad
            contour_lines = [c for c in panel.ax.collections
                             if hasattr(c, "levels") and not c.filled]
            assert matplotlib.colors.to_hex(contour_lines[0].get_edgecolor()[0]) == lines


def test_a_run_that_went_its_way_in_one_step_still_gets_its_arrows():
    """RMSProp's first step is 10 lr: spread along the path alone, all arrows fell on step 1."""
    rmsprop = api.run("hump", ["rmsprop:lr=0.1"], steps=60).runs[0]
    jump = replace(rmsprop, points=np.concatenate([rmsprop.points[:1], rmsprop.points[:1] + 10,
                                                   rmsprop.points[1:] * 1e-3 + 10]))
    jump = replace(jump, steps=len(jump.points) - 1)
    steps = overlays.default_steps(jump)
    assert len(steps) == overlays.DEFAULT_ARROWS and steps[0] == 1
