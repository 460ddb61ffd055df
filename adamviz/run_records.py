"""What a run's record holds beyond its path and losses, for exports and notes: on a loss over
data its validation losses and minibatches, on a network drawn on a plane how far the picture is
from the runs (and the plane itself); and JSON's numbers (no NaN or infinity)."""

from __future__ import annotations

import math

import numpy as np


def json_number(value) -> float | None:
    """JSON has no NaN or infinity: those become None."""
    value = float(value)
    return value if math.isfinite(value) else None


def data_record(run) -> dict:
    """What a run on a loss over data adds to its record: the validation loss at every step,
    and on minibatches each step's training rows (from 0) and the loss on them."""
    record = {}
    if run.monitor is not None:
        record["validation_losses"] = [json_number(v) for v in run.monitor]
    if run.batch_rows is not None:
        record["batch_rows"] = [[int(i) for i in rows if i >= 0] for rows in run.batch_rows]
        record["batch_losses"] = [json_number(v) for v in run.batch_losses]
    if run.off_plane is not None:  # a network's run, its points on a plane
        record["plane_losses"] = [json_number(v) for v in run.plane_losses]
        record["off_plane"] = [json_number(v) for v in run.off_plane]
        record["end_parameters"] = [json_number(v) for v in run.parameters[-1]]
    return record


def plane_record(surface) -> dict:
    """What a network's plane adds to an export's head: the network and the plane (its kind,
    how it was made, the share of the paths' variance it explains)."""
    if not hasattr(surface, "network_surface"):  # (not a network's plane)
        return {}
    return {"network": surface.network_surface.network.identity(),
            "plane": surface.plane.to_dict()}


def plane_note(surface, runs) -> str:
    """On a network drawn on a plane: which plane, and how far the runs are from it (the
    distance of the farthest step, and the largest gap between a step's true loss and the
    plane's loss where it is drawn)."""
    if not hasattr(surface, "network_surface"):
        return ""
    far = max(float(np.nanmax(r.off_plane)) for r in runs)
    gap = max(float(np.nanmax(np.abs(r.losses - r.plane_losses))) for r in runs)
    return (f"the runs are drawn on a plane, {surface.plane.about}; the farthest step lies "
            f"{far:.3g} from it, and "
            f"the loss where a step is drawn differs from its true loss by up to {gap:.3g}")
