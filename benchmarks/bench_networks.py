"""A small network in full dimension: adamviz's engine against a plain torch script, in the
same run.

    python benchmarks/bench_networks.py [--steps 500] [--repeat 3]

Workload (issue #26): a 2-8-8-1 tanh network (105 weights and biases) with cross-entropy on the
bundled moons (300 rows, all of them every step), from torch's initialisation law (seed 0), SGD
(lr 0.5), momentum (lr 0.1) and Adam (lr 0.02), ``--steps`` steps each.

- **adamviz**: ``adamviz.run(surface, ["sgd", "momentum", "adam"], steps=..., tol=0)``, every
  step kept (point, loss over all rows, gradient: what a picture needs).
- **torch**: what a torch user writes: ``nn.Sequential`` loaded with the same weights,
  ``BCEWithLogitsLoss``, ``zero_grad``/``backward``/``step`` and the loss kept each step,
  float64, one optimizer after another.

Then each side makes the PCA plane of the three paths (every step of every run) and the loss
on a 50 x 50 grid over it (the paths' box, a tenth of its larger side around), as a picture's
contours need: adamviz with ``studies.planes.plane_grid`` (every grid point through the network
at once, in chunks), torch as loss-landscape scripts do (``torch.linalg.svd``, then the weights
of each grid point loaded into the model and its loss taken under ``no_grad``). Each side is
timed ``--repeat`` times in this process (imports and loading excluded), torch with its default
threads and with one; medians and their ratio are printed, and the end weights and the grid's
losses (sorted: a principal direction's sign is arbitrary) are compared: the same network,
weights, rows, update rules and plane give the same numbers. Without torch installed, only
adamviz is timed ("torch not installed").
"""

import argparse
import statistics
import time

import numpy as np

import adamviz
from adamviz import surfaces
from adamviz.studies import planes

NET = {"name": "moons-2-8-8-1", "data": "moons", "init_seed": 0,
       "model": {"layers": [2, 8, 8, 1], "activation": "tanh", "loss": "cross_entropy",
                 "inputs": ["x1", "x2"], "target": "label"}}
RATES = {"sgd": 0.5, "momentum": 0.1, "adam": 0.02}
GRID = 50  # points a side of the plane's grid
MARGIN = 0.1  # the grid's box: the projected paths, this share of its larger side around


def ours(surface, steps: int) -> tuple[float, np.ndarray, np.ndarray]:
    """The runs (drawn on the PCA plane of their paths, as ``adamviz run`` makes them) and the
    loss on a 50 x 50 grid over that plane: seconds, end weights, the grid's sorted losses."""
    t0 = time.perf_counter()
    result = adamviz.run(surface, [f"{name}:lr={lr}" for name, lr in RATES.items()],
                         steps=steps, tol=0, plane="pca")
    _, _, grid = planes.plane_grid(surface, result.surface.plane,
                                   [r.points for r in result.runs], size=(GRID, GRID))
    seconds = time.perf_counter() - t0
    return seconds, np.array([r.parameters[-1] for r in result.runs]), np.sort(grid.ravel())


def theirs(surface, steps: int) -> tuple[float, np.ndarray, np.ndarray]:
    """The same in a plain torch script: each optimizer's run keeping its weights every step,
    the PCA of all of them (torch.linalg.svd), and the loss at each grid point by loading the
    weights into the model (what loss-landscape scripts do)."""
    import torch
    from torch.nn.utils import parameters_to_vector, vector_to_parameters

    torch.set_default_dtype(torch.float64)
    fit = surface.network
    x, y = torch.tensor(fit.train_x), torch.tensor(fit.train_y)[:, None]
    classes = {"sgd": (torch.optim.SGD, {}), "momentum": (torch.optim.SGD, {"momentum": 0.9}),
               "adam": (torch.optim.Adam, {})}
    model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8),
                                torch.nn.Tanh(), torch.nn.Linear(8, 1)).double()
    loss_fn = torch.nn.BCEWithLogitsLoss()
    t0, paths = time.perf_counter(), []
    for name, lr in RATES.items():
        with torch.no_grad():
            vector_to_parameters(torch.tensor(fit.init), model.parameters())
        cls, kwargs = classes[name]
        opt, path = cls(model.parameters(), lr=lr, **kwargs), [torch.tensor(fit.init)]
        for _ in range(steps):
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            path.append(parameters_to_vector(model.parameters()).detach().clone())
        paths.append(torch.stack(path))
    points = torch.cat(paths)
    origin = points.mean(dim=0)
    directions = torch.linalg.svd(points - origin, full_matrices=False).Vh[:2]
    coords = (points - origin) @ directions.T
    lo, hi = coords.min(dim=0).values, coords.max(dim=0).values
    pad = MARGIN * float((hi - lo).max())
    grid = []
    with torch.no_grad():
        for b in torch.linspace(float(lo[1]) - pad, float(hi[1]) + pad, GRID):
            for a in torch.linspace(float(lo[0]) - pad, float(hi[0]) + pad, GRID):
                vector_to_parameters(origin + a * directions[0] + b * directions[1],
                                     model.parameters())
                grid.append(loss_fn(model(x), y).item())
    seconds = time.perf_counter() - t0
    return seconds, np.array([p[-1].numpy() for p in paths]), np.sort(grid)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    surface = surfaces.from_dict(NET, source="bench_networks.NET")
    print(f"{surface.expr}: {surface.dims} parameters, {surface.training_rows} rows, "
          f"3 optimizers x {args.steps} steps, full batch, then the loss on a "
          f"{GRID} x {GRID} grid over the PCA plane of their paths")
    mine = [ours(surface, args.steps) for _ in range(args.repeat)]
    ours_s = statistics.median(m[0] for m in mine)
    print(f"adamviz: {ours_s:.3f} s (median of {args.repeat})")
    try:
        import torch  # noqa: F401
    except ImportError:
        print("torch not installed: adamviz timed alone")
        return
    # torch's own thread count first (what a script gets), then one thread: on a busy machine
    # its threads contend with each other for tiny matrices
    for threads in (torch.get_num_threads(), 1):
        torch.set_num_threads(threads)
        found = [theirs(surface, args.steps) for _ in range(args.repeat)]
        torch_s = statistics.median(f[0] for f in found)
        gap = np.abs(mine[0][1] - found[0][1]).max()
        grid_gap = np.abs(mine[0][2] - found[0][2]).max()
        print(f"torch ({threads} thread{'s' * (threads > 1)}): {torch_s:.3f} s; torch / adamviz "
              f"{torch_s / ours_s:.1f}x; end weights differ by at most {gap:.1e}, the grid's "
              f"losses by {grid_gap:.1e}")


if __name__ == "__main__":
    main()
