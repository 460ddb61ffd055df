"""The library's front door: load a surface, run optimizers, draw, export, compare.

    import adamviz
    result = adamviz.run("hump", ["sgd", "momentum", "adam"])
    print(result.table())
    adamviz.save_plot(result, "outputs/hump.png")

Everything the CLI does goes through these functions; none of them imports click.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .checks import (
    check_animation_look,
    check_basins_picture,
    check_colors,
    check_db,
    check_drawing,
    check_export,
    check_labels,
    check_output,
    check_result,
    check_sweep_picture,
    check_views,
)
from .render.settings import Camera, Look, Overlays, Timing, from_keywords
from .render.views import VIEWS
from .results import DISPLAY, Result
from .studies.criteria import DEFAULT_GRID
from .studies.runs import DEFAULT_TOL, Settings, load_surface, make_runs

if TYPE_CHECKING:  # the studies a call does not use stay unimported (a still's start-up)
    from .studies.basins import Basins
    from .studies.rates import RateMap
    from .studies.sweep import Sweep


def _shown_by(name: str):
    """How an object shows in a notebook: ``render.inline``'s function ``name``, imported (and
    matplotlib with it) only when something is shown; computing imports no matplotlib."""
    def show(obj):
        from .render import inline

        return getattr(inline, name)(obj)
    return show


DISPLAY.update({("result", "html"): _shown_by("result_html"),
                ("basins", "html"): _shown_by("basins_html"),
                ("sweep", "png"): _shown_by("sweep_png"),
                ("rates", "png"): _shown_by("rates_png")})


def run(surface, opts=("adam",), starts=None, *, steps: int | None = None,
        lr: float | None = None, noise: float = 0.0, seed: int = 0,
        tol: float | None = DEFAULT_TOL, patience: int | None = None, surfaces_dir=(),
        monitor=None, tuned=None, schedule=None, labels=(), colors=(),
        batch_size: int | None = None, plane: str | None = None) -> Result:
    """Run every optimizer spec from every start on a surface.

    ``opts`` are specs like ``"adam"`` or ``"adam:lr=0.05,beta1=0.8"`` (or ``OptSpec``/
    ``Optimizer`` objects); ``starts`` are points (tuples or ``"x,y"`` strings), default the
    surface's start. Each optimizer with each start is one run, numbered optimizer-major in the
    order given; all starts of one optimizer run together as one vectorized batch.
    ``schedule`` (e.g. ``"cosine:T_max=200"``) moves every optimizer's lr as torch's
    scheduler would; ``clip_norm=`` or ``clip_value=`` in a spec clips its gradient.
    ``labels`` and ``colors`` (one per optimizer, in order; None keeps the default) name and
    colour its runs in pictures, tables and the player: ``colors=["crimson", None, "#0072B2"]``.
    On a loss over data (``Surface.from_data``, a surface file with ``data``), ``batch_size``
    takes each step's gradient on that many training rows (each run's own shuffle, epoch after
    epoch; ``Run.batch_rows`` says which), and a validation set's loss is recorded each step
    (``Run.monitor``), which ``patience`` stops on. On a network (``moons-net``) the runs go
    in its full dimension and come back on one ``plane`` ("pca", "random" or "hessian"; default
    the surface file's): ``Run.points`` in plane coordinates, ``Run.parameters`` the full path,
    ``Run.plane_losses`` and ``Run.off_plane`` how far to trust the picture.
    """
    settings = Settings(steps=steps, lr=lr, noise=noise, seed=seed, tol=tol, patience=patience,
                        schedule=schedule, batch_size=batch_size, plane=plane)
    return make_runs(surface, opts, starts, settings, monitor=monitor, tuned=tuned,
                     surfaces_dir=surfaces_dir, labels=labels, colors=check_colors(colors))


def default_output(result: Result, folder="outputs", suffix: str = ".png") -> Path:
    """``outputs/<surface>-<optimizers>.png`` (each optimizer named once, in order)."""
    names = list(dict.fromkeys(run.optimizer for run in result.runs))
    return Path(folder) / f"{result.surface.name}-{'-'.join(names)}{suffix}"


def default_output_for(surface, opts, folder="outputs", suffix: str = ".png") -> Path:
    """The ``default_output`` the runs of ``opts`` on ``surface`` will have, before they run."""
    from .studies.runs import optimizer_list, resolve

    surface = load_surface(surface)
    names = list(dict.fromkeys(resolve(o, surface)[0].name for o in optimizer_list(opts)))
    return Path(folder) / f"{surface.name}-{'-'.join(names)}{suffix}"


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


def save_plot(result: Result, path, views=("contour",), *, look: Look | None = None,
              camera: Camera | None = None, overlays=None, **settings) -> Path:
    """Draw ``result`` (one panel per view, in a grid) and save it; the suffix picks the
    format (png, svg, pdf). The drawing settings are values (``Look``, ``Camera``,
    ``Overlays``) or their fields as keywords: ``style="talk"`` ("paper", "talk", "dark"),
    ``size="1920x1080"``, ``dpi``, ``title`` (drawn as written; with ``math=True`` its
    ``$...$`` parts are mathtext), ``transparent``, ``font_scale``, ``elev``/``azim`` (the 3d
    view), ``overlays="grad,momentum"`` and ``overlay_at=[5, 10]`` (arrows on the contour)."""
    from .render.figure import save_still

    check_result(result, path)
    made = _drawing(result, views, settings, look, camera, overlays)
    return save_still(result, path, made["views"], made[Look], made[Camera], made[Overlays])


def animate(result: Result, path=None, views=("contour",), *, look: Look | None = None,
            camera: Camera | None = None, overlays=None, timing: Timing | None = None,
            progress=None, **settings):
    """Animate every run of ``result`` into ``path`` (.gif, or .mp4 with the video extra);
    without a path, into a GIF in memory for a notebook. Settings as ``save_plot``'s, and the
    ``Timing``: ``fps``, ``frames`` (at most), ``hold`` (seconds on the last), ``loop``, and
    ``pace``: "path" (default: frames spread evenly over the distance the runs move, so a fast
    crossing plays in slow motion), "loss" (over the fall of the loss) or "steps". Every
    frame's step counter shows its true step.

    Returns an ``Animation`` (frames, the fps it really plays at, size), which plays inline in
    a notebook.
    """
    from .render.animate import render

    check_result(result, path)
    made = _drawing(result, views, settings, look, camera, overlays, timing, animated=True)
    views = made.pop("views")
    check_animation_look(made[Look])
    options = {"look": made[Look], "camera": made[Camera], "overlays": made[Overlays],
               "timing": made[Timing], "progress": progress}
    if path is not None:
        return render(result, path, views, **options)
    import tempfile

    from .render.animate import InMemory

    with tempfile.TemporaryDirectory() as folder:
        made = render(result, Path(folder) / "animation.gif", views, **options)
        return InMemory.of(made)


def save_basins(found: Basins, path, dpi: int | None = None,
                fmt: str | None = None) -> Path:
    """Draw where each start ends, one panel per optimizer, and save it; the suffix picks the
    format (or ``fmt``, for a binary stream)."""
    from .core.errors import InputError
    from .render.small_multiples import save_basins as draw
    from .studies.basins import Basins

    if not isinstance(found, Basins):
        raise InputError(f"Expected what adamviz.basins(...) returns, got {found!r}.")
    check_basins_picture(len(found.labels), dpi)
    return draw(found, path, dpi=dpi, fmt=fmt)


def save_sweep(found: Sweep, path, dpi: int | None = None,
               fmt: str | None = None) -> Path:
    """Draw a sweep as small multiples (one panel per setting, one view and colour scale) and
    save it; the suffix picks the format (or ``fmt``, for a binary stream)."""
    from .core.errors import InputError
    from .render.small_multiples import save_sweep_grid as draw
    from .studies.sweep import Sweep

    if not isinstance(found, Sweep):
        raise InputError(f"Expected what adamviz.sweep(...) returns, got {found!r}.")
    check_sweep_picture(found.values, dpi)
    return draw(found, path, dpi=dpi, fmt=fmt)


def _drawing(result, views, settings: dict, look, camera, overlays, timing=None,
             animated: bool = False) -> dict:
    """The drawing values (``render.settings``) of a call: those given, with the keyword
    settings on top (a Timing only for an animation); and the views, checked against what
    they draw."""
    if overlays is not None and not isinstance(overlays, Overlays):
        settings = {**settings, "overlays": overlays}
        overlays = None
    kinds = (Look, Camera, Overlays, Timing) if animated else (Look, Camera, Overlays)
    made = from_keywords(settings, kinds, (look, camera, overlays, timing))
    made["views"] = check_views(result, views, made[Overlays].show, bool(made[Camera]))
    return made


def player(result: Result, path, title: str | None = None, rates: bool = False) -> Path:
    """Write ``result`` as an interactive player: one self-contained HTML file (play, scrub,
    click to start the optimizers anywhere, drag their hyperparameters); with ``rates``, a
    panel of each run's optimizer's convergence-rate map, its run's point on it."""
    from .outputs import player_rate_maps
    from .render.html import save_player

    check_result(result, path)
    check_drawing(title)
    if not isinstance(rates, bool):
        from .core.errors import InputError

        raise InputError(f"rates is true or false, got {rates!r}.")
    return save_player(result, path, title, player_rate_maps(result) if rates else None)


def export(result: Result, path) -> Path:
    """Write the trajectories as CSV or JSON, chosen by the suffix."""
    from . import exports

    check_result(result, path)
    return exports.write(result, path)


def sweep(surface, opt, params: dict, starts=None, *, steps=None, noise=0.0, seed=0,
          tol=DEFAULT_TOL, surfaces_dir=(), schedule=None,
          batch_size: int | None = None, plane: str | None = None) -> Sweep:
    """One optimizer over the cartesian product of ``params`` (name -> list of values), each
    with ``schedule`` when given (and on minibatches of ``batch_size`` rows of a data set)."""
    from .studies import sweep as _sweep

    settings = Settings(steps=steps, noise=noise, seed=seed, tol=tol, schedule=schedule,
                        batch_size=batch_size, plane=plane)
    return _sweep.sweep(surface, opt, params, starts, settings, surfaces_dir)


def basins(surface, opts=("sgd", "momentum", "adam"), grid: int = 100, *, steps: int = 500,
           lr=None, tol=DEFAULT_TOL, progress=None, surfaces_dir=(),
           keep_ends: bool = False) -> Basins:
    """Every optimizer from every start of a ``grid`` x ``grid`` over the box; with
    ``keep_ends`` a row per run too (``.summaries()``, for exports and ``record``)."""
    from .studies import basins as _basins

    settings = Settings(steps=steps, lr=lr, tol=tol)
    return _basins.basins(surface, opts, grid, settings, progress, surfaces_dir, keep_ends)


def rates(surface, opt, grid, *, start=None, steps: int = 500, log=(), tol: float = 1e-8,
          progress=None, surfaces_dir=()) -> RateMap:
    """The convergence rate of ``opt`` over a grid of one or two hyperparameters, each axis
    ``(name, low, high, n)`` or "NAME=LOW:HIGH:N" (log-spaced for the names in ``log``),
    every cell run from ``start`` in one engine call; ``.rows()`` a row per cell."""
    from .studies import rates as _rates

    return _rates.rate_map(surface, opt, grid, start=start, steps=steps, log=log, tol=tol,
                           surfaces_dir=surfaces_dir, progress=progress)


def save_rates(found: RateMap, path, dpi: int | None = None, fmt: str | None = None) -> Path:
    """Draw a rate map (two axes) or its line (one axis) and save it; the suffix picks the
    format (or ``fmt``, for a binary stream)."""
    from .core.errors import InputError
    from .render.rates import save_rates as draw
    from .studies.rates import RateMap

    if not isinstance(found, RateMap):
        raise InputError(f"Expected what adamviz.rates(...) returns, got {found!r}.")
    check_drawing(dpi=dpi)
    return draw(found, path, dpi=dpi, fmt=fmt)


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
        if hasattr(found, "run_columns"):  # basins' million rows: as columns, not a Summary each
            return store.record_columns(experiment, found.run_columns(), started=started)
        return store.record(experiment, found.summaries(), found.paths() if paths else None,
                            started=started)


def timestamp() -> str:
    """Now, as the results database writes times (UTC, ISO 8601)."""
    from .database import now

    return now()


def tune(surface, opts, starts=None, *, steps=None, noise=0.0, seed=0, tol=DEFAULT_TOL,
         grid: str = DEFAULT_GRID, criterion: str = "final-loss", surfaces_dir=()):
    """Each optimizer's lr chosen fairly from ``grid``: (specs, {position: Tuning})."""
    surface = load_surface(surface, surfaces_dir)
    from .studies import tuning as _tuning

    settings = Settings(steps=steps, noise=noise, seed=seed, tol=tol)
    return _tuning.tune_specs(surface, opts, starts, settings, grid, criterion)


def trace(surface="lecture", opt="adam", start=None, steps: int = 3, lr=None, surfaces_dir=()):
    """Every quantity of an optimizer's update, step by step (see ``adamviz trace``)."""
    from .studies import trace as _trace

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


def figures(names=None, out_dir="outputs/figures", *, fmt="png", gif=False, progress=None,
            html=False, look: Look | None = None, **settings):
    """Regenerate the documents' figures (all, or ``names``), each claim checked; dressed for
    a projector (``Look(style="talk")``, 1920 px wide) unless ``look`` or its fields as
    keywords (``style``, ``size``, ``dpi``, ``font_scale``, ``transparent``) say otherwise;
    with ``html`` a player for each and an ``index.html`` gallery."""
    from . import outputs
    from .studies import recipes

    look = from_keywords(settings, (Look,), (look or outputs.FIGURES_LOOK,))[Look]
    if look.title is not None:
        from .core.errors import InputError

        raise InputError("Each figure is titled by its recipe; a look for figures has no title.")
    return outputs.make_figures(names or list(recipes.available()), out_dir, fmt=fmt, gif=gif,
                                progress=progress, look=look, html=html)


__all__ = ["Camera", "Look", "Overlays", "Timing", "animate", "basins", "batch",
           "check_animation_look", "check_basins_picture", "check_colors", "check_db",
           "check_drawing", "check_export", "check_labels", "check_output", "check_result",
           "check_sweep_picture", "check_views", "default_output", "default_output_for", "export",
           "figures", "load_surface", "player", "plot", "rates", "record", "run",
           "save_basins", "save_plot", "save_rates", "save_sweep", "sweep", "timestamp",
           "trace", "tune"]
