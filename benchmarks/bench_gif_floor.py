"""Animated GIF against its floor: starting Python, the imports, one background drawn and the
same frames encoded by Pillow.

    python benchmarks/bench_gif_floor.py [--repeat N]

Ours: `adamviz run ... -o x.gif` on bench_animation.py's workload (beale; sgd, momentum, rmsprop
and adam from (1, 1.5); 200 steps; 201 frames; 640x480). The floor: `gif_floor.py`, a process
that imports matplotlib (Agg), draws one background of the same size and encodes the RGB frames
our GIF holds (decoded from it beforehand, saved as .npy) with Pillow. Both are whole processes,
run alternately; medians. Prints both times, peak memory, the ratio (goal <= 1.5x) and the
images in our GIF (one a frame).
"""

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
from bench_animation import ADAMVIZ, WORKLOAD, measure
from PIL import Image

HERE = Path(__file__).resolve().parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each side (median)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="adamviz-bench-"))
    ours, floor, frames = work / "ours.gif", work / "floor.gif", work / "frames.npy"
    ours_cmd = [ADAMVIZ, *WORKLOAD, "-o", str(ours)]
    floor_cmd = [sys.executable, str(HERE / "gif_floor.py"), str(frames), str(floor)]
    measure(ours_cmd)  # warms the derivative cache (a user's second run) and makes the GIF
    with Image.open(ours) as im:
        images = im.n_frames
        held = []
        for i in range(images):
            im.seek(i)
            held.append(np.asarray(im.convert("RGB")))
    np.save(frames, np.stack(held))
    times = {"ours": [], "floor": []}
    for _ in range(args.repeat):
        for side, cmd in (("ours", ours_cmd), ("floor", floor_cmd)):
            times[side].append(measure(cmd))
    t_ours = statistics.median(t for t, _ in times["ours"])
    t_floor = statistics.median(t for t, _ in times["floor"])
    m_ours = max(m for _, m in times["ours"])
    m_floor = max(m for _, m in times["floor"])
    print(f"{'':36s}{'time':>9s}{'peak MiB':>10s}{'GIF bytes':>12s}")
    print(f"{'adamviz run ... -o x.gif':36s}{t_ours:8.2f}s{m_ours:10.1f}"
          f"{ours.stat().st_size:12,d}")
    print(f"{'floor (imports, background, Pillow)':36s}{t_floor:8.2f}s{m_floor:10.1f}"
          f"{floor.stat().st_size:12,d}")
    print(f"ours / floor: {t_ours / t_floor:.2f}x (goal <= 1.5x); our GIF holds {images} images "
          f"for 201 frames")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
