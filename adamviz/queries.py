"""Questions asked of a results database (``adamviz results``): its experiments, its runs
filtered, and its runs grouped, each answered as a ``Table`` that prints for a terminal or
writes as CSV, JSON or Markdown.

Filters go through ``core.where``: known columns only, every value a bound parameter. By
default only the latest record of each config counts, so an experiment run twice is not
counted twice (``history=True`` counts every record).

Beside its own columns a run has its experiment's ``command`` and ``name``; groups are always
of one command (and one batch experiment), so single runs, sweeps and basin starts are never
averaged together unless asked for (``--by command`` pools each command's runs).
"""

from __future__ import annotations

import csv
import io
import json
import math
import statistics
from dataclasses import dataclass, field, fields

from .core.errors import InputError
from .core.names import suggest
from .core.where import mismatch, parse_where
from .database import Database
from .database_schema import EXPERIMENT_COLUMNS, RUN_EXTRA, RUN_FROM_EXPERIMENT, SUMMARY_COLUMNS
from .exports import number
from .results import Summary, format_table

RUN_COLUMNS = ("experiment", "surface", "label", "end_x", "end_y", "final_loss", "reached",
               "steps", "status")  # shown when --columns is not given
GROUP_COLUMNS = {
    "runs": "how many runs",
    "global": "share that ended at the global minimum (of the runs on surfaces that list "
              "minima; empty where none does)",
    "local": "share that ended at a local minimum (likewise)",
    "diverged": "share that diverged",
    "median_steps": "median number of steps taken",
    "median_final_loss": "median final loss",
}
LATEST = "experiment_id IN (SELECT max(id) FROM experiments GROUP BY config_hash)"
RUNS = (f"(SELECT runs.*, {', '.join('e.' + c for c in RUN_FROM_EXPERIMENT)} FROM runs "
        f"JOIN experiments e ON e.id = runs.experiment_id) AS runs")
SHARES = ("global", "local", "diverged")


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple, ...]
    shares: tuple[str, ...] = ()  # columns that are fractions (shown as percentages)

    def text(self) -> str:
        """For a terminal: rounded, shares as percentages."""
        return format_table(self.columns, [[self._cell(c, v) for c, v in
                                            zip(self.columns, row, strict=True)]
                                           for row in self.rows])

    def _cell(self, column, value) -> str:
        if value is None:
            return ""
        if column in self.shares:
            return f"{value:.1%}"
        if isinstance(value, float):
            return f"{value:.4g}"
        return str(value)

    def markdown(self) -> str:
        cells = [[self._cell(c, v).replace("|", "\\|") for c, v in
                  zip(self.columns, row, strict=True)] for row in self.rows]
        lines = ["| " + " | ".join(self.columns) + " |",
                 "|" + "|".join("---" for _ in self.columns) + "|"]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in cells]) + "\n"

    def csv(self, headers: bool = True, dialect: str = "excel") -> str:
        """Exact: floats as ``repr``; ``dialect`` "excel-tab" for TSV."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, dialect=dialect, lineterminator="\n")
        if headers:
            writer.writerow(self.columns)
        writer.writerows([number(v) for v in row] for row in self.rows)
        return buffer.getvalue()

    def _objects(self) -> list[dict]:
        """A dict per row, exact; NaN and infinity (which JSON lacks) as null."""
        def clean(v):
            return None if isinstance(v, float) and not math.isfinite(v) else v

        return [{c: clean(v) for c, v in zip(self.columns, row, strict=True)}
                for row in self.rows]

    def json(self) -> str:
        return json.dumps(self._objects(), indent=1) + "\n"

    def nl(self) -> str:
        """Newline-delimited JSON: an object a line (sqlite-utils' --nl, jq's -c)."""
        return "".join(json.dumps(o) + "\n" for o in self._objects())

    def formatted(self, fmt: str, headers: bool = True) -> str:
        """In ``fmt`` (one of FORMATS); ``headers`` False drops the header line of a text,
        CSV or TSV table (the others carry their names in every row or need them)."""
        if fmt == "text":
            lines = self.text().split("\n")
            return "\n".join(lines if headers else lines[1:]) + "\n"
        if fmt in ("csv", "tsv"):
            return self.csv(headers, "excel-tab" if fmt == "tsv" else "excel")
        return {"json": self.json, "nl": self.nl, "markdown": self.markdown}[fmt]()



def columns_help() -> str:
    """The run columns a query can name, for --help and the README."""
    summary = [f.name for f in fields(Summary)
               if f.name not in ("start", "end", "hyperparams", "error")]
    return (", ".join(summary[:4]) + ", start_x, start_y, end_x, end_y, " +
            ", ".join(summary[4:]) + ", every hyperparameter (lr, beta1, ...), " +
            ", ".join(c for c in RUN_EXTRA if c != "id") + "; and the experiment's " +
            " and ".join(RUN_FROM_EXPERIMENT) + " (which command made the run, a batch "
            "experiment's name)")


def experiments(db: Database, limit: int | None = None) -> Table:
    """Every experiment recorded, oldest first, with how many of its runs reached the global
    minimum (empty where its surface lists none)."""
    shown = [c for c in EXPERIMENT_COLUMNS if c != "config"]
    sql = (f"SELECT {', '.join('e.' + c for c in shown)}, "
           f"(SELECT avg(r.reached = 'global') FROM runs r WHERE r.experiment_id = e.id) "
           f"FROM experiments e ORDER BY e.id" + (" LIMIT ?" if limit else ""))
    rows = db.execute(sql, [limit] if limit else [])
    return Table((*shown, "global"), tuple(tuple(r) for r in rows), shares=("global",))


def _columns(db: Database) -> list[str]:
    """What a query can name: the runs table's columns and its experiment's."""
    return [*db.columns("runs"), *RUN_FROM_EXPERIMENT]


def _known(db: Database, names, what: str) -> list[str]:
    known = _columns(db)
    for name in names:
        if name not in known:
            raise InputError(f"{what}: unknown column {name!r}{suggest(name, known)}")
    return list(names)


def _condition(db: Database, where: str | None, history: bool) -> tuple[str, list]:
    parts, params = ([] if history else [LATEST]), []
    if where is not None:
        sql, params, unsure = parse_where(where, _columns(db), _kinds(db))
        for column, kind, text in unsure:  # a hyperparameter: its values say what it holds
            held = {r[0] for r in db.execute(f'SELECT typeof("{column}") FROM runs WHERE '
                                             f'"{column}" IS NOT NULL GROUP BY 1')}
            if held and held <= {"integer", "real"} and kind == "text":
                raise mismatch(column, "number", text)
            if held == {"text"} and kind == "number":
                raise mismatch(column, "text", text)
        parts.append(sql)
    return (" WHERE " + " AND ".join(parts)) if parts else "", params


def _kinds(db: Database) -> dict[str, str]:
    """What each typed column of the runs table holds ("text" or "number"); the summary's
    untyped columns hold numbers; a hyperparameter's kind is read from its values."""
    kinds = dict.fromkeys(RUN_FROM_EXPERIMENT, "text")
    for row in db.execute("PRAGMA table_info(runs)"):
        name, declared = row[1], row[2]
        if declared == "TEXT":
            kinds[name] = "text"
        elif declared == "INTEGER" or name in SUMMARY_COLUMNS:
            kinds[name] = "number"
    return kinds


def runs(db: Database, where: str | None = None, columns=None, history: bool = False,
         limit: int | None = None) -> Table:
    """The runs that match ``where``, in the order they were recorded."""
    shown = _known(db, columns or RUN_COLUMNS, "--columns")
    condition, params = _condition(db, where, history)
    sql = (f"SELECT {', '.join(chr(34) + c + chr(34) for c in shown)} FROM {RUNS}{condition} "
           f"ORDER BY id" + (" LIMIT ?" if limit else ""))
    rows = db.execute(sql, [*params, *([limit] if limit else [])])
    return Table(tuple(shown), tuple(tuple(r) for r in rows))


def groups(db: Database, by, where: str | None = None, history: bool = False,
           limit: int | None = None) -> Table:
    """The matching runs grouped by the columns ``by``, and by their experiment's command and
    name unless ``by`` names either: per group how many, the shares that reached the global or
    a local minimum or diverged, and the median steps and final loss; one experiment's groups
    together, those that most often reach the global minimum first."""
    by = _known(db, by, "--by")
    if not by:
        raise InputError("--by: name at least one column, e.g. --by optimizer,surface.")
    kind = [] if set(by) & set(RUN_FROM_EXPERIMENT) else list(RUN_FROM_EXPERIMENT)
    by = kind + by
    condition, params = _condition(db, where, history)
    keys = ", ".join(f"k{i}" for i in range(len(by)))
    named = ", ".join(f'"{c}" AS k{i}' for i, c in enumerate(by))
    matched = (f"WITH matched AS (SELECT {named}, id AS run, reached AS got, status AS ended, "
               f"steps AS taken, final_loss AS loss FROM {RUNS}{condition}) ")
    found = _counted(db, matched, keys, params)
    _median_losses(db, matched, keys, params, found)
    rows = [(*g.key, g.n, _share(g.reached_global, g.known), _share(g.reached_local, g.known),
             g.diverged / g.n, _median(g.n, g.steps), _median(g.n, g.losses))
            for g in sorted(found.values(), key=lambda g: g.first)]
    rows.sort(key=lambda r: (r[:len(kind)], -(r[len(by) + 1] or 0), -r[len(by)]))
    return Table((*by, *GROUP_COLUMNS), tuple(rows[:limit] if limit else rows), shares=SHARES)


def _share(count: int, of: int) -> float | None:
    """``count`` of ``of`` runs as a fraction; None (shown empty) when none could tell."""
    return count / of if of else None


@dataclass(slots=True)
class _Group:
    """What a group's runs add up to, read from SQL a row at a time (SQLite sorts them in its
    own bounded memory, spilling to a temporary file): never every run in Python at once."""

    key: tuple  # as its first run has it (1 and 1.0 are one group; SQL and Python agree)
    first: int  # its first run's id
    n: int = 0
    reached_global: int = 0
    reached_local: int = 0
    known: int = 0  # runs whose surface lists minima (a share of the others is not known)
    diverged: int = 0
    steps: list = field(default_factory=list)  # the middle one or two, once known
    losses: list = field(default_factory=list)
    counted: list = field(default_factory=list)  # (steps, runs that took them), ascending


def _counted(db: Database, matched: str, keys: str, params) -> dict[tuple, _Group]:
    """Each group's runs counted, and its middle steps from how many runs took each number of
    steps (a few hundred numbers, not a million runs)."""
    found: dict[tuple, _Group] = {}
    for row in db.rows(f"{matched}SELECT {keys}, min(run), taken, count(*), "
                       f"sum(got IS 'global'), sum(got IS 'local'), count(got), "
                       f"sum(ended IS 'diverged') "
                       f"FROM matched GROUP BY {keys}, taken ORDER BY {keys}, taken", params):
        *key, first, taken, n, reached_global, reached_local, known, diverged = row
        group = found.setdefault(tuple(key), _Group(key=tuple(key), first=first))
        if first < group.first:  # the key as the first run has it (SQLite: min's row)
            group.key, group.first = tuple(key), first
        group.n += n
        group.reached_global += reached_global
        group.reached_local += reached_local
        group.known += known
        group.diverged += diverged
        group.counted.append((taken, n))
    for group in found.values():
        seen = 0
        for taken, n in group.counted:
            group.steps += [taken] * sum(seen < rank <= seen + n for rank in _middle(group.n))
            seen += n
    return found


def _median_losses(db: Database, matched: str, keys: str, params, found) -> None:
    """Each group's middle one or two final losses (a NaN loss, NULL, last: worse than any
    number), its runs sorted by SQLite and read one at a time."""
    key, group, rank, ranks = None, None, 0, ()
    for row in db.rows(f"{matched}SELECT {keys}, loss FROM matched "
                       f"ORDER BY {keys}, loss IS NULL, loss, run", params):
        if group is None or row[:-1] != key:
            key, rank = row[:-1], 0
            group = found[key]
            ranks = _middle(group.n)
        rank += 1
        if rank in ranks:
            group.losses += [math.inf if row[-1] is None else row[-1]] * ranks.count(rank)


def _middle(n: int) -> tuple[int, ...]:
    """The ranks (from 1) whose values make the median of n sorted values."""
    return ((n + 1) // 2, n // 2 + 1)


def _median(n: int, middle: list):
    """The median (as ``statistics.median`` gives it) of n values from the middle ones."""
    return middle[0] if n % 2 else statistics.median(middle)
