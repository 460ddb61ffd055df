"""The rate of any optimizer file at a minimum: the spectral radius of one step's Jacobian.

One step maps (p, state) to (p', state'), with g = grad f(p). Near a minimum p* where the
gradient is zero, its linear part is the Jacobian at the rest point: p = p*, g = 0 and the
state at rest (its value after steps at zero gradient from its first values, once it no longer
changes), with t taken to infinity (t = ``T_REST``, where beta**t is 0: bias corrections are
1 and RAdam's rectification its limit). The rule is differentiated exactly, as a surface is:
recorded on a tape (``rule_programs.Recorder``) and run through reverse mode
(``autodiff.gradient``), so every output's derivative with respect to g, p and each state
variable is a program. A rule works coordinate by coordinate, so each derivative is one number a
coordinate; the gradient couples the coordinates through the Hessian H:

    J[o, p] = diag(d o/dp) + diag(d o/dg) H,    J[o, s] = diag(d o/ds)   (o, s: p or a state)

Everything runs on numpy arrays over the cells of a hyperparameter grid at once.
"""

from __future__ import annotations

import numpy as np

from ..core.autodiff import ARITY, Program, gradient
from ..core.programs import function_of
from ..core.rule_programs import ARRAY, Recorder

T_REST = 2.0 ** 40  # "t -> infinity": beta**t is 0 for every beta < 1 - 1e-10
REST_STEPS = 2000  # steps at zero gradient for the state to settle (nadam's product: ~930)
LINEAR_SCALE = 1e-6  # distance from the minimum, relative to the box, where linearity is tested
LINEAR_TOL = 1e-3  # relative departure from the linear map that makes a step not linear


def derivative_program(definition) -> Program:
    """Outputs: p and each array state variable after a step, then the derivative of each of
    them with respect to g, p and each array state variable (output-major)."""
    program = definition.program
    rec = Recorder(program.names, program.input_kinds, definition.source)
    leaves = dict(zip(program.names, rec.tape.leaves, strict=True))
    rec.run(definition.rule)
    arrays = ("p", *program.array_state)
    outs = [rec.env[n] for n in arrays]
    wrt = [leaves[n] for n in ("g", *arrays)]

    def follow(var):  # only what depends on g, p or an array state can carry a derivative
        return rec.kind_of(var) == ARRAY

    derivatives = [d for o in outs for d in gradient(rec.tape, o, wrt, follow=follow)]
    return rec.tape.program([*outs, *derivatives])


def evaluate(program: Program, inputs: list, strong_zero: bool = False) -> list:
    """``program`` on broadcastable numpy arrays (every value may vary over the cells). With
    ``strong_zero`` a product with an exact 0 is 0: a derivative through a value that is 0 at
    rest carries nothing, also where another factor is infinite (Adam's v = (1 - beta2) g*g at
    g = 0 reaches its step through d sqrt(v)/dv = inf: 0 * inf, which is 0 in the limit, as
    |g| has bounded derivatives)."""
    slots = list(inputs)
    with np.errstate(all="ignore"):
        for op, args in program.ops:
            n = ARITY.get(op, 1)
            values = [slots[a] if isinstance(a, int) else a for a in args[:n]]
            out = np.empty(np.broadcast_shapes(*(np.shape(v) for v in values)))
            fn = np.power if op in ("spow", "powt") else function_of(op, args[n:])
            fn(*values, out)
            if strong_zero and op == "mul":
                out[(np.asarray(values[0]) == 0) | (np.asarray(values[1]) == 0)] = 0.0
            slots.append(out)
    return [slots[o] if isinstance(o, int) else o for o in program.outputs]


class Step:
    """One optimizer file's step at a point, over N cells of hyperparameters (each (N,))."""

    def __init__(self, definition, hyper: dict, at: np.ndarray, cells: int):
        self.definition, self.program = definition, definition.program
        self.hyper = {n: np.broadcast_to(np.asarray(v, dtype=float), (cells,))
                      for n, v in hyper.items()}
        self.at, self.d, self.cells = at, len(at), cells
        first = evaluate(self.program.first, self.inputs(0.0, {}, 0.0, 0.0))
        self.first = dict(zip(self.program.state, first, strict=True))

    def inputs(self, t: float, state: dict, g, p) -> list:
        shape = (self.d, self.cells)
        out = []
        for name in self.program.names:
            if name in self.hyper:
                out.append(self.hyper[name])
            elif name == "t":
                out.append(np.float64(t))
            elif name in ("g", "p"):
                out.append(np.broadcast_to(g if name == "g" else p, shape))
            else:
                out.append(state.get(name, np.zeros(())))
        return out

    def rest(self) -> tuple[dict, bool, bool]:
        """The state after steps at zero gradient from its first values, whether it settled,
        and whether p stayed at the point (a minimum of the rule's own loss)."""
        p = np.broadcast_to(self.at[:, None], (self.d, self.cells))
        zero = np.zeros((self.d, self.cells))
        state, settled, moved = dict(self.first), False, False
        for t in range(1, REST_STEPS + 1):
            out = evaluate(self.program.update, self.inputs(float(t), state, zero, p))
            new = dict(zip(self.program.state, out[1:], strict=True))
            moved = moved or not np.array_equal(np.broadcast_to(out[0], p.shape), p)
            same = all(np.array_equal(new[n], state[n]) for n in state)
            state = {n: np.broadcast_to(v, np.broadcast_shapes(np.shape(v), np.shape(
                self.first[n]))).copy() for n, v in new.items()}
            if same and t > 1:  # (t > 1: a first step of its own, such as sgd's buf = g)
                settled = True
                break
        return state, settled, moved

    def derivatives(self, state: dict) -> tuple[np.ndarray, int]:
        """(A, A + 1, d, N): d output / d input, A = 1 + array state variables; inputs g
        first, then p and the array state; and A."""
        arrays = 1 + len(self.program.array_state)
        out = evaluate(derivative_program(self.definition),
                       self.inputs(T_REST, state, np.zeros((self.d, self.cells)),
                                   self.at[:, None]), strong_zero=True)
        shape = (self.d, self.cells)
        parts = [np.broadcast_to(np.asarray(v, dtype=float), shape) for v in out[arrays:]]
        return np.stack(parts).reshape(arrays, arrays + 1, *shape), arrays


def jacobian(parts: np.ndarray, hessian: np.ndarray) -> np.ndarray:
    """(N, A*d, A*d) one step's Jacobian over (p, state), from ``derivatives``'s parts."""
    arrays, _, d, cells = parts.shape
    jac = np.zeros((cells, arrays * d, arrays * d))
    idx = np.arange(d)
    for o in range(arrays):
        for x in range(arrays):
            jac[:, o * d + idx, x * d + idx] = parts[o, x + 1].T
        with np.errstate(all="ignore"):  # (0*inf where a derivative is undefined: NaN, said)
            jac[:, o * d:(o + 1) * d, :d] += parts[o, 0].T[:, :, None] * hessian[None]
    return jac


def spectral_radius(jac: np.ndarray, d: int) -> np.ndarray:
    """(N,) the rate of p: the largest eigenvalue modulus of the modes p reaches and is reached
    by. A state variable that nothing else feeds at first order (Adam's v, fed by g*g; a
    buffer a rule leaves as it is) or that nothing else reads (sgd's buf at momentum 0) keeps
    a deviation of p from ever meeting it: its rows and columns are set to 0 in those cells,
    which leaves the other eigenvalues as they are (the determinant expands along its rows or
    its columns) and its undefined derivatives (d sqrt(v)/dv at v = 0) out. NaN where what is
    left is not finite."""
    jac = jac.copy()
    blocks = jac.shape[1] // d
    for _ in range(blocks):
        for b in range(1, blocks):
            own = slice(b * d, (b + 1) * d)
            rest = np.r_[0:b * d, (b + 1) * d:blocks * d]
            unfed = np.all(jac[:, own][:, :, rest] == 0, axis=(1, 2))
            unread = np.all(jac[:, rest][:, :, own] == 0, axis=(1, 2))
            apart = unfed | unread
            jac[apart, own, :] = 0.0
            jac[apart, :, own] = 0.0
    finite = np.isfinite(jac).all(axis=(1, 2))
    out = np.full(len(jac), np.nan)
    if finite.any():
        out[finite] = np.abs(np.linalg.eigvals(jac[finite])).max(axis=1)
    return out


def linear_near(step: Step, state: dict, jac: np.ndarray, surface) -> bool:
    """Whether one step from the rest point moved by ``LINEAR_SCALE`` of the box along a fixed
    direction is the Jacobian's map of that move, to ``LINEAR_TOL`` (in every cell)."""
    size = np.array([hi - lo for lo, hi in surface.box])
    direction = np.array([1.0, -0.5][: step.d]) * size * LINEAR_SCALE
    p = step.at + direction
    g = surface.gradient(p[None])[0]
    out = evaluate(step.program.update, step.inputs(T_REST, state, g[:, None], p[:, None]))
    moved = np.concatenate([np.broadcast_to(out[0], (step.d, step.cells)) - step.at[:, None]]
                           + [np.broadcast_to(out[1 + step.program.state.index(n)],
                                              (step.d, step.cells)) - state[n]
                              for n in step.program.array_state])
    delta = np.zeros(jac.shape[1])
    delta[: step.d] = direction
    with np.errstate(all="ignore"):
        linear = np.nan_to_num(jac, nan=0.0) @ delta  # (N, A*d)
        gap = np.linalg.norm(moved.T - linear, axis=1)
        scale = np.linalg.norm(linear, axis=1) + np.linalg.norm(direction)
    return bool(np.all(gap <= LINEAR_TOL * scale))
