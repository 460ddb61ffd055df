"""A small multilayer perceptron as a loss in its weights: value, gradient and exact
Hessian-vector products by hand (numpy only), vectorised over many runs at once.

The model is torch's ``nn.Sequential(Linear, act, Linear, act, ..., Linear)``: the output layer is
linear, every hidden layer applies ``activation``. Its parameters are one flat vector in torch's
``state_dict()`` order: for each layer its weight (out, in) row-major, then its bias (out). The
loss is a mean over the rows used, as torch's: ``squared_error`` is ``MSELoss`` (mean over rows
and outputs), ``cross_entropy`` is ``BCEWithLogitsLoss`` on 0/1 targets for one output and
``CrossEntropyLoss`` on class indices 0..k-1 for k > 1 outputs.

Runs are columns: ``params`` is (P, n), one column per run, and each run may take its own rows
(its minibatch). Work is chunked over runs so that no temporary grows past ``CHUNK_BYTES``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ACTIVATIONS = ("tanh", "relu", "sigmoid", "identity")
LOSSES = ("squared_error", "cross_entropy")
CHUNK_BYTES = 32 * 2**20  # the memory one chunk of runs may take for its temporaries


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-z)); exp overflows to inf below z = -709, which gives the right 0."""
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-z))


def _act(name: str, z: np.ndarray) -> np.ndarray:
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "sigmoid":
        return _sigmoid(z)
    return z


def _slope(name: str, z: np.ndarray, a: np.ndarray):
    """f'(z) from z and a = f(z), as torch's backward computes it (from the output where it
    can: tanh 1 - a^2, sigmoid a (1 - a); relu 1 where z > 0, else 0)."""
    if name == "tanh":
        return 1.0 - a * a
    if name == "relu":
        return (z > 0).astype(float)
    if name == "sigmoid":
        return a * (1.0 - a)
    return np.ones_like(z)


def _curvature(name: str, a: np.ndarray):
    """f''(z) from a = f(z) (relu and identity: 0)."""
    if name == "tanh":
        return -2.0 * a * (1.0 - a * a)
    if name == "sigmoid":
        return a * (1.0 - a) * (1.0 - 2.0 * a)
    return np.zeros_like(a)


@dataclass(frozen=True)
class Network:
    """The shape of a multilayer perceptron: ``layers`` the widths, inputs first and outputs
    last; ``activation`` of the hidden layers; ``loss`` one of ``LOSSES``."""

    layers: tuple[int, ...]
    activation: str
    loss: str

    @property
    def n_params(self) -> int:
        return sum(o * i + o for i, o in zip(self.layers, self.layers[1:], strict=False))

    @property
    def outputs(self) -> int:
        return self.layers[-1]

    def layer_slices(self) -> list[tuple[str, slice, tuple[int, ...]]]:
        """(name, slice into the flat parameters, shape) of every weight and bias, in order:
        "w1" (out, in), "b1" (out,), "w2", ... (layers from 1)."""
        found, at = [], 0
        for n, (i, o) in enumerate(zip(self.layers, self.layers[1:], strict=False), 1):
            found.append((f"w{n}", slice(at, at + o * i), (o, i)))
            at += o * i
            found.append((f"b{n}", slice(at, at + o), (o,)))
            at += o
        return found

    def names(self) -> tuple[str, ...]:
        """Every parameter's name in the flat order: "w1[0,1]" (row 0, column 1), "b1[0]"."""
        out = []
        for name, _, shape in self.layer_slices():
            out += [f"{name}[{','.join(map(str, ix))}]" for ix in np.ndindex(*shape)]
        return tuple(out)

    def init(self, seed: int) -> np.ndarray:
        """(P,): torch's default ``nn.Linear`` initialisation law, drawn from numpy's
        ``Generator(PCG64(seed))``: layer by layer, the weight's entries (row-major) then the
        bias, each uniform on [-1/sqrt(fan_in), 1/sqrt(fan_in)] (kaiming-uniform with
        a = sqrt(5) gives that bound for the weight; torch uses the same for the bias)."""
        gen = np.random.Generator(np.random.PCG64(seed))
        parts = []
        for fan_in, fan_out in zip(self.layers, self.layers[1:], strict=False):
            bound = 1.0 / np.sqrt(fan_in)
            parts.append(gen.uniform(-bound, bound, fan_out * fan_in))
            parts.append(gen.uniform(-bound, bound, fan_out))
        return np.concatenate(parts)

    # ---- the forward and backward passes of one chunk of runs ----

    def _weights(self, params: np.ndarray):
        """[(W (n, out, in), b (n, 1, out))] per layer from ``params`` (P, n)."""
        n = params.shape[1]
        found = self.layer_slices()
        return [(params[w[1]].T.reshape(n, *w[2]), params[b[1]].T.reshape(n, 1, -1))
                for w, b in zip(found[::2], found[1::2], strict=True)]

    def _forward(self, weights, x):
        """Pre-activations and activations of every layer; ``x`` (R, I) or (n, B, I)."""
        acts, pres = [x], []
        for n, (w, b) in enumerate(weights):
            z = np.matmul(acts[-1], w.transpose(0, 2, 1)) + b
            pres.append(z)
            last = n == len(weights) - 1
            acts.append(z if last else _act(self.activation, z))
        return pres, acts

    def _targets(self, y, rows, n):
        return np.broadcast_to(y, (n, len(y))) if rows is None else y[rows]

    def _loss(self, z, t):
        """(n,): the loss of each run from its outputs ``z`` (n, B, O) and targets ``t``
        (n, B); and dL/dz (n, B, O)."""
        rows = z.shape[1]
        if self.loss == "squared_error":
            diff = z - t[:, :, None]
            return np.mean(diff * diff, axis=(1, 2)), 2.0 * diff / diff[0].size
        if self.outputs == 1:  # BCEWithLogitsLoss, in its stable form
            s = z[:, :, 0]
            per_row = np.maximum(s, 0.0) - s * t + np.log1p(np.exp(-np.abs(s)))
            prob = _sigmoid(s)
            return np.mean(per_row, axis=1), ((prob - t) / rows)[:, :, None]
        top = z.max(axis=2, keepdims=True)
        shifted = z - top
        lse = np.log(np.exp(shifted).sum(axis=2))
        picked = np.take_along_axis(shifted, t.astype(np.intp)[:, :, None], axis=2)[:, :, 0]
        prob = np.exp(shifted - lse[:, :, None])
        onehot = np.zeros_like(z)
        np.put_along_axis(onehot, t.astype(np.intp)[:, :, None], 1.0, axis=2)
        return np.mean(lse - picked, axis=1), (prob - onehot) / rows

    def _chunks(self, n: int, rows: int):
        """Slices of at most so many runs that a chunk's temporaries together (a layer's values
        for every run and row, about a dozen alive at once) stay within CHUNK_BYTES: measured,
        31 MB at the peak for 2,500 runs of a 2-8-8-1 network on 300 rows."""
        per_run = 8 * rows * max(self.layers) * 12
        size = max(1, CHUNK_BYTES // max(per_run, 1))
        return [slice(lo, min(lo + size, n)) for lo in range(0, n, size)]

    def value(self, params, X, y, rows=None) -> np.ndarray:
        """(n,): the loss of each run (``params`` (P, n)) over all rows, or over its own rows
        ``rows`` (n, B)."""
        params = np.asarray(params, dtype=float)
        n = params.shape[1]
        out = np.empty(n)
        for part in self._chunks(n, len(X) if rows is None else rows.shape[1]):
            x = X if rows is None else X[rows[part]]
            _, acts = self._forward(self._weights(params[:, part]), x)
            t = self._targets(y, None if rows is None else rows[part], part.stop - part.start)
            out[part] = self._loss(acts[-1], t)[0]
        return out

    def value_and_grad(self, params, X, y, rows=None) -> np.ndarray:
        """(1 + P, n): the loss and its gradient for each run, over all rows or its own."""
        params = np.asarray(params, dtype=float)
        n = params.shape[1]
        out = np.empty((1 + self.n_params, n))
        slices = self.layer_slices()
        for part in self._chunks(n, len(X) if rows is None else rows.shape[1]):
            weights = self._weights(params[:, part])
            x = X if rows is None else X[rows[part]]
            pres, acts = self._forward(weights, x)
            t = self._targets(y, None if rows is None else rows[part], part.stop - part.start)
            out[0, part], delta = self._loss(acts[-1], t)
            for layer in range(len(weights) - 1, -1, -1):
                a_prev = acts[layer]
                gw = np.matmul(delta.transpose(0, 2, 1), a_prev)
                w_slice, b_slice = slices[2 * layer][1], slices[2 * layer + 1][1]
                out[1 + w_slice.start:1 + w_slice.stop, part] = \
                    gw.reshape(len(gw), -1).T
                out[1 + b_slice.start:1 + b_slice.stop, part] = delta.sum(axis=1).T
                if layer:
                    back = np.matmul(delta, weights[layer][0])
                    delta = back * _slope(self.activation, pres[layer - 1], a_prev)
        return out

    def predict(self, params, X) -> np.ndarray:
        """(n, R, outputs): the network's outputs (logits for cross-entropy) on ``X``."""
        params = np.asarray(params, dtype=float)
        _, acts = self._forward(self._weights(params), np.asarray(X, dtype=float))
        return np.broadcast_to(acts[-1], (params.shape[1], len(X), self.outputs)).copy()

    def _output_curvature(self, z, t, rz):
        """R{dL/dz}: the loss's Hessian in the outputs ``z`` (1, R, O) applied to ``rz``
        (k, R, O), per row."""
        rows = z.shape[1]
        if self.loss == "squared_error":
            return 2.0 * rz / z[0].size
        if self.outputs == 1:
            prob = _sigmoid(z)
            return prob * (1.0 - prob) * rz / rows
        prob = np.exp(z - z.max(axis=2, keepdims=True))
        prob /= prob.sum(axis=2, keepdims=True)
        return (prob * rz - prob * (prob * rz).sum(axis=2, keepdims=True)) / rows

    def hvp(self, params, X, y, V) -> np.ndarray:
        """(P, k): the Hessian of the loss over all rows at ``params`` (P,) times each column
        of ``V`` (P, k), exactly: Pearlmutter's R-operator, a forward and a backward pass of
        directional derivatives (vectorised over the k directions, chunked)."""
        params = np.asarray(params, dtype=float).reshape(-1, 1)
        V = np.asarray(V, dtype=float).reshape(self.n_params, -1)
        out = np.empty_like(V)
        weights = self._weights(params)
        pres, acts = self._forward(weights, np.asarray(X, dtype=float))
        _, delta_out = self._loss(acts[-1], self._targets(y, None, 1))
        for part in self._chunks(V.shape[1], len(X)):
            out[:, part] = self._r_pass(weights, pres, acts, delta_out, y, V[:, part])
        return out

    def _r_pass(self, weights, pres, acts, delta, y, V):
        """The R-operator's passes for the directions ``V`` (P, k) of one chunk."""
        k = V.shape[1]
        dirs = self._weights(V)
        slices = self.layer_slices()
        r_acts, r_pres = [None], []
        for n, ((_, _), (vw, vb)) in enumerate(zip(weights, dirs, strict=True)):
            rz = np.matmul(acts[n], vw.transpose(0, 2, 1)) + vb
            if r_acts[-1] is not None:
                rz = rz + np.matmul(r_acts[-1], weights[n][0].transpose(0, 2, 1))
            r_pres.append(rz)
            last = n == len(weights) - 1
            r_acts.append(rz if last else
                          _slope(self.activation, pres[n], acts[n + 1]) * rz)
        r_delta = self._output_curvature(acts[-1], self._targets(y, None, 1), r_pres[-1])
        out = np.empty((self.n_params, k))
        for layer in range(len(weights) - 1, -1, -1):
            rgw = np.matmul(r_delta.transpose(0, 2, 1), acts[layer])
            if r_acts[layer] is not None:
                rgw = rgw + np.matmul(delta.transpose(0, 2, 1), r_acts[layer])
            out[slices[2 * layer][1]] = rgw.reshape(k, -1).T
            out[slices[2 * layer + 1][1]] = r_delta.sum(axis=1).T
            if layer:
                w, vw = weights[layer][0], dirs[layer][0]
                back = np.matmul(delta, w)
                r_back = np.matmul(r_delta, w) + np.matmul(delta, vw)
                slope = _slope(self.activation, pres[layer - 1], acts[layer])
                curve = _curvature(self.activation, acts[layer])
                r_delta = r_back * slope + back * curve * r_pres[layer - 1]
                delta = back * slope
        return out
