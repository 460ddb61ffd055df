"""A recipe whose picture is a convergence-rate map (``rates = { grid = [...] }``): its one
optimizer over the grid, checked before any run and made as ``adamviz rates`` makes it."""

from __future__ import annotations

from ..core.errors import InputError
from ..surfaces import Surface
from . import rates
from .rate_claims import CHECKS as RATE_CHECKS
from .runs import load_surface

KEYS = ("grid", "log", "start", "steps", "tol")
# What draws runs, which a map has none of
NOT_TAKEN = ("starts", "views", "marks", "overlay", "tune", "scaled", "labels", "colors",
             "noise", "seed", "patience", "steps", "tol")


def check(recipe, data: dict, path) -> None:
    """Everything a rates recipe says, before any work (one line naming the file)."""
    table = recipe.rates
    claims = [c.get("check") for c in recipe.claims]
    if table is None:
        wrong = [c for c in claims if c in RATE_CHECKS]
        if wrong:
            raise InputError(f"{path}: check {wrong[0]!r} is made on a rate map; add a rates "
                             f"table or drop it.")
        return
    unknown = sorted(set(table) - set(KEYS))
    if unknown or "grid" not in table:
        raise InputError(f"{path}: rates takes grid (required), {', '.join(KEYS[1:])}"
                         + (f"; not {unknown[0]!r}." if unknown else "."))
    extra = [k for k in NOT_TAKEN if k in data]
    if extra:
        raise InputError(f"{path}: {extra[0]} is a setting of drawn runs, and a recipe with "
                         f"rates draws a map (its steps, start and tol go in the rates table).")
    if len(recipe.runs) != 1:
        raise InputError(f"{path}: a rate map is of one optimizer; runs has {len(recipe.runs)}.")
    wrong = [c for c in claims if c not in RATE_CHECKS]
    if wrong:
        raise InputError(f"{path}: check {wrong[0]!r} is made on runs; a rate map takes "
                         f"{', '.join(RATE_CHECKS)}.")
    try:
        rates.check_rates(_surface(recipe), recipe.runs[0], _grid(table), **_settings(table))
    except InputError as exc:
        raise InputError(f"{path}: rates: {exc}") from None


def run(recipe) -> rates.RateMap:
    table = recipe.rates
    return rates.rate_map(_surface(recipe), recipe.runs[0], _grid(table), **_settings(table))


def _surface(recipe) -> Surface:
    return recipe.surface if isinstance(recipe.surface, Surface) else \
        load_surface(recipe.surface)


def _grid(table: dict):
    grid = table["grid"]
    if not isinstance(grid, list) or not all(isinstance(g, str) for g in grid):
        raise InputError(f"rates.grid is a list of \"NAME=LOW:HIGH:N\", got {grid!r}.")
    return grid


def _settings(table: dict) -> dict:
    settings = {k: table[k] for k in ("start", "steps", "tol") if k in table}
    log = table.get("log", [])
    if not isinstance(log, list) or not all(isinstance(n, str) for n in log):
        raise InputError(f"rates.log is a list of axis names, got {log!r}.")
    return {**settings, "log": tuple(log)}
