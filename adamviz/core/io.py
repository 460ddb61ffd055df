"""Atomic file output: write to a temporary file beside the target, then rename over it.

A failed or interrupted write (an exception, Ctrl-C) removes the temporary file, so the target
is either the complete new file or whatever was there before; never a truncated file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import InputError, RunError


def check_writable(path: str | os.PathLike, create_parent: bool = True) -> Path:
    """Fail early (before any work) when ``path`` cannot be written.

    Creates the parent folder when ``create_parent`` is true (as ``outputs/`` on first use).
    """
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise InputError(f"Output path {str(path)!r} is a folder; give a file name such as "
                         f"{str(path / 'plot.png')!r}.")
    if not parent.exists() and create_parent:
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"Cannot create output folder {str(parent)!r}: "
                             f"{exc.strerror or exc}.") from None
    if not parent.is_dir():
        raise InputError(f"Output folder {str(parent)!r} does not exist.")
    try:  # a real probe: permissions, read-only file systems and quotas all show up here
        with tempfile.TemporaryFile(dir=parent):
            pass
    except OSError as exc:
        raise InputError(f"Output folder {str(parent)!r} is not writable: "
                         f"{exc.strerror or exc}.") from None
    return path


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "wb", **kwargs) -> Iterator:
    """Open a temporary file next to ``path``; on success it replaces ``path`` atomically."""
    with atomic_path(path) as tmp, open(tmp, mode, **kwargs) as handle:
        yield handle
        handle.flush()
        os.fsync(handle.fileno())


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary path next to ``path`` (same suffix) for writers that need a file name; on
    success it replaces ``path`` atomically, on any failure it is removed."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".part{path.suffix}",
                                   dir=parent)
    except OSError as exc:
        raise RunError(f"Cannot write into {str(parent)!r}: {exc.strerror or exc}.") from None
    os.close(fd)
    try:
        yield Path(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
