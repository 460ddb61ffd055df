"""The registry of views: every panel adamviz can draw, in one place.

``--view``'s help, its validation, the README's table, batch files' outputs and the tests all
read ``VIEWS``. Nothing here imports matplotlib (``--help`` stays fast); ``panel_class`` loads a
view's panel only when one is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

from ..core.errors import InputError
from ..core.names import suggest


@dataclass(frozen=True, kw_only=True)
class View:
    name: str
    title: str  # the panel's title when several views share a figure
    draws: str  # one line for --help and the README
    panel: str  # "module:Class" in adamviz.render
    panel_1d: str | None = None  # the panel for a curve f(x), if it differs
    axes: str = "plain"  # "plain", "3d" (a 3D Axes) or "stacked" (two Axes in one cell)
    # What the panel can draw besides the runs: each setting reaches only the panels that
    # take it, and one given where no panel takes it is refused (``check_settings``).
    needs_2d: bool = False
    needs_model: bool = False  # a loss over data with a model and a target (``check_surface``)
    marks: bool = False  # a recipe's marks (e.g. Figure 3's highest point)
    overlays: bool = False  # the overlay arrows (--overlay)
    camera: bool = False  # turned by --elev and --azim
    player_only: bool = False  # drawn by the .html player only (a still refuses it)


VIEWS = {v.name: v for v in (
    View(name="contour", title="paths on the surface", panel="panels:ContourPanel",
         panel_1d="panels:CurvePanel", marks=True, overlays=True,
         draws="the paths on the surface seen from above (a curve f(x) is drawn as a curve)"),
    View(name="3d", title="the surface in 3D", panel="panels3d:ThreeDPanel", axes="3d",
         needs_2d=True, camera=True,
         draws="the paths lifted onto the surface in 3D (--elev, --azim)"),
    View(name="profile", title="side view", panel="panels:CurvePanel", marks=True,
         draws="the side view of the essay's Figures 1 and 3: the loss along x, lowest over "
               "y, each run a ball on it"),
    View(name="loss", title="loss per step", panel="panels:LossPanel",
         draws="loss per step (log scale when it spans decades; best step and divergence "
               "marked)"),
    View(name="steps", title="step length and effective learning rate",
         panel="panels_stacked:StepsPanel", axes="stacked",
         draws="step length and the effective per-coordinate learning rate (the essay's "
               "Issue 2)"),
    View(name="moments", title="Adam's moments: direction m̂ and scale √v̂",
         panel="panels_stacked:MomentsPanel", axes="stacked",
         draws="Adam's bias-corrected moments m̂ (direction) and √v̂ (scale) per step"),
    View(name="fit", title="the model on the data", panel="panels_fit:FitPanel",
         needs_model=True,
         draws="the data with the model at each run's step: its curve over one input, its "
               "decision boundary over two (a surface over data with model and target, e.g. "
               "cars or iris)"),
    View(name="ratemap", title="convergence-rate map", panel="", needs_2d=True, player_only=True,
         draws="the .html player only: each run's optimizer's measured convergence-rate map "
               "over lr and its next hyperparameter (24 x 24 cells, made when the page is "
               "written), the run's point moving with its sliders (a still map: adamviz rates)"),
)}
STILL_VIEWS = {name: v for name, v in VIEWS.items() if not v.player_only}  # pictures draw these


def parse_views(views, dims: int) -> list[str]:
    """``"contour,loss"`` (or a sequence) -> ["contour", "loss"], checked for a surface of
    ``dims`` variables; ``InputError`` names the valid views otherwise."""
    if not isinstance(views, str) and not (isinstance(views, list | tuple)
                                           and all(isinstance(v, str) for v in views)):
        raise InputError(f"Views are names such as \"contour,loss\" or [\"contour\", "
                         f"\"loss\"], got {views!r}.")
    text = views if isinstance(views, str) else ",".join(views)
    names = [v.strip().lower() for v in text.split(",") if v.strip()]
    if not names:
        raise InputError(f"No view given; choose from {', '.join(VIEWS)}.")
    for name in names:
        if name not in VIEWS:
            raise InputError(f"Unknown view {name!r}{suggest(name, VIEWS)}")
    if len(set(names)) != len(names):
        raise InputError(f"A view is listed twice in {text!r}.")
    for name in names:
        if VIEWS[name].needs_2d and dims == 1:
            raise InputError(f"The {name} view needs a surface in x and y; this one is a curve "
                             f"f(x) (use --view contour or profile).")
    return names


def check_settings(names, dims: int, overlays=(), camera: bool = False) -> None:
    """Refuse settings that no panel of the views ``names`` would draw: overlay arrows where
    no view takes them (a curve f(x) draws none either), a camera without a 3D view."""
    if overlays and not any(VIEWS[n].overlays and dims == 2 for n in names):
        takes = ", ".join(n for n, v in VIEWS.items() if v.overlays)
        raise InputError(f"Overlay arrows ({', '.join(overlays)}) are drawn on the {takes} "
                         f"view of a surface in x and y; add it, e.g. contour,{names[0]}."
                         if dims == 2 else "Overlay arrows are drawn on a surface in x and y; "
                                           "this one is a curve f(x).")
    if camera and not any(VIEWS[n].camera for n in names):
        raise InputError("elev and azim turn the 3d view's camera; add the 3d view.")


def check_surface(names, surface) -> None:
    """Refuse a view that ``surface`` has nothing for: the fit view draws a model on its data."""
    for name in names:
        if VIEWS[name].needs_model and getattr(getattr(surface, "data", None), "model",
                                               None) is None:
            kind = "a loss over data without model and target" if hasattr(surface, "data") \
                else "a formula, not a loss over data"
            raise InputError(f"The {name} view draws a model on its data; surface "
                             f"{surface.name!r} is {kind}. Use a data surface with model and "
                             f"target, e.g. cars.")


def panel_class(name: str, dims: int):
    view = VIEWS[name]
    target = view.panel_1d if dims == 1 and view.panel_1d else view.panel
    module, cls = target.split(":")
    return getattr(import_module(f"{__package__}.{module}"), cls)


def help_text() -> str:
    return ("Panels in a grid (at most three a row, or the grid that fills --size best): "
            + ", ".join(VIEWS) + " (" + ", ".join(n for n, v in VIEWS.items() if v.needs_model)
            + ": a surface over data with a model, e.g. cars).")


def markdown_table() -> str:
    lines = ["| view | draws |", "| --- | --- |"]
    lines += [f"| `{v.name}` | {v.draws} |" for v in VIEWS.values()]
    return "\n".join(lines)
