"""A loss over data, evaluated: the value, exact gradient and Hessian at N parameter points, over
every row of a data set or over each run's own rows (a minibatch).

A ``DataFormula`` is a formula F in the parameters p and one value r_k per reduction, where
r_k = mean or sum over rows of a_k(p, row). Both F and every a_k are differentiated by the same
reverse mode as any formula (``autodiff.py``, torch's order), and joined by the chain rule:

    df/dp = F_p + sum_k F_{r_k} J_k,            J_k = reduce over rows of da_k/dp
    d2f/dp2 = F_pp + sum_k (F_{p r_k} J_k^T + J_k F_{r_k p}) + sum_kl F_{r_k r_l} J_k J_l^T
              + sum_k F_{r_k} H_k,              H_k = reduce over rows of d2a_k/dp2

as torch's autograd computes them up to the order of the additions over rows (a sum over rows
rounds differently in numpy and torch: the paths agree to about 1e-15, not bit for bit). The
per-row programs run on (points x rows) at once, in chunks of at most ``CHUNK`` elements, so
memory stays bounded however many points and rows; a minibatch gathers each run's B rows, so a
step costs O(N x B), not O(N x rows).
"""

from __future__ import annotations

import numpy as np

from .autodiff import Program, Tape, gradient, record
from .data_formula import STAND_IN, DataFormula
from .programs import Evaluator, Executor

CHUNK = 2**17  # per-row elements evaluated at once: about 1 MB a buffer


VALUE_AND_GRAD, HESSIAN, VALUE = range(3)  # the programs of a formula, in this order


def _programs(formula, inputs: tuple[str, ...], wrt: int) -> tuple[Program, Program, Program]:
    """(value and gradient, Hessian, value) of ``formula`` in ``inputs``, with respect to the
    first ``wrt`` of them; the Hessian row-major. The value alone is the same operations as the
    value beside the gradient, so the same bits, for half the work or less."""
    tape = Tape(len(inputs))
    f = record(formula, tape, inputs)
    leaves = tape.leaves[:wrt]
    grad = gradient(tape, f, wrt=leaves)
    hess = [h for g in grad for h in gradient(tape, g, wrt=leaves)]
    return tape.program([f, *grad]), tape.program(hess), tape.program([f])


class DataLoss:
    """The compiled programs of a ``DataFormula``; ``on(columns)`` evaluates them on data."""

    def __init__(self, formula: DataFormula):
        self.formula = formula
        self.P, self.K = len(formula.params), len(formula.reductions)
        inner_inputs = (*formula.params, *formula.columns)
        self.inner = [_programs(r.formula, inner_inputs, self.P) for r in formula.reductions]
        stand_ins = tuple(f"{STAND_IN}{k}" for k in range(self.K))
        self.outer = _programs(formula.outer, (*formula.params, *stand_ins),
                               self.P + self.K)
        # planned once per number of points (an engine step's is the same every step)
        self.outer_evaluators = [Evaluator(program) for program in self.outer]
        self.means = [r.kind == "mean" for r in formula.reductions]

    def on(self, columns: np.ndarray) -> RowsLoss:
        """The loss over the rows of ``columns`` (C, R), in ``formula.columns`` order."""
        return RowsLoss(self, np.ascontiguousarray(columns, dtype=float))


class RowsLoss:
    """One data loss on one set of rows: ``value_and_grad(points)``, ``hessian(points)``, and
    the same over each run's own rows (``rows``: an (N, B) array of row indices)."""

    def __init__(self, loss: DataLoss, columns: np.ndarray):
        self.loss, self.columns = loss, columns
        self.rows = columns.shape[1]
        self.executors: dict[tuple, tuple[Executor, np.ndarray]] = {}

    # --- the reductions ----------------------------------------------------------------------

    def _executor(self, program: Program, kind: str, k: int, m: int, b: int):
        """An executor for m points x b rows and its input buffer, kept (bound once)."""
        key = (kind, k, m, b)
        if key not in self.executors:
            if len(self.executors) > 32:  # sizes seen once (a last chunk) do not pile up
                self.executors.pop(next(iter(self.executors)))
            self.executors[key] = (Executor(program, m * b),
                                   np.empty((program.inputs, m * b)))
        return self.executors[key]

    def _reduce(self, points, rows, which: int) -> np.ndarray:
        """Each reduction's outputs (of its program ``which``: VALUE_AND_GRAD, HESSIAN or
        VALUE), reduced over the rows: (K, outputs, N)."""
        P, n = self.loss.P, points.shape[1]
        b = self.rows if rows is None else rows.shape[1]
        m = max(1, min(n, CHUNK // max(b, 1)))
        outs = [p[which] for p in self.loss.inner]
        result = np.empty((self.loss.K, len(outs[0].outputs), n))
        for lo in range(0, n, m):
            hi = min(n, lo + m)
            for k, program in enumerate(outs):
                ex, buf = self._executor(program, which, k, hi - lo, b)
                buf[:P].reshape(P, hi - lo, b)[...] = points[:, lo:hi, None]
                if rows is None:
                    buf[P:].reshape(-1, hi - lo, b)[...] = self.columns[:, None, :]
                else:
                    np.take(self.columns, rows[lo:hi].ravel(), axis=1, out=buf[P:])
                out = ex.run(buf).reshape(-1, hi - lo, b)
                np.sum(out, axis=2, out=result[k, :, lo:hi])
        for k, mean in enumerate(self.loss.means):
            if mean:
                result[k] /= b
        return result

    def _outer(self, points, reduced, which: int) -> np.ndarray:
        inputs = np.concatenate([points, reduced[:, 0]], axis=0)
        return self.loss.outer_evaluators[which].executor(points.shape[1]).run(inputs)

    # --- value, gradient, Hessian --------------------------------------------------------------

    def value(self, points, rows=None) -> np.ndarray:
        """(N,): the loss alone at ``points`` (P, N); the bits ``value_and_grad`` gives."""
        with np.errstate(all="ignore"):
            reduced = self._reduce(points, rows, VALUE)  # (K, 1, N)
            return np.array(self._outer(points, reduced, VALUE)[0])

    def value_and_grad(self, points, rows=None) -> np.ndarray:
        """(1 + P, N): the loss and its gradient at ``points`` (P, N)."""
        P = self.loss.P
        with np.errstate(all="ignore"):
            reduced = self._reduce(points, rows, VALUE_AND_GRAD)  # (K, 1 + P, N)
            outer = self._outer(points, reduced, VALUE_AND_GRAD)  # f, F_p (P), F_r (K)
            out = np.array(outer[: 1 + P])
            for k in range(self.loss.K):
                out[1:] += outer[1 + P + k] * reduced[k, 1:]
        return out

    def hessian(self, points, rows=None) -> np.ndarray:
        """(P * P, N), row-major: the Hessian at ``points`` (P, N)."""
        P, K = self.loss.P, self.loss.K
        with np.errstate(all="ignore"):
            first = self._reduce(points, rows, VALUE_AND_GRAD)
            second = self._reduce(points, rows, HESSIAN).reshape(K, P, P, -1)
            grads = self._outer(points, first, VALUE_AND_GRAD)[1 + P:]  # F_r (K, N)
            outer = self._outer(points, first, HESSIAN).reshape(P + K, P + K, -1)
            J = first[:, 1:]  # (K, P, N)
            H = np.array(outer[:P, :P])
            H += np.einsum("akn,kbn->abn", outer[:P, P:], J)
            H += np.einsum("kan,kbn->abn", J, outer[P:, :P])
            H += np.einsum("kan,kln,lbn->abn", J, outer[P:, P:], J)
            H += np.einsum("kn,kabn->abn", grads, second)
        return H.reshape(P * P, -1)
