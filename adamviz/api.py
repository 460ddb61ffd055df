"""The library's front door: load a surface, run optimizers, draw, export, compare.

    import adamviz
    result = adamviz.run("hump", ["sgd", "momentum", "adam"])
    print(result.table())
    adamviz.save_plot(result, "outputs/hump.png")

Everything the CLI does goes through these functions; none of them imports click.
"""

from __future__ import annotations

from pathlib import Path

from .render.paces import DEFAULT as DEFAULT_PACE
from .render.views import VIEWS, parse_views
from .results import DISPLAY, Result
from .studies import basins as _basins
from .studies import sweep as _sweep
from .studies import trace as _trace
from .studies import tuning as _tuning
from .studies.runs import DEFAULT_TOL, Settings, load_surface, make_runs


def _shown_by(name: str):
    """How an object shows in a notebook: ``render.inline``'s function ``name``, imported (and
    matplotlib with it) only when something is shown; computing imports no matplotlib."""
    def show(obj):
        from .render import inline

        return getattr(inline, name)(obj)
    return show


DISPLAY.update({("result", "html"): _shown_by("result_html"),
                ("basins", "html"): _shown_by("basins_html"),
                ("sweep", "png"): _shown_by("sweep_png")})


def run(surface, opts=("adam",), starts=None, *, steps: int | None = None,
        lr: float | None = None, noise: float = 0.0, seed: int = 0,
        tol: float | None = DEFAULT_TOL, patience: int | None = None, surfaces_dir=(),
        monitor=None, tuned=None, schedule=None, labels=(), colors=()) -> Result:
    """Run every optimizer spec from every start on a surface.

    ``opts`` are specs like ``"adam"`` or ``"adam:lr=0.05,beta1=0.8"`` (or ``OptSpec``/
    ``Optimizer`` objects); ``starts`` are points (tuples or ``"x,y"`` strings), default the
    surface's start. Each optimizer with each start is one run, numbered optimizer-major in the
    order given; all starts of one optimizer run together as one vectorized batch.
    ``schedule`` (e.g. ``"cosine:T_max=200"``) moves every optimizer's lr as torch's
    scheduler would; ``clip_norm=`` or ``clip_value=`` in a spec clips its gradient.
    ``labels`` and ``colors`` (one per optimizer, in order; None keeps the default) name and
    colour its runs in pictures, tables and the player: ``colors=["crimson", None, "#0072B2"]``.
    """
    settings = Settings(steps=steps, lr=lr, noise=noise, seed=seed, tol=tol, patience=patience,
                        schedule=schedule)
    return make_runs(surface, opts, starts, settings, monitor=monitor, tuned=tuned,
                     surfaces_dir=surfaces_dir, labels=labels, colors=check_colors(colors))


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

    return own_looks(list(labels), check_colors(list(colors)), optimizers)


def check_result(result, path=None) -> None:
    """What is drawn or exported must be a ``Result`` (what ``run`` returns); a path to write
    it to, a file name."""
    from .core.errors import InputError

    if not isinstance(result, Result):
        raise InputError(f"Expected the Result of adamviz.run(...), got {result!r}.")
    if path is not None and not isinstance(path, str | Path):
        raise InputError(f"A path is a file name such as 'outputs/plot.png', got {path!r}.")


def check_drawing(title=None, math: bool = False, dpi=None, elev: float | None = None,
                  azim: float | None = None) -> None:
    """Check a picture's title (one line; with ``math``, valid mathtext), dpi (10 to 1200)
    and camera angles (None: chosen from the surface) before any work."""
    from .render.figure import check_drawing as check

    check(title, math, dpi, elev, azim)


def check_views(result_or_surface, views, overlays=(), camera: bool = False) -> list[str]:
    """Validate a view list (``"contour,loss"`` or a sequence) for a surface, and that a view
    among them draws the ``overlays`` and, with ``camera``, turns a camera."""
    from .arrows import parse_overlays
    from .render.views import check_settings

    surface = getattr(result_or_surface, "surface", result_or_surface)
    names = parse_views(views, surface.dims)
    check_settings(names, surface.dims, parse_overlays(overlays), camera)
    return names


def check_output(path, *, fps: float = 20, frames: int = 200, hold: float = 1.0,
                 animations: bool = True) -> str:
    """Check a picture's path before any work: its format (by suffix), the animation settings
    and that it can be written. Returns "still", "animation" or "player" (.html)."""
    from .core.io import check_writable

    if animations and str(path).lower().endswith(".html"):
        check_writable(path)
        return "player"
    if animations and str(path).lower().endswith((".gif", ".mp4")):
        from .render.animate import check_settings

        check_settings(path, fps, frames, hold)
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


def default_output(result: Result, folder="outputs", suffix: str = ".png") -> Path:
    """``outputs/<surface>-<optimizers>.png`` (each optimizer named once, in order)."""
    names = list(dict.fromkeys(run.optimizer for run in result.runs))
    return Path(folder) / f"{result.surface.name}-{'-'.join(names)}{suffix}"


def plot(result: Result, ax=None, view: str = "contour", title: str | None = None,
         legend: bool = True):
    """Draw one view of ``result`` at its last step, the way matplotlib's own functions do:
    on ``ax`` when given (returned), else on a new Figure (returned, shown inline in a
    notebook). rcParams and style contexts apply; the legend sits above the Axes. A new
    figure gets constrained layout; a user's figure is left as its owner set it up (only the
    Axes given is drawn on)."""
    from .render.inline import draw

    check_result(result)
    check_drawing(title)
    if ax is not None and not (hasattr(ax, "figure") and hasattr(ax, "plot")):
        from .core.errors import InputError

        raise InputError(f"ax is a matplotlib Axes to draw on, got {ax!r}.")
    (view,) = check_views(result, [view])
    if ax is not None and (getattr(ax, "name", "") == "3d") != (VIEWS[view].axes == "3d"):
        from .core.errors import InputError

        raise InputError(f"view {view!r} draws on "
                         + ("a 3D Axes: fig.add_subplot(projection='3d')"
                            if VIEWS[view].axes == "3d" else "a flat Axes, not a 3D one") + ".")
    _, fig = draw(result, ax, view, title=title, legend=legend)
    return fig if ax is None else ax


def save_plot(result: Result, path, views=("contour",), dpi: int | None = None,
              title: str | None = None, elev: float | None = None, azim: float | None = None,
              math: bool = False, style: str = "paper", font_scale: float = 1.0,
              size=None, transparent: bool = False, overlays=(), overlay_at=None) -> Path:
    """Draw ``result`` (one panel per view, in a grid) and save it; the suffix picks the
    format (png, svg, pdf). The title is drawn as written; with ``math`` its ``$...$`` parts
    are mathtext. ``style`` is "paper", "talk" or "dark"; ``size`` is "1920x1080" or a
    (width, height) in pixels. ``overlays`` ("grad", "momentum", "step") are arrows on the
    contour view at the steps ``overlay_at``."""
    from .arrows import parse_overlays, parse_steps
    from .render.figure import check_drawing, save_still
    from .render.looks import parse_size

    check_result(result, path)
    check_drawing(title, math, dpi, elev, azim)
    views = check_views(result, views, overlays, elev is not None or azim is not None)
    return save_still(result, path, views, dpi=dpi, title=title,
                      elev=elev, azim=azim, math=math, style=style, font_scale=font_scale,
                      size=parse_size(size), transparent=transparent,
                      overlays=parse_overlays(overlays), overlay_at=parse_steps(overlay_at))


def animate(result: Result, path=None, views=("contour",), fps: float = 20, frames: int = 200,
            hold: float = 1.0, loop: bool = True, title: str | None = None,
            dpi: int | None = None, elev: float | None = None, azim: float | None = None,
            progress=None, math: bool = False, style: str = "paper", font_scale: float = 1.0,
            size=None, overlays=(), overlay_at=None, pace: str = DEFAULT_PACE):
    """Animate every run of ``result`` into ``path`` (.gif, or .mp4 with the video extra);
    without a path, into a GIF in memory for a notebook.

    ``pace`` is how the time follows the runs: "path" (default: frames spread evenly over the
    distance the runs move, so a fast crossing plays in slow motion and a long convergence
    quickly), "loss" (over the fall of the loss) or "steps" (the same number of steps a
    frame). Every frame's step counter shows its true step.

    Returns an ``Animation`` (frames, the fps it really plays at, size), which plays inline in
    a notebook.
    """
    from .arrows import parse_overlays, parse_steps
    from .render.animate import render
    from .render.figure import check_drawing
    from .render.looks import parse_size

    check_result(result, path)
    check_drawing(title, math, dpi, elev, azim)
    options = dict(fps=fps, max_frames=frames, hold=hold, loop=loop, title=title,
                   progress=progress, dpi=dpi, elev=elev, azim=azim, math=math, style=style,
                   font_scale=font_scale, size=parse_size(size),
                   overlays=parse_overlays(overlays), overlay_at=parse_steps(overlay_at),
                   pace=pace)
    views = check_views(result, views, overlays, elev is not None or azim is not None)
    if path is not None:
        return render(result, path, views, **options)
    import tempfile

    from .render.animate import InMemory

    with tempfile.TemporaryDirectory() as folder:
        made = render(result, Path(folder) / "animation.gif", views, **options)
        return InMemory.of(made)


def check_basins_picture(optimizers: int, dpi: int | None = None) -> None:
    """Refuse, before any work, a basins picture of ``optimizers`` panels too large to draw."""
    from .core.limits import check_pixels
    from .render.figure import STILL_DPI, check_drawing
    from .render.small_multiples import basins_size

    check_drawing(dpi=dpi)
    check_pixels(*basins_size(optimizers), dpi or STILL_DPI)


def check_sweep_picture(values, dpi: int | None = None) -> None:
    """Refuse, before any work, a sweep's small multiples (``values``: the swept lists) too
    large to draw."""
    from .core.limits import check_pixels
    from .render.figure import STILL_DPI, check_drawing
    from .render.small_multiples import sweep_layout, sweep_size

    check_drawing(dpi=dpi)
    check_pixels(*sweep_size(*sweep_layout(list(values) or [[0]])), dpi or STILL_DPI)


def save_basins(found: _basins.Basins, path, dpi: int | None = None,
                fmt: str | None = None) -> Path:
    """Draw where each start ends, one panel per optimizer, and save it; the suffix picks the
    format (or ``fmt``, for a binary stream)."""
    from .core.errors import InputError
    from .render.small_multiples import save_basins as draw

    if not isinstance(found, _basins.Basins):
        raise InputError(f"Expected what adamviz.basins(...) returns, got {found!r}.")
    check_basins_picture(len(found.labels), dpi)
    return draw(found, path, dpi=dpi, fmt=fmt)


def save_sweep(found: _sweep.Sweep, path, dpi: int | None = None,
               fmt: str | None = None) -> Path:
    """Draw a sweep as small multiples (one panel per setting, one view and colour scale) and
    save it; the suffix picks the format (or ``fmt``, for a binary stream)."""
    from .core.errors import InputError
    from .render.small_multiples import save_sweep_grid as draw

    if not isinstance(found, _sweep.Sweep):
        raise InputError(f"Expected what adamviz.sweep(...) returns, got {found!r}.")
    check_sweep_picture(found.values, dpi)
    return draw(found, path, dpi=dpi, fmt=fmt)


def player(result: Result, path, title: str | None = None) -> Path:
    """Write ``result`` as an interactive player: one self-contained HTML file (play, scrub,
    click to start the optimizers anywhere, drag their hyperparameters)."""
    from .render.html import save_player

    check_result(result, path)
    check_drawing(title)
    return save_player(result, path, title)


def export(result: Result, path) -> Path:
    """Write the trajectories as CSV or JSON, chosen by the suffix."""
    from . import exports

    check_result(result, path)
    return exports.write(result, path)


def sweep(surface, opt, params: dict, starts=None, *, steps=None, noise=0.0, seed=0,
          tol=DEFAULT_TOL, surfaces_dir=(), schedule=None) -> _sweep.Sweep:
    """One optimizer over the cartesian product of ``params`` (name -> list of values), each
    with ``schedule`` when given."""
    settings = Settings(steps=steps, noise=noise, seed=seed, tol=tol, schedule=schedule)
    return _sweep.sweep(surface, opt, params, starts, settings, surfaces_dir)


def basins(surface, opts=("sgd", "momentum", "adam"), grid: int = 100, *, steps: int = 500,
           lr=None, tol=DEFAULT_TOL, progress=None, surfaces_dir=(),
           keep_ends: bool = False) -> _basins.Basins:
    """Every optimizer from every start of a ``grid`` x ``grid`` over the box; with
    ``keep_ends`` a row per run too (``.summaries()``, for exports and ``record``)."""
    settings = Settings(steps=steps, lr=lr, tol=tol)
    return _basins.basins(surface, opts, grid, settings, progress, surfaces_dir, keep_ends)


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


def record(db, found, *, command: str = "run", name: str = "", paths: bool = False,
           started: str | None = None) -> int:
    """Append what a study found (a ``Result``, a sweep, or basins made with ``keep_ends``) to
    the results database at ``db`` (made on first use) as one experiment; with ``paths``
    every step of every run too; ``started`` is when the work began (``timestamp()``).
    Returns the experiment's id."""
    from .core.errors import InputError
    from .database import Database, ExperimentRecord

    if paths and not hasattr(found, "paths"):
        raise InputError("Basins keep only where each run ended; there are no paths to "
                         "record (drop paths).")
    experiment = ExperimentRecord(command=command, name=name, surface=found.surface.name,
                            config={"command": command, "name": name, **found.config()})
    with Database(db) as store:
        return store.record(experiment, found.summaries(), found.paths() if paths else None,
                            started=started)


def timestamp() -> str:
    """Now, as the results database writes times (UTC, ISO 8601)."""
    from .database import now

    return now()


def tune(surface, opts, starts=None, *, steps=None, noise=0.0, seed=0, tol=DEFAULT_TOL,
         grid: str = _tuning.DEFAULT_GRID, criterion: str = "final-loss", surfaces_dir=()):
    """Each optimizer's lr chosen fairly from ``grid``: (specs, {position: Tuning})."""
    surface = load_surface(surface, surfaces_dir)
    settings = Settings(steps=steps, noise=noise, seed=seed, tol=tol)
    return _tuning.tune_specs(surface, opts, starts, settings, grid, criterion)


def trace(surface="lecture", opt="adam", start=None, steps: int = 3, lr=None, surfaces_dir=()):
    """Every quantity of an optimizer's update, step by step (see ``adamviz trace``)."""
    return _trace.trace(surface, opt, start, steps, lr, surfaces_dir)


def batch(path, out_dir="outputs/batch", jobs: int = 1, progress=None, surfaces_dir=(),
          db=None, rerun: bool = False, keep_paths: bool = False):
    """Run a batch file's experiments and write their outputs. With ``db`` (a path) each is
    recorded in that results database, and those already there are not run again unless
    ``rerun``. A ``BatchRun``: rows, files, errors (``rows, files, errors = batch(...)``)."""
    from . import batch_runs, outputs

    experiments = outputs.load_batch(path, surfaces_dir)
    return batch_runs.run_batch(experiments, out_dir, jobs, progress, db=db, rerun=rerun,
                                keep_paths=keep_paths)


def figures(names=None, out_dir="outputs/figures", fmt="png", gif=False, dpi=None,
            progress=None, style="talk", font_scale=1.0, size=None, transparent=False,
            html=False):
    """Regenerate the documents' figures (all, or ``names``), each claim checked; dressed for
    a projector unless ``style`` says otherwise; with ``html`` a player for each and an
    ``index.html`` gallery."""
    from . import outputs
    from .render.looks import parse_size
    from .studies import recipes

    look = {"style": style, "font_scale": font_scale, "size": parse_size(size)}
    return outputs.make_figures(names or list(recipes.available()), out_dir, fmt=fmt, gif=gif,
                                dpi=dpi, progress=progress, look=look, transparent=transparent,
                                html=html)


__all__ = ["animate", "basins", "batch", "check_basins_picture", "check_db", "check_drawing",
           "check_export", "check_output", "check_result", "check_sweep_picture", "check_views",
           "default_output", "export", "figures", "load_surface", "player", "plot", "record",
           "run", "save_basins", "save_plot", "save_sweep", "sweep", "timestamp", "trace", "tune"]
