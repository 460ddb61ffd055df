"""The floor of any GIF of bench_animation.py's workload: a process that imports matplotlib
(Agg), draws one background of the same size, and encodes the given frames with Pillow the way
a plain Pillow user would (one palette, from the first frame; Pillow's own save).

    python benchmarks/gif_floor.py FRAMES.npy OUT.gif

FRAMES.npy holds the RGB frames (N, H, W, 3 uint8) to encode: bench_gif_floor.py saves there
the frames our GIF holds. Of the plain ways tried, this is the fastest: quantizing every frame
on its own takes about nine times as long.
"""

import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402


def main(frames_path: str, out: str) -> None:
    frames = np.load(frames_path, mmap_mode="r")
    height, width = frames.shape[1:3]
    fig, ax = plt.subplots(figsize=(width / 100, height / 100), dpi=100)
    X, Y = np.meshgrid(np.linspace(-4.5, 4.5, 200), np.linspace(-4.5, 4.5, 200))
    Z = (1.5 - X + X * Y) ** 2 + (2.25 - X + X * Y**2) ** 2 + (2.625 - X + X * Y**3) ** 2
    ax.contourf(X, Y, np.log10(Z + 1e-3), levels=20, cmap="Greys_r")  # beale, as ours
    fig.canvas.draw()
    first = Image.fromarray(np.ascontiguousarray(frames[0])).quantize()
    rest = [Image.fromarray(np.ascontiguousarray(f)).quantize(palette=first,
                                                              dither=Image.Dither.NONE)
            for f in frames[1:]]
    first.save(out, save_all=True, append_images=rest, duration=50, loop=0)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
