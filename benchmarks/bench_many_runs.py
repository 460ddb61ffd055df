"""A GIF of 400 runs: `adamviz batch` (100 starts x 4 optimizers on the hump, output gif)
against a plain FuncAnimation + PillowWriter of the same runs and frame count (many_minimal.py).

    python benchmarks/bench_many_runs.py [--repeat N] [--before DIR]

Whole processes, alternating, medians; prints wall time, CPU time (user + system), peak memory
and GIF size of each side, and the ratio. --before DIR also times an earlier adamviz source
tree (a checkout holding adamviz/ and surfaces/) on the same batch file, to see what changed.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from bench_animation import ADAMVIZ
from many_minimal import GRID, OPTIMIZERS

HERE = Path(__file__).resolve().parent
BATCH = f"""[[experiment]]
name = "many"
surface = "hump"
optimizers = {OPTIMIZERS!r}
starts = {{ x = {GRID["x"]!r}, y = {GRID["y"]!r} }}
outputs = ["gif"]
""".replace("'", '"')


def measure(cmd, env=None, cwd=None):
    import subprocess

    out = subprocess.run([sys.executable, str(HERE / "_peak.py"), *cmd], check=True,
                         capture_output=True, text=True, env=env, cwd=cwd).stdout.split()
    return float(out[0]), int(out[1]) / 1024, float(out[2])  # wall s, peak MiB, CPU s


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side (median)")
    parser.add_argument("--before", type=Path, help="an earlier adamviz source tree")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="adamviz-bench-"))
    batch = work / "many.toml"
    batch.write_text(BATCH)
    sides = {"adamviz batch (gif, 400 runs)": ([ADAMVIZ, "batch", str(batch), "-o",
                                                str(work / "ours")], None,
                                               work / "ours" / "many" / "runs.gif"),
             "FuncAnimation + PillowWriter": ([sys.executable, str(HERE / "many_minimal.py"),
                                               str(work / "plain.gif")], None,
                                              work / "plain.gif")}
    if args.before:  # run from the tree itself: python -m puts the working folder first
        env = {**os.environ, "PYTHONPATH": str(args.before.resolve())}
        sides["earlier adamviz (--before)"] = ([sys.executable, "-m", "adamviz", "batch",
                                                str(batch), "-o", str(work / "before")], env,
                                               work / "before" / "many" / "runs.gif")
    measure(sides["adamviz batch (gif, 400 runs)"][0])  # warms the derivative cache
    runs = {name: [] for name in sides}
    for _ in range(args.repeat):
        for name, (cmd, env, _) in sides.items():
            runs[name].append(measure(cmd, env, env and env["PYTHONPATH"]))
    print(f"{'':32s}{'wall':>9s}{'CPU':>9s}{'peak MiB':>10s}{'GIF bytes':>12s}")
    medians = {}
    for name, (_, _, gif) in sides.items():
        wall, cpu = (statistics.median(r[i] for r in runs[name]) for i in (0, 2))
        medians[name] = cpu
        peak = max(r[1] for r in runs[name])
        print(f"{name:32s}{wall:8.2f}s{cpu:8.2f}s{peak:10.1f}{gif.stat().st_size:12,d}")
    ours, plain = (medians[n] for n in list(sides)[:2])
    line = f"CPU: FuncAnimation / ours {plain / ours:.1f}x"
    if args.before:
        line += f"; earlier / ours {medians['earlier adamviz (--before)'] / ours:.2f}x (goal >= 2x)"
    print(line)
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
