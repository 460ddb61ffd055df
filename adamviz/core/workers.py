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


@contextmanager
def pool(context, processes: int) -> Iterator:
    """A worker pool that ends cleanly: after its work, closed and joined (each worker takes
    the sentinel and leaves); left by an exception (Ctrl-C, SIGTERM, a failure, a consumer that
    stopped), terminated and joined, so no worker outlives the command. (``with Pool()`` always
    terminates, which can hang joining a worker that the pool was just replacing.)"""
    workers = context.Pool(processes, initializer=worker_signals)
    try:
        yield workers
        workers.close()
    except BaseException:
        workers.terminate()
        raise
    finally:
        workers.join()
