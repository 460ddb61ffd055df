"""Studies: basins, sweeps, fair tuning and batch files (outputs drawn by ``outputs.py``)."""

import csv
import io
import tracemalloc

import numpy as np
import pytest
from click.testing import CliRunner

from adamviz import api, batch_runs, outputs
from adamviz.cli import cli
from adamviz.core import limits
from adamviz.core.errors import InputError
from adamviz.studies import basins as basin_study
from adamviz.studies import batch
from adamviz.studies.runs import Settings, load_surface
from adamviz.studies.sweep import parse_params, sweep
from adamviz.studies.tuning import log_grid, tune_lr
from conftest import REPO


def test_grid_limits():
    hump = load_surface("hump")
    assert basin_study.grid_starts(hump, n=3).shape == (9, 2)
    with pytest.raises(InputError, match=r"too large: at most 4,000,000 .* about 596.1 GiB"):
        basin_study.grid_starts(hump, n=100_000)
    with pytest.raises(InputError, match="whole count >= 1"):
        basin_study.grid_starts(hump, x=[-1, 1, 0], y=[-1, 1, 3])


def test_basins_memory_is_what_the_limit_says(tmp_path):
    """The estimate a too-large grid is refused with is what a grid takes at its peak, drawn
    (tracemalloc, within 25 %): per start, not per step; the runs go in chunks."""
    api.save_basins(api.basins("hump", grid=5, steps=5), tmp_path / "warm.png")
    tracemalloc.start()
    found = api.basins("hump", grid=800, steps=5)
    api.save_basins(found, tmp_path / "b.png")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert 0.75 < peak / limits.basins_bytes(800**2) < 1.25, (peak, limits.basins_bytes(800**2))


def test_basins_tell_the_essays_story():
    b = basin_study.basins("hump", ["sgd", "momentum", "adam"], grid=60)
    sgd, momentum, adam = b.categories
    hump_x = -0.10103125788101082
    # plain SGD: every start left of the hump ends in the local minimum (code 1), right: global
    left = b.xs < hump_x - 0.05
    right = b.xs > hump_x + 0.05
    assert (sgd[:, left] == 1).all() and (sgd[:, right] == 0).all()
    # momentum carries the starts high on the left wall over the hump (those highest of all
    # overshoot the global well too and swing back)
    far_left = (b.xs < -1.7) & (b.xs > -2.3)
    assert (momentum[:, far_left] == 0).all() and (sgd[:, far_left] == 1).all()
    assert b.share(2, "global") > b.share(0, "global")
    assert "global" in b.table().splitlines()[0]


def test_basins_tell_diverged_and_unsettled_apart():
    b = basin_study.basins("bowl", ["sgd:lr=1", "sgd:lr=1e-4"], grid=5,
                           settings=Settings(steps=20))
    away = ~np.eye(5, dtype=bool)  # on x = y (the flat axis, curvature 1) lr = 1 lands on
    assert (b.categories[0][away] == b.diverged_code).all()  # the minimum in one step
    assert (b.categories[0][~away] == 0).all()
    away[2, 2] = False  # the centre start is the minimum itself
    assert (b.categories[1][~np.eye(5, dtype=bool)] == b.unsettled_code).all()


def test_tuning_picks_the_best_of_the_grid():
    grid = log_grid("1e-3:1:7")
    assert len(grid) == 7 and grid[0] == pytest.approx(1e-3) and grid[-1] == pytest.approx(1)
    bowl = load_surface("bowl")
    t = tune_lr(bowl, "sgd", [[-2.5, -1.5]], Settings(steps=100), grid, "distance")
    assert t.best == grid[int(np.argmin(t.scores))]
    assert np.isinf(t.scores[-1])  # lr = 1 diverges on the bowl
    s = tune_lr(bowl, "adam", [[-2.5, -1.5]], Settings(steps=300), grid, "steps")
    assert min(s.scores) < 301


@pytest.mark.parametrize("text", ["1e-3:1", "a:b:c", "1:0.1:5", "1e-3:1:1"])
def test_bad_tuning_grids(text):
    with pytest.raises(InputError, match="tuning grid"):
        log_grid(text)


def test_sweep_is_the_cartesian_product():
    s = sweep("hump", "adam", {"lr": [0.01, 0.1], "beta1": [0.8, 0.9, 0.95]},
              settings=Settings(steps=20))
    assert len(s.cells) == 6
    assert s.cells[1].setting == {"lr": 0.01, "beta1": 0.9}
    assert s.cells[1].title == "lr=0.01, beta1=0.9"  # every swept value, defaults included
    with pytest.raises(InputError, match="empty"):
        sweep("hump", "adam", {"lr": []})
    with pytest.raises(InputError, match="Unknown hyperparameter 'bta1'"):
        sweep("hump", "adam", {"bta1": [0.9]})


def test_a_swept_parameter_given_twice_is_refused():
    assert parse_params(["lr=1,2", "beta1=0.9"]) == {"lr": [1.0, 2.0], "beta1": [0.9]}
    with pytest.raises(InputError, match="--param lr is given twice; .* lr=1,2,3"):
        parse_params(["lr=1,2", "lr=3"])


def test_example_batch_file_is_valid_and_plans_its_runs():
    experiments = outputs.load_batch(REPO / "examples" / "compare.toml")
    assert [e.name for e in experiments][:3] == ["hump", "plane", "valley"]
    assert batch.total_runs(experiments) == 8 + 3 + 3 + 6 + 3 * 2160


SMALL = """
[[experiment]]
name = "a"
surface = "hump"
optimizers = ["sgd", { name = "adam", lr = 0.1 }]
starts = [[-2, 1]]
steps = 50
noise = 0.3
seed = 4
outputs = ["contour", "summary"]

[[experiment]]
name = "b"
surface = "valley"
optimizers = ["momentum"]
sweep = { momentum = [0.5, 0.9] }
steps = 40
tune = { param = "lr", grid = "1e-3:1e-1:5", criterion = "final-loss" }
outputs = ["grid", "summary"]
"""


def test_batch_runs_and_summarizes(tmp_path):
    path = tmp_path / "b.toml"
    path.write_text(SMALL.replace('tune = { param = "lr", grid = "1e-3:1e-1:5", '
                                  'criterion = "final-loss" }\n', ""))
    rows, files, errors = batch_runs.run_batch(outputs.load_batch(path), tmp_path / "out")
    assert not errors and len(rows) == 4
    summary = list(csv.DictReader(io.StringIO((tmp_path / "out" / "summary.csv").read_text())))
    assert [r["experiment"] for r in summary] == ["a", "a", "b", "b"]
    assert summary[1]["lr"] == "0.1" and summary[2]["lr"] == "0.01"
    for key in ("start_x", "start_y", "end_x", "end_y", "final_loss", "reached", "distance",
                "steps", "status"):
        assert summary[0][key] != "", key
    # exact numbers: the CSV reads back to the very floats of the run
    assert float(summary[0]["end_x"]) == rows[0].end[0]
    assert (tmp_path / "out" / "a" / "runs.png").exists()
    assert (tmp_path / "out" / "b" / "grid.png").exists()
    assert "| a |" in (tmp_path / "out" / "summary.md").read_text()


def test_results_do_not_depend_on_jobs(tmp_path):
    path = tmp_path / "b.toml"
    path.write_text(SMALL)
    experiments = outputs.load_batch(path)
    one = batch_runs.run_batch(experiments, tmp_path / "one", jobs=1).rows
    two = batch_runs.run_batch(experiments, tmp_path / "two", jobs=2).rows
    assert [r.record() for r in one] == [r.record() for r in two]
    assert one[2].tuned.startswith("momentum: lr=") and "final-loss" in one[2].tuned


def bad_file(tmp_path, text):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("text,message", [
    ("[[experiment]\nname = 1", "not valid TOML: "),
    ('[[experiment]]\nname = "a"\nsurface = "hump"\noptimzers = ["sgd"]\n',
     "experiment[0].optimzers: unknown key; did you mean 'optimizers'?"),
    ('[[experiment]]\nname = "a"\nsurface = "humpp"\noptimizers = ["sgd"]\n',
     "experiment[0].surface: Unknown surface 'humpp'; did you mean 'hump'?"),
    ('[[experiment]]\nname = "a"\nsurface = "hump"\noptimizers = ["adma"]\n',
     "experiment[0].optimizers[0]" if False else "Unknown optimizer 'adma'"),
    ('[[experiment]]\nname = "a"\nsurface = "hump"\noptimizers = ["sgd"]\nsweep = { lr = [] }\n',
     "experiment[0].sweep.lr: a non-empty list of values"),
    ('[[experiment]]\nname = "a"\nsurface = "hump"\noptimizers = ["sgd"]\n'
     'starts = { x = [-1, 1, 0], y = [-1, 1, 3] }\n', "whole count >= 1"),
    ('[[experiment]]\nname = "a"\nsurface = "hump"\noptimizers = ["sgd"]\n'
     'starts = { x = [-1, 1, 40000], y = [-1, 1, 40000] }\n', "GiB"),
    ('[[experiment]]\nname = "a"\nsurface = "hump"\noptimizers = ["sgd"]\noutputs = ["gird"]\n',
     "unknown output 'gird'; did you mean 'grid'?"),
    ('[[experiment]]\nname = "a"\nsurface = "hump"\noptimizers = ["sgd"]\n'
     'starts = { x = [-1, 1, 30], y = [-1, 1, 30] }\noutputs = ["contour"]\n',
     "contour draws every step of every run, for at most 400 runs"),
    ("title = 'x'\n", "unknown top-level key 'title'"),
])
def test_bad_batch_files_are_refused_before_any_run(tmp_path, text, message):
    path = bad_file(tmp_path, text)
    result = CliRunner().invoke(cli, ["batch", path, "-o", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_toml_errors_give_line_and_column(tmp_path):
    result = CliRunner().invoke(cli, ["batch", bad_file(tmp_path, "[[experiment]]\nname = \n")])
    assert result.exit_code == 2 and "line 2" in result.stderr and "column" in result.stderr


def test_a_failing_experiment_does_not_stop_the_others(tmp_path, monkeypatch):
    path = tmp_path / "b.toml"
    path.write_text(SMALL)
    real = batch.run_experiment

    def flaky(exp):
        if exp.name == "a":
            raise RuntimeError("out of disk")
        return real(exp)

    monkeypatch.setattr(batch, "run_experiment", flaky)
    result = CliRunner().invoke(cli, ["batch", str(path), "-o", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 1
    assert "experiment a failed: out of disk" in result.stderr
    summary = (tmp_path / "out" / "summary.csv").read_text()
    assert "failed" in summary and "\nb," in summary


def test_dry_run_prints_the_runs(tmp_path):
    result = CliRunner().invoke(cli, ["batch", str(REPO / "examples" / "compare.toml"),
                                      "--dry-run"])
    assert result.exit_code == 0
    assert "hump-basins: adam on hump from 2,160 starts, 500 steps" in result.stdout
    assert "plane: sgd on plane from 1 start, 200 steps\n" in result.stdout
    assert "valley: sgd on valley from 1 start, 200 steps, lr tuned by distance" in result.stdout


def test_basins_and_sweep_commands(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(cli, ["basins", "--grid", "20", "--steps", "100", "-o", "b.png"])
    assert r.exit_code == 0 and "sgd (lr=0.01)" in r.stdout and (tmp_path / "b.png").exists()
    r = CliRunner().invoke(cli, ["basins", "--grid", "100000"])
    assert r.exit_code == 2 and "too large" in r.stderr
    r = CliRunner().invoke(cli, ["sweep", "--param", "lr=0.01,0.1", "--steps", "30", "-o",
                                 "s.png", "--export", "s.json"])
    assert r.exit_code == 0 and (tmp_path / "s.png").exists()
    assert '"lr": 0.1' in (tmp_path / "s.json").read_text()
    r = CliRunner().invoke(cli, ["sweep", "--param", "lr"])
    assert r.exit_code == 2 and "Bad --param 'lr'" in r.stderr


def test_run_tune_states_the_choice(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(cli, ["run", "-s", "bowl", "--opt", "sgd", "--opt", "adam",
                                 "--tune", "lr", "--tune-grid", "1e-3:1:7",
                                 "--criterion", "distance", "--steps", "100", "--no-plot"])
    assert r.exit_code == 0, r.output
    assert "tuned sgd: lr=" in r.stderr and "chosen by distance over 7 rates" in r.stderr
    assert "tuned by distance" in r.stdout  # in the table's labels (and the legend)


def test_summary_keeps_every_hyperparameter_in_exact_columns(tmp_path):
    """Columns come from the runs: hyperparameters no fixed list knows are kept, and the CSV
    reads back to the run's own numbers."""
    from adamviz import exports
    from adamviz.studies.runs import make_runs

    result = make_runs("hump", ["sgd", "nadam:momentum_decay=0.01",
                                "adagrad:initial_accumulator_value=0.2"],
                       settings=Settings(steps=30))
    rows = result.summaries()
    table = list(csv.DictReader(io.StringIO(exports.summary_csv(rows))))
    for name in ("momentum_decay", "initial_accumulator_value", "dampening", "lr_decay"):
        assert name in table[0]
    assert table[1]["momentum_decay"] == "0.01" and table[0]["momentum_decay"] == ""
    for row, run in zip(table, result.runs, strict=True):
        assert float(row["end_x"]) == run.end[0] and float(row["final_loss"]) == run.final_loss


def test_batch_sweep_labels_show_every_swept_value():
    """beta1=0.9 is Adam's default, yet a sweep over it must say so in every label."""
    from adamviz.studies.runs import resolve
    from adamviz.surfaces import load

    _, label = resolve("adam:lr=0.1,beta1=0.9", load("hump"))
    assert label == "adam (lr=0.1, beta1=0.9)"
    _, label = resolve("adam", load("hump"))
    assert label == "adam (lr=0.3)"  # nothing set, nothing shown but the lr


def test_warnings_go_to_stderr_and_into_the_summary(tmp_path):
    """A tuned lr at the grid's edge and diverged runs: one line each on stderr and a Warnings
    section above the summary table."""
    path = tmp_path / "b.toml"
    path.write_text('[[experiment]]\nname = "edge"\nsurface = "hump"\noptimizers = ["adam"]\n'
                    'steps = 50\ntune = { param = "lr", grid = "1e-4:1e-3:3", criterion = '
                    '"final-loss" }\noutputs = ["summary"]\n\n[[experiment]]\nname = "wild"\n'
                    'surface = "hump"\noptimizers = ["sgd:lr=0.3"]\nsteps = 20\n'
                    'outputs = ["summary"]\n')
    out = CliRunner().invoke(cli, ["batch", str(path), "-o", str(tmp_path / "o")])
    assert out.exit_code == 0, out.output
    lines = [line for line in out.stderr.splitlines() if line.startswith("warning:")]
    assert out.stderr.startswith("2 runs; wrote ")  # what was done, then what to act on
    assert lines == ["warning: edge: adam: lr=0.001 chosen by final-loss over 3 rates "
                     "0.0001...0.001, at the edge of the grid: widen it to be sure",
                     "warning: wild: sgd (lr=0.3): 1 run diverged"]
    summary = (tmp_path / "o" / "summary.md").read_text()
    assert summary.index("## Warnings") < summary.index("## Runs")
    assert "- wild: sgd (lr=0.3): 1 run diverged" in summary


def test_run_warns_of_a_diverged_run():
    out = CliRunner().invoke(cli, ["run", "-s", "hump", "--opt", "sgd:lr=0.3", "--no-plot"])
    assert out.exit_code == 0 and "warning: sgd (lr=0.3) diverged at step 2" in out.stderr


def test_the_library_draws_basins_and_sweeps_itself(tmp_path):
    """api.save_basins and api.save_sweep: what the CLI calls, a notebook can call too, checks
    included."""
    from PIL import Image

    from adamviz.core.errors import InputError

    found = api.basins("hump", ["sgd", "adam"], grid=6, steps=20)
    path = api.save_basins(found, tmp_path / "b.png", dpi=40)
    assert Image.open(path).size[0] > 100
    swept = api.sweep("hump", "adam", {"lr": [0.01, 0.1]}, steps=20)
    assert api.save_sweep(swept, tmp_path / "s.svg").read_text().startswith("<?xml")
    for call, message in ((lambda: api.save_basins(swept, tmp_path / "x.png"),
                           "Expected what adamviz.basins"),
                          (lambda: api.save_sweep(found, tmp_path / "x.png"),
                           "Expected what adamviz.sweep"),
                          (lambda: api.save_sweep(swept, tmp_path / "x.png", dpi=5),
                           "Invalid dpi: 5"),
                          (lambda: api.save_basins(found, tmp_path / "x.gif"),
                           "Unknown output format '.gif'")):
        with pytest.raises(InputError, match=message):
            call()
    assert not (tmp_path / "x.png").exists()
