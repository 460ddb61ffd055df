"""A recipe whose picture is a convergence-rate map (``rates = { grid = [...] }``): its one
optimizer over the grid, checked before any run and made as ``adamviz rates`` makes it."""

from __future__ import annotations

from ..core.errors import InputError
from ..surfaces import Surface
from . import rates
from .rate_claims import CHECKS as RATE_CHECKS
from .rate_grid import from_table
from .runs import load_surface

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
        asked = from_table(table)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
    try:
        rates.check_rates(_surface(recipe), recipe.runs[0], asked.pop("grid"), **asked)
    except InputError as exc:
        raise InputError(f"{path}: rates: {exc}") from None


def run(recipe) -> rates.RateMap:
    asked = from_table(recipe.rates)
    return rates.rate_map(_surface(recipe), recipe.runs[0], asked.pop("grid"), **asked)


def _surface(recipe) -> Surface:
    return recipe.surface if isinstance(recipe.surface, Surface) else \
        load_surface(recipe.surface)
