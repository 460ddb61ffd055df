"""The command line: a thin Click layer that parses flags and calls the library.

Every expected failure reaches the user as one line on stderr: the library's ``InputError``
becomes a usage error (exit 2), ``RunError`` a plain error (exit 1). Heavy modules (numpy,
sympy, matplotlib) are imported inside the commands, so ``adamviz --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import time

import click

from . import __version__
from .errors import InputError, RunError


class AdamvizGroup(click.Group):
    """A group whose errors are one line: ``Error: <what> (see 'adamviz run --help')``."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            click.echo(f"Error: {exc.format_message()}{hint}", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except (click.Abort, KeyboardInterrupt):
            click.echo("Aborted.", err=True)
            sys.exit(130)
        sys.exit(code if isinstance(code, int) else 0)


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


# --- shared flags ------------------------------------------------------------------------------

def surface_options(func):
    func = click.option("--surfaces-dir", "surfaces_dir", multiple=True,
                        type=click.Path(file_okay=False),
                        help="Extra folder of surface .toml files (repeatable; also "
                             "$ADAMVIZ_SURFACES).")(func)
    return click.option("--surface", "-s", default="hump", show_default=True,
                        help="Built-in surface name or path to a .toml file.")(func)


def tune_options(func):
    func = click.option("--criterion", type=click.Choice(["final-loss", "distance", "steps"]),
                        default="final-loss", show_default=True,
                        help="What --tune minimizes after the same number of steps.")(func)
    func = click.option("--tune-grid", default="1e-4:1:13", show_default=True,
                        metavar="LOW:HIGH:COUNT", help="Log-spaced learning rates to try.")(func)
    return click.option("--tune", type=click.Choice(["lr"]),
                        help="Pick each optimizer's lr from --tune-grid by --criterion.")(func)


def tuned_specs(surface, opts, starts, steps, tune, grid_text, criterion, quiet):
    """The optimizer specs with lr chosen fairly (same grid, steps and criterion for all)."""
    from . import compare
    from .specs import OptSpec, parse_opt, parse_point

    specs = [parse_opt(o) for o in opts]
    if not tune:
        return specs, {}
    grid = compare.log_grid(grid_text)
    points = [parse_point(p, surface.dims) if isinstance(p, str) else p
              for p in starts or [surface.default_start]]
    steps = steps or surface.steps or 200
    chosen, notes = [], {}
    for i, spec in enumerate(specs):
        t = compare.tune_lr(surface, spec, points, steps, grid, criterion)
        chosen.append(OptSpec(spec.name, {**spec.hyperparams, "lr": t.best}))
        notes[i] = t
        if not quiet:
            click.echo(f"tuned {t.describe()}")
    return chosen, notes


def quiet_option(func):
    return click.option("--quiet", "-q", is_flag=True,
                        help="Print nothing but errors.")(func)


@click.group(name="adamviz", cls=AdamvizGroup,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="adamviz")
def cli():
    """See how gradient-descent optimizers move on 2D loss surfaces.

    \b
    Example:
      adamviz run --surface hump --opt sgd --opt momentum --opt adam
      adamviz surfaces
      adamviz optimizers
    """


@cli.command()
@surface_options
@click.option("--opt", "opts", multiple=True, metavar="NAME[:key=value,...]",
              help="Optimizer with hyperparameters, e.g. adam:lr=0.05,beta1=0.8 (repeatable; "
                   "default adam).")
@click.option("--start", "starts", multiple=True, metavar="X,Y",
              help="Start point (repeatable; default the surface's start).")
@click.option("--steps", type=int, help="Number of steps (default: the surface's, else 200).")
@click.option("--lr", type=float, help="Learning rate for every optimizer that does not set "
                                       "its own in --opt.")
@click.option("--noise", type=float, default=0.0, show_default=True,
              help="Std. dev. of Gaussian noise added to every gradient.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the noise.")
@click.option("--tol", type=float, default=1e-6, show_default=True,
              help="Converged when step length and gradient norm are below this (0: never).")
@click.option("--patience", type=int,
              help="Stop early when the loss has not improved for this many steps.")
@click.option("--out", "-o", type=click.Path(dir_okay=False),
              help="Picture to write; the suffix picks the format (.png, .svg, .pdf). "
                   "Default outputs/<surface>-<optimizers>.png.")
@click.option("--export", "export_path", type=click.Path(dir_okay=False),
              help="Also write the trajectories as .csv or .json.")
@click.option("--no-plot", is_flag=True, help="Do not draw a picture.")
@click.option("--view", "views", default="contour", show_default=True,
              metavar="VIEW[,VIEW...]",
              help="Panels side by side: contour, 3d, profile, loss, steps.")
@click.option("--fps", type=float, default=20, show_default=True,
              help="Animation frame rate (.gif: at most 50).")
@click.option("--frames", type=int, default=200, show_default=True,
              help="At most this many animation frames, spread evenly over the steps.")
@click.option("--hold", type=float, default=1.0, show_default=True,
              help="Seconds the last animation frame stays.")
@click.option("--loop/--no-loop", default=True, show_default=True,
              help="Whether a .gif repeats forever.")
@click.option("--elev", type=float, default=35.0, show_default=True,
              help="3d view: camera elevation in degrees.")
@click.option("--azim", type=float, default=-60.0, show_default=True,
              help="3d view: camera azimuth in degrees.")
@click.option("--dpi", type=click.IntRange(min=10, max=1200), default=None,
              help="Resolution (default 120 for pictures, 100 for animations).")
@click.option("--title", help="Title of the picture (default: the surface's name).")
@tune_options
@quiet_option
@library_errors
def run(surface, surfaces_dir, opts, starts, steps, lr, noise, seed, tol, patience, out,
        export_path, no_plot, views, fps, frames, hold, loop, elev, azim, dpi, title, tune,
        tune_grid, criterion, quiet):
    """Run optimizers on a surface and draw their paths.

    Each --opt with each --start is one run, numbered in the order of the flags. Prints a table
    (label, start, end, final loss, steps, status, nearest minimum) and the files written.
    A .gif or .mp4 output animates the runs; --view puts several panels side by side.

    \b
    Example:
      adamviz run --surface hump --opt sgd --opt momentum --opt adam
      adamviz run -s rosenbrock --opt adam:lr=0.05 --start -1.5,2 -o rosen.svg
      adamviz run -s hump --opt sgd --opt adam --view contour,loss -o hump.gif
      adamviz run -s beale --opt adam --view 3d --elev 50 --azim -30 -o beale.png
      adamviz run -s valley --opt sgd --noise 0.5 --seed 1 --export runs.csv --no-plot
    """
    from . import api
    from .io import check_writable

    if out is not None and no_plot:
        raise InputError("--out and --no-plot contradict each other; drop one.")
    animated = out is not None and out.lower().endswith((".gif", ".mp4"))
    if out is not None:
        if animated:
            from .render.animate import check_settings

            check_settings(out, fps, frames, hold)
        else:
            from .render.figure import image_format

            image_format(out)
        check_writable(out)
    if export_path is not None:
        from .exports import FORMATS

        if not export_path.lower().endswith(FORMATS):
            raise InputError(f"Unknown export format for {export_path!r}; use .csv or .json.")
        check_writable(export_path)

    surface_obj = api.load_surface(surface, surfaces_dir)
    view_list = api.check_views(surface_obj, views)
    specs, tuning = tuned_specs(surface_obj, opts or ("adam",), starts, steps, tune, tune_grid,
                                criterion, quiet)
    result = api.run(surface_obj, specs, starts, steps=steps, lr=None if tune else lr,
                     noise=noise, seed=seed, tol=tol or None, patience=patience)
    per = len(result.runs) // len(specs)
    for i, run_ in enumerate(result.runs):
        if i // per in tuning:
            run_.label += f" tuned by {criterion}"
    written = []
    if not no_plot:
        path = out or api.default_output(result)
        check_writable(path)
        if animated:
            with progress_bar(quiet, "rendering frames") as progress:
                info = api.animate(result, path, view_list, fps=fps, frames=frames, hold=hold,
                                   loop=loop, title=title, dpi=dpi or 100, elev=elev, azim=azim,
                                   progress=progress)
            written.append(f"{path} ({info.describe()})")
        else:
            written.append(api.save_plot(result, path, view_list, dpi=dpi or 120, title=title,
                                         elev=elev, azim=azim))
    if export_path is not None:
        written.append(api.export(result, export_path))
    if not quiet:
        click.echo(result.table())
        for path in written:
            click.echo(f"wrote {path}")


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


@cli.command(name="surfaces")
@click.option("--surfaces-dir", "surfaces_dir", multiple=True, type=click.Path(file_okay=False),
              help="Extra folder of surface .toml files (repeatable).")
@library_errors
def surfaces_command(surfaces_dir):
    """List the surfaces: name, description, box and minima.

    \b
    Example:
      adamviz surfaces
      adamviz surfaces --surfaces-dir my_surfaces/
    """
    from . import surfaces

    for name, path in surfaces.available(surfaces_dir).items():
        s = surfaces.load_file(path)
        box = f"x in [{s.xlim[0]:g}, {s.xlim[1]:g}]"
        if s.ylim is not None:
            box += f", y in [{s.ylim[0]:g}, {s.ylim[1]:g}]"
        minima = "; ".join(f"{m.kind} at ({', '.join(f'{v:.4g}' for v in m.point)})"
                           for m in s.minima) or "none listed"
        click.echo(f"{name}: {s.description or s.expr}")
        click.echo(f"    f = {s.expr}")
        click.echo(f"    {box}; minima: {minima}")


@cli.command(name="optimizers")
def optimizers_command():
    """List the optimizers with their defaults (torch.optim's) and update rule.

    \b
    Example:
      adamviz optimizers
      adamviz run --opt 'rmsprop:alpha=0.9,centered=true'
    """
    from . import optimizers
    from .specs import format_value

    for name in optimizers.OPTIMIZERS:
        hyper = ", ".join(f"{k}={format_value(v)}" for k, v in optimizers.defaults(name).items())
        click.echo(f"{name}: {optimizers.rule(name).split(': ', 1)[1]}")
        click.echo(f"    defaults: {hyper}")


@cli.command()
@click.option("--out", "-o", "out_dir", type=click.Path(file_okay=False),
              default="outputs/figures", show_default=True, help="Folder for the figures.")
@click.option("--only", metavar="NAME[,NAME...]",
              help="Only these figures (names, or paths to recipe .toml files).")
@click.option("--format", "fmt", type=click.Choice(["png", "svg", "pdf"]), default="png",
              show_default=True, help="Picture format.")
@click.option("--gif", is_flag=True, help="Also animate each figure (.gif).")
@click.option("--dpi", type=click.IntRange(min=10, max=1200), default=80, show_default=True,
              help="Resolution of raster output.")
@click.option("--list", "list_only", is_flag=True, help="List the figures and stop.")
@quiet_option
@library_errors
def figures(out_dir, only, fmt, gif, dpi, list_only, quiet):
    """Regenerate the figures of the three documents, each from a recipe, with its claim
    checked on the numbers; writes the pictures and index.md (captions and checks).

    Exits with 1 if a figure's claim does not hold (the picture would not tell the truth).

    \b
    Example:
      adamviz figures
      adamviz figures --only fig1-local-minimum,fig3-unlucky-start --format svg
      adamviz figures --only my_recipe.toml -o my_figures/ --gif
    """
    from . import recipes

    names = [n.strip() for n in only.split(",") if n.strip()] if only else list(
        recipes.available())
    if list_only:
        for name in names:
            recipe = recipes.load(name)
            click.echo(f"{recipe.name}: {recipe.title}")
        return
    with progress_bar(quiet, "figures") as progress:
        made = recipes.make(names, out_dir, fmt=fmt, gif=gif, dpi=dpi, progress=progress)
    failed = [f for f in made if not f.ok]
    if not quiet:
        for fig in made:
            click.echo(f"{'ok    ' if fig.ok else 'FAILED'} {fig.recipe.name}: "
                       + ", ".join(str(p) for p in fig.files))
            for check in fig.checks:
                if not check.ok:
                    click.echo(f"       claim does not hold: {check.statement}")
        click.echo(f"wrote {out_dir}/index.md")
    if failed:
        raise RunError(f"{len(failed)} figure(s) do not show what their caption claims: "
                       + ", ".join(f.recipe.name for f in failed) + ".")


@cli.command()
@click.option("--example", type=click.Choice(["lecture"]),
              help="A worked example: 'lecture' is the lecture notes' Adam step.")
@surface_options
@click.option("--opt", default="adam", show_default=True, metavar="NAME[:key=value,...]",
              help="The optimizer to trace.")
@click.option("--start", metavar="X,Y", help="Start point (default: the surface's start).")
@click.option("--steps", type=int, default=3, show_default=True, help="Steps to show.")
@click.option("--lr", type=float, help="Learning rate (unless the --opt spec sets one).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "markdown",
                                                    "latex"]),
              default="table", show_default=True, help="How to print the steps.")
@click.option("--out", "-o", type=click.Path(dir_okay=False), help="Write to a file instead.")
@library_errors
def trace(example, surface, surfaces_dir, opt, start, steps, lr, fmt, out):
    """Print every quantity of an optimizer's update, step by step: t, parameters, g, m, v, m̂,
    v̂, the step and the new parameters for Adam (the matching quantities for the others).

    \b
    Example:
      adamviz trace --example lecture
      adamviz trace --surface hump --opt adam:lr=0.1 --start -2,1 --steps 5 --format markdown
      adamviz trace --surface valley --opt rmsprop --format latex -o rmsprop.tex
    """
    from . import trace as tracing

    if example:
        settings = dict(tracing.EXAMPLES[example])
        text = tracing.render(tracing.trace(**settings), fmt)
    else:
        text = tracing.render(tracing.trace(surface, opt, start, steps, lr, surfaces_dir), fmt)
    if out:
        from .io import check_writable, write_text_atomic

        check_writable(out)
        write_text_atomic(out, text)
        click.echo(f"wrote {out}")
    else:
        click.echo(text, nl=False)


@cli.command()
@surface_options
@click.option("--opt", "opts", multiple=True, metavar="NAME[:key=value,...]",
              help="Optimizer (repeatable; default sgd, momentum and adam).")
@click.option("--grid", type=int, default=200, show_default=True,
              help="Starts per side: a GRID x GRID grid over the box.")
@click.option("--steps", type=int, default=500, show_default=True, help="Steps per run.")
@click.option("--lr", type=float, help="Learning rate for every optimizer without its own.")
@click.option("--tol", type=float, default=1e-6, show_default=True,
              help="Convergence test (step length and gradient norm).")
@click.option("--out", "-o", type=click.Path(dir_okay=False),
              help="Picture (default outputs/<surface>-basins.png).")
@click.option("--dpi", type=click.IntRange(min=10, max=1200), default=90, show_default=True)
@quiet_option
@library_errors
def basins(surface, surfaces_dir, opts, grid, steps, lr, tol, out, dpi, quiet):
    """Colour every start of a grid by where it ended, one panel per optimizer, and print the
    share of starts that reach the global minimum.

    \b
    Example:
      adamviz basins --surface hump --opt sgd --opt momentum --opt adam --grid 200 --steps 500
      adamviz basins -s himmelblau --opt adam:lr=0.05 --grid 100 -o himmelblau-basins.svg
    """
    from . import api, compare
    from .io import check_writable
    from .render.compare import save_basins
    from .render.figure import image_format

    if grid < 1:
        raise InputError(f"Invalid --grid: {grid} (a whole number >= 1).")
    compare.check_size(grid * grid)
    surface_obj = api.load_surface(surface, surfaces_dir)
    path = out or f"outputs/{surface_obj.name}-basins.png"
    image_format(path)
    check_writable(path)
    with progress_bar(quiet, "optimizers") as progress:
        result = compare.basins(surface_obj, opts or ("sgd", "momentum", "adam"), grid=grid,
                                steps=steps, lr=lr, tol=tol or None, progress=progress)
    save_basins(result, path, dpi=dpi)
    if not quiet:
        click.echo(result.table())
        click.echo(f"wrote {path}")


@cli.command()
@surface_options
@click.option("--opt", default="adam", show_default=True, metavar="NAME[:key=value,...]",
              help="The optimizer whose parameters are swept.")
@click.option("--param", "params", multiple=True, metavar="NAME=V1,V2,...",
              help="A hyperparameter and its values (repeatable: the cartesian product).")
@click.option("--start", "starts", multiple=True, metavar="X,Y", help="Start (repeatable).")
@click.option("--steps", type=int, help="Steps (default: the surface's).")
@click.option("--noise", type=float, default=0.0, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--tol", type=float, default=1e-6, show_default=True)
@click.option("--out", "-o", type=click.Path(dir_okay=False),
              help="Small-multiples picture (default outputs/<surface>-<opt>-sweep.png).")
@click.option("--export", "export_path", type=click.Path(dir_okay=False),
              help="The summary as .csv or .json.")
@click.option("--dpi", type=click.IntRange(min=10, max=1200), default=90, show_default=True)
@tune_options
@quiet_option
@library_errors
def sweep(surface, surfaces_dir, opt, params, starts, steps, noise, seed, tol, out, export_path,
          dpi, tune, tune_grid, criterion, quiet):
    """Run one optimizer over the cartesian product of hyperparameter lists; draw small
    multiples (one panel per setting, one colour scale) and print the summary.

    \b
    Example:
      adamviz sweep --surface hump --opt adam --param lr=1e-3,1e-2,1e-1 -o grid.png
      adamviz sweep -s valley --opt momentum --param lr=0.001,0.01 --param momentum=0.5,0.9
    """
    import json

    from . import api, compare
    from .io import check_writable, write_text_atomic
    from .render.compare import save_sweep_grid
    from .render.figure import image_format

    surface_obj = api.load_surface(surface, surfaces_dir)
    swept = dict(compare.parse_param(p) for p in params)
    path = out or f"outputs/{surface_obj.name}-{opt.split(':')[0]}-sweep.png"
    image_format(path)
    check_writable(path)
    if export_path:
        if not export_path.lower().endswith((".csv", ".json")):
            raise InputError(f"Unknown export format for {export_path!r}; use .csv or .json.")
        check_writable(export_path)
    (spec,), _ = tuned_specs(surface_obj, [opt], starts, steps, tune if "lr" not in swept
                             else None, tune_grid, criterion, quiet)
    result = compare.sweep(surface_obj, spec, swept, starts or None, steps, noise, seed,
                           tol or None)
    rows = [row for combo, res in result.cells
            for row in compare.summary_rows(res, **{k: v for k, v in combo.items()})]
    save_sweep_grid(result, path, dpi=dpi)
    if export_path:
        from .batch import to_csv

        text = json.dumps(rows, indent=1) if export_path.lower().endswith(".json") \
            else to_csv([{**r, "experiment": "sweep"} for r in rows])
        write_text_atomic(export_path, text)
    if not quiet:
        for row in rows:
            click.echo(f"{row['label']:<40s} end {row['end']:<20s} loss {row['final_loss']:<12s}"
                       f" {row['reached']:<7s} {row['status']}")
        click.echo(f"wrote {path}" + (f" and {export_path}" if export_path else ""))


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--out", "-o", "out_dir", type=click.Path(file_okay=False),
              default="outputs/batch", show_default=True, help="Folder for the results.")
@click.option("--jobs", "-j", type=click.IntRange(min=1, max=64), default=1, show_default=True,
              help="Experiments run in parallel processes (same results for any number).")
@click.option("--dry-run", is_flag=True, help="Print the runs it would make and stop.")
@click.option("--surfaces-dir", "surfaces_dir", multiple=True, type=click.Path(file_okay=False))
@quiet_option
@library_errors
def batch(file, out_dir, jobs, dry_run, surfaces_dir, quiet):
    """Run the [[experiment]] tables of a TOML file; write each experiment's pictures and
    DIR/summary.csv and summary.md. The whole file is checked before anything runs.

    \b
    Example:
      adamviz batch examples/compare.toml
      adamviz batch examples/compare.toml --jobs 2 -o outputs/compare
      adamviz batch examples/compare.toml --dry-run
    """
    from . import batch as batching

    experiments = batching.load(file, surfaces_dir)
    if dry_run:
        for line in batching.plan(experiments):
            click.echo(line)
        click.echo(f"{batching.total_runs(experiments):,} runs in {len(experiments)} "
                   f"experiment(s)")
        return
    with progress_bar(quiet, "runs") as progress:
        rows, files, errors = batching.run_batch(experiments, out_dir, jobs, progress)
    if not quiet:
        click.echo(f"{len(rows)} runs; wrote {out_dir}/summary.csv, {out_dir}/summary.md and "
                   f"{len(files)} files")
    if errors:
        raise RunError("; ".join(f"experiment {name} failed: {err}" for name, err in errors))


def main():
    cli(prog_name="adamviz")
