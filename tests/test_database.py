"""The results database: its schema, exact round trips, concurrent writers, writes that are
all or nothing, batches that resume, and ``adamviz results``."""

import math
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from adamviz import api, queries
from adamviz.cli import cli
from adamviz.core.errors import InputError
from adamviz.database import Database, ExperimentRecord
from adamviz.database_schema import SCHEMA_VERSION, summary_sql_columns
from adamviz.exports import summary_csv
from adamviz.results import Summary


def experiment(name="e", config=None) -> ExperimentRecord:
    return ExperimentRecord(command="test", name=name, surface="hump", config=config or {"n": name})


def summary(i=0, **change) -> Summary:
    values = dict(experiment="e", surface="hump", optimizer="adam", label=f"adam {i}",
                  hyperparams={"lr": 0.1, "beta1": 0.9, "amsgrad": False}, start=(-2.0, 1.0),
                  end=(1.0 + i, -0.5), final_loss=-0.4, reached="global", distance=0.01,
                  steps=100 + i, steps_to_tol=None, status="max steps")
    return Summary(**{**values, **change})


def same(a: Summary, b: Summary) -> bool:
    """Equal records, NaN equal to NaN and -0.0 told from 0.0 (repr)."""
    return {k: repr(v) for k, v in a.record().items()} == \
        {k: repr(v) for k, v in b.record().items()} and \
        list(a.hyperparams.items()) == list(b.hyperparams.items())


# -- schema --------------------------------------------------------------------------------

def test_schema_is_made_on_first_use_with_its_version(tmp_path):
    path = tmp_path / "sub" / "r.db"
    with Database(path):
        pass
    conn = sqlite3.connect(path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"meta", "experiments", "runs", "paths"} <= tables
    assert conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == \
        (str(SCHEMA_VERSION),)
    columns = [r[1] for r in conn.execute("PRAGMA table_info(runs)")]
    assert set(summary_sql_columns()) <= set(columns)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_new_hyperparameter_becomes_a_column(tmp_path):
    with Database(tmp_path / "r.db") as db:
        db.record(experiment("a"), [summary()])
        db.record(experiment("b"), [summary(hyperparams={"lr": 0.1, "momentum": 0.9})])
        assert "momentum" in db.columns()
        rows = db.conn.execute("SELECT momentum, beta1 FROM runs ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [(None, 0.9), (0.9, None)]


def test_other_versions_and_other_files_are_refused_and_left_alone(tmp_path):
    old = tmp_path / "old.db"
    with Database(old) as db:
        db.conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(InputError, match="schema version 99; this adamviz reads and writes "
                                         "version 1"):
        Database(old)
    text = tmp_path / "notes.db"
    text.write_text("not a database at all, but precious\n" * 10)
    with pytest.raises(InputError, match="is not a results database"):
        Database(text)
    assert text.read_text().startswith("not a database at all")
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (a)")
    with pytest.raises(InputError, match="not an adamviz results database \\(it has t\\)"):
        Database(other)
    with pytest.raises(InputError, match="No results database"):
        Database(tmp_path / "missing.db", create=False)


# -- exact round trips ------------------------------------------------------------------------

floats = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [-0.0, 0.0, 5e-324, 1.7976931348623157e308, 0.1, 1 / 3])
finite = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(end=st.tuples(floats, floats), start=st.tuples(finite, finite), loss=floats,
       lr=finite, flag=st.booleans(), distance=st.none() | finite,
       tol=st.none() | st.integers(0, 10**6), label=st.text(max_size=30))
def test_a_summary_reads_back_exactly(tmp_path_factory, end, start, loss, lr, flag, distance,
                                      tol, label):
    row = summary(end=end, start=start, final_loss=loss, distance=distance, steps_to_tol=tol,
                  label=label, hyperparams={"lr": lr, "amsgrad": flag, "eps": 1e-8})
    path = tmp_path_factory.mktemp("db") / "r.db"
    with Database(path) as db:
        db.record(experiment(), [row])
        back = db.summaries(experiment().config_hash)
    assert len(back) == 1 and same(back[0], row)
    assert summary_csv(back) == summary_csv([row])


def test_a_curve_f_x_keeps_one_coordinate(tmp_path):
    row = summary(start=(0.5,), end=(math.nan,), final_loss=math.nan, status="diverged")
    with Database(tmp_path / "r.db") as db:
        db.record(experiment(), [row])
        (back,) = db.summaries(experiment().config_hash)
    assert back.start == (0.5,) and len(back.end) == 1 and math.isnan(back.end[0])


def test_paths_are_recorded_on_request(tmp_path):
    result = api.run("hump", ["sgd", "adam"], [(-2, 1)], steps=30)
    api.record(tmp_path / "r.db", result, paths=True)
    conn = sqlite3.connect(tmp_path / "r.db")
    for run, run_id in zip(result.runs, [1, 2], strict=True):
        rows = conn.execute("SELECT step, x, y, loss FROM paths WHERE run_id = ? ORDER BY step",
                            (run_id,)).fetchall()
        assert [r[1:3] for r in rows] == [tuple(p) for p in run.points.tolist()]
        assert [r[3] for r in rows] == run.losses.tolist()


# -- all or nothing, and concurrent writers ---------------------------------------------------

def test_an_interrupted_write_leaves_no_row(tmp_path):
    def paths():
        yield ([[0.0, 0.0], [1.0, 1.0]], [1.0, 0.5])
        raise KeyboardInterrupt  # Ctrl-C halfway through an experiment's rows

    with Database(tmp_path / "r.db") as db:
        with pytest.raises(KeyboardInterrupt):
            db.record(experiment(), [summary(0), summary(1)], paths())
        counts = [db.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("experiments", "runs", "paths")]
        assert counts == [0, 0, 0]
        db.record(experiment(), [summary(0)])  # and the database still works
        assert db.completed([experiment().config_hash]) == {experiment().config_hash}


def _writer(path, worker, experiments, rows):
    with Database(path) as db:
        for e in range(experiments):
            db.record(experiment(f"w{worker}-{e}"), [summary(i) for i in range(rows)])


def test_concurrent_writers_never_lose_a_row(tmp_path):
    path = tmp_path / "r.db"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(path, w, 15, 40)) for w in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM experiments").fetchone()[0] == 60
    assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 60 * 40
    # every experiment's rows are whole and numbered 0..39, no two runs share an id
    assert conn.execute("SELECT count(DISTINCT experiment_id) FROM runs GROUP BY position "
                        "HAVING count(*) != 60").fetchall() == []


# -- batches that resume ---------------------------------------------------------------------

# "slow" must still be running when the test's Ctrl-C comes, a few hundredths of a second after
# "quick" is recorded: at 1,500 steps it took 0.6 s once the engine got faster, and under load
# the signal came after the batch had ended (exit 0) or as it shut down (-2); 10,000: about 4 s
RESUMABLE = """
[[experiment]]
name = "quick"
surface = "hump"
optimizers = ["sgd", "adam"]
starts = [[-2, 1], [0, 1]]
outputs = ["contour", "summary"]

[[experiment]]
name = "slow"
surface = "hump"
optimizers = ["sgd", "momentum", "adam"]
starts = { x = [-2.5, 2.5, 120], y = [-1.5, 1.5, 100] }
steps = 10000
tol = 0
outputs = ["summary"]

[[experiment]]
name = "last"
surface = "valley"
optimizers = ["momentum", "adam"]
tune = { grid = "1e-3:1:7", criterion = "distance" }
outputs = ["summary"]
"""


def _batch(*args, cwd):
    return subprocess.Popen([sys.executable, "-m", "adamviz", "batch", *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _recorded(path) -> int:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        return conn.execute("SELECT count(*) FROM experiments").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_a_batch_interrupted_by_ctrl_c_resumes_to_the_same_summary(tmp_path):
    (tmp_path / "b.toml").write_text(RESUMABLE)
    first = _batch("b.toml", "--db", "r.db", "-o", "out", "-q", cwd=tmp_path)
    deadline = time.monotonic() + 60
    while _recorded(tmp_path / "r.db") < 1 and first.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    first.send_signal(signal.SIGINT)  # while "slow" runs
    _, err = first.communicate(timeout=60)
    assert first.returncode == 130 and err.strip() == "Aborted."
    assert _recorded(tmp_path / "r.db") == 1
    assert not (tmp_path / "out" / "summary.csv").exists()

    second = _batch("b.toml", "--db", "r.db", "-o", "out", cwd=tmp_path)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert "1 experiment already in r.db not run again (quick)" in err  # status: stderr
    conn = sqlite3.connect(tmp_path / "r.db")
    assert [r[0] for r in conn.execute("SELECT name FROM experiments ORDER BY id")] == \
        ["quick", "slow", "last"]  # each once: nothing ran twice

    fresh = _batch("b.toml", "-o", "fresh", "-q", cwd=tmp_path)
    assert fresh.wait(120) == 0
    for name in ("summary.csv", "summary.md"):
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes()


def test_rerun_and_missing_files_run_again(tmp_path):
    (tmp_path / "b.toml").write_text(RESUMABLE.split("[[experiment]]\nname = \"slow\"")[0])
    args = [str(tmp_path / "b.toml"), "--db", str(tmp_path / "r.db"), "-o", str(tmp_path / "o")]
    runner = CliRunner()
    assert runner.invoke(cli, ["batch", *args]).exit_code == 0
    again = runner.invoke(cli, ["batch", *args])
    assert "already in" in again.stderr
    (tmp_path / "o" / "quick" / "runs.png").unlink()  # a file lost: the experiment is redone
    third = runner.invoke(cli, ["batch", *args])
    assert "already in" not in third.stderr and (tmp_path / "o" / "quick" / "runs.png").exists()
    fourth = runner.invoke(cli, ["batch", *args, "--rerun"])
    assert "already in" not in fourth.stderr
    assert _recorded(tmp_path / "r.db") == 3
    # only the latest record of a config counts
    with Database(tmp_path / "r.db", create=False) as db:
        assert len(queries.runs(db).rows) == 4
        assert len(queries.runs(db, history=True).rows) == 12


def test_parallel_jobs_record_every_experiment(tmp_path):
    tables = RESUMABLE.split("[[experiment]]")
    (tmp_path / "b.toml").write_text("[[experiment]]" + tables[1] + "[[experiment]]" + tables[3])
    found = api.batch(tmp_path / "b.toml", tmp_path / "o", jobs=2, db=tmp_path / "r.db")
    with Database(tmp_path / "r.db", create=False) as db:
        back = []
        for name in ("quick", "last"):
            (hash_,) = db.conn.execute("SELECT config_hash FROM experiments WHERE name = ?",
                                       (name,)).fetchone()
            back += db.summaries(hash_)
    assert len(back) == 4 + 2 and summary_csv(back) == summary_csv(found.rows)


# -- run, sweep and basins with --db ----------------------------------------------------------

def test_run_sweep_and_basins_append_to_the_database(tmp_path):
    db, runner = str(tmp_path / "r.db"), CliRunner()
    steps = ["--steps", "40"]
    for args in (["run", "-s", "hump", "--opt", "sgd", "--opt", "adam", "--start", "-2,1",
                  "--no-plot", *steps],
                 ["sweep", "-s", "hump", "--opt", "adam", "--param", "beta1=0.5,0.9", *steps,
                  "-o", str(tmp_path / "s.png")],
                 ["basins", "-s", "hump", "--grid", "6", *steps, "-o", str(tmp_path / "b.png"),
                  "--export", str(tmp_path / "b.csv")]):
        result = runner.invoke(cli, [*args, "--db", db, "-q"])
        assert result.exit_code == 0, result.output
    with Database(db, create=False) as store:
        commands = [r[0] for r in store.conn.execute("SELECT command FROM experiments")]
        assert commands == ["run", "sweep", "basins"]
        assert store.conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 2 + 2 + 3 * 36
        swept = [r[0] for r in store.conn.execute("SELECT experiment FROM runs WHERE "
                                                  "experiment_id = 2")]
        assert swept == ["beta1=0.5", "beta1=0.9"]
    lines = (tmp_path / "b.csv").read_text().splitlines()
    assert len(lines) == 1 + 3 * 36 and "start_x" in lines[0]


def test_basins_rows_agree_with_single_runs():
    found = api.basins("hump", ["sgd", "adam:lr=0.3"], grid=5, steps=60, keep_ends=True)
    rows = found.summaries()
    for k in (0, 7, 24, 30, 44):
        row = rows[k]
        one = api.run("hump", [f"{row.optimizer}:lr={row.hyperparams['lr']}"], [row.start],
                      steps=60).summaries()[0]
        assert (one.end, one.final_loss, one.reached, one.steps, one.status, one.distance) == \
            (row.end, row.final_loss, row.reached, row.steps, row.status, row.distance)


# -- adamviz results ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    path = tmp_path_factory.mktemp("q") / "r.db"
    api.record(path, api.run("hump", ["sgd", "momentum", "adam:lr=0.3"],
                             [(-2, 1), (0, 1), (-1.55, 0)], steps=300))
    api.record(path, api.run("valley", ["sgd:lr=0.001", "adam:lr=0.1"], steps=50))
    return path


def test_results_lists_experiments(filled):
    result = CliRunner().invoke(cli, ["results", str(filled)])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["id", "config_hash", "command"] and len(lines) == 3


def test_results_groups_answer_which_optimizer_reaches_the_global_minimum(filled):
    result = CliRunner().invoke(cli, ["results", str(filled), "--where", "surface = 'hump'",
                                      "--by", "optimizer", "--json"])
    assert result.exit_code == 0
    import json

    groups = json.loads(result.stdout)
    run = api.run("hump", ["sgd", "momentum", "adam:lr=0.3"], [(-2, 1), (0, 1), (-1.55, 0)],
                  steps=300).summaries()
    for g in groups:
        mine = [s for s in run if s.optimizer == g["optimizer"]]
        assert g["runs"] == 3
        assert g["global"] == sum(s.reached == "global" for s in mine) / 3
    shares = [g["global"] for g in groups]
    assert shares == sorted(shares, reverse=True)  # the answer comes first


@pytest.fixture(scope="module")
def kinds(tmp_path_factory):
    """A run, a sweep, basins and two batch experiments, all with sgd or adam on the hump."""
    path = tmp_path_factory.mktemp("kinds") / "k.db"
    api.record(path, api.run("hump", ["sgd", "adam:lr=0.3"], steps=100))
    api.record(path, api.sweep("hump", "adam", {"lr": [0.01, 0.3]}, steps=100), command="sweep")
    api.record(path, api.basins("hump", ["sgd", "adam:lr=0.3"], grid=4, steps=100,
                                keep_ends=True), command="basins")
    for name, start in (("left", (-2, 1)), ("right", (2, 1))):
        api.record(path, api.run("hump", ["adam:lr=0.3"], [start], steps=100), command="batch",
                   name=name)
    return path


def test_results_groups_never_mix_runs_sweeps_and_basins(kinds):
    """`--by optimizer` on a database of a run, a sweep, basins and a batch: each group is one
    experiment's command (and a batch experiment's name), in columns of its own, so numbers of
    different kinds are never averaged together."""
    import json

    def results(*args):
        done = CliRunner().invoke(cli, ["results", str(kinds), *args])
        assert done.exit_code == 0, done.output
        return done.stdout

    groups = json.loads(results("--by", "optimizer", "--json"))
    assert sorted((g["command"], g["name"], g["optimizer"], g["runs"]) for g in groups) == [
        ("basins", "", "adam", 16), ("basins", "", "sgd", 16), ("batch", "left", "adam", 1),
        ("batch", "right", "adam", 1), ("run", "", "adam", 1), ("run", "", "sgd", 1),
        ("sweep", "", "adam", 2)]
    kinds_in_order = [(g["command"], g["name"]) for g in groups]
    assert kinds_in_order == sorted(kinds_in_order)  # each experiment's groups together
    run = [g["global"] for g in groups if g["command"] == "run"]
    assert run == [1.0, 0.0]  # and within it the best first
    assert results("--by", "optimizer").splitlines()[0].split()[:3] == \
        ["command", "name", "optimizer"]
    # the kind can be filtered, listed and grouped by as any column
    only = json.loads(results("--where", "command = 'basins'", "--by", "optimizer", "--json"))
    assert {(g["command"], g["runs"]) for g in only} == {("basins", 16)}
    pooled = json.loads(results("--by", "command", "--json"))
    assert sorted((g["command"], g["runs"]) for g in pooled) == [
        ("basins", 32), ("batch", 2), ("run", 2), ("sweep", 2)]
    listed = results("--where", "name = 'right'", "--columns", "command,name,label", "--csv")
    assert listed.splitlines() == ["command,name,label", "batch,right,adam (lr=0.3)"]
    from adamviz.core.errors import InputError
    from adamviz.database_schema import check_columns

    for taken in ("command", "name"):  # a query reads these from the experiment
        with pytest.raises(InputError, match="one of the table's own columns"):
            check_columns([taken])


def test_results_csv_is_exact(filled, tmp_path):
    out = tmp_path / "adam.csv"
    result = CliRunner().invoke(cli, ["results", str(filled), "--where",
                                      "optimizer = 'adam' and lr >= 0.1", "--columns",
                                      "surface,end_x,end_y,final_loss", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = out.read_text().splitlines()
    hump = api.run("hump", ["adam:lr=0.3"], [(-2, 1), (0, 1), (-1.55, 0)], steps=300)
    end = [float(v) for v in hump.runs[0].end]
    assert rows[1] == f"hump,{end[0]!r},{end[1]!r},{hump.runs[0].final_loss!r}"
    assert len(rows) == 1 + 3 + 1


def test_results_speak_tsv_nl_and_no_headers_exactly(filled, tmp_path):
    """sqlite-utils' idioms: --tsv, --nl (an object a line), --no-headers; numbers exact."""
    import json

    args = ["results", str(filled), "--where", "surface = 'hump' and optimizer = 'adam'",
            "--columns", "label,final_loss"]
    hump = api.run("hump", ["adam:lr=0.3"], [(-2, 1), (0, 1), (-1.55, 0)], steps=300)
    losses = [r.final_loss for r in hump.runs]
    tsv = CliRunner().invoke(cli, [*args, "--tsv", "--no-headers"]).stdout.splitlines()
    cells = [line.split("\t") for line in tsv]
    assert [c[1] for c in cells] == [repr(v) for v in losses]
    assert all(c[0].startswith("adam (lr=0.3)") and len(c) == 2 for c in cells)
    nl = CliRunner().invoke(cli, [*args, "--nl"]).stdout.splitlines()
    assert [json.loads(line) for line in nl] == [{"label": c[0], "final_loss": v}
                                                 for c, v in zip(cells, losses, strict=True)]
    text = CliRunner().invoke(cli, [*args, "--no-headers"]).stdout.splitlines()
    assert len(text) == 3 and not text[0].startswith("label")
    out = tmp_path / "runs.jsonl"
    assert CliRunner().invoke(cli, [*args, "-o", str(out)]).exit_code == 0
    assert out.read_text().splitlines() == nl


@pytest.mark.parametrize("args, message", [
    (["--json", "--no-headers"], "--no-headers drops a table's header line"),
    (["--where", "optimizer = 'adam'; drop table runs"], "cannot read ';'"),
    (["--where", "optimzer = 'adam'"], "did you mean 'optimizer'"),
    (["--where", "1 = 1"], "expected a column name"),
    (["--where", "optimizer = adam"], "expected a value"),
    (["--where", "optimizer = 'adam"], "an unclosed quote"),
    (["--where", "lr > 0.1 or"], "expected a column name but found the end"),
    (["--where", "sqlite_master.sql like '%'"], "cannot read '.'"),
    (["--by", "optimizer", "--columns", "lr"], "use one or the other"),
    (["--by", "nonsense"], "--by: unknown column 'nonsense'"),
    (["--csv", "-o", "x.json"], "The format csv and --out 'x.json' disagree"),
    (["-o", "x.xlsx"], "Unknown format '.xlsx'"),
    (["--history"], "--history applies to runs"),
])
def test_results_refuses_bad_queries_in_one_line(filled, args, message):
    before = filled.read_bytes()
    result = CliRunner().invoke(cli, ["results", str(filled), *args])
    assert result.exit_code == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert filled.read_bytes() == before


def test_results_of_a_missing_database_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["results", str(tmp_path / "none.db")])
    assert result.exit_code == 2 and "No results database" in result.stderr
    assert not (tmp_path / "none.db").exists()


@pytest.mark.parametrize("args, message", [
    (["run", "--db-paths"], "--db-paths needs --db"),
    (["batch", "x.toml", "--rerun"], "--rerun needs --db"),
    (["sweep", "--param", "lr=0.1,0.2", "--tune", "lr"], "--tune and --param lr=... contradict"),
    (["run", "--opt", "adam:lr=0.1", "--tune", "lr"], "sets its own lr, and tuning picks"),
    (["run", "--lr", "0.1", "--tune", "lr"], "--lr and --tune lr contradict"),
    (["run", "--frames", "20", "-o", "a.png"], "--frames applies to animations"),
    (["run", "--no-plot", "--view", "loss"], "--view draws the picture, and --no-plot"),
    (["run", "--elev", "20"], "--elev turns the 3d view"),
    (["run", "--math"], "--math draws $...$ in --title"),
    (["run", "--overlay-at", "3"], "--overlay-at says where --overlay arrows go"),
    (["run", "--seed", "3"], "--seed seeds the gradient noise and the minibatches; add --noise"),
    (["run", "--criterion", "distance"], "--criterion applies with --tune lr"),
])
def test_flags_that_do_not_apply_are_refused_not_ignored(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.toml").write_text('[[experiment]]\nname = "a"\nsurface = "hump"\n'
                                     'optimizers = ["sgd"]\n')
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert os.listdir(tmp_path) == ["x.toml"]  # nothing written


def test_a_batch_file_refuses_what_would_be_ignored(tmp_path):
    from adamviz import outputs

    for body, message in [('optimizers = ["sgd"]\nseed = 3\n', "seed: the seed draws the "
                                                                 "gradient noise"),
                          ('optimizers = ["adam:lr=0.1"]\ntune = { grid = "1e-3:1:4" }\n',
                           "tune: adam:lr=0.1 sets its own lr")]:
        path = tmp_path / "b.toml"
        path.write_text(f'[[experiment]]\nname = "a"\nsurface = "hump"\n{body}')
        with pytest.raises(InputError, match=message):
            outputs.load_batch(path)


def test_trace_picks_its_format_by_the_suffix_as_savefig_does(tmp_path):
    runner = CliRunner()
    assert runner.invoke(cli, ["trace", "--example", "lecture", "-o",
                               str(tmp_path / "t.csv")]).exit_code == 0
    assert (tmp_path / "t.csv").read_text().startswith("t,w,g,m,v,")
    bad = runner.invoke(cli, ["trace", "--format", "latex", "-o", str(tmp_path / "t.md")])
    assert bad.exit_code == 2 and "disagree" in bad.stderr and not (tmp_path / "t.md").exists()


def test_a_surface_without_minima_has_no_share_of_runs_at_one(tmp_path):
    """A network (or the plane) lists no minimum: whether its runs found one is not known, so
    its shares are empty, not 0% (which said that none did), and never lower another's."""
    import json

    path = tmp_path / "r.db"
    api.record(path, api.run("plane", ["adam", "sgd"], steps=20))
    api.record(path, api.run("hump", ["adam:lr=0.3"], [(-2, 1)], steps=300))

    def results(*args):
        done = CliRunner().invoke(cli, ["results", str(path), *args])
        assert done.exit_code == 0, done.output
        return done.stdout

    assert [e["global"] for e in json.loads(results("--json"))] == [None, 1.0]
    plane_row = results().splitlines()[1]
    assert "%" not in plane_row and plane_row.split()[-1] != "0.0%"
    by_optimizer = {g["optimizer"]: g for g in json.loads(results("--by", "optimizer", "--json"))}
    assert (by_optimizer["adam"]["global"], by_optimizer["adam"]["runs"]) == (1.0, 2)
    assert (by_optimizer["sgd"]["global"], by_optimizer["sgd"]["local"]) == (None, None)
    assert by_optimizer["sgd"]["diverged"] == 0.0  # that one is known on any surface
    runs = json.loads(results("--runs", "--json"))
    assert [r["reached"] for r in runs] == [None, None, "global"]
    assert "reached" in results("--runs", "--csv").splitlines()[0]
