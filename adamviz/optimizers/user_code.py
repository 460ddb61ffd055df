"""Running a user's Python code that adamviz only loads or calls to build something (a plugin's
entry point, a torch optimizer's module, a factory): whatever it prints is kept off our
standard output (which may carry a JSON document or a picture), and however it fails (an
exception, ``sys.exit``) is one ``InputError`` that names it.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys

from ..core.errors import AdamvizError, InputError, describe


@contextlib.contextmanager
def silenced():
    """Standard output closed to the code inside: ``print`` goes nowhere, and so does a write
    to file descriptor 1 from C (the descriptor is pointed at /dev/null and back)."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def call(function, what: str, *args, **kwargs):
    """``function(*args, **kwargs)``, silenced; a failure says ``what`` failed and why."""
    try:
        with silenced():
            return function(*args, **kwargs)
    except AdamvizError:
        raise
    except (Exception, SystemExit) as exc:
        raise InputError(f"{what} failed: {describe(exc)}.") from None
