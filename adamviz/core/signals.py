"""Ctrl-C and SIGTERM in the command's own process: never lost.

Python runs a signal's handler between two steps of whatever Python code runs at that moment.
When that code is a hook whose exceptions Python only prints (a fork's ``at_fork`` hook, such
as logging's lock release; a ``__del__``; a weakref callback), the ``KeyboardInterrupt`` is
printed as "Exception ignored in ..." and the program goes on as if nothing had happened: seen
as a Ctrl-C in the middle of a GIF that finished the GIF, replaced the old file and exited 0.

So the handlers here also remember the signal, and every place that makes work final asks
``check()`` first: an output is not put in place (``io.atomic_path``) and the command does not
report success after a signal, even one whose exception was swallowed. Around a fork, where
the hooks run, ``held()`` defers signals until the fork has returned, so they land in our code.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import Terminated

_HANDLED = (signal.SIGINT, signal.SIGTERM)
_received: list[int] = []  # the signals this process was sent and has not yet acted on


def _raise_for(signum: int) -> None:
    if signum == signal.SIGTERM:
        raise Terminated()
    raise KeyboardInterrupt()


def _handler(signum, frame) -> None:
    _received.append(signum)
    _raise_for(signum)


def install() -> None:
    """Handle Ctrl-C and SIGTERM in this process (the CLI's): each unwinds the program as an
    exception (``KeyboardInterrupt``, ``Terminated``), so temporary files are removed and
    workers stopped on the way out, and is remembered for ``check``."""
    for signum in _HANDLED:
        signal.signal(signum, _handler)


def check() -> None:
    """Raise for a signal this process was sent, if any: its exception may have been
    swallowed where it was raised. Called before work is made final."""
    if _received:
        _raise_for(_received[0])


def forget() -> None:
    """Forget the signals received (a command has acted on them, or a new one starts)."""
    _received.clear()


@contextmanager
def held() -> Iterator[None]:
    """Signals wait (blocked, not lost) while the block runs, and arrive when it ends. For a
    fork: Python's fork hooks would otherwise swallow their exceptions. Where signals cannot
    be blocked (not on POSIX), the block runs as it is and ``check`` still catches them."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, _HANDLED)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def release() -> None:
    """Let every signal ``held`` holds arrive now: in a process forked (or spawned: a signal
    mask survives ``exec``) while its parent held them."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _HANDLED)
