"""Runs on a network, drawn on one plane: the full-dimensional runs projected onto a plane
(``planes.py``) shared by all of them, as an ordinary 2-D ``Result`` every renderer, export and
table already takes, and carrying what says how far to trust it.

The plane's surface (``PlaneSurface``) is the network's loss at origin + a d1 + b d2: its value,
gradient (the chain rule through the plane: D grad) and Hessian (D H D^T, from exact
Hessian-vector products) are the network's own, so contours, 3-D and side views are of the true
loss on that slice. Each run keeps its true loss per step (``Run.losses``), its full path
(``Run.parameters``), the loss at its projection on the plane (``Run.plane_losses``) and its
distance from the plane (``Run.off_plane``): a path that seems to cross a hill it never climbed
shows it, as the gap between the two losses and as distance.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from ..core.errors import InputError
from ..core.expressions import parse
from ..plane_kinds import TITLES
from ..results import Result
from ..surfaces import Surface
from .planes import Plane, honesty, make_plane, plane_box, plane_losses

AXES = {"pca": ("PC 1", "PC 2"), "random": ("direction 1", "direction 2"),
        "hessian": ("eigenvector 1", "eigenvector 2")}
MARGIN = 0.15  # the plane's box: every projected point, this share of its larger side around


def is_network(surface) -> bool:
    """A surface whose points are a network's parameters (``network_surfaces.NetworkSurface``)."""
    return hasattr(surface, "network")


def refuse_network(surface, study: str, why: str) -> None:
    """One line where a study cannot take a network: ``study`` (what it is) ``why``."""
    if is_network(surface):
        raise InputError(f"{study} {why}; {surface.name!r} is a network of {surface.dims:,} "
                         f"parameters, whose runs are drawn on a plane only once they are made. "
                         f"Use `adamviz run -s {surface.name}` (or sweep, batch, figures).")


@dataclass(frozen=True, kw_only=True, eq=False)
class PlaneSurface(Surface):
    """The loss of ``network_surface`` on ``plane``: a 2-D surface in plane coordinates (a, b)."""

    plane: Plane
    network_surface: Surface

    @property
    def expr(self) -> str:
        return f"{self.network_surface.expr}, on its {TITLES[self.plane.kind]} plane"

    @property
    def axes(self) -> tuple[str, ...]:
        """The plane's coordinates, named by what its directions are."""
        return AXES[self.plane.kind]

    @cached_property
    def checked(self) -> bool:
        return True  # the network was checked when it was loaded; the plane is made of it

    @property
    def has_validation(self) -> bool:
        return self.network_surface.has_validation

    @property
    def training_rows(self) -> int:
        return self.network_surface.training_rows

    def validation_loss(self, points):
        """The loss over the held-out rows at plane points (N, 2), lifted in chunks as the
        loss is (the validation contours are a picture's whole grid); None without any."""
        if not self.has_validation:
            return None
        return plane_losses(self.network_surface, self.plane, _pairs(points),
                            loss=self.network_surface.validation_loss)

    # A minimum of the validation loss on a slice is not the network's: none is marked
    validation_minimum = None

    def batch_loss(self, points, rows):
        """(n,): the loss of each of n plane points (2, n) over its own training rows (n, B)
        (the animation's minibatch contours)."""
        return self.network_surface.batch_loss(self.plane.lift(points.T).T, rows)

    def identity(self) -> dict:
        return {"network": self.network_surface.identity(), "plane": self.plane.to_dict()}

    def _values(self, rows):  # (in chunks: a picture's grid is tens of thousands of points)
        return plane_losses(self.network_surface, self.plane, rows.T)[None]

    def _gradient(self, rows):
        full = self.network_surface.gradient(self.plane.lift(rows.T))  # (n, P)
        return self.plane.directions @ full.T  # the chain rule through x = o + D^T (a, b)

    def _hessian(self, rows):
        d = self.plane.directions
        out = np.empty((4, rows.shape[1]))
        for j, point in enumerate(self.plane.lift(rows.T)):
            out[:, j] = (d @ self.network_surface.hvp(point, d.T)).ravel()
        return out

    @cached_property
    def derivatives(self):
        from ..core.autodiff import Derivatives
        from ..core.programs import FunctionProgram

        return Derivatives(
            value=FunctionProgram(2, 1, self._values),
            gradient=FunctionProgram(2, 2, self._gradient),
            value_and_grad=FunctionProgram(
                2, 3, lambda r: np.concatenate([self._values(r), self._gradient(r)])),
            hessian=FunctionProgram(2, 4, self._hessian), partial=True)


def _pairs(points) -> np.ndarray:
    return np.asarray(points, dtype=float).reshape(-1, 2)


def _names(runs) -> list[str]:
    """How a plane's caption names the runs: "adam (run 3)"."""
    return [f"{r.own_label or r.optimizer} (run {r.index})" for r in runs]


def plane_surface(network, plane: Plane, coords: np.ndarray) -> PlaneSurface:
    """The surface the runs are drawn on: the network's loss on ``plane``, boxed round
    ``coords`` (every run's projected points)."""
    xlim, ylim = (tuple(map(float, side)) for side in plane_box(coords, MARGIN))
    return PlaneSurface(name=network.name, formula=parse("x + y", source=network.name),
                        xlim=xlim, ylim=ylim, description=network.description,
                        start=None, minima=(), steps=network.steps, lr=dict(network.lr),
                        levels=network.levels, source=network.source, plane=plane,
                        network_surface=network)


def on_plane(result: Result, kind: str | None = None, *, seed: int = 0, plane=None) -> Result:
    """``result``'s full-dimensional runs on a network, projected onto one plane: ``kind``
    (default the surface file's) made from all the runs together, or a ``plane`` given."""
    network = result.surface
    if not is_network(network):
        raise InputError(f"A plane slices a network's parameters; {network.name!r} is a surface "
                         f"in {network.dims} variables, drawn as it is.")
    if plane is None:
        plane = make_plane(kind or network.default_plane, network, [r.points for r in result.runs],
                           seed=seed, names=_names(result.runs))
    runs = []
    for run in result.runs:
        seen = honesty(network, plane, run.points, losses=run.losses)
        runs.append(replace(run, points=seen.coords, parameters=run.points,
                            plane_losses=seen.plane_loss, off_plane=seen.off_plane))
    coords = np.concatenate([r.points for r in runs])
    return replace(result, surface=plane_surface(network, plane, coords), runs=tuple(runs),
                   settings={**result.settings, "plane": plane.kind})


def on_shared_plane(results: list[Result], kind: str | None = None, *,
                    seed: int = 0) -> list[Result]:
    """Several results' full-dimensional runs on one network, on one plane made of all their
    paths, in one box (a sweep's panels: one landscape to compare them on)."""
    network = results[0].surface
    runs = [r for res in results for r in res.runs]
    plane = make_plane(kind or network.default_plane, network, [r.points for r in runs], seed=seed,
                       names=_names(runs))
    found = [on_plane(res, plane=plane) for res in results]
    surface = plane_surface(network, plane,
                            np.concatenate([r.points for res in found for r in res.runs]))
    return [replace(res, surface=surface) for res in found]


def full(result: Result) -> Result:
    """A sliced result's runs in the network's own parameters again (as they were run)."""
    runs = tuple(replace(r, points=r.parameters, parameters=None, plane_losses=None,
                         off_plane=None) for r in result.runs)
    settings = {k: v for k, v in result.settings.items() if k != "plane"}
    return replace(result, surface=result.surface.network_surface, runs=runs, settings=settings)


def resliced(result: Result, kind: str, seed: int | None = None) -> Result:
    """The same runs on another plane (nothing is run again)."""
    seed = result.settings.get("seed", 0) if seed is None else seed
    return on_plane(full(result), kind, seed=seed)
