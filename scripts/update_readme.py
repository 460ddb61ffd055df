"""Write the READMEs' generated tables from the registries they describe.

    python scripts/update_readme.py          # rewrite the tables in README.md (and the data
                                             # sets' surfaces/data/README.md)
    python scripts/update_readme.py --check  # exit 1 if any is out of date (the tests run this)

Each table stands between ``<!-- table:NAME -->`` and ``<!-- /table:NAME -->``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
DATA_README = README.parent / "surfaces" / "data" / "README.md"


def results_example() -> str:
    """The README's answer to "which optimizer reaches the global minimum of the hump most
    often?", from a fresh database of examples/compare.toml."""
    import tempfile

    from adamviz import api, queries
    from adamviz.database import Database

    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "results.db"
        api.batch(README.parent / "examples" / "compare.toml", Path(folder) / "out", db=db)
        with Database(db, create=False) as store:
            table = queries.groups(store, ["optimizer"], "surface = 'hump'")
    return ("```console\n$ adamviz batch examples/compare.toml --db outputs/results.db -q\n"
            "$ adamviz results outputs/results.db --where \"surface = 'hump'\" --by optimizer\n"
            + table.text() + "\n```")


def tables() -> dict[str, str]:
    from adamviz import arrows, database_schema, json_output, outputs, plane_kinds, results
    from adamviz.core import grammar, limits
    from adamviz.optimizers import registry
    from adamviz.render import looks, views
    from adamviz.studies import criteria, recipes

    return {"views": views.markdown_table(), "optimizers": registry.markdown_table(),
            "outputs": outputs.markdown_table(), "criteria": criteria.markdown_table(),
            "summary": results.summary_markdown_table(), "styles": looks.markdown_table(),
            "overlays": arrows.markdown_table(), "recipe-keys": recipes.markdown_table(),
            "figures": recipes.readme_section(), "database": database_schema.markdown_table(),
            "json": json_output.markdown_table(), "limits": limits.markdown_table(),
            "hyperparameters": registry.hyperparameter_table(),
            "functions": grammar.markdown_table(), "planes": plane_kinds.markdown_table(),
            "results-example": results_example()}


def data_tables() -> dict[str, str]:
    from adamviz import datasets

    return {"datasets": datasets.markdown_table()}


def updated(text: str, made: dict[str, str] | None = None) -> str:
    for name, table in (tables() if made is None else made).items():
        pattern = re.compile(rf"(<!-- table:{name} -->\n)(?:.*?\n)?(<!-- /table:{name} -->)",
                             re.S)
        if not pattern.search(text):
            raise SystemExit(f"a README has no <!-- table:{name} --> block")
        # blank lines around the table: a comment line is an HTML block until a blank line
        text = pattern.sub(lambda m, t=table: m.group(1) + "\n" + t + "\n\n" + m.group(2),
                           text)
    return text


def main(argv) -> int:
    stale = []
    for path, make in ((README, tables), (DATA_README, data_tables)):
        text = path.read_text(encoding="utf-8")
        new = updated(text, make())
        if new != text and "--check" not in argv:
            path.write_text(new, encoding="utf-8")
        elif new != text:
            stale.append(path.relative_to(README.parent).as_posix())
    for name in stale:
        print(f"{name} tables are out of date: run python scripts/update_readme.py")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
