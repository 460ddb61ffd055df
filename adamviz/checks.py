"""Every check the library makes before any work, one place: what a command or a notebook
is about to draw, write or record is refused here, in one line, while nothing has been done.
``api`` offers them all."""

from __future__ import annotations

from pathlib import Path

from .core.errors import InputError
from .render.settings import Camera, Look, Timing
from .render.views import VIEWS, parse_views
from .results import Result
from .studies.runs import Settings, load_surface
from .studies.slices import is_network


def check_colors(colors):
    """Each named colour as the hex code every renderer draws (None stays None)."""
    if not isinstance(colors, list | tuple):
        return colors  # make_runs says what a list of colours is
    from .render.style import check_color

    return [None if c is None else check_color(c) for c in colors]


def check_labels(labels, colors, optimizers: int) -> tuple[list, list]:
    """Labels and colours for ``optimizers`` optimizers, checked before any work (one each at
    most, in order; a label one line of text, a colour one the renderers know)."""
    from .studies.runs import own_looks

    if isinstance(labels, str) or isinstance(colors, str):  # a list of letters is no list
        return own_looks(labels, colors, optimizers)  # (it says what a list of them is)
    return own_looks(list(labels), check_colors(list(colors)), optimizers)


def check_animation_look(look: Look) -> None:
    """An animation's frames are opaque: a transparent look is for stills."""
    if look.transparent:
        raise InputError("transparent applies to .png, .svg and .pdf pictures; animation "
                         "frames are opaque.")


def check_result(result, path=None) -> None:
    """What is drawn or exported must be a ``Result`` (what ``run`` returns); a path to write
    it to, a file name."""
    if not isinstance(result, Result):
        raise InputError(f"Expected the Result of adamviz.run(...), got {result!r}.")
    if path is not None and not isinstance(path, str | Path):
        raise InputError(f"A path is a file name such as 'outputs/plot.png', got {path!r}.")


def check_drawing(title=None, math: bool = False, dpi=None, elev: float | None = None,
                  azim: float | None = None) -> None:
    """Check a picture's title (one line; with ``math``, valid mathtext), dpi (10 to 1200)
    and camera angles (None: chosen from the surface) before any work."""
    Look(title=title, math=math, dpi=dpi)
    Camera(elev=elev, azim=azim)


def refuse_on_network(surface, names, overlays) -> None:
    """What a picture of a network's runs on a plane cannot draw, one line each: a model's fit
    on its data (the network's own predictions are not drawn), and arrows, which would have to
    show a gradient of all its parameters in the plane's two coordinates."""
    name = getattr(surface, "network_surface", surface).name
    if "fit" in names:
        raise InputError(f"The fit view draws a formula's model on its data; {name!r} is a "
                         f"network, whose runs are drawn on a plane (views: contour, 3d, "
                         f"profile, loss, steps, moments).")
    if "ratemap" in names:
        raise InputError(f"A rate map measures the distance to a minimum in every parameter; "
                         f"{name!r} is a network, whose runs are drawn on a plane. Drop "
                         f"ratemap from --view.")
    if overlays:
        raise InputError(f"Overlay arrows show a run's gradient and step in the picture's two "
                         f"coordinates; {name!r} is a network whose gradient has a component "
                         f"in each of its {getattr(surface, 'network_surface', surface).dims:,} "
                         f"parameters, most of them off the plane. Drop --overlay.")


def check_views(result_or_surface, views, overlays=(), camera: bool = False,
                player: bool = False) -> list[str]:
    """Validate a view list (``"contour,loss"`` or a sequence) for a surface (the fit view
    needs a model over data), and that a view among them draws the ``overlays`` and, with
    ``camera``, turns a camera; a view the player alone draws only for a ``player``."""
    from .arrows import parse_overlays
    from .render.views import check_settings, check_surface

    surface = getattr(result_or_surface, "surface", result_or_surface)
    network = is_network(surface) or hasattr(surface, "network_surface")
    dims = 2 if network else surface.dims  # (a network's runs are drawn on a plane)
    names = parse_views(views, dims)
    if network:
        refuse_on_network(surface, names, overlays)
    check_surface(names, surface)
    check_settings(names, dims, parse_overlays(overlays), camera)
    for name in names:
        if VIEWS[name].player_only and not player:
            raise InputError(f"The {name} view is drawn by the .html player only (-o NAME.html);"
                             f" a still rate map is `adamviz rates`.")
    return names


def check_output(path, timing: Timing | None = None, *, animations: bool = True) -> str:
    """Check a picture's path before any work: its format (by suffix), that ``timing`` suits
    an animation's format, and that it can be written. Returns "still", "animation" or
    "player" (.html)."""
    from .core.io import check_writable

    if animations and str(path).lower().endswith(".html"):
        check_writable(path)
        return "player"
    if animations and str(path).lower().endswith((".gif", ".mp4")):
        from .render.animate import check_settings

        check_settings(path, timing or Timing())
        kind = "animation"
    else:
        from .render.figure import image_format

        image_format(path, also=(".gif", ".mp4", ".html") if animations else ())
        kind = "still"
    check_writable(path)
    return kind


def check_export(path) -> None:
    """Check an export's path before any work: .csv or .json, and writable."""
    from .core.io import check_writable
    from .exports import check_format

    check_format(path)
    check_writable(path)


def check_basins_picture(optimizers: int, dpi: int | None = None) -> None:
    """Refuse, before any work, a basins picture of ``optimizers`` panels too large to draw."""
    from .core.limits import check_pixels
    from .render.figure import STILL_DPI
    from .render.small_multiples import basins_size

    check_drawing(dpi=dpi)
    check_pixels(*basins_size(optimizers), dpi or STILL_DPI)


def check_sweep_picture(values, dpi: int | None = None) -> None:
    """Refuse, before any work, a sweep's small multiples (``values``: the swept lists) too
    large to draw."""
    from .core.limits import check_pixels
    from .render.figure import STILL_DPI
    from .render.small_multiples import sweep_layout, sweep_size

    check_drawing(dpi=dpi)
    check_pixels(*sweep_size(*sweep_layout(list(values) or [[0]])), dpi or STILL_DPI)


def check_db(db, surface=None, opts=(), settings: Settings | None = None) -> None:
    """Check a results database before any work, touching nothing: an existing file must be
    a whole, writable results database, a new one must be creatable there; given a surface
    and optimizer specs, the runs' hyperparameters must fit its columns. The database is an
    input of the command from here on: no output may replace it."""
    from . import database
    from .studies.runs import hyperparameter_names

    names = hyperparameter_names(load_surface(surface), opts, settings or Settings()) \
        if surface is not None else ()
    database.check(db, names)
