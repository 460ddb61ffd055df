"""The naive render every public tool uses: FuncAnimation saved with PillowWriter.

Same workload and same figure as `adamviz run ... -o x.gif` (adamviz computes the runs and
composes the figure), but every frame is a full redraw and Pillow quantizes each frame on its own.
Used by bench_animation.py, and by the tests as the yardstick for GIF fidelity.

    python benchmarks/naive_animation.py OUT.gif [FRAMES]
"""

import sys

from matplotlib.animation import FuncAnimation, PillowWriter

import adamviz
from adamviz.render.figure import compose, settle
from adamviz.render.frames import frame_steps, run_steps

WORKLOAD = {"surface": "beale", "opts": ["sgd", "momentum", "rmsprop", "adam"],
            "starts": [(1, 1.5)], "steps": 200}


def workload_result():
    return adamviz.run(WORKLOAD["surface"], WORKLOAD["opts"], WORKLOAD["starts"],
                       steps=WORKLOAD["steps"], tol=None)


def full_figure(result):
    """Our figure, drawn the ordinary way: every artist normal, the counter a plain text."""
    fig, panels = compose(result, ["contour"], animated=True, panel_size=(6.4, 4.8), dpi=100,
                          counter=True)
    settle(fig)  # the same layout as adamviz's render (see figure.settle)
    total = max(r.steps for r in result.runs)
    counter = fig.counter_artist  # one text with the whole line, as FuncAnimation users write
    counter.set_visible(True)
    fig.counter_fixed.set_visible(False)
    width = len(str(total))

    def show(step):
        ks = run_steps(step, [r.steps for r in result.runs])
        artists = [a for p in panels for a in p.show(ks)]
        counter.set_text(f"step {step:>{width}d} / {total}")
        return artists + [counter]

    return fig, show, total


def main(out: str, frames: int = 201) -> None:
    result = workload_result()
    fig, show, total = full_figure(result)
    steps = frame_steps(total, frames)
    anim = FuncAnimation(fig, lambda i: show(int(steps[i])), frames=len(steps), blit=True)
    anim.save(out, writer=PillowWriter(fps=20))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 201)
