"""The engine against the previous engine and against a plain loop, in the same run.

    python benchmarks/bench_batch.py [--old REV] [--repeat 3] [--sample 400]

Workload (issues #5, #8 and #20): the beale surface, 40,000 starts (a 200x200 grid over the
box), 500 Adam steps at the surface's default lr, end points only.

- **new**: this checkout's ``engine.run(..., record="ends")``.
- **old**: the same call in commit REV (default 433af6d, the last commit whose optimizers were
  hand-written numpy), extracted with ``git archive`` into a temporary folder. A REV from
  before ``engine.run`` (af41ee9, the last commit with two engines) runs its
  ``engine.optimize_final`` instead; it needs sympy (``pip install sympy``).
Each side runs in a process of its own, alternately, ``--repeat`` times; the medians and their
ratio are printed. Also the plain loop (one start at a time, the same pure update), timed on
``--sample`` starts and scaled to 40,000, with its end points checked against the engine's.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STEPS, GRID = 500, 200


def child(side: str, root: str, save: str) -> None:
    """Time the workload once in this process (after a small warm-up); print JSON and save the
    end points to ``save`` (.npy)."""
    sys.path.insert(0, root)
    import numpy as np

    from adamviz import engine, optimizers

    if side == "old" and not hasattr(engine, "run"):
        from adamviz import api, compare

        surface = api.load_surface("beale")
        starts = compare.grid_starts(surface, n=GRID)

        def work(n, steps):
            return engine.optimize_final(surface, opt, starts[:n], steps).points
    else:
        from adamviz.studies.basins import grid_starts
        from adamviz.studies.runs import load_surface

        surface = load_surface("beale")
        starts = grid_starts(surface, n=GRID)

        def work(n, steps):
            return engine.run(surface, opt, starts[:n], steps, record="ends").ends
    opt = optimizers.make("adam", lr=surface.lr["adam"])
    work(10, 5)  # derivatives compiled (old: sympy, cached on disk after the first run)
    t = time.perf_counter()
    ends = work(len(starts), STEPS)
    seconds = time.perf_counter() - t
    np.save(save, ends)
    print(json.dumps({"seconds": seconds}))


def extract(rev: str, into: Path) -> Path:
    data = subprocess.run(["git", "-C", str(REPO), "archive", rev, "adamviz", "surfaces",
                           "optimizers"],
                          check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def timed(side: str, root: Path, save: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", side, str(root), str(save)],
                         capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"the {side} engine failed:\n{out.stderr.strip()}")
    return json.loads(out.stdout)


def plain_loop(sample: int) -> tuple[float, bool]:
    """One start at a time with the pure update, on ``sample`` spread-out starts, scaled."""
    import numpy as np

    from adamviz import engine, optimizers
    from adamviz.studies.basins import grid_starts
    from adamviz.studies.runs import load_surface

    surface = load_surface("beale")
    opt = optimizers.make("adam", lr=surface.lr["adam"])
    starts = grid_starts(surface, n=GRID)
    pick = np.linspace(0, len(starts) - 1, sample).astype(int)
    t = time.perf_counter()
    ends = []
    for start in starts[pick]:
        p = start[None, :].copy()
        state = opt.init(p)
        for _ in range(STEPS):
            p, state = opt.update(surface.gradient(p), state, p)  # the new point
        ends.append(p[0])
    seconds = (time.perf_counter() - t) * len(starts) / sample
    ours = engine.run(surface, opt, starts[pick], STEPS, record="ends").ends
    return seconds, bool(np.allclose(np.array(ends), ours, rtol=1e-9, atol=1e-12, equal_nan=True))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", default="433af6d", help="commit of the previous engine")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sample", type=int, default=400, help="starts in the plain loop")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    import numpy as np

    with tempfile.TemporaryDirectory() as tmp:
        old_root = extract(args.old, Path(tmp))
        old, new = [], []
        for _ in range(args.repeat):
            old.append(timed("old", old_root, Path(tmp) / "old.npy"))
            new.append(timed("new", REPO, Path(tmp) / "new.npy"))
        ends_old, ends_new = np.load(Path(tmp) / "old.npy"), np.load(Path(tmp) / "new.npy")
    t_old = statistics.median(r["seconds"] for r in old)
    t_new = statistics.median(r["seconds"] for r in new)
    print(f"workload: beale, {GRID * GRID:,} starts x {STEPS} Adam steps, end points only")
    print(f"old engine ({args.old})                  {t_old:7.3f} s  (median of {args.repeat})")
    print(f"new engine (engine.run, record='ends')    {t_new:7.3f} s  (median of {args.repeat})")
    print(f"new / old                                 {t_new / t_old:7.2f}   (target <= 1.0)")
    both = np.isfinite(ends_old).all(axis=1) & np.isfinite(ends_new).all(axis=1)
    gap = np.abs(ends_old[both] - ends_new[both]) / np.maximum(np.abs(ends_old[both]), 1e-300)
    print(f"end points, new against old: {both.mean():.1%} of runs finite in both; median "
          f"relative difference {np.median(gap):.1e}, largest {gap.max():.1e}")
    loop, agree = plain_loop(args.sample)
    print(f"plain loop, one start at a time          {loop:7.1f} s  (timed on {args.sample} "
          f"starts, scaled; same end points: {agree})")
    print(f"speed-up over the plain loop              {loop / t_new:7.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
