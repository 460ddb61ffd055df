"""What a figure claims, checked on the numbers behind it (never on pixels).

A recipe's ``[[claims]]`` tables name a check and its parameters; each check returns a
``ClaimResult``: whether it holds and a sentence with the numbers, which goes into the figures'
index under the caption. Runs are numbered from 1 in the order of the recipe's ``runs``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..core.errors import InputError
from ..core.names import suggest
from ..core.specs import OptSpec
from ..surfaces import from_dict
from .runs import Settings, make_runs


@dataclass(frozen=True, kw_only=True)
class ClaimResult:
    ok: bool
    statement: str

    @classmethod
    def of(cls, ok, statement: str) -> ClaimResult:
        return cls(ok=bool(ok), statement=statement)


def mean_step(run, steps: int | None = None) -> float:
    lengths = run.step_lengths()
    return float(lengths[:steps].mean() if steps else lengths.mean())


def first_descent_end(losses: np.ndarray) -> int:
    """The step where the loss first stops falling (the end of the first descent)."""
    rises = np.flatnonzero(np.diff(losses) > 0)
    return int(rises[0]) if rises.size else len(losses) - 1


def highest_after_start(run) -> int:
    """The step of the highest loss once the first descent is over: where momentum carried the
    run back uphill the farthest (Figure 3's white point)."""
    start = first_descent_end(run.losses)
    return start + int(np.argmax(run.losses[start:]))


def _run(result, params, key="run"):
    index = params[key]
    if not 1 <= index <= len(result.runs):
        raise InputError(f"claim refers to run {index}, but there are {len(result.runs)} runs")
    return result.runs[index - 1]


def _where(p) -> str:
    return "(" + ", ".join(f"{v:.3g}" for v in p) + ")"


def reaches(result, params, context) -> ClaimResult:
    """``run`` ends at a minimum of ``kind`` (global, local or none)."""
    run = _run(result, params)
    kind = result.reached(run)
    minimum, dist = result.nearest_minimum(run)
    where = "no listed minimum" if minimum is None else \
        f"the {minimum.kind} minimum {_where(minimum.point)}, {dist:.2g} away"
    return ClaimResult.of(
        kind == params["kind"], f"{run.label} ends at {_where(run.end)}: {where} "
        f"(expected: {params['kind']}).")


def mean_step_claim(result, params, context) -> ClaimResult:
    """``run``'s mean step length over its first ``steps`` steps is between ``between`` x lr."""
    run = _run(result, params)
    lr = run.hyperparams["lr"]
    ratio = mean_step(run, params.get("steps")) / lr
    lo, hi = params["between"]
    return ClaimResult.of(
        lo <= ratio <= hi, f"{run.label}: mean step length {ratio:.3g} x lr "
        f"(claimed between {lo:g} and {hi:g} x lr).")


def step_ratio_vs(result, params, context) -> ClaimResult:
    """Mean step of each optimizer here divided by the same on recipe ``other``: Adam's ratio
    within ``adaptive`` of 1, SGD's beyond ``plain``."""
    other = context(params["other"])
    parts, ok = [], True
    for (name, bound, inside) in ((params["adaptive_run"], params["adaptive"], True),
                                  (params["plain_run"], params["plain"], False)):
        mine = _run(result, {"run": name})
        theirs = _run(other, {"run": name})
        ratio = mean_step(theirs) / mean_step(mine)
        within = 1 / bound <= ratio <= bound
        ok &= within == inside
        parts.append(f"{mine.optimizer}'s mean step on {other.surface.name} is {ratio:.3g}x "
                     f"its mean step on {result.surface.name}")
    return ClaimResult.of(
        ok, "; ".join(parts) + f" (claimed: adaptive within "
        f"{params['adaptive']}x, plain beyond {params['plain']}x).")


def highest_point(result, params, context) -> ClaimResult:
    """The white point (highest loss after the first descent) of ``run`` lies between x in
    ``between_x`` (the hump's near side) and below the hump's top ``below``."""
    run = _run(result, params)
    k = highest_after_start(run)
    x, loss = run.points[k][0], run.losses[k]
    lo, hi = params["between_x"]
    ok = lo < x < hi and loss < params["below"]
    return ClaimResult.of(
        ok, f"{run.label}'s highest point after its first descent is step {k} at "
        f"x = {x:.3g} (loss {loss:.3g}), on the hump's near side "
        f"{lo:g} < x < {hi:g} and below its top {params['below']:g}.")


def first_step_ratio(result, params, context) -> ClaimResult:
    """The first step of ``run`` is ``ratio`` times that of ``other_run`` (to ``rtol``); the first
    few step lengths of both are stated."""
    a, b = _run(result, params), _run(result, params, "other_run")
    la, lb = a.step_lengths(), b.step_lengths()
    n = params.get("show", 3)
    ratio = la[0] / lb[0]
    ok = abs(ratio / params["ratio"] - 1) <= params.get("rtol", 0.01)
    lr = a.hyperparams["lr"]
    return ClaimResult.of(
        ok, f"first {n} step lengths in units of lr: {a.label} "
        f"{', '.join(f'{v / lr:.3g}' for v in la[:n])}; {b.label} "
        f"{', '.join(f'{v / lr:.3g}' for v in lb[:n])}; first-step ratio "
        f"{ratio:.4g} (claimed {params['ratio']:.4g}).")


def scale_invariant(result, params, context) -> ClaimResult:
    """Multiplying the loss by ``factor`` moves the listed runs by at most ``tol`` over the same
    steps (adaptive methods), while the run ``breaks`` changes (momentum)."""
    s = result.surface
    scaled = from_dict({"name": f"{s.name}-scaled", "expr": f"{params['factor']}*({s.expr})",
                        "xlim": list(s.xlim), "ylim": list(s.ylim)})
    steps = params.get("steps", 50)
    parts, ok = [], True
    for index in [*params["runs"], params["breaks"]]:
        run = _run(result, {"run": index})
        spec = OptSpec(name=run.optimizer, hyperparams=dict(run.hyperparams))
        again = make_runs(scaled, [spec], [tuple(run.start)],
                          Settings(steps=steps, tol=None)).runs[0]
        n = min(len(again.points), len(run.points), steps + 1)
        moved = float(np.abs(again.points[:n] - run.points[:n]).max())
        if again.status == "diverged":
            moved = float("inf")
        same = moved <= params["tol"]
        ok &= same == (index != params["breaks"])
        parts.append(f"{run.optimizer} moves {moved:.2g}" if np.isfinite(moved)
                     else f"{run.optimizer} diverges")
    breaks = _run(result, {"run": params["breaks"]}).optimizer
    return ClaimResult.of(
        ok, f"with the loss x{params['factor']:g}, over {steps} steps: "
        + ", ".join(parts) + f" (claimed: all but {breaks} within "
        f"{params['tol']:g}).")


def ordered_by_distance(result, params, context) -> ClaimResult:
    """The runs end closer to the global minimum in the order given (closest first)."""
    runs = [_run(result, {"run": i}) for i in params["runs"]]
    dists = [result.nearest_minimum(r)[1] for r in runs]
    ok = all(a < b for a, b in zip(dists, dists[1:], strict=False))
    return ClaimResult.of(
        ok, "distance from the minimum at the end: " + ", ".join(
        f"{r.label} {d:.3g}" for r, d in zip(runs, dists, strict=True)) + " (claimed: increasing).")


def early_stopped(result, params, context) -> ClaimResult:
    """``run`` stopped early ``patience`` steps after its best held-out loss, which then rose
    while the training loss kept falling; the best point is kept."""
    run = _run(result, params)
    held = run.monitor
    best = run.best_step
    patience = result.settings["patience"]
    ok = (run.status == "stopped early" and run.steps == best + patience
          and held[best] == held.min() and held[-1] > held[best]
          and run.losses[-1] < run.losses[best])
    return ClaimResult.of(
        ok, f"{run.label}: held-out loss lowest at step {best} "
        f"({held[best]:.4g}), {held[-1]:.4g} at step {run.steps} when it stopped "
        f"({patience} steps of patience), while the training loss fell from "
        f"{run.losses[best]:.4g} to {run.losses[-1]:.4g}.")


def moments_reproduce_steps(result, params, context) -> ClaimResult:
    """Every step of ``run`` is -lr * m^ / (sqrt(v^) + eps) of the moments drawn (to 1e-12), and
    sqrt(v^) of x shrinks by at least ``shrink`` as the gradient fades."""
    run = _run(result, params)
    h = run.hyperparams
    q = run.quantities
    predicted = -h["lr"] * q["m_hat"][1:] / (np.sqrt(q["v_hat"][1:]) + h["eps"])
    actual = np.diff(run.points, axis=0)
    err = float(np.abs(predicted - actual).max())
    scale = np.sqrt(q["v_hat"][1:, 0])
    shrink = scale[0] / scale[-1]
    ok = err < 1e-12 and shrink >= params["shrink"]
    return ClaimResult.of(
        ok, f"{run.label}: each step equals -lr m̂/(√v̂+eps) to {err:.1g}; √v̂ of x "
        f"falls from {scale[0]:.3g} to {scale[-1]:.3g} ({shrink:.3g}x).")


CHECKS: dict[str, tuple[Callable, tuple[str, ...]]] = {
    "reaches": (reaches, ("run", "kind")),
    "mean-step": (mean_step_claim, ("run", "between")),
    "step-ratio-vs": (step_ratio_vs, ("other", "adaptive_run", "adaptive", "plain_run",
                                      "plain")),
    "highest-point": (highest_point, ("run", "between_x", "below")),
    "first-step-ratio": (first_step_ratio, ("run", "other_run", "ratio")),
    "scale-invariant": (scale_invariant, ("factor", "runs", "breaks", "tol")),
    "ordered-by-distance": (ordered_by_distance, ("runs",)),
    "early-stopped": (early_stopped, ("run",)),
    "moments-reproduce-steps": (moments_reproduce_steps, ("run", "shrink")),
}


def validate(claim: dict, where: str) -> None:
    check = claim.get("check")
    if check not in CHECKS:
        raise InputError(f"{where}: unknown check {check!r}{suggest(str(check), CHECKS)}")
    missing = [k for k in CHECKS[check][1] if k not in claim]
    if missing:
        raise InputError(f"{where}: check {check!r} needs {', '.join(missing)}.")


def evaluate(claim: dict, result, context) -> ClaimResult:
    fn, _ = CHECKS[claim["check"]]
    return fn(result, claim, context)
