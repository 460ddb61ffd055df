"""The `run` command (flags parsed into a `jobs.RunJob`, one library call) and `figures`."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path

import click

from ..arrows import OVERLAYS
from ..core.errors import RunError
from ..core.names import count
from .group import cli
from .options import (
    animation_options,
    check_db_flags,
    check_no_plot,
    completer,
    db_options,
    dpi_option,
    library_errors,
    look_options,
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
    view_option,
)
from .streams import (
    check_target,
    destination,
    export_format_of,
    is_stdout,
    json_option,
    one_owner,
    picture_format,
    status,
)

PICTURE_FORMATS = ("png", "svg", "pdf", "gif", "mp4")


@cli.command()
@surface_options
@opt_option(multiple=True, help="Optimizer with hyperparameters, e.g. adam:lr=0.05,beta1=0.8 "
                                "(repeatable; default adam).")
@start_option(multiple=True)
@steps_option()
@click.option("--lr", type=float, help="Learning rate for every optimizer that does not set "
                                       "its own in --opt.")
@click.option("--label", "labels", multiple=True, metavar="TEXT",
              help="Name the runs of each --opt, in order, in the legend and table "
                   "(repeatable; default: the optimizer and its hyperparameters).")
@click.option("--color", "colors", multiple=True, metavar="COLOR",
              help="Colour the runs of each --opt, in order: a name (crimson), a hex code "
                   "(#0072B2) or C0 to C9 (repeatable; default: one colour per optimizer, the "
                   "same in every picture).")
@noise_options
@tol_option
@click.option("--patience", type=int,
              help="Stop early when the loss (on a loss over data with held-out rows: the "
                   "validation loss) has not improved for this many steps; the table says "
                   "which point is kept.")
@schedule_option
@out_option(help="Picture to write; the suffix picks the format (.png, .svg, .pdf; .gif or "
                 ".mp4 animate; .html is the interactive player). Default "
                 "outputs/<surface>-<optimizers>.png.")
@click.option("--format", "fmt", type=click.Choice(PICTURE_FORMATS),
              help="The picture's format when -o is - (standard output; default png).")
@click.option("--export", "export_path", type=click.Path(dir_okay=False, allow_dash=True),
              help="Also write the trajectories as .csv or .json (- for standard output).")
@click.option("--export-format", type=click.Choice(["csv", "json"]),
              help="The export's format when --export is - (default csv).")
@json_option
@no_plot_option
@db_options
@view_option
@animation_options
@click.option("--elev", type=float,
              help="3d view: camera elevation in degrees (default: 25 across two minima, "
                   "else 35).")
@click.option("--azim", type=float,
              help="3d view: camera azimuth in degrees (default: across the line between "
                   "two minima, else -60).")
@dpi_option
@click.option("--title", help="Title of the picture (default: the surface's name), drawn as "
                                "written.")
@click.option("--math", is_flag=True, help="Draw $...$ in --title as math (mathtext).")
@click.option("--overlay", "overlays", metavar="KIND[,KIND...]",
              help="Arrows on the contour view: " + ", ".join(OVERLAYS) + " (a still: at "
                   "--overlay-at steps; an animation: at each run's current step).")
@click.option("--overlay-at", metavar="STEP[,STEP...]",
              help="Steps at which a still draws the overlay arrows (default: five spread "
                   "along each run's path).")
@look_options()
@tune_options
@quiet_option
@library_errors
def run(surface, surfaces_dir, opts, starts, steps, lr, labels, colors, noise, seed, batch_size,
        plane, tol,
        patience, schedule, out, fmt,
        export_path, export_format, as_json, no_plot, db, db_paths, views, fps, frames, hold,
        pace, loop, elev, azim, dpi, title, math, overlays, overlay_at, style, font_scale, size,
        transparent, tune, tune_grid, criterion, quiet):
    """Run optimizers on a surface and draw their paths.

    Each --opt with each --start is one run, numbered in the order of the flags. Prints a table
    (label, start, end, final loss, steps, status, nearest minimum) and the files written.
    A .gif or .mp4 output animates the runs; an .html output is the interactive player; --view
    puts several panels in a grid.

    \b
    Example:
      adamviz run --surface hump --opt sgd --opt momentum --opt adam
      adamviz run -s rosenbrock --opt adam:lr=0.05 --start -1.5,2 -o rosen.svg
      adamviz run -s hump --opt sgd --opt adam --view contour,loss -o hump.gif
      adamviz run -s hump --opt sgd --opt momentum --opt adam --pace steps -o even.gif
      adamviz run -s beale --opt adam --view 3d --elev 50 --azim -30 -o beale.png
      adamviz run -s valley --opt sgd --noise 0.5 --seed 1 --export runs.csv --no-plot
      adamviz run -s cars --opt sgd --opt adam --batch-size 8 --patience 50 -o cars.png
      adamviz run -s moons-net --opt sgd --opt adam --plane hessian --view contour,loss
      adamviz run -s hump --opt sgd --opt adam --style dark --size 1920x1080 -o slide.png
      adamviz run -s hump --opt sgd --opt adam --label SGD --label Adam --color C3
      adamviz run -s hump --opt momentum --overlay grad,momentum --overlay-at 5,13,21
      adamviz run -s hump --opt sgd:lr=0.1,clip_norm=1 --schedule cosine:T_max=200
      adamviz run -s hump --opt sgd --opt adam --start -2,1 --no-plot --db results.db
      adamviz run -s hump --opt adam -o - --format svg > hump.svg
      adamviz run -s hump --opt sgd --opt momentum --opt adam -o paths.html
      adamviz run -s hump --opt sgd --opt adam --no-plot --json | jq '.runs[].final_loss'
    """
    # Long: the docstring is the command's --help with its examples; the body parses the flags
    # into a job (values the library checks) and makes one library call.
    from ..api import Camera, Look, Overlays, Timing
    from ..jobs import RunJob, carry_out

    check_db_flags(db)
    check_no_plot(out, no_plot, drawing=())  # run's drawing flags: _refuse_unused
    owner = one_owner(**{"-o -": is_stdout(out), "--export -": is_stdout(export_path),
                         "--json": as_json})
    fmt = picture_format(out, fmt, PICTURE_FORMATS)
    kind = None if no_plot or out is None else _kind(check_target(out, fmt))
    sampled = noise or batch_size or any("batch_size=" in o for o in opts)  # what --seed seeds
    _refuse_unused(kind or "still", no_plot, views, title, overlays, tune, sampled)
    export_format = export_format_of(export_path, export_format)
    job = RunJob(
        surface=_surface(surface, surfaces_dir), opts=opts or ("adam",), starts=starts,
        settings=settings_from(steps, None if tune else lr, noise, seed, tol, patience, schedule,
                               batch_size, plane),
        labels=labels, colors=colors, tune=(tune_grid, criterion) if tune else None,
        views=views,
        look=Look(style=style, font_scale=font_scale, size=size, dpi=dpi,
                  transparent=transparent, title=title, math=math),
        camera=Camera(elev=elev, azim=azim), overlays=Overlays(show=overlays, at=overlay_at),
        timing=Timing(fps=fps, frames=frames, hold=hold, loop=loop, pace=pace),
        export=None if export_path is None or is_stdout(export_path) else Path(export_path),
        db=db, db_paths=db_paths)
    target = None if no_plot else out or _default_output(job)
    with (nullcontext() if target is None else destination(target, fmt)) as path, \
            progress_bar(quiet, "rendering frames") as progress:
        done = carry_out(replace(job, picture=path), progress=progress)
    if not quiet:
        for tuning in done.tunings.values():
            click.echo(f"tuned {tuning.describe()}", err=True)
    written = list(done.written)
    if target is not None and is_stdout(out):  # the picture's line: where it really went
        written[0] = f"standard output ({fmt})"
    if is_stdout(export_path):
        from ..exports import text

        click.echo(text(done.result, export_format), nl=False)
    _report(done.result, written, db, quiet, owner)


def _kind(path) -> str:
    """The picture's kind by its suffix (still, animation or player), checked."""
    from .. import api

    return api.check_output(path)


def _surface(surface, surfaces_dir):
    from .. import api

    return api.load_surface(surface, surfaces_dir)


def _default_output(job) -> Path:
    """outputs/<surface>-<optimizers>.png, as ``api.default_output`` names a result's."""
    from .. import api

    return api.default_output_for(job.surface, job.opts)


def _report(result, written, db, quiet, owner) -> None:
    """The table of runs (on stdout, as JSON with --json; on stderr when stdout carries a
    picture or an export); what was written on stderr; the runs that diverged on stderr even
    with --quiet (what to act on)."""
    if owner == "--json":
        from .. import json_output

        click.echo(json_output.dumps(json_output.run(result, written)), nl=False)
    elif not quiet:
        click.echo(result.table(), err=owner is not None)
    if not quiet:
        for path in written:
            status(f"wrote {path}")
        if db is not None:
            status(f"recorded {count(len(result.runs), 'run')} in {db}")
    for run in result.runs:
        if run.status == "diverged":
            click.echo(f"warning: {run.label} diverged at step {run.steps}", err=True)


def _refuse_unused(kind, no_plot, views, title, overlays, tune, noise) -> None:
    """``run``'s flags that do not apply to what was asked for are refused, never ignored."""
    drawing = ("views", "fps", "frames", "hold", "pace", "loop", "elev", "azim", "dpi", "title",
               "math", "overlays", "overlay_at", "style", "font_scale", "size", "transparent")
    refuse_unused([
        (drawing, not no_plot, "draws the picture, and --no-plot asks for none."),
        (("fps", "frames", "hold", "pace", "loop"), kind == "animation",
         "applies to animations: -o NAME.gif (or .mp4)."),
        (("elev", "azim", "dpi", "math", "overlays", "overlay_at", "style",
          "font_scale", "size", "transparent"), kind != "player",
         "applies to pictures; the .html player draws its own view, arrows and controls."),
        (("elev", "azim"), "3d" in [v.strip().lower() for v in views.split(",")],
         "turns the 3d view: add it, e.g. --view contour,3d."),
        (("math",), title is not None, "draws $...$ in --title as math; give --title."),
        (("overlay_at",), bool(overlays), "says where --overlay arrows go; give --overlay."),
        (("tune_grid", "criterion"), bool(tune), "applies with --tune lr."),
        (("lr",), not tune, "and --tune lr contradict: --tune picks each optimizer's lr."),
        (("seed",), bool(noise), "seeds the gradient noise and the minibatches; add --noise or "
                                 "--batch-size."),
    ])


@cli.command()
@out_option(help="Folder for the figures.", default="outputs/figures", folder=True)
@click.option("--only", metavar="NAME[,NAME...]", multiple=True,
              shell_complete=completer("recipes"),
              help="Only these figures (names, or paths to recipe .toml files; repeatable).")
@click.option("--format", "fmt", type=click.Choice(["png", "svg", "pdf"]), default="png",
              show_default=True, help="Picture format.")
@click.option("--gif", is_flag=True, help="Also animate each figure (.gif).")
@click.option("--html", is_flag=True,
              help="Also an interactive player for each figure (.html) and an index.html "
                   "gallery.")
@dpi_option
@click.option("--list", "list_only", is_flag=True, help="List the figures and stop.")
@look_options(default_style="talk")
@quiet_option
@library_errors
def figures(out, only, fmt, gif, html, dpi, list_only, style, font_scale, size, transparent,
            quiet):
    """Regenerate the figures of the three documents, each from a recipe, with its claim
    checked on the numbers; writes the pictures and index.md (captions and checks).

    Exits with 1 if a figure's claim does not hold (the picture would not tell the truth).

    \b
    Example:
      adamviz figures
      adamviz figures --only fig1-local-minimum,fig3-unlucky-start --format svg
      adamviz figures --only my_recipe.toml -o my_figures/ --gif
      adamviz figures --html -o outputs/gallery
      adamviz figures --style dark --size 1920x1080 --format svg
    """
    from .. import api
    from ..render.looks import parse_size
    from ..studies import recipes

    names = [n.strip() for text in only for n in text.split(",") if n.strip()] or list(
        recipes.available())
    if list_only:
        for name in names:
            recipe = recipes.load(name)
            click.echo(f"{recipe.name}: {recipe.title}")
        return
    with progress_bar(quiet, "figures") as progress:
        made = api.figures(names, out, fmt=fmt, gif=gif, html=html, dpi=dpi, progress=progress,
                           style=style, font_scale=font_scale, size=parse_size(size),
                           transparent=transparent)
    failed = [f for f in made if not f.ok]
    for fig in made:  # a figure asked for with --html but given no player: say why
        if html and fig.result.surface.dims != 2:
            click.echo(f"note: {fig.recipe.name}: no player; the player draws a surface in x "
                       f"and y, and {fig.result.surface.name} is a curve f(x).", err=True)
    if not quiet:
        for fig in made:
            click.echo(f"{'ok    ' if fig.ok else 'FAILED'} {fig.recipe.name}: "
                       + ", ".join(str(p) for p in fig.files))
        status(f"wrote {out}/index.md")
    for fig in failed:  # what to act on: stderr, one line each, even with --quiet
        for check in fig.checks:
            if not check.ok:
                click.echo(f"warning: {fig.recipe.name}: claim does not hold: "
                           f"{check.statement}", err=True)
    if failed:
        raise RunError(f"{count(len(failed), 'figure')} {'does' if len(failed) == 1 else 'do'} "
                       f"not show what {'its' if len(failed) == 1 else 'their'} caption claims: "
                       + ", ".join(f.recipe.name for f in failed) + ".")


