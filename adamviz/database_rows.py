"""The runs table's rows: runs as columns on the way in (``RunColumns``), a ``Summary`` on the
way out (``summary_of``).

Runs arrive as columns, each one value every run shares (the surface, an optimizer's
hyperparameters) or a value per run (a list, or a numpy array). They become rows ``CHUNK`` at a
time, so basins write a million rows without a Python object per run (a ``Summary``, a tuple of
floats) for all of them at once; a batch's ``Summary`` rows are columns of lists
(``columns_of``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat

import numpy as np

from .database_schema import SUMMARY_COLUMNS
from .results import Summary

CHUNK = 2**15  # rows turned into Python values at a time: about 10 MB of them


@dataclass(frozen=True)
class RunColumns:
    """``size`` runs as the summary's columns (``start_x``, ``hyperparams`` as JSON, ...) and
    their hyperparameters' columns; a column in neither ``shared`` nor ``each`` is NULL."""

    size: int
    hyperparams: tuple[str, ...]  # the hyperparameters' names, in order: columns of their own
    shared: Mapping[str, object]  # column -> the value every run has
    # (lo, hi) -> column -> the values of runs lo..hi-1 (a list, or a numpy array)
    each: Callable[[int, int], Mapping[str, Sequence]]

    def values(self, names, lo: int, hi: int, each=None) -> list:
        """The values of runs lo..hi-1 in the columns ``names``: an iterable per column."""
        each = self.each(lo, hi) if each is None else each
        return [_python(each[name]) if name in each else repeat(self.shared.get(name), hi - lo)
                for name in names]

    def records(self) -> Iterator[dict]:
        """Each run's record (``Summary.record``'s summary columns but the hyperparameters)."""
        for lo in range(0, self.size, CHUNK):
            hi = min(lo + CHUNK, self.size)
            each = self.each(lo, hi)
            present = [n for n in SUMMARY_COLUMNS if n != "hyperparams" and
                       (n in self.shared or n in each)]
            yield from (dict(zip(present, row, strict=True)) for row in
                        zip(*self.values(present, lo, hi, each), strict=True))


def _python(values) -> Sequence:
    """Python values (SQLite binds no numpy scalar): numpy floats turn into the same floats."""
    return values.tolist() if isinstance(values, np.ndarray) else values


def columns_of(summaries) -> RunColumns:
    """``Summary`` rows as columns of lists, the runs of one optimizer sharing one JSON text of
    their hyperparameters."""
    summaries = list(summaries)
    records = [s.record() for s in summaries]
    as_json: dict[int, str] = {}
    for s in summaries:
        if id(s.hyperparams) not in as_json:
            as_json[id(s.hyperparams)] = json.dumps(s.hyperparams)
    hyper = tuple(dict.fromkeys(k for s in summaries for k in s.hyperparams))
    lists = {name: [r.get(name) for r in records] for name in SUMMARY_COLUMNS}
    lists["hyperparams"] = [as_json[id(s.hyperparams)] for s in summaries]
    lists.update({k: [s.hyperparams.get(k) for s in summaries] for k in hyper})
    return RunColumns(size=len(summaries), hyperparams=hyper, shared={},
                      each=lambda lo, hi: {k: v[lo:hi] for k, v in lists.items()})


def run_rows(groups, names, first: int, head: tuple) -> Iterator[Iterator[tuple]]:
    """The runs table's rows of ``groups`` (``RunColumns``), a chunk at a time: ``id`` from
    ``first`` and ``position`` from 0 on, ``head`` (experiment_id, config_hash,
    adamviz_version, time) in every row, then the columns ``names``."""
    exp_id, hash_, version, when = head
    done = 0
    for group in groups:
        for lo in range(0, group.size, CHUNK):
            n = min(CHUNK, group.size - lo)
            yield zip(range(first + done, first + done + n), repeat(exp_id, n),
                      range(done, done + n), repeat(hash_, n), repeat(version, n),
                      repeat(when, n), *group.values(names, lo, lo + n), strict=True)
            done += n


def path_rows(first_id, paths):
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
