"""The README's generated tables match the registries, and every command is documented."""

import importlib.util
import shutil

import pytest
from click.testing import CliRunner

from adamviz.cli import cli
from conftest import REPO


def test_readme_tables_come_from_the_registries():
    spec = importlib.util.spec_from_file_location("update_readme",
                                                  REPO / "scripts" / "update_readme.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert module.updated(text) == text, "run: python scripts/update_readme.py"


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_with_an_example_and_is_in_the_readme(name):
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0 and "Example:" in result.output
    assert f"### `adamviz {name}`" in (REPO / "README.md").read_text(encoding="utf-8")


def test_help_lists_the_registries():
    from adamviz.render.views import VIEWS
    from adamviz.studies.criteria import CRITERIA

    text = " ".join(CliRunner().invoke(cli, ["run", "--help"], terminal_width=400).output.split())
    for view in VIEWS:
        assert view in text.split("fills --size best):")[1].split(".")[0], view
    for criterion in CRITERIA:
        assert criterion in text


def test_readme_python_section_runs(tmp_path, monkeypatch):
    """The README's Python examples run as written (in a fresh folder with an outputs/)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = [part.split("```", 1)[0] for part in text.split("```python\n")[1:]]
    assert blocks and "adamviz.run(" in blocks[0]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "outputs").mkdir()
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    for block in blocks:  # every Python block of the README, in order, as written
        exec(compile(block, "README.md", "exec"), {})
    assert sorted(p.name for p in (tmp_path / "outputs").iterdir()) == [
        "axes.png", "batch", "hump-signsgd-adam.png", "hump.gif", "hump.json", "hump.png",
        "results.db", "slide.png"]


def _jq_lines() -> list[str]:
    return [line.split("#")[0].strip() for line in (REPO / "README.md").read_text().splitlines()
            if "| jq " in line and line.startswith("adamviz ")]


def test_the_readmes_jq_programs_run_on_jq_1_6(tmp_path):
    """jq 1.6 (Debian's, Ubuntu 22.04's) reads `label` as a keyword, so `{label}` does not
    parse there: the README spells such keys out. With jq installed, each line runs."""
    import re
    import subprocess

    lines = _jq_lines()
    assert lines
    for line in lines:
        program = line.split("| jq ", 1)[1]
        assert not re.search(r"[{,]\s*label\s*[,}]", program), line
    if shutil.which("jq") is None:
        return  # (the spelling is checked above; running needs jq)
    for line in lines:
        done = subprocess.run(["bash", "-o", "pipefail", "-c", line], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0 and done.stdout.strip(), (line, done.stderr)


def test_the_readmes_make_optimizer_example_runs_on_columns_as_the_engine_does():
    """The README's optimizer arrays are (D, N), a column per run, as the engine passes them:
    its example, run as written, lands where `run` does from the same starts."""
    import numpy as np

    import adamviz

    text = (REPO / "README.md").read_text(encoding="utf-8")
    (block,) = [part.split("```", 1)[0] for part in text.split("```python\n")[1:]
                if "make_optimizer(" in part.split("```", 1)[0]]
    found: dict = {}
    exec(compile(block, "README.md", "exec"), found)
    params, starts, steps = found["params"], found["starts"], found["steps"]
    assert params.shape == (2, len(starts)) and len(starts) > 2  # D != N: the shape says which
    result = adamviz.run("hump", ["adam:lr=0.3"], starts=starts, steps=steps, tol=None)
    np.testing.assert_allclose(params, np.array([run.points[-1] for run in result.runs]).T,
                               rtol=1e-12)
