"""What ``--json`` prints: one JSON document per command, for scripts.

Every document has the same head, ``{"adamviz": version, "schema": SCHEMA_VERSION, "kind":
...}``, then the fields of its kind (``KINDS``, which the README's table is written from).
Numbers are exact (Python's shortest repr that reads back to the same float); NaN and infinity,
which JSON lacks, are null. A field is only ever added within a schema version; renaming or
removing one raises it.
"""

from __future__ import annotations

import json

from . import __version__
from .results import json_number, plane_record

SCHEMA_VERSION = 1

KINDS = {
    "run": "`surface` (name, expression, box, minima; on a network its `network` and the "
           "`plane` the runs are drawn on: `kind`, `explained`, `about`, `origin`, `directions`), "
           "`settings`, `runs`: one row per run with the summary's columns (below), `notes`: "
           "what to know to read them fairly (unequal learning rates, how far a network's runs "
           "are from their plane), `files`: what was written",
    "sweep": "`surface`, `optimizer`, `swept` (name → values), `runs` (the summary's columns; "
             "`experiment` is the setting), `files`",
    "basins": "`surface`, `grid` (starts per side), `steps`, `optimizers`: per optimizer its "
              "`label`, `optimizer`, `hyperparams` and the shares `global`, `local`, `diverged`, "
              "`not_converged`; `files`",
    "rates": "`surface`, `optimizer`, `hyperparams` (the values every cell shares), `axes` "
             "(`name`, `low`, `high`, `n`, `log`), `start`, `steps`, `how` (how a rate is "
             "measured), `stability_edge` (lr = 2/lambda_max, or null), `theory` (`minimum`, "
             "`eigenvalues` of the Hessian there, `method`, `note`: why it does not hold, or "
             "empty; `optimum`: heavy ball's `lr`, `momentum`, `rate`, or null), `cells`: one "
             "row per cell with its grid values, `measured_rate`, `predicted_rate`, `status`, "
             "`steps`, `final_loss`; `files`",
    "surfaces": "`surfaces`: per surface `name`, `description`, `expression`, `box`, `minima` "
                "(`at`, `kind`), `start`, `source`, or `name`, `source` and `error` for a file "
                "that cannot be used",
    "optimizers": "`optimizers`: per optimizer `name`, `update` (one line), `defaults`, "
                  "`description`, `rule`, `trace` and `hyperparameters` (each one's `default`, "
                  "`kind`, `symbol`, `range`, `slider`, `torch`, `about`), and `torch` (the "
                  "class it reproduces) when it has one; one that cannot be used has `name`, "
                  "`source` and `error` instead",
}


def head(kind: str) -> dict:
    return {"adamviz": __version__, "schema": SCHEMA_VERSION, "kind": kind}


def dumps(document: dict) -> str:
    return json.dumps(_clean(document), indent=1, ensure_ascii=False) + "\n"


def _clean(value):
    if isinstance(value, float):
        return json_number(value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def surface_fields(surface) -> dict:
    return {"name": surface.name, "description": surface.description,
            "expression": surface.expr, "box": [list(b) for b in surface.box],
            "minima": [{"at": list(m.point), "kind": m.kind} for m in surface.minima],
            "start": list(surface.default_start), "source": str(surface.source),
            "lr": dict(surface.lr), "axes": list(surface.axes),
            **({"data": surface.data.identity()} if hasattr(surface, "data") else {}),
            **plane_record(surface),
            **({"network": surface.network.identity()} if hasattr(surface, "network") else {})}


def run(result, files=()) -> dict:
    return {**head("run"), "surface": surface_fields(result.surface),
            "settings": dict(result.settings),
            "runs": [s.record() for s in result.summaries()], "notes": result.notes(),
            "files": list(map(str, files))}


def sweep(found, files=()) -> dict:
    return {**head("sweep"), "surface": surface_fields(found.surface),
            "optimizer": found.optimizer,
            "swept": {n: list(v) for n, v in zip(found.names, found.values, strict=True)},
            "runs": [s.record() for s in found.summaries()], "files": list(map(str, files))}


def basins(found, steps: int, files=()) -> dict:
    optimizers = []
    for i, label in enumerate(found.labels):
        codes = found.categories[i]
        optimizers.append({
            "label": label,
            "optimizer": found.optimizers[i].name,
            "hyperparams": dict(found.optimizers[i].hyperparams),
            "global": found.share(i, "global"), "local": found.share(i, "local"),
            "diverged": float((codes == found.diverged_code).mean()),
            "not_converged": float((codes == found.unsettled_code).mean())})
    return {**head("basins"), "surface": surface_fields(found.surface),
            "grid": len(found.xs), "steps": steps, "optimizers": optimizers,
            "files": list(map(str, files))}


def rates(found, files=()) -> dict:
    return {**head("rates"), "surface": surface_fields(found.surface),
            "optimizer": found.optimizer, "hyperparams": dict(found.hyperparams),
            "axes": [{"name": a.name, "low": a.low, "high": a.high, "n": a.n, "log": a.log}
                     for a in found.axes],
            "start": list(found.start), "steps": found.steps, "how": found.how,
            "stability_edge": found.stability_edge, "theory": _theory(found),
            "cells": found.rows(),
            "files": list(map(str, files))}


def _theory(found) -> dict:
    optimum = None if found.optimum is None else \
        dict(zip(("lr", "momentum", "rate"), found.optimum, strict=True))
    return {"minimum": list(found.minimum), "eigenvalues": list(found.eigenvalues),
            "method": found.predicted_method, "note": found.predicted_note, "optimum": optimum}


def surfaces(found: list) -> dict:
    """``found``: (name, path, Surface or the error message) per surface file."""
    rows = []
    for name, path, surface in found:
        if isinstance(surface, str):
            rows.append({"name": name, "source": str(path), "error": surface})
        else:
            rows.append(surface_fields(surface))
    return {**head("surfaces"), "surfaces": rows}


def optimizers(found: list | None = None) -> dict:
    """``found``: ``registry.listing()`` (made now when not given): each optimizer's name,
    update and defaults, or its name, source and what is wrong with it."""
    from .optimizers import registry

    return {**head("optimizers"), "optimizers": found if found is not None
            else registry.listing()}


def markdown_table() -> str:
    lines = ["| kind | fields after the head |", "| --- | --- |"]
    return "\n".join(lines + [f"| `{k}` | {v} |" for k, v in KINDS.items()])
