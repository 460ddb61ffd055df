"""Planes through a many-parameter surface (studies/planes.py): the PCA, random and Hessian
planes on fake surfaces whose answers are known, the projection identities, the grid in chunks,
and one InputError line for each bad request."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adamviz.core.errors import InputError
from adamviz.plane_kinds import percent
from adamviz.studies import plane_directions, planes
from adamviz.studies.planes import Plane, honesty, make_plane, plane_grid, plane_losses


class Quadratic:
    """0.5 x^T A x + b^T x in P dimensions, with optional layers for filter normalisation."""

    def __init__(self, A, b=None, layers=None):
        self.A = np.asarray(A, dtype=float)
        self.b = np.zeros(len(self.A)) if b is None else np.asarray(b, dtype=float)
        self.dims = len(self.A)
        self.layers = layers or []
        self.batches = []

    def loss(self, points):
        points = np.asarray(points, dtype=float)
        self.batches.append(len(points))
        return 0.5 * np.einsum("ni,ij,nj->n", points, self.A, points) + points @ self.b

    def hvp(self, point, V):
        return self.A @ V

    def layer_slices(self):
        return self.layers


class LeastSquares:
    """The two-parameter net layers = [1, 1]: mean (w x + c - y)^2 over a few rows."""

    dims = 2
    x = np.array([-1.0, 0.0, 0.5, 2.0])
    y = np.array([-2.5, -0.4, 0.7, 3.1])

    def loss(self, points):
        w, c = np.asarray(points, dtype=float).T
        return np.mean((np.outer(w, self.x) + c[:, None] - self.y) ** 2, axis=1)

    def hvp(self, point, V):
        H = 2 * np.array([[np.mean(self.x ** 2), np.mean(self.x)], [np.mean(self.x), 1.0]])
        return H @ V

    def layer_slices(self):
        return [("weight", slice(0, 1), (1, 1)), ("bias", slice(1, 2), (1,))]


def known_quadratic(eigenvalues, seed=0):
    Q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((len(eigenvalues),) * 2))
    return Quadratic(Q @ np.diag(eigenvalues) @ Q.T)


def walks(dims, runs=3, steps=40, seed=1):
    rng = np.random.default_rng(seed)
    return [np.cumsum(rng.standard_normal((steps + 1, dims)) * rng.uniform(0.1, 2, dims), axis=0)
            for _ in range(runs)]


MLP = [("layer1.weight", slice(0, 12), (4, 3)), ("layer1.bias", slice(12, 16), (4,)),
       ("layer2.weight", slice(16, 24), (2, 4)), ("layer2.bias", slice(24, 26), (2,))]


@pytest.mark.parametrize("kind", planes.KINDS)
def test_a_two_parameter_model_is_drawn_on_its_own_parameter_space(kind):
    surface = LeastSquares()
    paths = walks(2)
    plane = make_plane(kind, surface, paths)
    for path in paths:
        shown = honesty(surface, plane, path)
        assert (shown.off_plane == 0).all()
        np.testing.assert_allclose(plane.lift(shown.coords), path, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(shown.plane_loss, shown.loss, rtol=1e-12)
    assert plane.explained == pytest.approx(1.0)


def test_the_pca_share_is_the_covariance_eigenvalues_share():
    paths = walks(6, runs=4)
    points = np.concatenate(paths)
    values, vectors = np.linalg.eigh(np.cov(points.T))
    plane = make_plane("pca", known_quadratic(np.ones(6)), paths)
    assert plane.explained == pytest.approx(values[-2:].sum() / values.sum(), rel=1e-12)
    for direction, expected in zip(plane.directions, vectors[:, ::-1].T, strict=False):
        assert abs(direction @ expected) == pytest.approx(1.0, abs=1e-10)
        assert direction[np.argmax(np.abs(direction))] > 0
    np.testing.assert_allclose(plane.origin, points.mean(axis=0))
    assert plane.about == f"PCA of the 4 paths ({plane.explained:.0%} of their variance)"
    assert plane.explained_text == f"{plane.explained:.0%}" and 0.05 < plane.explained < 0.95


@pytest.mark.parametrize("share,text", [(1.0, "100%"), (1 - 1e-12, "100%"), (0.9996, "99.9%"),
                                        (0.995, "99.5%"), (0.989, "99%"), (0.5, "50%"),
                                        (0.0123, "1%"), (0.003, "0.3%"), (0.0, "0%")])
def test_shares_in_words_say_all_or_nothing_only_when_so(share, text):
    assert percent(share) == text


def test_pca_shares_made_by_hand():
    rng = np.random.default_rng(3)
    u, v = rng.standard_normal((2, 5))
    flat = [np.outer(rng.standard_normal(30), u) + np.outer(rng.standard_normal(30), v) + 7.0]
    plane = make_plane("pca", known_quadratic(np.ones(5)), flat)
    assert plane.explained == pytest.approx(1.0)
    assert plane.about == "PCA of the path (100% of its variance)"
    axes = np.diag([3.0, 2.0, 1.0])  # sums of squares about the mean 18, 8, 2
    known = [np.concatenate([axes, -axes]) + 5.0]
    plane = make_plane("pca", known_quadratic(np.ones(3)), known)
    assert plane.explained == pytest.approx(26 / 28, rel=1e-14)
    np.testing.assert_allclose(np.abs(plane.directions), np.eye(3)[:2], atol=1e-12)


@pytest.mark.parametrize("scale", [1e-200, 1e200])
def test_pca_of_paths_at_extreme_scales(scale):
    paths = walks(6, runs=2)
    plane = make_plane("pca", known_quadratic(np.ones(6)), paths)
    scaled = make_plane("pca", known_quadratic(np.ones(6)), [p * scale for p in paths])
    assert scaled.explained == pytest.approx(plane.explained, rel=1e-12)
    np.testing.assert_allclose(scaled.directions, plane.directions, atol=1e-12)


def test_pca_with_more_parameters_than_points_and_on_a_line():
    paths = walks(50, runs=2, steps=9)  # 20 points in 50-D: the Gram matrix is the smaller
    points = np.concatenate(paths)
    values, vectors = np.linalg.eigh(np.cov(points.T))
    plane = make_plane("pca", known_quadratic(np.ones(50)), paths)
    assert plane.explained == pytest.approx(values[-2:].sum() / values.sum(), rel=1e-10)
    assert abs(plane.directions[0] @ vectors[:, -1]) == pytest.approx(1.0, abs=1e-10)
    line = [np.outer(np.arange(5.0), np.linspace(1, 2, 50))]  # no second axis: any normal
    plane = make_plane("pca", known_quadratic(np.ones(50)), line)
    np.testing.assert_allclose(plane.directions @ plane.directions.T, np.eye(2), atol=1e-12)
    assert plane.explained == pytest.approx(1.0) and plane.off_plane(line[0]).max() < 1e-12


@pytest.mark.parametrize("dims,dense_max", [(12, 200), (12, 0), (300, 200)])
def test_the_hessian_plane_is_eighs_top_two(dims, dense_max, monkeypatch):
    monkeypatch.setattr(plane_directions, "DENSE_MAX", dense_max)
    eigenvalues = np.concatenate([[-3.0, 5.0, 4.2], np.linspace(-1, 2, dims - 3)])
    surface = known_quadratic(eigenvalues, seed=dims)
    values, vectors = np.linalg.eigh(surface.A)
    plane = make_plane("hessian", surface, walks(dims, runs=2, steps=5))
    np.testing.assert_allclose(plane.eigenvalues, [5.0, 4.2], rtol=1e-10)
    np.testing.assert_allclose(np.abs(np.sum(plane.directions * vectors[:, ::-1][:, :2].T,
                                             axis=1)), [1, 1], atol=1e-8)
    assert plane.about.startswith("top two Hessian eigenvectors at run ")
    assert plane.about.endswith("(eigenvalues 5, 4.2)")


def test_lanczos_finds_both_vectors_of_a_repeated_top_eigenvalue(monkeypatch):
    monkeypatch.setattr(plane_directions, "DENSE_MAX", 0)
    surface = known_quadratic(np.concatenate([[6.0, 6.0], np.linspace(-2, 3, 38)]), seed=5)
    _, vectors = np.linalg.eigh(surface.A)
    top = vectors[:, -2:] @ vectors[:, -2:].T  # the projector onto the repeated eigenspace
    plane = make_plane("hessian", surface, walks(40, runs=1, steps=3))
    np.testing.assert_allclose(plane.directions @ top, plane.directions, atol=1e-8)
    np.testing.assert_allclose(plane.eigenvalues, [6.0, 6.0], rtol=1e-10)


def test_random_directions_are_filter_normalised_through_the_best_end():
    surface = Quadratic(np.eye(26), layers=MLP)
    paths = walks(26)
    plane = make_plane("random", surface, paths, seed=4)
    best = int(np.argmin([surface.loss(p[-1:])[0] for p in paths]))
    np.testing.assert_array_equal(plane.origin, paths[best][-1])
    weights = {"layer1": (np.arange(12).reshape(4, 3), np.arange(12, 16)),
               "layer2": (np.arange(16, 24).reshape(2, 4), np.arange(24, 26))}
    for rows, bias in weights.values():
        for row, b in zip(rows, bias, strict=True):
            unit = np.append(row, b)  # a unit's incoming weights and its bias
            for direction in plane.directions:
                assert np.linalg.norm(direction[unit]) == pytest.approx(
                    np.linalg.norm(plane.origin[unit]), rel=1e-12)
    rows = [row for rows, _ in weights.values() for row in rows]  # the weights alone: not
    assert not all(np.isclose(np.linalg.norm(plane.directions[0][row]),
                              np.linalg.norm(plane.origin[row])) for row in rows)
    assert plane.about == f"filter-normalised random directions through run {best + 1}'s end " \
                          f"(seed 4)"
    again = make_plane("random", surface, paths, seed=4)
    np.testing.assert_array_equal(again.directions, plane.directions)
    assert not np.allclose(make_plane("random", surface, paths, seed=5).directions,
                           plane.directions)


def test_filters_pair_a_bias_with_its_weights_and_keep_the_rest_together():
    groups = plane_directions.filters(MLP[:2] + [("scale", slice(16, 17), (1,))], 20)
    assert [g.tolist() for g in groups] == [
        [0, 1, 2, 12], [3, 4, 5, 13], [6, 7, 8, 14], [9, 10, 11, 15], [16], [17, 18, 19]]


def test_the_random_plane_goes_through_a_chosen_point_or_run():
    surface = Quadratic(np.eye(26), layers=MLP)
    paths = walks(26)
    assert make_plane("random", surface, paths, at=1).origin.tolist() == paths[1][-1].tolist()
    point = np.linspace(1, 2, 26)
    plane = make_plane("random", surface, paths, at=point)
    assert plane.origin.tolist() == point.tolist() and "a given point" in plane.about


@settings(max_examples=60, deadline=None)
@given(st.integers(3, 30), st.integers(0, 10_000), st.floats(-0.95, 0.95))
def test_coordinates_lift_and_distance_with_oblique_directions(dims, seed, cosine):
    rng = np.random.default_rng(seed)
    a, b = np.linalg.qr(rng.standard_normal((dims, 2)))[0].T
    directions = np.array([a, cosine * a + np.sqrt(1 - cosine ** 2) * b]) * [[2.0], [0.5]]
    plane = Plane("pca", rng.standard_normal(dims), directions, 1.0, "test")
    coords = rng.standard_normal((7, 2)) * 3
    normal = rng.standard_normal((7, dims))
    normal -= normal @ np.column_stack([a, b]) @ np.array([a, b])
    points = plane.lift(coords) + normal
    np.testing.assert_allclose(plane.coordinates(points), coords, atol=1e-9)
    np.testing.assert_allclose(plane.off_plane(points), np.linalg.norm(normal, axis=1),
                               atol=1e-9)
    np.testing.assert_allclose(plane.off_plane(plane.lift(coords)), 0, atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.integers(3, 26), st.integers(1, 3), st.integers(0, 10_000))
def test_no_plane_explains_more_than_the_pca_plane(dims, runs, seed):
    surface = known_quadratic(np.linspace(-1, 3, dims), seed=seed)
    paths = walks(dims, runs=runs, steps=12, seed=seed)
    best = make_plane("pca", surface, paths).explained
    for kind in ("random", "hessian"):
        assert 0 <= make_plane(kind, surface, paths, seed=seed).explained <= best + 1e-12


def test_a_path_in_the_plane_is_drawn_honestly():
    surface = Quadratic(np.diag(np.linspace(1, 4, 26)), layers=MLP)
    plane = make_plane("random", surface, walks(26), seed=2)
    inside = plane.lift(np.column_stack([np.linspace(-1, 1, 9), np.linspace(2, 0, 9) ** 2]))
    shown = honesty(surface, plane, inside)
    np.testing.assert_allclose(shown.off_plane, 0, atol=1e-12)
    np.testing.assert_allclose(shown.plane_loss, shown.loss, rtol=1e-12)
    assert (honesty(surface, plane, inside + 0.1).off_plane > 0.1).all()


def test_the_grid_in_chunks_is_the_grid_in_one_go():
    surface = Quadratic(np.diag(np.linspace(1, 4, 26)), layers=MLP)
    paths = walks(26)
    plane = make_plane("pca", surface, paths)
    coords = [plane.coordinates(p) for p in paths]
    xs, ys, Z = plane_grid(surface, plane, coords, size=(9, 7), margin=0.2, chunk=5)
    assert max(surface.batches) == 5
    _, _, whole = plane_grid(surface, plane, coords, size=(9, 7), margin=0.2, chunk=10_000)
    np.testing.assert_allclose(Z, whole, rtol=1e-13)
    assert Z.shape == (7, 9)
    assert Z[2, 3] == pytest.approx(surface.loss(plane.lift([[xs[3], ys[2]]]))[0], rel=1e-13)
    everything = np.concatenate(coords)
    assert xs[0] < everything[:, 0].min() and xs[-1] > everything[:, 0].max()
    assert ys[0] < everything[:, 1].min() and ys[-1] > everything[:, 1].max()
    np.testing.assert_allclose(plane_losses(surface, plane, everything, chunk=3),
                               surface.loss(plane.lift(everything)), rtol=1e-13)


def test_chunks_keep_rows_times_parameters_bounded(monkeypatch):
    monkeypatch.setattr(planes, "CHUNK_FLOATS", 26 * 10)
    surface = Quadratic(np.eye(26), layers=MLP)
    plane = make_plane("pca", surface, walks(26))
    plane_grid(surface, plane, plane.coordinates(walks(26)[0]), size=(6, 6))
    assert max(surface.batches) == 10 and sum(surface.batches[-4:]) == 36


def test_the_plane_and_its_honesty_are_json_ready():
    import json

    surface = known_quadratic(np.linspace(1, 3, 4))
    plane = make_plane("hessian", surface, walks(4))
    shown = honesty(surface, plane, walks(4)[0])
    text = json.dumps({"plane": plane.to_dict(), "run": shown.to_dict()}, allow_nan=False)
    back = json.loads(text)
    assert back["plane"]["kind"] == "hessian" and len(back["run"]["off_plane"]) == 41
    assert set(back["run"]) == {"points", "loss", "plane_loss", "off_plane"}


def one_line(request):
    with pytest.raises(InputError) as caught:
        request()
    message = str(caught.value)
    assert "\n" not in message and message.endswith((".", ")")), message
    return message


def test_bad_requests_are_one_line_each():
    surface, paths = known_quadratic(np.ones(5)), walks(5)
    assert "pca, random, hessian" in one_line(lambda: make_plane("tsne", surface, paths))
    assert "pca, random, hessian" in one_line(lambda: make_plane(None, surface, paths))
    flat = Quadratic(np.eye(1))
    assert "at least two parameters" in one_line(lambda: make_plane("pca", flat, [np.ones((4, 1))]))
    still = [np.ones((6, 5)), np.ones((1, 5))]
    assert "do not move" in one_line(lambda: make_plane("pca", surface, still))
    bad = [p.copy() for p in paths]
    bad[1][3, 2] = np.nan
    assert "run 2" in one_line(lambda: make_plane("pca", surface, bad))
    assert "(N, 5)" in one_line(lambda: make_plane("pca", surface, [np.ones((3, 4))]))
    assert "non-empty list" in one_line(lambda: make_plane("pca", surface, []))
    assert "non-empty list" in one_line(lambda: make_plane("pca", surface, np.ones((3, 5))))
    assert "seed" in one_line(lambda: make_plane("random", surface, paths, seed=True))
    assert "run index 7" in one_line(lambda: make_plane("random", surface, paths, at=7))
    assert "one point" in one_line(lambda: make_plane("random", surface, paths,
                                                      at=np.ones((2, 5))))
    assert "booleans" in one_line(lambda: make_plane("random", surface, paths, at=[True] * 5))
    assert "(N, 5)" in one_line(lambda: make_plane("random", surface, paths, at="end"))
    assert "no points" in one_line(lambda: make_plane("pca", surface, [paths[0], np.ones((0, 5))]))
    assert "3 run name" in one_line(lambda: make_plane("pca", surface, paths, names=["a"]))
    named = make_plane("hessian", surface, paths, at=2, names=["sgd", "momentum", "adam"])
    assert "at adam's end" in named.about


def test_degenerate_random_directions_and_grids_are_one_line_each():
    surface, paths = Quadratic(np.eye(26), layers=MLP), walks(26)
    assert "parallel or zero" in one_line(
        lambda: make_plane("random", surface, paths, at=np.zeros(26)))
    single = np.zeros(26)
    single[3] = 1.0  # filters of one number, one nonzero: both directions lie along it
    column = Quadratic(np.eye(26), layers=[("weight", slice(0, 26), (26, 1))])
    assert "1 nonzero" in one_line(lambda: make_plane("random", column, paths, at=single))
    plane = make_plane("pca", surface, paths)
    coords = plane.coordinates(paths[0])
    for size in [(1, 5), (5, 10**6), (5.0, 5), (True, 5), "55", (3,)]:
        assert "grid" in one_line(lambda size=size: plane_grid(surface, plane, coords, size))
    assert "margin" in one_line(lambda: plane_grid(surface, plane, coords, margin=np.inf))
    assert "chunk" in one_line(lambda: plane_grid(surface, plane, coords, chunk=0))
    assert "not finite" in one_line(lambda: plane.coordinates(np.full((2, 26), np.inf)))
