"""Worker processes (a batch experiment, a figure): how they treat signals, and a pool that
always ends.

A worker ignores Ctrl-C: the parent decides, and stops it. On SIGTERM it removes the temporary
files it is writing and leaves at once (``os._exit``), from the signal handler itself: an
exception raised there could land inside multiprocessing's own code or a weakref callback,
be swallowed, and leave the worker running while its parent waits for it.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager

from . import signals
from .io import remove_temporary_files

GRACE_SECONDS = 5  # how long a stopped worker may take to leave before it is killed


def worker_signals() -> None:
    """The initializer of every worker pool."""

    def leave(signum, frame):
        remove_temporary_files()
        os._exit(143)

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, leave)
    signals.forget()  # the parent's, copied by a fork: a worker answers only its own
    signals.release()  # held by the parent while it forked (see ``pool``), inherited


@contextmanager
def pool(context, processes: int) -> Iterator:
    """A worker pool that ends cleanly: after its work, closed and joined (each worker takes
    the sentinel and leaves). Left by an exception (Ctrl-C, SIGTERM, a failure, a consumer that
    stopped), its workers are stopped here, each told to leave (SIGTERM) and killed after
    ``GRACE_SECONDS``, and the pool is not terminated through multiprocessing: its
    ``terminate`` first takes the task queue's lock, which a worker stopped while waiting for
    a task still holds, and waits for ever (seen as a Ctrl-C that hung 2 times in 10)."""
    workers = None
    try:
        with signals.held():  # a Ctrl-C in a fork's hooks is swallowed there; here it waits
            workers = context.Pool(processes, initializer=worker_signals)
        yield workers  # (a signal held above arrives before this, and stops the new workers)
        workers.close()
    except BaseException:
        if workers is not None:
            _stop(workers)
        raise
    workers.join()


def _stop(workers) -> None:
    from multiprocessing.pool import TERMINATE

    # (private, but the only handles there are) first the thread that replaces workers that
    # leave, or it would start new ones as these go
    workers._state = TERMINATE
    workers._worker_handler._state = TERMINATE
    workers._change_notifier.put(None)
    workers._worker_handler.join(GRACE_SECONDS)
    processes = list(workers._pool)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(GRACE_SECONDS)
        if process.is_alive():
            process.kill()
            process.join()
    # the pool's own clean-up would take the lock above at exit: it has nothing left to do
    workers._terminate.cancel()
