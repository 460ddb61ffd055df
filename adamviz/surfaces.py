"""Loss surfaces kept as data: TOML files with a formula, a box, minima and plotting defaults.

The built-in files live in the repository's top-level ``surfaces/`` folder (shipped in the wheel
as ``adamviz/builtin_surfaces``); ``surfaces/README.md`` documents the format. A user adds a
folder of their own with ``--surfaces-dir`` or the ``ADAMVIZ_SURFACES`` environment variable
(``os.pathsep``-separated), or names a ``.toml`` file directly. A name with a path separator or a
``.toml`` suffix is a file; anything else is looked up by file stem, user folders first.

This module imports no numpy at import time: listing surfaces only reads TOML and checks formulas
with the standard library. Value, gradient and Hessian programs are derived on first use
(automatic differentiation of the checked formula, about a millisecond).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from .core.differences import NUMERICAL, central
from .core.errors import InputError
from .core.expressions import Formula
from .core.io import read_toml
from .core.names import suggest
from .surface_files import (  # noqa: F401  (where surface files are found, named here too)
    ENV_VAR,
    available,
    builtin_dir,
    folder_problems,
    is_path,
    search_dirs,
)
from .surface_format import Minimum, checked

if TYPE_CHECKING:  # a loss over data (numpy, its tables) is imported when one is made
    from .data_losses import DataLoss
    from .network_surfaces import NetworkFit

@dataclass(frozen=True, kw_only=True)
class Surface:
    """A named loss surface in one or two variables, with its box and plotting defaults."""

    name: str
    formula: Formula
    xlim: tuple[float, float]
    ylim: tuple[float, float] | None = None
    description: str = ""
    start: tuple[float, ...] | None = None
    minima: tuple[Minimum, ...] = ()
    steps: int | None = None
    lr: dict[str, float] = field(default_factory=dict)
    levels: str = "auto"
    source: str = "<memory>"

    @property
    def dims(self) -> int:
        """1 for a curve f(x) (no ylim), 2 for a surface f(x, y)."""
        return 1 if self.ylim is None else 2

    @property
    def expr(self) -> str:
        return self.formula.text

    @property
    def axes(self) -> tuple[str, ...]:
        """The names of the coordinates, as axis labels: x (and y), or a model's parameters."""
        return ("x", "y")[: self.dims]

    @property
    def box(self) -> tuple[tuple[float, float], ...]:
        return (self.xlim,) if self.ylim is None else (self.xlim, self.ylim)

    @property
    def default_start(self) -> tuple[float, ...]:
        if self.start is not None:
            return self.start
        return tuple((lo + hi) / 2 for lo, hi in self.box)

    def identity(self) -> dict:
        """What decides its runs and how they are judged, as plain data (for a config hash):
        not its description or plotting defaults."""
        return {"name": self.name, "expression": self.expr, "box": [list(b) for b in self.box],
                "minima": [[list(m.point), m.kind] for m in self.minima],
                "steps": self.steps, "lr": dict(sorted(self.lr.items()))}

    @classmethod
    def from_formula(cls, expr: str, xlim, ylim=None, *, name: str = "formula",
                     description: str = "", start=None, minima=(), steps=None) -> Surface:
        """A formula, checked as a file is; minima: points, or (point, "global"|"local")."""
        if not isinstance(minima, list | tuple) or not all(isinstance(m, list | tuple)
                                                           for m in minima):
            raise InputError(f"minima are points, or (point, 'global' or 'local'); got "
                             f"{minima!r}.")
        data = {"name": name, "expr": expr, "xlim": list(xlim), "description": description,
                "minima": [{"at": list(m[0]), "kind": m[1]} if isinstance(m[-1], str)
                           else {"at": list(m)} for m in minima],
                **({"ylim": list(ylim)} if ylim is not None else {}),
                **({"start": list(start)} if start is not None else {}),
                **({"steps": steps} if steps is not None else {})}
        return from_dict(data, source=f"surface {name!r}")

    @classmethod
    def from_data(cls, data, *, expr: str, params, xlim=None, ylim=None, validation=None,
                  split_seed: int = 0, name: str | None = None, **keys):
        """A model's loss over data: ``data`` a pandas DataFrame or a mapping of column name to
        values, ``expr`` the loss with ``mean(...)``/``sum(...)`` over rows in ``params`` (one or
        two names) and the columns, e.g. ``Surface.from_data(df, expr="mean((w*x + b - y)**2)",
        params=["w", "b"], validation=0.25)``. ``validation``: a share held out (seeded by
        ``split_seed``) or another frame. Without ``xlim``/``ylim`` the box holds the start and
        the minimum Newton's method finds. Other keys as in a surface file (start, minima, lr)."""
        from .data_losses import definition

        found = definition(data, expr=expr, params=params, xlim=xlim, ylim=ylim,
                           validation=validation, split_seed=split_seed, name=name, **keys)
        return from_dict(found, f"surface {found['name']!r}")

    @classmethod
    def from_function(cls, f, xlim, ylim=None, grad=None, *, name: str | None = None,
                      **keys) -> FunctionSurface:
        """A surface whose loss is ``f(x, y)`` (or ``f(x)``) on numpy arrays, and its gradient
        ``grad(x, y) -> (df/dx, df/dy)``, else central differences (see ``FunctionSurface``)."""
        if not callable(f) or (grad is not None and not callable(grad)):
            raise InputError(f"from_function takes a function f(x, y) and, if given, "
                             f"grad(x, y) -> (df/dx, df/dy); got {f!r} and {grad!r}.")
        name = name or getattr(f, "__name__", "f").strip("<>") or "f"
        keys.setdefault("description", "gradient: " + ("given" if grad else NUMERICAL))
        base = cls.from_formula("x", xlim, ylim, name=name, **keys)
        surface = FunctionSurface(**{k: getattr(base, k) for k in base.__dataclass_fields__},
                                  function=f, grad=grad)
        from .surface_checks import check_function

        check_function(surface)  # a function that fails, or a gradient that lies, fails here
        return surface

    def __getstate__(self):
        """Pickle without the compiled programs; they are rebuilt on first use."""
        skip = ("derivatives", "_evaluators", "checked")
        return {k: v for k, v in self.__dict__.items() if k not in skip}

    @cached_property
    def derivatives(self):
        """Value, gradient and Hessian programs (``core.autodiff.Derivatives``)."""
        from .core.autodiff import derive

        return derive(self.formula, self.dims)

    @cached_property
    def _evaluators(self) -> dict:
        return {}

    def evaluator(self, kind: str):
        """The program evaluator of ``kind``: "value", "value_and_grad" or "hessian"."""
        if kind not in self._evaluators:
            from .core.programs import Evaluator

            self._evaluators[kind] = Evaluator(getattr(self.derivatives, kind))
        return self._evaluators[kind]

    def loss(self, points):
        """Loss at each of N points, shape (N,); ``points`` has shape (N, dims)."""
        return self.evaluator("value")(points)[0]

    def gradient(self, points):
        """Exact gradient at each point, shape (N, dims)."""
        return self.evaluator("value_and_grad")(points)[1:].T.copy()

    def hessian(self, points):
        """Exact Hessian at each point, shape (N, dims, dims)."""
        return self.evaluator("hessian")(points).T.reshape(-1, self.dims, self.dims).copy()

    @cached_property
    def checked(self) -> bool:
        """True once the numeric checks (``surface_checks.py``) have passed; raises otherwise."""
        from .surface_checks import check

        check(self)
        return True

    def global_minima(self) -> tuple[Minimum, ...]:
        return tuple(m for m in self.minima if m.kind == "global")


def load(spec: str | os.PathLike, extra_dirs=()) -> Surface:
    """Load a surface by built-in/user name or from a ``.toml`` path."""
    spec = os.fspath(spec)
    if is_path(spec):
        return load_file(Path(spec))
    names = available(extra_dirs)
    if spec not in names:
        problems = "".join(f" ({p})" for p in folder_problems())
        raise InputError(f"Unknown surface {spec!r}{suggest(spec, names)}"[:-1] + f"{problems}.")
    return load_file(names[spec], expected_name=spec)


def load_file(path: Path, expected_name: str | None = None) -> Surface:
    surface = from_dict(read_toml(path, "Surface file"), source=str(path), beside=path.parent)
    if expected_name is not None and surface.name != expected_name:
        raise InputError(f"{path}: name {surface.name!r} does not match the file name "
                         f"{expected_name!r}; rename one of them.")
    return surface


def from_dict(data: dict, source: str = "<memory>", beside=None) -> Surface:
    """Validate a surface definition (as read from TOML, checked by ``surface_format.py``) and
    build a ``Surface``, or with ``data`` a ``DataSurface``; ``beside`` is the folder a data
    surface's relative CSV paths start from; with ``model`` a table, a ``NetworkSurface``."""
    if isinstance(data, dict) and isinstance(data.get("model"), dict):
        from .network_format import fields

        return NetworkSurface(**fields(data, source, beside))
    fields, loss = checked(data, source, beside)
    return Surface(**fields) if loss is None else DataSurface(**fields, data=loss)


@dataclass(frozen=True, kw_only=True)
class FunctionSurface(Surface):
    """A loss in Python: ``function`` on numpy arrays, ``grad`` or central differences (named
    in ``expr``, so exports and databases say so); the Hessian for the minima checks is central
    differences of the gradient. The engine runs these where it would run a formula's programs."""

    function: object = None
    grad: object = None

    @property
    def expr(self) -> str:
        name = getattr(self.function, "__name__", "f")
        how = "given" if self.grad is not None else NUMERICAL
        return f"{name}(x{', y' if self.dims == 2 else ''}) in Python; gradient: {how}"

    def _values(self, rows):
        import numpy as np

        with np.errstate(all="ignore"):
            return np.broadcast_to(np.asarray(self.function(*rows), dtype=float),
                                   rows.shape[1:]).astype(float)

    def _gradient(self, rows):
        import numpy as np

        if self.grad is None:
            return central(self._values, rows)
        with np.errstate(all="ignore"):
            parts = self.grad(*rows)
        parts = [parts] if self.dims == 1 and np.ndim(parts) <= 1 else list(parts)
        return np.array([np.broadcast_to(np.asarray(p, dtype=float), rows.shape[1:])
                         for p in parts])

    @cached_property
    def derivatives(self):
        import numpy as np

        from .core.autodiff import Derivatives
        from .core.programs import FunctionProgram

        d = self.dims
        hessian = lambda r: np.concatenate(  # noqa: E731  (row-major d2f/dxi dxj)
            [central(lambda q, i=i: self._gradient(q)[i], r) for i in range(d)])
        return Derivatives(
            value=FunctionProgram(d, 1, lambda r: self._values(r)[None]),
            gradient=FunctionProgram(d, d, self._gradient),
            value_and_grad=FunctionProgram(
                d, 1 + d, lambda r: np.concatenate([self._values(r)[None], self._gradient(r)])),
            hessian=FunctionProgram(d, d * d, hessian), partial=True)


@dataclass(frozen=True, kw_only=True)
class DataSurface(Surface):
    """A model's loss over a data set (``data_losses.DataLoss``): the parameters are the axes,
    the loss at a point is the formula over the training rows; a validation loss is known at
    every point too. The engine, the studies and the renderers use it as any surface;
    minibatches take its programs over each run's own rows (``batch_value_and_grad``)."""

    data: DataLoss  # the formula and the rows (named apart from ``loss``, the method)

    @property
    def expr(self) -> str:
        return self.data.formula.text

    @property
    def params(self) -> tuple[str, ...]:
        return self.data.params

    @property
    def axes(self) -> tuple[str, ...]:
        return self.data.params

    @property
    def training_rows(self) -> int:
        return self.data.train.rows

    @property
    def has_validation(self) -> bool:
        return self.data.validation is not None

    def identity(self) -> dict:
        return {**super().identity(), "data": self.data.identity()}

    @cached_property
    def derivatives(self):
        return self.data.derivatives(self.dims)

    def validation_loss(self, points):
        """The loss over the held-out rows at each of N points (N, dims); None without any."""
        return self.data.validation_loss(points)

    def batch_value_and_grad(self, points, rows):
        """(1 + dims, n): the loss and gradient of each of n runs at ``points`` (dims, n) over
        its own training rows ``rows`` (n, B)."""
        return self.data.batch_value_and_grad(points, rows)

    def batch_loss(self, points, rows):
        """(n,): the loss alone of each of n runs at ``points`` (dims, n) over its own training
        rows ``rows`` (n, B)."""
        return self.data.train_rows.value(points, rows)

    def predict(self, point, inputs: dict):
        """The model's prediction at parameters ``point`` for the input columns ``inputs``."""
        return self.data.predict(point, inputs)

    @cached_property
    def validation_minimum(self):
        """Where the validation loss is lowest in the box (None: no validation rows, or no
        minimum found there)."""
        return self.data.validation_minimum(self.box)


@dataclass(frozen=True, kw_only=True)
class NetworkSurface(Surface):
    """A multilayer perceptron on data (``network_surfaces.NetworkFit``) as a surface in all its
    weights and biases (torch's ``state_dict()`` order), started at its initial weights; its
    box only says when a run has diverged. ``default_plane``: the kind of plane its runs are
    drawn on unless another is asked for (its file's ``plane``)."""

    network: NetworkFit
    default_plane: str = "pca"
    formula: object = None  # (none: its programs are numpy functions, networks.py)
    xlim: tuple[float, float] | None = None

    dims = property(lambda self: self.network.n_params)
    expr = property(lambda self: self.network.describe())
    axes = property(lambda self: self.network.model.names())
    box = property(lambda self: self.network.box())
    default_start = property(lambda self: tuple(map(float, self.network.init)))
    training_rows = property(lambda self: self.network.training_rows)
    has_validation = property(lambda self: self.network.validation_x is not None)

    def layer_slices(self) -> list[tuple[str, slice, tuple[int, ...]]]:
        return self.network.model.layer_slices()

    def identity(self) -> dict:
        return {"name": self.name, "network": self.network.identity(), "steps": self.steps,
                "lr": dict(sorted(self.lr.items()))}

    @cached_property
    def derivatives(self):
        return self.network.derivatives(self.name)

    def loss(self, points):
        return self.network.value(self.network.columns(points))

    def gradient(self, points):
        return self.network.value_and_grad(self.network.columns(points))[1:].T.copy()

    def hessian(self, points):
        return self.network.hessian(points, self.name)

    def hvp(self, point, V):
        """(P, k): the Hessian at ``point`` (P,) times ``V`` (P, k), exactly."""
        return self.network.hvp(point, V)

    def validation_loss(self, points):
        return self.network.validation_value(self.network.columns(points))

    def batch_value_and_grad(self, points, rows):
        return self.network.value_and_grad(points, rows)

    def batch_loss(self, points, rows):
        return self.network.value(points, rows)

    def predict(self, points, X):
        """(N, R, outputs): the outputs (logits for cross-entropy) at each of ``points``."""
        return self.network.model.predict(self.network.columns(points), X)

    @cached_property
    def checked(self) -> bool:
        self.network.check(self.source)
        return True
