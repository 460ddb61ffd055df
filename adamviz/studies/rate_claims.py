"""What a convergence-rate map claims (a recipe with ``rates``), checked on its cells.

- ``rates-match-theory``: where runs converge, the measured rate equals the predicted one to
  ``tol``; for the heavy ball, a cell may miss only beside the curve where an eigenvalue's two
  roots meet (there the distance falls as k rho^k, not rho^k, and a fit over a few hundred
  steps reads a rate about rho / k too slow): ``misses = "double-root"`` says so and checks it.
- ``optimum-at-theory``: the fastest converged cell lies within ``cells`` grid cells of the
  heavy ball's optimum in theory (lr = 4 / (sqrt(L) + sqrt(mu))^2, momentum
  ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))^2) and its rate is the optimal rate
  (sqrt(kappa) - 1) / (sqrt(kappa) + 1) to ``tol``.
- ``theory-blind-far``: at least ``cells`` cells that the theory at the minimum says converge
  diverge on the way there (the linearisation knows nothing of the path from a far start).
"""

from __future__ import annotations

import numpy as np

from .claim_parts import ClaimResult
from .rate_theory import heavy_ball_polynomial
from .rates import CONVERGED, STATUSES

MISS_KINDS = ("none", "double-root")


def _grids(found):
    return np.meshgrid(*(a.values for a in found.axes))


def double_root_cells(found) -> np.ndarray:
    """Cells beside the curve (1 + mu - lr lambda)^2 = 4 mu of some Hessian eigenvalue: where
    the sign of that discriminant differs within the cell's 3 x 3 neighbourhood."""
    values = dict(zip((a.name for a in found.axes), _grids(found), strict=True))
    b, c = heavy_ball_polynomial(found.eigenvalues, values["lr"], values["momentum"])
    signs = np.sign(b * b - 4 * c)  # (n_y, n_x, eigenvalues)
    near = np.zeros(signs.shape[:2], dtype=bool)
    for sign in np.moveaxis(signs, -1, 0):
        padded = np.pad(sign, 1, mode="edge")
        windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3))
        near |= windows.max(axis=(2, 3)) != windows.min(axis=(2, 3))
    return near


def rates_match_theory(found, params, context) -> ClaimResult:
    tol, misses = params["tol"], params.get("misses", "none")
    if found.predicted is None or found.predicted_note:
        return ClaimResult.of(False, f"no prediction to measure: {found.predicted_note}")
    converged = found.status == STATUSES.index(CONVERGED)
    off = found.differs(tol)
    allowed = double_root_cells(found) if misses == "double-root" else np.zeros_like(off)
    stray = off & ~allowed
    worst = float(np.abs(found.measured - found.predicted)[converged].max()) \
        if converged.any() else float("nan")
    text = (f"{int(converged.sum() - off.sum())} of {int(converged.sum())} converged cells "
            f"measure the predicted rate to {tol:g} (largest difference {worst:.2g})")
    if misses == "double-root":
        text += (f"; the {int(off.sum())} others lie beside the curve where two roots meet"
                 if not stray.any() else
                 f"; {int(stray.sum())} cells miss away from the double-root curve")
    return ClaimResult.of(converged.any() and not stray.any(), text + ".")


def optimum_at_theory(found, params, context) -> ClaimResult:
    if found.optimum is None:
        return ClaimResult.of(False, "no heavy-ball optimum: the map is not momentum over lr "
                                     "x momentum.")
    lr, mu, rate = found.optimum
    converged = found.status == STATUSES.index(CONVERGED)
    if not converged.any():
        return ClaimResult.of(False, "no cell converged.")
    best = np.unravel_index(np.nanargmin(np.where(converged, found.measured, np.nan)),
                            found.measured.shape)
    names = [a.name for a in found.axes]
    theory = {"lr": lr, "momentum": mu}
    apart = []
    for k, axis in enumerate(found.axes):  # grid cells between the best cell and the optimum
        values = axis.values
        index = best[::-1][k]
        width = (values[-1] - values[0]) / (axis.n - 1) if not axis.log else \
            np.log(values[-1] / values[0]) / (axis.n - 1)
        gap = (values[index] - theory[axis.name]) if not axis.log else \
            np.log(values[index] / theory[axis.name])
        apart.append(abs(gap) / width)
    measured = float(found.measured[best])
    at = ", ".join(f"{n} {found.axes[k].values[best[::-1][k]]:.4g}"
                   for k, n in enumerate(names))
    return ClaimResult.of(
        max(apart) <= params["cells"] and abs(measured - rate) <= params["tol"],
        f"the fastest cell ({at}; rate {measured:.4g}) is {max(apart):.2g} cells from the "
        f"theory's optimum (lr {lr:.4g}, momentum {mu:.4g}; rate (sqrt(kappa) - 1)/(sqrt(kappa) "
        f"+ 1) = {rate:.4g}).")


def theory_blind_far(found, params, context) -> ClaimResult:
    blind = found.blind()
    converged = found.status == STATUSES.index(CONVERGED)
    return ClaimResult.of(
        int(blind.sum()) >= params["cells"],
        f"{int(blind.sum())} cells the theory at the minimum says converge diverge on the way "
        f"from ({', '.join(f'{v:g}' for v in found.start)}) (expected at least "
        f"{params['cells']}); {int(converged.sum())} cells converged.")


CHECKS = {
    "rates-match-theory": (rates_match_theory, ("tol",)),
    "optimum-at-theory": (optimum_at_theory, ("cells", "tol")),
    "theory-blind-far": (theory_blind_far, ("cells",)),
}
