"""The command line for scripts: --json documents, standard output for pictures and exports,
status lines on stderr, and completion of names."""

import csv
import io
import json
import os

import pytest
from click.testing import CliRunner

from adamviz import api, json_output
from adamviz.cli import cli

RUN = ["run", "-s", "hump", "--opt", "sgd", "--opt", "adam:lr=0.3", "--start", "-2,1",
       "--steps", "60"]


def invoke(args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return result


def test_run_json_is_one_versioned_document_with_exact_numbers(tmp_path, monkeypatch):
    result = invoke([*RUN, "--no-plot", "--json"], tmp_path, monkeypatch)
    doc = json.loads(result.stdout)
    assert {k: doc[k] for k in ("schema", "kind")} == {"schema": json_output.SCHEMA_VERSION,
                                                        "kind": "run"}
    runs = api.run("hump", ["sgd", "adam:lr=0.3"], [(-2, 1)], steps=60).runs
    for row, run in zip(doc["runs"], runs, strict=True):
        assert (row["end_x"], row["end_y"]) == tuple(float(v) for v in run.end)
        assert row["final_loss"] == run.final_loss and row["lr"] == run.hyperparams["lr"]
    assert doc["surface"]["minima"][0]["kind"] in ("global", "local")
    assert result.stderr == ""  # nothing written, nothing to say


@pytest.mark.parametrize("command, kind, key", [
    (["surfaces"], "surfaces", "surfaces"), (["optimizers"], "optimizers", "optimizers"),
    (["basins", "--grid", "8", "--steps", "50", "-o", "b.png"], "basins", "optimizers"),
    (["sweep", "--param", "lr=0.01,0.1", "--steps", "30", "-o", "s.png"], "sweep", "runs"),
])
def test_every_listing_and_study_has_a_json_document(tmp_path, monkeypatch, command, kind, key):
    doc = json.loads(invoke([*command, "--json"], tmp_path, monkeypatch).stdout)
    assert doc["kind"] == kind and doc["schema"] == json_output.SCHEMA_VERSION and doc[key]
    assert kind in json_output.KINDS


def test_the_json_schema_is_in_the_readme():
    from conftest import REPO

    assert json_output.markdown_table() in (REPO / "README.md").read_text()


@pytest.mark.parametrize("fmt, magic", [("png", b"\x89PNG"), ("svg", b"<?xml"),
                                        ("pdf", b"%PDF"), ("gif", b"GIF89a")])
def test_a_picture_goes_to_stdout(tmp_path, monkeypatch, fmt, magic):
    extra = ["--frames", "5"] if fmt == "gif" else []
    result = invoke([*RUN, "-o", "-", "--format", fmt, *extra], tmp_path, monkeypatch)
    assert result.stdout_bytes.startswith(magic)
    assert "wrote standard output" in result.stderr and "adam (lr=0.3)" in result.stderr
    assert os.listdir(tmp_path) == []  # nothing left behind


def test_exports_go_to_stdout_as_they_would_to_a_file(tmp_path, monkeypatch):
    invoke([*RUN, "--no-plot", "--export", "runs.csv"], tmp_path, monkeypatch)
    piped = invoke([*RUN, "--no-plot", "--export", "-"], tmp_path, monkeypatch)
    assert piped.stdout == (tmp_path / "runs.csv").read_text()
    assert "#  label" in piped.stderr  # the table moved out of the way
    as_json = invoke([*RUN, "--no-plot", "--export", "/dev/stdout", "--export-format", "json"],
                     tmp_path, monkeypatch)
    assert len(json.loads(as_json.stdout)["runs"]) == 2
    sweep = invoke(["sweep", "--param", "lr=0.01,0.1", "--steps", "30", "-o", "s.png",
                    "--export", "-"], tmp_path, monkeypatch)
    assert [r["experiment"] for r in csv.DictReader(io.StringIO(sweep.stdout))] == \
        ["lr=0.01", "lr=0.1"]


@pytest.mark.parametrize("args, message", [
    (["-o", "-", "--json"], "-o - and --json both write to standard output"),
    (["-o", "-", "--export", "-"], "-o - and --export - both write"),
    (["-o", "a.png", "--format", "svg"], "--format svg and -o 'a.png' disagree"),
    (["--format", "svg"], "--format names the format of -o -"),
    (["--export", "a.csv", "--export-format", "json", "--no-plot"],
     "--export-format names the format of --export -"),
])
def test_stdout_conflicts_are_refused_in_one_line(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, [*RUN, *args])
    assert result.exit_code == 2 and message in result.stderr
    assert os.listdir(tmp_path) == []


def test_status_lines_go_to_stderr_and_the_table_to_stdout(tmp_path, monkeypatch):
    result = invoke([*RUN, "-o", "a.png"], tmp_path, monkeypatch)
    assert result.stdout.startswith("#  label") and "wrote" not in result.stdout
    assert result.stderr == "wrote a.png\n"


def test_names_complete_from_the_registries():
    from adamviz.cli import completion

    def values(items):
        return [i.value for i in items]

    assert values(completion.surfaces(type("C", (), {"params": {}})(), None, "hi")) == \
        ["himmelblau"]
    assert values(completion.optimizers(None, None, "rms")) == ["rmsprop"]
    assert "adam:lr=0.1,beta2=" in values(completion.optimizers(None, None, "adam:lr=0.1,be"))
    assert values(completion.views(None, None, "contour,lo")) == ["contour,loss"]
    assert "fig1-local-minimum" in values(completion.recipes(None, None, "fig1"))


def test_the_shell_gets_completions(tmp_path, monkeypatch):
    monkeypatch.setenv("_ADAMVIZ_COMPLETE", "bash_complete")
    monkeypatch.setenv("COMP_WORDS", "adamviz run --opt nad")
    monkeypatch.setenv("COMP_CWORD", "3")
    result = CliRunner().invoke(cli, [], prog_name="adamviz")
    assert "plain,nadam" in result.stdout


def test_bash_completes_hyperparameters_after_the_colon(tmp_path):
    """In a real bash, whose COMP_WORDBREAKS splits `adam:lr=0.1,be` into adam : lr = 0.1,be:
    the script joins the words back, and hands bash what follows the last ':' or '='."""
    import os
    import shutil
    import subprocess
    import sys

    bash = shutil.which("bash")
    assert bash, "bash is needed"
    script = tmp_path / "complete.sh"
    script.write_text(
        'source <(_ADAMVIZ_COMPLETE=bash_source adamviz)\n'
        'ask() { COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=();'
        ' _adamviz_completion adamviz; printf "%s|" "${COMPREPLY[@]}"; echo; }\n'
        'ask adamviz run --opt adam : ""\n'
        'ask adamviz run --opt adam : lr = 0.1,be\n'
        'ask adamviz run --opt nad\n')
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep
           + os.environ.get("PATH", "")}
    env.pop("_ADAMVIZ_COMPLETE", None)
    done = subprocess.run([bash, str(script)], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    after_colon, after_equals, name = done.stdout.splitlines()
    assert after_colon.startswith("lr=|beta1=|beta2=|")
    assert after_equals == "0.1,beta1=|0.1,beta2=|"
    assert name == "nadam|"
