"""Whole figures: one panel per view in a grid, a shared legend, saved atomically.

Figures are made without pyplot (``Figure`` + ``FigureCanvasAgg``), so nothing keeps them alive.
"""

from __future__ import annotations

import math as math_
from pathlib import Path

from matplotlib import rc_context, rcParams
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Annotation

from ..core.errors import InputError
from ..core.io import atomic_open
from ..core.limits import check_pixels
from ..fair_rates import note as rate_note
from . import layout, legend, plane
from .looks import wearing
from .settings import DEFAULT_CAMERA as CAMERA
from .settings import DEFAULT_LOOK as LOOK
from .settings import NO_OVERLAYS, Camera, Look, Overlays
from .style import literal_legend
from .views import VIEWS, panel_class

STILL_DPI = 120  # pictures, unless the caller says otherwise
STILL_PANEL = (8.0, 6.0)  # inches per view of a picture
FRAME_DPI = 100  # animation frames: 640x480 for one panel
FRAME_PANEL = (6.4, 4.8)
MAX_COLUMNS = 3  # panels a row when no size is asked for: a strip of six is unreadable
# Output format by file suffix, like savefig.
FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}

def new_figure(width: float = 9.0, height: float = 6.0, dpi: float = 100,
               out_dpi: float | None = None) -> Figure:
    """A figure with no pyplot; ``out_dpi`` is the resolution it will be saved at (its size in
    pixels is checked against the limit before anything is drawn)."""
    check_pixels(width, height, out_dpi or dpi)
    fig = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def preload() -> None:
    """Import what drawing a figure first imports when it needs it (the panels, contourpy at
    the first contour, Pillow's writers at the first save): workers forked after this share
    one copy instead of each importing its own."""
    import contourpy  # noqa: F401
    from PIL import Image

    from . import panels, panels_fit, panels_stacked  # noqa: F401

    Image.preinit()


def image_format(path: str | Path, also=(".gif", ".mp4", ".html")) -> str:
    """The image format for ``path`` by its suffix; ``InputError`` for anything else, naming
    what the command could write (``also``: the formats besides stills it takes)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join([*FORMATS, *also])
        if not suffix and path.name.startswith("."):
            raise InputError(f"{str(path)!r} is a hidden file's name with no suffix; name the "
                             f"picture, e.g. plot{path.name}.")
        raise InputError(f"Unknown output format {suffix or '(no suffix)'!r} for {str(path)!r}; "
                         f"use one of {known}.")
    return FORMATS[suffix]


def make_panel(view: str, area, result, animated=False, title=None, camera: Camera = CAMERA,
               overlays: Overlays = NO_OVERLAYS, marks=()):
    """The panel of ``view`` (a name in ``views.VIEWS``) on ``area``: an Axes of the kind the
    view needs, or a cell of a figure's grid (the Axes is then made here)."""
    spec = VIEWS[view]
    if hasattr(area, "subgridspec") and spec.axes != "stacked":  # a grid cell
        area = area.get_gridspec().figure.add_subplot(
            area, projection="3d" if spec.axes == "3d" else None)
    cls = panel_class(view, result.surface.dims)
    # each panel is given the settings its view declares it takes, and only those
    takes = {"marks": marks} if spec.marks else {}
    if spec.overlays and result.surface.dims == 2:
        takes["overlays"] = overlays
    if spec.camera:
        takes["camera"] = camera
    return cls(area, result, animated=animated, title=title, **takes)


def run_labels(result) -> list[str]:
    return [run.label + (" — diverged" if run.status == "diverged" else "")
            for run in result.runs]


TITLE_SCALE = 1.3  # the title's size, in units of the look's font size


def font_size() -> float:
    """The current look's size of "medium" text, in points."""
    return float(rcParams["font.size"])


def fit_title(text: str, width_in: float, size: float | None = None) -> str:
    """``text`` wrapped to the figure's width (an average character is about 0.55 em wide), so
    it never runs past the edges and takes a second line only when it must, of even length."""
    chars = max(20, int(width_in * 72 / ((size or TITLE_SCALE * font_size()) * 0.55)))
    return "\n".join(layout.even_lines(text, chars, whole_words=False))


def surface_title(surface) -> str:
    """The surface's name and its description."""
    return f"{surface.name}: {surface.description}" if surface.description else surface.name


def grid_shape(panels: int, size=None) -> tuple[int, int]:
    """(rows, columns) for ``panels``: without ``size``, at most ``MAX_COLUMNS`` a row; with
    ``size`` ((width, height), any unit), the grid whose cells hold the largest panel of the
    default shape (4:3), so a 16:9 slide of six views is 2 x 3, not a strip of six."""
    if size is None:
        rows = math_.ceil(panels / MAX_COLUMNS)
        return rows, math_.ceil(panels / rows)
    aspect = STILL_PANEL[0] / STILL_PANEL[1]  # as FRAME_PANEL's

    def held(columns: int) -> float:  # the area of the largest panel that fits in a cell
        width, height = size[0] / columns, size[1] / math_.ceil(panels / columns)
        return min(width, height * aspect) * min(height, width / aspect)

    columns = max(range(1, panels + 1), key=held)
    return math_.ceil(panels / columns), columns


def check_size(views: int, dpi=None, animated: bool = False) -> None:
    """Refuse, before any work, a picture (or animation frame) of ``views`` panels too large
    to draw."""
    width, height = FRAME_PANEL if animated else STILL_PANEL
    rows, columns = grid_shape(views)
    check_pixels(width * columns, height * rows, dpi or (FRAME_DPI if animated else STILL_DPI),
                 "animation frame" if animated else "picture")


def compose(result, views=("contour",), *, look: Look = LOOK, camera: Camera = CAMERA,
            overlays: Overlays = NO_OVERLAYS, animated=False, panel_size=STILL_PANEL, dpi=100,
            out_dpi=None, counter=False, marks=(), extra=(), shape=None):
    """A figure with one panel per view and one legend below; (fig, panels). The panels fill
    a grid of ``shape`` (rows, columns; default ``grid_shape``), each ``panel_size`` inches,
    a short last row centred. ``look`` gives the title (drawn as written; with ``look.math``
    its ``$...$`` parts are mathtext); ``camera`` turns the 3d view; ``overlays`` are arrows on
    the panels that draw them (a still's at their steps, an animation's at the current one).

    ``extra`` adds panels of other results with the same runs (same labels and colours, so the
    legend serves them all): ``(view, result, title)`` each, after the views.

    With ``counter`` the line under the title holds a step counter: its fixed part ("step",
    "/ total") is drawn with the figure, and ``fig.counter_artist`` (invisible, same font and
    place) is what an animation uses for the digits.
    """
    cells = [(v, result, plane.panel_title(result) if v == "contour" and plane.sliced(result)
              else VIEWS[v].title) for v in views] + list(extra)
    rows, columns = shape or grid_shape(len(cells))
    width, height = panel_size[0] * columns, panel_size[1] * rows  # the figure's, in inches
    fig = new_figure(width, height, dpi=dpi, out_dpi=out_dpi)
    title_width = PANEL_TITLE_WIDTH * panel_size[0]
    panels = [make_panel(v, area, shown, animated, None if len(cells) == 1 else
                         fit_title(heading, title_width, PANEL_TITLE * font_size()),
                         camera=camera, marks=marks if shown is result else (),
                         overlays=overlays)
              for area, (v, shown, heading) in zip(grid_areas(fig, len(cells), rows, columns),
                                                   cells, strict=True)]
    heading = fit_title(look.title or surface_title(result.surface), width)
    if plane.sliced(result):  # where the picture lies, whatever the title
        planes = len({id(r.surface.plane) for _, r, _ in cells if plane.sliced(r)})
        heading += "\n" + fit_title(plane.caption(result, planes=planes), width)
    if counter:
        heading += "\n "  # an empty line under the title, for the step counter
    suptitle = fig.suptitle(heading, fontsize=TITLE_SCALE * font_size(), parse_math=look.math)
    if counter:
        # Anchored to the bottom of the title's box (its empty second line), placed at draw time.
        total = max(run.steps for panel in panels for run in panel.runs)
        fixed = "step " + " " * len(str(total)) + f" / {total}"
        style = {"xy": (0.5, 0.0), "xycoords": suptitle, "ha": "center", "va": "bottom",
                 "fontsize": "large", "family": "DejaVu Sans Mono"}
        fig.counter_fixed = fig.add_artist(Annotation(fixed, **style))
        fig.counter_artist = fig.add_artist(Annotation(" " * len(fixed), visible=False, **style))
    handles = legend.figure_entries(result, run_labels(result), panels)
    # Labels give each run's lr; when the optimizers' rates differ, the legend says so first.
    literal_legend(fig.legend(handles=handles, loc="outside lower center", fontsize="medium",
                              frameon=False, ncols=legend_columns(handles, width),
                              title=rate_note(result.surface, result.runs, short_form=True),
                              title_fontsize="medium"))
    return fig, panels


PANEL_TITLE = 1.2  # a panel's title ("large"), in units of the look's font size
PANEL_TITLE_WIDTH = 0.8  # of its cell: the Axes, which the title is centred over, is narrower


def grid_areas(fig, count: int, rows: int, columns: int) -> list:
    """``count`` grid cells, row by row; a last row with fewer panels is centred (each panel
    spans two half-columns, so it can start half a cell in)."""
    grid = fig.add_gridspec(rows, 2 * columns)
    areas = []
    for i in range(count):
        row, column = divmod(i, columns)
        in_row = min(columns, count - row * columns)
        start = (columns - in_row) + 2 * column
        areas.append(grid[row, start:start + 2])
    return areas


def legend_columns(handles, width_in: float) -> int:
    """As few legend rows as fit the figure's width, evenly filled: at 10 pt, about 14
    characters an inch (fewer as the look's text grows), and each entry is its label plus its
    handle (about 5 characters)."""
    widest = max(len(h.get_label()) + 5 for h in handles)
    fit = max(1, min(len(handles), int(width_in * 140 / font_size() // widest)))
    rows = math_.ceil(len(handles) / fit)
    return math_.ceil(len(handles) / rows)  # rows as full as each other: 3 + 3, not 4 + 2


def settle(fig) -> None:
    """Lay the figure out once, freeze the layout and draw it in full: an animation draws its
    background this way, and every later full draw of the same frame matches it to the pixel
    (a layout engine left on would move things by a pixel between draws). A frame keeps its
    pixels: where its text would collide, the text is drawn smaller (``layout.fit``)."""
    lay_out_once(fig, shrink=True)
    fig.canvas.draw()


def lay_out_once(fig, shrink: bool = False) -> None:
    """Run the constrained layout (wrapping text that overflows its panel) and freeze it.

    Left on, the layout engine runs on every draw, and ``savefig`` draws twice when a figure has
    one (a layout pass without rendering, then the picture): two layouts and two walks over
    every artist for one file. Frozen, the picture is drawn once. (An animation needs
    ``settle``: its background must match every later full draw to the pixel.)
    """
    engine = fig.get_layout_engine()
    if engine is not None:
        layout.fit(fig, engine, shrink=shrink)
        # "none" would leave a placeholder engine, and savefig would still draw twice; None
        # removes it, when the rcParams do not ask for a layout by default.
        with rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
            fig.set_layout_engine(None)


def final_steps(result) -> list[int]:
    return [run.steps for run in result.runs]


def save(fig: Figure, path, dpi: int | None = None, transparent: bool = False,
         fmt: str | None = None):
    """Save ``fig`` to ``path`` in the format its suffix names, atomically; or, given a binary
    stream (stdout, a buffer) and ``fmt``, write it there. Returns ``path``."""
    fmt = fmt or image_format(path)
    # zlib level 3, not Pillow's 6: half the encoding time for files about 5% larger.
    extra = {"pil_kwargs": {"compress_level": 3}} if fmt == "png" else {}
    if hasattr(path, "write"):
        fig.savefig(path, format=fmt, dpi=dpi or STILL_DPI, transparent=transparent, **extra)
        return path
    with atomic_open(path, "wb") as handle:
        fig.savefig(handle, format=fmt, dpi=dpi or STILL_DPI, transparent=transparent,
                    **extra)
    return Path(path)


def panel_size_for(size, panels: int, dpi: float, default=STILL_PANEL) -> tuple[float, float]:
    """Inches per panel so that ``panels`` in their grid (``grid_shape``) make ``size``
    (width, height) pixels at ``dpi``; ``default`` when no size is asked for."""
    if size is None:
        return default
    rows, columns = grid_shape(panels, size)
    return size[0] / dpi / columns, size[1] / dpi / rows


def save_still(result, path, views=("contour",), look: Look = LOOK, camera: Camera = CAMERA,
               overlays: Overlays = NO_OVERLAYS, fmt=None, marks=(), extra=(),
               panel_size=STILL_PANEL):
    """Draw ``result`` in ``views`` at its last step, dressed in ``look``, and save it; the
    suffix picks the format (or ``fmt``, for a stream)."""
    if fmt is None:
        image_format(path)
    dpi = look.dpi or STILL_DPI
    count = len(views) + len(extra)
    with wearing(look.style, look.font_scale):
        fig, panels = compose(result, views, look=look, camera=camera, overlays=overlays,
                              out_dpi=dpi, marks=marks, extra=extra,
                              panel_size=panel_size_for(look.size, count, dpi, panel_size),
                              shape=grid_shape(count, look.size))
        for panel in panels:
            panel.show(final_steps(panel.result))
        lay_out_once(fig)
        return save(fig, path, dpi=dpi, transparent=look.transparent, fmt=fmt)
