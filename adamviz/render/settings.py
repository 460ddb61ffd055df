"""Drawing settings as values: how a picture is dressed (``Look``), where a 3D view looks from
(``Camera``), which arrows the panels carry (``Overlays``) and how an animation plays
(``Timing``).

Each value checks itself when it is made, so a notebook meets the same one-line errors as the
command line, and flows unchanged from the CLI through the API to the renderers: a setting is
named once, here, and a misspelt one is an error rather than a keyword that vanishes
(``from_keywords``). Nothing here imports matplotlib until a title's math is checked.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields, replace

from ..arrows import parse_overlays, parse_steps
from ..core.errors import InputError
from ..core.names import suggest
from . import looks
from .paces import DEFAULT as DEFAULT_PACE
from .paces import PACES

MAX_TITLE = 300  # characters: a title is one line over the panels


def _number(name: str, value, low: float, high: float, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or not low <= value <= high:
        raise InputError(f"Invalid {name}: {value!r} ({what}).")
    return value


@dataclass(frozen=True, kw_only=True)
class Look:
    """How a picture is dressed: a style (``looks.STYLES``: paper, talk, dark), a font scale,
    its size in pixels (``"1920x1080"`` or a pair), its dpi, a transparent background, and its
    title (drawn as written; with ``math`` its ``$...$`` parts are mathtext)."""

    style: str = looks.DEFAULT
    font_scale: float = 1.0
    size: tuple[int, int] | None = None
    dpi: float | None = None
    transparent: bool = False
    title: str | None = None
    math: bool = False

    def __post_init__(self):
        looks.get(self.style)
        looks.check_font_scale(self.font_scale)
        object.__setattr__(self, "size", looks.parse_size(self.size))
        if self.dpi is not None:
            _number("dpi", self.dpi, 10, 1200, "a number from 10 to 1200")
        for name in ("transparent", "math"):
            if not isinstance(getattr(self, name), bool):
                raise InputError(f"{name} is True or False, got {getattr(self, name)!r}.")
        check_title(self.title, self.math)


def check_title(title, math_: bool = False) -> None:
    """A title is text of one line (with ``math_``, valid mathtext)."""
    if title is None:
        return
    if not isinstance(title, str):
        raise InputError(f"A title is text, got {title!r}.")
    if len(title) > MAX_TITLE or "\n" in title:
        raise InputError(f"A title is one line of at most {MAX_TITLE} characters; this one "
                         f"has {len(title):,} characters.")
    if math_:
        from matplotlib.mathtext import MathTextParser

        for part in re.findall(r"\$[^$]*\$", title) or [title]:
            try:
                MathTextParser("path").parse(part, dpi=72)
            except ValueError:  # (pyparsing's grammar dump says nothing to a user)
                raise InputError(f"The title's math {part!r} is not valid mathtext; write it "
                                 f"as in LaTeX, e.g. 'loss $x_t$'.") from None


@dataclass(frozen=True, kw_only=True)
class Camera:
    """Where the 3D view looks from: elevation and azimuth in degrees; None is chosen from
    the surface (``viewdata.camera``: across two minima, so what lies between them shows)."""

    elev: float | None = None
    azim: float | None = None

    def __post_init__(self):
        for name in ("elev", "azim"):
            if getattr(self, name) is not None:
                _number(name, getattr(self, name), -1e6, 1e6, "an angle in degrees")

    def __bool__(self) -> bool:
        return self.elev is not None or self.azim is not None


@dataclass(frozen=True, kw_only=True)
class Overlays:
    """Arrows on the panels that can draw them (``arrows.OVERLAYS``: grad, momentum, step),
    at the steps ``at`` in a still (default: a few along each run); an animation draws those
    of each run's current step."""

    show: tuple[str, ...] = ()
    at: tuple[int, ...] | None = None

    def __post_init__(self):
        object.__setattr__(self, "show", parse_overlays(self.show))
        object.__setattr__(self, "at", parse_steps(self.at))
        if self.at is not None and not self.show:
            raise InputError("Overlay steps say where the arrows go; name the arrows too, "
                             "e.g. overlays='grad'.")

    def __bool__(self) -> bool:
        return bool(self.show)


@dataclass(frozen=True, kw_only=True)
class Timing:
    """How an animation plays: frames per second, at most ``frames`` frames spread over the
    steps as ``pace`` says (``paces.PACES``), the last one held ``hold`` seconds, looping or not
    (a .gif)."""

    fps: float = 20
    frames: int = 200
    hold: float = 1.0
    loop: bool = True
    pace: str = DEFAULT_PACE

    def __post_init__(self):
        from ..core.limits import check_frames

        _number("fps", self.fps, 1e-9, 1000, "frames per second, more than 0")
        if isinstance(self.frames, bool) or not isinstance(self.frames, int) or self.frames < 1:
            raise InputError(f"Invalid frames: {self.frames!r} (a whole number >= 1).")
        check_frames(self.frames)
        _number("hold", self.hold, 0, 600, "seconds, from 0 to 600")
        if not isinstance(self.loop, bool):
            raise InputError(f"loop is True or False, got {self.loop!r}.")
        if self.pace not in PACES:
            raise InputError(f"Invalid pace {self.pace!r}: one of {', '.join(PACES)}.")


KINDS = (Look, Camera, Overlays, Timing)
WHAT = {Look: "the look", Camera: "the 3D view's camera", Overlays: "the overlay arrows",
        Timing: "an animation's timing"}
# The keyword names the library's drawing functions take for each value's fields.
KEYWORDS = {"overlays": (Overlays, "show"), "overlay_at": (Overlays, "at"),
            **{f.name: (kind, f.name) for kind in (Look, Camera, Timing) for f in fields(kind)}}


def from_keywords(keywords: dict, allowed=KINDS, given=()) -> dict[type, object]:
    """The values the drawing ``keywords`` make (``style="talk", elev=50, overlays="grad"``),
    on top of the values already ``given``: one per kind in ``allowed``. A keyword no value of
    those kinds has is an error that names the nearest one."""
    made = {type(v): v for v in given if v is not None}
    for kind in made:
        if kind not in allowed:
            raise InputError(f"A {kind.__name__} does not apply here.")
    names = {k: v for k, v in KEYWORDS.items() if v[0] in allowed}
    for key in keywords:
        if key in KEYWORDS and key not in names:
            raise InputError(f"{key} is a setting of {WHAT[KEYWORDS[key][0]]}, which this "
                             f"picture does not have.")
        if key not in names:
            raise InputError(f"Unknown drawing setting {key!r}{suggest(key, names)}")
    for kind in allowed:
        mine = {names[k][1]: v for k, v in keywords.items() if names[k][0] is kind}
        if kind not in made or mine:  # a value given and not changed stays the very value
            made[kind] = replace(made[kind], **mine) if kind in made else kind(**mine)
    return made


# The defaults, made once (a value is immutable, so one serves every call).
DEFAULT_LOOK, DEFAULT_CAMERA, NO_OVERLAYS, DEFAULT_TIMING = Look(), Camera(), Overlays(), Timing()
