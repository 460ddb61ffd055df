"""``trace``: every quantity of an optimizer's update, step by step (the lecture notes' worked
Adam step is ``adamviz trace --example lecture``)."""

from __future__ import annotations

import click

from ..core.errors import InputError
from .group import cli
from .options import (
    given,
    library_errors,
    opt_option,
    out_option,
    pick_format,
    start_option,
    steps_option,
    surface_options,
)
from .streams import is_stdout, status


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
              help="How to print the steps (default table, or what -o's suffix says).")
@out_option(help="Write to a file instead; its suffix (.txt, .csv, .json, .md, .tex) picks "
                 "the format (- for standard output).")
@library_errors
def trace(example, surface, surfaces_dir, opts, starts, steps, lr, fmt, out):
    """Print every quantity of an optimizer's update, step by step: t, parameters, g, m, v, m̂,
    v̂, the step and the new parameters for Adam (the matching quantities for the others).

    \b
    Example:
      adamviz trace --example lecture
      adamviz trace --example lecture --opt adam:bias_correction=false --steps 1
      adamviz trace --surface hump --opt adam:lr=0.1 --start -2,1 --steps 5 --format markdown
      adamviz trace --surface valley --opt rmsprop -o rmsprop.tex
    """
    from ..core.io import check_writable
    from ..studies import trace as tracing


    if example:
        # The example sets the surface; --opt, --start, --steps and --lr change it.
        typed = given("surface", "surfaces_dir", "opts", "starts", "steps", "lr")
        if typed & {"surface", "surfaces_dir"}:
            raise InputError(f"--example {example} sets its own surface; drop --surface and "
                             f"--surfaces-dir, or trace without --example.")
        table = tracing.example(example, opt=opts if "opts" in typed else None,
                                start=starts if "starts" in typed else None,
                                steps=steps if "steps" in typed else None,
                                lr=lr if "lr" in typed else None)
    else:
        table = tracing.trace(surface, opts, starts, steps, lr, surfaces_dir)
    to_file = bool(out) and not is_stdout(out)
    if to_file:
        check_writable(out)  # after reading: it may be an input of this very command
    fmt = pick_format(fmt, out, {".txt": "table", ".csv": "csv", ".json": "json",
                                 ".md": "markdown", ".tex": "latex"}, "table")
    text = tracing.render(table, fmt)
    for note in table.notes():
        click.echo(f"note: {note}.", err=True)
    if to_file:
        from ..core.io import write_text_atomic

        write_text_atomic(out, text)
        status(f"wrote {out}")
    else:
        click.echo(text, nl=False)


