"""Files in and out, safely.

In: ``read_toml`` reads every definition file (surfaces, batch files, recipes) the same way:
bounded in size, any way of being unreadable or malformed is one ``InputError`` naming the file,
and the file is remembered as an input of this command.

Out: write to a temporary file beside the target, then rename over it. A failed or interrupted
write (an exception, Ctrl-C, SIGTERM, a full disk) removes the temporary file, so the target is
either the complete new file or whatever was there before; never a truncated file. An output
that is one of the inputs (the same file, also through a link) is refused before anything is
written.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path

from . import signals
from .errors import InputError, RunError
from .limits import MAX_INPUT_BYTES

# input path (absolute, links resolved) -> (device, inode) when it was noted; None for a file
# that does not exist yet (a results database made on first use is still this command's input)
_inputs: dict[str, tuple[int, int] | None] = {}


def note_input(path) -> None:
    """Remember ``path`` as an input of this command: no output of it may replace the file.

    Every file a command reads or appends to is one: definitions (through ``read_toml``),
    results databases, data files. A path that does not exist yet is remembered by name."""
    key = None
    with contextlib.suppress(OSError):
        st = os.stat(path)
        key = (st.st_dev, st.st_ino)
    _inputs[os.path.realpath(path)] = key


@contextlib.contextmanager
def command_inputs() -> Iterator[None]:
    """One command's inputs: forgotten when it ends (the CLI runs each command in one)."""
    saved = dict(_inputs)
    _inputs.clear()
    try:
        yield
    finally:
        _inputs.clear()
        _inputs.update(saved)


def _input_at(path) -> str | None:
    """The input that ``path`` is (the same file now, through any link, or the same name),
    if any."""
    real = os.path.realpath(path)
    if real in _inputs:
        return real
    try:
        st = os.stat(path)
    except OSError:
        return None
    for name, key in _inputs.items():
        if key == (st.st_dev, st.st_ino):
            with contextlib.suppress(OSError):
                if os.path.samefile(name, path):
                    return name
    return None


def _refuse_input(path) -> None:
    source = _input_at(path)
    if source is not None:
        same = "" if os.path.realpath(path) == source and not os.path.islink(path) else \
            f" (it is {source!r})"
        raise InputError(f"Output {str(path)!r} is an input of this command{same}; writing it "
                         f"would destroy it. Choose another output name.")


def open_regular(path, what: str):
    """``path`` opened for reading in binary, refused unless it is a regular file: a FIFO, a
    device or a socket is never read (a read could block forever or never end). ``what``
    names the file in messages ("Surface file")."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO: no wait
    except FileNotFoundError:
        raise InputError(f"{what} {str(path)!r} does not exist.") from None
    except IsADirectoryError:
        raise InputError(f"{what} {str(path)!r} is a folder; give a file.") from None
    except OSError as exc:
        raise InputError(f"Cannot read {what.lower()} {str(path)!r}: "
                         f"{exc.strerror or exc}.") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise InputError(f"{what} {str(path)!r} is a folder; give a file.")
        if not stat.S_ISREG(mode):
            raise InputError(f"{what} {str(path)!r} is not a regular file (a pipe, device or "
                             f"socket); give a file.")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_toml(path, what: str) -> dict:
    """A definition file as a dict; ``what`` names it in messages ("Surface file")."""
    if not isinstance(path, str | os.PathLike):
        raise InputError(f"A {what.lower()} is a path to a .toml file, got {path!r}.")
    path = Path(path)
    with open_regular(path, what) as handle:
        try:
            raw = handle.read(MAX_INPUT_BYTES + 1)
        except OSError as exc:
            raise InputError(f"Cannot read {what.lower()} {str(path)!r}: "
                             f"{exc.strerror or exc}.") from None
    note_input(path)
    if len(raw) > MAX_INPUT_BYTES:
        article = "an" if what.lower()[:1] in "aeiou" else "a"
        raise InputError(f"{path}: larger than {MAX_INPUT_BYTES // 1024} KiB; {article} "
                         f"{what.lower()} is a short TOML text.")
    try:
        return tomllib.loads(raw.decode("utf-8-sig"))  # (a byte-order mark, as Notepad saves)
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a text file (not UTF-8); expected TOML.") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {exc}.") from None
    except RecursionError:
        raise InputError(f"{path}: not valid TOML: nested too deeply.") from None


def check_writable(path: str | os.PathLike) -> Path:
    """Fail early (before any work) when ``path`` cannot be written or is an input. Touches
    nothing: a missing folder is made when the file is written, so a refused command leaves
    no empty folder behind."""
    if not str(path).strip():
        raise InputError("The output path is empty; give a file name such as outputs/plot.png.")
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    check_folder_names(path)
    if len(path.name.encode()) + 24 > _name_max(parent):  # room for the temporary name
        raise InputError(f"Output file name {path.name[:40]!r}... is too long for its folder "
                         f"({len(path.name.encode())} bytes); shorten it.")
    if path.exists() and not path.is_dir() and not path.is_file():
        raise InputError(f"Output {str(path)!r} is not a regular file (a device or a pipe); "
                         f"give a file name.")
    if path.is_dir():
        raise InputError(f"Output path {str(path)!r} is a folder; give a file name such as "
                         f"{str(path / 'plot.png')!r}.")
    _refuse_input(path)
    folder = parent
    while not folder.exists() and folder != folder.parent:  # made when the file is written
        folder = folder.parent
    if not folder.is_dir():
        raise InputError(f"Cannot make output folder {str(parent)!r}: {str(folder)!r} is a "
                         f"file.")
    try:  # a real probe: permissions, read-only file systems and quotas all show up here
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        if folder != parent:
            raise InputError(f"Cannot create output folder {str(parent)!r}: {str(folder)!r} "
                             f"is not writable ({exc.strerror or exc}).") from None
        raise InputError(f"Output folder {str(folder)!r} is not writable: "
                         f"{exc.strerror or exc}.") from None
    return path


def check_folder_names(path) -> None:
    """Every folder name in ``path`` fits a file system (255 bytes)."""
    for part in Path(path).parent.parts:
        if len(part.encode()) > 255:
            raise InputError(f"{part[:40]!r}... in the path {str(path)[:60]!r} is "
                             f"{len(part.encode())} bytes long; a folder name may have 255. "
                             f"Shorten it.")


def _name_max(folder: Path) -> int:
    with contextlib.suppress(OSError, ValueError):
        return os.pathconf(folder if folder.exists() else ".", "PC_NAME_MAX")
    return 255


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
    success it replaces ``path`` atomically, on any failure it is removed. A failure of the
    file system (full disk, lost permission) is a ``RunError`` naming the file."""
    path = Path(path)
    _refuse_input(path)
    parent = path.parent if str(path.parent) else Path(".")
    made = [f for f in (parent, *parent.parents) if not f.exists()]  # removed if we fail
    try:
        parent.mkdir(parents=True, exist_ok=True)  # checked to be possible before the work
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".part{path.suffix}",
                                   dir=parent)
    except OSError as exc:
        raise RunError(f"Cannot write into {str(parent)!r}: {exc.strerror or exc}.") from None
    os.close(fd)
    _temporary.add(tmp)
    try:
        yield Path(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        signals.check()  # a Ctrl-C swallowed mid-way (see signals) must not replace the file
        os.replace(tmp, path)
    except OSError as exc:
        _remove(tmp, made)
        raise RunError(f"Cannot write {str(path)!r}: {exc.strerror or exc}; nothing was "
                       f"changed.") from None
    except BaseException:
        _remove(tmp, made)
        raise
    finally:
        _temporary.discard(tmp)


_temporary: set[str] = set()  # the temporary files being written now, in this process


def remove_temporary_files() -> None:
    """Remove every temporary file this process is writing (a worker told to stop leaves at
    once, from its signal handler, and must leave no part file behind)."""
    for tmp in list(_temporary):
        _remove(tmp)


def _remove(tmp, folders=()) -> None:
    """Remove a temporary file, and the folders made for it (innermost first) while empty."""
    with contextlib.suppress(OSError):
        os.unlink(tmp)
    for folder in folders:
        with contextlib.suppress(OSError):
            folder.rmdir()  # (fails, harmlessly, once another file is in it)
