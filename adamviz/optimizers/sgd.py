"""SGD and its momentum forms, Adagrad and RMSProp, with torch.optim's semantics and defaults.

Each factory validates its hyperparameters and returns an ``Optimizer`` whose ``update`` is the
single-tensor code path of the torch class named in its docstring, operation for operation (so
trajectories agree to rounding; ``tests/test_torch_reference.py`` checks it).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..core.errors import InputError
from .base import Optimizer, check, l2, zeros
from .ops import ALLOCATE


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


def sgd(lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
        weight_decay: float = 0.0, nesterov: bool = False) -> Optimizer:
    """SGD: b = mu*b + (1-tau)*g (b = g at t=1); x -= lr * (g + mu*b if nesterov else b).

    Symbols: lr = ``lr``, mu = ``momentum``, tau = ``dampening``; with ``weight_decay`` = wd the
    gradient is g + wd*x. With mu = 0 this is plain gradient descent, x -= lr*g.
    Reference: ``torch.optim.SGD`` (same defaults). Unlike the Sutskever et al. form, torch
    multiplies the buffer (not the step) by lr, and the first buffer is the raw gradient.
    """
    check(lr=lr, weight_decay=weight_decay, momentum=momentum)
    if nesterov and (momentum <= 0 or dampening != 0):
        raise InputError("Nesterov momentum requires a momentum > 0 and zero dampening")

    def init(params):
        return SGDState(t=0, buf=zeros(params))

    def update(grads, state, params, ops=ALLOCATE):
        g = l2(grads, params, weight_decay, ops, out=ops.buffer("g"))
        buf = state.buf
        if momentum != 0:
            if state.t == 0:
                buf = ops.copy(g, out=buf)
            else:
                scaled = ops.mul(buf, momentum, out=buf)
                buf = ops.add(scaled, ops.mul(1 - dampening, g, out=ops.buffer("tmp")), out=buf)
            if nesterov:
                g = ops.add(g, ops.mul(momentum, buf, out=ops.buffer("tmp")),
                            out=ops.buffer("g"))
            else:
                g = buf
        return ops.mul(-lr, g, out=ops.buffer("step")), SGDState(t=state.t + 1, buf=buf)

    def trace(state):
        return {"b": state.buf} if momentum != 0 else {}

    return Optimizer(init=init, update=update, trace=trace)


def momentum(lr: float = 1e-3, momentum: float = 0.9, dampening: float = 0.0,
             weight_decay: float = 0.0) -> Optimizer:
    """Momentum: b = mu*b + g (b = g at t=1); x -= lr * b.

    torch's SGD with ``momentum`` = mu (default here 0.9, the usual choice; torch's SGD defaults to
    0) and ``nesterov=False``. See ``sgd`` for every symbol.
    """
    return sgd(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay)


def nesterov(lr: float = 1e-3, momentum: float = 0.9, weight_decay: float = 0.0) -> Optimizer:
    """Nesterov: b = mu*b + g (b = g at t=1); x -= lr * (g + mu*b).

    torch's SGD with ``momentum`` = mu (default here 0.9) and ``nesterov=True`` (which requires
    zero dampening). See ``sgd`` for every symbol.
    """
    return sgd(lr=lr, momentum=momentum, weight_decay=weight_decay, nesterov=True)


def adagrad(lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
            initial_accumulator_value: float = 0.0, eps: float = 1e-10) -> Optimizer:
    """Adagrad: s += g^2; x -= lr/(1 + (t-1)*lr_decay) * g / (sqrt(s) + eps).

    s starts at ``initial_accumulator_value``. Reference: ``torch.optim.Adagrad`` (eps outside the
    root, default 1e-10; Keras uses 1e-7).
    """
    check(lr=lr, eps=eps, weight_decay=weight_decay)
    if lr_decay < 0:
        raise InputError(f"Invalid lr_decay value: {lr_decay} (must be >= 0)")
    if initial_accumulator_value < 0:
        raise InputError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}"
                         " (must be >= 0)")

    def init(params):
        return AdagradState(t=0, sum=np.full_like(params, initial_accumulator_value, dtype=float))

    def update(grads, state, params, ops=ALLOCATE):
        t = state.t + 1
        g = l2(grads, params, weight_decay, ops, out=ops.buffer("g"))
        clr = lr / (1 + (t - 1) * lr_decay)
        s = ops.add(state.sum, ops.mul(g, g, out=ops.buffer("tmp")), out=state.sum)
        std = ops.add(ops.sqrt(s, out=ops.buffer("std")), eps, out=ops.buffer("std"))
        step = ops.div(ops.mul(-clr, g, out=ops.buffer("step")), std, out=ops.buffer("step"))
        return step, AdagradState(t=t, sum=s)

    def effective_lr(state):
        return lr / (1 + (state.t - 1) * lr_decay) / (np.sqrt(state.sum) + eps)

    def trace(state):
        return {"s": state.sum}

    return Optimizer(init=init, update=update, effective_lr=effective_lr, trace=trace)


def rmsprop(lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0,
            momentum: float = 0.0, centered: bool = False) -> Optimizer:
    """RMSProp: v = a*v + (1-a)*g^2; x -= lr * g / (sqrt(v) + eps).

    a = ``alpha``. ``centered`` subtracts the squared EMA of g from v before the root; with
    ``momentum`` = mu the step goes through a buffer b = mu*b + g/(sqrt(v) + eps), x -= lr*b.
    Reference: ``torch.optim.RMSprop`` (eps outside the root; TensorFlow and optax put it inside,
    and optax defaults to decay 0.9, torch to alpha 0.99).
    """
    check(lr=lr, eps=eps, weight_decay=weight_decay, momentum=momentum)
    if not 0 <= alpha <= 1:
        raise InputError(f"Invalid alpha value: {alpha} (must be in [0, 1])")

    def init(params):
        return RMSpropState(t=0, v=zeros(params), g_avg=zeros(params), buf=zeros(params))

    def update(grads, state, params, ops=ALLOCATE):
        g = l2(grads, params, weight_decay, ops, out=ops.buffer("g"))
        tmp, avg = ops.buffer("tmp"), ops.buffer("avg")
        v = ops.mul(state.v, alpha, out=state.v)
        v = ops.add(v, ops.mul(ops.mul(1 - alpha, g, out=tmp), g, out=tmp), out=state.v)
        g_avg = state.g_avg
        if centered:
            g_avg = ops.lerp(g_avg, g, 1 - alpha, out=g_avg)
            var = ops.sub(v, ops.mul(g_avg, g_avg, out=tmp), out=avg)
            avg = ops.add(ops.sqrt(var, out=avg), eps, out=avg)
        else:
            avg = ops.add(ops.sqrt(v, out=avg), eps, out=avg)
        buf = state.buf
        if momentum > 0:
            buf = ops.add(ops.mul(buf, momentum, out=buf), ops.div(g, avg, out=tmp), out=buf)
            step = ops.mul(-lr, buf, out=ops.buffer("step"))
        else:
            step = ops.div(ops.mul(-lr, g, out=ops.buffer("step")), avg, out=ops.buffer("step"))
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

    return Optimizer(init=init, update=update, effective_lr=effective_lr, trace=trace)
