"""The issue's yardstick for animation speed: a minimal FuncAnimation + PillowWriter of the same
frames — a plain contour, the growing lines and a head marker per run; no colourbar, legend,
title or layout engine. Same runs as `adamviz run` computes for bench_animation.py's workload.

    python benchmarks/minimal_animation.py OUT.gif [FRAMES]
"""

import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.animation import FuncAnimation, PillowWriter  # noqa: E402
from naive_animation import workload_result  # noqa: E402

from adamviz.render.frames import frame_steps, run_steps  # noqa: E402


def main(out: str, frames: int = 201) -> None:
    result = workload_result()
    (x0, x1), (y0, y1) = result.surface.box
    X, Y = np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200))
    Z = result.surface.loss(np.stack([X.ravel(), Y.ravel()], axis=1)).reshape(X.shape)
    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=100)
    ax.contourf(X, Y, np.log10(Z - np.nanmin(Z) + 1e-3), levels=20, cmap="Greys_r")
    lines = [ax.plot([], [], lw=2)[0] for _ in result.runs]
    heads = [ax.plot([], [], "o", ms=7)[0] for _ in result.runs]
    save_growing(fig, result.runs, lines, heads, frames, out)


def save_growing(fig, runs, lines, heads, frames: int, out: str) -> None:
    """FuncAnimation + PillowWriter of each run's line growing and its head moving."""
    lengths = [r.steps for r in runs]
    steps = frame_steps(max(lengths), frames)

    def update(i):
        for run, line, head, k in zip(runs, lines, heads,
                                      run_steps(int(steps[i]), lengths), strict=True):
            line.set_data(run.points[: k + 1, 0], run.points[: k + 1, 1])
            head.set_data([run.points[k, 0]], [run.points[k, 1]])
        return [*lines, *heads]

    FuncAnimation(fig, update, frames=len(steps)).save(out, writer=PillowWriter(fps=20))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 201)
