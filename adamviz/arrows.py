"""Arrows: the vectors the overlays draw on the contour view at chosen steps — the gradient,
the momentum (the first moment) and the step actually taken — so one can see momentum keep
going where the gradient has turned (the essay's section 2.1).

``OVERLAYS`` is the registry ``--overlay`` reads. Each names the vector it draws, computed
from a run without matplotlib: the direction each quantity pushes the parameters (minus the
gradient, minus the momentum buffer), so the three arrows are comparable. How long they are
drawn is the renderer's choice (``render/overlays.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from .core.errors import InputError
from .core.names import suggest

# The trace names of a first moment: torch's momentum buffer, or Adam's m (exp_avg).
FIRST_MOMENT = ("b", "m")


def _gradient(run):
    return None if run.gradients is None else -run.gradients


def _momentum(run):
    name = next((n for n in FIRST_MOMENT if n in run.quantities), None)
    return None if name is None else -run.quantities[name]


def _step(run):
    import numpy as np  # here, not above: --help reads this registry and must stay quick

    step = np.full_like(run.points, np.nan)
    step[1:] = np.diff(run.points, axis=0)
    return step


@dataclass(frozen=True, kw_only=True)
class Overlay:
    name: str
    label: str  # the legend's entry
    color: str | None  # None: the run's own colour
    vector: object  # run -> (steps+1, D) array (row k: at step k), or None when it has none
    draws: str


OVERLAYS = {o.name: o for o in (
    Overlay(name="grad", label="−gradient (downhill)", color="#000000", vector=_gradient,
            draws="minus the gradient the step used: where plain descent would go"),
    Overlay(name="momentum", label="−momentum (first moment)", color="#FFFFFF",
            vector=_momentum, draws="minus the momentum buffer or Adam's m: where the "
                                    "accumulated velocity pushes"),
    Overlay(name="step", label="step taken", color=None, vector=_step,
            draws="the step actually taken, in the run's colour"),
)}


def parse_overlays(text) -> tuple[str, ...]:
    """``"grad,step"`` (or a sequence) -> ("grad", "step"), checked."""
    if text is None or text == "" or text == ():
        return ()
    names = [n.strip().lower() for n in (text.split(",") if isinstance(text, str) else text)]
    for name in names:
        if name not in OVERLAYS:
            raise InputError(f"Unknown overlay {name!r}{suggest(name, OVERLAYS)}")
    if len(set(names)) != len(names):
        raise InputError(f"An overlay is listed twice in {text!r}.")
    return tuple(names)


def parse_steps(text) -> tuple[int, ...] | None:
    """``"5,10,20"`` (or a sequence of ints) -> (5, 10, 20); None for the default."""
    if text is None or text == "":
        return None
    parts = text.split(",") if isinstance(text, str) else list(text)
    try:
        steps = tuple(int(str(p).strip()) for p in parts)
    except ValueError:
        raise InputError(f"Bad overlay steps {text!r}: expected whole numbers, e.g. "
                         f"5,10,20.") from None
    if not steps or any(s < 1 for s in steps):
        raise InputError(f"Bad overlay steps {text!r}: steps count from 1.")
    return steps


def markdown_table() -> str:
    lines = ["| overlay | draws |", "| --- | --- |"]
    lines += [f"| `{o.name}` | {o.draws} |" for o in OVERLAYS.values()]
    return "\n".join(lines)
