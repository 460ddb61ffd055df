"""Running a user's Python code that adamviz only loads or calls to build something (a plugin's
entry point, a torch optimizer's module, a factory): whatever it prints is kept off our
standard output (which may carry a JSON document or a picture), and however it fails (an
exception, ``sys.exit``) is one ``InputError`` that names it.
"""

from __future__ import annotations

import contextlib
import io

from ..core.errors import AdamvizError, InputError, describe


def call(function, what: str, *args, **kwargs):
    """``function(*args, **kwargs)``, silenced; a failure says ``what`` failed and why."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return function(*args, **kwargs)
    except AdamvizError:
        raise
    except (Exception, SystemExit) as exc:
        raise InputError(f"{what} failed: {describe(exc)}.") from None
