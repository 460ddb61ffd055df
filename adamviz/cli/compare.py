"""Commands that compare many runs: ``basins``, ``sweep`` and ``batch``."""

from __future__ import annotations

import math

import click

from ..core.errors import InputError, RunError
from ..core.names import count
from .group import cli
from .options import (
    check_db_flags,
    check_no_plot,
    db_options,
    dpi_option,
    library_errors,
    no_plot_option,
    noise_options,
    opt_option,
    out_option,
    progress_bar,
    quiet_option,
    refuse_unused,
    schedule_option,
    settings_from,
    start_option,
    steps_option,
    surface_options,
    tol_option,
    tune_options,
    tuned_specs,
)
from .streams import Outputs, outputs_options, status


@cli.command()
@surface_options
@opt_option(multiple=True, help="Optimizer (repeatable; default sgd, momentum and adam).")
@click.option("--grid", type=int, default=200, show_default=True,
              help="Starts per side: a GRID x GRID grid over the box.")
@steps_option(default=500)
@click.option("--lr", type=float, help="Learning rate for every optimizer without its own.")
@tol_option
@out_option(help="Picture (default outputs/<surface>-basins.png; - for standard output).")
@outputs_options("A row per start and optimizer (where it ended, its loss, steps and status) as "
                 ".csv or .json")
@no_plot_option
@click.option("--db", "db", type=click.Path(dir_okay=False), metavar="FILE.db",
              help="Append a row per start and optimizer to this SQLite results database; "
                   "query it with 'adamviz results'.")
@dpi_option
@quiet_option
@library_errors
def basins(surface, surfaces_dir, opts, grid, steps, lr, tol, out, fmt, export_path,
           export_format, as_json, no_plot, db, dpi, quiet):
    """Colour every start of a grid by where it ended, one panel per optimizer, and print the
    share of starts that reach the global minimum.

    \b
    Example:
      adamviz basins --surface hump --opt sgd --opt momentum --opt adam --grid 200 --steps 500
      adamviz basins -s himmelblau --opt adam:lr=0.05 --grid 100 -o himmelblau-basins.svg
      adamviz basins -s hump --grid 50 --export hump-starts.csv --db results.db
      adamviz basins -s hump --grid 50 --json -o hump-basins.png
      adamviz basins -s hump --grid 50 --no-plot --db results.db
    """
    from .. import api, json_output
    from ..core.limits import check_starts

    check_no_plot(out, no_plot)
    if grid < 1:
        raise InputError(f"Invalid --grid: {grid} (a whole number >= 1).")
    check_starts(grid * grid)
    started = api.timestamp()
    where = Outputs(out, fmt, export_path, export_format, as_json, ("png", "svg", "pdf"))
    surface_obj = api.load_surface(surface, surfaces_dir)
    if db:  # an input: checked before the outputs, which may not replace it
        api.check_db(db, surface_obj, opts or ("sgd", "momentum", "adam"),
                     settings_from(steps, lr, tol=tol))
    if not no_plot:
        where.check(f"outputs/{surface_obj.name}-basins.png")
        api.check_basins_picture(len(opts or "abc"), dpi)
    where.check_export()
    with progress_bar(quiet, "optimizers") as progress:
        found = api.basins(surface_obj, opts or ("sgd", "momentum", "adam"), grid=grid,
                           steps=steps, lr=lr, tol=tol or None, progress=progress,
                           keep_ends=bool(export_path or db))
    if db:  # first: a database that cannot take the runs leaves no file changed
        api.record(db, found, command="basins", started=started)
    if not no_plot:
        where.draw(lambda path, fmt: api.save_basins(found, path, dpi=dpi, fmt=fmt))
    if export_path:
        where.export(found.summaries())
    where.report(found.table(), lambda files: json_output.basins(found, steps, files), quiet,
                 f"recorded {count(found.categories.size, 'run')} in {db}" if db else "")


@cli.command()
@surface_options
@opt_option(default="adam", help="The optimizer whose parameters are swept.")
@click.option("--param", "params", multiple=True, metavar="NAME=V1,V2,...",
              help="A hyperparameter and its values (repeatable: the cartesian product).")
@start_option(multiple=True)
@steps_option()
@noise_options
@tol_option
@schedule_option
@out_option(help="Small-multiples picture (default outputs/<surface>-<opt>-sweep.png; - for "
                 "standard output).")
@outputs_options("The summary as .csv or .json")
@no_plot_option
@db_options
@dpi_option
@tune_options
@quiet_option
@library_errors
def sweep(surface, surfaces_dir, opts, params, starts, steps, noise, seed, batch_size, plane, tol,
          schedule, out, fmt,
          export_path, export_format, as_json, no_plot, db, db_paths, dpi, tune, tune_grid,
          criterion, quiet):
    """Run one optimizer over the cartesian product of hyperparameter lists; draw small
    multiples (one panel per setting, one colour scale) and print the summary.

    \b
    Example:
      adamviz sweep --surface hump --opt adam --param lr=1e-3,1e-2,1e-1 -o grid.png
      adamviz sweep -s valley --opt momentum --param lr=0.001,0.01 --param momentum=0.5,0.9
      adamviz sweep -s hump --opt adam --param beta1=0.5,0.9,0.99 --db results.db
      adamviz sweep -s hump --param lr=0.01,0.1 --export - --export-format json
      adamviz sweep -s hump --param lr=0.01,0.1 --no-plot --db results.db
    """
    from .. import api, json_output
    from ..results import format_table

    check_db_flags(db)
    check_no_plot(out, no_plot)
    started = api.timestamp()
    where = Outputs(out, fmt, export_path, export_format, as_json, ("png", "svg", "pdf"))
    surface_obj = api.load_surface(surface, surfaces_dir)
    swept = _swept(surface_obj, params, tune, noise or batch_size or "batch_size=" in opts)
    settings = settings_from(steps, None, noise, seed, tol, schedule=schedule,
                             batch_size=batch_size, plane=plane)
    if db:  # an input: checked before the outputs, which may not replace it
        api.check_db(db, surface_obj, [opts], settings)
    if not no_plot:
        where.check(f"outputs/{surface_obj.name}-{opts.split(':')[0]}-sweep.png")
        api.check_sweep_picture(swept.values(), dpi)
    where.check_export()
    (spec,), _ = tuned_specs(surface_obj, [opts], starts, settings, tune, tune_grid, criterion,
                             quiet)
    result = api.sweep(surface_obj, spec, swept, starts or None, steps=steps, noise=noise,
                       seed=seed, tol=settings.tol, schedule=settings.schedule,
                       batch_size=batch_size, plane=plane)
    rows = result.summaries()
    if db:  # first: a database that cannot take the runs leaves no file changed
        api.record(db, result, command="sweep", paths=db_paths, started=started)
    if not no_plot:
        where.draw(lambda path, fmt: api.save_sweep(result, path, dpi=dpi, fmt=fmt))
    where.export(rows)
    table = format_table(["setting", "end", "final loss", "reached", "status"],
                         [[s.experiment, "(" + ", ".join(f"{v:.4g}" for v in s.end) + ")",
                           f"{s.final_loss:.6g}", s.reached or "-", s.status] for s in rows])
    where.report(table, lambda files: json_output.sweep(result, files), quiet,
                 f"recorded {count(len(rows), 'run')} in {db}" if db else "")


def _swept(surface, params, tune, noise) -> dict:
    """The swept lists of ``--param``, checked with the flags they bear on."""
    from ..core.limits import check_panels
    from ..studies.sweep import parse_params

    if surface.dims == 1:
        raise InputError(f"sweep draws a contour panel per setting, which needs a surface in x "
                         f"and y; {surface.name} is a curve f(x). Run the settings with "
                         f"`adamviz run` (one --opt each), or in a batch with a sweep.")
    swept = parse_params(params)
    refuse_unused([
        (("tune",), "lr" not in swept, "and --param lr=... contradict: the sweep sets each lr."),
        (("tune_grid", "criterion"), bool(tune), "applies with --tune lr."),
        (("seed",), bool(noise), "seeds the gradient noise and the minibatches; add --noise or "
                                 "--batch-size."),
    ])
    check_panels(math.prod(len(v) for v in swept.values()))
    return swept


@cli.command()
@surface_options
@opt_option(default="momentum", help="The optimizer whose hyperparameters are gridded.")
@click.option("--grid", "grid", multiple=True, required=True, metavar="NAME=LOW:HIGH:N",
              help="A hyperparameter's axis: N values from LOW to HIGH (once: a line; twice: "
                   "a map, the first across).")
@click.option("--log", "log", multiple=True, metavar="NAME",
              help="Space this axis's values logarithmically (repeatable).")
@click.option("--start", "start", metavar="X,Y", help="Every cell's start (default the "
                                                       "surface's start).")
@steps_option(default=500)
@click.option("--tol", type=float, default=1e-8, show_default=True,
              help="A cell converged once its distance to the minimum is below TOL x max(1, "
                   "|minimum|) (0: never); runs are not stopped there.")
@out_option(help="Picture (default outputs/<surface>-<opt>-rates.png; - for standard output).")
@outputs_options("A row per cell (grid values, measured_rate, predicted_rate, status, steps, "
                 "final_loss) as .csv or .json")
@no_plot_option
@dpi_option
@quiet_option
@library_errors
def rates(surface, surfaces_dir, opts, grid, log, start, steps, tol, out, fmt, export_path,
          export_format, as_json, no_plot, dpi, quiet):
    """Map the measured convergence rate of one optimizer over one or two hyperparameters:
    every cell runs from one start (all cells in one vectorized batch), coloured by the
    per-step factor of its distance to the minimum it reaches; diverged and not-converged
    cells marked apart, the stability edge lr = 2/lambda_max drawn as a line.

    \b
    Example:
      adamviz rates -s valley --opt momentum --grid lr=0.001:0.1:100 \\
          --grid momentum=0:0.99:100 -o valley-rates.png --export valley-rates.csv
      adamviz rates -s rosenbrock --opt adam --grid lr=1e-3:0.5:60 --log lr --steps 2000
    """
    from .. import api, json_output
    from ..core.specs import parse_point

    check_no_plot(out, no_plot)
    if not 1 <= len(grid) <= 2:
        raise InputError(f"Give one --grid (a line) or two (a map), got {len(grid)}.")
    where = Outputs(out, fmt, export_path, export_format, as_json, ("png", "svg", "pdf"))
    surface_obj = api.load_surface(surface, surfaces_dir)
    point = parse_point(start, surface_obj.dims) if start else None
    if not no_plot:
        where.check(f"outputs/{surface_obj.name}-{opts.split(':')[0]}-rates.png")
        api.check_drawing(dpi=dpi)
    where.check_export()
    with progress_bar(quiet, "steps") as progress:
        found = api.rates(surface_obj, opts, list(grid), start=point, steps=steps,
                          log=tuple(log), tol=tol, progress=progress)
    if not no_plot:
        where.draw(lambda path, fmt: api.save_rates(found, path, dpi=dpi, fmt=fmt))
    if export_path:
        where.export(found.rows(), plain=True)
    where.report(found.table(), lambda files: json_output.rates(found, files), quiet)


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@out_option(help="Folder for the results.", default="outputs/batch", folder=True)
@click.option("--jobs", "-j", type=click.IntRange(min=1, max=64), default=1, show_default=True,
              help="Experiments run in parallel processes (same results for any number).")
@click.option("--dry-run", is_flag=True, help="Print the runs it would make and stop.")
@db_options
@click.option("--rerun", is_flag=True,
              help="With --db: run every experiment again, even those already recorded.")
@surface_options(with_surface=False)
@quiet_option
@library_errors
def batch(file, out, jobs, dry_run, db, db_paths, rerun, surfaces_dir, quiet):
    """Run the [[experiment]] tables of a TOML file; write each experiment's pictures and
    DIR/summary.csv and summary.md. The whole file is checked before anything runs.

    With --db, each experiment is recorded as it finishes, and experiments already recorded
    with the same config (and whose files are still in DIR) are not run again: a batch that
    was interrupted picks up where it stopped, and its summary is rebuilt from the database.

    \b
    Example:
      adamviz batch examples/compare.toml
      adamviz batch examples/compare.toml --jobs 2 -o outputs/compare
      adamviz batch examples/compare.toml --db outputs/results.db
      adamviz batch examples/compare.toml --dry-run
    """
    from .. import batch_runs, outputs
    from ..studies import batch as batching

    check_db_flags(db)
    experiments = outputs.load_batch(file, surfaces_dir)
    if dry_run:
        for line in batching.plan(experiments):
            click.echo(line)
        click.echo(f"{count(batching.total_runs(experiments), 'run')} in "
                   f"{count(len(experiments), 'experiment')}")
        return
    with progress_bar(quiet, "runs") as progress:
        found = batch_runs.run_batch(experiments, out, jobs, progress, db=db, rerun=rerun,
                                     keep_paths=db_paths)
    if not quiet:
        if found.skipped:
            status(f"{count(len(found.skipped), 'experiment')} already in {db} not run again "
                   f"({', '.join(found.skipped)}); --rerun runs them")
        status(f"{count(len(found.rows), 'run')}; wrote {out}/summary.csv, {out}/summary.md and "
               f"{count(len(found.files), 'file')}" + (f"; recorded in {db}" if db else ""))
    from ..results import warnings

    for line in [*found.notes, *warnings(found.rows, failed=False)]:  # failures: below
        click.echo(f"warning: {line}", err=True)
    if found.errors:
        raise RunError("; ".join(f"experiment {name} failed: {err}"
                                 for name, err in found.errors))
