"""The surface file format: a definition (as read from TOML, or given in Python) checked key by
key, each refusal one line naming the file and what would be right, into the fields of a
``Surface`` (``surfaces.from_dict`` builds it), with ``data`` a model's loss over a data set."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .core.errors import InputError
from .core.expressions import parse
from .core.limits import check_steps
from .core.names import suggest


@dataclass(frozen=True, kw_only=True)
class Minimum:
    point: tuple[float, ...]
    kind: str  # "global" or "local"


LEVEL_MODES = ("auto", "linear", "log")
MINIMUM_KINDS = ("global", "local")
MAX_DESCRIPTION = 300  # characters
REQUIRED = ("name", "expr", "xlim")
KEYS = {
    "name": "the name used on the command line (the file's stem)",
    "description": "one line shown by `adamviz surfaces` and in figure titles",
    "expr": "the loss formula in x (and y)",
    "xlim": "[a, b], the x range of the box",
    "ylim": "[c, d], the y range of the box (omit only for a formula in x alone)",
    "start": "[x0, y0], the default start (the box's centre otherwise)",
    "minima": "[[minima]] tables with at = [x, y] and kind = 'global' or 'local'",
    "steps": "default number of steps for `adamviz run`",
    "lr": "a table of default learning rates per optimizer, e.g. lr = { sgd = 0.01 }",
    "levels": "contour levels: 'auto', 'linear' or 'log'",
    "data": "a loss over data: a CSV file beside this one, or a bundled data set by name",
    "params": "with data: the model's parameters, x axis then y axis, e.g. [\"w\", \"b\"]",
    "validation": "with data: a share of the rows held out (e.g. 0.25), or another CSV file",
    "split_seed": "with data: the seed of the rows held out by a validation share (0)",
    "model": "with data: the model's prediction per row, e.g. \"w*speed + b\" (the fit view)",
    "target": "with data: the column the model predicts (the fit view)",
    "boundary": "with data: the model value a classifier's decision boundary lies at (0)",
}
DATA_KEYS = ("data", "params", "validation", "split_seed", "model", "target", "boundary")


def checked(data: dict, source: str = "<memory>", beside=None) -> tuple[dict, object]:
    """A surface definition (as read from TOML) checked: the fields of a ``Surface``, and with
    ``data`` the ``DataLoss`` that makes it a ``DataSurface`` (its CSV paths relative to the
    folder ``beside``), else None."""
    name = _head(data, source)
    loss = None
    if "data" in data:  # (a loss over data, and its tables, are imported only when used)
        from .data_losses import data_loss

        loss = data_loss(data, source, beside)
        formula, second = loss.formula.whole, (loss.params[1:] or (None,))[0]
    else:
        formula = parse(data["expr"], source=f"{source}: expr")
        second = "y" if "y" in formula.variables else None
    xlim = _interval(data, "xlim", source)
    ylim = _interval(data, "ylim", source) if "ylim" in data else None
    if ylim is None and second is not None:
        raise InputError(f"{source}: the formula uses {second}, so 'ylim' is required.")
    if ylim is not None and loss is not None and second is None:
        raise InputError(f"{source}: params names one parameter, drawn as a curve over xlim; "
                         f"remove ylim or name a second parameter.")
    box = (xlim,) if ylim is None else (xlim, ylim)
    start, minima = _placed(data, box, source)
    fields = dict(name=name, formula=formula, xlim=xlim, ylim=ylim, start=start, minima=minima,
                  source=source, **_defaults(data, source))
    return fields, loss


def _head(data: dict, source: str) -> str:
    """The keys known and present; the name."""
    unknown = [k for k in data if k not in KEYS]
    if unknown:
        key = unknown[0]
        raise InputError(f"{source}: unknown key {key!r}{suggest(key, KEYS)[:-1]} "
                         f"(see surfaces/README.md).")
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise InputError(f"{source}: missing required key {missing[0]!r} "
                         f"({KEYS[missing[0]]}).")
    given = [k for k in DATA_KEYS if k in data]
    if given and "data" not in data:
        raise InputError(f"{source}: {given[0]!r} belongs to a loss over data; add "
                         f"data = \"file.csv\" (or a bundled set's name), or remove it.")
    return checked_name(_string(data, "name", source), source)


MAX_NAME = 100  # characters: a name titles the pictures and names the files


def checked_name(name: str, source: str) -> str:
    """A surface's name: letters, digits, '-' and '_', at most MAX_NAME of them."""
    if len(name) > MAX_NAME:
        raise InputError(f"{source}: name has {len(name):,} characters; at most {MAX_NAME} (it "
                         f"titles the pictures and names the files).")
    if not name.replace("-", "").replace("_", "").isalnum():
        raise InputError(f"{source}: name {name!r} may use only letters, digits, '-' and '_'.")
    return name


def _placed(data: dict, box, source: str):
    """The default start and the minima, inside the box."""
    dims = len(box)
    start = _point(data["start"], dims, f"{source}: start") if "start" in data else None
    minima = tuple(_minimum(m, dims, f"{source}: minima[{i}]")
                   for i, m in enumerate(_list(data, "minima", source)))
    if start is not None and any(not lo <= v <= hi
                                 for v, (lo, hi) in zip(start, box, strict=True)):
        raise InputError(f"{source}: start {list(start)} lies outside the box (xlim, ylim); "
                         f"the default start must be inside it.")
    for i, m in enumerate(minima):
        if any(not lo <= v <= hi for v, (lo, hi) in zip(m.point, box, strict=True)):
            raise InputError(f"{source}: minima[{i}] at {list(m.point)} lies outside the box "
                             f"(xlim, ylim); list only minima inside it.")
    return start, minima


def _defaults(data: dict, source: str) -> dict:
    """Steps, learning rates, contour levels and description."""
    steps = None
    if "steps" in data:
        steps = data["steps"]
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
            raise InputError(f"{source}: steps must be a whole number >= 1, got {steps!r}.")
        try:
            check_steps(steps)
        except InputError as exc:
            raise InputError(f"{source}: {exc}") from None
    lr = data.get("lr", {})
    if not isinstance(lr, dict):
        raise InputError(f"{source}: lr must be a table such as lr = {{ sgd = 0.01 }}.")
    for opt, value in lr.items():
        if not _number(value) or value <= 0:
            raise InputError(f"{source}: lr.{opt} must be a positive number, got {value!r}.")
    levels = data.get("levels", "auto")
    if levels not in LEVEL_MODES:
        raise InputError(f"{source}: levels must be one of {', '.join(LEVEL_MODES)}, "
                         f"got {levels!r}.")
    description = _string(data, "description", source, default="")
    if len(description) > MAX_DESCRIPTION or "\n" in description:
        raise InputError(f"{source}: description is one line of at most {MAX_DESCRIPTION} "
                         f"characters (it titles the pictures); this one has "
                         f"{len(description):,}.")
    return dict(steps=steps, lr={k: float(v) for k, v in lr.items()}, levels=levels,
                description=description)


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _string(data, key, source, default=None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise InputError(f"{source}: {key} must be a string, got {value!r}.")
    return value


def _list(data, key, source) -> list:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise InputError(f"{source}: {key} must be a list ({KEYS[key]}).")
    return value


MAX_COORDINATE = 1e12  # a box beyond this cannot be drawn or stepped through meaningfully


def _interval(data, key, source) -> tuple[float, float]:
    value = data[key]
    if (not isinstance(value, list) or len(value) != 2 or not all(map(_number, value))
            or not value[0] < value[1]):
        raise InputError(f"{source}: {key} must be [low, high] with low < high, got {value!r}.")
    lo, hi = float(value[0]), float(value[1])
    if max(abs(lo), abs(hi)) > MAX_COORDINATE:
        raise InputError(f"{source}: {key} = {value!r} reaches beyond ±{MAX_COORDINATE:g}; "
                         f"rescale the formula so the box is smaller.")
    if hi - lo < 1e-9 * max(1.0, abs(lo), abs(hi)):
        raise InputError(f"{source}: {key} = {value!r} is too narrow for its position "
                         f"(floating point cannot tell points apart in it); shift the formula "
                         f"so the box lies near 0.")
    return lo, hi


def _point(value, dims, where) -> tuple[float, ...]:
    if not isinstance(value, list) or len(value) != dims or not all(map(_number, value)):
        shape = "[x, y]" if dims == 2 else "[x]"
        raise InputError(f"{where} must be a point {shape} of numbers, got {value!r}.")
    return tuple(float(v) for v in value)


def _minimum(entry, dims, where) -> Minimum:
    if not isinstance(entry, dict) or set(entry) - {"at", "kind"} or "at" not in entry:
        raise InputError(f"{where} must be a table with at = [x, y] and kind = 'global' or "
                         f"'local', got {entry!r}.")
    kind = entry.get("kind", "global")
    if kind not in MINIMUM_KINDS:
        raise InputError(f"{where}: kind must be 'global' or 'local', got {kind!r}.")
    return Minimum(point=_point(entry["at"], dims, f"{where}.at"), kind=kind)


