"""Sweeps: one optimizer over the cartesian product of hyperparameter lists."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from ..core.errors import InputError
from ..core.limits import check_panels, check_paths
from ..core.specs import OptSpec, format_value, parse_value
from ..results import Result, Summary, shown
from ..surfaces import Surface
from . import slices
from .runs import DEFAULTS, Settings, load_surface, make_runs, resolve, spec_of, starts_of


@dataclass(frozen=True, kw_only=True)
class Cell:
    setting: dict  # swept name -> value
    result: Result

    @property
    def title(self) -> str:
        """Every swept value, defaults included, so no two panels read the same."""
        return ", ".join(f"{k}={format_value(v)}" for k, v in self.setting.items())


@dataclass(frozen=True, kw_only=True)
class Sweep:
    surface: Surface
    optimizer: str
    names: tuple[str, ...]  # swept parameters, in order (rows first, then columns)
    values: tuple[tuple, ...]
    cells: tuple[Cell, ...]

    def summaries(self) -> list[Summary]:
        """Every run of every cell; its ``experiment`` is the cell's setting."""
        return [s for cell in self.cells for s in cell.result.summaries(experiment=cell.title)]

    def config(self) -> dict:
        return {"sweep": dict(zip(self.names, map(list, self.values), strict=True)),
                "cells": [cell.result.config() for cell in self.cells]}

    def paths(self) -> list:
        return [p for cell in self.cells for p in cell.result.paths()]

    def __repr__(self) -> str:
        return (f"Sweep({self.optimizer} on {self.surface.name} over "
                f"{' x '.join(self.names)}: {len(self.cells)} settings)")

    def _repr_png_(self):
        return shown(self, "sweep", "png")


def parse_params(texts) -> dict[str, list]:
    """``["lr=1e-3,1e-2", "beta1=0.8,0.9"]`` -> {"lr": [...], "beta1": [...]}; a name given
    twice is refused (one list per parameter)."""
    out: dict[str, list] = {}
    for text in texts:
        name, eq, rest = text.partition("=")
        name = name.strip()
        values = [v for v in rest.split(",") if v.strip()]
        if not eq or not name or not values:
            raise InputError(f"Bad --param {text!r}: expected NAME=V1,V2,..., e.g. lr=1e-3,1e-2.")
        if name in out:
            raise InputError(f"--param {name} is given twice; list every value once, e.g. "
                             f"{name}={','.join([*map(format_value, out[name]), *values])}.")
        out[name] = [parse_value(v, f"--param {name}") for v in values]
    return out


def sweep(surface, opt, params: dict[str, list], starts=None, settings: Settings = DEFAULTS,
          surfaces_dir=()) -> Sweep:
    surface = load_surface(surface, surfaces_dir)
    spec = spec_of(opt)
    if not isinstance(spec, OptSpec):
        raise InputError(f"A sweep sweeps hyperparameters by name, so {spec.name!r}, an "
                         f"optimizer object, cannot be swept; give a spec such as 'adam' or "
                         f"an optimizer file.")
    if not isinstance(params, dict):
        raise InputError(f"Sweep parameters are a dict of lists, e.g. {{'lr': [1e-3, 1e-2]}}, "
                         f"got {params!r}.")
    if not params:
        raise InputError("Nothing to sweep: give at least one --param NAME=V1,V2,...")
    for name, values in params.items():
        if not isinstance(name, str):
            raise InputError(f"Swept names are hyperparameters' names, e.g. 'lr'; got {name!r}.")
        if not isinstance(values, list | tuple):
            raise InputError(f"The values of {name!r} to sweep are a list, e.g. "
                             f"{{{name!r}: [0.01, 0.1]}}, got {values!r}.")
        if not values:
            raise InputError(f"The sweep list of {name!r} is empty.")
    names = tuple(params)
    check_panels(math.prod(len(v) for v in params.values()))
    combos = [dict(zip(names, c, strict=True)) for c in itertools.product(*params.values())]
    specs = [OptSpec(name=spec.name, hyperparams={**spec.hyperparams, **c}) for c in combos]
    for s in specs:  # every combination is checked before any runs
        resolve(s, surface, settings.lr, settings.schedule)
    check_paths(len(specs) * len(starts_of(surface, starts)), settings.steps_for(surface),
                surface.dims)
    results = [make_runs(surface, [s], starts, settings, on_plane=False) for s in specs]
    if slices.is_network(surface):  # every panel on one plane, made of all their paths
        results = slices.on_shared_plane(results, settings.plane, seed=settings.seed)
        surface = results[0].surface
    cells = tuple(Cell(setting=c, result=r) for c, r in zip(combos, results, strict=True))
    return Sweep(surface=surface, optimizer=spec.name, names=names,
                 values=tuple(tuple(params[n]) for n in names), cells=cells)
