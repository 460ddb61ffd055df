"""A rate map's grid: one or two hyperparameter axes (``NAME=LOW:HIGH:N``, linear or log
spaced), each checked against the optimizer's declared ranges before any run."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.errors import InputError


@dataclass(frozen=True)
class Axis:
    name: str
    low: float
    high: float
    n: int
    log: bool = False

    @property
    def values(self) -> np.ndarray:
        return np.geomspace(self.low, self.high, self.n) if self.log else \
            np.linspace(self.low, self.high, self.n)


def parse_grid(text: str) -> tuple[str, float, float, int]:
    """``"lr=0.001:0.1:50"`` -> ("lr", 0.001, 0.1, 50)."""
    name, eq, rest = str(text).partition("=")
    parts = rest.split(":")
    try:
        if not eq or not name.strip() or len(parts) != 3:
            raise ValueError
        n = float(parts[2])
        if not n.is_integer():
            raise ValueError
        return name.strip(), float(parts[0]), float(parts[1]), int(n)
    except ValueError:
        hint = " (a minus sign is the ASCII '-', not '\u2212')" if "\u2212" in str(text) else ""
        raise InputError(f"Bad --grid {text!r}: expected NAME=LOW:HIGH:N with a whole N, e.g. "
                         f"lr=0.001:0.1:50{hint}.") from None


def check_axes(grid, declared: dict, log=()) -> tuple[Axis, ...]:
    """The grid's axes, each checked; ``declared``: the optimizer's hyperparameters."""
    if isinstance(grid, tuple) and grid and isinstance(grid[0], str):
        grid = [grid]
    if not isinstance(grid, list | tuple) or not 1 <= len(grid) <= 2:
        raise InputError(f"A rate grid has one or two axes (NAME, LOW, HIGH, N), got {grid!r}.")
    numbers = sorted(n for n, h in declared.items() if not h.switch)
    axes = []
    for item in grid:
        if isinstance(item, str):
            name, low, high, n = parse_grid(item)
        elif isinstance(item, list | tuple) and len(item) == 4 and isinstance(item[0], str):
            name, low, high, n = item
        else:
            raise InputError(f"A grid axis is \"NAME=LOW:HIGH:N\" or (NAME, LOW, HIGH, N), "
                             f"got {item!r}; e.g. \"lr=0.001:0.1:50\".")
        axes.append(_axis(name, low, high, n, name in log, numbers, declared))
    if len(axes) == 2 and axes[0].name == axes[1].name:
        raise InputError(f"--grid {axes[0].name} is given twice; a map's two axes are two "
                         f"hyperparameters.")
    for name in log:
        if name not in {a.name for a in axes}:
            raise InputError(f"--log {name}: not a grid axis (the axes: "
                             f"{', '.join(a.name for a in axes)}).")
    return tuple(axes)


def _axis(name, low, high, n, log, numbers, declared) -> Axis:
    if name not in numbers:
        raise InputError(f"--grid {name}: not a number of this optimizer; known: "
                         f"{', '.join(numbers)}.")
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise InputError(f"--grid {name}: {n!r} points; a grid axis needs at least 2.")
    if not all(isinstance(v, int | float) and np.isfinite(v) for v in (low, high)):
        raise InputError(f"--grid {name}: the ends must be finite numbers, got {low!r}, "
                         f"{high!r}.")
    if low == high:
        raise InputError(f"--grid {name}={low:g}:{high:g}:{n}: both ends are {low:g}, one "
                         f"point; an axis runs from a low end to a higher one.")
    if not low < high:
        raise InputError(f"--grid {name}={low:g}:{high:g}:{n}: the low end must be below the "
                         f"high end (reversed); e.g. {name}={min(low, high):g}:"
                         f"{max(low, high):g}:{n}.")
    if log and low <= 0:
        raise InputError(f"--grid {name}={low:g}:{high:g}:{n} with --log {name}: a log axis "
                         f"needs a low end > 0.")
    rng = declared[name].range
    for v in (low, high):
        if not rng.holds(float(v)):
            raise InputError(f"--grid {name}: {v:g} is not a valid {name} (must be "
                             f"{rng.text}).")
    return Axis(name, float(low), float(high), n, bool(log))


TABLE_KEYS = ("grid", "log", "start", "steps", "tol")


def from_table(table, keys=TABLE_KEYS) -> dict:
    """A ``rates`` table of a recipe or a batch file (``{grid = ["lr=0.001:0.1:50", ...],
    log = ["lr"], start = [x, y], steps = 500, tol = 1e-8}``, ``keys`` the ones it may have) as
    the keywords of ``rates.rate_map`` (``grid``, ``log`` and those given), its shape checked."""
    unknown = sorted(set(table) - set(keys)) if isinstance(table, dict) else []
    if not isinstance(table, dict) or unknown or "grid" not in table:
        raise InputError(f"rates takes grid (required), {', '.join(keys[1:])}"
                         + (f"; not {unknown[0]!r}." if unknown else "."))
    grid, log = table["grid"], table.get("log", [])
    if not isinstance(grid, list) or not all(isinstance(g, str) for g in grid):
        raise InputError(f"rates.grid is a list of \"NAME=LOW:HIGH:N\", got {grid!r}.")
    if not isinstance(log, list) or not all(isinstance(n, str) for n in log):
        raise InputError(f"rates.log is a list of axis names, got {log!r}.")
    return {"grid": grid, "log": tuple(log),
            **{k: table[k] for k in ("start", "steps", "tol") if k in table}}
