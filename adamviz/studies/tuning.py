"""Fair learning-rate tuning: every optimizer gets the same grid, steps, starts, noise and
criterion, and the choice is stated wherever the run is shown."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from .. import engine
from ..core.errors import InputError
from ..core.specs import OptSpec
from ..results import EDGE_NOTE
from .criteria import CRITERIA, DEFAULT_GRID
from .runs import Settings, optimizer_list, resolve, spec_of, starts_of


def log_grid(text: str) -> list[float]:
    """``"1e-4:1:13"`` -> 13 learning rates spaced evenly in log from 1e-4 to 1."""
    try:
        lo, hi, n = text.split(":")
        lo, hi, n = float(lo), float(hi), int(n)
    except (ValueError, AttributeError):
        raise InputError(f"Bad tuning grid {text!r}: expected LOW:HIGH:COUNT, e.g. "
                         f"{DEFAULT_GRID}.") from None
    if not (0 < lo < hi and math.isfinite(hi) and 2 <= n <= 200):
        raise InputError(f"Bad tuning grid {text!r}: need 0 < LOW < HIGH and 2 <= COUNT <= 200.")
    return [float(v) for v in np.geomspace(lo, hi, n)]


def check_criterion(criterion: str) -> str:
    if criterion not in CRITERIA:
        raise InputError(f"Unknown criterion {criterion!r}; choose {', '.join(CRITERIA)}.")
    return criterion


@dataclass(frozen=True, kw_only=True)
class Tuning:
    optimizer: str
    criterion: str
    grid: tuple[float, ...]
    scores: tuple[float, ...]
    best: float

    @property
    def at_edge(self) -> bool:
        return self.best in (self.grid[0], self.grid[-1])

    def describe(self) -> str:
        return (f"{self.optimizer}: lr={self.best:.3g} chosen by {self.criterion} "
                f"over {len(self.grid)} rates {self.grid[0]:.3g}...{self.grid[-1]:.3g}"
                + (f" ({EDGE_NOTE})" if self.at_edge else ""))


def check_criterion_on(surface, criterion: str) -> None:
    """``criterion`` is one, and ``surface`` has what it measures: a global minimum for
    distance, validation rows for validation-loss."""
    check_criterion(criterion)
    if criterion == "distance" and not surface.global_minima():
        raise InputError(f"The distance criterion needs a global minimum; {surface.name} lists "
                         f"none.")
    if criterion == "validation-loss" and not getattr(surface, "has_validation", False):
        raise InputError(f"The validation-loss criterion needs validation rows; {surface.name} "
                         f"has none (a loss over data or a network with validation = 0.25).")


def tune_lr(surface, spec, starts, settings: Settings, grid, criterion="final-loss",
            position: int = 0) -> Tuning:
    """The learning rate from ``grid`` that scores best on ``criterion`` after the settings'
    steps from ``starts``, with the noise streams the run itself will use (``position`` is the
    optimizer's place). A grid rate where any run diverges scores infinitely badly."""
    check_criterion_on(surface, criterion)
    settings.check_batches(surface)  # (tuning runs before the runs it tunes are checked)
    spec = spec_of(spec)
    points = starts_of(surface, starts)
    steps = settings.steps_for(surface)
    keys = [(position, j) for j in range(len(points))]
    scores = []
    for lr in grid:
        opt, _ = resolve(OptSpec(name=spec.name, hyperparams={**spec.hyperparams, "lr": lr}),
                         surface, schedule=settings.schedule)
        out = engine.run(surface, opt, points, steps, noise=settings.noise, seed=settings.seed,
                         keys=keys, tol=settings.tol or None, record="ends",
                         batch_size=settings.batch_for(opt))
        scores.append(_score(surface, out, criterion, steps))
    if criterion == "steps" and min(scores) == steps + 1:
        raise InputError(f"No learning rate in the grid made {spec.name} converge within "
                         f"{steps:,} steps (step and gradient below tol), so the steps "
                         f"criterion has nothing to choose by; use final-loss (or "
                         f"validation-loss), more steps or a larger tol.")
    best = grid[int(np.argmin(scores))]
    return Tuning(optimizer=spec.name, criterion=criterion, grid=tuple(grid),
                  scores=tuple(scores), best=best)


def _score(surface, out: engine.Outcome, criterion: str, steps: int) -> float:
    diverged = out.ended(engine.DIVERGED)
    if diverged.any():
        return math.inf
    if criterion == "final-loss":
        return float(np.mean(out.end_losses))
    if criterion == "validation-loss":
        return float(np.mean(surface.validation_loss(out.ends)))
    if criterion == "distance":
        glob = np.array([m.point for m in surface.global_minima()])
        return float(np.linalg.norm(out.ends[:, None] - glob[None], axis=2).min(axis=1).mean())
    converged = out.ended(engine.CONVERGED)
    return float(np.mean(np.where(converged, out.steps, steps + 1)))


def check_tunable(specs) -> None:
    """Tuning picks every lr: a spec that sets its own would be overruled without a word, so
    it is refused."""
    for item in specs:
        spec = spec_of(item)
        if not isinstance(spec, OptSpec):
            raise InputError(f"Tuning tries learning rates by name, so {spec.name!r}, an "
                             f"optimizer object, cannot be tuned; give a spec such as 'adam' "
                             f"or an optimizer file.")
        if "lr" in spec.hyperparams:
            raise InputError(f"{spec} sets its own lr, and tuning picks every lr; drop one "
                             f"(tuning compares optimizers fairly only if it picks all).")


def tune_specs(surface, opts, starts, settings: Settings, grid_text: str = DEFAULT_GRID,
               criterion: str = "final-loss") -> tuple[list[OptSpec], dict[int, Tuning]]:
    """Each spec with its lr chosen fairly (the same grid, steps, starts, noise and criterion
    for all); and the tuning of each, by position."""
    grid = log_grid(grid_text)
    check_criterion(criterion)
    check_tunable(optimizer_list(opts))
    specs, tunings = [], {}
    for i, item in enumerate(optimizer_list(opts)):
        spec = spec_of(item)
        t = tune_lr(surface, spec, starts, replace(settings, lr=None), grid, criterion, i)
        specs.append(OptSpec(name=spec.name, hyperparams={**spec.hyperparams, "lr": t.best}))
        tunings[i] = t
    return specs, tunings
