"""The command line, driven with CliRunner: happy paths, every bad input, atomic outputs."""

import csv
import io
import json
import os
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from adamviz.cli import cli
from conftest import REPO


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def invoke(runner, *args, ok=True):
    result = runner.invoke(cli, list(args), catch_exceptions=not ok)
    if ok:
        assert result.exit_code == 0, result.output + result.stderr
    return result


def test_main_job_writes_the_default_picture(runner, tmp_path):
    result = invoke(runner, "run", "--surface", "hump", "--opt", "adam")
    assert (tmp_path / "outputs" / "hump-adam.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "wrote outputs/hump-adam.png" in result.stderr  # not mixed with the table
    header, row = result.stdout.splitlines()[:2]
    for column in ("label", "start", "end", "final loss", "steps", "status", "nearest minimum"):
        assert column in header
    assert row.split()[:3] == ["1", "adam", "(lr=0.3)"]
    assert "converged" in row and "global (1.047, 0)" in row


def test_runs_are_numbered_optimizer_major(runner):
    result = invoke(runner, "run", "-s", "hump", "--opt", "sgd", "--opt", "adam",
                    "--start", "-2,1", "--start", "-1.5,1", "--no-plot")
    rows = result.stdout.splitlines()[1:5]
    assert [r.split()[0] for r in rows] == ["1", "2", "3", "4"]
    assert "sgd" in rows[0] and "(-2, 1)" in rows[0] and "(-1.5, 1)" in rows[1]
    assert "adam" in rows[2]


@pytest.mark.parametrize("suffix,magic", [(".svg", b"<?xml"), (".pdf", b"%PDF"),
                                          (".png", b"\x89PNG")])
def test_suffix_picks_the_format(runner, tmp_path, suffix, magic):
    invoke(runner, "run", "-s", "booth", "--opt", "adam", "-o", f"pic{suffix}", "-q")
    assert (tmp_path / f"pic{suffix}").read_bytes().startswith(magic)


def test_csv_export(runner, tmp_path):
    invoke(runner, "run", "-s", "hump", "--opt", "sgd", "--opt", "adam:lr=0.05,beta1=0.8",
           "--steps", "5", "--export", "runs.csv", "--no-plot", "-q")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "runs.csv").read_text())))
    assert list(rows[0]) == ["run", "optimizer", "label", "step", "x", "y", "loss"]
    assert len(rows) == 12  # two runs, steps 0..5
    assert rows[0]["step"] == "0" and float(rows[0]["x"]) == -2.0 and float(rows[0]["y"]) == 1.0
    assert rows[6]["label"] == "adam (lr=0.05, beta1=0.8)"


def test_json_export(runner, tmp_path):
    invoke(runner, "run", "-s", "hump", "--opt", "momentum", "--steps", "20",
           "--export", "runs.json", "--no-plot", "-q")
    data = json.loads((tmp_path / "runs.json").read_text())
    assert data["surface"]["name"] == "hump"
    assert data["surface"]["expression"] == "(x**2 - 1)**2 - 0.4*x + y**2"
    assert data["surface"]["box"] == {"x": [-2.5, 2.5], "y": [-1.5, 1.5]}
    assert {m["kind"] for m in data["surface"]["minima"]} == {"global", "local"}
    run = data["runs"][0]
    assert run["hyperparameters"] == {"lr": 0.01, "momentum": 0.9, "dampening": 0.0,
                                      "weight_decay": 0.0, "maximize": False}
    assert run["start"] == [-2.0, 1.0] and len(run["points"]) == 21 == len(run["losses"])
    assert run["status"] == "max steps"


def test_diverging_run_is_reported_not_an_error(runner, tmp_path):
    result = invoke(runner, "run", "-s", "bowl", "--opt", "sgd:lr=1", "-o", "d.png")
    assert "diverged" in result.stdout
    assert (tmp_path / "d.png").exists()


def test_quiet_prints_nothing(runner):
    assert invoke(runner, "run", "--opt", "adam", "--no-plot", "-q").stdout == ""


DRAWING_COMMANDS = {  # every command that draws a picture unless told not to
    "run": ["run", "-s", "hump", "--opt", "adam", "--steps", "20"],
    "sweep": ["sweep", "-s", "hump", "--opt", "adam", "--param", "lr=0.01,0.1", "--steps", "20"],
    "basins": ["basins", "-s", "hump", "--opt", "sgd", "--grid", "4", "--steps", "20"],
}


@pytest.mark.parametrize("command", list(DRAWING_COMMANDS))
def test_no_plot_records_and_exports_without_drawing(runner, tmp_path, command):
    """A script records to --db or exports without drawing: no picture is written (not even
    the default one), and asking for one too is a contradiction, refused in one line."""
    args = DRAWING_COMMANDS[command]
    done = invoke(runner, *args, "--no-plot", "--db", "r.db", "--export", "rows.csv")
    assert not [p for p in tmp_path.rglob("*") if p.suffix in (".png", ".svg", ".pdf")]
    assert len((tmp_path / "rows.csv").read_text().splitlines()) > 1
    assert "recorded" in done.stderr and "wrote rows.csv" in done.stderr
    assert invoke(runner, "results", "r.db", "--json").stdout.count('"command"') == 1
    for extra in (["-o", "x.png"], ["--dpi", "50"]):
        refused = runner.invoke(cli, [*args, "--no-plot", *extra])
        assert refused.exit_code == 2, refused.output
        assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
        assert "--no-plot" in refused.stderr
    assert not (tmp_path / "x.png").exists()


ERROR_CASES = [
    (["run", "--surface", "humpp"], "Unknown surface 'humpp'; did you mean 'hump'?"),
    (["run", "--opt", "adma"], "Unknown optimizer 'adma'; did you mean 'adam'?"),
    (["run", "--opt", "adam:bta1=0.9"], "Unknown hyperparameter 'bta1' for adam"),
    (["run", "--opt", "adam:lr=-1"], "Invalid learning rate: -1.0 (must be > 0)"),
    (["run", "--opt", "adam:beta1=1"], "Invalid beta1 value: 1.0 (must be in [0, 1))"),
    (["run", "--opt", "adam:eps=0"], "Invalid epsilon value: 0.0 (must be > 0)"),
    (["run", "--opt", "adam:lr=fast"], "'fast' is not a number"),
    (["run", "--opt", "adam:lr"], "'lr' is not key=value"),
    (["run", "--opt", "adam:"], "nothing after ':'"),
    (["run", "--lr", "0"], "Invalid learning rate: 0.0"),
    (["run", "--lr", "abc"], "'abc' is not a valid float"),
    (["run", "--steps", "0"], "Invalid steps: 0 (must be a whole number >= 1)"),
    (["run", "--start", "1"], "Bad point '1': expected X,Y"),
    (["run", "--start", "a,b"], "Bad point 'a,b': 'a' is not a number"),
    (["run", "-o", "pic.gif2"], "Unknown output format '.gif2'"),
    (["run", "-o", "noext"], "Unknown output format '(no suffix)'"),
    (["run", "--export", "runs.xlsx"], "Unknown export format"),
    (["run", "--noise", "-1"], "Invalid noise: -1.0"),
    (["run", "--patience", "0"], "Invalid patience: 0"),
    (["run", "--frobnicate"], "No such option"),
    (["run", "-o", "x.png", "--no-plot"], "--out and --no-plot contradict"),
    (["run", "--surfaces-dir", "nowhere"], "does not exist"),
    (["frobnicate"], "No such command 'frobnicate'"),
]


@pytest.mark.parametrize("args,message", ERROR_CASES, ids=[" ".join(a) for a, _ in ERROR_CASES])
def test_bad_input_is_one_line_on_stderr_with_exit_code_2(runner, args, message):
    result = runner.invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert message in lines[0]
    assert "Traceback" not in result.stderr


def test_malformed_surface_file(runner, tmp_path):
    (tmp_path / "bad.toml").write_text('name = "bad"\nexpr = "x.__class__"\nxlim=[0,1]\n')
    result = runner.invoke(cli, ["run", "-s", "bad.toml"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: bad.toml: expr: attribute access is not allowed")
    (tmp_path / "broken.toml").write_text('name = "broken"\nexpr = \n')
    result = runner.invoke(cli, ["run", "-s", "broken.toml"])
    assert result.exit_code == 2 and "not valid TOML" in result.stderr
    assert "line 2" in result.stderr


@pytest.mark.parametrize("target,message", [
    ("/proc/p.png", "is not writable"),  # exists, but no one (not even root) can write there
    ("/proc/adamviz-no-such/p.png", "Cannot create output folder"),
])
def test_unwritable_output_folder(runner, target, message):
    if not os.path.isdir("/proc"):
        pytest.skip("needs Linux /proc")
    result = runner.invoke(cli, ["run", "-o", target])
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.splitlines()) == 1


def test_output_under_a_file_is_refused(runner, tmp_path):
    (tmp_path / "afile").write_text("x")
    result = runner.invoke(cli, ["run", "-o", "afile/p.png"])
    assert result.exit_code == 2 and "afile" in result.stderr


def test_failed_write_keeps_the_old_file_and_leaves_no_partial(runner, tmp_path, monkeypatch):
    good = tmp_path / "keep.png"
    good.write_bytes(b"the good picture")

    def explode(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("matplotlib.figure.Figure.savefig", explode)
    result = runner.invoke(cli, ["run", "-o", "keep.png"])
    assert result.exit_code == 130
    assert good.read_bytes() == b"the good picture"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.png"]


COMMANDS = sorted(cli.commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example_and_is_in_the_readme(name):
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.stdout
    assert f"adamviz {name}" in (REPO / "README.md").read_text()


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and re.match(r"adamviz, version \d+\.\d+", result.stdout)


def test_surfaces_and_optimizers_listings():
    out = CliRunner().invoke(cli, ["surfaces"]).stdout
    assert "hump: a hump hides a local minimum" in out
    assert "minima: global at (1.047, 0); local at (-0.9456, 0)" in out
    out = CliRunner().invoke(cli, ["optimizers"]).stdout
    assert "adam: m = β₁·m + (1−β₁)·g" in out
    assert "defaults: lr=0.001, beta1=0.9, beta2=0.999, eps=1e-08" in out


def test_help_does_not_import_the_heavy_libraries():
    code = ("import sys; from adamviz.cli import cli\n"
            "try: cli(['--help'], prog_name='adamviz')\n"
            "except SystemExit: pass\n"
            "print(sorted(m for m in ('matplotlib', 'sympy', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_a_still_imports_only_what_it_uses(tmp_path):
    """``run -o r.png`` (a still's start-up is mostly imports, #24) loads no database, no
    study it does not run and no loss over data; with --db the database is loaded."""
    unused = ("sqlite3", "adamviz.database", "adamviz.studies.basins", "adamviz.studies.sweep",
              "adamviz.studies.trace", "adamviz.studies.tuning", "adamviz.data_losses",
              "adamviz.datasets", "csv")
    code = ("import sys; from adamviz.cli import cli\n"
            "try: cli(sys.argv[1:], prog_name='adamviz')\n"
            "except SystemExit: pass\n"
            f"print(sorted(m for m in {unused!r} if m in sys.modules))")
    still = ["run", "-s", "hump", "--opt", "sgd", "--opt", "adam", "-q", "-o", "r.png"]
    for extra, loaded in (([], "[]"), (["--db", "r.db"], "['adamviz.database', 'sqlite3']")):
        out = subprocess.run([sys.executable, "-c", code, *still, *extra], capture_output=True,
                             text=True, check=True, cwd=tmp_path)
        assert out.stdout.strip().splitlines()[-1] == loaded, out.stderr
    assert (tmp_path / "r.png").is_file() and (tmp_path / "r.db").is_file()


def test_python_dash_m_works():
    out = subprocess.run([sys.executable, "-m", "adamviz", "--version"], capture_output=True,
                         text=True, check=True)
    assert "adamviz, version" in out.stdout
