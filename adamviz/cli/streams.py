"""Standard output for scripts: ``-o -`` and ``--export -`` write there (``/dev/stdout`` too),
``--json`` prints one document there, and at most one of them may own it. Whatever is not
the asked-for data (what was written, progress, the table when stdout is taken) goes to stderr.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import click

from ..core.errors import InputError

STDOUT_NAMES = ("-", "/dev/stdout")


def is_stdout(path) -> bool:
    return path is not None and str(path) in STDOUT_NAMES


def json_option(func):
    return click.option("--json", "as_json", is_flag=True,
                        help="Print one JSON document (schema in the README) instead of the "
                             "table.")(func)


def one_owner(**claims) -> str | None:
    """The flag that writes to stdout; two that both would are refused."""
    owners = [flag for flag, claims_it in claims.items() if claims_it]
    if len(owners) > 1:
        raise InputError(f"{owners[0]} and {owners[1]} both write to standard output; send "
                         f"one of them to a file.")
    return owners[0] if owners else None


def picture_format(out, fmt: str | None, formats) -> str | None:
    """The format of ``-o``: for stdout ``--format`` (default png); for a file its suffix, which
    a given ``--format`` must match."""
    if fmt is not None and fmt not in formats:
        raise InputError(f"Unknown --format {fmt!r}; use {', '.join(formats)}.")
    if is_stdout(out):
        return fmt or "png"
    if fmt is not None:
        if out is None:
            raise InputError("--format names the format of -o - (standard output); for a "
                             "file, its suffix picks the format.")
        suffix = Path(out).suffix.lower().lstrip(".")
        if suffix != fmt:
            raise InputError(f"--format {fmt} and -o {out!r} disagree; the suffix picks a "
                             f"file's format.")
    return None


@contextlib.contextmanager
def destination(out, fmt: str | None) -> Iterator[Path]:
    """A path to write to: ``out`` itself, or for stdout a temporary file whose bytes are copied
    to stdout once it is complete (so a failure writes nothing there)."""
    if not is_stdout(out):
        yield Path(out)
        return
    with tempfile.TemporaryDirectory(prefix="adamviz-") as folder:
        path = Path(folder) / f"stdout.{fmt}"
        yield path
        if path.exists():
            with path.open("rb") as handle:
                shutil.copyfileobj(handle, click.get_binary_stream("stdout"))
            sys.stdout.flush()


def check_target(out, fmt: str | None) -> Path:
    """The path whose checks stand for ``out`` before any work (a file in the temporary folder
    for stdout)."""
    return Path(tempfile.gettempdir()) / f"adamviz-stdout.{fmt}" if is_stdout(out) else \
        Path(out)


def status(line: str) -> None:
    """What was done (written, recorded): for the user, on stderr, never mixed with data."""
    click.echo(line, err=True)
