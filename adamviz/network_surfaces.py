"""A network on data as a loss in all its parameters (``surfaces.NetworkSurface`` is the surface
built on it): the loss over the training rows, its gradient, exact Hessian-vector products and
the Hessian, the loss on a minibatch of each run and on the held-out rows. The numbers come from
``networks.py``; the rows and seeds from the surface file (``network_format.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .core.errors import InputError
from .networks import Network

MAX_HESSIAN_PARAMS = 2_000  # a full Hessian of P params is P x P floats: 32 MB at 2,000
BOX_HALF = 5.0  # the box is the init +- max(BOX_HALF, BOX_HALF * max|init|) on every axis


@dataclass(frozen=True, kw_only=True, eq=False)
class NetworkFit:
    """A network and the rows it is trained and judged on: ``train_x`` (R, I), ``train_y``
    (R,), the same for validation (None without), and where they came from."""

    model: Network
    train_x: np.ndarray
    train_y: np.ndarray
    validation_x: np.ndarray | None
    validation_y: np.ndarray | None
    data: str  # the data set's name
    inputs: tuple[str, ...]
    target: str
    init_seed: int
    held_out: float | str | None  # the validation share, or its file's name
    split_seed: int
    digest: str  # of the training rows (datasets.Table.digest)
    validation_digest: str | None

    @property
    def training_rows(self) -> int:
        return len(self.train_y)

    @property
    def n_params(self) -> int:
        return self.model.n_params

    def identity(self) -> dict:
        m = self.model
        return {"model": {"layers": list(m.layers), "activation": m.activation,
                          "loss": m.loss, "inputs": list(self.inputs), "target": self.target},
                "data": self.data, "rows": self.training_rows, "digest": self.digest,
                "validation": self.held_out, "validation_digest": self.validation_digest,
                "split_seed": self.split_seed, "init_seed": self.init_seed}

    def describe(self) -> str:
        """One line: "2-8-1 tanh MLP, cross-entropy on moons"."""
        m = self.model
        return (f"{'-'.join(map(str, m.layers))} {m.activation} MLP, "
                f"{m.loss.replace('_', '-')} on {self.data}")

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k != "init"}

    @cached_property
    def init(self) -> np.ndarray:
        """(P,): the initial weights (``Network.init`` with ``init_seed``)."""
        return self.model.init(self.init_seed)

    def box(self) -> tuple[tuple[float, float], ...]:
        """init +- max(5, 5 max|init|) on every axis: it only says when a run has diverged
        (``engine.DIVERGE_FACTOR`` box sizes outside it)."""
        half = max(BOX_HALF, BOX_HALF * float(np.abs(self.init).max()))
        return tuple((float(v - half), float(v + half)) for v in self.init)

    def columns(self, points) -> np.ndarray:
        """(P, N) from ``points`` (N, P)."""
        return np.ascontiguousarray(np.asarray(points, dtype=float).reshape(-1, self.n_params).T)

    def value_and_grad(self, columns, rows=None) -> np.ndarray:
        """(1 + P, n): the loss and gradient at ``columns`` (P, n) over all training rows, or
        over each run's own ``rows`` (n, B)."""
        return self.model.value_and_grad(columns, self.train_x, self.train_y, rows)

    def value(self, columns, rows=None) -> np.ndarray:
        """(n,): the loss alone at ``columns`` (P, n), over all training rows or each run's."""
        return self.model.value(columns, self.train_x, self.train_y, rows)

    def validation_value(self, columns) -> np.ndarray | None:
        """(n,): the loss over the held-out rows; None without any."""
        if self.validation_x is None:
            return None
        return self.model.value(columns, self.validation_x, self.validation_y)

    def hvp(self, point, V) -> np.ndarray:
        """(P, k): the Hessian of the training loss at ``point`` (P,) times ``V`` (P, k)."""
        return self.model.hvp(np.asarray(point, dtype=float), self.train_x, self.train_y, V)

    def hessian(self, points, name: str) -> np.ndarray:
        """(N, P, P): the exact Hessian at each of ``points`` (N, P), by Hessian-vector products
        with the identity; refused above MAX_HESSIAN_PARAMS parameters."""
        d = self.n_params
        if d > MAX_HESSIAN_PARAMS:
            raise InputError(f"{name}: a full Hessian of {d:,} parameters would take "
                             f"{d * d * 8 / 1e6:,.0f} MB a point; at most "
                             f"{MAX_HESSIAN_PARAMS:,} parameters (use hvp, or a plane).")
        eye = np.eye(d)
        found = [self.hvp(p, eye) for p in np.asarray(points, dtype=float).reshape(-1, d)]
        return np.array(found).reshape(-1, d, d)

    def derivatives(self, name: str):
        """Value, gradient and Hessian as programs over columns (P, n), as a formula's."""
        from .core.autodiff import Derivatives
        from .core.programs import FunctionProgram

        d = self.n_params

        def hessian(columns):
            return self.hessian(columns.T, name).reshape(columns.shape[1], -1).T

        return Derivatives(
            value=FunctionProgram(d, 1, lambda r: self.value(r)[None]),
            gradient=FunctionProgram(d, d, lambda r: self.value_and_grad(r)[1:]),
            value_and_grad=FunctionProgram(d, 1 + d, self.value_and_grad),
            hessian=FunctionProgram(d, d * d, hessian),
            partial=True)  # the value comes with every gradient: testing it costs nothing

    def check(self, source: str) -> None:
        """The loss (and the validation loss) is finite at the initial weights."""
        start = self.init[:, None]
        for what, value in (("training", self.value(start)),
                            ("validation", self.validation_value(start))):
            if value is not None and not np.isfinite(value).all():
                raise InputError(f"{source}: the {what} loss at the initial weights is "
                                 f"{value[0]}; rescale the data's columns.")
