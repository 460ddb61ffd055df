"""Optimizers written as data: a rule in the formula grammar, checked, and run exactly."""

import numpy as np
import pytest
from click.testing import CliRunner

from adamviz import api, engine, optimizers
from adamviz.cli import cli
from adamviz.core.errors import InputError
from adamviz.optimizers import files
from conftest import REPO

# Adam as torch's _single_tensor_adam computes it: lerp for m, then v, then the step.
ADAM = """
name = "adam_file"
rule = '''
m = lerp(m, g, 1 - beta1)
v = v*beta2 + (1 - beta2)*g*g
den = sqrt(v)/(1 - beta2**t)**0.5 + eps
p = p + (-(lr/(1 - beta1**t))*m)/den
'''
[hyperparameters]
lr = 1e-3
beta1 = 0.9
beta2 = 0.999
eps = 1e-8
[state]
m = 0.0
v = 0.0
"""


@pytest.fixture
def adam_file(tmp_path):
    path = tmp_path / "adam_file.toml"
    path.write_text(ADAM)
    return path


@pytest.mark.parametrize("surface, lr", [("hump", 0.1), ("rosenbrock", 0.05),
                                         ("beale", 0.01), ("valley", 0.3)])
def test_adam_written_as_a_rule_is_the_built_in_adam_to_the_last_bit(adam_file, surface, lr):
    s = api.load_surface(surface)
    starts = np.array([s.default_start, [0.3, -0.7], [1.2, 0.4]])
    mine = engine.run(s, optimizers.make(str(adam_file), lr=lr, beta1=0.8), starts, 300,
                      tol=None)
    built_in = engine.run(s, optimizers.make("adam", lr=lr, beta1=0.8), starts, 300, tol=None)
    np.testing.assert_array_equal(mine.paths.points, built_in.paths.points)


def test_lion_follows_its_paper_to_the_last_bit():
    """Lion (Chen et al. 2023): c = b1*m + (1-b1)*g; x = x*(1 - lr*wd) - lr*sign(c);
    m = b2*m + (1-b2)*g, written out in numpy: the same numbers, bit for bit, for 100 runs
    with strong decoupled weight decay (the engine takes the rule's new point as it is; adding
    a step to the old point missed it on 5.8 % of coordinate-steps)."""
    s = api.load_surface("hump")
    lr, b1, b2, wd = 0.02, 0.9, 0.99, 0.5
    starts = np.random.default_rng(7).uniform(-2.5, 2.5, (100, 2)) * [1, 0.6]
    out = engine.run(s, optimizers.make("lion", lr=lr, weight_decay=wd), starts, 200,
                     tol=None)
    x, m = starts.copy(), np.zeros_like(starts)
    for k in range(1, 201):
        g = s.gradient(x)
        c = b1 * m + (1 - b1) * g
        x = x * (1 - lr * wd) - lr * np.sign(c)
        m = b2 * m + (1 - b2) * g
        np.testing.assert_array_equal(out.paths.points[k], x)


def test_shipped_files_are_listed_and_run_everywhere(tmp_path, monkeypatch):
    assert {"lion", "qhadam"} <= set(optimizers.names())
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    listed = runner.invoke(cli, ["optimizers"]).stdout
    assert "lion: c = β₁·m + (1−β₁)·g" in listed
    for args in (["run", "--opt", "lion:lr=0.02", "--opt", "adam", "-o", "a.gif",
                  "--frames", "5", "--steps", "40"],
                 ["sweep", "--opt", "lion", "--param", "lr=0.01,0.03", "--steps", "40",
                  "-o", "s.png"],
                 ["run", "--opt", str(REPO / "optimizers" / "lion.toml") + ":lr=3e-2",
                  "--no-plot", "--steps", "20"]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
    (tmp_path / "b.toml").write_text('[[experiment]]\nname = "l"\nsurface = "hump"\n'
                                     'optimizers = ["lion:lr=0.02", "qhadam:lr=0.1"]\n'
                                     'steps = 30\noutputs = ["contour", "summary"]\n')
    batch = runner.invoke(cli, ["batch", "b.toml", "-o", "out"])
    assert batch.exit_code == 0, batch.output
    assert "lion (lr=0.02)" in (tmp_path / "out" / "summary.csv").read_text()


BASE = 'name = "x"\n[hyperparameters]\nlr = 0.1\n[state]\nm = 0.0\n'


@pytest.mark.parametrize("rule, message", [
    ("p = p - lr*q", "assignment 1: unknown name"),
    ("m = g; q = p", "never updates p"),
    ("p = p - lr*g", "the state variable 'm' is never assigned"),
    ("t = 2*t; p = p - lr*g; m = g", "'t' cannot be assigned"),
    ("if g > 0: m = g; p = p - lr*g", "depends on g, p or a state variable"),
    ("m = g; if q: p = p - lr*g", "unknown name"),
    ("m = g; p = p - lr*g if m < 0", "not a valid formula"),
    ("lr = 1; p = p - lr*g; m = g", "'lr' cannot be assigned"),
    ("m = g; p = p - lr*hypot(m, g)", "assignment 2: unknown function"),
    ("m = g; p = p - lr*m; c = __import__('os')", "assignment 3"),
    ("m = g; p := p", "expected NAME = formula"),
    ("m = g; p = p - lr*c; c = m", "assignment 2: unknown name"),  # used before assigned
    ("m = g; p = p - max(lr)", "max takes 2 arguments"),
])
def test_bad_rules_are_refused_naming_the_file_and_the_part(tmp_path, rule, message):
    path = tmp_path / "x.toml"
    path.write_text(f'rule = "{rule}"\n' + BASE)
    with pytest.raises(InputError, match=message) as caught:
        files.load(path)
    assert str(path.resolve()) in str(caught.value) or str(path) in str(caught.value)


@pytest.mark.parametrize("text, message", [
    ('rule = "p = p - lr*g"\nlearning = 1\n', "unknown key 'learning'"),
    ('[hyperparameters]\nlr = 0.1\n', "missing required key 'rule'"),
    ('rule = "p = p - lr*g"\n[hyperparameters]\nlr = "fast"\n', "lr: a finite number"),
    ('rule = "p = p - lr*g; m = g"\n[hyperparameters]\nm = 1.0\n[state]\nm = 0.0\n',
     "both a hyperparameter and a state variable"),
])
def test_bad_files_are_refused(tmp_path, text, message):
    path = tmp_path / "x.toml"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        files.load(path)


def test_unknown_hyperparameters_and_names_are_refused_in_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    bad = runner.invoke(cli, ["run", "--opt", "lion:beta=0.5", "--no-plot"])
    assert bad.exit_code == 2 and "Unknown hyperparameter 'beta' for lion" in bad.stderr
    missing = runner.invoke(cli, ["run", "--opt", "nope.toml", "--no-plot"])
    assert missing.exit_code == 2 and "Optimizer file 'nope.toml' does not exist" in missing.stderr
    typo = runner.invoke(cli, ["run", "--opt", "lino", "--no-plot"])
    assert typo.exit_code == 2 and "did you mean 'lion'" in typo.stderr


def test_the_readme_picture_lion_steps_lr_per_coordinate():
    """outputs/readme/hump-lion-adam.png: at the same lr, Lion's every step moves each
    coordinate by exactly lr (the sign), so its steps are lr*sqrt(2) long; it crosses the hump
    into the global minimum, where Adam stays in the local one."""
    result = api.run("hump", ["lion:lr=0.03", "adam:lr=0.03"], [(-2, 1)], steps=300, tol=None)
    lion, adam = result.runs
    moves = np.abs(np.diff(lion.points, axis=0))
    np.testing.assert_allclose(moves, 0.03, rtol=1e-9)
    assert result.reached(lion) == "global" and result.reached(adam) == "local"
    # and the caption's caveat: at its own tuned rate Adam crosses the hump too
    tuned = api.run("hump", ["adam:lr=0.3"], [(-2, 1)], steps=300)
    assert tuned.reached(tuned.runs[0]) == "global"


SIGNUM = '''
name = "signum"
description = "Signum: the sign of momentum"
summary = "b = μ·b + (1−μ)·g; x −= η·sign(b)"
rule = "b = momentum*b + (1 - momentum)*g; p = p - lr*sign(b)"
[hyperparameters]
lr = {default = 0.01, range = "> 0", symbol = "η", slider = {min = 1e-4, max = 1.0, scale = "log"}}
momentum = {default = 0.9, range = "[0, 1)", symbol = "μ"}
[state]
b = 0.0
'''


def test_a_new_optimizer_file_reaches_everything_with_no_other_edit(tmp_path, monkeypatch):
    """One file in a folder of its own, nothing else touched: listed (with its declared
    ranges), completed, run, swept, batched, mapped by basins, recorded in a database with a
    column per hyperparameter, in the README's tables, and live in the player with a control
    per hyperparameter."""
    import json
    import sqlite3

    from adamviz.cli.completion import optimizers as complete
    from adamviz.optimizers import registry
    from adamviz.render import html

    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "signum.toml").write_text(SIGNUM)
    monkeypatch.setenv("ADAMVIZ_OPTIMIZERS", str(folder))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    listed = runner.invoke(cli, ["optimizers"])
    assert "signum: b = μ·b + (1−μ)·g; x −= η·sign(b)" in listed.stdout
    entry = next(e for e in json.loads(runner.invoke(cli, ["optimizers", "--json"]).stdout)
                 ["optimizers"] if e["name"] == "signum")
    assert entry["hyperparameters"]["momentum"]["range"] == "in [0, 1)"
    assert entry["hyperparameters"]["lr"]["slider"] == {"min": 1e-4, "max": 1.0, "scale": "log"}
    assert [c.value for c in complete(None, None, "sig")] == ["signum"]
    assert {c.value for c in complete(None, None, "signum:")} == {"signum:lr=",
                                                                 "signum:momentum="}
    refused = runner.invoke(cli, ["run", "--opt", "signum:momentum=1", "--no-plot"])
    assert refused.exit_code == 2 and "Invalid momentum value: 1.0 (must be in [0, 1))" in \
        refused.stderr
    for args in (["run", "--opt", "signum:lr=0.05", "--opt", "adam", "--db", "r.db",
                  "-o", "p.html", "-q"],
                 ["sweep", "--opt", "signum", "--param", "momentum=0.5,0.9", "--steps", "30",
                  "-o", "s.png", "-q"],
                 ["basins", "--opt", "signum:lr=0.05", "--grid", "6", "--steps", "50",
                  "-o", "b.png", "-q"]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
    columns = {r[1] for r in sqlite3.connect("r.db").execute("PRAGMA table_info(runs)")}
    assert {"lr", "momentum"} <= columns
    (tmp_path / "b.toml").write_text('[[experiment]]\nname = "e"\nsurface = "hump"\n'
                                     'optimizers = ["signum:lr=0.05"]\nsteps = 30\n'
                                     'outputs = ["summary"]\n')
    assert runner.invoke(cli, ["batch", "b.toml", "-o", "out", "-q"]).exit_code == 0
    assert "signum (lr=0.05)" in (tmp_path / "out" / "summary.csv").read_text()
    assert "| `signum` | b = μ·b + (1−μ)·g; x −= η·sign(b) |" in registry.markdown_table()
    page = (tmp_path / "p.html").read_text()
    assert 'OPTIMIZERS["signum"] = ruleOptimizer(' in page
    result = api.run("hump", ["signum:lr=0.05"], steps=20)
    data = html.data(result, [[-2.5, 2.5], [-1.5, 1.5]])
    assert data["runs"][0]["live"] is True
    assert {c["name"]: c["symbol"] for c in data["optimizers"]["signum"]["controls"]} == {
        "lr": "η", "momentum": "μ"}


TOP = 'name = "x"\nrule = """m = 0.9*m + g\np = p - lr*m"""\n'
LR = '[hyperparameters]\nlr = {default = 0.01, range = "> 0"}\n'
PLAIN = TOP + LR


@pytest.mark.parametrize("text, spec, words", [
    (PLAIN + '[state]\nm = "1/(lr - 0.01)"\n', "", "[state] first values: a division by zero"),
    (PLAIN + '[state]\nm = "exp(lr*1000)"\n', ":lr=5", "a number too large for a float"),
    (TOP + 'requires = [{then = "1/(lr - 0.5) > 0", message = "x"}]\n' + LR
     + '[state]\nm = 0.0\n', ":lr=0.5",
     "requires (1/(lr - 0.5) > 0): a division by zero with lr = 0.5"),
    (PLAIN + '[state]\nm = 0.0\n[trace]\nq = {value = "m", if = "1/(lr - 0.5) > 0"}\n',
     ":lr=0.5", "[trace] conditions: a division by zero"),
    (PLAIN + '[state]\nm = 0.0\np = 0.0\n', "", "'p' is given to the rule"),
    ('name = "x"\nrule = "g = g + 1; p = p - lr*g"\n[hyperparameters]\nlr = 0.1\n'
     '[state]\ng = 0.0\n', "", "'g' is given to the rule"),
    ('name = "x"\nbased_on = "sgd"\n[hyperparameters]\nmomentun = 0.9\n', "",
     "'momentun' is not a hyperparameter of sgd; did you mean 'momentum'?"),
    ('name = "x"\nbased_on = "sgd"\nfixed = {momentum = 0.5}\n[hyperparameters]\n'
     'momentum = 0.9\n', "", "'momentum' is both fixed and given a default"),
    ('name = "x"\nbased_on = "sgd"\n[state]\nbuf = "lr"\n', "", "'state' belongs to the base"),
    ('name = "x"\nbased_on = "x"\n', "", "is this file itself"),
    (TOP + 'transforms = ["maximize"]\n' + LR + '[state]\nm = 0.0\n', ":maximize=0.5",
     "maximize must be true or false"),
    (TOP + 'transforms = ["maximize"]\n' + LR + 'maximize = 1.0\n[state]\nm = 0.0\n', "",
     "maximize belongs to a transform and is true or false there"),
    (PLAIN.replace('range = "> 0"}', 'range = "> 0", symbol = 3}') + '[state]\nm = 0.0\n',
     "", "symbol is text"),
    (PLAIN.replace('{default = 0.01, range = "> 0"}',
                   '{default = 0.1, range = "> 0", slider = {min = -1, max = 1}}')
     + '[state]\nm = 0.0\n', "", "leaves the range"),
    (TOP + 'description = 3\n' + LR + '[state]\nm = 0.0\n', "", "description is text"),
    (PLAIN + '[state]\nm = 0.0\n[trace]\nq = 3\n', "", "a formula such as"),
    (PLAIN + '[state]\nm = 0.0\n[trace]\nq = {value = "m", when = "lr > 0"}\n', "",
     "[trace] q: a formula, or {value"),
    (TOP + 'requires = [{then = "lr > 0", message = 3}]\n' + LR + '[state]\nm = 0.0\n', "",
     "(text each)"),
    ('name = "x"\nrule = "c = (lr - 1)**0.5; p = p - c*g"\n[hyperparameters]\nlr = 0.1\n', "",
     "outside a function's domain with lr = 0.1"),
    ('name = "x"\nrule = "' + "; ".join(f"q{i} = g*{i}" for i in range(300)) +
     '; p = p - lr*q1"\n[hyperparameters]\nlr = 0.1\n', "", "301 assignments; at most 200"),
    ('name = "x"\ntransforms = ["nope"]\nrule = "p = p - lr*g"\n[hyperparameters]\nlr = 0.1\n',
     "", "unknown transform 'nope'"),
])
def test_a_bad_optimizer_file_is_one_line(tmp_path, monkeypatch, text, spec, words):
    """What a probe of hostile files found: each is one line naming the file and the part,
    exit 2, in the listing too (the good files still listed)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.toml").write_text(text)
    result = CliRunner().invoke(cli, ["run", "--opt", f"x.toml{spec}", "--no-plot"])
    assert result.exit_code == 2, result.output
    assert words in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "x.toml").write_text(text)
    (folder / "fine.toml").write_text('rule = "p = p - lr*g"\n[hyperparameters]\nlr = 0.1\n')
    monkeypatch.setenv("ADAMVIZ_OPTIMIZERS", str(folder))
    listed = CliRunner().invoke(cli, ["optimizers"])
    assert listed.exit_code == 0 and "fine: p = p - lr*g" in listed.stdout


def test_an_unused_hyperparameter_is_said_in_one_line_and_the_file_still_runs(tmp_path,
                                                                             monkeypatch):
    """A typo such as `bta1 = 0.9` is said; a file written for 0.2 with a spare value runs."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.toml").write_text(PLAIN + 'beta = 2\n[state]\nm = 0.0\n')
    result = CliRunner().invoke(cli, ["run", "--opt", "x.toml", "--no-plot"])
    assert result.exit_code == 0, result.output
    assert result.stderr.count("warning: ") == 1
    assert "[hyperparameters] 'beta' is not used by the rule" in result.stderr


def test_the_player_runs_the_file_a_run_used_not_another_of_its_name(tmp_path, monkeypatch):
    """A file given by path is live in the player; a file of the same name elsewhere (in the
    folders) is not taken for it."""
    from adamviz.render import html

    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "signum.toml").write_text(SIGNUM)
    other = tmp_path / "other" / "signum.toml"
    other.parent.mkdir()
    other.write_text('rule = "p = p - lr*g"\n[hyperparameters]\nlr = 0.1\n')
    monkeypatch.setenv("ADAMVIZ_OPTIMIZERS", str(tmp_path / "folder"))
    by_path = api.run("hump", [f"{other}:lr=0.05"], steps=10)
    page = html.page(by_path)
    assert '"state": []' in page and '"momentum"' not in page.split("const DATA")[1][:4000]
    assert html.data(by_path, [[-2.5, 2.5], [-1.5, 1.5]])["runs"][0]["live"] is True
    both = api.run("hump", ["signum:lr=0.05", f"{other}:lr=0.05"], steps=10)
    lives = [r["live"] for r in html.data(both, [[-2.5, 2.5], [-1.5, 1.5]])["runs"]]
    assert lives == [True, False]  # the second is another file of the same name


def test_an_array_to_a_hyperparameters_power_is_torchs_pow():
    """``abs(g)**k`` with k a hyperparameter: the exponent is known when the rule is compiled,
    so k = 2 is g*g (torch's special case) and k = 1.5 numpy's power, bit for bit."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pw.toml"
        path.write_text('rule = "p = p - lr*abs(g)**k*sign(g)"\n'
                        '[hyperparameters]\nlr = 0.001\nk = 2.0\n')
        s = api.load_surface("hump")
        for k in (2.0, 1.5):
            out = engine.run(s, optimizers.make(str(path), k=k), [(-2.0, 1.0)], 20, tol=None)
            x = np.array([[-2.0, 1.0]])
            for step in range(1, 21):
                g = s.gradient(x)
                a = np.abs(g)
                power = a * a if k == 2.0 else np.power(a, k)
                x = x - (power * 0.001) * np.sign(g)
                np.testing.assert_array_equal(out.paths.points[step, 0], x[0])
