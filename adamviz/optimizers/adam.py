"""Adam and its relatives (AdamW, Adamax, NAdam, RAdam), with torch.optim's semantics.

Written as torch's ``_single_tensor_*`` functions, operation for operation. Where torch adds two
terms to the parameters one after the other (decoupled weight decay, NAdam's two momentum
terms), the step is returned as ``(params + a + b) - params`` so that ``params + step`` rounds
exactly as torch's in-place additions do.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..core.errors import InputError
from .base import Optimizer, check, l2, zeros
from .ops import ALLOCATE


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


def _moments(g, state, beta1, beta2, ops):
    """m = lerp(m, g, 1 - b1); v = b2*v + (1 - b2)*g*g, into the state's arrays."""
    m = ops.lerp(state.m, g, 1 - beta1, out=state.m)
    tmp = ops.buffer("tmp")
    v = ops.mul(state.v, beta2, out=state.v)
    v = ops.add(v, ops.mul(ops.mul(1 - beta2, g, out=tmp), g, out=tmp), out=state.v)
    return m, v


def _after(start, step, params, ops):
    """(start + step) - params: torch moves the parameters to ``start`` first (decoupled weight
    decay), then adds the step; the difference makes ``params + step`` land where torch does."""
    new = ops.add(start, step, out=ops.buffer("new"))
    return ops.sub(new, params, out=ops.buffer("step"))


def _shrunk(params, lr, weight_decay, ops):
    """Decoupled weight decay, torch's ``param.mul_(1 - lr * weight_decay)``."""
    return ops.mul(params, 1 - lr * weight_decay, out=ops.buffer("shrunk"))


def _weight_decay(grads, params, lr, weight_decay, decoupled, ops):
    """(gradient, decayed parameters or None): decoupled decay shrinks the parameters (AdamW),
    coupled decay adds wd*x to the gradient (L2)."""
    if not decoupled:
        return l2(grads, params, weight_decay, ops, out=ops.buffer("g")), None
    return grads, _shrunk(params, lr, weight_decay, ops) if weight_decay != 0 else None


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
    check(lr=lr, eps=eps, weight_decay=weight_decay, beta1=beta1, beta2=beta2)
    return _adam(lr, beta1, beta2, eps, weight_decay, amsgrad, bias_correction,
                 eps_inside_sqrt, decoupled=False)


def adamw(lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
          weight_decay: float = 1e-2, amsgrad: bool = False) -> Optimizer:
    """AdamW: x = x*(1 - lr*wd), then Adam's step x -= lr * m^ / (sqrt(v^) + eps).

    Decoupled weight decay: wd = ``weight_decay`` (default 1e-2, as torch) shrinks x directly and
    never enters m or v. Reference: ``torch.optim.AdamW``.
    """
    check(lr=lr, eps=eps, weight_decay=weight_decay, beta1=beta1, beta2=beta2)
    return _adam(lr, beta1, beta2, eps, weight_decay, amsgrad, bias_correction=True,
                 eps_inside_sqrt=False, decoupled=True)


def _adam(lr, beta1, beta2, eps, weight_decay, amsgrad, bias_correction, eps_inside_sqrt,
          decoupled) -> Optimizer:
    """The shared body of Adam and AdamW, written as torch's ``_single_tensor_adam``."""

    def init(params):
        return AdamState(t=0, m=zeros(params), v=zeros(params), v_max=zeros(params))

    def update(grads, state, params, ops=ALLOCATE):
        t = state.t + 1
        g = grads if decoupled else l2(grads, params, weight_decay, ops, out=ops.buffer("g"))
        m, v = _moments(g, state, beta1, beta2, ops)
        v_max = ops.maximum(state.v_max, v, out=state.v_max) if amsgrad else state.v_max
        second = v_max if amsgrad else v
        bc1 = 1 - beta1**t if bias_correction else 1.0
        bc2 = 1 - beta2**t if bias_correction else 1.0
        den = ops.buffer("den")
        if eps_inside_sqrt:
            den = ops.sqrt(ops.add(ops.div(second, bc2, out=den), eps, out=den), out=den)
        else:
            den = ops.add(ops.div(ops.sqrt(second, out=den), bc2**0.5, out=den), eps, out=den)
        step = ops.div(ops.mul(-(lr / bc1), m, out=ops.buffer("step")), den,
                       out=ops.buffer("step"))
        if decoupled and weight_decay != 0:
            step = _after(_shrunk(params, lr, weight_decay, ops), step, params, ops)
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

    return Optimizer(init=init, update=update, effective_lr=effective_lr, trace=trace)


def adamax(lr: float = 2e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
           weight_decay: float = 0.0) -> Optimizer:
    """Adamax: m = b1*m + (1-b1)*g; u = max(b2*u, |g| + eps); x -= lr/(1 - b1^t) * m / u.

    Adam with the infinity norm in place of the root of v. Reference: ``torch.optim.Adamax``
    (eps is added to |g| inside the max).
    """
    check(lr=lr, eps=eps, weight_decay=weight_decay, beta1=beta1, beta2=beta2)

    def init(params):
        return AdamaxState(t=0, m=zeros(params), u=zeros(params))

    def update(grads, state, params, ops=ALLOCATE):
        t = state.t + 1
        g = l2(grads, params, weight_decay, ops, out=ops.buffer("g"))
        m = ops.lerp(state.m, g, 1 - beta1, out=state.m)
        tmp = ops.buffer("tmp")
        norm = ops.add(ops.abs(g, out=tmp), eps, out=tmp)
        u = ops.maximum(ops.mul(state.u, beta2, out=state.u), norm, out=state.u)
        clr = lr / (1 - beta1**t)
        step = ops.div(ops.mul(-clr, m, out=ops.buffer("step")), u, out=ops.buffer("step"))
        return step, AdamaxState(t=t, m=m, u=u)

    def effective_lr(state):
        return lr / state.u  # the rate applied to m^ = m / (1 - b1^t)

    def trace(state):
        return {"m": state.m, "u": state.u, "m_hat": state.m / (1 - beta1**state.t)}

    return Optimizer(init=init, update=update, effective_lr=effective_lr, trace=trace)


def nadam(lr: float = 2e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
          weight_decay: float = 0.0, momentum_decay: float = 4e-3,
          decoupled_weight_decay: bool = False) -> Optimizer:
    """NAdam: x -= lr*(1-mu_t)/(1-P_t) * g/d + lr*mu_{t+1}/(1-P_{t+1}) * m/d, d = sqrt(v^)+eps.

    Adam with Nesterov momentum (Dozat 2016): mu_t = b1*(1 - 0.5*0.96^(t*psi)) is the momentum
    schedule with psi = ``momentum_decay``, P_t = mu_1*...*mu_t, and v^ = v/(1 - b2^t).
    Reference: ``torch.optim.NAdam`` (same defaults).
    """
    check(lr=lr, eps=eps, weight_decay=weight_decay, beta1=beta1, beta2=beta2)
    if momentum_decay < 0:
        raise InputError(f"Invalid momentum_decay value: {momentum_decay} (must be >= 0)")

    def init(params):
        return NAdamState(t=0, m=zeros(params), v=zeros(params), mu_product=1.0)

    def update(grads, state, params, ops=ALLOCATE):
        t = state.t + 1
        bc2 = 1 - beta2**t
        g, start = _weight_decay(grads, params, lr, weight_decay, decoupled_weight_decay, ops)
        start = params if start is None else start
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (t * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((t + 1) * momentum_decay)))
        mu_product = state.mu_product * mu
        m, v = _moments(g, state, beta1, beta2, ops)
        den = ops.buffer("den")
        den = ops.add(ops.sqrt(ops.div(v, bc2, out=den), out=den), eps, out=den)
        # torch adds the two terms to the (decayed) parameters one after the other
        tmp, new = ops.buffer("tmp"), ops.buffer("new")
        term = ops.mul(-lr * (1.0 - mu) / (1.0 - mu_product), g, out=tmp)
        new = ops.add(start, ops.div(term, den, out=tmp), out=new)
        term = ops.mul((-lr * mu_next) / (1.0 - mu_product * mu_next), m, out=tmp)
        new = ops.add(new, ops.div(term, den, out=tmp), out=new)
        step = ops.sub(new, params, out=ops.buffer("step"))
        return step, NAdamState(t=t, m=m, v=v, mu_product=mu_product)

    def effective_lr(state):
        return lr / (np.sqrt(state.v / (1 - beta2**state.t)) + eps)

    def trace(state):
        return {"m": state.m, "v": state.v, "v_hat": state.v / (1 - beta2**state.t)}

    return Optimizer(init=init, update=update, effective_lr=effective_lr, trace=trace)


def _rectification(t: int, beta2: float) -> float | None:
    """RAdam's r_t, or None while rho_t <= 5 (the variance estimate is not yet usable)."""
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * t * (beta2**t) / (1 - beta2**t)
    if rho_t <= 5.0:
        return None
    return ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5


def radam(lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
          weight_decay: float = 0.0, decoupled_weight_decay: bool = False) -> Optimizer:
    """RAdam: x -= lr * m^ * r_t * sqrt(1-b2^t)/(sqrt(v)+eps) if rho_t > 5, else x -= lr * m^.

    Rectified Adam (Liu et al. 2019): rho_inf = 2/(1-b2) - 1, rho_t = rho_inf - 2t*b2^t/(1-b2^t),
    r_t = sqrt((rho_t-4)(rho_t-2)rho_inf / ((rho_inf-4)(rho_inf-2)rho_t)); the first steps, while
    the variance estimate is unreliable, are plain momentum SGD. Reference: ``torch.optim.RAdam``.
    """
    check(lr=lr, eps=eps, weight_decay=weight_decay, beta1=beta1, beta2=beta2)

    def init(params):
        return AdamState(t=0, m=zeros(params), v=zeros(params), v_max=zeros(params))

    def update(grads, state, params, ops=ALLOCATE):
        t = state.t + 1
        g, start = _weight_decay(grads, params, lr, weight_decay, decoupled_weight_decay, ops)
        m, v = _moments(g, state, beta1, beta2, ops)
        bc2 = 1 - beta2**t
        step = ops.mul(ops.div(m, 1 - beta1**t, out=ops.buffer("step")), lr,
                       out=ops.buffer("step"))  # m^ * lr
        rect = _rectification(t, beta2)
        if rect is not None:
            den = ops.buffer("den")
            adaptive = ops.div(bc2**0.5, ops.add(ops.sqrt(v, out=den), eps, out=den), out=den)
            step = ops.mul(ops.mul(step, adaptive, out=step), rect, out=step)
        step = ops.mul(step, -1.0, out=step)
        if start is not None:
            step = _after(start, step, params, ops)
        return step, AdamState(t=t, m=m, v=v, v_max=state.v_max)

    def effective_lr(state):
        rect = _rectification(state.t, beta2)
        if rect is None:
            return np.full_like(state.v, lr)  # not yet rectified: plain momentum SGD
        return lr * rect * (1 - beta2**state.t) ** 0.5 / (np.sqrt(state.v) + eps)

    def trace(state):
        return {"m": state.m, "v": state.v, "m_hat": state.m / (1 - beta1**state.t)}

    return Optimizer(init=init, update=update, effective_lr=effective_lr, trace=trace)
