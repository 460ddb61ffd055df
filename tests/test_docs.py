"""The README's generated tables match the registries, and every command is documented."""

import importlib.util
import shlex
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
        "job.png", "results.db", "slide.png", "talk.gif", "talk.png"]


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


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readmes_pictures_are_kept_where_no_command_writes_by_default():
    """Every picture the README shows is a file of outputs/readme/ (and in git, in a checkout),
    so trying the README's commands in the repository (which write to outputs/ by default)
    rewrites no kept file; nothing else under outputs/ is kept."""
    import re
    import subprocess

    links = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", (REPO / "README.md").read_text())
    assert links and [link for link in links if not link.startswith("outputs/readme/")] == []
    assert [link for link in links if not (REPO / link).is_file()] == []
    if (REPO / ".git").exists():  # (an unpacked sdist has no git)
        kept = subprocess.run(["git", "ls-files", "outputs"], cwd=REPO, capture_output=True,
                              text=True, check=True).stdout.split()
        assert set(links) <= set(kept)
        assert [path for path in kept if not path.startswith("outputs/readme/")] == []


def test_one_table_makes_every_readme_picture_by_the_readmes_own_command():
    pictures = _script("make_readme_pictures")
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert pictures.check(text) == [], "python scripts/make_readme_pictures.py --check"
    moved = text.replace("(outputs/readme/hump-views.png)", "(outputs/hump-views.png)")
    assert pictures.check(moved) == [
        "README.md shows outputs/hump-views.png, which no entry of PICTURES makes",
        "PICTURES makes outputs/readme/hump-views.png, which README.md does not show"]
    for name in ["hump-adam.png", "hump-sgd-momentum-adam.png", "rosenbrock-clip.png",
                 "hump-cosine.png", "hump-basins.png"]:  # the command shown beside each
        assert "adamviz " + shlex.join(pictures.PICTURES[name]) in text, name
    assert "adamviz " + shlex.join(pictures.PLAYER) in text
    assert "adamviz.save_plot(" in pictures.python_block("hump-signsgd-adam.png")


def test_a_readme_picture_is_made_in_outputs_readme_and_nowhere_else(tmp_path):
    _script("make_readme_pictures").make(["hump-adam.png"], root=tmp_path)
    made = [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()]
    assert made == ["outputs/readme/hump-adam.png"]
