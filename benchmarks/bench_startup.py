"""Start-up and first use: what a user waits for before anything is computed.

    python benchmarks/bench_startup.py [--repeat 9]

- ``adamviz --help`` and ``adamviz surfaces``, whole processes (median of --repeat).
- The first use of a formula never seen before, against a second use of the same formula, in
  one process: the first derives the value, gradient and Hessian programs by automatic
  differentiation and compiles them; the second only evaluates. (Before #8 the first use ran
  sympy, 0.4-0.5 s, and cached the result on disk.)
- The same as whole processes: ``adamviz run`` on a new surface file, twice.
"""

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ADAMVIZ = shutil.which("adamviz") or "adamviz"


def whole(cmd, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def new_formula(rng: random.Random) -> str:
    """A formula no cache or earlier run has seen (random constants)."""
    a, b, c = (round(rng.uniform(0.5, 3.0), 6) for _ in range(3))
    return f"({a}*x - y)**2 + {b}*log(1 + x**2 + y**2) + sin({c}*x*y)"


def first_and_second_use(rng) -> tuple[float, float, float]:
    import numpy as np

    from adamviz.surfaces import from_dict

    points = np.random.default_rng(0).uniform(-2, 2, (1000, 2))
    surface = from_dict({"name": "fresh", "expr": new_formula(rng), "xlim": [-2, 2],
                         "ylim": [-2, 2]})
    t = time.perf_counter()
    surface.gradient(points)
    surface.hessian(points)
    first = time.perf_counter() - t
    t = time.perf_counter()
    surface.gradient(points)
    surface.hessian(points)
    second = time.perf_counter() - t
    t = time.perf_counter()
    from adamviz.core.autodiff import derive

    derive(surface.formula, 2)
    return first, second, time.perf_counter() - t


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    for cmd in (["--help"], ["surfaces"]):
        seconds = whole([ADAMVIZ, *cmd], args.repeat)
        print(f"adamviz {' '.join(cmd):10s} {seconds * 1000:6.0f} ms  (whole process, median of "
              f"{args.repeat}; target < 150 ms)")
    rng = random.Random(8)
    uses = [first_and_second_use(rng) for _ in range(args.repeat)]
    first = statistics.median(u[0] for u in uses)
    second = statistics.median(u[1] for u in uses)
    derive = statistics.median(u[2] for u in uses)
    print(f"first use of a new formula  {first * 1000:6.1f} ms, second use "
          f"{second * 1000:5.1f} ms: "
          f"the first adds {(first - second) * 1000:.1f} ms (target < 30 ms; deriving alone "
          f"{derive * 1000:.1f} ms)")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fresh.toml"
        path.write_text(f'name = "fresh"\nexpr = "{new_formula(rng)}"\nxlim = [-2, 2]\n'
                        f'ylim = [-2, 2]\n')
        cmd = [ADAMVIZ, "run", "-s", str(path), "--opt", "adam:lr=0.05", "--no-plot", "-q"]
        once, twice = whole(cmd, 1), whole(cmd, 1)
        print(f"adamviz run on a new surface file: {once * 1000:.0f} ms, again {twice * 1000:.0f} "
              f"ms (whole processes; nothing is cached between them)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
