"""Commands that compare many runs: ``basins``, ``sweep`` and ``batch``."""

from __future__ import annotations

import math

import click

from ..core.errors import InputError, RunError
from .group import cli
from .options import (
    dpi_option,
    library_errors,
    noise_options,
    opt_option,
    out_option,
    progress_bar,
    quiet_option,
    settings_from,
    start_option,
    steps_option,
    surface_options,
    tol_option,
    tune_options,
    tuned_specs,
)


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
    from .. import api
    from ..core.limits import check_pixels
    from ..render.compare import basins_size, save_basins
    from ..render.figure import STILL_DPI
    from ..studies.basins import check_size

    if grid < 1:
        raise InputError(f"Invalid --grid: {grid} (a whole number >= 1).")
    check_size(grid * grid)
    surface_obj = api.load_surface(surface, surfaces_dir)
    path = out or f"outputs/{surface_obj.name}-basins.png"
    api.check_output(path, animations=False)
    check_pixels(*basins_size(len(opts or "abc")), dpi or STILL_DPI)
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
    from .. import api
    from ..core.io import write_text_atomic
    from ..core.limits import check_panels, check_pixels
    from ..exports import summary_csv, summary_json
    from ..render.compare import save_sweep_grid, sweep_layout, sweep_size
    from ..render.figure import STILL_DPI
    from ..results import format_table
    from ..studies.sweep import parse_params

    surface_obj = api.load_surface(surface, surfaces_dir)
    swept = parse_params(params)
    check_panels(math.prod(len(v) for v in swept.values()))
    check_pixels(*sweep_size(*sweep_layout(list(swept.values()) or [[0]])), dpi or STILL_DPI)
    path = out or f"outputs/{surface_obj.name}-{opts.split(':')[0]}-sweep.png"
    api.check_output(path, animations=False)
    if export_path:
        api.check_export(export_path)
    settings = settings_from(steps, None, noise, seed, tol)
    (spec,), _ = tuned_specs(surface_obj, [opts], starts, settings,
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
    from .. import outputs
    from ..studies import batch as batching

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
        from ..results import warnings

        for line in warnings(rows, failed=False):  # failures end the command below
            click.echo(f"warning: {line}", err=True)
    if errors:
        raise RunError("; ".join(f"experiment {name} failed: {err}" for name, err in errors))


