"""The yardstick of bench_many_runs.py: the 400 runs of its batch file animated as a plain
matplotlib user would, FuncAnimation + PillowWriter with a line and a head marker per run (two
artists per run, redrawn every frame) over a plain contour; as many frames as our GIF.

    python benchmarks/many_minimal.py OUT.gif [FRAMES]
"""

import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from minimal_animation import save_growing  # noqa: E402

import adamviz  # noqa: E402

OPTIMIZERS = ["sgd", "momentum", "rmsprop", "adam"]
GRID = {"x": [-2.2, 2.2, 10], "y": [-1.3, 1.3, 10]}  # 100 starts, 400 runs


def starts():
    xs, ys = (np.linspace(a, b, n) for a, b, n in (GRID["x"], GRID["y"]))
    return [(float(x), float(y)) for x in xs for y in ys]


def main(out: str, frames: int = 200) -> None:
    result = adamviz.run("hump", OPTIMIZERS, starts())
    (x0, x1), (y0, y1) = result.surface.box
    X, Y = np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200))
    Z = result.surface.loss(np.stack([X.ravel(), Y.ravel()], axis=1)).reshape(X.shape)
    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=100)
    ax.contourf(X, Y, Z, levels=20, cmap="Greys_r")
    colors = {name: f"C{i}" for i, name in enumerate(OPTIMIZERS)}
    lines = [ax.plot([], [], lw=2, color=colors[r.optimizer])[0] for r in result.runs]
    heads = [ax.plot([], [], "o", ms=5, color=colors[r.optimizer])[0] for r in result.runs]
    save_growing(fig, result.runs, lines, heads, frames, out)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 200)
