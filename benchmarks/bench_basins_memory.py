"""Peak memory of `adamviz basins` per start, against the estimate its grid limit is told with.

    python benchmarks/bench_basins_memory.py [--grid 1000] [--steps 500] [--repeat 1]

Workload (issue #24): ``adamviz basins -s hump --grid GRID --steps STEPS -o basins.png`` (sgd,
momentum and Adam from every start of a GRID x GRID grid, drawn), a fresh process each, its peak
resident memory measured whole (``_peak.py``). The same command on a 10 x 10 grid is the
yardstick: the process's own memory (Python, numpy, matplotlib, the figure). Bytes a start are
the difference over the starts added; the estimate is ``core.limits.basins_bytes`` (what a
too-large grid is refused with), over the same starts. The runs alternate, medians are printed.
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def peak_kib(grid: int, steps: int, folder: str) -> int:
    out = subprocess.run([sys.executable, str(HERE / "_peak.py"), sys.executable, "-m",
                          "adamviz", "basins", "-s", "hump", "--grid", str(grid), "--steps",
                          str(steps), "-o", str(Path(folder) / "basins.png"), "-q"],
                         check=True, capture_output=True, text=True)
    return int(out.stdout.split()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    from adamviz.core.limits import basins_bytes

    small, large = [], []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.repeat):
            small.append(peak_kib(10, args.steps, folder))
            large.append(peak_kib(args.grid, args.steps, folder))
    n = args.grid**2
    base, peak = statistics.median(small) * 1024, statistics.median(large) * 1024
    per_start = (peak - base) / (n - 100)
    estimate = basins_bytes(n) / n
    print(f"adamviz basins -s hump, 3 optimizers x {args.steps} steps, drawn (fresh processes, "
          f"medians of {args.repeat}):")
    print(f"  {args.grid} x {args.grid} grid: peak {peak / 2**20:6.1f} MiB")
    print(f"  10 x 10 grid:      peak {base / 2**20:6.1f} MiB  (the process's own)")
    print(f"  per start: {per_start:.0f} bytes measured, {estimate:.0f} estimated "
          f"(core.limits.basins_bytes); measured / estimate = {per_start / estimate:.2f}")


if __name__ == "__main__":
    main()
