"""What a figure claims, checked on the numbers behind it (never on pixels).

A recipe's ``[[claims]]`` tables name a check and its parameters; each check returns a
``ClaimResult``: whether it holds and a sentence with the numbers, which goes into the figures'
index under the caption. Runs are numbered from 1 in the order of the recipe's ``runs``. The
checks of runs on a loss over data (validation, minibatches) are in ``data_claims.py``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..core.errors import InputError
from ..core.names import suggest
from ..fair_rates import unequal_rates
from ..plane_kinds import PLANES
from ..results import short
from ..surfaces import from_dict
from .claim_parts import ClaimResult, run_of
from .criteria import DEFAULT_GRID
from .data_claims import early_stopped, strays_in_order
from .network_claims import CHECKS as NETWORK_CHECKS
from .rate_claims import CHECKS as RATE_CHECKS
from .rate_claims import MISS_KINDS


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


def _where(p) -> str:
    return "(" + ", ".join(f"{v:.3g}" for v in p) + ")"


def reaches(result, params, context) -> ClaimResult:
    """``run`` ends at a minimum of ``kind`` (global, local or none)."""
    run = run_of(result, params)
    kind = result.reached(run)
    minimum, dist = result.nearest_minimum(run)
    where = "no listed minimum" if minimum is None else \
        f"the {minimum.kind} minimum {_where(minimum.point)}, {dist:.2g} away"
    return ClaimResult.of(
        kind == params["kind"], f"{run.label} ends at {_where(run.end)}: {where} "
        f"(expected: {params['kind']}).")


def mean_step_claim(result, params, context) -> ClaimResult:
    """``run``'s mean step length over its first ``steps`` steps is between ``between`` x lr."""
    run = run_of(result, params)
    lr = run.hyperparams["lr"]
    ratio = mean_step(run, params.get("steps")) / lr
    lo, hi = params["between"]
    return ClaimResult.of(
        lo <= ratio <= hi, f"{run.label}: mean step length {ratio:.3g} x lr "
        f"(claimed between {lo:g} and {hi:g} x lr).")


def step_ratio_vs(result, params, context) -> ClaimResult:
    """Mean step of each optimizer here divided by the same on recipe ``other``: Adam's ratio
    within ``adaptive`` of 1, SGD's beyond ``plain``."""
    other = context.result(params["other"])
    parts, ok = [], True
    for (name, bound, inside) in ((params["adaptive_run"], params["adaptive"], True),
                                  (params["plain_run"], params["plain"], False)):
        mine = run_of(result, {"run": name})
        theirs = run_of(other, {"run": name})
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
    run = run_of(result, params)
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
    a, b = run_of(result, params), run_of(result, params, "other_run")
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


def scaled_surface(surface, factor: float):
    """``surface`` with its loss multiplied by ``factor``: the same box and minima."""
    return from_dict({
        "name": f"{surface.name}-x{factor:g}".replace("+", ""),
        "description": f"{surface.name}'s loss times {factor:g}",
        "expr": f"{factor!r}*({surface.expr})", "xlim": list(surface.xlim),
        "ylim": list(surface.ylim), "levels": surface.levels,
        "minima": [{"at": list(m.point), "kind": m.kind} for m in surface.minima]})


def scale_invariant(result, params, context) -> ClaimResult:
    """With the loss multiplied by ``factor`` (the runs drawn in the figure's second panel),
    the listed runs follow the same paths to within ``tol`` for as long as both go on (the
    convergence test on the gradient's norm ends them at different steps), while the run
    ``breaks`` does not (plain momentum: its step is proportional to the gradient)."""
    scaled = context.scaled(result, params["factor"])
    parts, ok = [], True
    for index in [*params["runs"], params["breaks"]]:
        run, again = (run_of(r, {"run": index}) for r in (result, scaled))
        n = min(len(again.points), len(run.points))
        moved = float(np.abs(again.points[:n] - run.points[:n]).max())
        if again.status == "diverged":
            moved = float("inf")
        same = moved <= params["tol"]
        ok &= same == (index != params["breaks"])
        parts.append(f"{run.optimizer} stays within {moved:.2g} of its path" if same else
                     f"{run.optimizer} {again.status} after {again.steps} steps"
                     + (f" (it ended {result.nearest_minimum(run)[0].kind} before)"
                        if result.nearest_minimum(run)[0] else ""))
    breaks = run_of(result, {"run": params["breaks"]}).optimizer
    return ClaimResult.of(
        ok, f"with the loss x{params['factor']:g} and the same settings: " + "; ".join(parts)
        + f" (claimed: all but {breaks} follow the same path to {params['tol']:g}).")


def overshoot(run) -> float:
    """How far ``run`` went past the point it ends at, along the line from its start: 0 for a
    path that never passes its end, as a fraction of the start-to-end distance."""
    travel = run.end - run.start
    length = float(np.linalg.norm(travel))
    if length == 0 or not np.isfinite(length):
        return 0.0
    along = (run.points - run.end) @ (travel / length)
    return max(0.0, float(along.max()) / length)


def overshoots(result, params, context) -> ClaimResult:
    """``runs`` pass the point they end at by more than ``by`` (default 5%) of the distance
    they travel, and come back (velocity); ``not_runs`` do not."""
    by = params.get("by", 0.05)
    parts, ok = [], True
    for index, expected in [*((i, True) for i in params["runs"]),
                            *((i, False) for i in params.get("not_runs", []))]:
        run = run_of(result, {"run": index})
        past = overshoot(run)
        ok &= (past > by) == expected
        parts.append(f"{run.optimizer} {past:.1%}")
    return ClaimResult.of(ok, "overshoot past the end, as a share of the distance travelled: "
                          + ", ".join(parts) + f" (claimed: beyond {by:.0%} for "
                          f"{_names(result, params['runs'])}, within it for the others).")


def diagonal_start(result, params, context) -> ClaimResult:
    """In each of the first ``steps`` steps, ``runs`` move as far in x as in y (within
    ``rtol``, default 10%: each coordinate divided by its own gradient size), while
    ``not_runs`` follow the gradient's slant."""
    n, rtol = params.get("steps", 3), params.get("rtol", 0.1)
    parts, ok = [], True
    for index, expected in [*((i, True) for i in params["runs"]),
                            *((i, False) for i in params.get("not_runs", []))]:
        run = run_of(result, {"run": index})
        moves = np.abs(np.diff(run.points[: n + 1], axis=0))
        ratios = moves[:, 0] / np.maximum(moves[:, 1], 1e-300)
        ok &= bool(np.all(np.abs(ratios - 1) <= rtol)) == expected
        parts.append(f"{run.optimizer} " + ", ".join(f"{r:.3g}" for r in ratios))
    return ClaimResult.of(ok, f"|Δx|/|Δy| in the first {n} steps: " + "; ".join(parts)
                          + f" (claimed: 1 ± {rtol:g} for {_names(result, params['runs'])}, "
                          f"not for the others).")


def _names(result, indices) -> str:
    """The runs' optimizers by name, or by label when one optimizer runs more than once."""
    runs = [run_of(result, {"run": i}) for i in indices]
    names = [r.optimizer for r in result.runs]
    repeated = len(set(names)) < len(names)
    return " and ".join(r.label if repeated else r.optimizer for r in runs)


def momentum_against_gradient(result, params, context) -> ClaimResult:
    """At each step in ``at`` (the steps the figure's arrows are drawn at), ``run``'s momentum
    points away from the downhill direction (the cosine of -gradient and -momentum is below
    0) while the step taken follows the momentum (cosine above 0.99)."""
    from ..arrows import OVERLAYS

    run = run_of(result, params)
    grad, mom, step = (OVERLAYS[k].vector(run) for k in ("grad", "momentum", "step"))
    if mom is None:
        return ClaimResult.of(False, f"{run.label} keeps no momentum to compare.")
    parts, ok = [], True
    for k in params["at"]:
        if not 1 <= k <= run.steps:
            return ClaimResult.of(False, f"{run.label} has no step {k}.")
        against = _cos(grad[k], mom[k])
        follows = _cos(step[k], mom[k])
        ok &= against < 0 and follows > 0.99
        parts.append(f"step {k}: {against:+.2f} / {follows:+.2f}")
    return ClaimResult.of(ok, f"{run.label}, cosine of (downhill, momentum) / (step, momentum): "
                          + "; ".join(parts) + " (claimed: below 0 / above 0.99: the run "
                          "keeps going where the gradient has turned).")


def _cos(a, b) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def fairness(result, tune: dict | None) -> ClaimResult | None:
    """A comparison of update rules is fair: every run's lr tuned by one criterion over one
    grid, or all lrs equal. ``None`` when nothing is compared (one run, or one rule whose
    hyperparameters are what the figure varies)."""
    names = {r.optimizer for r in result.runs}
    if len(result.runs) < 2 or len(names) < 2:
        return None
    lrs = [r.hyperparams.get("lr") for r in result.runs]
    listed = ", ".join(f"{r.optimizer} {short(lr)}" for r, lr in zip(result.runs, lrs,
                                                                     strict=True))
    if tune is not None and all(r.tuned for r in result.runs):
        criterion = tune.get("criterion", "final-loss")
        return ClaimResult.of(True, f"fair: every lr tuned by {criterion} over the same grid "
                                    f"{tune.get('grid', DEFAULT_GRID)} ({listed}).")
    return ClaimResult.of(unequal_rates(result.runs) is None,
                          f"fair: the rules compared share one lr ({listed}).")


def ordered_by_distance(result, params, context) -> ClaimResult:
    """The runs end closer to the global minimum in the order given (closest first)."""
    runs = [run_of(result, {"run": i}) for i in params["runs"]]
    dists = [result.nearest_minimum(r)[1] for r in runs]
    ok = all(a < b for a, b in zip(dists, dists[1:], strict=False))
    return ClaimResult.of(
        ok, "distance from the minimum at the end: " + ", ".join(
        f"{r.label} {d:.3g}" for r, d in zip(runs, dists, strict=True)) + " (claimed: increasing).")


def ends_within(result, params, context) -> ClaimResult:
    """``runs`` end within ``distance`` of the nearest listed minimum; ``not_runs`` do not."""
    parts, ok = [], True
    for index, expected in [*((i, True) for i in params["runs"]),
                            *((i, False) for i in params.get("not_runs", []))]:
        run = run_of(result, {"run": index})
        dist = result.nearest_minimum(run)[1]
        ok &= (dist <= params["distance"]) == expected
        parts.append(f"{run.label} {dist:.2g}")
    return ClaimResult.of(ok, "distance from the minimum at the end: " + ", ".join(parts)
                          + f" (claimed: within {params['distance']:g} for "
                          f"{_names(result, params['runs'])} only).")


def moments_reproduce_steps(result, params, context) -> ClaimResult:
    """Every step of ``run`` is -lr * m^ / (sqrt(v^) + eps) of the moments drawn (to 1e-12), and
    sqrt(v^) of x shrinks by at least ``shrink`` as the gradient fades."""
    run = run_of(result, params)
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
    "overshoots": (overshoots, ("runs",)),
    "diagonal-start": (diagonal_start, ("runs",)),
    "momentum-against-gradient": (momentum_against_gradient, ("run", "at")),
    "ends-within": (ends_within, ("runs", "distance")),
    "ordered-by-distance": (ordered_by_distance, ("runs",)),
    "early-stopped": (early_stopped, ("run",)),
    "strays-in-order": (strays_in_order, ("runs", "reference")),
    "moments-reproduce-steps": (moments_reproduce_steps, ("run", "shrink")),
    **NETWORK_CHECKS,  # on a network's runs, drawn on a plane
    **RATE_CHECKS,  # on a rate map (a recipe with ``rates``), not on runs
}


def _number(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and np.isfinite(v)


def _whole(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 1


# What each parameter a check reads must be, and how to say it.
PARAMS = {
    **dict.fromkeys(("run", "other_run", "adaptive_run", "plain_run", "breaks", "reference"),
                    (_whole, "a run's number, 1, 2, ...")),
    **dict.fromkeys(("runs", "not_runs"),
                    (lambda v: isinstance(v, list) and all(map(_whole, v)),
                     "a list of run numbers, e.g. [1, 2]")),
    "at": (lambda v: isinstance(v, list) and all(map(_whole, v)), "a list of steps, e.g. [5]"),
    **dict.fromkeys(("between", "between_x"),
                    (lambda v: isinstance(v, list) and len(v) == 2 and all(map(_number, v))
                     and v[0] <= v[1], "[low, high] numbers")),
    **dict.fromkeys(("below", "distance", "tol", "rtol", "lr", "by"), (_number, "a number")),
    **dict.fromkeys(("ratio", "factor", "shrink", "adaptive", "plain"),
                    (lambda v: _number(v) and v > 0, "a number > 0")),
    **dict.fromkeys(("steps", "show"), (_whole, "a whole number >= 1")),
    "kind": (lambda v: v in ("global", "local"), "'global' or 'local'"),
    "other": (lambda v: isinstance(v, str), "a figure's name"),
    "cells": (lambda v: _number(v) and v >= 0, "a number of cells >= 0"),
    "misses": (lambda v: v in MISS_KINDS, " or ".join(f"'{k}'" for k in MISS_KINDS)),
    "plane": (lambda v: v in PLANES, " or ".join(f"'{k}'" for k in PLANES)),
}


def validate(claim: dict, where: str) -> None:
    check = claim.get("check")
    if check not in CHECKS:
        raise InputError(f"{where}: unknown check {check!r}{suggest(str(check), CHECKS)}")
    missing = [k for k in CHECKS[check][1] if k not in claim]
    if missing:
        raise InputError(f"{where}: check {check!r} needs {', '.join(missing)}.")
    for key, value in claim.items():
        if key in PARAMS and not PARAMS[key][0](value):
            raise InputError(f"{where}: {key} must be {PARAMS[key][1]}, got {value!r}.")


def evaluate(claim: dict, result, context) -> ClaimResult:
    fn, _ = CHECKS[claim["check"]]
    try:
        return fn(result, claim, context)
    except (KeyError, TypeError, IndexError):  # e.g. early-stopped without patience, moments
        raise InputError(f"check {claim['check']!r} does not apply to these runs (it needs "
                         f"what they do not keep, e.g. early stopping or Adam's moments)."
                         ) from None
