"""The surface file of a network on data (``model`` a table): checked key by key, each refusal
one line naming the file and the key, into a ``NetworkFit`` (the network, its rows and how they
were chosen); ``surfaces.from_dict`` makes the ``NetworkSurface`` from it."""

from __future__ import annotations

import numbers

import numpy as np

from . import datasets
from .core.errors import InputError
from .core.limits import check_network_params
from .core.names import suggest
from .data_losses import data_table, split_rows
from .network_surfaces import NetworkFit
from .networks import ACTIVATIONS, LOSSES, Network
from .plane_kinds import PLANES
from .surface_format import _defaults, _string, checked_name

KEYS = {
    "name": "the name used on the command line (the file's stem)",
    "description": "one line shown by `adamviz surfaces` and in figure titles",
    "data": "a CSV file beside this one, or a bundled data set by name",
    "model": "{ layers, activation, loss, inputs, target }: the network and what it reads",
    "init_seed": "the seed of the initial weights (torch's nn.Linear law), a whole number",
    "plane": "the plane runs are drawn on: 'pca', 'random' or 'hessian'",
    "validation": "a share of the rows held out (e.g. 0.25), or another CSV file",
    "split_seed": "the seed of the rows held out by a validation share (0)",
    "steps": "default number of steps",
    "lr": "a table of default learning rates per optimizer, e.g. lr = { sgd = 0.5 }",
}
MODEL_KEYS = {
    "layers": "the widths, inputs first, outputs last, e.g. [2, 8, 1]",
    "activation": f"of the hidden layers: {', '.join(ACTIVATIONS)}",
    "loss": f"{' or '.join(LOSSES)}",
    "inputs": "the columns the network reads, e.g. [\"x1\", \"x2\"]",
    "target": "the column it predicts (class indices 0..k-1 for cross_entropy)",
}
MAX_LAYERS, MAX_WIDTH = 8, 1024


def _whole(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _unknown(table: dict, known: dict, where: str) -> None:
    for key in table:
        if key not in known:
            raise InputError(f"{where}: unknown key {key!r}{suggest(key, known)[:-1]} "
                             f"(see surfaces/README.md, 'A network on data').")


def checked_model(model, source: str) -> tuple[Network, tuple[str, ...], str]:
    """The ``model`` table: the network, its input columns and its target column (not yet
    matched against the data)."""
    where = f"{source}: model"
    if not isinstance(model, dict):
        raise InputError(f"{where} must be a table {{ {', '.join(MODEL_KEYS)} }}.")
    _unknown(model, MODEL_KEYS, where)
    for key in MODEL_KEYS:
        if key not in model:
            raise InputError(f"{where}: missing key {key!r} ({MODEL_KEYS[key]}).")
    layers = model["layers"]
    if not isinstance(layers, list) or not 2 <= len(layers) <= MAX_LAYERS or not all(
            _whole(w) and 1 <= w <= MAX_WIDTH for w in layers):
        raise InputError(f"{where}.layers must be a list of 2 to {MAX_LAYERS} whole numbers "
                         f"from 1 to {MAX_WIDTH} (inputs first, outputs last), got {layers!r}.")
    for key, known in (("activation", ACTIVATIONS), ("loss", LOSSES)):
        if model[key] not in known:
            raise InputError(f"{where}.{key}: unknown {key} {model[key]!r}; known: "
                             f"{', '.join(known)}.")
    inputs = model["inputs"]
    if not isinstance(inputs, list) or not inputs or not all(isinstance(c, str) for c in inputs):
        raise InputError(f"{where}.inputs must be a list of column names, got {inputs!r}.")
    if len(inputs) != layers[0]:
        raise InputError(f"{where}: layers starts with {layers[0]} inputs but inputs names "
                         f"{len(inputs)} columns; the first width is the number of inputs.")
    if not isinstance(model["target"], str):
        raise InputError(f"{where}.target must be a column name, got {model['target']!r}.")
    if model["target"] in inputs:
        raise InputError(f"{where}: target {model['target']!r} is also an input; the network "
                         f"would read the answer it is to predict.")
    if model["loss"] == "squared_error" and layers[-1] != 1:
        raise InputError(f"{where}: squared_error fits one target column, so the last width "
                         f"must be 1, got {layers[-1]}.")
    net = Network(tuple(int(w) for w in layers), model["activation"], model["loss"])
    return net, tuple(inputs), model["target"]


def _columns(table: datasets.Table, names, source: str) -> np.ndarray:
    """The columns ``names`` as one (rows, len(names)) array."""
    return np.column_stack([table.columns[c] for c in names])


def _check_columns(table: datasets.Table, inputs, target: str, source: str) -> None:
    for key, names in (("inputs", inputs), ("target", (target,))):
        for name in names:
            if name not in table.columns:
                raise InputError(f"{source}: model.{key}: {name!r} is not a column of "
                                 f"{table.source}{suggest(name, table.columns)}")


def _check_classes(net: Network, table: datasets.Table, target: str, source: str) -> None:
    if net.loss != "cross_entropy":
        return
    classes = max(2, net.outputs)
    values = table.columns[target]
    bad = ~np.isin(values, np.arange(classes))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InputError(f"{source}: model.target {target!r} must hold class indices 0.."
                         f"{classes - 1} for cross_entropy with {net.outputs} output"
                         f"{'s' * (net.outputs > 1)}; row {row + 1} of {table.source} has "
                         f"{values[row]:g}.")


def _seed(data: dict, key: str, source: str) -> int:
    seed = data.get(key, 0)
    if not _whole(seed) or seed < 0:
        raise InputError(f"{source}: {key} must be a whole number >= 0, got {seed!r}.")
    return int(seed)


def _split(table, data: dict, source: str, beside):
    held_out, seed = data.get("validation"), _seed(data, "split_seed", source)
    if held_out is None and seed:
        raise InputError(f"{source}: split_seed picks the rows a validation share holds out; "
                         f"without validation it does nothing: drop it.")
    return split_rows(table, held_out, seed, source, beside)


def checked_fit(data: dict, source: str, beside=None) -> tuple[NetworkFit, str]:
    """The network's part of a surface definition, checked: its model, rows and seeds; and
    its plane (the name, steps, lr and description are checked as any surface file's)."""
    _unknown(data, KEYS, source)
    if "name" not in data:
        raise InputError(f"{source}: missing required key 'name' ({KEYS['name']}).")
    if "data" not in data:
        raise InputError(f"{source}: a network needs data = \"file.csv\" (or a bundled set: "
                         f"{', '.join(datasets.bundled())}).")
    net, inputs, target = checked_model(data["model"], source)
    table = data_table(data["data"], source, beside)
    _check_columns(table, inputs, target, source)
    _check_classes(net, table, target, source)
    check_network_params(net.n_params, table.rows, f"{source}: model.layers {list(net.layers)}")
    init_seed = _seed(data, "init_seed", source)
    plane = data.get("plane", "pca")
    if not isinstance(plane, str) or plane not in PLANES:
        raise InputError(f"{source}: plane {plane!r} is unknown{suggest(str(plane), PLANES)}")
    train, held = _split(table, data, source, beside)
    if held is not None:
        _check_columns(held, inputs, target, source)
        _check_classes(net, held, target, source)
    given = data.get("validation")
    fit = NetworkFit(
        model=net, train_x=_columns(train, inputs, source), train_y=train.columns[target],
        validation_x=None if held is None else _columns(held, inputs, source),
        validation_y=None if held is None else held.columns[target], data=table.name,
        inputs=inputs, target=target, init_seed=init_seed,
        held_out=held.name if isinstance(given, str) else given,
        split_seed=_seed(data, "split_seed", source), digest=train.digest(),
        validation_digest=None if held is None else held.digest())
    return fit, plane


def fields(data: dict, source: str, beside=None) -> dict:
    """A network surface's definition checked, as the fields of a ``NetworkSurface``."""
    fit, plane = checked_fit(data, source, beside)
    name = checked_name(_string(data, "name", source), source)
    return dict(name=name, network=fit, default_plane=plane, source=source,
                **_defaults(data, source))
