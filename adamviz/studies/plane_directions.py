"""The two directions of a plane that is not the paths' own: filter-normalised random directions
(Li et al. 2018, "Visualizing the loss landscape of neural nets") and the top two eigenvectors of
the exact Hessian, from Hessian-vector products only.

Both work on any surface with ``dims``, ``hvp(point (P,), V (P, k)) -> (P, k)`` and, for filter
normalisation, ``layer_slices() -> [(name, slice, shape)]`` (a weight matrix (out, in) or a bias
(out,) in the flat parameter vector). Numbers only: ``planes.py`` validates and builds the Plane.
"""

from __future__ import annotations

import numpy as np

from ..core.errors import InputError, RunError

# Up to this many parameters the Hessian is built whole (P products with identity columns) and
# handed to eigh; above it, block Lanczos (a few dozen products whatever P is). Measured on the
# moons networks (225 training rows, exact products by the R-operator): both take 3 ms at
# P = 65; at P = 489 dense takes 115 ms, Lanczos 7 ms; at P = 1801 Lanczos 10 ms. On a quadratic
# whose product costs P^2 a column (benchmarks/bench_planes.py) the two meet near P = 200.
DENSE_MAX = 64
DENSE_BLOCK = 64  # identity columns handed to one hvp call (memory: P x 64 floats a call)
LANCZOS_BLOCK = 2  # a block of two finds both vectors of a repeated top eigenvalue
LANCZOS_MAX = 400  # basis vectors at most; a top pair that has not settled by then is refused
LANCZOS_TOL = 1e-9  # residual |H y - theta y|, relative to the largest |eigenvalue| seen


def sign_fixed(vectors: np.ndarray) -> np.ndarray:
    """Each row flipped so that its largest |component| is positive (the first such on ties):
    the same plane always gets the same directions."""
    rows = np.array(vectors, dtype=float)
    for row in rows:
        if row[np.argmax(np.abs(row))] < 0:
            row *= -1.0
    return rows


def filters(layer_slices, dims: int) -> list[np.ndarray]:
    """The parameter indices of each filter: a row of a weight matrix (one unit's incoming
    weights) together with that unit's bias, when the next entry is a bias of the same length.

    Biases: Li et al. set a bias direction to zero (or copy the bias into it). Zero would leave
    a two-parameter net (weight, bias) with both directions along the weight axis, a degenerate
    plane; so a bias goes with its unit's weights, as the affine map's row it is, and the pair is
    scaled together. An unpaired bias is a filter of one number per unit; parameters that no
    slice names (or every parameter, on a surface without layers) form one filter."""
    index = np.arange(dims)
    groups: list[np.ndarray] = []
    covered = np.zeros(dims, dtype=bool)
    entries = [(np.atleast_1d(index[s]), tuple(shape)) for _, s, shape in layer_slices]
    i = 0
    while i < len(entries):
        flat, shape = entries[i]
        covered[flat] = True
        if len(shape) == 2:
            rows = flat.reshape(shape)
            following = entries[i + 1] if i + 1 < len(entries) else None
            if following is not None and following[1] == (shape[0],):
                covered[following[0]] = True
                rows = np.column_stack([rows, following[0]])
                i += 1
            groups.extend(rows)
        else:
            groups.extend(flat.reshape(-1, 1))
        i += 1
    if not covered.all():
        groups.append(index[~covered])
    return groups


def filter_normalised(directions: np.ndarray, point: np.ndarray, groups) -> np.ndarray:
    """``directions`` (k, P) with each filter of each row scaled to the norm of the same filter
    of ``point``; a filter that is zero in the direction stays zero."""
    out = np.array(directions, dtype=float)
    for group in groups:
        target = np.linalg.norm(point[group])
        norms = np.linalg.norm(out[:, group], axis=1, keepdims=True)
        out[:, group] *= np.divide(target, norms, out=np.zeros_like(norms), where=norms > 0)
    return out


def random_directions(surface, point: np.ndarray, seed: int) -> np.ndarray:
    """Two Gaussian directions from PCG64(seed), filter-normalised at ``point``."""
    dims = len(point)
    raw = np.random.Generator(np.random.PCG64(seed)).standard_normal((2, dims))
    layers = surface.layer_slices() if hasattr(surface, "layer_slices") else []
    directions = filter_normalised(raw, point, filters(layers, dims))
    norms = np.linalg.norm(directions, axis=1)
    singular = np.linalg.svd(directions / np.where(norms > 0, norms, 1.0)[:, None],
                             compute_uv=False)
    if not (norms > 0).all() or singular[1] <= 1e-8 * singular[0]:
        raise InputError(
            f"The two filter-normalised random directions (seed {seed}) are parallel or zero, "
            f"because the point they go through has {np.count_nonzero(point)} nonzero "
            f"parameter(s) of {dims}: choose another point (at) or plane kind.")
    return directions


def _dense_hessian(surface, point: np.ndarray) -> np.ndarray:
    dims = len(point)
    H = np.empty((dims, dims))
    for start in range(0, dims, DENSE_BLOCK):
        columns = np.eye(dims)[:, start:start + DENSE_BLOCK]
        H[:, start:start + DENSE_BLOCK] = _product(surface, point, columns)
    return 0.5 * (H + H.T)  # exact products differ from symmetry only by rounding


def _product(surface, point, V) -> np.ndarray:
    HV = np.asarray(surface.hvp(point, V), dtype=float)
    if HV.shape != V.shape:
        raise RunError(f"the surface's Hessian-vector product gave shape {HV.shape} for "
                       f"vectors of shape {V.shape}")
    if not np.isfinite(HV).all():
        raise InputError("The Hessian at the plane's point is not finite (the loss overflows "
                         "there): choose another point (at) or plane kind.")
    return HV


def _orthonormal_against(basis: np.ndarray, block: np.ndarray, rng) -> np.ndarray:
    """``block``'s columns orthonormalised against ``basis`` and each other (twice, for full
    reorthogonalisation); a column that vanishes is replaced by a fresh random one, so the
    search goes on in the rest of the space once a Krylov space closes."""
    for _ in range(2):
        block = block - basis @ (basis.T @ block)
    Q, R = np.linalg.qr(block)
    scale = max(np.abs(np.diag(R)).max(initial=0.0), 1e-300)
    for j in np.flatnonzero(np.abs(np.diag(R)) <= 1e-10 * scale):
        fresh = rng.standard_normal(len(block))
        known = np.column_stack([basis, np.delete(Q, j, axis=1)])
        for _ in range(2):
            fresh -= known @ (known.T @ fresh)
        Q[:, j] = fresh / np.linalg.norm(fresh)
    return Q


def _lanczos_top_two(surface, point: np.ndarray, seed: int):
    """Block Lanczos with full reorthogonalisation: the Rayleigh-Ritz pairs of the Hessian on a
    growing Krylov basis V, taken from the stored products H V, until both top residuals are
    below LANCZOS_TOL (relative) or the basis spans the space."""
    dims = len(point)
    rng = np.random.Generator(np.random.PCG64(seed))
    V = np.empty((dims, 0))
    HV = np.empty((dims, 0))
    block = _orthonormal_against(V, rng.standard_normal((dims, LANCZOS_BLOCK)), rng)
    while True:
        product = _product(surface, point, block)
        V, HV = np.column_stack([V, block]), np.column_stack([HV, product])
        T = V.T @ HV
        theta, Y = np.linalg.eigh(0.5 * (T + T.T))
        values, Y = theta[::-1][:2], Y[:, ::-1][:, :2]
        vectors = V @ Y
        residual = np.linalg.norm(HV @ Y - vectors * values, axis=0)
        scale = max(np.abs(theta).max(), 1e-300)
        if (residual <= LANCZOS_TOL * scale).all() or V.shape[1] == dims:
            return values, vectors.T
        if V.shape[1] >= LANCZOS_MAX:
            raise RunError(f"the Hessian's top two eigenvalues did not settle within "
                           f"{LANCZOS_MAX} Lanczos vectors (residuals {residual.max():.1e}, "
                           f"relative to {scale:.3g})")
        block = _orthonormal_against(V, product[:, :dims - V.shape[1]], rng)


def hessian_top_two(surface, point: np.ndarray, seed: int = 0):
    """(eigenvalues (2,), eigenvectors (2, P)) of the exact Hessian at ``point``: the two
    largest eigenvalues, largest first, unit vectors with fixed signs."""
    dims = len(point)
    if dims <= DENSE_MAX:
        theta, vectors = np.linalg.eigh(_dense_hessian(surface, point))
        values, directions = theta[::-1][:2], vectors[:, ::-1][:, :2].T
    else:
        values, directions = _lanczos_top_two(surface, point, seed)
    return np.asarray(values, dtype=float), sign_fixed(directions)
