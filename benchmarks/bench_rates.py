"""A convergence-rate map: ``adamviz rates`` against a loop of ``adamviz run`` calls and a plain
numpy loop over the grid.

    python benchmarks/bench_rates.py [--n 100] [--steps 500] [--repeat 3] [--sample 6]

Workload (issue #25): the valley (0.5 x^2 + 18 y^2) from its start (-2.5, 1), momentum (torch's
SGD) over lr 0.001..0.1 x momentum 0..0.99, an n x n grid of 500 steps. Sides, alternating,
medians of whole processes (start-up counted), wall time and CPU time (user + sys) of the
child processes:

- **ours**: ``adamviz rates ... --no-plot -q`` (every cell in one engine call, its rate
  measured), and the same with the picture drawn (``-o map.png``);
- **run loop**: ``adamviz run -s valley --opt momentum:lr=..,momentum=.. --steps 500 --no-plot
  -q`` once per cell, as a user without ``rates`` would do it. Only ``--sample`` cells are timed
  (spread over the grid) and the time is **extrapolated** to n x n cells;
- **numpy loop**: one process looping over the cells in Python, each cell's 500 heavy-ball
  steps on a numpy array of 2 (the gradient written by hand), keeping the distance per step and
  fitting the rate as ``rates`` does. Only ``--sample-rows`` of the n grid rows are timed, and
  the time is **extrapolated** to n rows.

The numpy loop's rates are compared with ours on the rows it ran (the largest difference is
printed: the same arithmetic, in another order where numpy's dot product sums).
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NUMPY_LOOP = r"""
import sys, json
import numpy as np
n, steps, rows = int(sys.argv[1]), int(sys.argv[2]), [int(r) for r in sys.argv[3].split(",")]
lrs, moms = np.linspace(0.001, 0.1, n), np.linspace(0.0, 0.99, n)
h = np.array([1.0, 36.0])
out = {}
for j in rows:
    for i in range(n):
        lr, mu = lrs[i], moms[j]
        x, buf = np.array([-2.5, 1.0]), None
        d = [np.sqrt(x @ x)]
        for t in range(steps):
            g = h * x
            buf = g.copy() if buf is None else mu * buf + g
            step = lr * buf
            x = x - step
            if not np.isfinite(x).all() or np.abs(x).max() > 60:
                break
            d.append(np.sqrt(x @ x))
        d = np.array(d)
        ok = d > 1e-280  # the valley's minimum is 0: no rounding floor above
        count = len(d) if ok.all() else int(np.argmin(ok))
        env = np.maximum.accumulate(d[:count][::-1])[::-1]
        k = np.arange(count // 2, count)
        rate = float(np.exp(np.polyfit(k, np.log(env[k]), 1)[0])) if len(k) >= 3 else None
        out[f"{j},{i}"] = rate
print(json.dumps(out))
"""


def timed(cmd, cwd) -> tuple[float, float, str]:
    """Wall and child CPU seconds of one process, and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=cwd)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sample", type=int, default=6, help="adamviz run calls timed")
    parser.add_argument("--sample-rows", type=int, default=3, help="numpy loop rows timed")
    args = parser.parse_args()
    n, steps = args.n, args.steps
    exe = [sys.executable, "-m", "adamviz"]
    grid = ["--grid", f"lr=0.001:0.1:{n}", "--grid", f"momentum=0:0.99:{n}"]
    rows = [round(r * (n - 1) / max(args.sample_rows - 1, 1)) for r in range(args.sample_rows)]
    cells = [(0.001 + 0.099 * k / max(args.sample - 1, 1), 0.99 * ((k * 7) % args.sample) /
              max(args.sample - 1, 1)) for k in range(args.sample)]
    sides = {"ours": [], "ours + picture": [], "run loop": [], "numpy loop": []}
    with tempfile.TemporaryDirectory() as folder:
        export = Path(folder) / "map.csv"
        for _ in range(args.repeat):
            sides["ours"].append(timed(exe + ["rates", "-s", "valley", "--opt", "momentum",
                                              *grid, "--steps", str(steps), "--no-plot", "-q",
                                              "--export", str(export)], folder)[:2])
            sides["ours + picture"].append(timed(exe + [
                "rates", "-s", "valley", "--opt", "momentum", *grid, "--steps", str(steps),
                "-q", "-o", str(Path(folder) / "map.png")], folder)[:2])
            walls, cpus = [], []
            for lr, mu in cells:
                wall, cpu, _ = timed(exe + ["run", "-s", "valley", "--opt",
                                            f"momentum:lr={lr!r},momentum={mu!r}", "--steps",
                                            str(steps), "--no-plot", "-q"], folder)
                walls.append(wall)
                cpus.append(cpu)
            scale = n * n / len(cells)
            sides["run loop"].append((sum(walls) * scale, sum(cpus) * scale))
            wall, cpu, text = timed([sys.executable, "-c", NUMPY_LOOP, str(n), str(steps),
                                     ",".join(map(str, rows))], folder)
            scale = n / len(rows)
            sides["numpy loop"].append((wall * scale, cpu * scale))
        _check(export, text, n)
    ours = statistics.median(w for w, _ in sides["ours"])
    ours_cpu = statistics.median(c for _, c in sides["ours"])
    print(f"{n} x {n} cells of {steps} steps, valley, momentum; medians of {args.repeat} "
          f"(wall s, child CPU s)")
    for name, times in sides.items():
        wall = statistics.median(w for w, _ in times)
        cpu = statistics.median(c for _, c in times)
        extra = " (extrapolated)" if "loop" in name else ""
        print(f"  {name:15s} {wall:10.2f} s wall {cpu:10.2f} s CPU   {wall / ours:8.1f}x "
              f"ours (CPU {cpu / ours_cpu:.1f}x){extra}")
    return 0


def _check(export: Path, text: str, n: int) -> None:
    """The numpy loop's rates against ours, on the rows it ran."""
    import csv
    import json

    ours = list(csv.DictReader(export.open()))
    worst = 0.0
    for key, rate in json.loads(text).items():
        j, i = map(int, key.split(","))
        mine = ours[j * n + i]["measured_rate"]
        if rate is not None and mine and ours[j * n + i]["status"] != "diverged":
            worst = max(worst, abs(float(mine) - rate))
    print(f"numpy loop's rates against ours (rows it ran, not diverged): largest difference "
          f"{worst:.2e}")


if __name__ == "__main__":
    os.environ.setdefault("MPLBACKEND", "Agg")
    sys.exit(main())
