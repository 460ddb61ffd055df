"""The library's own exceptions.

The CLI turns these into Click errors: an ``InputError`` is the user's to fix (a bad flag value,
an unknown name, a malformed file) and exits with code 2; a ``RunError`` is a failure while
running (an output that cannot be written mid-way) and exits with code 1. Nothing else is
expected to reach the user.
"""


class AdamvizError(Exception):
    """Base class of every error adamviz raises on purpose."""


class InputError(AdamvizError, ValueError):
    """Something the user gave us is wrong; the message says what and what would be right."""


class RunError(AdamvizError, RuntimeError):
    """Something failed while doing valid work (e.g. the disk filled up while writing)."""


class Terminated(BaseException):
    """SIGTERM, raised where the program is (see ``signals.install``) so that it unwinds as
    Ctrl-C does: temporary files are removed and worker processes stopped on the way out."""


def describe(exc: BaseException) -> str:
    """An unexpected exception in words for the user: its message, and its kind only when it
    has no message (never a class path)."""
    if isinstance(exc, SystemExit):
        return f"it called sys.exit({exc.code!r})"
    if isinstance(exc, MemoryError):
        return "out of memory"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror + (f" ({exc.filename})" if exc.filename else "")
    text = str(exc).strip().rstrip(".")
    return text if text else type(exc).__name__
