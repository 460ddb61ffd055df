"""Planes (studies/planes.py): the Hessian's top two, dense (eigh of the whole Hessian built
from P products) against block Lanczos, by P; the PCA plane from the smaller Gram matrix against
numpy's SVD; a 50 x 50 plane grid in chunks. Medians of 3.

The Hessian is a quadratic's, whose product costs P^2 a column: about what a net's costs with P
data rows (the two meet near P = 200); on the real networks products are cheaper than that and
Lanczos wins from about P = 65, where DENSE_MAX in plane_directions.py is set.

    python benchmarks/bench_planes.py
"""

import time

import numpy as np

from adamviz.studies import plane_directions, planes


class Quadratic:
    def __init__(self, dims, seed=0):
        rng = np.random.default_rng(seed)
        Q, _ = np.linalg.qr(rng.standard_normal((dims, dims)))
        self.A = Q @ np.diag(np.geomspace(1e-3, 10, dims)) @ Q.T
        self.dims, self.products = dims, 0

    def hvp(self, point, V):
        self.products += V.shape[1]
        return self.A @ V


class Diagonal:
    def __init__(self, dims):
        self.dims, self.scale = dims, np.linspace(1, 5, dims)

    def loss(self, points):
        return 0.5 * (points ** 2) @ self.scale


def median_time(work, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def hessian_table():
    print("P      dense s   lanczos s   products (lanczos)")
    for dims in (50, 100, 200, 400, 800, 1600):
        surface, point = Quadratic(dims), np.zeros(dims)
        dense = median_time(lambda s=surface, p=point: (
            np.linalg.eigh(plane_directions._dense_hessian(s, p)))) if dims <= 800 else np.nan
        surface.products = 0
        lanczos = median_time(lambda s=surface, p=point: plane_directions._lanczos_top_two(s, p, 0))
        print(f"{dims:<6} {dense:8.4f}  {lanczos:9.4f}   {surface.products // 3}")


def pca_table():
    rng = np.random.default_rng(0)
    for count, dims in ((1500, 2000), (1500, 5000)):
        points = np.cumsum(rng.standard_normal((count, dims)), axis=0)
        ours = median_time(lambda p=points: planes._principal_axes(p), 1)
        svd = median_time(lambda p=points: np.linalg.svd(p - p.mean(axis=0),
                                                         full_matrices=False), 1)
        print(f"PCA of {count} points in {dims}-D: Gram {ours:.2f} s, SVD {svd:.2f} s")


def grid_row():
    dims = 5000
    surface = Diagonal(dims)
    plane = planes.Plane("pca", np.ones(dims), np.eye(2, dims), 1.0, "bench")
    coords = np.array([[-1.0, -1.0], [1.0, 1.0]])
    seconds = median_time(lambda: planes.plane_grid(surface, plane, coords, size=(50, 50)))
    print(f"50 x 50 grid at P = {dims}, chunks of {planes.CHUNK_FLOATS // dims} points: "
          f"{seconds:.3f} s")


if __name__ == "__main__":
    hessian_table()
    pca_table()
    grid_row()
