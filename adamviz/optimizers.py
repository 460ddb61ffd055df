"""Optimizers as pure update functions over explicit state, vectorized over N runs at once.

Each optimizer is built by a small factory (``adam(lr=..., ...)``) that validates its
hyperparameters and returns an ``Optimizer``: a pair of pure functions in the style of optax,

    state = opt.init(params)                         # params: (N, D) array, N runs at once
    step, state = opt.update(grads, state, params)   # new params = params + step

``update`` never modifies its inputs. The step counter ``t`` lives in the state; state fields are
named after the math. Semantics and defaults follow ``torch.optim`` exactly (single-tensor code
path, same order of floating-point operations, so trajectories agree to rounding); a test compares
every optimizer with trajectories recorded from torch (``scripts/make_torch_reference.py``).

The factory's signature is the single source of truth for defaults, and its docstring's first line
is the one-line update rule that ``adamviz optimizers`` prints.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from .errors import InputError


class Optimizer(NamedTuple):
    name: str
    hyperparams: dict[str, Any]  # every hyperparameter, defaults filled in
    init: Callable[[np.ndarray], Any]
    update: Callable[[np.ndarray, Any, np.ndarray], tuple[np.ndarray, Any]]
    # The per-coordinate learning rate the last update applied to its direction (for Adam
    # lr / (sqrt(v^) + eps), the essay's "adaptive learning rate"); None for SGD-like methods,
    # whose rate is lr everywhere.
    effective_lr: Callable[[Any], np.ndarray] | None = None
    # The named quantities of the update after a step, in the docstring's notation (Adam: m,
    # v, m_hat, v_hat), for `adamviz trace` and the moments view.
    trace: Callable[[Any], dict[str, np.ndarray]] | None = None
    # The batch engine's fast path: ``make_inplace(shape)`` returns ``step(grads, params)`` that
    # updates preallocated state and params in place, with exactly the pure update's
    # floating-point operations (tests check equality). None: the engine uses ``update``.
    make_inplace: Callable | None = None


# --- state -------------------------------------------------------------------------------------

class SGDState(NamedTuple):
    t: int
    buf: np.ndarray  # momentum buffer b (unused when momentum = 0)


class AdagradState(NamedTuple):
    t: int
    sum: np.ndarray  # running sum of squared gradients


class RMSpropState(NamedTuple):
    t: int
    v: np.ndarray  # square_avg: EMA of g^2
    g_avg: np.ndarray  # EMA of g (centered variant)
    buf: np.ndarray  # momentum buffer


class AdamState(NamedTuple):
    t: int
    m: np.ndarray  # first moment (EMA of g)
    v: np.ndarray  # second moment (EMA of g^2)
    v_max: np.ndarray  # running max of v (AMSGrad)


class AdamaxState(NamedTuple):
    t: int
    m: np.ndarray
    u: np.ndarray  # exponentially weighted infinity norm


class NAdamState(NamedTuple):
    t: int
    m: np.ndarray
    v: np.ndarray
    mu_product: float  # product of the momentum schedule mu_1 ... mu_t


# --- shared pieces of torch's arithmetic --------------------------------------------------------

def _lerp(start: np.ndarray, end: np.ndarray, weight: float) -> np.ndarray:
    """torch.lerp, computed the way torch's CPU kernel does (two branches for accuracy)."""
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)


def _l2(grads: np.ndarray, params: np.ndarray, weight_decay: float) -> np.ndarray:
    """Coupled (L2) weight decay, torch's ``grad.add(param, alpha=weight_decay)``."""
    return grads + weight_decay * params if weight_decay != 0 else grads


def _decay(params: np.ndarray, lr: float, weight_decay: float) -> np.ndarray:
    """Decoupled weight decay (AdamW): the part of the step that shrinks the parameters."""
    return params * (1 - lr * weight_decay) - params if weight_decay != 0 else 0.0


# --- validation --------------------------------------------------------------------------------

def _check(lr=None, eps=None, weight_decay=None, momentum=None, **betas) -> None:
    """Reject out-of-range hyperparameters with torch-style messages."""
    if lr is not None and not lr > 0:
        raise InputError(f"Invalid learning rate: {lr} (must be > 0)")
    if eps is not None and not eps > 0:
        raise InputError(f"Invalid epsilon value: {eps} (must be > 0)")
    if weight_decay is not None and not weight_decay >= 0:
        raise InputError(f"Invalid weight_decay value: {weight_decay} (must be >= 0)")
    if momentum is not None and not momentum >= 0:
        raise InputError(f"Invalid momentum value: {momentum} (must be >= 0)")
    for name, beta in betas.items():
        if not 0 <= beta < 1:
            raise InputError(f"Invalid {name} value: {beta} (must be in [0, 1))")


def _zeros(params: np.ndarray) -> np.ndarray:
    return np.zeros_like(params, dtype=float)


# --- the optimizers ----------------------------------------------------------------------------

def sgd(lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
        weight_decay: float = 0.0, nesterov: bool = False) -> Optimizer:
    """SGD: b = mu*b + (1-tau)*g (b = g at t=1); x -= lr * (g + mu*b if nesterov else b).

    Symbols: lr = ``lr``, mu = ``momentum``, tau = ``dampening``; with ``weight_decay`` = wd the
    gradient is g + wd*x. With mu = 0 this is plain gradient descent, x -= lr*g.
    Reference: ``torch.optim.SGD`` (same defaults). Unlike the Sutskever et al. form, torch
    multiplies the buffer (not the step) by lr, and the first buffer is the raw gradient.
    """
    _check(lr=lr, weight_decay=weight_decay, momentum=momentum)
    if nesterov and (momentum <= 0 or dampening != 0):
        raise InputError("Nesterov momentum requires a momentum > 0 and zero dampening")

    def init(params):
        return SGDState(t=0, buf=_zeros(params))

    def update(grads, state, params):
        g = _l2(grads, params, weight_decay)
        buf = state.buf
        if momentum != 0:
            buf = g.copy() if state.t == 0 else buf * momentum + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        return -lr * g, SGDState(t=state.t + 1, buf=buf)

    def trace(state):
        return {"b": state.buf} if momentum != 0 else {}

    def make_inplace(shape):
        buf, tmp = np.zeros(shape), np.empty(shape)
        t = [0]

        def step(g, p):
            if weight_decay != 0:
                np.multiply(weight_decay, p, out=tmp)
                g = np.add(g, tmp, out=g)
            if momentum != 0:
                if t[0] == 0:
                    buf[...] = g
                else:
                    np.multiply(buf, momentum, out=buf)
                    np.multiply(1 - dampening, g, out=tmp)
                    np.add(buf, tmp, out=buf)
                if nesterov:
                    np.multiply(momentum, buf, out=tmp)
                    g = np.add(g, tmp, out=g)
                else:
                    g = buf
            np.multiply(-lr, g, out=tmp)
            np.add(p, tmp, out=p)
            t[0] += 1

        return step

    return Optimizer("sgd", _hyper(locals()), init, update, None, trace, make_inplace)


def momentum(lr: float = 1e-3, momentum: float = 0.9, dampening: float = 0.0,
             weight_decay: float = 0.0) -> Optimizer:
    """Momentum: b = mu*b + g (b = g at t=1); x -= lr * b.

    torch's SGD with ``momentum`` = mu (default here 0.9, the usual choice; torch's SGD defaults to
    0) and ``nesterov=False``. See ``sgd`` for every symbol.
    """
    opt = sgd(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay)
    return opt._replace(name="momentum", hyperparams=_hyper(locals(), drop=("opt",)))


def nesterov(lr: float = 1e-3, momentum: float = 0.9, weight_decay: float = 0.0) -> Optimizer:
    """Nesterov: b = mu*b + g (b = g at t=1); x -= lr * (g + mu*b).

    torch's SGD with ``momentum`` = mu (default here 0.9) and ``nesterov=True`` (which requires
    zero dampening). See ``sgd`` for every symbol.
    """
    opt = sgd(lr=lr, momentum=momentum, weight_decay=weight_decay, nesterov=True)
    return opt._replace(name="nesterov", hyperparams=_hyper(locals(), drop=("opt",)))


def adagrad(lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
            initial_accumulator_value: float = 0.0, eps: float = 1e-10) -> Optimizer:
    """Adagrad: s += g^2; x -= lr/(1 + (t-1)*lr_decay) * g / (sqrt(s) + eps).

    s starts at ``initial_accumulator_value``. Reference: ``torch.optim.Adagrad`` (eps outside the
    root, default 1e-10; Keras uses 1e-7).
    """
    _check(lr=lr, eps=eps, weight_decay=weight_decay)
    if lr_decay < 0:
        raise InputError(f"Invalid lr_decay value: {lr_decay} (must be >= 0)")
    if initial_accumulator_value < 0:
        raise InputError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}"
                         " (must be >= 0)")

    def init(params):
        return AdagradState(t=0, sum=np.full_like(params, initial_accumulator_value, dtype=float))

    def update(grads, state, params):
        t = state.t + 1
        g = _l2(grads, params, weight_decay)
        clr = lr / (1 + (t - 1) * lr_decay)
        s = state.sum + 1 * g * g
        std = np.sqrt(s) + eps
        return -clr * g / std, AdagradState(t=t, sum=s)

    def effective_lr(state):
        return lr / (1 + (state.t - 1) * lr_decay) / (np.sqrt(state.sum) + eps)

    def trace(state):
        return {"s": state.sum}

    return Optimizer("adagrad", _hyper(locals()), init, update, effective_lr, trace)


def rmsprop(lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0,
            momentum: float = 0.0, centered: bool = False) -> Optimizer:
    """RMSProp: v = a*v + (1-a)*g^2; x -= lr * g / (sqrt(v) + eps).

    a = ``alpha``. ``centered`` subtracts the squared EMA of g from v before the root; with
    ``momentum`` = mu the step goes through a buffer b = mu*b + g/(sqrt(v) + eps), x -= lr*b.
    Reference: ``torch.optim.RMSprop`` (eps outside the root; TensorFlow and optax put it inside,
    and optax defaults to decay 0.9, torch to alpha 0.99).
    """
    _check(lr=lr, eps=eps, weight_decay=weight_decay, momentum=momentum)
    if not 0 <= alpha <= 1:
        raise InputError(f"Invalid alpha value: {alpha} (must be in [0, 1])")

    def init(params):
        return RMSpropState(t=0, v=_zeros(params), g_avg=_zeros(params), buf=_zeros(params))

    def update(grads, state, params):
        g = _l2(grads, params, weight_decay)
        v = state.v * alpha + (1 - alpha) * g * g
        g_avg = state.g_avg
        if centered:
            g_avg = _lerp(g_avg, g, 1 - alpha)
            avg = np.sqrt(v + -1 * g_avg * g_avg) + eps
        else:
            avg = np.sqrt(v) + eps
        buf = state.buf
        if momentum > 0:
            buf = buf * momentum + 1 * g / avg
            step = -lr * buf
        else:
            step = -lr * g / avg
        return step, RMSpropState(t=state.t + 1, v=v, g_avg=g_avg, buf=buf)

    def effective_lr(state):
        v = state.v - state.g_avg * state.g_avg if centered else state.v
        return lr / (np.sqrt(v) + eps)

    def trace(state):
        out = {"v": state.v}
        if centered:
            out["g_avg"] = state.g_avg
        if momentum > 0:
            out["b"] = state.buf
        return out

    def make_inplace(shape):
        if centered or momentum > 0 or weight_decay != 0:
            return None
        v, avg, tmp = np.zeros(shape), np.empty(shape), np.empty(shape)

        def step(g, p):
            np.multiply(v, alpha, out=v)
            np.multiply(1 - alpha, g, out=tmp)
            np.multiply(tmp, g, out=tmp)
            np.add(v, tmp, out=v)
            np.sqrt(v, out=avg)
            np.add(avg, eps, out=avg)
            np.multiply(-lr, g, out=tmp)
            np.divide(tmp, avg, out=tmp)
            np.add(p, tmp, out=p)

        return step

    return Optimizer("rmsprop", _hyper(locals()), init, update, effective_lr, trace,
                     make_inplace)


def adam(lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
         weight_decay: float = 0.0, amsgrad: bool = False, bias_correction: bool = True,
         eps_inside_sqrt: bool = False) -> Optimizer:
    """Adam: m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2; x -= lr * m^ / (sqrt(v^) + eps).

    m^ = m / (1 - b1^t) and v^ = v / (1 - b2^t) are the bias-corrected moments; b1 = ``beta1``,
    b2 = ``beta2``; ``weight_decay`` adds wd*x to g (L2; see ``adamw`` for the decoupled form);
    ``amsgrad`` uses the running maximum of v. Reference: ``torch.optim.Adam`` (same defaults).

    Two variants the documents discuss, neither in torch:
    - ``bias_correction=False``: the cs231n "simplified version", x -= lr * m / (sqrt(v) + eps),
      whose first steps are the raw moments' ratio (|step| ~ lr*(1-b1)/sqrt(1-b2) ~ 3.16*lr).
    - ``eps_inside_sqrt=True``: the algorithm box of "Mr. Adam Who Are You?" (and TensorFlow's
      RMSProp), x -= lr * m^ / sqrt(v^ + eps).
    """
    _check(lr=lr, eps=eps, weight_decay=weight_decay, beta1=beta1, beta2=beta2)
    return _adam("adam", _hyper(locals()), lr, beta1, beta2, eps, weight_decay, amsgrad,
                 bias_correction, eps_inside_sqrt, decoupled=False)


def adamw(lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
          weight_decay: float = 1e-2, amsgrad: bool = False) -> Optimizer:
    """AdamW: x = x*(1 - lr*wd), then Adam's step x -= lr * m^ / (sqrt(v^) + eps).

    Decoupled weight decay: wd = ``weight_decay`` (default 1e-2, as torch) shrinks x directly and
    never enters m or v. Reference: ``torch.optim.AdamW``.
    """
    _check(lr=lr, eps=eps, weight_decay=weight_decay, beta1=beta1, beta2=beta2)
    return _adam("adamw", _hyper(locals()), lr, beta1, beta2, eps, weight_decay, amsgrad,
                 bias_correction=True, eps_inside_sqrt=False, decoupled=True)


def _adam(name, hyper, lr, beta1, beta2, eps, weight_decay, amsgrad, bias_correction,
          eps_inside_sqrt, decoupled) -> Optimizer:
    """The shared body of Adam and AdamW, written as torch's ``_single_tensor_adam``."""

    def init(params):
        return AdamState(t=0, m=_zeros(params), v=_zeros(params), v_max=_zeros(params))

    def update(grads, state, params):
        t = state.t + 1
        g = grads if decoupled else _l2(grads, params, weight_decay)
        m = _lerp(state.m, g, 1 - beta1)
        v = state.v * beta2 + (1 - beta2) * g * g
        v_max = np.maximum(state.v_max, v) if amsgrad else state.v_max
        second = v_max if amsgrad else v
        bc1 = 1 - beta1**t if bias_correction else 1.0
        bc2 = 1 - beta2**t if bias_correction else 1.0
        step_size = lr / bc1
        if eps_inside_sqrt:
            denom = np.sqrt(second / bc2 + eps)
        else:
            denom = np.sqrt(second) / bc2**0.5 + eps
        step = -step_size * m / denom
        if decoupled and weight_decay != 0:
            # torch shrinks the parameters first, then adds the Adam step (see nadam).
            step = (params * (1 - lr * weight_decay) + step) - params
        return step, AdamState(t=t, m=m, v=v, v_max=v_max)

    def effective_lr(state):
        """lr / (sqrt(v^) + eps): the rate applied to m^ (eps placement as in the update)."""
        second = state.v_max if amsgrad else state.v
        bc2 = 1 - beta2**state.t if bias_correction else 1.0
        if eps_inside_sqrt:
            return lr / np.sqrt(second / bc2 + eps)
        return lr / (np.sqrt(second) / bc2**0.5 + eps)

    def trace(state):
        out = {"m": state.m, "v": state.v}
        if amsgrad:
            out["v_max"] = state.v_max
        if bias_correction:
            out["m_hat"] = state.m / (1 - beta1**state.t)
            out["v_hat"] = (state.v_max if amsgrad else state.v) / (1 - beta2**state.t)
        return out

    def make_inplace(shape):
        if decoupled or weight_decay != 0:
            return None
        m, v, v_max = np.zeros(shape), np.zeros(shape), np.zeros(shape)
        den, tmp = np.empty(shape), np.empty(shape)
        w = 1 - beta1
        t = [0]

        def step(g, p):
            t[0] += 1
            if abs(w) < 0.5:  # _lerp's two branches
                np.subtract(g, m, out=tmp)
                np.multiply(tmp, w, out=tmp)
                np.add(m, tmp, out=m)
            else:
                np.subtract(g, m, out=tmp)
                np.multiply(tmp, 1 - w, out=tmp)
                np.subtract(g, tmp, out=m)
            np.multiply(v, beta2, out=v)
            np.multiply(1 - beta2, g, out=tmp)
            np.multiply(tmp, g, out=tmp)
            np.add(v, tmp, out=v)
            second = v
            if amsgrad:
                np.maximum(v_max, v, out=v_max)
                second = v_max
            bc1 = 1 - beta1 ** t[0] if bias_correction else 1.0
            bc2 = 1 - beta2 ** t[0] if bias_correction else 1.0
            if eps_inside_sqrt:
                np.divide(second, bc2, out=den)
                np.add(den, eps, out=den)
                np.sqrt(den, out=den)
            else:
                np.sqrt(second, out=den)
                np.divide(den, bc2**0.5, out=den)
                np.add(den, eps, out=den)
            np.multiply(-(lr / bc1), m, out=tmp)
            np.divide(tmp, den, out=tmp)
            np.add(p, tmp, out=p)

        return step

    return Optimizer(name, hyper, init, update, effective_lr, trace, make_inplace)


def adamax(lr: float = 2e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
           weight_decay: float = 0.0) -> Optimizer:
    """Adamax: m = b1*m + (1-b1)*g; u = max(b2*u, |g| + eps); x -= lr/(1 - b1^t) * m / u.

    Adam with the infinity norm in place of the root of v. Reference: ``torch.optim.Adamax``
    (eps is added to |g| inside the max).
    """
    _check(lr=lr, eps=eps, weight_decay=weight_decay, beta1=beta1, beta2=beta2)

    def init(params):
        return AdamaxState(t=0, m=_zeros(params), u=_zeros(params))

    def update(grads, state, params):
        t = state.t + 1
        g = _l2(grads, params, weight_decay)
        m = _lerp(state.m, g, 1 - beta1)
        u = np.maximum(state.u * beta2, np.abs(g) + eps)
        clr = lr / (1 - beta1**t)
        return -clr * m / u, AdamaxState(t=t, m=m, u=u)

    def effective_lr(state):
        return lr / state.u  # the rate applied to m^ = m / (1 - b1^t)

    def trace(state):
        return {"m": state.m, "u": state.u, "m_hat": state.m / (1 - beta1**state.t)}

    return Optimizer("adamax", _hyper(locals()), init, update, effective_lr, trace)


def nadam(lr: float = 2e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
          weight_decay: float = 0.0, momentum_decay: float = 4e-3,
          decoupled_weight_decay: bool = False) -> Optimizer:
    """NAdam: x -= lr*(1-mu_t)/(1-P_t) * g/d + lr*mu_{t+1}/(1-P_{t+1}) * m/d, d = sqrt(v^)+eps.

    Adam with Nesterov momentum (Dozat 2016): mu_t = b1*(1 - 0.5*0.96^(t*psi)) is the momentum
    schedule with psi = ``momentum_decay``, P_t = mu_1*...*mu_t, and v^ = v/(1 - b2^t).
    Reference: ``torch.optim.NAdam`` (same defaults).
    """
    _check(lr=lr, eps=eps, weight_decay=weight_decay, beta1=beta1, beta2=beta2)
    if momentum_decay < 0:
        raise InputError(f"Invalid momentum_decay value: {momentum_decay} (must be >= 0)")

    def init(params):
        return NAdamState(t=0, m=_zeros(params), v=_zeros(params), mu_product=1.0)

    def update(grads, state, params):
        t = state.t + 1
        bc2 = 1 - beta2**t
        decay = 0.0
        if decoupled_weight_decay:
            decay, g = _decay(params, lr, weight_decay), grads
        else:
            g = _l2(grads, params, weight_decay)
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (t * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((t + 1) * momentum_decay)))
        mu_product = state.mu_product * mu
        m = _lerp(state.m, g, 1 - beta1)
        v = state.v * beta2 + (1 - beta2) * g * g
        denom = np.sqrt(v / bc2) + eps
        # torch adds the two terms to the parameters one after the other; doing the same and
        # taking the difference makes params + step round exactly as torch does.
        new = params + decay
        new = new + (-lr * (1.0 - mu) / (1.0 - mu_product)) * g / denom
        new = new + ((-lr * mu_next) / (1.0 - mu_product * mu_next)) * m / denom
        return new - params, NAdamState(t=t, m=m, v=v, mu_product=mu_product)

    def effective_lr(state):
        return lr / (np.sqrt(state.v / (1 - beta2**state.t)) + eps)

    def trace(state):
        return {"m": state.m, "v": state.v, "v_hat": state.v / (1 - beta2**state.t)}

    return Optimizer("nadam", _hyper(locals()), init, update, effective_lr, trace)


def radam(lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
          weight_decay: float = 0.0, decoupled_weight_decay: bool = False) -> Optimizer:
    """RAdam: x -= lr * m^ * r_t * sqrt(1-b2^t)/(sqrt(v)+eps) if rho_t > 5, else x -= lr * m^.

    Rectified Adam (Liu et al. 2019): rho_inf = 2/(1-b2) - 1, rho_t = rho_inf - 2t*b2^t/(1-b2^t),
    r_t = sqrt((rho_t-4)(rho_t-2)rho_inf / ((rho_inf-4)(rho_inf-2)rho_t)); the first steps, while
    the variance estimate is unreliable, are plain momentum SGD. Reference: ``torch.optim.RAdam``.
    """
    _check(lr=lr, eps=eps, weight_decay=weight_decay, beta1=beta1, beta2=beta2)

    def init(params):
        return AdamState(t=0, m=_zeros(params), v=_zeros(params), v_max=_zeros(params))

    def update(grads, state, params):
        t = state.t + 1
        decay = 0.0
        if decoupled_weight_decay:
            decay, g = _decay(params, lr, weight_decay), grads
        else:
            g = _l2(grads, params, weight_decay)
        m = _lerp(state.m, g, 1 - beta1)
        v = state.v * beta2 + (1 - beta2) * g * g
        bc1 = 1 - beta1**t
        bc2 = 1 - beta2**t
        m_hat = m / bc1
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * (beta2**t) / bc2
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                    / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            adaptive = (bc2**0.5) / (np.sqrt(v) + eps)
            step = -(m_hat * lr * adaptive * rect)
        else:
            step = -(m_hat * lr)
        if decoupled_weight_decay and weight_decay != 0:
            step = (params + decay + step) - params  # torch's order (see nadam)
        return step, AdamState(t=t, m=m, v=v, v_max=state.v_max)

    def effective_lr(state):
        t = state.t
        bc2 = 1 - beta2**t
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * (beta2**t) / bc2
        if rho_t <= 5.0:
            return np.full_like(state.v, lr)  # not yet rectified: plain momentum SGD
        rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        return lr * rect * bc2**0.5 / (np.sqrt(state.v) + eps)

    def trace(state):
        return {"m": state.m, "v": state.v, "m_hat": state.m / (1 - beta1**state.t)}

    return Optimizer("radam", _hyper(locals()), init, update, effective_lr, trace)


# --- registry ----------------------------------------------------------------------------------

OPTIMIZERS: dict[str, Callable[..., Optimizer]] = {
    f.__name__: f
    for f in (sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw, adamax, nadam, radam)
}


def _hyper(scope: dict, drop=()) -> dict[str, Any]:
    """The factory's arguments (its hyperparameters) from its ``locals()``, in signature order."""
    return {k: v for k, v in scope.items() if k not in drop and not callable(v)
            and not k.startswith("_")}


def defaults(name: str) -> dict[str, Any]:
    """The default hyperparameters of optimizer ``name`` (from its factory's signature)."""
    params = inspect.signature(factory(name)).parameters
    return {k: p.default for k, p in params.items()}


def rule(name: str) -> str:
    """The one-line update rule (first line of the factory's docstring)."""
    return inspect.getdoc(factory(name)).splitlines()[0]


def factory(name: str) -> Callable[..., Optimizer]:
    if name not in OPTIMIZERS:
        from .surfaces import suggest

        raise InputError(f"Unknown optimizer {name!r}{suggest(name, OPTIMIZERS)}")
    return OPTIMIZERS[name]


def make(name: str, **hyperparams) -> Optimizer:
    """Build optimizer ``name``; unknown or ill-typed hyperparameters raise ``InputError``."""
    known = defaults(name)
    for key, value in hyperparams.items():
        if key not in known:
            from .surfaces import suggest

            raise InputError(f"Unknown hyperparameter {key!r} for {name}"
                             f"{suggest(key, known)}")
        if isinstance(known[key], bool):
            if not isinstance(value, bool):
                raise InputError(f"{name}: {key} must be true or false, got {value!r}")
        elif isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(f"{name}: {key} must be a number, got {value!r}")
        elif not math.isfinite(value):
            raise InputError(f"{name}: {key} must be finite, got {value!r}")
    values = {k: (v if isinstance(known[k], bool) else float(v)) for k, v in hyperparams.items()}
    return OPTIMIZERS[name](**values)
