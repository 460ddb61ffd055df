"""The results database's schema, as data: its tables and columns, the SQL that makes them,
and which hyperparameter names can be columns. ``database.py`` opens, checks and writes files
of this schema; the README's table of tables is generated from ``TABLES``.

Summary fields map to SQL types: text and whole numbers typed, floats (and points) untyped, to
keep them exact (a ``REAL`` column would turn -0.0 into 0.0).
"""

from __future__ import annotations

import re
from dataclasses import fields

from .core.errors import InputError
from .core.where import KEYWORDS
from .results import Summary

SCHEMA_VERSION = 1

# Columns every run row has besides the summary's. Summary fields map to these SQL types:
# text and whole numbers typed, floats (and points) untyped, to keep them exact.
RUN_EXTRA = {"id": "INTEGER PRIMARY KEY", "experiment_id": "INTEGER NOT NULL REFERENCES "
             "experiments(id)", "position": "INTEGER NOT NULL", "config_hash": "TEXT NOT NULL",
             "adamviz_version": "TEXT NOT NULL", "time": "TEXT NOT NULL"}
_TYPES = {"str": "TEXT", "int": "INTEGER", "int | None": "INTEGER", "dict": "TEXT"}
EXPERIMENT_COLUMNS = ("id", "config_hash", "command", "name", "surface", "runs",
                      "adamviz_version", "started", "finished", "config")
# The experiment's columns a query reads beside each run's (``queries``): which command made
# the run (run, sweep, basins or batch) and, for a batch, which of its experiments.
RUN_FROM_EXPERIMENT = ("command", "name")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def summary_sql_columns() -> dict[str, str]:
    """The summary's columns in the runs table, in order, with their SQL types."""
    out = {}
    for f in fields(Summary):
        if f.name == "error":  # only a failed experiment has one, and it is never recorded
            continue
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


MAX_COLUMNS = 2000  # SQLite's limit on the columns of a table (SQLITE_MAX_COLUMN)


def check_columns(names, existing=()) -> None:
    """Refuse hyperparameter names that cannot be columns of the runs table: not a plain ASCII
    name, one of its own columns, two names that differ only in case (SQLite ignores case in
    column names, so ``LR`` would land in ``lr``), or more than a table can have."""
    fixed = {c.lower() for c in (*RUN_EXTRA, *SUMMARY_COLUMNS, *RUN_FROM_EXPERIMENT, "error")}
    have = {c.lower(): c for c in existing}
    seen: dict[str, str] = {}
    for key in names:
        if not _NAME.fullmatch(key) or key.lower() in fixed | KEYWORDS:
            why = ("is not a plain name (ASCII letters, digits and _)" if not _NAME.fullmatch(key)
                   else "is a word of --where's language" if key.lower() in KEYWORDS
                   else "is one of the table's own columns")
            raise InputError(f"The hyperparameter {key!r} cannot be a column of the results "
                             f"database: it {why}; rename it in its optimizer.")
        low = key.lower()
        other = seen.get(low, have.get(low, key))
        if other != key:
            raise InputError(f"The hyperparameters {other!r} and {key!r} differ only in case, "
                             f"and a results database's columns ignore case; rename one.")
        seen[low] = key
    new = [k for k in seen if k not in have]
    if len(have) + len(new) > MAX_COLUMNS:
        raise InputError(f"{len(new):,} new hyperparameters would give the runs table "
                         f"{len(have) + len(new):,} columns; a results database holds at most "
                         f"{MAX_COLUMNS:,}.")
