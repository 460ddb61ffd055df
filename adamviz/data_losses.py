"""A model's loss over a data set, the part of a surface that makes it one (``DataSurface``):
the checked formula, the training and validation rows, the model the fit view draws, and their
numbers: the loss, its exact gradient and Hessian over every training row (the derivative
programs of ``core/data_programs.py``), over each run's own rows (a minibatch), and over the
held-out rows (the validation loss).

``data_loss`` checks the data keys of a surface file (``data``, ``params``, ``validation``,
``split_seed``, ``model``, ``target``, ``boundary``) with the table(s) they name.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from . import datasets
from .core.autodiff import Derivatives, Tape, record
from .core.data_formula import DataFormula, check_params, parse_data, parse_over
from .core.data_programs import DataLoss as Programs
from .core.data_programs import RowsLoss
from .core.errors import InputError
from .core.expressions import Formula
from .core.programs import Evaluator, FunctionProgram

NEWTON_STEPS = 100  # to find the minimum a box is centred on, when none is given


@dataclass(frozen=True, kw_only=True, eq=False)
class DataLoss:
    """What a data surface's loss is made of: the checked formula and the rows it reduces."""

    formula: DataFormula
    train: datasets.Table
    validation: datasets.Table | None = None
    data: str = ""  # the data set's name
    held_out: float | str | None = None  # the validation share, or its file as named
    split_seed: int = 0
    model: Formula | None = None  # the prediction per row, in the parameters and the inputs
    target: str | None = None  # the column the model predicts
    boundary: float = 0.0  # a classifier's decision boundary: where the model is this

    @property
    def inputs(self) -> tuple[str, ...]:
        """The columns the model reads (the fit view's axes)."""
        return () if self.model is None else tuple(
            v for v in self.model.variables if v not in self.formula.params)

    @property
    def params(self) -> tuple[str, ...]:
        return self.formula.params

    def columns(self, table: datasets.Table) -> np.ndarray:
        """The columns the formula names, in its order, as one (C, rows) array."""
        return np.array([table.columns[c] for c in self.formula.columns], dtype=float)

    def __getstate__(self):
        """Pickle without the compiled programs (rebuilt on first use, e.g. in a worker)."""
        skip = ("programs", "train_rows", "validation_rows", "model_program")
        return {k: v for k, v in self.__dict__.items() if k not in skip}

    def __setstate__(self, state):
        self.__dict__.update(state)

    @cached_property
    def programs(self) -> Programs:
        return Programs(self.formula)

    @cached_property
    def train_rows(self) -> RowsLoss:
        return self.programs.on(self.columns(self.train))

    @cached_property
    def validation_rows(self) -> RowsLoss | None:
        held = self.validation
        return None if held is None else self.programs.on(self.columns(held))

    def derivatives(self, dims: int) -> Derivatives:
        """The surface's programs: value, gradient and Hessian over every training row."""
        value_and_grad = self.train_rows.value_and_grad
        return Derivatives(
            value=FunctionProgram(dims, 1, lambda r: self.train_rows.value(r)[None]),
            gradient=FunctionProgram(dims, dims, lambda r: value_and_grad(r)[1:]),
            value_and_grad=FunctionProgram(dims, 1 + dims, value_and_grad),
            hessian=FunctionProgram(dims, dims * dims, self.train_rows.hessian),
            partial=True)  # the value comes with every gradient: testing it costs nothing

    def validation_loss(self, points) -> np.ndarray | None:
        """The loss over the held-out rows at each of N points (N, dims); None without any."""
        if self.validation_rows is None:
            return None
        dims = len(self.params)
        rows = np.ascontiguousarray(np.asarray(points, dtype=float).reshape(-1, dims).T)
        return self.validation_rows.value(rows)

    def batch_value_and_grad(self, points, rows) -> np.ndarray:
        """(1 + dims, n): the loss and gradient of each of n runs at ``points`` (dims, n) over
        its own training rows ``rows`` (n, B)."""
        return self.train_rows.value_and_grad(points, rows)

    def predict(self, point, inputs: dict) -> np.ndarray | None:
        """The model's prediction with the parameters at ``point`` for input columns given as
        arrays of one shape (``inputs``: column name -> values); None without a model."""
        if self.model is None:
            return None
        shape = np.shape(inputs[self.inputs[0]])
        rows = np.array([*(np.full(shape, float(v)) for v in point),
                         *(np.asarray(inputs[c], dtype=float) for c in self.inputs)])
        return self.model_program(rows.reshape(len(rows), -1).T)[0].reshape(shape)

    @cached_property
    def model_program(self) -> Evaluator:
        """The model's value program in the parameters then its inputs (made once: the fit
        view asks for every run at every frame)."""
        names = (*self.params, *self.inputs)
        tape = Tape(len(names))
        return Evaluator(tape.program([record(self.model, tape, names)]))

    def validation_minimum(self, box) -> np.ndarray | None:
        """Where the validation loss is lowest in ``box``: Newton's method from the lowest of a
        grid over it (None without validation rows, or where it finds no minimum there)."""
        if self.validation_rows is None:
            return None
        axes = [np.linspace(lo, hi, 41) for lo, hi in box]
        grid = np.array([m.ravel() for m in np.meshgrid(*axes)])
        values = self.validation_rows.value(grid)
        if not np.isfinite(values).any():
            return None
        found = newton(self.validation_rows, grid[:, int(np.nanargmin(values))])
        inside = found is not None and all(lo <= v <= hi for v, (lo, hi) in
                                           zip(found, box, strict=True))
        return found if inside else None

    def undefined_row(self, point, held_out: bool = False) -> str | None:
        """Where a loss undefined at ``point`` comes from: the first training (``held_out``:
        validation) row on which it is not finite alone, with the row's values; None when it
        is finite on each row alone."""
        table, rows = (self.validation, self.validation_rows) if held_out else \
            (self.train, self.train_rows)
        n = table.rows
        points = np.repeat(np.asarray(point, dtype=float).reshape(-1, 1), n, axis=1)
        values = rows.value(points, np.arange(n).reshape(-1, 1))
        bad = np.flatnonzero(~np.isfinite(values))
        if not bad.size:
            return None
        row = int(bad[0])
        shown = ", ".join(f"{c} = {table.columns[c][row]:g}" for c in self.formula.columns)
        return (f"the loss is {values[row]} on {'validation' if held_out else 'training'} row "
                f"{row + 1} ({shown}) alone")

    def identity(self) -> dict:
        return {"data": self.data, "rows": self.train.rows, "digest": self.train.digest(),
                "params": list(self.params), "validation": self.held_out,
                "validation_digest": None if self.validation is None
                else self.validation.digest(), "split_seed": self.split_seed}


def data_loss(data: dict, source: str, beside=None) -> DataLoss:
    """The data part of a surface definition, checked: the tables loaded and split, the formula
    parsed against their columns."""
    check_data_spec(data["data"], source)
    if "params" not in data:
        raise InputError(f"{source}: a loss over data needs params, the model's parameters "
                         f"(x axis then y axis), e.g. params = [\"w\", \"b\"].")
    check_params(data["params"], source)
    table = data_table(data["data"], source, beside)
    seed = data.get("split_seed", 0)
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or seed < 0:
        raise InputError(f"{source}: split_seed must be a whole number >= 0, got {seed!r}.")
    held_out = data.get("validation")
    if seed and (isinstance(held_out, bool) or not isinstance(held_out, numbers.Real)):
        raise InputError(f"{source}: split_seed picks the rows a validation share holds out "
                         f"(validation = 0.25, say); without one it does nothing: drop it.")
    train, validation = split_rows(table, held_out, seed, source, beside)
    formula = parse_data(data["expr"], f"{source}: expr", data["params"], list(table.columns))
    if validation is not None:
        lacking = [c for c in formula.columns if c not in validation.columns]
        if lacking:
            raise InputError(f"{source}: the validation data {validation.source} has no column "
                             f"{lacking[0]!r}, which the formula names.")
    return DataLoss(formula=formula, train=train, validation=validation, data=table.name,
                    held_out=held_out.name if isinstance(held_out, datasets.Table) else held_out,
                    split_seed=int(seed), **_model(data, source, formula, table))


def _model(data: dict, source: str, formula: DataFormula, table) -> dict:
    """The model the fit view draws: its prediction per row, the column it predicts, and the
    level of a classifier's boundary."""
    found = {k: data[k] for k in ("model", "target", "boundary") if k in data}
    if not found:
        return {}
    if "model" not in found or "target" not in found:
        raise InputError(f"{source}: model and target go together: the prediction per row "
                         f"(model = \"w*x + b\") and the column it predicts (target = \"y\").")
    model = parse_over(found["model"], f"{source}: model", list(table.columns), formula.params)
    inputs = [v for v in model.variables if v not in formula.params]
    if not 1 <= len(inputs) <= 2:
        raise InputError(f"{source}: model reads {len(inputs)} data columns; the fit view draws "
                         f"a model of one input (a curve) or two (a decision boundary).")
    if not isinstance(found["target"], str) or found["target"] not in table.columns:
        raise InputError(f"{source}: target {found['target']!r} is not a column of the data "
                         f"({', '.join(list(table.columns)[:12])}).")
    boundary = found.get("boundary", 0.0)
    if isinstance(boundary, bool) or not isinstance(boundary, numbers.Real) or \
            not math.isfinite(boundary):
        raise InputError(f"{source}: boundary is a number (the model's value on a decision "
                         f"boundary), got {boundary!r}.")
    return {"model": model, "target": found["target"], "boundary": float(boundary)}


def check_data_spec(spec, source: str) -> None:
    """A surface file's ``data``: a CSV file's name or a bundled set's (or a table, in Python)."""
    if not isinstance(spec, str | datasets.Table) or isinstance(spec, str) and not spec.strip():
        raise InputError(f"{source}: data must name a CSV file beside the surface file or a "
                         f"bundled data set ({', '.join(datasets.bundled())}); got {spec!r}.")


def data_table(spec, source: str, beside) -> datasets.Table:
    """A surface file's ``data`` as a table: a CSV file beside the file (``beside``) or a
    bundled set, read; a table given in Python, as it is. Formulas over data and networks
    read theirs alike."""
    check_data_spec(spec, source)
    return spec if isinstance(spec, datasets.Table) else _load(spec, source, beside)


def _load(spec: str, source: str, beside) -> datasets.Table:
    try:
        return datasets.load(spec, beside)
    except InputError as exc:
        raise InputError(f"{source}: {exc}") from None


def split_rows(table, held_out, seed, source, beside):
    """(training rows, validation rows or None): a surface file's ``validation`` (a share held
    out by ``seed``, another CSV file beside it, or a table) applied to ``table``; formulas over
    data and networks split alike."""
    if held_out is None:
        return table, None
    if isinstance(held_out, datasets.Table):
        return table, held_out
    if isinstance(held_out, str):
        if datasets.is_number(held_out):
            raise InputError(f"{source}: validation = {held_out!r} is text; a share of the rows "
                             f"is a number: validation = {held_out.strip()} (no quotes).")
        return table, _load(held_out, f"{source}: validation", beside)  # (not the data's)
    if isinstance(held_out, bool) or not isinstance(held_out, numbers.Real) or \
            not math.isfinite(held_out):
        raise InputError(f"{source}: validation is a share of the rows held out (a number "
                         f"between 0 and 1, e.g. 0.25) or a CSV file; got {held_out!r}.")
    try:
        return datasets.split(table, float(held_out), int(seed))
    except InputError as exc:
        raise InputError(f"{source}: {exc}") from None


def definition(data, *, expr: str, params, xlim=None, ylim=None, validation=None,
               split_seed: int = 0, name: str | None = None, **keys) -> dict:
    """The surface definition ``Surface.from_data`` checks (``surfaces.from_dict``): the data
    as tables, and without a box the one around the start and the minimum Newton's method
    finds from it (the start then the origin)."""
    if name is None:  # a table read from a file or bundled is named after it
        own = data.name if isinstance(data, datasets.Table) else ""
        name = own if own.replace("-", "").replace("_", "").isalnum() else "data"
    source = f"surface {name!r}"
    table = data if isinstance(data, datasets.Table) else \
        datasets.from_arrays(data, source=f"{source}: data")
    if validation is not None and not isinstance(validation, numbers.Real | str | datasets.Table):
        validation = datasets.from_arrays(validation, source=f"{source}: validation")
    found = {"name": name, "expr": expr, "params": params, "data": table,
             "split_seed": split_seed, **keys,
             **({"validation": validation} if validation is not None else {})}
    if xlim is None or (ylim is None and _count(params) == 2):
        made = default_box(data_loss(found, source), keys.get("start"))
        if xlim is None and ylim is None:  # the box was made around the start (the origin)
            found.setdefault("start", [0.0] * _count(params))
        xlim, ylim = made[0] if xlim is None else xlim, made[1] if ylim is None else ylim
    found.update(xlim=_listed(xlim), **({"ylim": _listed(ylim)} if ylim is not None else {}))
    return found


def _listed(limits):
    """A box side as a surface file has it: a list (a tuple or an array given in Python too;
    anything else is left for the surface file's checks to refuse)."""
    if isinstance(limits, np.ndarray):
        return limits.tolist()
    return list(limits) if isinstance(limits, tuple) else limits


def _count(params) -> int:
    return len(params) if isinstance(params, list | tuple) else 1


def newton(rows: RowsLoss, start) -> np.ndarray | None:
    """The stationary point Newton's method (with step halving) reaches from ``start`` on the
    loss over ``rows``; None where it does not settle on one."""
    p = np.array(start, dtype=float).reshape(-1, 1)
    d = len(p)
    with np.errstate(all="ignore"):
        for _ in range(NEWTON_STEPS):
            out = rows.value_and_grad(p)
            hessian = rows.hessian(p).reshape(d, d)
            if not (np.isfinite(out).all() and np.isfinite(hessian).all()):
                return None  # undefined or overflowing here (LAPACK would fail on it)
            try:
                step = np.linalg.lstsq(hessian, out[1:, :1], rcond=None)[0]
            except np.linalg.LinAlgError:
                return None
            p_new, t = p - step, 1.0
            while not rows.value_and_grad(p_new)[0, 0] <= out[0, 0] and t > 1e-6:
                t /= 2
                p_new = p - t * step
            if np.allclose(p_new, p, rtol=1e-13, atol=1e-13):
                break
            p = p_new
        out = rows.value_and_grad(p)
    if not np.isfinite(out).all() or np.linalg.norm(out[1:]) > 1e-6 * (1 + abs(out[0, 0])):
        return None
    return p[:, 0]


def default_box(loss: DataLoss, start=None):
    """A box holding the start (or the origin) and the minimum Newton's method reaches from it,
    with half as much again around both; the start ± 3 where Newton does not settle."""
    rows = loss.train_rows
    d = len(loss.params)
    given = isinstance(start, list | tuple) and len(start) == d and all(
        isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v)
        for v in start)  # (else the surface file's checks refuse it)
    origin = np.array(start, dtype=float) if given else np.zeros(d)
    found = newton(rows, origin)
    if found is None:
        box = [(float(v - 3), float(v + 3)) for v in origin]
        return box[0], (box[1] if d == 2 else None)
    lo, hi = np.minimum(origin, found), np.maximum(origin, found)
    margin = np.maximum(0.5 * (hi - lo), 1.0)
    box = [(float(a - m), float(b + m)) for a, b, m in zip(lo, hi, margin, strict=True)]
    return box[0], (box[1] if d == 2 else None)
