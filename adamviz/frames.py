"""A result as columns: pandas frames (``Result.to_frame``) and the per-step columns a loss over
data adds (the validation loss, the minibatch's loss), which the CSV export shares. pandas is
imported only when a frame is asked for."""

from __future__ import annotations

import math

import numpy as np

# The per-step columns beyond x, y and loss, and the Run field each is read from: on a loss
# over data, the validation loss and the minibatch's; on a network drawn on a plane, the loss at
# the step's projection on the plane and its distance from the plane
DATA_FIELDS = {"validation_loss": "monitor", "batch_loss": "batch_losses",
               "plane_loss": "plane_losses", "off_plane": "off_plane"}


def data_columns(result) -> list[str]:
    """The per-step columns a result adds (``DATA_FIELDS``), those some run has."""
    return [name for name, field in DATA_FIELDS.items()
            if any(getattr(r, field) is not None for r in result.runs)]


def data_values(run, name: str) -> np.ndarray:
    values = getattr(run, DATA_FIELDS[name])
    return np.full(len(run.points), np.nan) if values is None else values


def frame(result, summary: bool = False):
    """``Result.to_frame``: pandas is imported only here."""
    try:
        import pandas as pd
    except ImportError:
        raise ModuleNotFoundError("Result.to_frame needs pandas, which is not installed: "
                                  "pip install pandas (or adamviz[frames]).") from None
    if summary:
        return pd.DataFrame([s.record() for s in result.summaries()])
    columns: dict[str, list] = {"run": [], "optimizer": [], "label": [], "step": [],
                                "x": [], "y": [], "loss": []}
    for run in result.runs:
        n = len(run.points)
        columns["run"] += [run.index] * n
        columns["optimizer"] += [run.optimizer] * n
        columns["label"] += [run.label] * n
        columns["step"] += range(n)
        columns["x"] += run.points[:, 0].tolist()
        columns["y"] += (run.points[:, 1].tolist() if run.points.shape[1] > 1
                         else [math.nan] * n)
        columns["loss"] += run.losses.tolist()
    for name in data_columns(result):
        columns[name] = np.concatenate([data_values(r, name) for r in result.runs]).tolist()
    return pd.DataFrame(columns)
