"""The command line: a thin Click layer that turns flags into library calls and errors into exit
codes. Nothing else happens here.

Every expected failure reaches the user as one line on stderr: the library's ``InputError``
becomes a usage error (exit 2), ``RunError`` a plain error (exit 1). Flags shared by several
commands are decorators defined once (``options.py``); heavy modules (numpy, matplotlib) are
imported inside the commands, so ``adamviz --help`` stays fast.
"""

from __future__ import annotations

import click

from . import __version__
from .cli_options import (
    AdamvizGroup,
    dpi_option,
    library_errors,
    noise_options,
    opt_option,
    out_option,
    progress_bar,
    quiet_option,
    start_option,
    steps_option,
    surface_options,
    tol_option,
    tune_options,
    view_option,
)
from .core.errors import InputError, RunError


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


def _settings(steps=None, lr=None, noise=0.0, seed=0, tol=None, patience=None):
    from .studies.runs import Settings

    return Settings(steps=steps, lr=lr, noise=noise, seed=seed, tol=tol or None,
                    patience=patience)


def _tuned(surface, opts, starts, settings, tune, grid, criterion, quiet):
    """The specs with lr tuned fairly when ``tune`` is set; the tunings by position."""
    if not tune:
        return list(opts), {}
    from .studies.tuning import tune_specs

    specs, tunings = tune_specs(surface, opts, starts, settings, grid, criterion)
    if not quiet:
        for t in tunings.values():
            click.echo(f"tuned {t.describe()}", err=True)
    return specs, tunings


@cli.command()
@surface_options
@opt_option(multiple=True, help="Optimizer with hyperparameters, e.g. adam:lr=0.05,beta1=0.8 "
                                "(repeatable; default adam).")
@start_option(multiple=True)
@steps_option()
@click.option("--lr", type=float, help="Learning rate for every optimizer that does not set "
                                       "its own in --opt.")
@noise_options
@tol_option
@click.option("--patience", type=int,
              help="Stop early when the loss has not improved for this many steps.")
@out_option(help="Picture to write; the suffix picks the format (.png, .svg, .pdf; .gif or "
                 ".mp4 animate). Default outputs/<surface>-<optimizers>.png.")
@click.option("--export", "export_path", type=click.Path(dir_okay=False),
              help="Also write the trajectories as .csv or .json.")
@click.option("--no-plot", is_flag=True, help="Do not draw a picture.")
@view_option
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
@dpi_option
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
    from .core.io import check_writable
    from .exports import check_format

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
        check_format(export_path)
        check_writable(export_path)
    surface_obj = api.load_surface(surface, surfaces_dir)
    view_list = api.check_views(surface_obj, views)
    settings = _settings(steps, None if tune else lr, noise, seed, tol, patience)
    specs, tunings = _tuned(surface_obj, opts or ("adam",), starts, settings, tune, tune_grid,
                            criterion, quiet)
    result = api.run(surface_obj, specs, starts, steps=settings.steps, lr=settings.lr,
                     noise=noise, seed=seed, tol=settings.tol, patience=patience, tuned=tunings)
    written = []
    if not no_plot:
        path = out or api.default_output(result)
        check_writable(path)
        if animated:
            with progress_bar(quiet, "rendering frames") as progress:
                info = api.animate(result, path, view_list, fps=fps, frames=frames, hold=hold,
                                   loop=loop, title=title, dpi=dpi, elev=elev, azim=azim,
                                   progress=progress)
            written.append(f"{path} ({info.describe()})")
        else:
            written.append(api.save_plot(result, path, view_list, dpi=dpi, title=title,
                                         elev=elev, azim=azim))
    if export_path is not None:
        written.append(api.export(result, export_path))
    if not quiet:
        click.echo(result.table())
        for path in written:
            click.echo(f"wrote {path}")


@cli.command(name="surfaces")
@surface_options(with_surface=False)
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
    from .core.specs import format_value

    for name in optimizers.OPTIMIZERS:
        hyper = ", ".join(f"{k}={format_value(v)}" for k, v in optimizers.defaults(name).items())
        click.echo(f"{name}: {optimizers.rule(name)}")
        click.echo(f"    defaults: {hyper}")


@cli.command()
@out_option(help="Folder for the figures.", default="outputs/figures", folder=True)
@click.option("--only", metavar="NAME[,NAME...]",
              help="Only these figures (names, or paths to recipe .toml files).")
@click.option("--format", "fmt", type=click.Choice(["png", "svg", "pdf"]), default="png",
              show_default=True, help="Picture format.")
@click.option("--gif", is_flag=True, help="Also animate each figure (.gif).")
@dpi_option
@click.option("--list", "list_only", is_flag=True, help="List the figures and stop.")
@quiet_option
@library_errors
def figures(out, only, fmt, gif, dpi, list_only, quiet):
    """Regenerate the figures of the three documents, each from a recipe, with its claim
    checked on the numbers; writes the pictures and index.md (captions and checks).

    Exits with 1 if a figure's claim does not hold (the picture would not tell the truth).

    \b
    Example:
      adamviz figures
      adamviz figures --only fig1-local-minimum,fig3-unlucky-start --format svg
      adamviz figures --only my_recipe.toml -o my_figures/ --gif
    """
    from . import api
    from .studies import recipes

    names = [n.strip() for n in only.split(",") if n.strip()] if only else list(
        recipes.available())
    if list_only:
        for name in names:
            recipe = recipes.load(name)
            click.echo(f"{recipe.name}: {recipe.title}")
        return
    with progress_bar(quiet, "figures") as progress:
        made = api.figures(names, out, fmt=fmt, gif=gif, dpi=dpi, progress=progress)
    failed = [f for f in made if not f.ok]
    if not quiet:
        for fig in made:
            click.echo(f"{'ok    ' if fig.ok else 'FAILED'} {fig.recipe.name}: "
                       + ", ".join(str(p) for p in fig.files))
            for check in fig.checks:
                if not check.ok:
                    click.echo(f"       claim does not hold: {check.statement}")
        click.echo(f"wrote {out}/index.md")
    if failed:
        raise RunError(f"{len(failed)} figure(s) do not show what their caption claims: "
                       + ", ".join(f.recipe.name for f in failed) + ".")


@cli.command()
@click.option("--example", type=click.Choice(["lecture"]),
              help="A worked example: 'lecture' is the lecture notes' Adam step.")
@surface_options
@opt_option(default="adam", help="The optimizer to trace.")
@start_option()
@steps_option(default=3)
@click.option("--lr", type=float, help="Learning rate (unless the --opt spec sets one).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "markdown",
                                                    "latex"]),
              default="table", show_default=True, help="How to print the steps.")
@out_option(help="Write to a file instead.")
@library_errors
def trace(example, surface, surfaces_dir, opts, starts, steps, lr, fmt, out):
    """Print every quantity of an optimizer's update, step by step: t, parameters, g, m, v, m̂,
    v̂, the step and the new parameters for Adam (the matching quantities for the others).

    \b
    Example:
      adamviz trace --example lecture
      adamviz trace --surface hump --opt adam:lr=0.1 --start -2,1 --steps 5 --format markdown
      adamviz trace --surface valley --opt rmsprop --format latex -o rmsprop.tex
    """
    from .studies import trace as tracing

    if example:
        table = tracing.trace(**tracing.EXAMPLES[example])
    else:
        table = tracing.trace(surface, opts, starts, steps, lr, surfaces_dir)
    text = tracing.render(table, fmt)
    if out:
        from .core.io import check_writable, write_text_atomic

        check_writable(out)
        write_text_atomic(out, text)
        click.echo(f"wrote {out}")
    else:
        click.echo(text, nl=False)


@cli.command()
@surface_options
@opt_option(multiple=True, help="Optimizer (repeatable; default sgd, momentum and adam).")
@click.option("--grid", type=int, default=200, show_default=True,
              help="Starts per side: a GRID x GRID grid over the box.")
@steps_option(default=500)
@click.option("--lr", type=float, help="Learning rate for every optimizer without its own.")
@tol_option
@out_option(help="Picture (default outputs/<surface>-basins.png).")
@dpi_option
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
    from . import api
    from .core.io import check_writable
    from .render.compare import save_basins
    from .render.figure import image_format
    from .studies.basins import check_size

    if grid < 1:
        raise InputError(f"Invalid --grid: {grid} (a whole number >= 1).")
    check_size(grid * grid)
    surface_obj = api.load_surface(surface, surfaces_dir)
    path = out or f"outputs/{surface_obj.name}-basins.png"
    image_format(path)
    check_writable(path)
    with progress_bar(quiet, "optimizers") as progress:
        found = api.basins(surface_obj, opts or ("sgd", "momentum", "adam"), grid=grid,
                           steps=steps, lr=lr, tol=tol or None, progress=progress)
    save_basins(found, path, dpi=dpi)
    if not quiet:
        click.echo(found.table())
        click.echo(f"wrote {path}")


@cli.command()
@surface_options
@opt_option(default="adam", help="The optimizer whose parameters are swept.")
@click.option("--param", "params", multiple=True, metavar="NAME=V1,V2,...",
              help="A hyperparameter and its values (repeatable: the cartesian product).")
@start_option(multiple=True)
@steps_option()
@noise_options
@tol_option
@out_option(help="Small-multiples picture (default outputs/<surface>-<opt>-sweep.png).")
@click.option("--export", "export_path", type=click.Path(dir_okay=False),
              help="The summary as .csv or .json.")
@dpi_option
@tune_options
@quiet_option
@library_errors
def sweep(surface, surfaces_dir, opts, params, starts, steps, noise, seed, tol, out,
          export_path, dpi, tune, tune_grid, criterion, quiet):
    """Run one optimizer over the cartesian product of hyperparameter lists; draw small
    multiples (one panel per setting, one colour scale) and print the summary.

    \b
    Example:
      adamviz sweep --surface hump --opt adam --param lr=1e-3,1e-2,1e-1 -o grid.png
      adamviz sweep -s valley --opt momentum --param lr=0.001,0.01 --param momentum=0.5,0.9
    """
    from . import api
    from .core.io import check_writable, write_text_atomic
    from .exports import check_format, summary_csv, summary_json
    from .render.compare import save_sweep_grid
    from .render.figure import image_format
    from .results import format_table
    from .studies.sweep import parse_params

    surface_obj = api.load_surface(surface, surfaces_dir)
    swept = parse_params(params)
    path = out or f"outputs/{surface_obj.name}-{opts.split(':')[0]}-sweep.png"
    image_format(path)
    check_writable(path)
    if export_path:
        check_format(export_path)
        check_writable(export_path)
    settings = _settings(steps, None, noise, seed, tol)
    (spec,), _ = _tuned(surface_obj, [opts], starts, settings,
                        tune if "lr" not in swept else None, tune_grid, criterion, quiet)
    result = api.sweep(surface_obj, spec, swept, starts or None, steps=steps, noise=noise,
                       seed=seed, tol=settings.tol)
    rows = [s for cell in result.cells for s in cell.result.summaries(experiment=cell.title)]
    save_sweep_grid(result, path, dpi=dpi)
    if export_path:
        text = summary_json(rows) if export_path.lower().endswith(".json") else summary_csv(rows)
        write_text_atomic(export_path, text)
    if not quiet:
        click.echo(format_table(
            ["setting", "end", "final loss", "reached", "status"],
            [[s.experiment, "(" + ", ".join(f"{v:.4g}" for v in s.end) + ")",
              f"{s.final_loss:.6g}", s.reached, s.status] for s in rows]))
        click.echo(f"wrote {path}" + (f" and {export_path}" if export_path else ""))


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@out_option(help="Folder for the results.", default="outputs/batch", folder=True)
@click.option("--jobs", "-j", type=click.IntRange(min=1, max=64), default=1, show_default=True,
              help="Experiments run in parallel processes (same results for any number).")
@click.option("--dry-run", is_flag=True, help="Print the runs it would make and stop.")
@surface_options(with_surface=False)
@quiet_option
@library_errors
def batch(file, out, jobs, dry_run, surfaces_dir, quiet):
    """Run the [[experiment]] tables of a TOML file; write each experiment's pictures and
    DIR/summary.csv and summary.md. The whole file is checked before anything runs.

    \b
    Example:
      adamviz batch examples/compare.toml
      adamviz batch examples/compare.toml --jobs 2 -o outputs/compare
      adamviz batch examples/compare.toml --dry-run
    """
    from . import outputs
    from .studies import batch as batching

    experiments = outputs.load_batch(file, surfaces_dir)
    if dry_run:
        for line in batching.plan(experiments):
            click.echo(line)
        click.echo(f"{batching.total_runs(experiments):,} runs in {len(experiments)} "
                   f"experiment(s)")
        return
    with progress_bar(quiet, "runs") as progress:
        rows, files, errors = outputs.run_batch(experiments, out, jobs, progress)
    if not quiet:
        click.echo(f"{len(rows)} runs; wrote {out}/summary.csv, {out}/summary.md and "
                   f"{len(files)} files")
    if errors:
        raise RunError("; ".join(f"experiment {name} failed: {err}" for name, err in errors))


def main():
    cli(prog_name="adamviz")
