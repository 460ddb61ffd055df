"""The results database at scale (issue #24): basins' rows written a chunk at a time from their
arrays, and ``adamviz results --by`` answered by SQLite a row at a time, both exactly as the
``Summary`` rows and the plain Python grouping they replace."""

import math
import sqlite3
import statistics
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adamviz import api, database_rows, queries
from adamviz.database import Database, ExperimentRecord
from adamviz.results import Summary


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """28,800 basin runs recorded (the hump, sgd and adam, a 120 x 120 grid)."""
    found = api.basins("hump", ["sgd", "adam"], grid=120, steps=5, keep_ends=True)
    path = tmp_path_factory.mktemp("many") / "r.db"
    api.record(path, found, command="basins")
    return found, path


def traced_peak(work) -> int:
    """The most memory Python objects took while ``work()`` ran, in bytes."""
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_recording_basins_holds_no_python_object_per_run(many, tmp_path, monkeypatch):
    """A million basin runs are written from their arrays a chunk at a time: no ``Summary``
    (about a kilobyte) or tuple of Python values per run for all of them at once."""
    found, _ = many
    monkeypatch.setattr(database_rows, "CHUNK", 1000)
    peak = traced_peak(lambda: api.record(tmp_path / "r.db", found, command="basins"))
    assert peak < 2_000_000  # 28,800 runs: 25 MB as Summary rows
    assert sqlite3.connect(tmp_path / "r.db").execute("SELECT count(*) FROM runs").fetchone() \
        == (found.categories.size,)


def test_results_by_reads_no_run_into_python(many):
    """SQLite groups and sorts the runs; Python reads a group's counts and middle values."""
    _, path = many
    with Database(path, create=False) as db:
        peak = traced_peak(lambda: queries.groups(db, ["optimizer"]))
    assert peak < 1_000_000  # 28,800 runs: 14 MB when read into Python


def runs_table(path) -> list[tuple]:
    conn = sqlite3.connect(path)
    columns = [r[1] for r in conn.execute("PRAGMA table_info(runs)") if r[1] != "time"]
    typed = ", ".join(f'"{c}", typeof("{c}")' for c in columns)
    return [tuple(map(repr, row)) for row in conn.execute(f"SELECT {typed} FROM runs")]


@pytest.mark.parametrize("surface, opts", [
    ("himmelblau", ["adam:lr=0.5", "sgd:lr=0.05", "rprop"]),  # converged, global and local
    ("rosenbrock", ["sgd:lr=0.01", "nesterov"]),  # diverged
    ("plane", ["adam", "sgd"]),  # no minimum listed: whether one was reached is not known
])
def test_basins_as_columns_are_the_rows_of_their_summaries(tmp_path, surface, opts):
    found = api.basins(surface, opts, grid=12, steps=300, tol=1e-6, keep_ends=True)
    api.record(tmp_path / "columns.db", found, command="basins")
    experiment = ExperimentRecord(command="basins", name="", surface=found.surface.name,
                                  config={"command": "basins", "name": "", **found.config()})
    with Database(tmp_path / "rows.db") as db:
        db.record(experiment, found.summaries())
    assert runs_table(tmp_path / "columns.db") == runs_table(tmp_path / "rows.db")
    statuses = {s.status for s in found.summaries()}
    if surface == "plane":
        assert {s.reached for s in found.summaries()} == {None}
        return
    assert statuses >= ({"converged"} if surface == "himmelblau" else {"diverged"})


def groups_in_python(db: Database, by) -> list[tuple]:
    """``queries.groups`` as it was: every run read into Python, grouped, medians by
    ``statistics``."""
    by = ["command", "name", *by]
    found: dict[tuple, list] = {}
    keys = ", ".join(f'"{c}"' for c in by)
    for row in db.execute(f"SELECT {keys}, reached, status, steps, final_loss FROM "
                          f"{queries.RUNS} WHERE {queries.LATEST} ORDER BY id"):
        found.setdefault(tuple(row[:len(by)]), []).append(tuple(row[len(by):]))
    rows = []
    for key, members in found.items():
        n = len(members)
        losses = [math.inf if m[3] is None else m[3] for m in members]
        known = sum(m[0] is not None for m in members)  # on surfaces that list minima
        rows.append((*key, n, sum(m[0] == "global" for m in members) / known if known else None,
                     sum(m[0] == "local" for m in members) / known if known else None,
                     sum(m[1] == "diverged" for m in members) / n,
                     statistics.median(m[2] for m in members), statistics.median(losses)))
    rows.sort(key=lambda r: (r[:2], -(r[len(by) + 1] or 0), -r[len(by)]))
    return rows


run = st.fixed_dictionaries({
    "optimizer": st.sampled_from(["sgd", "adam"]),
    "lr": st.sampled_from([1, 1.0, 0.5, True, "0.5"]),  # 1 and 1.0 (and True) are one group
    "loss": st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 0.0, 0.5, 2.0, 1e300]),
    "steps": st.integers(0, 6),
    "reached": st.sampled_from(["global", "local", "none", None]),  # None: no minima listed
    "status": st.sampled_from(["diverged", "max steps", "converged"]),
})


@settings(max_examples=60, deadline=None)
@given(runs=st.lists(run, min_size=1, max_size=25))
def test_groups_are_exactly_what_python_made_of_every_run(tmp_path_factory, runs):
    """Counts, shares and medians (odd and even groups, NaN losses last, -0.0 and 0.0, a key
    as its first run has it) the same to the bit and type as reading every run into Python."""
    summaries = [Summary(surface="hump", optimizer=r["optimizer"], label=r["optimizer"],
                         hyperparams={"lr": r["lr"]}, start=(0.0, 0.0), end=(1.0, 1.0),
                         final_loss=r["loss"], reached=r["reached"], distance=None,
                         steps=r["steps"], steps_to_tol=None, status=r["status"])
                 for r in runs]
    path = tmp_path_factory.mktemp("groups") / "r.db"
    with Database(path) as db:
        db.record(ExperimentRecord(command="run", name="", surface="hump", config={}),
                  summaries)
        for by in (["optimizer"], ["lr"], ["optimizer", "lr"], ["final_loss"], ["steps"]):
            ours = queries.groups(db, by).rows
            assert [tuple(map(repr, r)) for r in ours] == \
                [tuple(map(repr, r)) for r in groups_in_python(db, by)], by
