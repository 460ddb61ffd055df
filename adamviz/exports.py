"""Files for scripts: a result's trajectories as CSV or JSON, and summary tables as CSV or
Markdown. Numbers are exact (``repr`` of the float, which reads back to the same value); human
tables elsewhere may round, these never do. Written atomically.

Trajectory CSV: one row per step per run, ``run,optimizer,label,step,x,y,loss`` (step 0 is the
start; a curve f(x) leaves ``y`` empty), and on a loss over data ``validation_loss`` and
``batch_loss`` (the loss on step k's minibatch, before the step; empty where there is none).
JSON: the surface (name, expression, box, minima, its data), the settings, and per run its
optimizer, every hyperparameter, start, end, points and losses, and on data the validation
losses and each step's minibatch rows (``batch_rows``, into the training rows).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from .core.errors import InputError
from .core.io import write_text_atomic
from .frames import data_columns, data_values
from .results import Summary, json_number, summary_columns, warnings

FORMATS = (".csv", ".json")


def check_format(path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise InputError(f"Unknown export format {suffix or '(none)'!r} for {str(path)!r}; "
                         f"use {' or '.join(FORMATS)}.")
    return suffix


def number(value) -> str:
    """A cell of a machine-readable file: exact floats, empty for missing."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def trajectories_csv(result) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    extra = data_columns(result)
    writer.writerow(["run", "optimizer", "label", "step", "x", "y", "loss", *extra])
    for run in result.runs:
        more = [data_values(run, name) for name in extra]
        for step, (point, loss) in enumerate(zip(run.points, run.losses, strict=True)):
            y = repr(float(point[1])) if len(point) > 1 else ""
            writer.writerow([run.index, run.optimizer, run.label, step, repr(float(point[0])), y,
                             repr(float(loss)),
                             *(number(json_number(float(m[step]))) for m in more)])
    return buffer.getvalue()


def text(result, fmt: str) -> str:
    """``result``'s trajectories as ``fmt``, "csv" or "json"."""
    return trajectories_csv(result) if fmt == "csv" else \
        json.dumps(result.to_dict(), indent=1) + "\n"


def write(result, path) -> Path:
    """Write ``result``'s trajectories as CSV or JSON, chosen by the suffix of ``path``."""
    write_text_atomic(path, text(result, check_format(path).lstrip(".")))
    return Path(path)


def summary_csv(summaries: list[Summary]) -> str:
    columns = summary_columns(summaries)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for s in summaries:
        record = s.record()
        writer.writerow([number(record.get(c)) for c in columns])
    return buffer.getvalue()


def summary_json(summaries: list[Summary]) -> str:
    rows = []
    for s in summaries:
        record = s.record()
        rows.append({k: json_number(v) if isinstance(v, float) else v for k, v in record.items()})
    return json.dumps(rows, indent=1) + "\n"


def rows_csv(rows: list[dict]) -> str:
    """Rows of plain values (a rate map's cells), their keys as the columns, numbers exact."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    columns = list(rows[0]) if rows else []
    writer.writerow(columns)
    for row in rows:
        writer.writerow([number(row.get(c)) for c in columns])
    return buffer.getvalue()


def rows_json(rows: list[dict]) -> str:
    return json.dumps([{k: json_number(v) if isinstance(v, float) else v
                        for k, v in row.items()} for row in rows], indent=1) + "\n"


def summary_markdown(summaries: list[Summary], title: str = "Batch summary") -> str:
    cols = ["experiment", "label", "tuned", "start", "end", "final_loss", "reached", "distance",
            "steps", "steps_to_tol", "status"]

    def cell(s: Summary, c: str) -> str:
        value = getattr(s, c)
        if c in ("start", "end"):
            return "(" + ", ".join(f"{v:.4g}" for v in value) + ")"
        if isinstance(value, float):
            return f"{value:.4g}"
        return "" if value is None else str(value)

    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    lines += ["| " + " | ".join(cell(s, c) for c in cols) + " |" for s in summaries]
    notes = warnings(summaries)
    if notes:  # what to act on, above the table where it is seen
        lines = ["## Warnings", "", *(f"- {n}" for n in notes), "", "## Runs", "", *lines]
    return f"# {title}\n\n" + "\n".join(lines) + "\n"
