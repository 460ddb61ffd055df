"""The batch engine against a plain loop over runs of the same math, in the same run.

    python benchmarks/bench_batch.py [--sample 400]

Workload (issue #5): the beale surface, 40,000 starts (a 200x200 grid over the box), 500 Adam
steps (the surface's default lr). Ours: `engine.optimize_final`, all starts at once. The plain
loop: for each start, the same pure `update` and the same exact gradient, one run at a time; it
is timed on --sample starts spread over the grid and scaled to 40,000 (its cost is linear in the
number of runs), and its end points are checked against ours. Also prints peak memory (numpy
allocations, tracemalloc) and the whole-process time of
`adamviz basins --surface hump --grid 200 --steps 500` with sgd, momentum and adam.
"""

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc

import numpy as np

from adamviz import api, compare, engine, optimizers


def plain_loop(surface, opt, starts, steps):
    ends = []
    for start in starts:
        p = np.array(start, dtype=float)[None, :]
        state = opt.init(p)
        for _ in range(steps):
            step, state = opt.update(surface.gradient(p), state, p)
            p = p + step
        ends.append(p[0])
    return np.array(ends)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=400, help="starts timed in the plain loop")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    surface = api.load_surface("beale")
    opt = optimizers.make("adam", lr=surface.lr["adam"])
    starts = compare.grid_starts(surface, n=200)
    steps = 500
    engine.optimize_final(surface, opt, starts[:10], 5)  # compile the gradient program once

    times = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        ends = engine.optimize_final(surface, opt, starts, steps)
        times.append(time.perf_counter() - t)
    ours = statistics.median(times)
    tracemalloc.start()
    engine.optimize_final(surface, opt, starts, steps)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()

    pick = np.linspace(0, len(starts) - 1, args.sample).astype(int)
    t = time.perf_counter()
    loop_ends = plain_loop(surface, opt, starts[pick], steps)
    loop = (time.perf_counter() - t) * len(starts) / len(pick)
    same = np.allclose(loop_ends, ends.points[pick], rtol=1e-9, atol=1e-12, equal_nan=True)

    lr = opt.hyperparams["lr"]
    print(f"workload: beale, {len(starts):,} starts x {steps} Adam steps (lr={lr})")
    print(f"batch engine     {ours:8.3f} s   (median of {args.repeat}; peak numpy memory "
          f"{peak:.1f} MiB)")
    print(f"plain loop       {loop:8.1f} s   (timed on {len(pick)} starts, scaled to "
          f"{len(starts):,}; same end points: {same})")
    print(f"speed-up         {loop / ours:8.0f}x")

    exe = shutil.which("adamviz") or "adamviz"
    out = tempfile.mkdtemp()
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([exe, "basins", "--surface", "hump", "--opt", "sgd", "--opt", "momentum",
                        "--opt", "adam", "--grid", "200", "--steps", "500", "-q",
                        "-o", f"{out}/b.png"], check=True)
        runs.append(time.perf_counter() - t)
    shutil.rmtree(out)
    print(f"adamviz basins --surface hump --grid 200 --steps 500 (sgd, momentum, adam): "
          f"{statistics.median(runs):.2f} s whole process (median of 3)")


if __name__ == "__main__":
    sys.exit(main())
