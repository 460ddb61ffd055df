"""The command line's shared vocabulary: flags used by several commands, defined once as
decorators (as sqlite-utils does), and the progress bar (the group and command classes are in
``commands.py``). Help texts that list names (views, tuning criteria) are generated from the
registries.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import time

import click

from ..core import signals
from ..core.errors import InputError, RunError
from ..plane_kinds import PLANES


def library_errors(func):
    """Turn the library's errors into Click errors with the same sentence."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            raise click.UsageError(str(exc)) from None
        except RunError as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper


def completer(kind: str):
    """The completion of ``kind`` names (``completion.py``, imported when the shell asks)."""
    def complete(ctx, param, incomplete):
        from . import completion

        try:
            return getattr(completion, kind)(ctx, param, incomplete)
        except Exception:  # a broken file or folder on the line: offer nothing, say nothing
            return []       # (a message would land in the middle of the user's command line)
    return complete


def surface_options(func=None, *, with_surface: bool = True):
    """--surface/-s (a name or a .toml path) and --surfaces-dir (repeatable)."""

    def decorate(f):
        f = click.option("--surfaces-dir", "surfaces_dir", multiple=True,
                         type=click.Path(file_okay=False),
                         help="Extra folder of surface .toml files (repeatable; also "
                              "$ADAMVIZ_SURFACES).")(f)
        if with_surface:
            f = click.option("--surface", "-s", default="hump", show_default=True,
                             shell_complete=completer("surfaces"),
                             help="Built-in surface name or path to a .toml file.")(f)
        return f

    return decorate(func) if func is not None else decorate


def opt_option(multiple: bool = False, default=None, help: str = "Optimizer."):
    return click.option("--opt", "opts", multiple=multiple, default=default,
                        show_default=default is not None, metavar="NAME[:key=value,...]",
                        shell_complete=completer("optimizers"), help=help)


def start_option(multiple: bool = False):
    return click.option("--start", "starts", multiple=multiple, metavar="X,Y",
                        help="Start point" + (" (repeatable" if multiple else " (")
                        + "; default the surface's start).")


def steps_option(default: int | None = None):
    return click.option("--steps", type=int, default=default, show_default=default is not None,
                        help="Number of steps" + ("" if default is not None else
                                                  " (default: the surface's, else 200)") + ".")


def tol_option(func):
    return click.option("--tol", type=float, default=1e-6, show_default=True,
                        help="Converged when step length and gradient norm are below this "
                             "(0: never).")(func)


def noise_options(func):
    func = click.option("--plane", type=click.Choice(list(PLANES)),
                        help="On a network (e.g. moons-net): the plane its runs are drawn on, "
                             "default the surface file's: " + "; ".join(
                                 f"{k}: {v}" for k, v in PLANES.items()) + ".")(func)
    func = click.option("--batch-size", type=int, metavar="B",
                        help="On a loss over data: take each step's gradient on B training rows, "
                             "each run shuffling them every epoch from its own seed stream "
                             "(default: all rows).")(func)
    func = click.option("--seed", type=int, default=0, show_default=True,
                        help="Seed of the noise and the minibatches (each run has its own "
                             "stream).")(func)
    return click.option("--noise", type=float, default=0.0, show_default=True,
                        help="Std. dev. of Gaussian noise added to every gradient.")(func)


def out_option(help: str, default=None, folder: bool = False):
    kind = click.Path(file_okay=False) if folder else click.Path(dir_okay=False)
    return click.option("--out", "-o", type=kind, default=default,
                        show_default=default is not None, help=help,
                        callback=_no_stdout_folder if folder else None)


def _no_stdout_folder(ctx, param, value):
    if value in ("-", "/dev/stdout"):
        raise click.BadParameter("writes a folder of files; '-' (standard output) cannot hold "
                                 "them. Name a folder.", ctx, param)
    return value


def db_options(func):
    """--db and --db-paths: append every run to a results database (``adamviz results``)."""
    func = click.option("--db-paths", is_flag=True,
                        help="With --db: record every step of every run too (table paths).")(func)
    return click.option("--db", "db", type=click.Path(dir_okay=False), metavar="FILE.db",
                        help="Append every run to this SQLite results database (made on first "
                             "use); query it with 'adamviz results'.")(func)


def check_db_flags(db) -> None:
    """--db-paths and --rerun only mean something with --db: refused without it."""
    refuse_unused([(("db_paths", "rerun"), bool(db),
                    "needs --db FILE.db (the database it applies to).")])


def no_plot_option(func):
    return click.option("--no-plot", is_flag=True, help="Do not draw a picture.")(func)


def check_no_plot(out, no_plot: bool, drawing=("dpi", "fmt")) -> None:
    """--no-plot asks for no picture: -o or a flag that dresses the picture (``drawing``, the
    parameters' names) contradicts it and is refused, never ignored."""
    if out is not None and no_plot:
        raise InputError("--out and --no-plot contradict each other; drop one.")
    refuse_unused([(drawing, not no_plot, "draws the picture, and --no-plot asks for none.")])


def given(*names: str) -> set[str]:
    """Which of the current command's parameters ``names`` were typed on the command line."""
    from click.core import ParameterSource

    ctx = click.get_current_context()
    return {n for n in names if ctx.get_parameter_source(n) == ParameterSource.COMMANDLINE}


def refuse_unused(rules) -> None:
    """Flags are never silently ignored: ``rules`` are ``(parameters, applies, why)``, and a
    parameter typed on the command line where it does not apply stops the command with one
    line, ``--flag <why>``."""
    ctx = click.get_current_context()
    flags = {p.name: max(p.opts, key=len) for p in ctx.command.params}
    for names, applies, why in rules:
        typed = [n for n in names if n in given(*names)]
        if typed and not applies:
            raise click.UsageError(f"{flags[typed[0]]} {why}")


def pick_format(flag: str | None, out: str | None, suffixes: dict[str, str],
                default: str) -> str:
    """The output format, as savefig picks it: the flag's, else the suffix of the --out file,
    else ``default`` (also for ``-o -``, standard output). A flag and a suffix that disagree
    are refused; an unknown suffix too."""
    if out is None or out in ("-", "/dev/stdout"):
        return flag or default
    from pathlib import Path

    suffix = Path(out).suffix.lower()
    if suffix not in suffixes:
        raise InputError(f"Unknown format {suffix or '(none)'!r} for --out {out!r}; use "
                         f"{', '.join(suffixes)}.")
    if flag and flag != suffixes[suffix]:
        fit = [k for k, v in suffixes.items() if v == flag]
        raise InputError(f"The format {flag} and --out {out!r} disagree; the suffix picks the "
                         f"format, so drop the format flag or name a {fit[0]} file.")
    return suffixes[suffix]


def dpi_option(func):
    return click.option("--dpi", type=click.IntRange(min=10, max=1200),
                        help="Resolution of raster output (default 120 for pictures, 100 for "
                             "animation frames).")(func)


def animation_options(func):
    """--fps, --frames, --hold, --pace and --loop: an animation's timing (``render/paces.py``
    for the paces)."""
    from ..render.paces import DEFAULT, PACES

    for option in reversed((
        click.option("--fps", type=float, default=20, show_default=True,
                     help="Animation frame rate (.gif: at most 50)."),
        click.option("--frames", type=int, default=200, show_default=True,
                     help="At most this many animation frames, spread over the steps as "
                          "--pace says."),
        click.option("--hold", type=float, default=1.0, show_default=True,
                     help="Seconds the last animation frame stays."),
        click.option("--pace", type=click.Choice(list(PACES)), default=DEFAULT,
                     show_default=True,
                     help="How animation time follows the runs; " + "; ".join(
                         f"{name}: {text}" for name, text in PACES.items()) + ". The step "
                          "counter shows each frame's true step."),
        click.option("--loop/--no-loop", default=True, show_default=True,
                     help="Whether a .gif repeats forever."),
    )):
        func = option(func)
    return func


def look_options(default_style: str = "paper"):
    """--style, --font-scale, --size and --transparent: how a picture is dressed for a page,
    a projector or a dark slide (``render/looks.py``)."""
    from ..render.looks import STYLES

    def decorate(func):
        for option in reversed((
            click.option("--style", type=click.Choice(list(STYLES)), default=default_style,
                         show_default=True, help="; ".join(
                             f"{k.name}: {k.describe}" for k in STYLES.values()) + "."),
            click.option("--font-scale", type=click.FloatRange(0.25, 4), default=1.0,
                         show_default=True, help="Multiply every text size by this."),
            click.option("--size", metavar="WxH",
                         help="Picture size in pixels, e.g. 1920x1080 (animations: each "
                              "frame)."),
            click.option("--transparent", is_flag=True,
                         help="A transparent background (.png, .svg, .pdf)."),
        )):
            func = option(func)
        return func

    return decorate


def view_option(func):
    from ..render.views import help_text

    return click.option("--view", "views", default="contour", show_default=True,
                        metavar="VIEW[,VIEW...]", shell_complete=completer("views"),
                        help=help_text())(func)


def tune_options(func):
    from ..studies.criteria import CRITERIA, DEFAULT_GRID

    func = click.option("--criterion", type=click.Choice(list(CRITERIA)),
                        default="final-loss", show_default=True,
                        help="What --tune minimizes after the same number of steps: "
                             + "; ".join(f"{k}: {v}" for k, v in CRITERIA.items()) + ".")(func)
    func = click.option("--tune-grid", default=DEFAULT_GRID, show_default=True,
                        metavar="LOW:HIGH:COUNT", help="Log-spaced learning rates to try.")(func)
    return click.option("--tune", type=click.Choice(["lr"]),
                        help="Pick each optimizer's lr from --tune-grid by --criterion.")(func)


def settings_from(steps=None, lr=None, noise=0.0, seed=0, tol=None, patience=None,
                  schedule=None, batch_size=None, plane=None):
    """The library's run settings from the shared flags (--tol 0 turns convergence off)."""
    from ..studies.runs import Settings

    return Settings(steps=steps, lr=lr, noise=noise, seed=seed, tol=tol or None,
                    patience=patience, schedule=schedule, batch_size=batch_size,
                    plane=plane)


def schedule_option(func):
    return click.option("--schedule", metavar="KIND[:key=value,...]",
                        help="A learning-rate schedule for every optimizer, torch's, stepped "
                             "after each step: step:step_size=30,gamma=0.1, "
                             "exponential:gamma=0.99, cosine:T_max=200,eta_min=0, "
                             "linear:start_factor=0.1,end_factor=1,total_iters=20.")(func)


def tuned_specs(surface, opts, starts, settings, tune, grid, criterion, quiet):
    """The specs with lr tuned fairly when ``tune`` is set; the tunings by position."""
    if not tune:
        return list(opts), {}
    from ..studies.tuning import tune_specs

    specs, tunings = tune_specs(surface, opts, starts, settings, grid, criterion)
    if not quiet:
        for t in tunings.values():
            click.echo(f"tuned {t.describe()}", err=True)
    return specs, tunings


def quiet_option(func):
    return click.option("--quiet", "-q", is_flag=True,
                        help="No progress or report; warnings and errors still go to stderr.")(func)


@contextlib.contextmanager
def progress_bar(quiet: bool, label: str):
    """A callback ``progress(done, total)`` that shows a bar on stderr once the work has taken
    more than a second; silent with -q or when stderr is not a terminal."""
    state = {"bar": None, "shown": 0}
    started = time.monotonic()
    show = not quiet and sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        signals.check()  # a Ctrl-C swallowed mid-way stops the work here, not only at the end
        if not show:
            return
        if state["bar"] is None:
            if time.monotonic() - started < 1.0:
                return
            state["bar"] = click.progressbar(length=total, label=label, file=sys.stderr)
            state["bar"].__enter__()
        state["bar"].update(done - state["shown"])
        state["shown"] = done

    try:
        yield progress
    finally:
        if state["bar"] is not None:
            state["bar"].__exit__(None, None, None)
