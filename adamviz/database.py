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
import os
import sqlite3
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from . import __version__
from .core.errors import InputError, RunError
from .core.io import check_folder_names, note_input
from .database_rows import columns_of, path_rows, run_rows, summary_of
from .database_schema import (
    EXPERIMENT_COLUMNS,
    RUN_EXTRA,
    SCHEMA,
    SCHEMA_VERSION,
    SUMMARY_COLUMNS,
    check_columns,
)
from .results import Summary

BUSY_SECONDS = 10  # how long one attempt waits for another writer's lock
ATTEMPTS = 6  # attempts to take the write lock before giving up

def canonical(config) -> str:
    """``config`` as JSON with sorted keys and exact floats: the text a config hash is of."""
    return json.dumps(config, sort_keys=True, separators=(",", ":"), allow_nan=True)


def config_hash(config) -> str:
    return hashlib.sha256(canonical(config).encode()).hexdigest()[:16]


@dataclass(frozen=True, kw_only=True)
class ExperimentRecord:
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


def check(path, hyperparameters=()) -> None:
    """Everything about a database to write, before any work, touching nothing: an existing
    file must be a whole, writable results database whose columns take ``hyperparameters``;
    a new one must be creatable. The path becomes an input of this command, so no output of
    it may replace the database."""
    path = _path(path)
    check_folder_names(path)
    note_input(path)
    _check_link(path)
    if os.path.lexists(path):
        with Database(path, create=False) as db:
            db.check_whole()
            check_columns(hyperparameters, db.columns())
        real = Path(os.path.realpath(path))  # through a link: the file's own folder
        for what, place in (("file", real), ("folder", real.parent)):
            if not os.access(place, os.W_OK | (os.X_OK if what == "folder" else 0)):
                raise InputError(f"The results database {str(path)!r} cannot be written: its "
                                 f"{what} is read-only (adamviz results can still read it).")
        return
    check_columns(hyperparameters)
    folder = path.parent if str(path.parent) else Path(".")
    while not folder.exists() and folder != folder.parent:  # made when the first row is
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"Cannot make the results database {str(path)!r}: "
                         f"{str(folder)!r} is not a writable folder.")
    if len(path.name.encode()) + 8 > 255:  # room for -wal and -shm beside it
        raise InputError(f"The results database's file name {path.name[:40]!r}... is too long.")


def _path(path) -> Path:
    if not str(path).strip():
        raise InputError("The results database's path is empty; give a file such as results.db.")
    return Path(path)


def _check_link(path: Path) -> None:
    if os.path.islink(path) and not path.exists():
        raise InputError(f"{str(path)!r} is a link to {os.readlink(path)!r}, which does not "
                         f"exist (or a loop of links); give the results database itself.")


class Database:
    """An open results database (``with Database(path) as db: ...``). ``create=True`` opens
    it to write (made on first use); ``create=False`` only reads, and changes nothing in the
    file or beside it (no journal mode switched, no -wal or -shm left)."""

    def __init__(self, path, create: bool = True):
        self.path = _path(path)
        self.writing = create
        _check_link(self.path)
        if self.path.is_dir():
            raise InputError(f"{str(path)!r} is a folder; --db takes a file such as results.db.")
        if not self.path.exists():
            if not create:
                raise InputError(f"No results database at {str(path)!r}; write one with "
                                 f"'adamviz batch FILE --db {path}'.")
            try:  # ``check`` made sure the folder can be made and written
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise RunError(f"Cannot make the folder of the results database "
                               f"{str(path)!r}: {exc.strerror or exc}.") from None
        elif not self.path.is_file():
            raise InputError(f"{str(path)!r} is not a regular file (a pipe or a device); a "
                             f"results database is a file such as results.db.")
        note_input(self.path)  # from here on no output of this command may replace it
        try:
            self.conn = sqlite3.connect(self._address(), timeout=BUSY_SECONDS,
                                        isolation_level=None, uri=True)
        except sqlite3.Error as exc:
            raise InputError(f"Cannot open the results database {str(path)!r} ({exc}).") \
                from None
        self._wal = False
        self.conn.row_factory = sqlite3.Row
        try:
            self._open(create)
        except sqlite3.DatabaseError as exc:  # not SQLite, damaged, or unreadable
            self.conn.close()
            if "unable to open" in str(exc) and not create:
                raise InputError(f"Cannot read {str(path)!r} here: its -wal file holds rows "
                                 f"that SQLite shows only to a reader that may write in its "
                                 f"folder; read it once where you can write, or copy it.") \
                    from None
            if "malformed" in str(exc):
                raise InputError(f"The results database {str(path)!r} is damaged ({exc}); "
                                 f"restore it from a copy or give another --db.") from None
            raise InputError(f"{str(path)!r} is not a results database ({exc}).") from None
        except BaseException:
            self.conn.close()
            raise

    def _address(self) -> str:
        """The URI to open: read and write; or to read a file this process may not write,
        ``immutable`` (SQLite then needs no -shm beside it), or ``mode=ro`` when a -wal file
        still holds rows that only a reader with the -shm can see."""
        real = Path(os.path.realpath(self.path))  # the file itself: its -wal lies beside it
        quoted = "file:" + urllib.parse.quote(str(real))
        if self.writing:
            return quoted
        if os.access(real, os.W_OK) and os.access(real.parent, os.W_OK | os.X_OK):
            return quoted + "?mode=rw"  # a reader that may clean up its -wal and -shm
        wal = Path(f"{real}-wal")
        pending = wal.exists() and wal.stat().st_size > 0
        return quoted + ("?mode=ro" if pending else "?immutable=1")

    def _open(self, create: bool) -> None:
        tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master "
                                                   "WHERE type = 'table'")}
        if not tables and not create:
            raise InputError(f"{str(self.path)!r} is not a results database (it is empty).")
        if tables and "meta" not in tables:
            raise InputError(f"{str(self.path)!r} is an SQLite file but not an adamviz results "
                             f"database (it has {', '.join(sorted(tables))}).")
        if "meta" in tables:
            try:
                self._check_version()
                self._check_tables(tables)
            except InputError:  # damaged, or someone else's: say which
                self.check_whole()
                raise
            return
        self._write(self._create)

    def _check_tables(self, tables) -> None:
        """Another program's file may have a table named meta: every table and column this
        adamviz writes must be there before anything is written."""
        need = {"experiments": EXPERIMENT_COLUMNS, "runs": (*RUN_EXTRA, *SUMMARY_COLUMNS),
                "paths": ("run_id", "step", "x", "y", "loss")}
        for table, columns in need.items():
            have = set(self.columns(table)) if table in tables else set()
            missing = [c for c in columns if c not in have]
            if missing:
                what = f"no table {table}" if not have else \
                    f"its {table} table lacks {', '.join(missing[:3])}"
                raise InputError(f"{str(self.path)!r} says it is a results database but is "
                                 f"not one this adamviz wrote ({what}); it was left as it "
                                 f"was.")

    def check_whole(self) -> None:
        """Refuse a damaged file (a corrupted page) before any work is done for it."""
        try:
            verdict = self.conn.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            verdict = str(exc)
        if verdict != "ok":
            raise InputError(f"The results database {str(self.path)!r} is damaged ({verdict}); "
                             f"restore it from a copy or give another --db.")

    def execute(self, sql: str, params=()) -> list:
        """The rows of one query; a damaged file is one line naming it, not a traceback."""
        with self._reading():
            return self.conn.execute(sql, params).fetchall()

    def rows(self, sql: str, params=()) -> Iterator[tuple]:
        """The rows of one query as tuples, read one at a time: a million are never held."""
        with self._reading():
            cursor = self.conn.cursor()
            cursor.row_factory = None
            yield from cursor.execute(sql, params)

    @contextmanager
    def _reading(self):
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise RunError(f"{str(self.path)!r} stayed locked by another writer for "
                               f"{BUSY_SECONDS} s; try again.") from None
            raise InputError(f"Cannot read the results database {str(self.path)!r} "
                             f"({exc}).") from None
        except sqlite3.DatabaseError as exc:
            raise InputError(f"The results database {str(self.path)!r} is damaged ({exc}); "
                             f"restore it from a copy.") from None

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
        if not self.writing:
            raise RunError(f"{self.path} was opened to read; nothing was written.")
        for attempt in range(ATTEMPTS):
            try:
                if not self._wal:  # once per connection (it persists in the file)
                    self.conn.execute("PRAGMA journal_mode = WAL")
                    self._wal = True
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise RunError(f"Cannot write the results database {str(self.path)!r} "
                                   f"({exc}); nothing was written.") from None
                time.sleep(0.05 * 2 ** attempt)
                continue
            try:
                out = work()
                self.conn.execute("COMMIT")
                return out
            except sqlite3.DatabaseError as exc:
                self._rollback()
                raise InputError(f"Cannot write the results database {str(self.path)!r} "
                                 f"({exc}); nothing was written.") from None
            except BaseException:
                self._rollback()
                raise
        raise RunError(f"{self.path} stayed locked by another writer for "
                       f"{ATTEMPTS * BUSY_SECONDS} s; nothing was written.")

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def columns(self, table: str = "runs") -> list[str]:
        return [r[1] for r in self.execute(f"PRAGMA table_info({table})")]

    def record(self, experiment: ExperimentRecord, summaries, paths=None, started: str | None = None
               ) -> int:
        """Append ``experiment`` and its runs (and, given, each run's ``(points, losses)``) in
        one transaction; its id."""
        return self.record_columns(experiment, [columns_of(summaries)], paths, started)

    def record_columns(self, experiment: ExperimentRecord, groups, paths=None,
                       started: str | None = None) -> int:
        """``record`` of runs given as ``RunColumns`` (basins: one per optimizer), written a
        chunk of rows at a time."""
        groups = list(groups)
        hyper = list(dict.fromkeys(k for g in groups for k in g.hyperparams))
        check_columns(hyper, self.columns())

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
                 sum(g.size for g in groups), __version__, started or finished, finished,
                 canonical(experiment.config)))
            exp_id = cursor.lastrowid
            first = (self.conn.execute("SELECT max(id) FROM runs").fetchone()[0] or 0) + 1
            names = [*RUN_EXTRA, *SUMMARY_COLUMNS, *hyper]
            insert = (f"INSERT INTO runs ({', '.join(f'{chr(34)}{n}{chr(34)}' for n in names)}) "
                      f"VALUES ({', '.join('?' * len(names))})")
            head = (exp_id, experiment.config_hash, __version__, finished)
            for rows in run_rows(groups, names[len(RUN_EXTRA):], first, head):
                self.conn.executemany(insert, rows)
            if paths is not None:
                self.conn.executemany("INSERT INTO paths VALUES (?, ?, ?, ?, ?)",
                                      path_rows(first, paths))
            return exp_id

        return self._write(work)

    def completed(self, hashes) -> set[str]:
        """The config hashes among ``hashes`` with an experiment recorded."""
        hashes = list(hashes)
        found = set()
        for i in range(0, len(hashes), 500):  # SQLite's limit on bound values
            chunk = hashes[i:i + 500]
            found |= {r[0] for r in self.execute(
                f"SELECT DISTINCT config_hash FROM experiments WHERE config_hash IN "
                f"({', '.join('?' * len(chunk))})", chunk)}
        return found

    def summaries(self, hash_: str) -> list[Summary]:
        """The summary rows of the latest experiment with config hash ``hash_``, in order."""
        rows = self.execute(
            "SELECT * FROM runs WHERE experiment_id = (SELECT max(id) FROM experiments WHERE "
            "config_hash = ?) ORDER BY position", (hash_,))
        return [summary_of(dict(r)) for r in rows]

