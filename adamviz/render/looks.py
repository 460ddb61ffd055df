"""Styles: how a picture is dressed for where it will be shown (a paper, a projector, a dark
slide), kept apart from what it shows. (A picture's whole dressing, its style with its size,
dpi and title, is a ``settings.Look``.)

A style is data: a type scale, a line-width scale and light or dark. It is applied as a
matplotlib ``rc_context`` around drawing, so panels state their text sizes relative to
``font.size`` ("large", "medium") and their line widths through ``style.lw``, and a style changes
them all at once. ``STYLES`` is the registry ``--style`` lists; this module imports no
matplotlib until a style is applied, so ``--help`` can read it.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass

from ..core.errors import InputError
from ..core.names import suggest


@dataclass(frozen=True, kw_only=True)
class Style:
    name: str
    font_size: float  # points, for "medium" text (tick labels, legends)
    line_scale: float  # run lines, halos and markers
    dark: bool
    describe: str


STYLES = {look.name: look for look in (
    Style(name="paper", font_size=10, line_scale=1.0, dark=False,
         describe="a page or a screen: compact text"),
    Style(name="talk", font_size=15, line_scale=1.35, dark=False,
         describe="a projector: text at least 18 px tall at 1920 px wide, thicker lines"),
    Style(name="dark", font_size=15, line_scale=1.35, dark=True,
         describe="a dark slide: the talk look on a dark surface with light text"),
)}
DEFAULT = "paper"  # `run` and the library; `figures` uses "talk"

# Text stays text in vector files (selectable, searchable, restyled by the slide software).
_VECTOR_TEXT = {"svg.fonttype": "none", "pdf.fonttype": 42, "ps.fonttype": 42}
_DARK = {"figure.facecolor": "#1e1e1e", "axes.facecolor": "#1e1e1e",
         "savefig.facecolor": "#1e1e1e", "text.color": "#f0f0f0",
         "axes.labelcolor": "#f0f0f0", "axes.edgecolor": "#b0b0b0",
         "xtick.color": "#f0f0f0", "ytick.color": "#f0f0f0", "grid.color": "#707070",
         "legend.labelcolor": "#f0f0f0"}


def get(name: str) -> Style:
    if name not in STYLES:
        raise InputError(f"Unknown style {name!r}{suggest(name, STYLES)}")
    return STYLES[name]


def parse_size(text) -> tuple[int, int] | None:
    """``"1920x1080"`` (or a (width, height) pair) -> (1920, 1080) pixels, checked; None
    passes through."""
    if text is None:
        return None
    if isinstance(text, tuple | list) and len(text) == 2:
        text = "x".join(str(v) for v in text)
    match = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", str(text))
    if not match:
        raise InputError(f"Bad size {text!r}: expected WIDTHxHEIGHT in pixels, e.g. 1920x1080.")
    width, height = int(match[1]), int(match[2])
    if not (100 <= width <= 10000 and 100 <= height <= 10000):
        raise InputError(f"Bad size {text!r}: each side must be 100 to 10000 pixels.")
    return width, height


def check_font_scale(scale: float) -> float:
    if not (isinstance(scale, int | float) and 0.25 <= scale <= 4):
        raise InputError(f"Bad font scale {scale!r}: must be between 0.25 and 4.")
    return float(scale)


def rc(look: Style, font_scale: float = 1.0) -> dict:
    """The rcParams of ``look``."""
    params = {**_VECTOR_TEXT, "font.size": look.font_size * font_scale,
              "lines.linewidth": 1.5 * look.line_scale}
    return {**params, **(_DARK if look.dark else {})}


@contextmanager
def wearing(name: str = DEFAULT, font_scale: float = 1.0):
    """Draw inside this to dress the picture in the look ``name``."""
    import matplotlib

    with matplotlib.rc_context(rc(get(name), check_font_scale(font_scale))):
        yield


def markdown_table() -> str:
    lines = ["| style | for |", "| --- | --- |"]
    lines += [f"| `{k.name}` | {k.describe} |" for k in STYLES.values()]
    return "\n".join(lines)
