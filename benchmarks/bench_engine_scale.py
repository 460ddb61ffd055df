"""The engine at many starts against a plain C loop, in ns per point-step, in the same run.

    python benchmarks/bench_engine_scale.py [--grid 1000] [--steps 100] [--repeat 3]

Workload (issue #24): Adam at the hump's rate (lr 0.3, torch's other defaults) from every start
of a ``--grid`` x ``--grid`` grid over the hump's box (10^6 starts by default), ``--steps``
steps, no tolerance, end points kept.

- **adamviz**: ``engine.run(surface, adam, starts, steps, tol=None, record="ends")``.
- **C**: what a C programmer writes for the same update (compiled here with ``gcc -O2`` into a
  temporary folder): arrays of x, y and both moments; for each step the bias corrections with
  libm's ``pow``, then one pass over the points computing the hump's gradient and Adam's update
  in the operations' order of ``optimizers/adam.toml``.
Each side is a fresh process, alternately ``--repeat`` times; each times its stepping loop (the
process's start, imports and grid are printed apart), and the medians' ns per point-step and
their ratio are printed. The end points of the two must agree to 1e-12 relative (they are bit
for bit the same when the compiler keeps IEEE order, as -O2 does).
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

C_LOOP = r"""
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv) {
    long n = atol(argv[1]), steps = atol(argv[2]);
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    double *mx = calloc(n, sizeof *mx), *my = calloc(n, sizeof *my);
    double *vx = calloc(n, sizeof *vx), *vy = calloc(n, sizeof *vy);
    FILE *f = fopen(argv[3], "rb");
    for (long i = 0; i < n; i++) {
        if (fread(&x[i], 8, 1, f) != 1 || fread(&y[i], 8, 1, f) != 1) return 1;
    }
    fclose(f);
    const double lr = 0.3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long t = 1; t <= steps; t++) {
        double bc1 = 1.0 - pow(beta1, (double)t), bc2 = 1.0 - pow(beta2, (double)t);
        double root_bc2 = pow(bc2, 0.5), rate = -(lr / bc1);
        for (long i = 0; i < n; i++) {
            double gx = -0.4 + ((x[i] * x[i] - 1.0) * 2.0) * (x[i] * 2.0), gy = y[i] * 2.0;
            mx[i] = mx[i] + (gx - mx[i]) * (1.0 - beta1);
            my[i] = my[i] + (gy - my[i]) * (1.0 - beta1);
            vx[i] = vx[i] * beta2 + ((1.0 - beta2) * gx) * gx;
            vy[i] = vy[i] * beta2 + ((1.0 - beta2) * gy) * gy;
            x[i] = x[i] + (rate * mx[i]) / (sqrt(vx[i]) / root_bc2 + eps);
            y[i] = y[i] + (rate * my[i]) / (sqrt(vy[i]) / root_bc2 + eps);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    f = fopen(argv[4], "wb");
    for (long i = 0; i < n; i++) {
        fwrite(&x[i], 8, 1, f);
        fwrite(&y[i], 8, 1, f);
    }
    fclose(f);
    printf("{\"loop\": %.9f}\n", (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec));
    return 0;
}
"""


def starts_of(grid: int):
    from adamviz.studies.basins import grid_starts
    from adamviz.surfaces import load

    return grid_starts(load("hump"), n=grid)


def ours(grid: int, steps: int, ends_path: str) -> dict:
    t0 = time.perf_counter()
    import numpy as np

    from adamviz import engine, optimizers
    from adamviz.surfaces import load

    surface = load("hump")
    adam = optimizers.make("adam", lr=surface.lr["adam"])
    starts = starts_of(grid)
    t1 = time.perf_counter()
    out = engine.run(surface, adam, starts, steps, tol=None, record="ends")
    t2 = time.perf_counter()
    np.save(ends_path, out.ends)
    return {"loop": t2 - t1, "setup": t1 - t0}


def measure(cmd: list[str]) -> dict:
    start = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=REPO)
    found = json.loads(out.stdout.strip().splitlines()[-1])
    found["process"] = time.perf_counter() - start
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--ends")
    args = parser.parse_args()
    if args.child:
        return print(json.dumps(ours(args.grid, args.steps, args.ends)))
    import numpy as np

    n, steps = args.grid**2, args.steps
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        (tmp / "loop.c").write_text(C_LOOP)
        subprocess.run(["gcc", "-O2", "-o", str(tmp / "loop"), str(tmp / "loop.c"), "-lm"],
                       check=True)
        starts_of(args.grid).astype("<f8").tofile(tmp / "starts.bin")
        runs = {"adamviz": [], "C": []}
        for _ in range(args.repeat):
            runs["adamviz"].append(measure([
                sys.executable, __file__, "--child", "--grid", str(args.grid), "--steps",
                str(steps), "--ends", str(tmp / "ours.npy")]))
            runs["C"].append(measure([str(tmp / "loop"), str(n), str(steps),
                                      str(tmp / "starts.bin"), str(tmp / "c.bin")]))
        ends = np.load(tmp / "ours.npy")
        c_ends = np.fromfile(tmp / "c.bin", dtype="<f8").reshape(n, 2)
    gap = np.abs(ends - c_ends) / np.maximum(np.abs(c_ends), 1e-300)
    ns = {side: statistics.median(r["loop"] for r in found) / (n * steps) * 1e9
          for side, found in runs.items()}
    whole = {side: statistics.median(r["process"] for r in found) for side, found in runs.items()}
    print(f"Adam on the hump, {n:,} starts x {steps} steps, ends kept (fresh processes, "
          f"medians of {args.repeat}):")
    print(f"  adamviz engine.run: {ns['adamviz']:6.1f} ns per point-step  "
          f"(whole process {whole['adamviz']:.2f} s)")
    print(f"  C loop (gcc -O2):   {ns['C']:6.1f} ns per point-step  "
          f"(whole process {whole['C']:.2f} s)")
    print(f"  end points: {int((ends == c_ends).all(axis=1).sum()):,} of {n:,} bit for bit "
          f"equal, largest relative gap {gap.max():.1e}")
    print(f"  ratio: adamviz runs at {ns['C'] / ns['adamviz']:.0%} of C's speed")
    if gap.max() > 1e-12:
        sys.exit("the end points differ by more than 1e-12 relative")


if __name__ == "__main__":
    main()
