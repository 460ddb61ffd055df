"""A sliced result (runs in P dimensions drawn on a plane) says how far to trust its picture: the
path fades off the plane, the loss view bands the gap to the plane's loss, the title names the
plane and its share, the steps view measures true steps, the player says why it replays."""

import dataclasses

import numpy as np
import pytest
from matplotlib.figure import Figure

from adamviz import api
from adamviz.render import plane
from adamviz.render.figure import compose, final_steps
from adamviz.render.inline import draw
from adamviz.surfaces import Surface

P = 6  # the fake network's parameters: the plane's two, and four the plane does not see


@dataclasses.dataclass(frozen=True, kw_only=True)
class Plane:
    kind: str
    explained: float
    about: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class PlaneSurface(Surface):
    plane: Plane | None = None


def slice_of(result, explained=0.92, kind="pca"):
    """``result`` as if its runs had moved in P parameters: the plane's two and four more,
    which stay 0 for the first half of the steps and then move away from the plane (their
    distance grows to twice the paths' spread); the true loss is the plane's plus the distance
    squared."""
    base = result.surface
    surface = PlaneSurface(**{f.name: getattr(base, f.name) for f in dataclasses.fields(base)},
                           plane=Plane(kind=kind, explained=explained,
                                       about="the PCA plane of all runs' paths together"))
    scale = plane.fade_scale(result.runs)
    rng = np.random.default_rng(0)
    runs = []
    for run in result.runs:
        n = len(run.points)
        off = 2 * scale * np.clip(np.linspace(-1, 1, n), 0, None)
        away = np.zeros((n, P - 2))
        away[:, 0] = off
        rates = rng.uniform(0.01, 0.1, (n, P))
        rates[0] = np.nan
        quantities = {"m_hat": rng.normal(0, 1, (n, P)), "v_hat": rng.uniform(0.5, 2, (n, P))}
        runs.append(dataclasses.replace(
            run, parameters=np.hstack([run.points, away]), off_plane=off,
            plane_losses=run.losses, losses=run.losses + off ** 2, effective_lr=rates,
            quantities=quantities if "m_hat" in run.quantities else {}))
    return dataclasses.replace(result, surface=surface, runs=tuple(runs))


@pytest.fixture(scope="module")
def flat():
    return api.run(Surface.from_formula("x**2 + 3*y**2", (-2, 2), (-2, 2), start=(1.5, 1.2)),
                   ["sgd:lr=0.05", "momentum:lr=0.02", "adam:lr=0.1"], steps=40)


@pytest.fixture(scope="module")
def sliced(flat):
    return slice_of(flat)


def test_only_a_result_with_a_plane_is_sliced(flat, sliced):
    assert plane.sliced(sliced) and not plane.sliced(flat)


def piece_alphas(collection) -> np.ndarray:
    return np.array([c[3] for c in collection.get_edgecolor()])


def test_the_path_fades_as_it_leaves_the_plane(flat):
    one = slice_of(dataclasses.replace(flat, runs=flat.runs[2:]))  # adam's run alone
    panel = draw(one, None, "contour")[0]
    run = one.runs[0]
    assert panel.fade_scale == pytest.approx(plane.fade_scale(one.runs))
    paths = panel.lines.get_segments()
    alphas = piece_alphas(panel.lines)
    assert len(paths) == len(alphas) > 1  # the run cut into pieces, along it
    np.testing.assert_array_equal(np.concatenate([p[:-1] for p in paths] + [paths[-1][-1:]]),
                                  run.points)
    # off_plane only grows along the run: its pieces fade, from opaque to the floor
    assert alphas[0] == 1.0 and alphas[-1] == pytest.approx(plane.FADE_FLOOR)
    assert all(np.diff(alphas) < 0)
    faint = np.isclose(plane.point_alphas(run, panel.fade_scale), plane.FADE_FLOOR)
    assert faint[run.off_plane >= panel.fade_scale].all()  # every step that far off, and
    assert len(paths[-1]) == faint.sum() + 1  # the steps to them, are drawn faintest
    # the halo under the path fades with it, and each step's dot too
    np.testing.assert_allclose(piece_alphas(panel.faded.halo), alphas * 0.75)
    np.testing.assert_allclose(panel.dots.get_facecolor()[:, 3],
                               plane.point_alphas(run, panel.fade_scale))


def test_fading_follows_the_distance():
    run = type("R", (), {"off_plane": np.array([0, 0.25, 0.5, 1.0, 3.0, np.nan]),
                         "points": np.zeros((6, 2))})()
    alphas = plane.point_alphas(run, scale=1.0)
    np.testing.assert_allclose(alphas, [1.0, 0.8, 0.6, 0.2, 0.2, 0.2])
    np.testing.assert_allclose(plane.segment_alphas(run, 1.0), [0.8, 0.6, 0.2, 0.2, 0.2])
    assert plane.pieces(np.array([1.0, 1.0, 0.6, 0.2, 0.2])) == [(0, 2, 1.0), (2, 3, 0.6),
                                                                   (3, 5, 0.2)]


def test_the_3d_path_fades_and_the_legend_says_why(sliced):
    panel = draw(sliced, None, "3d")[0]
    alphas = piece_alphas(panel.faded.lines)
    assert alphas.max() == 1.0 and alphas.min() == pytest.approx(plane.FADE_FLOOR)
    labels = [e.get_label() for e in panel.legend_entries()]
    assert plane.FADE_LABEL in labels


def test_every_animation_frame_fades(sliced):
    from adamviz.render.animate import Animator

    animator = Animator(sliced, ["contour", "3d"])
    contour, lifted = animator.panels[0].lines, animator.panels[1].faded.lines
    animator.frame(20)  # half way: every run still on the plane
    assert set(piece_alphas(contour)) == {1.0} == set(piece_alphas(lifted))
    animator.frame(40)
    assert min(piece_alphas(contour)) == pytest.approx(plane.FADE_FLOOR)
    assert min(piece_alphas(lifted)) == pytest.approx(plane.FADE_FLOOR)
    # the 3D paths drawn in a frame are this frame's, projected (not the background's none)
    projected = lifted.get_segments()
    assert len(projected) == len(lifted._segments3d) > len(sliced.runs)
    assert sum(map(len, projected)) == sum(map(len, lifted._segments3d))


def test_the_band_is_the_gap_between_the_true_and_the_planes_loss(sliced):
    panel = draw(sliced, None, "loss")[0]
    assert panel.ax.get_yscale() == "log"
    for band, run in zip(panel.gaps.bands, sliced.runs, strict=True):
        verts = band.get_paths()[0].vertices
        steps = np.arange(run.steps + 1)
        np.testing.assert_allclose(verts, np.concatenate([
            np.column_stack([steps, run.losses]),
            np.column_stack([steps, run.plane_losses])[::-1]]))
    labels = [e.get_label() for e in panel.legend_entries()]
    assert labels.count(plane.GAP_LABEL) == 1


def test_a_band_leaves_out_the_steps_with_no_loss(sliced):
    run = sliced.runs[0]
    losses = run.losses.copy()
    losses[-5:] = np.nan  # a run that diverged
    broken = dataclasses.replace(sliced, runs=(dataclasses.replace(run, losses=losses),))
    band = draw(broken, None, "loss")[0].gaps.bands[0]
    verts = band.get_paths()[0].vertices
    assert np.isfinite(verts).all() and len(verts) == 2 * (run.steps + 1 - 5)


def test_the_title_says_the_plane_and_its_share(sliced):
    fig, _ = compose(sliced, ["contour", "loss"])
    title = fig._suptitle.get_text()
    assert "on the PCA plane of the 3 paths: it holds 92% of their variance" in title
    def on(kind, explained):
        return dataclasses.replace(sliced, surface=dataclasses.replace(
            sliced.surface, plane=Plane(kind=kind, explained=explained, about="")))

    assert plane.caption(on("random", 0.996)) == (
        "on a random plane (two filter-normalized directions): it holds 99.6% of the "
        "3 paths' variance")
    assert "it holds 0.4% of their variance" in plane.caption(on("pca", 0.004))
    assert "it holds an unknown share of" in plane.caption(on("hessian", float("nan")))
    # the same runs on two planes: the title names neither (it would speak for one panel
    # only) but says that each panel names its own
    other = on("random", 0.16)
    fig, _ = compose(sliced, ["contour"], extra=[("contour", other, plane.panel_title(other))])
    assert fig._suptitle.get_text().split("\n")[1:] == [
        "drawn on 2 planes: each panel's title says how much of the 3 paths' variance its "
        "plane holds"]
    assert [ax.get_title() for ax in fig.axes if ax.get_title()] == [
        "PCA plane: 92% of the variance", "random plane: 16% of the variance"]
    # drawn on one Axes (a notebook's plot), the legend is headed by the plane
    legend = draw(sliced, None, "contour")[0].legend
    assert legend.get_title().get_text() == plane.caption(sliced)


def test_the_steps_view_measures_steps_in_all_parameters(sliced):
    panel = draw(sliced, None, "steps")[0]
    for lengths, run in zip(panel.lengths, sliced.runs, strict=True):
        np.testing.assert_allclose(lengths, np.linalg.norm(np.diff(run.parameters, axis=0),
                                                           axis=1))
        assert not np.allclose(lengths, run.step_lengths())  # the plane's would be shorter
    for spread, run in zip(panel.spreads, sliced.runs, strict=True):
        rates = run.effective_lr[1:]
        np.testing.assert_allclose(spread.line.get_ydata(), np.median(rates, axis=1))
        verts = spread.band.get_paths()[0].vertices
        np.testing.assert_allclose(verts[: run.steps, 1], np.percentile(rates, 90, axis=1))
        np.testing.assert_allclose(verts[run.steps:, 1],
                                   np.percentile(rates, 10, axis=1)[::-1])
    key = panel.bottom.get_xlabel().replace("\n", " ")
    assert f"effective lr: median of {P} coordinates, 10–90% band" in key
    assert panel.top.get_ylabel().replace("\n", " ") == f"step length |Δθ| ({P}-D)"


def test_the_moments_view_draws_medians_and_bands(sliced):
    panel = draw(sliced, None, "moments")[0]
    assert f"median of {P} coordinates, 10–90% band" in panel.bottom.get_xlabel()
    (run, top), (_, bottom) = panel.spreads  # adam's only
    assert run.optimizer == "adam"
    np.testing.assert_allclose(top.line.get_ydata(),
                               np.median(np.abs(run.quantities["m_hat"][1:]), axis=1))
    np.testing.assert_allclose(bottom.line.get_ydata(),
                               np.median(np.sqrt(run.quantities["v_hat"][1:]), axis=1))


def test_a_still_of_every_view_draws(sliced, tmp_path):
    from adamviz.render.figure import save_still

    save_still(sliced, tmp_path / "all.png", ["contour", "3d", "loss", "steps", "moments"])
    assert (tmp_path / "all.png").stat().st_size > 10_000


def test_the_player_replays_and_says_why(sliced):
    from adamviz.render.html import page
    from adamviz.render.player_data import data

    made = data(sliced, sliced.surface.box)
    reason = (f"the runs are on a {P}-parameter network, replayed as recorded "
              f"{plane.caption(sliced)}")
    assert "variance" in reason
    assert not made["live"] and made["reason"] == reason
    assert all(r["reason"] == reason and r["packed"]["rates"] is None for r in made["runs"])
    assert reason in page(sliced)


def test_an_unsliced_picture_is_drawn_as_before(flat):
    panel = draw(flat, None, "contour")[0]
    assert panel.faded is None and len(panel.lines.get_segments()) == len(flat.runs)
    assert "plane" not in compose(flat)[0]._suptitle.get_text()
    fig = Figure()
    assert draw(flat, fig.add_subplot(), "loss")[0].gaps is None
    assert final_steps(flat) == [r.steps for r in flat.runs]
