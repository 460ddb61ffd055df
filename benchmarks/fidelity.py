"""How far frames decoded from a GIF are from a full matplotlib draw of the same frame.

    python benchmarks/fidelity.py OURS.gif NAIVE.gif

Prints, for a few frames, the mean absolute difference per channel (0-255) and the share of
pixels off by more than 8, for both GIFs. Used by tests/test_animation.py too.
"""

import sys

import numpy as np
from PIL import Image

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from naive_animation import full_figure, workload_result  # noqa: E402

from adamviz.render.frames import frame_steps  # noqa: E402


def reference_frames(indices, frames=201):
    result = workload_result()
    fig, show, total = full_figure(result)
    steps = frame_steps(total, frames)
    out = {}
    for i in indices:
        show(int(steps[i]))
        fig.canvas.draw()
        out[i] = np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(np.int16)
    return out


def decoded(path, i):
    with Image.open(path) as im:
        im.seek(i)
        return np.asarray(im.convert("RGB")).astype(np.int16)


def error(a, b):
    diff = np.abs(a - b)
    return float(diff.mean()), float((diff.max(axis=2) > 8).mean())


def main(paths, indices=(0, 50, 100, 150, 200)):
    refs = reference_frames(indices)
    for path in paths:
        errs = [error(decoded(path, i), refs[i]) for i in indices]
        print(f"{path}: mean abs diff " + " ".join(f"{m:.3f}" for m, _ in errs)
              + " | share of pixels off by >8: " + " ".join(f"{s:.4f}" for _, s in errs))


if __name__ == "__main__":
    main(sys.argv[1:])
