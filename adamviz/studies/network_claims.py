"""What a figure of runs on a network claims, checked on the numbers behind it, as in
``claims.py`` (which lists them with the other checks): which run generalises best, and how much
of the paths a plane holds (the share that says how far to trust a picture of them)."""

from __future__ import annotations

from .claim_parts import ClaimResult, run_of


def lowest_validation(result, params, context) -> ClaimResult:
    """``run`` ends with a lower validation loss than every run of ``runs``."""
    run = run_of(result, params)
    others = [run_of(result, {"run": i}) for i in params["runs"]]
    mine = float(run.monitor[-1])
    theirs = [float(o.monitor[-1]) for o in others]
    ok = all(mine < t for t in theirs)
    listed = "; ".join(f"{o.label} {t:.4g}" for o, t in zip(others, theirs, strict=True))
    return ClaimResult.of(
        ok, f"{run.label} ends with the lowest validation loss, {mine:.4g} (against {listed}; "
        f"training losses {run.final_loss:.4g} and "
        f"{', '.join(f'{o.final_loss:.4g}' for o in others)}).")


def plane_share(result, params, context) -> ClaimResult:
    """The plane of kind ``plane`` (default: the one the runs are drawn on) holds a share of
    the paths' variance ``between`` [low, high]; ``context`` (a ``recipes.Book``) makes the
    other planes once, for the claim and the figure's panels alike."""
    kind = params.get("plane", result.surface.plane.kind)
    plane = result.surface.plane if kind == result.surface.plane.kind else \
        context.resliced(result, kind).surface.plane
    lo, hi = params["between"]
    share = plane.explained
    return ClaimResult.of(
        lo <= share <= hi, f"the {kind} plane ({plane.about}) holds {share:.1%} of the paths' "
        f"variance (claimed between {lo:.0%} and {hi:.0%}).")


CHECKS = {
    "lowest-validation": (lowest_validation, ("run", "runs")),
    "plane-share": (plane_share, ("between",)),
}
