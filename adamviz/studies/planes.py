"""One plane for all runs of a many-parameter surface, and how honest a picture on it is.

Optimizers run in the surface's full dimension P; a picture needs two. A ``Plane`` is an origin
and two directions in parameter space, made from the runs' paths in one of three ways
(``make_plane``): the PCA plane of all the paths' points together (so every run is drawn on one
landscape), two filter-normalised random directions through a point (Li et al. 2018), or the top
two eigenvectors of the Hessian at a point. The loss drawn is the loss on the plane
(``plane_grid``); a path is drawn at its projection, which it may be far from, so ``honesty``
gives per step the true loss, the loss at the projected point, and the distance from the plane.

A surface here is anything with ``dims`` (P), ``loss(points (N, P)) -> (N,)``,
``hvp(point (P,), V (P, k)) -> (P, k)`` (for "hessian") and ``layer_slices()`` (for "random").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.errors import InputError
from ..plane_kinds import PLANES, percent
from .plane_directions import hessian_top_two, random_directions, sign_fixed

KINDS = tuple(PLANES)  # (named and described in plane_kinds.py)
CHUNK_FLOATS = 1 << 20  # lifted points handed to one loss call: rows x P at most (8 MB)
MAX_GRID_SIDE = 1000  # grid points along one side of the plane's box
NO_SPREAD = 1e-13  # points that differ by less than this, relative to their size, are equal


@dataclass(frozen=True, eq=False)
class Plane:
    """A plane in parameter space: ``origin`` (P,) plus the span of ``directions`` (2, P), not
    necessarily orthogonal. ``explained`` is the share of all paths' variance about their mean
    that lies in the span; ``about`` says in one line how the plane was made, for a caption.
    ``eigenvalues`` (hessian), ``seed`` (random) and ``at`` (the point, in words) are None where
    they do not apply."""

    kind: str
    origin: np.ndarray
    directions: np.ndarray
    explained: float
    about: str
    eigenvalues: tuple[float, float] | None = None
    seed: int | None = None
    at: str | None = None

    @property
    def dims(self) -> int:
        return len(self.origin)

    @property
    def explained_text(self) -> str:
        """``explained`` as a percentage for a caption: "96%", and never "100%" or "0%" for a
        share that is not all or nothing ("99.7%", "0.3%")."""
        return percent(self.explained)

    def _basis(self):
        return np.linalg.qr(self.directions.T)  # orthonormal Q (P, 2), directions.T = Q R

    def coordinates(self, points) -> np.ndarray:
        """(N, 2): the plane coordinates of each point's nearest point on the plane (least
        squares: origin + c @ directions)."""
        offsets = as_points(points, self.dims, "points") - self.origin
        Q, R = self._basis()
        return np.linalg.solve(R, Q.T @ offsets.T).T

    def lift(self, coords) -> np.ndarray:
        """(N, P): the points of parameter space at plane coordinates ``coords`` (N, 2)."""
        return self.origin + as_points(coords, 2, "plane coordinates") @ self.directions

    def off_plane(self, points) -> np.ndarray:
        """(N,): each point's distance from the plane (0 when the plane is the whole space)."""
        offsets = as_points(points, self.dims, "points") - self.origin
        if self.dims == 2:
            return np.zeros(len(offsets))
        Q, _ = self._basis()
        return np.linalg.norm(offsets - (offsets @ Q) @ Q.T, axis=1)

    def to_dict(self) -> dict:
        """The plane as JSON-ready values."""
        return {"kind": self.kind, "origin": self.origin.tolist(),
                "directions": self.directions.tolist(), "explained": float(self.explained),
                "about": self.about,
                "eigenvalues": None if self.eigenvalues is None else list(self.eigenvalues),
                "seed": self.seed, "at": self.at}


@dataclass(frozen=True, eq=False)
class Honesty:
    """One path on a plane, per step: ``coords`` (T, 2) where it is drawn, ``loss`` (T,) its
    true loss, ``plane_loss`` (T,) the loss at the drawn (projected) point, ``off_plane`` (T,)
    its distance from the plane."""

    coords: np.ndarray
    loss: np.ndarray
    plane_loss: np.ndarray
    off_plane: np.ndarray

    def to_dict(self) -> dict:
        return {"points": self.coords.tolist(), "loss": self.loss.tolist(),
                "plane_loss": self.plane_loss.tolist(), "off_plane": self.off_plane.tolist()}


def as_points(value, dims: int, what: str) -> np.ndarray:
    """``value`` as a finite float array (N, dims), or one InputError line."""
    try:
        array = np.asarray(value)
        ok = array.dtype.kind in "iuf" and array.ndim == 2 and array.shape[1] == dims
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise InputError(f"Invalid {what}: expected an array of numbers of shape (N, {dims}), "
                         f"got {_shape_of(value)}.")
    array = array.astype(float)
    if not np.isfinite(array).all():
        raise InputError(f"Invalid {what}: {np.count_nonzero(~np.isfinite(array))} value(s) "
                         f"are not finite numbers; every coordinate must be finite.")
    return array


def _shape_of(value) -> str:
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        return type(value).__name__
    kind = "booleans" if array.dtype.kind == "b" else str(array.dtype)
    return f"{kind} of shape {array.shape}"


def _dims_of(surface) -> int:
    dims = getattr(surface, "dims", None)
    if isinstance(dims, bool) or not isinstance(dims, (int, np.integer)) or dims < 2:
        raise InputError(f"A plane needs a surface of at least two parameters; this one has "
                         f"{dims!r}, so there is nothing to slice: draw it as it is.")
    return int(dims)


def _paths(paths, dims: int) -> list[np.ndarray]:
    if isinstance(paths, np.ndarray) or not isinstance(paths, (list, tuple)) or not paths:
        raise InputError(f"Invalid paths: expected a non-empty list of (steps + 1, {dims}) "
                         f"arrays, one a run, got {_shape_of(paths)}.")
    checked = [as_points(p, dims, f"path of run {i + 1}") for i, p in enumerate(paths)]
    for i, path in enumerate(checked):
        if not len(path):
            raise InputError(f"Invalid path of run {i + 1}: it has no points; a path holds "
                             f"the start and every step.")
    return checked


def _names(names, count: int) -> list[str]:
    if names is None:
        return [f"run {i + 1}" for i in range(count)]
    if (not isinstance(names, (list, tuple)) or len(names) != count
            or not all(isinstance(n, str) for n in names)):
        raise InputError(f"Invalid names: expected {count} run name(s) as text, one a path, "
                         f"got {names!r:.80}.")
    return list(names)


def _centred(points: np.ndarray) -> np.ndarray:
    """The points about their mean, scaled to a largest |value| of 1: shares and axes do not
    change with scale, and squares of paths at 1e200 (or 1e-200) would overflow (underflow)."""
    centred = points - points.mean(axis=0)
    return centred / max(np.abs(centred).max(), 1e-300)


def explained_share(directions: np.ndarray, points: np.ndarray) -> float:
    """The share of the points' variance about their mean that lies in the span of
    ``directions`` (orthonormalised first)."""
    centred = _centred(points)
    total = np.sum(centred ** 2)
    Q, _ = np.linalg.qr(np.asarray(directions, dtype=float).T)
    return float(min(1.0, np.sum((centred @ Q) ** 2) / total))


def _check_spread(points: np.ndarray) -> None:
    spread = np.ptp(points, axis=0).max()
    if not spread > NO_SPREAD * max(np.abs(points).max(), 1e-300):
        raise InputError(f"The paths do not move (all {len(points)} points are equal), so no "
                         f"plane can say which share of their variance it shows, and PCA has "
                         f"no axes: run some steps with a nonzero rate.")


def _principal_axes(points: np.ndarray) -> np.ndarray:
    """The top two principal axes (2, P) of ``points``, unit, signs fixed. From the smaller
    Gram matrix (N x N or P x P), which is several times faster than an SVD when both are
    in the thousands; only the top two are taken, where it is accurate."""
    centred = _centred(points)
    count, dims = centred.shape
    if dims <= count:
        _, vectors = np.linalg.eigh(centred.T @ centred)
        return sign_fixed(vectors[:, ::-1][:, :2].T)
    values, left = np.linalg.eigh(centred @ centred.T)
    first = centred.T @ left[:, -1]
    first /= np.linalg.norm(first)
    # The Gram's eigenvalues are exact to rounding of the largest (~1e-16 of it): a second one
    # below 1e-12 of it is noise, the paths lie on a line, and any normal to it will do.
    if values[-2] > 1e-12 * values[-1]:
        second = centred.T @ left[:, -2]
    else:
        second = np.eye(dims)[np.argmin(np.abs(first))]
    second = second - (second @ first) * first
    return sign_fixed(np.array([first, second / np.linalg.norm(second)]))


def _through(surface, paths, at, names) -> tuple[np.ndarray, str]:
    """The point a random or Hessian plane goes through, and its name for a caption."""
    if at is None:
        finals = np.asarray(surface.loss(np.stack([p[-1] for p in paths])), dtype=float)
        if not np.isfinite(finals).any():
            raise InputError("No run ends at a finite loss, so there is no best end point for "
                             "the plane to go through: give one (at) or use the PCA plane.")
        best = int(np.nanargmin(np.where(np.isfinite(finals), finals, np.nan)))
        return paths[best][-1], f"{names[best]}'s end"
    if isinstance(at, (int, np.integer)) and not isinstance(at, bool):
        if not 0 <= at < len(paths):
            raise InputError(f"Invalid at: run index {at} is not one of the {len(paths)} "
                             f"runs (0 to {len(paths) - 1}).")
        return paths[at][-1], f"{names[at]}'s end"
    point = as_points(np.asarray(at)[None] if np.ndim(at) == 1 else at, len(paths[0][0]),
                      "at (a run's index or a point)")
    if len(point) != 1:
        raise InputError(f"Invalid at: expected one point of {len(paths[0][0])} numbers or a "
                         f"run's index, got {len(point)} points.")
    return point[0], "a given point"


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"Invalid seed: {seed!r}; expected a whole number 0 or more.")
    return int(seed)


def make_plane(kind, surface, paths, *, seed=0, at=None, names=None) -> Plane:
    """The plane of ``kind`` ("pca", "random" or "hessian") for ``paths`` (a list of (T_i, P)
    arrays, one a run) on ``surface``. ``at`` (random, hessian): the point the plane goes
    through, a run's index (its end) or a (P,) point; by default the end of the run whose final
    loss is lowest. ``seed``: the random directions' (and Lanczos' start). ``names``: the runs'
    names for ``about`` (default "run 1", "run 2", ...)."""
    if not isinstance(kind, str) or kind not in KINDS:
        raise InputError(f"Unknown plane {kind!r}: choose one of {', '.join(KINDS)}.")
    dims = _dims_of(surface)
    paths = _paths(paths, dims)
    seed = _check_seed(seed)
    names = _names(names, len(paths))
    points = np.concatenate(paths)
    _check_spread(points)
    if kind == "pca":
        directions = _principal_axes(points)
        share = explained_share(directions, points)
        what = "the path (" if len(paths) == 1 else f"the {len(paths)} paths ("
        whose = "its" if len(paths) == 1 else "their"
        return Plane("pca", points.mean(axis=0), directions, share,
                     f"PCA of {what}{percent(share)} of {whose} variance)", at="the paths' mean")
    point, where = _through(surface, paths, at, names)
    if kind == "random":
        directions = random_directions(surface, point, seed)
        return Plane("random", point.copy(), directions, explained_share(directions, points),
                     f"filter-normalised random directions through {where} (seed {seed})",
                     seed=seed, at=where)
    values, directions = hessian_top_two(surface, point, seed)
    return Plane("hessian", point.copy(), directions, explained_share(directions, points),
                 f"top two Hessian eigenvectors at {where} (eigenvalues {values[0]:.3g}, "
                 f"{values[1]:.3g})", eigenvalues=(float(values[0]), float(values[1])), at=where)


def _chunk_rows(dims: int, chunk) -> int:
    """Points per loss call: as many as keep rows x P within CHUNK_FLOATS, at least one."""
    if chunk is None:
        return max(1, CHUNK_FLOATS // dims)
    if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise InputError(f"Invalid chunk: {chunk!r}; expected a whole number of points, 1 or "
                         f"more.")
    return int(chunk)


def _losses(surface, points: np.ndarray, chunk=None) -> np.ndarray:
    rows = _chunk_rows(points.shape[1], chunk)
    parts = [np.asarray(surface.loss(points[i:i + rows]), dtype=float).reshape(-1)
             for i in range(0, len(points), rows)]
    return np.concatenate(parts) if parts else np.empty(0)


def plane_losses(surface, plane: Plane, coords, *, chunk=None, loss=None) -> np.ndarray:
    """(N,): the loss (``surface.loss``, or ``loss``, another function of (N, P) points such as
    a validation loss) at the points of the plane at ``coords`` (N, 2), lifted in chunks of
    ``chunk`` points (default: CHUNK_FLOATS // P)."""
    coords = as_points(coords, 2, "plane coordinates")
    rows = _chunk_rows(plane.dims, chunk)
    loss = surface.loss if loss is None else loss
    parts = [np.asarray(loss(plane.lift(coords[i:i + rows])), dtype=float).reshape(-1)
             for i in range(0, len(coords), rows)]
    return np.concatenate(parts) if parts else np.empty(0)


def _side(value, what: str) -> int:
    if (isinstance(value, bool) or not isinstance(value, (int, np.integer))
            or not 2 <= value <= MAX_GRID_SIDE):
        raise InputError(f"Invalid grid {what}: {value!r}; expected a whole number from 2 to "
                         f"{MAX_GRID_SIDE}.")
    return int(value)


def plane_box(coords, margin: float = 0.1) -> tuple[tuple[float, float], tuple[float, float]]:
    """((x0, x1), (y0, y1)): the box around all ``coords`` (N, 2), widened on each side by
    ``margin`` times its larger side (a box of no size gets sides of 1)."""
    if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not 0 <= margin <= 10:
        raise InputError(f"Invalid margin: {margin!r}; expected a number from 0 to 10 (a share "
                         f"of the box's larger side).")
    lo, hi = coords.min(axis=0), coords.max(axis=0)
    side = float((hi - lo).max()) or 1.0
    pad = np.where(hi > lo, margin * side, 0.5 * side)  # a flat side gets the other's size
    return ((lo[0] - pad[0], hi[0] + pad[0]), (lo[1] - pad[1], hi[1] + pad[1]))


def plane_grid(surface, plane: Plane, coords, size=(41, 41), margin: float = 0.1, *,
               chunk=None):
    """(xs (nx,), ys (ny,), Z (ny, nx)): the loss on an nx x ny grid over the box around all
    projected points ``coords`` (N, 2), or a list of them, one a run, widened by ``margin``.
    Evaluated in chunks of ``chunk`` grid points (default CHUNK_FLOATS // P, so at most
    CHUNK_FLOATS lifted numbers at once). Where the loss is not finite Z is NaN."""
    if isinstance(coords, (list, tuple)):
        coords = np.concatenate([as_points(c, 2, "plane coordinates") for c in coords])
    coords = as_points(coords, 2, "plane coordinates")
    if not len(coords):
        raise InputError("Invalid plane coordinates: no points to put the grid around.")
    if not isinstance(size, (list, tuple)) or len(size) != 2:
        raise InputError(f"Invalid grid size: {size!r}; expected two whole numbers (nx, ny).")
    nx, ny = _side(size[0], "width"), _side(size[1], "height")
    _chunk_rows(plane.dims, chunk)
    (x0, x1), (y0, y1) = plane_box(coords, margin)
    xs, ys = np.linspace(x0, x1, nx), np.linspace(y0, y1, ny)
    X, Y = np.meshgrid(xs, ys)
    Z = plane_losses(surface, plane, np.column_stack([X.ravel(), Y.ravel()]), chunk=chunk)
    return xs, ys, np.where(np.isfinite(Z), Z, np.nan).reshape(X.shape)


def honesty(surface, plane: Plane, path, *, losses=None, chunk=None) -> Honesty:
    """Per step of ``path`` (T, P): where it is drawn on ``plane``, its true loss (``losses``
    when the run already has them, else computed), the loss at the drawn point, and its
    distance from the plane."""
    path = as_points(path, plane.dims, "path")
    coords = plane.coordinates(path)
    true = _losses(surface, path, chunk) if losses is None else np.asarray(losses, dtype=float)
    return Honesty(coords, true, plane_losses(surface, plane, coords, chunk=chunk),
                   plane.off_plane(path))
