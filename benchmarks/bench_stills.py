"""Still pictures against the cost of matplotlib itself, in the same run.

    python benchmarks/bench_stills.py [--repeat 7]

Yardstick (issues #10, #24): a process that imports pyplot and saves an empty figure. Ours:
``adamviz run --surface hump --opt sgd --opt momentum --opt adam -o run.png`` and ``adamviz
figures`` (all of them, warm). Each is a whole process; they alternate, so machine noise hits both
sides alike, and the medians and their ratios are printed (targets: run <= 1.5x, figures <= 5x).

Both sides start from bytecode: matplotlib's and numpy's was written when they were installed,
and adamviz's is compiled here first (as ``pip install`` does). An editable checkout run with
PYTHONDONTWRITEBYTECODE set would otherwise compile every adamviz module from source at every
start (about 0.1 s), which is the compiler's time, not adamviz's.
"""

import argparse
import compileall
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

YARDSTICK = [sys.executable, "-c", "import matplotlib; matplotlib.use('Agg'); "
             "import matplotlib.pyplot as plt; plt.figure().savefig('x.png')"]


def timed(cmd, folder) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, cwd=folder)
    return time.perf_counter() - t


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    import adamviz
    from adamviz.studies.recipes import available

    compileall.compile_dir(adamviz.__path__[0], quiet=1)
    exe = shutil.which("adamviz") or "adamviz"
    run = [exe, "run", "--surface", "hump", "--opt", "sgd", "--opt", "momentum", "--opt",
           "adam", "-q", "-o", "run.png"]
    figures = [exe, "figures", "-q", "-o", "figures"]
    with tempfile.TemporaryDirectory() as folder:
        timed(figures, folder)  # warm: fonts and the file cache
        sides = {"yardstick": [], "run": [], "figures": []}
        for i in range(args.repeat):
            sides["yardstick"].append(timed(YARDSTICK, folder))
            sides["run"].append(timed(run, folder))
            if i < max(3, args.repeat // 2):
                sides["figures"].append(timed(figures, folder))
    median = {k: statistics.median(v) for k, v in sides.items()}
    y = median["yardstick"]
    print(f"yardstick (pyplot, empty figure saved)  {y:6.3f} s  (median of {args.repeat})")
    print(f"adamviz run, hump, 3 optimizers         {median['run']:6.3f} s  "
          f"{median['run'] / y:5.2f}x  (target <= 1.5x)")
    label = f"adamviz figures, all {len(available())}"
    print(f"{label:39s} {median['figures']:6.3f} s  "
          f"{median['figures'] / y:5.2f}x  (target <= 5x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
