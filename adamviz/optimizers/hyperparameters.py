"""A hyperparameter declared as data, in an optimizer file's ``[hyperparameters]`` table:

    lr = 1e-3                                               # a number: its default, any value
    beta1 = {default = 0.9, range = "[0, 1)", symbol = "β₁", torch = "betas[0]",
             slider = {min = 0.0, max = 0.999}}
    lr = {default = 1e-3, range = "> 0", symbol = "η",
          slider = {min = 1e-4, max = 10, scale = "log"}}
    amsgrad = {default = false, torch = "amsgrad"}          # a switch: true or false

``range`` gives the check and its message (torch's words); ``torch`` the argument of the torch
class (``betas[0]`` is the first of the pair ``betas``; ``false`` when torch has no such
argument and behaves as the default); ``slider`` the player's control (``scale`` "log" or
"linear"; made from the range and default when not given). The checks, ``adamviz optimizers
--json``, the README tables, the torch bridge, the reference script and the player read them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..core.errors import InputError
from ..core.names import suggest

KEYS = {"default": "the value used when none is given", "range": "valid values, e.g. \"> 0\" "
        "or \"[0, 1)\"", "symbol": "the symbol in formulas and labels", "torch": "the torch "
        "argument, e.g. \"betas[0]\", or false", "slider": "{min, max, scale} of the player's "
        "control", "about": "one line on what it does"}
# torch's words for its checks ("Invalid learning rate: -1.0 (must be > 0)")
TORCH_WORDS = {"lr": "learning rate", "eps": "epsilon value"}
_COMPARISON = re.compile(r"\s*(>=|>|<=|<)\s*(\S+)\s*$")
_INTERVAL = re.compile(r"\s*([\[(])\s*(\S+)\s*,\s*(\S+)\s*([\])])\s*$")


@dataclass(frozen=True)
class Range:
    low: float = -math.inf
    high: float = math.inf
    low_open: bool = True
    high_open: bool = True
    text: str = "any"

    def holds(self, value: float) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below


def parse_range(text, where: str) -> Range:
    if not isinstance(text, str):
        raise InputError(f"{where}: range is text such as \"> 0\" or \"[0, 1)\".")
    try:
        if m := _COMPARISON.match(text):
            op, value = m.group(1), float(m.group(2))
            if op.startswith(">"):
                return Range(low=value, low_open=op == ">", text=f"{op} {m.group(2)}")
            return Range(high=value, high_open=op == "<", text=f"{op} {m.group(2)}")
        if m := _INTERVAL.match(text):
            return Range(float(m.group(2)), float(m.group(3)), m.group(1) == "(",
                         m.group(4) == ")", text=f"in {m.group(1)}{m.group(2)}, "
                                                 f"{m.group(3)}{m.group(4)}")
    except ValueError:
        pass
    raise InputError(f"{where}: range {text!r} is not one of \"> A\", \">= A\", \"< B\", "
                     f"\"<= B\" or an interval such as \"[0, 1)\".")


@dataclass(frozen=True)
class Hyperparameter:
    name: str
    default: float | bool
    range: Range = Range()
    symbol: str = ""
    torch: str | None = None  # None: torch has no such argument
    slider: tuple[float, float, str] | None = None  # min, max, scale (None for a switch)
    about: str = ""

    @property
    def switch(self) -> bool:
        return isinstance(self.default, bool)

    @property
    def torch_pair(self) -> tuple[str, int] | None:
        """("betas", 0) for torch = "betas[0]": the half of a pair argument it is, or None."""
        if not (self.torch and self.torch.endswith("]") and "[" in self.torch):
            return None
        pair, index = self.torch[:-1].split("[")
        return pair, int(index)

    def check(self, value, owner: str, scheduled: bool = False):
        """``value`` as this hyperparameter takes it, or ``InputError`` in torch's words."""
        if self.switch:
            if not isinstance(value, bool):
                raise InputError(f"{owner}: {self.name} must be true or false, got {value!r}")
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(f"{owner}: {self.name} must be a number, got {value!r}")
        if not math.isfinite(value):
            raise InputError(f"{owner}: {self.name} must be finite, got {value!r}")
        value = float(value)
        if not self.range.holds(value) and not (scheduled and self.name == "lr" and value == 0):
            words = TORCH_WORDS.get(self.name, f"{self.name} value")
            raise InputError(f"Invalid {words}: {value} (must be {self.range.text})")
        return value

    def describe(self, in_torch: bool = True) -> dict:
        """As ``adamviz optimizers --json`` gives it."""
        out = {"default": self.default, "symbol": self.symbol or self.name}
        if self.switch:
            out["kind"] = "switch"
        else:
            out.update(kind="number", range=self.range.text)
            if self.slider:
                out["slider"] = {"min": self.slider[0], "max": self.slider[1],
                                 "scale": self.slider[2]}
        if self.torch and in_torch:
            out["torch"] = self.torch
        if self.about:
            out["about"] = self.about
        return out


def declare(name: str, value, where: str) -> Hyperparameter:
    """A hyperparameter from its entry: a number, true/false, or a table of ``KEYS``."""
    if not isinstance(value, dict):
        value = {"default": value}
    for key in value:
        if key not in KEYS:
            raise InputError(f"{where}: unknown key {key!r}{suggest(key, KEYS)}")
    if "default" not in value:
        raise InputError(f"{where}: a default value is needed (default = 0.9).")
    default = value["default"]
    if not isinstance(default, bool):
        if not isinstance(default, int | float) or not math.isfinite(default):
            raise InputError(f"{where}: a finite number, got {default!r}.")
        default = float(default)
    rng = parse_range(value["range"], where) if "range" in value else Range()
    torch = value.get("torch", name)
    if torch is not False and (not isinstance(torch, str) or not torch):
        raise InputError(f"{where}: torch is the torch argument's name, or false.")
    for key in ("symbol", "about"):
        if key in value and not isinstance(value[key], str):
            raise InputError(f"{where}: {key} is text, got {value[key]!r}.")
    if isinstance(default, bool) and set(value) & {"range", "slider"}:
        raise InputError(f"{where}: a switch (true or false) has no range or slider.")
    if rng.low == rng.high:
        raise InputError(f"{where}: range {rng.text} allows one value: write it in the rule.")
    if not isinstance(default, bool) and not rng.holds(default):
        raise InputError(f"{where}: the default {default} is outside its range "
                         f"({rng.text}).")
    made = Hyperparameter(name=name, default=default, range=rng,
                          symbol=str(value.get("symbol", "")), torch=torch or None,
                          slider=None if isinstance(default, bool) else
                          _slider(value.get("slider"), rng, default, where),
                          about=str(value.get("about", "")))
    return made


def _slider(spec, rng: Range, default: float, where: str) -> tuple[float, float, str]:
    """The player's control: given, or made from the range and the default (the range when it
    is bounded, else two decades around a positive default); always inside the range and
    around the default, so the player never runs a value the command line refuses."""
    if spec is None:
        return _made_slider(rng, default)
    if not isinstance(spec, dict) or set(spec) - {"min", "max", "scale"}:
        raise InputError(f"{where}: slider is {{min = A, max = B, scale = \"log\" or "
                         f"\"linear\"}}.")
    low, high = spec.get("min"), spec.get("max")
    scale = spec.get("scale", "linear")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high)) \
            or not low < high or scale not in ("log", "linear") or \
            (scale == "log" and low <= 0):
        raise InputError(f"{where}: slider needs numbers min < max (min > 0 on a log scale) "
                         f"and scale \"log\" or \"linear\".")
    if not (rng.holds(low) and rng.holds(high)):
        raise InputError(f"{where}: slider from {low:g} to {high:g} leaves the range "
                         f"({rng.text}); the player must not run a value that is refused.")
    if not low <= default <= high:
        raise InputError(f"{where}: slider from {low:g} to {high:g} does not reach the "
                         f"default {default:g}.")
    return (float(low), float(high), scale)


def _made_slider(rng: Range, default: float) -> tuple[float, float, str]:
    def inside(v: float, toward: float) -> float:  # an open end, nudged in by a thousandth
        return v if rng.holds(v) else v + (toward - v) * 1e-3

    if math.isfinite(rng.low) and math.isfinite(rng.high):
        return (inside(rng.low, rng.high), inside(rng.high, rng.low), "linear")
    if default > 0 and rng.low >= 0:
        low = max(default / 100, rng.low)
        return (inside(low, default) if low < default else low, min(default * 100, rng.high),
                "log")
    span = max(abs(default), 1.0)
    low, high = max(rng.low, default - span), min(rng.high, default + span)
    return (inside(low, default), inside(high, default), "linear")
