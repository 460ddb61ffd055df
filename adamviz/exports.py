"""CSV and JSON exports of a result, for scripts. Written atomically.

CSV: one row per step per run, ``run,optimizer,label,step,x,y,loss`` (step 0 is the start; a
curve f(x) leaves ``y`` empty). JSON: the surface (name, expression, box, minima) and per run its
optimizer, every hyperparameter, start, points, losses, status and steps.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

from .io import write_text_atomic

FORMATS = (".csv", ".json")


def to_csv_text(result) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["run", "optimizer", "label", "step", "x", "y", "loss"])
    for run in result.runs:
        for step, (point, loss) in enumerate(zip(run.points, run.losses, strict=True)):
            y = repr(float(point[1])) if len(point) > 1 else ""
            writer.writerow([run.index, run.optimizer, run.label, step, repr(float(point[0])), y,
                             repr(float(loss))])
    return buffer.getvalue()


def to_dict(result) -> dict:
    surface = result.surface
    return {
        "surface": {
            "name": surface.name,
            "expression": surface.expr,
            "box": {"x": list(surface.xlim), "y": list(surface.ylim) if surface.ylim else None},
            "minima": [{"at": list(m.point), "kind": m.kind} for m in surface.minima],
        },
        "settings": result.settings,
        "runs": [
            {
                "run": run.index,
                "optimizer": run.optimizer,
                "label": run.label,
                "hyperparameters": run.hyperparams,
                "start": list(map(float, run.points[0])),
                "end": list(map(float, run.points[-1])),
                "status": run.status,
                "steps": run.steps,
                "best_step": run.best_step,
                "final_loss": _finite(run.losses[-1]),
                "points": [[float(c) for c in p] for p in run.points],
                "losses": [_finite(v) for v in run.losses],
            }
            for run in result.runs
        ],
    }


def _finite(value: float) -> float | None:
    """JSON has no NaN or infinity: those become null."""
    value = float(value)
    return value if math.isfinite(value) else None


def write(result, path: str | Path) -> Path:
    """Write ``result`` as CSV or JSON, chosen by the suffix of ``path``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        write_text_atomic(path, to_csv_text(result))
    elif suffix == ".json":
        write_text_atomic(path, json.dumps(to_dict(result), indent=1) + "\n")
    else:
        from .errors import InputError

        raise InputError(f"Unknown export format {path.suffix or '(none)'!r} for {str(path)!r}; "
                         f"use {' or '.join(FORMATS)}.")
    return path
