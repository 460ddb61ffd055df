"""The convergence rate predicted at a minimum from its Hessian H (eigenvalues lambda_i): the
factor by which a run's distance to the minimum shrinks per step once it is close.

- gradient descent (torch's SGD, momentum 0): max_i |1 - lr lambda_i|;
- heavy ball (torch's SGD with momentum mu, dampening tau): buf' = mu buf + (1 - tau) g,
  p' = p - lr buf'. On an eigenvector g = lambda p, so with k = lr (1 - tau) lambda
      [p', buf'] = [[1 - k, -lr mu], [(1 - tau) lambda, mu]] [p, buf],
  whose trace is 1 + mu - k and determinant (1 - k) mu + lr mu (1 - tau) lambda = mu: the
  characteristic polynomial is z^2 - (1 + mu - k) z + mu (distill's, with tau = 0);
- Nesterov (torch's nesterov=True, tau = 0): buf' = mu buf + g, p' = p - lr (g + mu buf').
  On an eigenvector, with k = lr lambda,
      p' = p - k p - lr mu (mu buf + lambda p) = (1 - k (1 + mu)) p - lr mu^2 buf,
  so the matrix [[1 - k (1 + mu), -lr mu^2], [lambda, mu]] has trace (1 + mu)(1 - k) and
  determinant mu (1 - k (1 + mu)) + k mu^2 = mu (1 - k): z^2 - (1 + mu)(1 - k) z + mu (1 - k);
- any other optimizer file: the spectral radius of one step's Jacobian at the minimum over
  (p, state), with the state at rest and t -> infinity (``rate_jacobian.py``), with a caption
  sentence where that linearisation is not what runs do.

Weight decay (g + wd p) adds wd to every lambda. The rate is per step; ``predict`` takes
hyperparameters as numbers or numpy arrays (a grid), broadcast together, and gives a rate per
cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.errors import InputError
from ..optimizers import registry, torch_bridge
from ..optimizers.compiled import values
from ..optimizers.files import is_builtin
from . import rate_jacobian

# Built-in files whose step is not linear near a minimum: said when a step from close to it
# is not the Jacobian's map of it (``rate_jacobian.linear_near``); a large eps makes Adam's
# step linear there, and then its linearisation is what runs end doing
ADAPTIVE = ("{name} divides its step by the root of a running mean of squared gradients, which "
            "is 0 at rest, so its linearisation there (a step of lr/eps times the gradient) is "
            "not what runs do near the minimum.")
NOTES = {
    **{n: ADAPTIVE for n in ("adam", "adamw", "nadam", "radam", "qhadam", "adamax",
                             "rmsprop")},
    "lion": "lion steps by the sign of its momentum, whose derivative is 0 while its steps "
            "stay lr long, so it has no linear rate (runs end jittering about lr from the "
            "minimum).",
    "rprop": "rprop steps by the sign of the gradient, with step sizes it adapts from sign "
             "changes, so it has no linear rate at the minimum.",
}
# ... and those whose step depends on the whole run, said always
HISTORY = {
    "adagrad": "adagrad divides its step by the root of the sum of all past squared "
               "gradients, which only grows, so its step shrinks along a run and has no fixed "
               "linear rate.",
    "adadelta": "adadelta scales its step by running means of squares that a run's history "
                "sets (0 at rest, where the step is lr times the gradient), so its rate "
                "depends on the path and the prediction is not what runs do.",
    "amsgrad": "{name} with amsgrad divides its step by the largest running mean of squared "
               "gradients a run has seen, which never returns to rest, so the rate of its "
               "linearisation at rest is not what runs do.",
}
GENERIC = ("{name}'s step is not linear in the distance to the minimum close to it, so the "
           "spectral radius of its linearisation at rest need not be the rate runs show.")
MOVED = ("{name} does not stay at the minimum at zero gradient (weight decay, or a rule whose "
         "step there is not 0), so runs settle elsewhere and the rate is the linearisation's "
         "at the minimum.")
SGD_FAMILY = ("sgd", "momentum", "nesterov")


@dataclass(frozen=True)
class Prediction:
    """The predicted rate per cell (the hyperparameters' broadcast shape), how it was found
    ("gradient descent", "heavy ball", "nesterov" or "jacobian"), and one sentence for a
    caption when the linearisation does not hold for runs ("" when it does)."""

    rate: np.ndarray
    method: str
    note: str = ""


def minimum_hessian(surface, at=None) -> np.ndarray:
    """(d, d) the exact Hessian at ``at`` (default: the surface's first global minimum),
    through the surface's derivative programs."""
    return surface.hessian(_point(surface, at)[None])[0]


def curvatures(surface, at=None) -> np.ndarray:
    """The Hessian's eigenvalues at the minimum, ascending."""
    return np.linalg.eigvalsh(minimum_hessian(surface, at))


def stability_edge(surface, at=None) -> float:
    """The learning rate 2 / lambda_max past which gradient descent diverges from the minimum
    (inf where the largest curvature is not positive)."""
    return edge_of(curvatures(surface, at))


def edge_of(eigenvalues) -> float:
    """2 / lambda_max of these curvatures (ascending); inf where lambda_max is not positive."""
    top = float(eigenvalues[-1])
    return 2.0 / top if top > 0 else float("inf")


def optimal_momentum(kappa):
    """Heavy ball's best momentum for a condition number kappa = L/mu (distill's "Why Momentum
    Really Works"): ((sqrt(kappa) - 1)/(sqrt(kappa) + 1))**2. Its rate is the root of it."""
    return optimal_rate(kappa) ** 2


def optimal_rate(kappa):
    """Heavy ball's rate at its best learning rate and momentum: (sqrt(kappa) - 1) /
    (sqrt(kappa) + 1) (every eigenvalue's roots then have modulus sqrt(momentum))."""
    root = np.sqrt(kappa)
    return (root - 1.0) / (root + 1.0)


def heavy_ball_optimum(surface, at=None) -> tuple[float, float, float]:
    """(lr, momentum, rate) at heavy ball's optimum for the Hessian's extreme eigenvalues:
    lr = 4/(sqrt(L) + sqrt(mu))**2, momentum = optimal_momentum(L/mu)."""
    eigenvalues = curvatures(surface, at)
    low, high = float(eigenvalues[0]), float(eigenvalues[-1])
    if low <= 0:
        raise InputError(f"The Hessian at the minimum has eigenvalue {low!r}; heavy ball's "
                         f"optimum needs a positive definite one (a strict minimum).")
    kappa = high / low
    return (4.0 / (np.sqrt(high) + np.sqrt(low)) ** 2, float(optimal_momentum(kappa)),
            float(optimal_rate(kappa)))


# --- closed forms ---------------------------------------------------------------------------

def root_modulus(b, c):
    """The largest root modulus of z^2 - b z + c = 0 (real b, c): sqrt(c) for complex roots,
    else (|b| + sqrt(b^2 - 4c)) / 2."""
    b, c = np.asarray(b, dtype=float), np.asarray(c, dtype=float)
    disc = b * b - 4.0 * c
    with np.errstate(invalid="ignore"):
        return np.where(disc < 0, np.sqrt(np.abs(c)), (np.abs(b) + np.sqrt(np.abs(disc))) / 2)


def gradient_descent_rate(eigenvalues, lr):
    """max_i |1 - lr lambda_i|, broadcast over ``lr``."""
    lr = np.asarray(lr, dtype=float)[..., None]
    return np.abs(1.0 - lr * np.asarray(eigenvalues, dtype=float)).max(axis=-1)


def heavy_ball_polynomial(eigenvalues, lr, momentum, dampening=0.0):
    """(b, c) of z^2 - b z + c, each eigenvalue's characteristic polynomial under the heavy
    ball: b = 1 + mu - lr (1 - tau) lambda_i, c = mu; shape (..., eigenvalues)."""
    lr, mu, tau = (np.asarray(v, dtype=float)[..., None] for v in (lr, momentum, dampening))
    k = lr * (1.0 - tau) * np.asarray(eigenvalues, dtype=float)
    return 1.0 + mu - k, mu * np.ones_like(k)


def heavy_ball_rate(eigenvalues, lr, momentum, dampening=0.0):
    """max_i of the largest root modulus of z^2 - (1 + mu - lr (1 - tau) lambda_i) z + mu."""
    return root_modulus(*heavy_ball_polynomial(eigenvalues, lr, momentum, dampening)).max(
        axis=-1)


def nesterov_rate(eigenvalues, lr, momentum):
    """max_i of the largest root modulus of z^2 - (1 + mu)(1 - k) z + mu (1 - k), k = lr
    lambda_i (torch's Nesterov form; derived in the module's docstring)."""
    lr, mu = (np.asarray(v, dtype=float)[..., None] for v in (lr, momentum))
    k = lr * np.asarray(eigenvalues, dtype=float)
    return root_modulus((1.0 + mu) * (1.0 - k), mu * (1.0 - k)).max(axis=-1)


# --- any optimizer --------------------------------------------------------------------------

def predicted_rate(surface, optimizer, hyper: dict, at=None) -> np.ndarray:
    """The predicted rate per cell (``predict``'s rate)."""
    return predict(surface, optimizer, hyper, at).rate


def predict(surface, optimizer, hyper: dict, at=None, *, method: str = "auto") -> Prediction:
    """The rate near the minimum ``at`` of optimizer ``optimizer`` (a name or a rule file's
    path) with hyperparameters ``hyper`` (numbers or arrays, broadcast; the others take the
    file's defaults). ``method``: "auto" (closed forms for sgd, momentum and nesterov, else the
    Jacobian) or "jacobian"."""
    if method not in ("auto", "jacobian"):
        raise InputError(f"method is 'auto' or 'jacobian', got {method!r}.")
    definition, full, shape = _hyperparameters(optimizer, hyper)
    point = _point(surface, at)
    hessian = surface.hessian(point[None])[0]
    closed = method == "auto" and definition.name in SGD_FAMILY and \
        is_builtin(definition.source, definition.name) and not np.any(full["maximize"])
    if closed:
        found = _closed(full, np.linalg.eigvalsh(hessian), shape)
        if np.any(full["weight_decay"]) and np.any(point):  # g + wd p is not 0 there
            return Prediction(found.rate, found.method, MOVED.format(name=definition.name))
        return found
    return _by_jacobian(definition, full, shape, surface, point, hessian)


def _closed(full: dict, eigenvalues: np.ndarray, shape) -> Prediction:
    lr, mu, tau = full["lr"], full["momentum"], full["dampening"]
    # g + wd p adds wd to every curvature: (..., d), broadcast with the other hyperparameters
    curv = eigenvalues + np.asarray(full["weight_decay"], dtype=float)[..., None]
    if not np.any(mu):
        method, rate = "gradient descent", gradient_descent_rate(curv, lr)
    elif np.any(full["nesterov"]):
        method, rate = "nesterov", nesterov_rate(curv, lr, mu)
    else:
        method, rate = "heavy ball", heavy_ball_rate(curv, lr, mu, tau)
    return Prediction(np.broadcast_to(rate, shape).copy(), method)


def _by_jacobian(definition, full, shape, surface, point, hessian) -> Prediction:
    cells = int(np.prod(shape, dtype=int))
    flat = {n: np.broadcast_to(np.asarray(v, dtype=float), shape).ravel()
            for n, v in full.items()}
    step = rate_jacobian.Step(definition, flat, point, cells)
    state, settled, moved = step.rest()
    parts, _ = step.derivatives(state)
    jac = rate_jacobian.jacobian(parts, hessian)
    rate = rate_jacobian.spectral_radius(jac, len(point)).reshape(shape)
    name = definition.name
    builtin = is_builtin(definition.source, name)
    if moved:
        note = MOVED
    elif not settled:
        note = f"{name}'s state does not settle at zero gradient, so it has no rest point."
    elif builtin and (name in HISTORY or np.any(full.get("amsgrad", False))):
        note = HISTORY.get(name, HISTORY["amsgrad"])
    elif not rate_jacobian.linear_near(step, state, jac, surface):
        note = NOTES.get(name, GENERIC) if builtin else GENERIC
    else:
        note = ""
    if not note and np.isnan(rate).any():
        note = f"{name}'s step is not differentiable at rest, so where it is NaN, no rate."
    return Prediction(rate, "jacobian", note.format(name=name))


def _hyperparameters(optimizer, hyper: dict):
    """The file, every hyperparameter (given ones as arrays, the others' defaults) and the
    cells' shape. Arrays are checked by their least and largest values (ranges are
    intervals)."""
    if not isinstance(optimizer, str) or torch_bridge.is_torch(optimizer):
        raise InputError(f"A predicted rate needs an optimizer file (a name such as 'momentum' "
                         f"or a .toml path), got {optimizer!r}.")
    definition = registry.definition(optimizer)
    arrays = {n: np.asarray(v) for n, v in hyper.items()}
    for n, v in arrays.items():
        if v.size == 0 or (v.dtype != bool and not np.isfinite(v.astype(float)).all()):
            raise InputError(f"{definition.name}: {n} must be finite numbers, got {v!r}.")
    for pick in (np.min, np.max):
        values(definition, {n: (v.item() if v.ndim == 0 else pick(v).item())
                            for n, v in arrays.items()})
    full = {**values(definition, {n: v.item() for n, v in arrays.items() if v.ndim == 0}),
            **{n: v for n, v in arrays.items() if v.ndim}}
    full = {n: np.asarray(v, dtype=float) for n, v in full.items()}
    shape = np.broadcast_shapes(*(v.shape for v in full.values()))
    return definition, full, shape


def _point(surface, at) -> np.ndarray:
    if at is None:
        found = surface.global_minima() or surface.minima
        if not found:
            raise InputError(f"{surface.name} lists no minimum; give the point (at=(x, y)) "
                             f"where the rate is predicted.")
        at = found[0].point
    point = np.asarray(at, dtype=float).ravel()
    if point.shape != (surface.dims,) or not np.isfinite(point).all():
        raise InputError(f"The point where the rate is predicted has {surface.dims} finite "
                         f"coordinates, got {at!r}.")
    return point
