"""What a figure of runs on a loss over data claims: early stopping on the validation loss, and
the noise minibatches put into a path. Checked on the numbers, as in ``claims.py`` (which lists
them with the other checks)."""

from __future__ import annotations

import numpy as np

from .claim_parts import ClaimResult, run_of


def early_stopped(result, params, context) -> ClaimResult:
    """``run``'s validation loss fell from the start to its lowest, then rose while the training
    loss kept falling, and patience stopped the run ``patience`` steps after that lowest step:
    the point kept (the best) beats the last on validation loss."""
    run = run_of(result, params)
    held, best = run.monitor, run.best_step
    patience = result.settings["patience"]
    ok = (run.status == "stopped early" and run.steps == best + patience
          and held[best] == held.min() and held[best] < held[0] and held[-1] > held[best]
          and run.losses[-1] < run.losses[best])
    return ClaimResult.of(
        ok, f"{run.label}: the validation loss fell from {held[0]:.4g} at the start to "
        f"{held[best]:.4g} at step {best} (the point kept), then rose to {held[-1]:.4g} by "
        f"step {run.steps}, where {patience} steps of patience stopped the run; the training "
        f"loss meanwhile fell from {run.losses[best]:.4g} to {run.losses[-1]:.4g}.")


def mean_gap(run, other) -> float:
    """The mean distance between two paths, step by step, over the steps both made."""
    n = min(len(run.points), len(other.points))
    return float(np.linalg.norm(run.points[:n] - other.points[:n], axis=1).mean())


def strays_in_order(result, params, context) -> ClaimResult:
    """``runs`` stray from ``reference``'s path less and less, in the order given: the mean
    distance between each path and the reference's, step by step, falls from one to the next
    (the reference's own is 0); and each ends nearer the global minimum than it started."""
    reference = run_of(result, params, "reference")
    runs = [run_of(result, {"run": i}) for i in params["runs"]]
    gaps = [mean_gap(run, reference) for run in runs]
    minima = [m.point for m in result.surface.global_minima()]
    nearer, parts = [], []
    for run in runs:
        ends = [float(np.linalg.norm(run.end - np.asarray(p))) for p in minima]
        start = (float(np.linalg.norm(run.start - np.asarray(minima[int(np.argmin(ends))])))
                 if ends else np.nan)
        nearer.append(bool(ends) and min(ends) < start)
        parts.append(f"{run.label} {start:.3g} to {min(ends, default=np.nan):.3g}")
    ok = all(a > b for a, b in zip(gaps, gaps[1:], strict=False)) and all(nearer)
    return ClaimResult.of(
        ok, f"mean distance from {reference.label}'s path, step by step: " + ", ".join(
            f"{run.label} {gap:.3g}" for run, gap in zip(runs, gaps, strict=True))
        + " (claimed: decreasing); distance from the global minimum, start to end: "
        + ", ".join(parts) + " (claimed: nearer at the end).")
