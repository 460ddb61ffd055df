"""The results database against a plain sqlite3 user, in the same run (issue #24).

    python benchmarks/bench_database.py [--repeat 3] [--grid 300] [--big-grid 578]

Three rows, each side in processes of its own, alternately, ``--repeat`` times; medians:

1. **rows a second**: ``api.record`` of basins (hump; sgd, momentum and adam; a ``--grid``
   grid; 20 steps), from the basins found to the file closed, against a plain sqlite3 user
   writing the same rows into the same schema from the same numpy arrays (``executemany`` over
   ``zip`` of ``.tolist()`` columns, one transaction); the two files' runs are checked equal.
2. **querying it**, peak memory of the whole process: ``adamviz results FILE --by optimizer``
   against a plain ``GROUP BY`` in Python's sqlite3 (counts and shares, no medians).
3. **building a million-row database**, peak memory of the whole process: ``adamviz basins -s
   hump --grid 578 --steps 20 --no-plot --db FILE`` (3 x 578^2 = 1,002,252 rows) against the
   same command without ``--db`` (what the basins alone take).
"""

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
STEPS = 20
OPTS = ("sgd", "momentum", "adam")
PLAIN_GROUP_BY = """import sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute(
    "SELECT optimizer, count(*), avg(reached = 'global'), avg(reached = 'local'), "
    "avg(status = 'diverged') FROM runs GROUP BY optimizer").fetchall()
print(rows)
"""


def child(side: str, grid: int, path: str) -> None:
    """Find the basins (not timed), then time writing their rows to ``path``; print JSON."""
    from adamviz import api

    found = api.basins("hump", OPTS, grid=grid, steps=STEPS, keep_ends=True)
    t = time.perf_counter()
    if side == "ours":
        api.record(path, found, command="basins")
    else:
        plain_sqlite3(found, path)
    seconds = time.perf_counter() - t
    print(json.dumps({"seconds": seconds, "rows": int(found.categories.size)}))


def plain_sqlite3(found, path: str) -> None:
    """What a user of numpy and sqlite3 writes: the same rows, columns made with numpy, one
    ``executemany`` per optimizer in one transaction (SQLite's defaults)."""
    from itertools import repeat

    import numpy as np

    from adamviz import __version__
    from adamviz.database import ExperimentRecord, canonical, now
    from adamviz.database_schema import SCHEMA

    surface, e = found.surface, found.ends
    experiment = ExperimentRecord(command="basins", name="", surface=surface.name,
                                  config={"command": "basins", "name": "", **found.config()})
    minima = np.array([m.point for m in surface.minima])
    kinds = np.array([m.kind for m in surface.minima] + ["none", "none"], dtype=object)
    hyper = list(dict.fromkeys(k for o in found.optimizers for k in o.hyperparams))
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA)
    for key in hyper:
        conn.execute(f'ALTER TABLE runs ADD COLUMN "{key}"')
    when, n = now(), len(e.starts)
    with conn:
        exp_id = conn.execute(
            "INSERT INTO experiments (config_hash, command, name, surface, runs, "
            "adamviz_version, started, finished, config) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (experiment.config_hash, "basins", "", surface.name, found.categories.size,
             __version__, when, when, canonical(experiment.config))).lastrowid
        columns = ["id", "experiment_id", "position", "config_hash", "adamviz_version", "time",
                   "experiment", "surface", "optimizer", "label", "hyperparams", "tuned",
                   "start_x", "start_y", "end_x", "end_y", "final_loss", "reached", "distance",
                   "steps", "steps_to_tol", "status", *hyper]
        insert = (f"INSERT INTO runs ({', '.join(columns)}) "
                  f"VALUES ({', '.join('?' * len(columns))})")
        for i, opt in enumerate(found.optimizers):
            with np.errstate(all="ignore"):
                dist = np.linalg.norm(e.points[i][:, None] - minima[None], axis=2)
            nearest = np.where(np.isfinite(dist), dist, np.inf).min(axis=1)
            status = np.array(e.status[i], dtype=object)
            conn.executemany(insert, zip(
                range(i * n + 1, (i + 1) * n + 1), repeat(exp_id), range(i * n, (i + 1) * n),
                repeat(experiment.config_hash), repeat(__version__), repeat(when), repeat(""),
                repeat(surface.name), repeat(opt.name), repeat(found.labels[i]),
                repeat(json.dumps(opt.hyperparams)), repeat(""), e.starts[:, 0].tolist(),
                e.starts[:, 1].tolist(), e.points[i, :, 0].tolist(), e.points[i, :, 1].tolist(),
                e.losses[i].tolist(), kinds[found.categories[i].ravel()].tolist(),
                np.where(np.isfinite(nearest), nearest, None).tolist(), e.steps[i].tolist(),
                np.where(status == "converged", e.steps[i], None).tolist(), status.tolist(),
                *(repeat(opt.hyperparams.get(k)) for k in hyper)))
    conn.close()


def fresh(path: Path) -> str:
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        name.unlink(missing_ok=True)
    return str(path)


def timed_write(side: str, grid: int, path: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", side, str(grid), fresh(path)],
                         capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{side} failed:\n{out.stderr.strip()}")
    return json.loads(out.stdout)


def same_runs(a: Path, b: Path) -> bool:
    """Every run row alike in both files (but its time), value for value and type for type."""
    conn = sqlite3.connect(a)
    conn.execute("ATTACH ? AS b", (str(b),))
    columns = [r[1] for r in conn.execute("PRAGMA table_info(runs)") if r[1] != "time"]
    typed = ", ".join(f'"{c}", typeof("{c}")' for c in columns)
    differ = conn.execute(f"SELECT count(*) FROM (SELECT {typed} FROM main.runs EXCEPT "
                          f"SELECT {typed} FROM b.runs)").fetchone()[0]
    counts = [conn.execute(f"SELECT count(*) FROM {s}.runs").fetchone()[0] for s in ("main", "b")]
    return differ == 0 and counts[0] == counts[1]


def peak(command) -> tuple[float, float]:
    """Seconds and peak resident MiB of one whole process (benchmarks/_peak.py)."""
    out = subprocess.run([sys.executable, str(HERE / "_peak.py"), *command], check=True,
                         capture_output=True, text=True).stdout.split()
    return float(out[0]), int(out[1]) / 1024


def medians(runs) -> tuple[float, float]:
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--grid", type=int, default=300, help="starts a side, rows a second")
    parser.add_argument("--big-grid", type=int, default=578,
                        help="starts a side of the big database (3 optimizers)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), args.child[2])
        return 0
    r = args.repeat
    with tempfile.TemporaryDirectory() as tmp:
        ours_db, plain_db, big_db = (Path(tmp) / n for n in ("ours.db", "plain.db", "big.db"))
        writes = {"ours": [], "sqlite3": []}
        for _ in range(r):
            for side in writes:
                writes[side].append(timed_write(side, args.grid, ours_db if side == "ours"
                                                else plain_db))
        agree = same_runs(ours_db, plain_db)
        adamviz = [sys.executable, "-m", "adamviz"]
        basins = [*adamviz, "basins", "-s", "hump", "--grid", str(args.big_grid), "--steps",
                  str(STEPS), "--no-plot", "-q"]
        build = {"ours": [], "floor": []}
        for _ in range(r):
            build["ours"].append(peak([*basins, "--db", fresh(big_db)]))
            build["floor"].append(peak(basins))
        rows = sqlite3.connect(big_db).execute("SELECT count(*) FROM runs").fetchone()[0]
        query = {"ours": [], "sql": []}
        for _ in range(r):
            query["ours"].append(peak([*adamviz, "results", str(big_db), "--by", "optimizer"]))
            query["sql"].append(peak([sys.executable, "-c", PLAIN_GROUP_BY, str(big_db)]))
    report(args, writes, agree, build, rows, query)
    return 0


def report(args, writes, agree, build, rows, query) -> None:
    r = args.repeat
    n = writes["ours"][0]["rows"]
    rate = {side: statistics.median(w["rows"] / w["seconds"] for w in runs)
            for side, runs in writes.items()}
    print(f"medians of {r}, each side in processes of its own, alternately; "
          f"{os.cpu_count()} cores")
    print(f"1. basins --db rows a second ({n:,} rows: hump, grid {args.grid}, 3 optimizers)")
    print(f"   ours (api.record)             {rate['ours']:10,.0f} rows/s")
    print(f"   sqlite3 executemany           {rate['sqlite3']:10,.0f} rows/s   same rows: {agree}")
    print(f"   ours / sqlite3                {rate['ours'] / rate['sqlite3']:10.2f}   "
          f"(goal >= 0.7)")
    (t_ours, m_ours), (t_sql, m_sql) = medians(query["ours"]), medians(query["sql"])
    print(f"2. results --by optimizer on {rows:,} rows (the database of 3.), peak RSS")
    print(f"   ours                          {m_ours:10.0f} MiB  {t_ours:6.1f} s   "
          f"(goal <= 50 MiB)")
    print(f"   plain GROUP BY (sqlite3)      {m_sql:10.0f} MiB  {t_sql:6.1f} s")
    print(f"   ours / plain                  {m_ours / m_sql:10.2f}")
    (t_ours, m_ours), (t_floor, m_floor) = medians(build["ours"]), medians(build["floor"])
    print(f"3. building a {rows:,}-row database: basins --grid {args.big_grid} --steps {STEPS} "
          f"--db, peak RSS")
    print(f"   ours (with --db)              {m_ours:10.0f} MiB  {t_ours:6.1f} s   "
          f"(goal <= 300 MiB)")
    print(f"   the same without --db         {m_floor:10.0f} MiB  {t_floor:6.1f} s")
    print(f"   ours / without                {m_ours / m_floor:10.2f}")


if __name__ == "__main__":
    sys.exit(main())
