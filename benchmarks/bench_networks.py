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

Each side is timed ``--repeat`` times in this process (imports and loading excluded), torch
with its default threads and with one; medians and their ratio are printed, and the end weights
are compared (they must agree: the same network, weights, rows and update rules). Also timed:
the loss at 2,500 points at once (a 50 x 50 grid over a plane through the weights, as a
picture's contours need). Without torch installed, only adamviz is timed ("torch not
installed").
"""

import argparse
import statistics
import time

import numpy as np

import adamviz
from adamviz import surfaces

NET = {"name": "moons-2-8-8-1", "data": "moons", "init_seed": 0,
       "model": {"layers": [2, 8, 8, 1], "activation": "tanh", "loss": "cross_entropy",
                 "inputs": ["x1", "x2"], "target": "label"}}
RATES = {"sgd": 0.5, "momentum": 0.1, "adam": 0.02}


def ours(surface, steps: int) -> tuple[float, np.ndarray]:
    t0 = time.perf_counter()
    result = adamviz.run(surface, [f"{name}:lr={lr}" for name, lr in RATES.items()],
                         steps=steps, tol=0)
    return time.perf_counter() - t0, np.array([r.points[-1] for r in result.runs])


def theirs(surface, steps: int) -> tuple[float, np.ndarray]:
    import torch

    torch.set_default_dtype(torch.float64)
    fit = surface.network
    x, y = torch.tensor(fit.train_x), torch.tensor(fit.train_y)[:, None]
    classes = {"sgd": (torch.optim.SGD, {}), "momentum": (torch.optim.SGD, {"momentum": 0.9}),
               "adam": (torch.optim.Adam, {})}
    t0, ends = time.perf_counter(), []
    for name, lr in RATES.items():
        model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(),
                                    torch.nn.Linear(8, 8), torch.nn.Tanh(),
                                    torch.nn.Linear(8, 1)).double()
        with torch.no_grad():
            flat = torch.tensor(fit.init)
            at = 0
            for p in model.parameters():
                p.copy_(flat[at:at + p.numel()].reshape(p.shape))
                at += p.numel()
        cls, kwargs = classes[name]
        opt, loss_fn, losses = cls(model.parameters(), lr=lr, **kwargs), \
            torch.nn.BCEWithLogitsLoss(), []
        for _ in range(steps):
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        ends.append(torch.cat([p.detach().reshape(-1) for p in model.parameters()]).numpy())
    return time.perf_counter() - t0, np.array(ends)


def grid_seconds(surface) -> float:
    rng = np.random.default_rng(0)
    d1, d2 = rng.normal(size=(2, surface.dims))
    a, b = np.meshgrid(np.linspace(-1, 1, 50), np.linspace(-1, 1, 50))
    points = np.array(surface.default_start) + a.reshape(-1, 1) * d1 + b.reshape(-1, 1) * d2
    t0 = time.perf_counter()
    surface.loss(points)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    surface = surfaces.from_dict(NET, source="bench_networks.NET")
    print(f"{surface.expr}: {surface.dims} parameters, {surface.training_rows} rows, "
          f"3 optimizers x {args.steps} steps, full batch")
    mine = [ours(surface, args.steps) for _ in range(args.repeat)]
    ours_s = statistics.median(s for s, _ in mine)
    print(f"adamviz: {ours_s:.3f} s (median of {args.repeat})")
    try:
        import torch  # noqa: F401
    except ImportError:
        print("torch not installed: adamviz timed alone")
    else:
        # torch's own thread count first (what a script gets), then one thread: on a busy
        # machine its threads contend with each other for tiny matrices
        for threads in (torch.get_num_threads(), 1):
            torch.set_num_threads(threads)
            found = [theirs(surface, args.steps) for _ in range(args.repeat)]
            torch_s = statistics.median(s for s, _ in found)
            gap = np.abs(mine[0][1] - found[0][1]).max()
            print(f"torch ({threads} thread{'s' * (threads > 1)}): {torch_s:.3f} s; ratio "
                  f"adamviz / torch {ours_s / torch_s:.2f}; end weights differ by at most "
                  f"{gap:.1e}")
    grid = statistics.median(grid_seconds(surface) for _ in range(args.repeat))
    print(f"loss at 2,500 points (a 50 x 50 plane grid): {grid:.3f} s")


if __name__ == "__main__":
    main()
