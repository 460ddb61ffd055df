"""A results database: every run's summary row appended to SQLite (the standard library's).

Tables (created on first use; ``meta`` holds the schema version):

- ``experiments``: one row per experiment carried out (a batch experiment, or one ``run``,
  ``sweep`` or ``basins`` command) with its config hash, the canonical config it hashes, the
  command, the adamviz version and the times it started and finished.
- ``runs``: one row per run, the columns of the summary (``results.Summary``) with every
  hyperparameter a column of its own (added the first time one is seen), plus the experiment
  it belongs to, its config hash, the adamviz version and the time.
- ``paths`` (only with ``paths=``): every step of every run, ``run_id, step, x, y, loss``.

An experiment and all its runs are written in one transaction, so an interrupted or failed
write leaves no part of it; an experiment row therefore means the experiment is complete.
Writers take the write lock up front (``BEGIN IMMEDIATE``) in WAL mode and retry while another
process holds it, so concurrent writers never lose a row.

Numbers are exact: floats go in columns without a declared type (a ``REAL`` column would turn
-0.0 into 0.0), and NaN, which SQLite stores as NULL, comes back as NaN where a number is never
missing. The hyperparameters are also kept as JSON, in their order, so a summary read back is
the summary written.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sqlite3
import time
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path

from . import __version__
from .core.errors import InputError, RunError
from .core.io import check_writable
from .results import Summary

SCHEMA_VERSION = 1
BUSY_SECONDS = 10  # how long one attempt waits for another writer's lock
ATTEMPTS = 6  # attempts to take the write lock before giving up

# Columns every run row has besides the summary's. Summary fields map to these SQL types:
# text and whole numbers typed, floats (and points) untyped, to keep them exact.
RUN_EXTRA = {"id": "INTEGER PRIMARY KEY", "experiment_id": "INTEGER NOT NULL REFERENCES "
             "experiments(id)", "position": "INTEGER NOT NULL", "config_hash": "TEXT NOT NULL",
             "adamviz_version": "TEXT NOT NULL", "time": "TEXT NOT NULL"}
_TYPES = {"str": "TEXT", "int": "INTEGER", "int | None": "INTEGER", "dict": "TEXT"}
EXPERIMENT_COLUMNS = ("id", "config_hash", "command", "name", "surface", "runs",
                      "adamviz_version", "started", "finished", "config")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def summary_sql_columns() -> dict[str, str]:
    """The summary's columns in the runs table, in order, with their SQL types."""
    out = {}
    for f in fields(Summary):
        if f.name in ("start", "end"):
            out.update({f"{f.name}_x": "", f"{f.name}_y": ""})
        else:
            out[f.name] = _TYPES.get(str(f.type), "")
    return out


SUMMARY_TYPES = summary_sql_columns()
SUMMARY_COLUMNS = tuple(SUMMARY_TYPES)

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS experiments (
  id INTEGER PRIMARY KEY, config_hash TEXT NOT NULL, command TEXT NOT NULL, name TEXT NOT NULL,
  surface TEXT NOT NULL, runs INTEGER NOT NULL, adamviz_version TEXT NOT NULL,
  started TEXT NOT NULL, finished TEXT NOT NULL, config TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS experiments_by_hash ON experiments (config_hash);
CREATE TABLE IF NOT EXISTS runs (
  {", ".join(f'"{k}" {v}'.strip() for k, v in {**RUN_EXTRA, **SUMMARY_TYPES}.items())});
CREATE INDEX IF NOT EXISTS runs_by_experiment ON runs (experiment_id, position);
CREATE TABLE IF NOT EXISTS paths (
  run_id INTEGER NOT NULL REFERENCES runs(id), step INTEGER NOT NULL, x, y, loss,
  PRIMARY KEY (run_id, step)) WITHOUT ROWID;
"""


TABLES = {
    "meta": "`schema_version` (now 1) and the adamviz that made the file",
    "experiments": "one row per experiment carried out: `id`, `config_hash`, `command` (batch, "
                   "run, sweep, basins), `name`, `surface`, `runs`, `adamviz_version`, "
                   "`started`, `finished`, and `config`, the canonical JSON that was hashed",
    "runs": "one row per run: the summary's columns (below), each hyperparameter a column, "
            "`hyperparams` as JSON, and `experiment_id`, `position`, `config_hash`, "
            "`adamviz_version`, `time`",
    "paths": "with `--db-paths`: every step of every run, `run_id, step, x, y, loss`",
}


def markdown_table() -> str:
    lines = ["| table | holds |", "| --- | --- |"]
    return "\n".join(lines + [f"| `{k}` | {v} |" for k, v in TABLES.items()])


def canonical(config) -> str:
    """``config`` as JSON with sorted keys and exact floats: the text a config hash is of."""
    return json.dumps(config, sort_keys=True, separators=(",", ":"), allow_nan=True)


def config_hash(config) -> str:
    return hashlib.sha256(canonical(config).encode()).hexdigest()[:16]


@dataclass(frozen=True, kw_only=True)
class Experiment:
    """What was carried out: a command and the config that decides its runs."""

    command: str  # batch, run, sweep or basins
    name: str
    surface: str
    config: dict

    @property
    def config_hash(self) -> str:
        return config_hash(self.config)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Database:
    """An open results database (``with Database(path) as db: ...``)."""

    def __init__(self, path, create: bool = True):
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise InputError(f"No results database at {str(path)!r}; write one with "
                             f"'adamviz batch FILE --db {path}'.")
        if self.path.is_dir():
            raise InputError(f"{str(path)!r} is a folder; --db takes a file such as results.db.")
        if create:
            check_writable(self.path)
        self.conn = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None)
        self._wal = False
        self.conn.row_factory = sqlite3.Row
        try:
            self._open(create)
        except sqlite3.DatabaseError as exc:  # not SQLite, or unreadable
            self.conn.close()
            raise InputError(f"{str(path)!r} is not a results database ({exc}).") from None
        except BaseException:
            self.conn.close()
            raise

    def _open(self, create: bool) -> None:
        tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master "
                                                   "WHERE type = 'table'")}
        if not tables and not create:
            raise InputError(f"{str(self.path)!r} is not a results database (it is empty).")
        if tables and "meta" not in tables:
            raise InputError(f"{str(self.path)!r} is an SQLite file but not an adamviz results "
                             f"database (it has {', '.join(sorted(tables))}).")
        if "meta" in tables:
            self._check_version()
            return
        self._write(self._create)

    def _create(self) -> None:
        for statement in SCHEMA.split(";"):
            if statement.strip():
                self.conn.execute(statement)
        self.conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                          (str(SCHEMA_VERSION),))
        self.conn.execute("INSERT OR IGNORE INTO meta VALUES ('created_by', ?)",
                          (f"adamviz {__version__}",))

    def _check_version(self) -> None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None or row[0] != str(SCHEMA_VERSION):
            found = "no version" if row is None else f"schema version {row[0]}"
            raise InputError(f"{str(self.path)!r} has {found}; this adamviz reads and writes "
                             f"version {SCHEMA_VERSION}.")

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    def _write(self, work):
        """Run ``work()`` in one write transaction, waiting and retrying while another process
        writes; any exception (Ctrl-C included) rolls the whole transaction back."""
        for attempt in range(ATTEMPTS):
            try:
                if not self._wal:  # once per connection (it persists in the file)
                    self.conn.execute("PRAGMA journal_mode = WAL")
                    self._wal = True
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                time.sleep(0.05 * 2 ** attempt)
                continue
            try:
                out = work()
                self.conn.execute("COMMIT")
                return out
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
        raise RunError(f"{self.path} stayed locked by another writer for "
                       f"{ATTEMPTS * BUSY_SECONDS} s; nothing was written.")

    def columns(self, table: str = "runs") -> list[str]:
        return [r[1] for r in self.conn.execute(f"PRAGMA table_info({table})")]

    def record(self, experiment: Experiment, summaries, paths=None, started: str | None = None
               ) -> int:
        """Append ``experiment`` and its runs (and, given, each run's ``(points, losses)``) in
        one transaction; its id."""
        summaries = list(summaries)
        hyper = list(dict.fromkeys(k for s in summaries for k in s.hyperparams))
        fixed = set(RUN_EXTRA) | set(SUMMARY_COLUMNS)
        for key in hyper:
            if not _NAME.fullmatch(key) or key in fixed:
                raise InputError(f"The hyperparameter {key!r} cannot be a column of the "
                                 f"results database (it clashes with a column or is not a "
                                 f"plain name).")

        def work() -> int:
            have = set(self.columns())
            for key in hyper:
                if key not in have:
                    self.conn.execute(f'ALTER TABLE runs ADD COLUMN "{key}"')
            finished = now()
            cursor = self.conn.execute(
                "INSERT INTO experiments (config_hash, command, name, surface, runs, "
                "adamviz_version, started, finished, config) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (experiment.config_hash, experiment.command, experiment.name, experiment.surface,
                 len(summaries), __version__, started or finished, finished,
                 canonical(experiment.config)))
            exp_id = cursor.lastrowid
            first = (self.conn.execute("SELECT max(id) FROM runs").fetchone()[0] or 0) + 1
            names = [*RUN_EXTRA, *SUMMARY_COLUMNS, *hyper]
            head = (exp_id, experiment.config_hash, __version__, finished)
            as_json: dict[int, str] = {}  # the runs of one optimizer share one dict
            rows = [_row(first + i, i, head, s, hyper, as_json) for i, s in enumerate(summaries)]
            self.conn.executemany(
                f"INSERT INTO runs ({', '.join(f'{chr(34)}{n}{chr(34)}' for n in names)}) "
                f"VALUES ({', '.join('?' * len(names))})", rows)
            if paths is not None:
                self.conn.executemany("INSERT INTO paths VALUES (?, ?, ?, ?, ?)",
                                      _path_rows(first, paths))
            return exp_id

        return self._write(work)

    def completed(self, hashes) -> set[str]:
        """The config hashes among ``hashes`` with an experiment recorded."""
        hashes = list(hashes)
        found = set()
        for i in range(0, len(hashes), 500):  # SQLite's limit on bound values
            chunk = hashes[i:i + 500]
            found |= {r[0] for r in self.conn.execute(
                f"SELECT DISTINCT config_hash FROM experiments WHERE config_hash IN "
                f"({', '.join('?' * len(chunk))})", chunk)}
        return found

    def summaries(self, hash_: str) -> list[Summary]:
        """The summary rows of the latest experiment with config hash ``hash_``, in order."""
        rows = self.conn.execute(
            "SELECT * FROM runs WHERE experiment_id = (SELECT max(id) FROM experiments WHERE "
            "config_hash = ?) ORDER BY position", (hash_,)).fetchall()
        return [summary_of(dict(r)) for r in rows]


def _row(run_id, position, head, summary: Summary, hyper, as_json) -> tuple:
    exp_id, hash_, version, when = head
    record = summary.record()
    key = id(summary.hyperparams)
    if key not in as_json:
        as_json[key] = json.dumps(summary.hyperparams)
    record["hyperparams"] = as_json[key]
    return (run_id, exp_id, position, hash_, version, when,
            *(record.get(name) for name in SUMMARY_COLUMNS),
            *(summary.hyperparams.get(k) for k in hyper))


def _path_rows(first_id, paths):
    for i, (points, losses) in enumerate(paths):
        for step, (point, loss) in enumerate(zip(points, losses, strict=True)):
            yield (first_id + i, step, float(point[0]),
                   float(point[1]) if len(point) > 1 else None, float(loss))


def _number(value) -> float:
    """A float column read back: NULL was NaN (SQLite stores NaN as NULL)."""
    return math.nan if value is None else float(value)


def summary_of(row: dict) -> Summary:
    """A runs-table row as the ``Summary`` it was written from."""
    record = {k: row[k] for k in SUMMARY_COLUMNS}
    dims = [a for a in "xy" if record[f"start_{a}"] is not None]  # a start is never NaN
    for name in ("start", "end"):
        for axis in "xy":
            value = record.pop(f"{name}_{axis}")
            if axis in dims:
                record[f"{name}_{axis}"] = _number(value)
    record["final_loss"] = _number(record["final_loss"])
    return Summary.from_record(record, json.loads(record.pop("hyperparams")))
