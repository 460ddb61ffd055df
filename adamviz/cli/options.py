"""The command line's shared vocabulary: flags used by several commands, defined once as
decorators (as sqlite-utils does), the group that prints errors as one line, and the progress
bar. Help texts that list names (views, tuning criteria) are generated from the registries.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import sys
import time
import warnings

import click

from ..core.errors import InputError, RunError, Terminated
from ..core.io import command_inputs


class OnceCommand(click.Command):
    """A command whose single-valued options are never silently overridden: Click keeps the
    last of ``--opt adam --opt sgd`` (or of ``--csv --json``), so a second, different value for
    an option that takes one is refused before anything runs."""

    def parse_args(self, ctx, args):
        seen: dict[str, tuple[str, object]] = {}  # parameter -> (flag as typed, value)
        flags = {}
        for param in self.params:
            if isinstance(param, click.Option) and not param.multiple:
                for name in (*param.opts, *param.secondary_opts):
                    flags[name] = param
        tokens = iter(args)
        for token in tokens:
            if token == "--":
                break
            name, eq, inline = token.partition("=") if token.startswith("--") else (token, "", "")
            param = flags.get(name)
            if param is None:
                continue
            if param.is_flag:
                value = (name in param.secondary_opts, param.flag_value if
                         name in param.opts else None)
            else:
                value = inline if eq else next(tokens, None)
            if param.name in seen and seen[param.name][1] != value:
                first = seen[param.name][0]
                raise click.UsageError(
                    f"{first} and {name} contradict each other; give one" if first != name
                    else f"{name} is given twice ({seen[param.name][1]!r} and {value!r}); it "
                         f"takes one value", ctx)
            seen[param.name] = (name, value)
        return super().parse_args(ctx, args)


class AdamvizGroup(click.Group):
    """A group whose errors are one line: ``Error: <what> (see 'adamviz run --help')``.

    Exit codes: 2 bad input, 1 a failure while running, 130 Ctrl-C, 143 SIGTERM. Whatever
    happens, no traceback reaches the user (``ADAMVIZ_DEBUG=1`` shows one for a bug report).
    """

    command_class = OnceCommand

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BrokenPipeError:  # `adamviz ... | head`: the reader has what it wanted
            _quiet_stdout()
            raise click.exceptions.Exit(0) from None

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            with command_inputs():
                return super().main(args, prog_name, complete_var, standalone_mode=False,
                                    **extra)
        try:
            with command_inputs(), warnings.catch_warnings():
                warnings.showwarning = _one_line_warning
                # a library's notice to its own developers is nothing for a user to act on
                warnings.simplefilter("ignore", DeprecationWarning)
                warnings.simplefilter("ignore", PendingDeprecationWarning)
                warnings.simplefilter("ignore", RuntimeWarning)  # overflow in ..., no place
                code = super().main(args, prog_name, complete_var, standalone_mode=False,
                                    **extra)
        except NO_ARGS as exc:  # bare `adamviz`: the help, as asked for
            click.echo(exc.ctx.get_help())
            sys.exit(0)
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            _fail(f"Error: {exc.format_message()}{hint}", exc.exit_code)
        except click.ClickException as exc:
            _fail(f"Error: {exc.format_message()}", exc.exit_code)
        except (click.Abort, KeyboardInterrupt):
            _fail("Aborted.", 130)
        except Terminated:
            _fail("Terminated.", 143)
        except OSError as exc:
            if exc.filename is not None or exc.errno not in _STREAM_ERRORS:
                _bug(exc)
            _quiet_stdout()  # a full disk or a lost terminal under standard output
            _fail(f"Error: Cannot write to standard output: {exc.strerror}.", 1)
        except Exception as exc:  # a bug: still one line, and how to see more
            _bug(exc)
        sys.exit(code if isinstance(code, int) else 0)


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A library's warning (matplotlib's, numpy's) as one line on stderr, without the source
    file and line it came from, which mean nothing to a user."""
    text = " ".join(str(message).split())
    click.echo(f"warning: {text}", err=True)


def _bug(exc: Exception):
    """An unexpected failure: one line, and how to see more (``ADAMVIZ_DEBUG=1``)."""
    if os.environ.get("ADAMVIZ_DEBUG"):
        raise exc
    _fail(f"Error: {_unexpected(exc)} (set ADAMVIZ_DEBUG=1 to see where; please report it)", 1)


_STREAM_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EPIPE, errno.EBADF)


# Click 8.2 raises this for a group run with no command (no_args_is_help)
NO_ARGS = getattr(click.exceptions, "NoArgsIsHelpError", ())


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so that flushing it at exit raises no second error."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _unexpected(exc: Exception) -> str:
    if isinstance(exc, MemoryError):
        return "out of memory; ask for fewer steps, starts or a smaller picture"
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror}{where}"
    return f"{type(exc).__name__}: {exc}".strip().rstrip(":")


MAX_MESSAGE = 600  # characters: a message quotes what was typed, which may be 40 kB


def _fail(line: str, code: int):
    line = line.replace("\n", " ")
    if len(line) > MAX_MESSAGE:
        line = line[:MAX_MESSAGE - 40] + f" ... ({len(line):,} characters in all)"
    click.echo(line, err=True)
    sys.exit(code)


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
    func = click.option("--seed", type=int, default=0, show_default=True,
                        help="Seed of the noise (each run has its own stream).")(func)
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


def look_options(default_style: str = "paper"):
    """--style, --font-scale, --size and --transparent: how a picture is dressed for a page,
    a projector or a dark slide (``render/looks.py``)."""
    from ..render.looks import LOOKS

    def decorate(func):
        for option in reversed((
            click.option("--style", type=click.Choice(list(LOOKS)), default=default_style,
                         show_default=True, help="; ".join(
                             f"{k.name}: {k.describe}" for k in LOOKS.values()) + "."),
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
                  schedule=None):
    """The library's run settings from the shared flags (--tol 0 turns convergence off)."""
    from ..studies.runs import Settings

    return Settings(steps=steps, lr=lr, noise=noise, seed=seed, tol=tol or None,
                    patience=patience, schedule=schedule)


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
