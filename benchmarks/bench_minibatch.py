"""Minibatch steps over many runs: adamviz's engine against a plain torch loop with a DataLoader,
both whole processes, in the same run.

    python benchmarks/bench_minibatch.py [--runs 40000] [--steps 500] [--sample 40] [--repeat 3]

Workload (issue #23): least squares ``mean((w*x + b - y)**2)`` on a 1,000-row data set (made
here with a fixed seed), SGD (lr 0.01) with minibatches of 8 rows, every run shuffling the rows
each epoch from its own generator, ``--runs`` runs x ``--steps`` steps, end points kept.

- **adamviz**: ``engine.run(surface, sgd, starts, steps, batch_size=8, record="ends")``: one
  vectorized batch of every run, a step costing O(runs x 8).
- **torch**: what a torch user writes for one run (a ``TensorDataset``, a ``DataLoader`` with
  ``shuffle=True`` and a seeded ``generator``, two parameters, ``torch.optim.SGD``), looped over
  the runs. It is timed on ``--sample`` runs and scaled to ``--runs`` (the loop's cost is the
  same for every run); the scaling is printed.
Each side is a fresh process (imports included), alternately ``--repeat`` times; medians and
their ratio are printed. Both minimize the same loss: the benchmark checks that the runs' mean end
point agrees (the batches differ: numpy's and torch's shuffles are different generators).
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
ROWS, BATCH, LR = 1000, 8, 0.01


def make_data(folder: Path) -> Path:
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.normal(size=ROWS)
    y = 2.0 * x - 1.0 + 0.5 * rng.normal(size=ROWS)
    path = folder / "rows.csv"
    rows = "".join(f"{float(a)!r},{float(b)!r}\n" for a, b in zip(x, y, strict=True))
    path.write_text("x,y\n" + rows)
    return path


def ours(csv: str, runs: int, steps: int) -> dict:
    t0 = time.perf_counter()
    import numpy as np

    from adamviz import datasets, engine, optimizers
    from adamviz.surfaces import Surface

    table = datasets.read_csv(csv)
    surface = Surface.from_data(table, expr="mean((w*x + b - y)**2)", params=["w", "b"],
                                xlim=[-5, 5], ylim=[-5, 5])
    starts = np.random.default_rng(1).uniform(-3, 3, (runs, 2))
    out = engine.run(surface, optimizers.make("sgd", lr=LR), starts, steps, batch_size=BATCH,
                     tol=None, record="ends")
    return {"seconds": time.perf_counter() - t0, "mean_end": out.ends.mean(axis=0).tolist()}


def theirs(csv: str, runs: int, steps: int) -> dict:
    t0 = time.perf_counter()
    import numpy as np
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    torch.set_default_dtype(torch.float64)
    data = np.loadtxt(csv, delimiter=",", skiprows=1)
    dataset = TensorDataset(torch.tensor(data[:, 0]), torch.tensor(data[:, 1]))
    starts = np.random.default_rng(1).uniform(-3, 3, (runs, 2))
    ends, t1 = [], time.perf_counter()
    for r in range(runs):
        w = torch.tensor(starts[r, 0], requires_grad=True)
        b = torch.tensor(starts[r, 1], requires_grad=True)
        opt = torch.optim.SGD([w, b], lr=LR)
        loader = DataLoader(dataset, batch_size=BATCH, shuffle=True,
                            generator=torch.Generator().manual_seed(r))
        taken = 0
        while taken < steps:
            for x, y in loader:
                opt.zero_grad()
                loss = torch.mean((w * x + b - y) ** 2)
                loss.backward()
                opt.step()
                taken += 1
                if taken == steps:
                    break
        ends.append([float(w), float(b)])
    t2 = time.perf_counter()
    return {"seconds": t2 - t0, "setup": t1 - t0, "loop": t2 - t1,
            "mean_end": np.mean(ends, axis=0).tolist()}


def child(args) -> None:
    work = ours if args.child == "ours" else theirs
    print(json.dumps(work(args.csv, args.runs, args.steps)))


def measure(side: str, csv: Path, runs: int, steps: int, total: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", side, "--csv", str(csv),
                          "--runs", str(runs), "--steps", str(steps)],
                         check=True, capture_output=True, text=True, cwd=REPO)
    found = json.loads(out.stdout.strip().splitlines()[-1])
    # the process (start, imports, data) plus the per-run loop scaled to every run
    found["scaled"] = found.get("setup", 0.0) + found.get("loop", 0.0) * total / runs \
        if "loop" in found else found["seconds"]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40_000)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--sample", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", choices=["ours", "theirs"])
    parser.add_argument("--csv")
    args = parser.parse_args()
    if args.child:
        return child(args)
    with tempfile.TemporaryDirectory() as folder:
        csv = make_data(Path(folder))
        times = {"ours": [], "theirs": []}
        for _ in range(args.repeat):
            a = measure("ours", csv, args.runs, args.steps, args.runs)
            b = measure("theirs", csv, args.sample, args.steps, args.runs)
            times["ours"].append(a["scaled"])
            times["theirs"].append(b["scaled"])
    ours_s, theirs_s = (statistics.median(times[k]) for k in ("ours", "theirs"))
    print(f"{args.runs:,} runs x {args.steps} SGD steps, batch {BATCH} of {ROWS:,} rows "
          f"(whole processes, medians of {args.repeat}):")
    print(f"  adamviz engine:          {ours_s:8.2f} s   mean end {a['mean_end']}")
    print(f"  torch loop + DataLoader: {theirs_s:8.2f} s   ({args.sample} runs timed, "
          f"loop scaled x{args.runs / args.sample:g}; mean end {b['mean_end']})")
    print(f"  ratio: adamviz is {theirs_s / ours_s:.1f}x faster")


if __name__ == "__main__":
    main()
