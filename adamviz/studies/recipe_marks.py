"""What a recipe rings on its picture (``marks``), and the checks of points and colours a
recipe file's values take, made without importing matplotlib."""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import claims

MARK_AT = ("highest-after-start", "best", "end")
SHAPES = ("o", "P", "X", "s", "D", "^", "v")  # matplotlib marker names a mark may take


@dataclass(frozen=True, kw_only=True)
class Mark:
    run: int  # 0-based; -1 for a fixed point
    step: int
    color: str
    label: str
    point: tuple[float, float] | None = None  # a fixed point (e.g. the held-out minimum)
    shape: str = "o"


_COLOUR = re.compile(r"#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?|#[0-9a-fA-F]{3}|C[0-9]|[a-z]+|"
                     r"0(\.\d+)?|1(\.0+)?")  # names are checked by name below
_COLOUR_NAMES = {"white", "black", "red", "green", "blue", "orange", "yellow", "purple",
                 "grey", "gray", "cyan", "magenta", "brown", "pink", "none"}


def is_colour(value) -> bool:
    """A colour as matplotlib reads one, checked without importing it: hex, Cn, a grey level
    or a common name."""
    return (isinstance(value, str) and _COLOUR.fullmatch(value) is not None
            and (not value.isalpha() or value in _COLOUR_NAMES))


def is_point(at) -> bool:
    return (isinstance(at, list) and len(at) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in at))


def marks(recipe, result) -> list[Mark]:
    """The points a recipe rings on its picture, each at its run's step (or a fixed point)."""
    out = []
    for mark in recipe.marks:
        if is_point(mark["at"]):
            out.append(Mark(run=-1, step=0, color=mark.get("color", "white"),
                            label=mark.get("label", "point"), shape=mark.get("shape", "o"),
                            point=tuple(map(float, mark["at"]))))
            continue
        run = result.runs[mark["run"] - 1]
        at = mark["at"]
        step = (claims.highest_after_start(run) if at == "highest-after-start"
                else run.best_step if at == "best" else run.steps if at == "end" else int(at))
        out.append(Mark(run=mark["run"] - 1, step=min(step, run.steps),
                        color=mark.get("color", "white"),
                        label=mark.get("label", at if isinstance(at, str) else f"step {at}")))
    return out
