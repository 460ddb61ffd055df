"""``adamviz results``: ask a results database what it holds, the way sqlite-utils queries one
from the shell."""

from __future__ import annotations

import click

from ..core.errors import InputError
from .commands import OnceCommand
from .group import cli
from .options import library_errors, out_option, pick_format
from .streams import is_stdout

FORMATS = {".csv": "csv", ".tsv": "tsv", ".json": "json", ".jsonl": "nl", ".ndjson": "nl",
           ".md": "markdown", ".txt": "text"}


class _ColumnsHelp(OnceCommand):
    """Its help ends with the columns a query can name, read from the database's schema (only
    when help is asked for, so that the command line starts fast)."""

    def format_help_text(self, ctx, formatter):
        super().format_help_text(ctx, formatter)
        from ..queries import columns_help

        with formatter.section("Columns"):
            formatter.write_text(columns_help())


def _columns(text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [c.strip() for c in text.split(",") if c.strip()]
    if not names:
        raise InputError(f"No column named in {text!r}; e.g. optimizer,surface.")
    return names


@cli.command(cls=_ColumnsHelp)
@click.argument("db", type=click.Path(dir_okay=False))
@click.option("--where", metavar="CONDITION",
              help="Only the runs that match, e.g. \"optimizer = 'adam' and final_loss < 0.01\" "
                   "(=, !=, <, <=, >, >=, in (...), like, between, is null, and, or, not).")
@click.option("--by", metavar="COLUMNS",
              help="Group the runs by these columns, and by the command and name of their "
                   "experiment unless named (runs, sweeps, basins and each batch experiment "
                   "apart): per group the runs, the shares reaching the global or a local "
                   "minimum or diverging, the median steps and loss; an experiment's groups "
                   "reaching the global minimum most often first.")
@click.option("--runs", "list_runs", is_flag=True, help="List the runs (the default with "
                                                         "--where or --columns).")
@click.option("--columns", metavar="COLUMNS", help="The run columns to list, e.g. "
                                                    "label,final_loss,steps.")
@click.option("--history", is_flag=True,
              help="Count every record; by default only the latest of each config counts.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many rows.")
@click.option("--csv", "fmt", flag_value="csv", help="CSV with exact numbers.")
@click.option("--tsv", "fmt", flag_value="tsv", help="Tab-separated, exact numbers.")
@click.option("--json", "fmt", flag_value="json", help="JSON with exact numbers.")
@click.option("--nl", "fmt", flag_value="nl",
              help="Newline-delimited JSON: one object a line, exact numbers.")
@click.option("--markdown", "fmt", flag_value="markdown", help="A Markdown table.")
@click.option("--no-headers", is_flag=True,
              help="No header line (text, --csv, --tsv): rows only, for scripts.")
@out_option(help="Write to this file instead; its suffix (.csv, .tsv, .json, .jsonl, .md, "
                 ".txt) picks the format (- for standard output).")
@library_errors
def results(db, where, by, list_runs, columns, history, limit, fmt, no_headers, out):
    """List the experiments in a results database (written by --db on batch, run, sweep and
    basins), or its runs filtered and grouped.

    \b
    Example:
      adamviz results outputs/results.db
      adamviz results outputs/results.db --where "surface = 'hump'" --by optimizer
      adamviz results outputs/results.db --where "optimizer = 'adam' and lr >= 0.1" --csv
      adamviz results outputs/results.db --by optimizer,surface -o by-optimizer.md
      adamviz results outputs/results.db --columns label,final_loss --tsv --no-headers
      adamviz results outputs/results.db --runs --nl | jq -c 'select(.steps > 100)'
    """
    from .. import queries
    from ..core.io import check_writable, write_text_atomic
    from ..database import Database

    fmt = pick_format(fmt, out, FORMATS, "text")
    if by is not None and (columns is not None or list_runs):
        raise InputError("--by lists groups; --columns and --runs list runs: use one or the "
                         "other.")
    to_file = out is not None and not is_stdout(out)
    with Database(db, create=False) as store:  # first: the database is an input
        if to_file:
            check_writable(out)
        if by is not None:
            table = queries.groups(store, _columns(by), where, history, limit)
        elif where is not None or columns is not None or list_runs:
            table = queries.runs(store, where, _columns(columns), history, limit)
        else:
            if history:
                raise InputError("--history applies to runs (--runs, --where, --by); the "
                                 "experiments list shows every record already.")
            table = queries.experiments(store, limit)
    if no_headers and fmt not in ("text", "csv", "tsv"):
        raise InputError(f"--no-headers drops a table's header line (text, --csv, --tsv); "
                         f"{fmt} carries the names in every row or needs them.")
    text = table.formatted(fmt, headers=not no_headers)
    if not to_file:
        click.echo(text, nl=False)
    else:
        write_text_atomic(out, text)
