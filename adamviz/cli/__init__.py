"""The command line: a thin Click layer that turns flags into library calls and errors into exit
codes. Nothing else happens here.

Every expected failure reaches the user as one line on stderr: the library's ``InputError``
becomes a usage error (exit 2), ``RunError`` a plain error (exit 1). Flags shared by several
commands are decorators defined once (``options.py``); heavy modules (numpy, matplotlib) are
imported inside the commands, so ``adamviz --help`` stays fast.
"""

import os

from ..core import signals
from . import compare, listing, results, run_command, trace  # noqa: F401  (each registers its commands)
from .group import cli

if "_ADAMVIZ_COMPLETE" in os.environ:  # the shell asks: bash's words split at ':' joined back
    from .completion import use_colon_bash

    use_colon_bash()


def main():
    signals.install()
    cli(prog_name="adamviz")


__all__ = ["cli", "main"]
