"""Commands that list what there is: ``surfaces`` and ``optimizers``."""

from __future__ import annotations

import click

from ..core.errors import InputError
from ..fair_rates import surface_rates
from .group import cli
from .options import library_errors, surface_options
from .streams import json_option


@cli.command(name="surfaces")
@surface_options(with_surface=False)
@json_option
@library_errors
def surfaces_command(surfaces_dir, as_json):
    """List the surfaces: name, description, box and minima (and what is wrong with any file
    that cannot be used).

    \b
    Example:
      adamviz surfaces
      adamviz surfaces --surfaces-dir my_surfaces/
      adamviz surfaces --json
    """
    from .. import surfaces

    found = []
    for name, path in surfaces.available(surfaces_dir).items():
        try:  # as `run -s NAME` would take it: the name, then the numeric checks
            surface = surfaces.load_file(path, expected_name=name)
            surface.checked  # noqa: B018
            found.append((name, path, surface))
        except InputError as exc:  # one broken file does not hide the others
            found.append((name, path, str(exc)))
    found += [("", surfaces.ENV_VAR, problem) for problem in surfaces.folder_problems()]
    if as_json:
        from .. import json_output

        click.echo(json_output.dumps(json_output.surfaces(found)), nl=False)
        return
    for name, path, s in found:
        if isinstance(s, str):
            click.echo(f"{name or path}: cannot be used: {s}")
            continue
        box = ", ".join(f"{axis} in [{lo:g}, {hi:g}]"
                        for axis, (lo, hi) in zip(s.axes, s.box, strict=True))
        minima = "; ".join(f"{m.kind} at ({', '.join(f'{v:.4g}' for v in m.point)})"
                           for m in s.minima) or "none listed"
        click.echo(f"{name}: {s.description or s.expr}")
        click.echo(f"    f = {s.expr}")
        if hasattr(s, "network"):  # a box per weight would fill the screen
            click.echo(f"    {network_line(s)}")
        else:
            click.echo(f"    {box}; minima: {minima}")
        if hasattr(s, "data"):
            click.echo(f"    {data_line(s)}")
        if surface_rates(s):
            click.echo(f"    {surface_rates(s)}")


def network_line(surface) -> str:
    """A network's parameters, start and rows, in one line."""
    from ..core.names import count

    fit = surface.network
    layers = ", ".join(name for name, _, _ in surface.layer_slices())
    held = "no validation rows" if fit.validation_x is None else \
        count(len(fit.validation_y), "validation row")
    return (f"{count(surface.dims, 'parameter')} ({layers}) from torch's initialisation "
            f"(seed {fit.init_seed}); data: {fit.data}, "
            f"{count(fit.training_rows, 'training row')}, {held}; plane: {surface.default_plane}")


def data_line(surface) -> str:
    from ..core.names import count

    """Where a loss over data takes its rows from: the set, training and validation rows."""
    d = surface.data
    held = "no validation rows" if d.validation is None else (
        f"{count(d.validation.rows, 'validation row')} ("
        + (f"a {d.held_out:g} share, seed {d.split_seed}" if isinstance(d.held_out, float)
           else str(d.held_out)) + ")")
    return f"data: {d.data}, {count(d.train.rows, 'training row')}, {held}"


@cli.command(name="optimizers")
@json_option
def optimizers_command(as_json):
    """List the optimizers with their defaults (torch.optim's) and update rule.

    \b
    Example:
      adamviz optimizers
      adamviz optimizers --json
      adamviz run --opt 'rmsprop:alpha=0.9,centered=true'
    """
    from ..core.specs import format_value
    from ..optimizers import registry

    found = registry.listing()
    if as_json:
        from .. import json_output

        click.echo(json_output.dumps(json_output.optimizers(found)), nl=False)
        return
    for entry in found:
        if "error" in entry:
            click.echo(f"{entry['name'] or entry['source']}: cannot be used: {entry['error']}")
            continue
        hyper = ", ".join(f"{k}={format_value(v)}" for k, v in entry["defaults"].items())
        click.echo(f"{entry['name']}: {entry['update']}")
        click.echo(f"    defaults: {hyper}")
