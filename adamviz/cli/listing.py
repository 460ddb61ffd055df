"""Commands that list what there is: ``surfaces`` and ``optimizers``."""

from __future__ import annotations

import click

from ..core.errors import InputError
from .group import cli
from .options import (
    library_errors,
    surface_options,
)


@cli.command(name="surfaces")
@surface_options(with_surface=False)
@library_errors
def surfaces_command(surfaces_dir):
    """List the surfaces: name, description, box and minima (and what is wrong with any file
    that cannot be used).

    \b
    Example:
      adamviz surfaces
      adamviz surfaces --surfaces-dir my_surfaces/
    """
    from .. import surfaces

    for name, path in surfaces.available(surfaces_dir).items():
        try:
            s = surfaces.load_file(path)
        except InputError as exc:  # one broken file does not hide the others
            click.echo(f"{name}: cannot be used: {exc}")
            continue
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
    from .. import optimizers
    from ..core.specs import format_value

    for name in optimizers.OPTIMIZERS:
        hyper = ", ".join(f"{k}={format_value(v)}" for k, v in optimizers.defaults(name).items())
        click.echo(f"{name}: {optimizers.rule(name)}")
        click.echo(f"    defaults: {hyper}")


