"""Overlay arrows on a contour panel; what they are and where they point is ``arrows.py``.

Arrows of one kind share one scale across runs and steps, so their lengths compare: the kind's
long arrows (its 90th percentile over every run and step) are ``SHARE`` of the view, and an
arrow longer than ``LONGEST`` is shortened to it, keeping its direction, which is the lesson.
Scaled by the median, most steps of a converging run are near the minimum, so the median is
small and every arrow at convergence looked as strong as the first; by the longest, the one
first gradient would shrink all others to nothing.

A still's arrows stand at steps spread evenly along each run's path (``default_steps``), where
it moves, not evenly in step number, which put most of them in the knot at its end.
"""

from __future__ import annotations

import numpy as np

from ..arrows import OVERLAYS
from . import style

SHARE = 0.12  # a kind's long arrows (90th percentile), as a share of the view's shorter side
LONGEST = 0.2  # no arrow is longer than this share of the view's shorter side
DEFAULT_ARROWS = 5  # arrows per run in a still picture when no steps are given


def default_steps(run, count: int = DEFAULT_ARROWS) -> np.ndarray:
    """``count`` steps spread evenly along ``run``'s path (never step 0: no gradient there
    yet); evenly over the steps when it did not move."""
    if run.steps < 1:
        return np.empty(0, dtype=int)
    count = min(count, run.steps)
    even = np.unique(np.linspace(1, run.steps, count).round().astype(int))
    lengths = np.nan_to_num(run.step_lengths(), posinf=0.0)
    lengths = lengths / lengths.max() if lengths.max() > 0 else lengths  # no overflow summing
    moved = np.concatenate([[0.0], np.cumsum(lengths)])
    if not moved[-1] > 0:
        return even
    # the first step at which the run has come each share of its way (a share from 0 to 1,
    # the first arrow at step 1)
    marks = np.linspace(0, moved[-1], count + 1)[:-1]
    steps = np.unique(np.clip(np.searchsorted(moved, marks, side="right"), 1, run.steps))
    # a run that went most of its way in one step still gets its arrows: the rest evenly
    extra = [k for k in even if k not in steps][:count - len(steps)]
    return np.unique(np.concatenate([steps, np.asarray(extra, dtype=int)]))


def side(view) -> float:
    (x0, x1), (y0, y1) = view
    return min(x1 - x0, y1 - y0)


def scale(vectors, view) -> float:
    """The factor that makes the 90th percentile of ``vectors`` (one array per run, or None;
    over every run and step) ``SHARE`` of the view's shorter side."""
    norms = [np.linalg.norm(v[1:], axis=1) for v in vectors if v is not None]
    norms = np.concatenate(norms) if norms else np.empty(0)
    norms = norms[np.isfinite(norms) & (norms > 0)]
    return SHARE * side(view) / float(np.percentile(norms, 90)) if norms.size else 0.0


def clip(vectors: np.ndarray, view) -> np.ndarray:
    """``vectors`` with any longer than ``LONGEST`` of the view shortened to it."""
    limit = LONGEST * side(view)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norms > limit, vectors * (limit / norms), vectors)


def arrows(runs, vectors, picks, factor: float, view) -> tuple[np.ndarray, np.ndarray,
                                                                  list[int]]:
    """(tails, arrows, run indices) at each run's steps ``picks[i]``, from ``vectors`` (one
    kind's array per run, or None where the run has no such quantity, as ``OVERLAYS`` makes
    them) scaled by ``factor``; steps past a run's end are left out."""
    tails, out, owners = [], [], []
    for i, (run, values, steps) in enumerate(zip(runs, vectors, picks, strict=True)):
        if values is None:
            continue
        for k in steps:
            if 1 <= k <= run.steps and np.all(np.isfinite(values[k])):
                # Every arrow of step k starts where that step was taken, point k - 1: the
                # gradient was computed there and the momentum and the step leave from it.
                tails.append(run.points[k - 1])
                out.append(values[k] * factor)
                owners.append(i)
    return (np.array(tails, dtype=float).reshape(-1, 2),
            clip(np.array(out, dtype=float).reshape(-1, 2), view), owners)


LAYERING = {"momentum": (0.011, 7.3), "grad": (0.007, 7.4), "step": (0.005, 7.5)}  # width, z


class Arrows:
    """The overlay arrows of one panel: one quiver per kind. A still draws each run's arrows at
    its chosen steps; an animation draws, each frame, the arrows of every run's current step.
    (``ax.quiver`` is a method of the Axes: this module imports no matplotlib.)"""

    def __init__(self, ax, runs, kinds, view, colors, steps=None, animated=False):
        self.runs, self.animated, self.view = runs, animated, view
        # Each kind's vectors, made once (an animation picks one row per run each frame).
        self.vectors = {kind: [OVERLAYS[kind].vector(r) for r in runs] for kind in kinds}
        self.scale = {kind: scale(v, view) for kind, v in self.vectors.items()}
        picks = [np.asarray(steps if steps is not None else default_steps(r), dtype=int)
                 for r in runs]
        self.quivers = {}
        for kind in kinds:
            if animated:  # one arrow per run, hidden (masked) until it has one; a quiver
                # made from NaN never draws, even once its data are set
                zeros = np.zeros((len(runs), 2))
                tails, vectors, owners = zeros, zeros, list(range(len(runs)))
            else:
                tails, vectors, owners = arrows(runs, self.vectors[kind], picks,
                                                self.scale[kind], view)
            color = style.overlay_color(OVERLAYS[kind].color)
            face = [color or colors[i] for i in owners] or "none"
            # Where two kinds point alike (a momentum run's step is its momentum), the wider
            # one lies underneath and shows as a border.
            width, zorder = LAYERING[kind]
            self.quivers[kind] = ax.quiver(
                tails[:, 0], tails[:, 1], vectors[:, 0], vectors[:, 1], angles="xy",
                scale_units="xy", scale=1, color=face, edgecolor=style.edge(), linewidth=0.7,
                width=width, headwidth=4, headlength=5, zorder=zorder)

    @property
    def artists(self) -> list:
        return list(self.quivers.values())

    def show(self, ks) -> None:
        """An animation's arrows at each run's step ``ks[i]`` (none once a run has ended)."""
        if not self.animated:
            return
        picks = [[k] if k < run.steps else [] for run, k in zip(self.runs, ks, strict=True)]
        for kind, quiver in self.quivers.items():
            tails = np.full((len(self.runs), 2), np.nan)
            vectors = np.full((len(self.runs), 2), np.nan)
            t, v, owners = arrows(self.runs, self.vectors[kind], picks, self.scale[kind],
                                  self.view)
            tails[owners], vectors[owners] = t, v
            quiver.set_offsets(np.nan_to_num(tails))
            quiver.set_UVC(np.ma.masked_invalid(vectors[:, 0]),
                           np.ma.masked_invalid(vectors[:, 1]))
