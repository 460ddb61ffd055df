"""How a worker process (a batch experiment, a figure) treats signals.

A worker ignores Ctrl-C: the parent decides, and terminates it. On SIGTERM it leaves: inside a
task through ``SystemExit``, which removes its temporary files on the way out (and for which
multiprocessing prints no traceback); idle, at once.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager

_busy = False  # whether this worker is inside a task


def worker_signals() -> None:
    """The initializer of every worker pool."""

    def leave(signum, frame):
        if _busy:
            raise SystemExit(143)
        os._exit(143)

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, leave)


@contextmanager
def task() -> Iterator[None]:
    """Mark the work inside as a task, which SIGTERM unwinds rather than cuts off."""
    global _busy
    _busy = True
    try:
        yield
    finally:
        _busy = False
