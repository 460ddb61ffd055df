"""The ``adamviz`` command group; the commands are in the modules beside this one."""

from __future__ import annotations

import click

from .. import __version__
from .commands import AdamvizGroup


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
