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


def export_format_of(path, fmt: str | None) -> str:
    """The format of an export to stdout: ``--export-format`` (default csv); for a file its
    suffix decides, so the flag is refused there."""
    if fmt is not None and not is_stdout(path):
        raise InputError("--export-format names the format of --export - (standard output); "
                         "for a file, its suffix (.csv, .json) picks the format.")
    return fmt or "csv"


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
            sys.stdout.flush()
            with path.open("rb") as handle:
                shutil.copyfileobj(handle, sys.stdout.buffer)
            sys.stdout.buffer.flush()


def check_target(out, fmt: str | None) -> Path:
    """The path whose checks stand for ``out`` before any work (a file in the temporary folder
    for stdout)."""
    return Path(tempfile.gettempdir()) / f"adamviz-stdout.{fmt}" if is_stdout(out) else \
        Path(out)


def status(line: str) -> None:
    """What was done (written, recorded): for the user, on stderr, never mixed with data."""
    click.echo(line, err=True)


def outputs_options(export_help: str, formats=("png", "svg", "pdf")):
    """-o's --format, --export (a file or -) with --export-format, and --json: the outputs of a
    command that draws one picture and has rows to export."""
    def decorate(func):
        for option in reversed((
            click.option("--format", "fmt", type=click.Choice(formats),
                         help="The picture's format when -o is - (standard output; default "
                              "png)."),
            click.option("--export", "export_path",
                         type=click.Path(dir_okay=False, allow_dash=True),
                         help=export_help + " (- for standard output)."),
            click.option("--export-format", type=click.Choice(["csv", "json"]),
                         help="The export's format when --export is - (default csv)."),
            json_option,
        )):
            func = option(func)
        return func
    return decorate


class Outputs:
    """Where a command's picture, export and report go, checked before any work."""

    def __init__(self, out, fmt, export_path, export_format, as_json, formats):
        self.owner = one_owner(**{"-o -": is_stdout(out), "--export -": is_stdout(export_path),
                                  "--json": as_json})
        self.out, self.export_path, self.as_json = out, export_path, as_json
        self.fmt = picture_format(out, fmt, formats)
        self.export_format = export_format_of(export_path, export_format)
        self.written: list[str] = []

    def check(self, default_out) -> None:
        """The picture's path (``default_out`` unless -o gave one), before any work."""
        from .. import api

        self.out = self.out or default_out
        api.check_output(check_target(self.out, self.fmt), animations=False)

    def check_export(self) -> None:
        from .. import api

        if self.export_path is not None and not is_stdout(self.export_path):
            api.check_export(self.export_path)

    def draw(self, save) -> None:
        """``save(path, fmt)`` draws the picture to a path."""
        with destination(self.out, self.fmt) as path:
            save(path, self.fmt)
        self.written.append(f"standard output ({self.fmt})" if is_stdout(self.out)
                            else str(self.out))

    def export(self, rows, plain: bool = False) -> None:
        """The summary rows (``plain``: rows of plain values, as dicts) as CSV or JSON, to the
        export's file or to stdout."""
        if self.export_path is None:
            return
        from ..core.io import write_text_atomic
        from ..exports import check_format, rows_csv, rows_json, summary_csv, summary_json

        fmt = self.export_format if is_stdout(self.export_path) else \
            check_format(self.export_path).lstrip(".")
        as_json, as_csv = (rows_json, rows_csv) if plain else (summary_json, summary_csv)
        text = as_json(rows) if fmt == "json" else as_csv(rows)
        if is_stdout(self.export_path):
            click.echo(text, nl=False)
        else:
            write_text_atomic(self.export_path, text)
            self.written.append(str(self.export_path))

    def report(self, table: str, document, quiet: bool, recorded: str = "") -> None:
        """The table on stdout (on stderr when stdout carries data), or the JSON document
        (``document(files)``); what was written and ``recorded`` on stderr."""
        if self.as_json:
            from .. import json_output

            click.echo(json_output.dumps(document(self.written)), nl=False)
        elif not quiet:
            click.echo(table, err=self.owner is not None)
        done = ([f"wrote {' and '.join(self.written)}"] if self.written else []) + \
            ([recorded] if recorded else [])
        if done and not quiet:
            status("; ".join(done))
