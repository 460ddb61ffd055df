"""Hardening, by kind of failure (issue 19): no output replaces an input (the results database
above all), no user text runs as script in a page, every page a command accepts works, bad
input is found before any work and leaves nothing behind, one broken definition never takes a
listing down, nothing passes for a built-in, and expected failures are one line, never "please
report it". Each case runs the real command; pages are loaded in Chromium (test_browser.py's
fixtures)."""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from click.testing import CliRunner
from test_hostile import snapshot

from adamviz import api
from adamviz.cli import cli
from adamviz.core.errors import InputError
from adamviz.database import Database
from adamviz.database_schema import check_columns
from adamviz.surfaces import Surface
from conftest import REPO

B = '[[experiment]]\nname = "e1"\nsurface = "hump"\noptimizers = ["adam"]\n' \
    'outputs = ["contour", "summary"]\nsteps = 20\n'
RULE = 'rule = "p = p - lr*g"\n[hyperparameters]\nlr = 0.1\n'


def invoke(args, **kwargs):
    return CliRunner().invoke(cli, args, **kwargs)


def refused(result, words: str) -> None:
    """Exit 2 with one line on stderr that says ``words``; never 'please report it'."""
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, (result.exit_code, result.stderr, result.output)
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert words in lines[0], lines[0]
    assert "please report it" not in result.stderr


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ADAMVIZ_OPTIMIZERS", raising=False)
    return tmp_path


def make_db(name: str) -> bytes:
    """A results database at ``name`` with one run in it; its bytes."""
    assert invoke(["run", "--steps", "5", "--no-plot", "--db", name, "-q"]).exit_code == 0
    return open(name, "rb").read()


# -- 1. data loss: every file a command reads or appends to is an input ----------------------

DB_AS_OUTPUT = [
    (["results", "r.md", "-o", "r.md"], "r.md"),
    (["run", "--db", "r.png", "-o", "r.png"], "r.png"),
    (["run", "--db", "r.csv", "--export", "r.csv", "--no-plot"], "r.csv"),
    (["run", "--db", "r.json", "--no-plot", "--export", "r.json"], "r.json"),
    (["sweep", "--param", "lr=0.1,0.2", "--steps", "5", "--db", "s.png", "-o", "s.png"], "s.png"),
    (["sweep", "--param", "lr=0.1", "--db", "s.csv", "--export", "s.csv"], "s.csv"),
    (["basins", "--grid", "3", "--steps", "5", "--db", "b.svg", "-o", "b.svg"], "b.svg"),
    (["batch", "b.toml", "-o", "out", "--db", "out/summary.csv"], "out/summary.csv"),
    (["batch", "b.toml", "-o", "out", "--db", "out/summary.md"], "out/summary.md"),
    (["batch", "b.toml", "-o", "out", "--db", "out/e1/runs.png"], "out/e1/runs.png"),
]


@pytest.mark.parametrize(("args", "db"), DB_AS_OUTPUT, ids=[" ".join(a) for a, _ in DB_AS_OUTPUT])
def test_no_output_replaces_the_database(here, args, db):
    (here / "b.toml").write_text(B)
    os.makedirs(os.path.dirname(db) or ".", exist_ok=True)
    make_db(db)
    before = snapshot(here)
    refused(invoke(args), "is an input of this command")
    assert snapshot(here) == before


@pytest.mark.parametrize("args", [
    ["run", "--db", "new.png", "-o", "new.png"],
    ["run", "--db", "new.csv", "--export", "new.csv", "--no-plot"],
    ["batch", "b.toml", "-o", "out", "--db", "out/summary.csv"],
])
def test_a_database_not_made_yet_is_an_input_too(here, args):
    (here / "b.toml").write_text(B)
    before = snapshot(here)
    refused(invoke(args), "is an input of this command")
    assert snapshot(here) == before


def test_a_link_to_the_database_is_the_database(here):
    make_db("r.db")
    os.symlink("r.db", "link.png")
    before = snapshot(here)
    refused(invoke(["run", "--db", "r.db", "-o", "link.png"]), "(it is ")
    assert snapshot(here) == before


def test_rule_files_and_recipes_are_inputs(here):
    (here / "mine.toml").write_text(RULE)
    refused(invoke(["run", "--opt", "mine.toml", "--no-plot", "--export", "mine.toml"]),
            "Unknown export format")  # (the suffix first) and as a picture:
    os.symlink("mine.toml", "mine.png")
    refused(invoke(["run", "--opt", "mine.toml", "-o", "mine.png"]), "is an input")
    assert (here / "mine.toml").read_text() == RULE


# -- 2. no user text runs as script in a page ---------------------------------------------

PAYLOAD = '<img src=x onerror="window.pwned=1">'


@pytest.fixture(scope="module")
def browser():
    from test_browser import ARGS, CHROMIUM, MISSING

    if MISSING:
        pytest.skip(MISSING)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def load(browser, path, player: bool = True):
    """``path`` in Chromium: its console errors and every request it made."""
    tab = browser.new_page()
    errors, requests = [], []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.on("request", lambda r: requests.append(r.url))
    tab.goto(path.as_uri())
    if player:
        tab.wait_for_function("window.adamvizPlayer !== undefined", timeout=20000)
    tab.wait_for_timeout(300)  # an onerror handler would have run by now
    tab.errors, tab.requests = errors, requests
    return tab


def assert_safe(tab, path) -> None:
    assert tab.evaluate("() => window.pwned") is None, "user text ran as script"
    assert tab.errors == [], tab.errors
    # nothing from the network: data: URIs and files beside the page only
    assert all(u.startswith(("data:", path.parent.as_uri() + "/")) for u in tab.requests), \
        tab.requests


HOSTILE_SURFACE = textwrap.dedent(f"""\
    name = "s"
    description = '{PAYLOAD} <!--<script> {{{{scripts}}}} {{{{data:json}}}} </script>'
    expr = "x**2 + 3*y**2"
    xlim = [-2, 2]
    ylim = [-2, 2]
    """)


@pytest.mark.parametrize("title", ["{{data}}", "{{data:json}}", f"{PAYLOAD}</title>",
                                   "<!--<script>", "{{scripts:asset}}"])
def test_a_title_and_a_description_are_text_in_the_player(here, browser, title):
    (here / "s.toml").write_text(HOSTILE_SURFACE)
    result = invoke(["run", "-s", "s.toml", "--opt", "sgd", "--opt", "adam", "-o", "p.html",
                     "--title", title, "-q"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    tab = load(browser, here / "p.html")
    assert_safe(tab, here / "p.html")
    assert tab.inner_text("h1") == title and tab.title() == title
    assert tab.evaluate("() => window.adamvizPlayer.state().runs.length") == 2
    tab.close()


def test_the_api_player_escapes_its_title(here, browser):
    api.player(api.run("hump", ["adam"], steps=20), here / "p.html", title=PAYLOAD)
    tab = load(browser, here / "p.html")
    assert_safe(tab, here / "p.html")
    assert tab.inner_text("h1") == PAYLOAD
    tab.close()


RECIPE = textwrap.dedent("""\
    name = "{name}"
    title = '{text}'
    caption = '{text} caption'
    surface = "hump"
    runs = ["adam"]
    steps = 20
    """)


def test_the_gallery_escapes_every_recipe_string(here, browser):
    (here / "r.toml").write_text(RECIPE.format(name="r", text=PAYLOAD + '"><script>x</script>'))
    result = invoke(["figures", "--only", "r.toml", "--html", "-o", "g", "-q"])
    assert result.exit_code == 0, result.stderr
    for page in ("index.html", "r.html"):
        tab = load(browser, here / "g" / page, player=page != "index.html")
        assert_safe(tab, here / "g" / page)
        tab.close()
    index = (here / "g" / "index.html").read_text()
    assert "<script>x" not in index and 'href="r.html"' in index


@pytest.mark.parametrize("name", ['"><img src=x onerror=alert(1)>', "../escaped", "a/b", "",
                                  ".hidden", "x" * 101, "é"])
def test_a_recipe_name_is_a_file_name_or_refused(here, name):
    (here / "r.toml").write_text(RECIPE.format(name=name.replace('"', '\\"'), text="t"))
    before = snapshot(here)
    refused(invoke(["figures", "--only", "r.toml", "--html", "-o", "g"]), "file name")
    assert snapshot(here) == before


# -- 3. every size a command accepts gives a working page ---------------------------------

def test_150_live_runs_of_1000_steps_play(here, browser):
    starts = [f"{-2 + i / 100},{1 - i / 200}" for i in range(150)]
    args = ["run", "--opt", "adam", "--steps", "1000", "--tol", "0", "-o", "p.html", "-q"]
    result = invoke(args + [a for s in starts for a in ("--start", s)])
    assert result.exit_code == 0, result.stderr
    tab = load(browser, here / "p.html")
    assert tab.errors == []
    shown = tab.evaluate("() => { const s = window.adamvizPlayer.state(); return "
                         "[s.runs.length, s.runs[149].points.length]; }")
    assert shown == [150, 1001]
    tab.close()


def test_400_recorded_runs_play(here, browser):
    starts = [f"{-2 + i / 200},{1 - i / 400}" for i in range(400)]
    args = ["run", "--opt", "sgd", "--steps", "300", "--noise", "0.1", "-o", "p.html", "-q"]
    assert invoke(args + [a for s in starts for a in ("--start", s)]).exit_code == 0
    tab = load(browser, here / "p.html")
    assert tab.errors == []
    assert tab.evaluate("() => window.adamvizPlayer.state().runs.length") == 400
    tab.close()


# -- 4. bad input is found before any work, and leaves nothing -------------------------------

@pytest.mark.parametrize(("args", "words"), [
    (["run", "--db", "new.db", "-s", "nope"], "Unknown surface"),
    (["run", "--db", "new.db", "--opt", "adam:lr=-1"], "Invalid learning rate"),
    (["run", "--db", "sub/new.db", "--opt", "nope"], "Unknown optimizer"),
    (["sweep", "--db", "new.db", "--param", "lr=-1"], "Invalid learning rate"),
    (["basins", "--db", "new.db", "--grid", "0"], "Invalid --grid"),
    (["batch", "missing.toml", "--db", "new.db"], "does not exist"),
])
def test_a_refused_command_makes_no_database(here, args, words):
    before = snapshot(here)
    refused(invoke(args), words)
    assert snapshot(here) == before


@pytest.mark.parametrize(("name", "words"), [
    ("λ", "not a plain name"), ("LR", "not a plain name"), ("id", "is one of the table"),
    ("label", "a column every summary has"), ("steps", "a column every summary has"),
    ("start_x", "a column every summary has"), ("class", "not a plain name"),
])
def test_a_hyperparameter_that_cannot_be_a_column_is_refused_before_the_picture(here, name,
                                                                                 words):
    (here / "o.toml").write_text(f'rule = "p = p - {name}*g"\n[hyperparameters]\n'
                                 f'"{name}" = 0.1\n')
    before = snapshot(here)
    refused(invoke(["run", "--opt", "o.toml", "--db", "r.db", "-o", "r.png"]), words)
    assert snapshot(here) == before


def test_column_names_differing_in_case_or_too_many_are_refused():
    with pytest.raises(InputError, match="differ only in case"):
        check_columns(["lr", "LR"])
    with pytest.raises(InputError, match="differ only in case"):
        check_columns(["Beta1"], existing=["beta1"])
    with pytest.raises(InputError, match="at most 2,000"):
        check_columns([f"h{i}" for i in range(2500)])
    check_columns(["lr", "beta1"], existing=["lr"])


def test_2500_hyperparameters_are_refused_at_the_file(here):
    table = "".join(f"h{i} = 0.1\n" for i in range(2500))
    (here / "o.toml").write_text(f'rule = "p = p - h0*g"\n[hyperparameters]\n{table}')
    refused(invoke(["run", "--opt", "o.toml", "--db", "r.db", "--no-plot"]), "at most 64")
    assert not (here / "r.db").exists()


def test_another_programs_database_is_left_alone(here):
    conn = sqlite3.connect("theirs.db")
    conn.executescript("CREATE TABLE meta (key TEXT, value TEXT); INSERT INTO meta VALUES "
                       "('schema_version', '1'); CREATE TABLE experiments (id, what);")
    conn.close()
    before = snapshot(here)
    for args in (["run", "--db", "theirs.db", "--no-plot"], ["results", "theirs.db"]):
        refused(invoke(args), "not one this adamviz wrote")
        assert snapshot(here) == before
    assert sqlite3.connect("theirs.db").execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_a_damaged_database_is_one_line(here):
    make_db("r.db")
    data = bytearray(open("r.db", "rb").read())
    page = 4096
    data[2 * page + 8: 2 * page + 400] = os.urandom(392)  # a table page's cells
    open("r.db", "wb").write(bytes(data))
    before = snapshot(here)
    refused(invoke(["run", "--db", "r.db", "-o", "r.png"]), "damaged")
    assert snapshot(here) == before
    result = invoke(["results", "r.db", "--runs"])
    assert result.exit_code == 2 and "please report it" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


AS_NOBODY = (os.geteuid() == 0 and
             subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                             sys.executable, "-c", "import adamviz"],
                            capture_output=True).returncode == 0)


def as_other_user(args, cwd):
    """``adamviz args`` as a user who may not write what root made read-only (root may)."""
    command = [sys.executable, "-m", "adamviz", *args]
    if os.geteuid() == 0:
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "MPLCONFIGDIR": "/tmp"})


@pytest.mark.skipif(os.geteuid() == 0 and not AS_NOBODY,
                    reason="as root, read-only files are writable, and user nobody cannot run "
                           "this Python (its folder is private)")
def test_a_read_only_database_is_read_and_never_written(monkeypatch):
    import pathlib
    import tempfile

    folder = pathlib.Path(tempfile.mkdtemp(prefix="adamviz-ro-"))  # a folder others can enter
    os.chmod(folder, 0o755)
    monkeypatch.chdir(folder)
    make_db("r.db")
    os.chmod("r.db", 0o444)
    os.chmod(folder, 0o555)
    try:
        before = snapshot(folder)
        read = as_other_user(["results", "r.db", "--by", "optimizer"], folder)
        assert read.returncode == 0, read.stderr
        assert "adam" in read.stdout
        wrote = as_other_user(["run", "--db", "r.db", "-o", "/tmp/adamviz-ro.png"], folder)
        assert wrote.returncode == 2 and "read-only" in wrote.stderr, wrote.stderr
        assert len(wrote.stderr.strip().splitlines()) == 1
        assert not os.path.exists("/tmp/adamviz-ro.png")
        assert snapshot(folder) == before  # no -wal, no -shm
    finally:
        os.chmod(folder, 0o755)
        shutil.rmtree(folder)


def test_reading_a_database_leaves_no_journal_files(here):
    make_db("r.db")
    before = snapshot(here)
    assert invoke(["results", "r.db", "--by", "optimizer"]).exit_code == 0
    with Database("r.db", create=False) as db:
        assert db.columns()
    assert snapshot(here) == before


# -- 5. one broken thing never takes a listing down; never block on a special file -----------

def test_the_optimizer_listing_names_the_broken_and_lists_the_good(here, monkeypatch):
    folder = here / "mine"
    folder.mkdir()
    (folder / "good.toml").write_text(RULE)
    (folder / "broken.toml").write_text('rule = "p = p -"\n')
    (folder / "adam.toml").write_text(RULE)  # a built-in's name
    (folder / "sneaky.toml").write_text('name = "adam"\n' + RULE)
    (folder / "².toml").write_text(RULE)
    os.mkfifo(folder / "fifo.toml")
    monkeypatch.setenv("ADAMVIZ_OPTIMIZERS", f"{folder}{os.pathsep}{here / 'missing'}")
    result = invoke(["optimizers"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "good: p = p - lr*g" in out and "\nadam: m = β₁·m" in out and "lion:" in out
    for name, words in [("broken", "not a valid formula"), ("adam", "taken by"),
                        ("sneaky", "built-in optimizer's"), ("²", "what --opt calls it"),
                        ("fifo", "not a regular file"), ("ADAMVIZ_OPTIMIZERS", "missing")]:
        assert any(line.startswith(f"{name}: cannot be used:") and words in line
                   for line in out.splitlines()), (name, out)
    document = json.loads(invoke(["optimizers", "--json"]).stdout)
    errors = {e["name"] for e in document["optimizers"] if "error" in e}
    assert {"broken", "sneaky", "fifo", "²"} <= errors and "good" not in errors


def test_a_missing_surfaces_folder_is_named_and_blocks_nothing(here, monkeypatch):
    (here / "mine").mkdir()
    (here / "mine" / "bad.toml").write_text('name = "bad"\nexpr = "x^2"\nxlim = [-1, 1]\n')
    os.mkfifo(here / "mine" / "fifo.toml")
    monkeypatch.setenv("ADAMVIZ_SURFACES", f"{here / 'mine'}{os.pathsep}{here / 'gone'}")
    listed = invoke(["surfaces"])
    assert listed.exit_code == 0 and "hump: " in listed.stdout
    for name, words in [("bad", "is not a power"), ("fifo", "not a regular file"),
                        ("ADAMVIZ_SURFACES", "gone")]:
        assert any(line.startswith(f"{name}: cannot be used:") and words in line
                   for line in listed.stdout.splitlines()), (name, listed.stdout)
    assert invoke(["run", "--no-plot", "-q"]).exit_code == 0
    refused(invoke(["run", "-s", "humpp", "--no-plot"]), "gone")


PLUGIN = """\
import sys
print("a plugin printing on import")
{body}
def make(lr=0.1):
    {factory}
"""


@pytest.mark.parametrize(("body", "factory", "words"), [
    ("sys.exit(3)", "pass", "sys.exit(3)"),
    ("raise RuntimeError('broken package')", "pass", "broken package"),
    ("", "raise ValueError('bad factory')", "bad factory"),
    ("", "return 42", "An optimizer is"),
])
def test_a_broken_plugin_is_one_line_and_listed(tmp_path, body, factory, words):
    (tmp_path / "plug.py").write_text(PLUGIN.format(body=body, factory=factory))
    info = tmp_path / "plug-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: plug\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[adamviz.optimizers]\nplugged = plug:make\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "MPLBACKEND": "Agg"}

    def adamviz(*args):
        return subprocess.run([sys.executable, "-m", "adamviz", *args], capture_output=True,
                              text=True, env=env, cwd=tmp_path, timeout=120)

    ran = adamviz("run", "--opt", "plugged", "--no-plot", "--json")
    assert ran.returncode == 2 and ran.stdout == "", (ran.returncode, ran.stdout, ran.stderr)
    assert words in ran.stderr and len(ran.stderr.strip().splitlines()) == 1, ran.stderr
    listed = adamviz("optimizers")
    assert listed.returncode == 0, listed.stderr
    assert "adam: m = β₁·m" in listed.stdout and "a plugin printing" not in listed.stdout
    assert "plugged: cannot be used:" in listed.stdout, listed.stdout
    assert words in listed.stdout


@pytest.mark.parametrize("args", [
    ["run", "-s", "./f.toml", "--no-plot"], ["run", "--opt", "f.toml", "--no-plot"],
    ["batch", "f.toml"], ["figures", "--only", "f.toml"], ["results", "f.toml"],
    ["run", "--db", "f.toml", "--no-plot"],
])
def test_a_fifo_is_refused_not_waited_on(tmp_path, args):
    os.mkfifo(tmp_path / "f.toml")
    ran = subprocess.run([sys.executable, "-m", "adamviz", *args], capture_output=True,
                         text=True, cwd=tmp_path, timeout=60,
                         env={**os.environ, "MPLBACKEND": "Agg"})
    assert ran.returncode == 2, ran.stderr
    assert "not a regular file" in ran.stderr and "please report" not in ran.stderr


# -- 6. nothing passes for a built-in; a user's gradient is checked --------------------------

def test_a_rule_file_may_not_pass_for_a_builtin(here):
    (here / "adam.toml").write_text('name = "adam"\nrule = "p = p + lr*g"\n'
                                    '[hyperparameters]\nlr = 0.1\n')
    refused(invoke(["run", "--opt", "adam.toml", "--no-plot", "--db", "r.db"]),
            "is a built-in optimizer's")
    assert not (here / "r.db").exists()


def bowl(x, y):
    return (x - 1) ** 2 + 2 * (y + 0.5) ** 2


@pytest.mark.parametrize(("grad", "words"), [
    (lambda x, y: (2 * (x - 3), 4 * (y + 0.5)), "disagrees with the function's own slope"),
    (lambda x, y: (2 * (x - 1),), "returned 1 component; it must return (df/dx, df/dy)"),
    (lambda x, y: ("a", "b"), "as numbers or arrays"),
    (lambda x, y: (0 * x, 0 * y), "disagrees"),  # zero everywhere: "converged" at the start
])
def test_a_gradient_that_lies_is_refused(grad, words):
    with pytest.raises(InputError, match=words.replace("(", r"\(").replace(")", r"\)")):
        Surface.from_function(bowl, (-3, 3), (-2, 2), grad=grad, minima=[(1, -0.5)])


def test_a_zero_gradient_at_a_listed_point_that_is_no_minimum_is_refused():
    def grad(x, y):  # true except at the listed "minimum" (0, 0), where it claims zero
        zero = (x == 0) & (y == 0)
        return np.where(zero, 0.0, 2 * (x - 1)), np.where(zero, 0.0, 4 * (y + 0.5))

    with pytest.raises(InputError, match=r"at \(0, 0\)"):
        Surface.from_function(bowl, (-3, 3), (-2, 2), grad=grad, minima=[(0, 0)])


def test_a_true_gradient_is_taken():
    surface = Surface.from_function(bowl, (-3, 3), (-2, 2),
                                    grad=lambda x, y: (2 * (x - 1), 4 * (y + 0.5)),
                                    minima=[(1, -0.5)])
    np.testing.assert_allclose(api.run(surface, "adam:lr=0.1", steps=500).runs[0].end,
                               [1, -0.5], atol=1e-3)


# -- 7. what used to be "please report it" -------------------------------------------------

@pytest.mark.parametrize(("file", "text", "words"), [
    ("o.toml", 'rule = "p = p - lr*g*m; m = m"\n[hyperparameters]\nlr = 0.1\n[state]\n_m = 0\n',
     "not a plain name"),
    ("o.toml", RULE + "[state]\nclass = 0\n", "not a plain name"),
    ("o.toml", RULE + '[state]\n"__proto__" = 0\n', "not a plain name"),
    ("1abc.toml", RULE, "what --opt calls it"),
    ("².toml", RULE, "what --opt calls it"),
    ("o.toml", 'rule = "c = 1/(beta - 0.5); p = p - lr*c*g"\n[hyperparameters]\nlr = 0.1\n'
     "beta = 0.5\n", "a division by zero with beta = 0.5"),
    ("o.toml", 'rule = "c = exp(beta); p = p - lr*c*g"\n[hyperparameters]\nlr = 0.1\n'
     "beta = 1000\n", "a number too large for a float"),
    ("o.toml", 'rule = "c = beta**beta; p = p - lr*c*g"\n[hyperparameters]\nlr = 0.1\n'
     "beta = 1000\n", "too large"),
    ("o.toml", 'rule = "c = log(beta - 1); p = p - lr*c*g"\n[hyperparameters]\nlr = 0.1\n'
     "beta = 1\n", "outside a function's domain"),
])
def test_a_rule_file_that_cannot_run_is_one_line(here, file, text, words):
    (here / file).write_text(text)
    before = snapshot(here)
    refused(invoke(["run", "--opt", file, "-o", "x.png"]), words)
    assert snapshot(here) == before


def test_a_rule_that_breaks_down_at_a_later_step_diverges(here):
    """What its hyperparameters alone make impossible is refused (above); what a run meets
    later, as 1/(t - 3) at step 3, is a result: the run diverged there."""
    (here / "o.toml").write_text('rule = "c = 1/(t - 3); p = p - lr*c*g"\n'
                                 '[hyperparameters]\nlr = 0.01\n')
    result = invoke(["run", "--opt", "o.toml", "--no-plot", "--json"])
    assert result.exit_code == 0, result.stderr
    (run,) = json.loads(result.stdout)["runs"]
    assert run["status"] == "diverged" and run["steps"] == 2


def test_a_run_that_diverges_at_once_is_traced(here):
    result = invoke(["trace", "-s", "hump", "--opt", "adam:lr=1e308"])
    assert result.exit_code == 0, result.stderr
    assert "diverged" in result.stderr and "please report it" not in result.stderr
    for fmt in ("latex", "markdown", "csv", "json"):
        assert invoke(["trace", "-s", "hump", "--opt", "adam:lr=1e308", "--format", fmt]
                      ).exit_code == 0


def _torch_missing():
    try:
        import torch  # noqa: F401
    except ImportError:
        return "the bridge drives torch itself: pip install torch"
    return None


needs_torch = pytest.mark.skipif(_torch_missing() is not None, reason=_torch_missing() or "")


@needs_torch
@pytest.mark.parametrize(("spec", "words"), [
    ("torch:torch.optim.SparseAdam", "does not support dense gradients"),
    ("torch:torch.optim.Adam:differentiable=true", "one step with adamviz's dense"),
    ("torch:torch.optim.Adam:capturable=true", "one step with adamviz's dense"),
    ("torch:torch.optim.SGD:lr=true", "lr must be a number, got true"),
    ("torch:torch.optim.Adam:amsgrad=1", "amsgrad must be true or false"),
    ("torch:torch.optim.SGD:lr=0.1,foo=1", "unexpected keyword argument 'foo'"),
    ("torch:this.Zen", "not an importable subclass"),
])
def test_torch_optimizers_that_cannot_run_are_one_line(here, spec, words):
    result = invoke(["run", "--opt", spec, "--no-plot", "--json"])
    refused(result, words)
    assert result.stdout == ""  # import this prints the Zen: never on our stdout


@needs_torch
def test_a_schedule_moves_a_bridged_optimizers_rate(here):
    result = api.run("hump", ["torch:torch.optim.SGD:lr=0.1", "sgd:lr=0.1"], steps=60,
                     tol=None, schedule="step:step_size=20,gamma=0.1")
    bridged, ours = result.runs
    np.testing.assert_allclose(bridged.points, ours.points, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(bridged.effective_lr[1:, 0], ours.effective_lr[1:, 0])
    assert bridged.effective_lr[45, 0] == pytest.approx(0.001)


# -- 9. limits hold for what is asked, before any work ----------------------------------------

@pytest.mark.parametrize("args", [
    ["run", *[a for i in range(400) for a in ("--start", f"{i / 1000},0")], "--steps",
     "1000000", "--no-plot"],
    ["sweep", "--param", "lr=" + ",".join(str(0.01 + i / 1000) for i in range(40)),
     *[a for i in range(10) for a in ("--start", f"{i / 10},0")], "--steps", "1000000"],
])
def test_paths_that_would_not_fit_in_memory_are_refused_with_their_cost(here, args):
    refused(invoke(args), "GB of paths in memory")


def test_a_batch_experiment_too_large_to_keep_is_refused_at_load(here):
    starts = ", ".join(f"[{i / 1000}, 0]" for i in range(300))
    (here / "b.toml").write_text(B.replace("steps = 20", "steps = 1000000") +
                                 f"starts = [{starts}]\n")
    refused(invoke(["batch", "b.toml"]), "GB of paths in memory")


# -- 10. messages in words --------------------------------------------------------------------

def test_a_failed_experiment_says_what_happened_and_keeps_labels_for_labels(here, monkeypatch):
    from adamviz import batch_runs
    from adamviz.core.errors import RunError

    def full(*args, **kwargs):
        raise RunError("Cannot write 'out/e1/runs.png': No space left on device; nothing was "
                       "changed.")

    monkeypatch.setattr(batch_runs, "write_experiment", full)
    (here / "b.toml").write_text(B)
    result = invoke(["batch", "b.toml", "-o", "out"])
    assert result.exit_code == 1
    assert "Error: experiment e1 failed: Cannot write" in result.stderr
    assert "adamviz.core" not in result.stderr and "RunError" not in result.stderr
    summary = (here / "out" / "summary.csv").read_text().splitlines()
    assert summary[0].endswith(",status,error")
    row = dict(zip(summary[0].split(","), summary[1].split(","), strict=False))
    assert row["label"] == "" and row["status"] == "failed"
    assert row["error"].startswith("Cannot write")


def test_one_is_singular(here):
    (here / "b.toml").write_text(B)
    result = invoke(["batch", "b.toml", "-o", "out", "--db", "r.db"])
    assert "1 run;" in result.stderr and "1 runs" not in result.stderr
    again = invoke(["batch", "b.toml", "-o", "out", "--db", "r.db"])
    assert "1 experiment already in r.db" in again.stderr
    assert "recorded 1 run in" in invoke(["run", "--db", "r.db", "--no-plot"]).stderr


# -- what a second hostile probe found (other cases of the same kinds) -----------------------

@pytest.mark.parametrize(("args", "words"), [
    (["trace", "-s", "hump", "--opt", "adam", "--opt", "sgd"], "--opt is given twice"),
    (["trace", "-s", "hump", "--start", "1,1", "--start", "2,0"], "--start is given twice"),
    (["sweep", "--opt", "adam", "--opt", "sgd", "--param", "lr=0.1"], "--opt is given twice"),
    (["run", "--view", "contour", "--view", "loss", "-o", "b.png"], "--view is given twice"),
    (["run", "--loop", "--no-loop", "-o", "a.gif"], "--loop and --no-loop contradict"),
    (["run", "--steps=3", "--steps", "4", "--no-plot"], "--steps is given twice"),
])
def test_a_flag_that_takes_one_value_is_not_silently_overridden(here, args, words):
    before = snapshot(here)
    refused(invoke(args), words)
    assert snapshot(here) == before


def test_two_format_flags_contradict_and_one_twice_is_fine(here):
    make_db("r.db")
    refused(invoke(["results", "r.db", "--csv", "--json"]), "--csv and --json contradict")
    assert invoke(["results", "r.db", "--csv", "--csv"]).exit_code == 0
    assert invoke(["run", "--steps", "3", "--steps", "3", "--no-plot", "-q"]).exit_code == 0


def shell(command: str, cwd) -> subprocess.CompletedProcess:
    """``command`` in a real bash, ``adamviz`` being this Python's."""
    return subprocess.run(["bash", "-c", f"adamviz() {{ {sys.executable} -m adamviz \"$@\"; }}; "
                                         f"{command}"], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "MPLBACKEND": "Agg"})


def test_bare_adamviz_prints_its_help(tmp_path):
    done = shell("adamviz", tmp_path)
    assert done.returncode == 0 and done.stdout.startswith("Usage: adamviz") and \
        "Commands:" in done.stdout and done.stderr == ""


@pytest.mark.parametrize("command", ["adamviz surfaces > /dev/full",
                                     "adamviz run --no-plot --json > /dev/full",
                                     "adamviz trace --example lecture > /dev/full"])
def test_a_full_standard_output_is_one_line(tmp_path, command):
    done = shell(command + "; echo rc=$?", tmp_path)
    assert "rc=1" in done.stdout and done.stderr.strip() == \
        "Error: Cannot write to standard output: No space left on device."


@pytest.mark.parametrize("command", [
    "adamviz surfaces | head -1", "adamviz run -o - --format png | head -c 10 | wc -c",
    "adamviz run --no-plot --export - --steps 300 -q | head -2"])
def test_a_reader_that_stops_early_is_no_error(tmp_path, command):
    done = shell(command + "; echo rc=${PIPESTATUS[0]}", tmp_path)
    assert done.stdout.rstrip().endswith("rc=0"), done.stdout
    assert "Error" not in done.stderr


LONG = "a" * 256


@pytest.mark.parametrize("args", [
    ["run", "--steps", "5", "-o", f"{LONG}/p.png"],
    ["run", "--steps", "5", "--no-plot", "--db", f"{LONG}/x.db"],
    ["batch", "b.toml", "-o", LONG],
    ["figures", "--only", "fig1-local-minimum", "-o", LONG],
    ["batch", "b.toml", "-o", "out", "--db", f"{LONG}.db"],
    ["run", "-o", "new/sub/p.png", "--start", "100,100"],
    ["run", "--no-plot", "--export", "new/x.csv", "--opt", "bogus"],
])
def test_a_path_that_cannot_be_is_refused_and_no_folder_is_left(here, args):
    (here / "b.toml").write_text(B)
    before = snapshot(here)
    result = invoke(args)
    assert result.exit_code == 2 and "please report it" not in result.stderr, result.stderr
    assert snapshot(here) == before and sorted(os.listdir(here)) == ["b.toml"]


def test_an_experiment_name_too_long_for_a_folder_is_refused_before_any_run(here):
    (here / "b.toml").write_text(B + B.replace('"e1"', '"' + "x" * 300 + '"'))
    refused(invoke(["batch", "b.toml", "-o", "out"]), "at most 100")
    assert not (here / "out").exists()


def test_figures_never_lose_one_figure_to_another(here):
    (here / "a.toml").write_text(RECIPE.format(name="same", text="a"))
    (here / "b.toml").write_text(RECIPE.format(name="same", text="b"))
    refused(invoke(["figures", "--only", "./a.toml,./b.toml", "-o", "g"]), "both named 'same'")
    (here / "i.toml").write_text(RECIPE.format(name="index", text="i"))
    refused(invoke(["figures", "--only", "i.toml", "--html", "-o", "g"]), "not 'index'")
    os.mkdir("out")
    (here / "out" / "rec.gif").write_text(RECIPE.format(name="rec", text="r"))
    before = snapshot(here)
    refused(invoke(["figures", "--only", "./out/rec.gif", "-o", "out", "--gif"]), "is an input")
    assert snapshot(here) == before  # checked before the still was drawn


def test_an_edited_optimizer_file_is_run_again(here):
    (here / "mine.toml").write_text(RULE)
    (here / "b.toml").write_text(B.replace('["adam"]', '["mine.toml"]'))
    assert invoke(["batch", "b.toml", "-o", "out", "--db", "r.db", "-q"]).exit_code == 0
    (here / "mine.toml").write_text(RULE.replace("lr*g", "lr*g*2"))
    again = invoke(["batch", "b.toml", "-o", "out", "--db", "r.db"])
    assert again.exit_code == 0 and "already in" not in again.stderr


def test_the_surface_listing_refuses_what_run_refuses(here):
    (here / "s").mkdir()
    (here / "s" / "mine.toml").write_text(HOSTILE_SURFACE.replace('"s"', '"other"'))
    (here / "s" / "m2.toml").write_text(HOSTILE_SURFACE.replace('"s"', '"m2"') +
                                        "[[minima]]\nat = [0.5, 0.5]\n")
    listed = invoke(["surfaces", "--surfaces-dir", "s"]).stdout
    assert "mine: cannot be used:" in listed and "does not match the file name" in listed
    assert "m2: cannot be used:" in listed and "is not a minimum" in listed


@pytest.mark.parametrize(("where", "words"), [
    ("lr < '0.01'", "lr holds numbers, and '0.01' is text"),
    ("lr = '0.3'", "write 0.3 without quotes"),
    ("final_loss < '1'", "final_loss holds numbers"),
    ("label = 5", "label holds text"),
    ("steps > '3'", "steps holds numbers"),
])
def test_a_filter_value_of_the_wrong_kind_is_refused(here, where, words):
    make_db("r.db")
    refused(invoke(["results", "r.db", "--where", where]), words)


def test_a_filter_value_of_the_right_kind_matches(here):
    make_db("r.db")
    assert "adam" in invoke(["results", "r.db", "--where", "lr > 0.1"]).stdout
    assert "adam" not in invoke(["results", "r.db", "--where", "lr < 0.1"]).stdout


@pytest.mark.parametrize("call", [
    lambda r: api.save_plot(None, "x.png"), lambda r: api.plot(None),
    lambda r: api.save_plot(r, 123), lambda r: api.save_plot(r, "x.png", title=5),
    lambda r: api.save_plot(r, "x.png", dpi=-5), lambda r: api.save_plot(r, "x.png", dpi=0.5),
    lambda r: api.save_plot(r, "x.png", dpi=float("nan")),
    lambda r: api.animate(r, "a.gif", fps="20"), lambda r: api.sweep("hump", "adam", {"lr": 0.1}),
    lambda r: api.sweep("hump", "adam", {"lr": "0.1,0.2"}),
    lambda r: Surface.from_function(bowl, (-3, 3), (-2, 2), grad=lambda x, y: 3),
    lambda r: Surface.from_function(lambda x, y: np.zeros(3), (-3, 3), (-2, 2)),
    lambda r: Surface.from_function(lambda x, y: x + 1j * y, (-3, 3), (-2, 2)),
    lambda r: api.save_plot(r, "x.png", views=["3d"], elev=float("inf")),
    lambda r: api.run("hump", "adam", steps=5, tuned="x"),
    lambda r: api.basins("hump", grid="10"), lambda r: api.sweep("hump", "adam", {1: [0.1]}),
    lambda r: api.batch(5), lambda r: api.save_plot(r, "x.png", views=[1]),
    lambda r: api.plot(r, ax=5), lambda r: __import__("adamviz").make_optimizer(5),
    lambda r: Surface.from_formula("x**2 + y**2", (-1, 1), (-1, 1), minima=5),
    lambda r: Surface.from_function(bowl, (-3, 3), (-2, 2), grad=lambda x, y: (x, y, 0)),
    lambda r: Surface.from_function(lambda x, y: 1 / 0, (-3, 3), (-2, 2)),
])
def test_the_library_refuses_wrong_values_in_its_own_words(here, call):
    result = api.run("hump", "adam", steps=10)
    with pytest.raises(InputError):
        call(result)
    assert not (here / "x.png").exists()


STEEP = 'name = "steep"\nexpr = "exp(700*x) + y"\nxlim = [-1, 1]\nylim = [-1, 1]\n'


@pytest.mark.parametrize("out", ["p.png", "p.html", "p.gif"])
def test_a_steep_surface_draws(here, out):
    (here / "steep.toml").write_text(STEEP)
    result = invoke(["run", "-s", "steep.toml", "--view", "contour" if out != "p.png" else
                     "contour,3d,loss", "-o", out, "--frames", "5"] if out == "p.gif" else
                    ["run", "-s", "steep.toml", "-o", out])
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize(("args", "words"), [
    (["--math", "--title", "loss $x_$"], "'$x_$' is not valid mathtext"),
    (["--title", "w " * 200], "at most 300 characters"),
    (["--view", "3d", "--azim", "inf"], "Invalid azim"),
    (["--view", "3d", "--elev", "nan"], "Invalid elev"),
    (["--size", "100000x100000"], "each side must be 100 to 10000"),
])
def test_bad_drawing_options_are_refused_before_the_runs(here, args, words):
    refused(invoke(["run", "-o", "p.png", *args]), words)
    assert not (here / "p.png").exists()


@pytest.mark.parametrize(("extra", "words"), [
    ("starts = [1, 2]\n", "starts[0] must be a point"),
    ("[[marks]]\nrun = 1\nat = 'best'\ncolor = 'notacolor'\n", "is not a colour"),
    # a held-out loss is a data surface's validation rows; the shifted surface is gone
    ("patience = 5\n[holdout]\nshift = [1, 1]\n", "unknown key 'holdout'"),
    ("scaled = 1e-300\n", "scaled must be a factor"),
])
def test_a_malformed_recipe_is_refused_at_load(here, extra, words):
    (here / "r.toml").write_text(RECIPE.format(name="r", text="t") + extra)
    refused(invoke(["figures", "--only", "r.toml", "-o", "g"]), words)
    assert not (here / "g").exists()


def test_a_recipe_setting_names_its_file(here):
    (here / "r.toml").write_text(RECIPE.format(name="r", text="t").replace("steps = 20",
                                                                           'steps = "10"'))
    refused(invoke(["figures", "--only", "r.toml", "-o", "g"]), "r.toml: Invalid steps: '10'")


def test_a_huge_description_is_refused_at_once(here):
    (here / "s.toml").write_text(HOSTILE_SURFACE.replace(PAYLOAD, "word " * 150_000))
    refused(invoke(["run", "-s", "s.toml", "-o", "p.png"]), "at most 300 characters")


@pytest.mark.parametrize(("args", "words"), [
    (["sweep", "--param", "lr=0.1", "-o", "s.gif"], "use one of .png, .svg, .pdf."),
    (["results", "/dev/null"], "not a regular file"),
    (["run", "--no-plot", "--db", ""], "path is empty"),
    (["run", "-o", ".png"], "hidden file's name"),
])
def test_messages_say_what_is_wrong(here, args, words):
    refused(invoke(args), words)


def test_minus_means_standard_output_everywhere(here):
    make_db("r.db")
    assert invoke(["results", "r.db", "-o", "-"]).stdout.startswith("id")
    out = invoke(["trace", "--example", "lecture", "-o", "-", "--format", "csv"]).stdout
    assert out.startswith("t,w,g,m,v")


def test_a_file_saved_with_a_byte_order_mark_is_read(here):
    (here / "s.toml").write_bytes(b"\xef\xbb\xbf" + HOSTILE_SURFACE.encode())
    assert invoke(["run", "-s", "s.toml", "--no-plot", "-q"]).exit_code == 0


def test_a_long_flat_sum_is_not_called_nested():
    formula = " + ".join(["x*y"] * 60)
    surface = Surface.from_formula(formula, (-1, 1), (-1, 1))
    np.testing.assert_allclose(surface.gradient([[0.5, 0.25]]), [[15, 30]])


@needs_torch
def test_a_pair_in_a_torch_spec_says_how_to_write_it(here):
    refused(invoke(["run", "--opt", "torch:torch.optim.Adam:betas=0.9", "--no-plot"]),
            "give beta1= and beta2= instead")


@pytest.mark.parametrize("sig", ["INT", "TERM"])
def test_a_parallel_batch_stops_at_once_on_a_signal(tmp_path, sig):
    """A stopped worker used to be able to hang the pool's clean-up (2 times in 10)."""
    code = {"INT": 130, "TERM": 143}[sig]
    for attempt in range(3):
        out = tmp_path / f"res{attempt}"
        process = subprocess.Popen(
            [sys.executable, "-m", "adamviz", "batch", str(REPO / "examples" / "compare.toml"),
             "--jobs", "2", "-o", str(out), "--db", str(tmp_path / f"r{attempt}.db"), "-q"],
            stderr=subprocess.PIPE, text=True, env={**os.environ, "MPLBACKEND": "Agg"})
        import time

        time.sleep(1.5 + 0.3 * attempt)
        process.send_signal(getattr(__import__("signal"), f"SIG{sig}"))
        try:
            _, err = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            pytest.fail("the batch hung after the signal")
        if process.returncode == 0:
            continue  # it had finished already
        assert process.returncode == code and "Traceback" not in err, err
        assert not list(out.rglob(".*.part*"))


def test_one_long_live_run_plays(here, browser):
    assert invoke(["run", "--opt", "sgd", "--steps", "300000", "--tol", "0", "-o", "p.html",
                   "-q"]).exit_code == 0
    tab = load(browser, here / "p.html")
    assert tab.errors == []
    assert tab.evaluate("() => window.adamvizPlayer.state().runs[0].points.length") == 300001
    assert tab.evaluate("() => window.adamvizPlayer.state().live") is True
    tab.close()


class Evil:
    """A Python optimizer whose name is markup."""

    name = PAYLOAD
    hyperparams = {"lr": 0.1}

    def init(self, params):
        return ()

    def update(self, grads, state, params=None):
        return -0.1 * grads, state


def test_a_python_optimizers_name_is_text_in_the_notebook_and_the_player(here, browser):
    result = api.run("hump", [Evil(), "adam"], steps=20)
    html = result._repr_html_()
    assert "<img src=x" not in html and "&lt;img src=x onerror" in html
    api.player(result, here / "p.html")
    tab = load(browser, here / "p.html")
    assert_safe(tab, here / "p.html")
    assert PAYLOAD in tab.inner_text("body")
    tab.close()


# -- what a third hostile probe found ----------------------------------------------------------

CURVE = 'name = "c"\nexpr = "(x**2 - 1)**2 - 0.3*x"\nxlim = [-2, 2]\n'


@pytest.mark.parametrize(("files", "args", "words"), [
    ({"c.toml": CURVE}, ["sweep", "-s", "c.toml", "--param", "lr=0.01,0.1"], "is a curve f(x)"),
    ({"c.toml": CURVE, "b.toml": B.replace('"hump"', '"c.toml"').replace(
        '["contour", "summary"]', '["grid", "summary"]')}, ["batch", "b.toml"], "needs a surface"),
    ({"c.toml": CURVE, "b.toml": B.replace('"hump"', '"c.toml"') +
      "starts = { x = [-1, 1, 5], y = [0, 0, 1] }\n"}, ["batch", "b.toml"], "grid of starts"),
    ({"b.toml": B.replace('["contour", "summary"]', "[]")}, ["batch", "b.toml"], ".outputs"),
    ({"b.toml": B.replace('["adam"]', '["adam:lr=0.1"]') + "sweep = { lr = [0.1, 0.2] }\n"},
     ["batch", "b.toml"], "sets lr itself"),
    ({"b.toml": B + 'sweep = { lr = [0.1, 0.2] }\ntune = { param = "lr" }\n'},
     ["batch", "b.toml"], "sweep.lr and tune both set every lr"),
    ({"o/kw.toml": 'rule = "p = p - e*g"\n[hyperparameters]\ne = 0.01\n'},
     ["run", "--opt", "o/kw.toml", "--no-plot"], "a constant or function of the rule grammar"),
    ({}, ["run", "--schedule", "step:step_size=5,gamma=-0.5", "--no-plot"], "gamma must be > 0"),
    ({}, ["run", "--schedule", "cosine:T_max=10,T_max=20", "--no-plot"], "Bad schedule"),
    ({}, ["batch", "b.toml", "-o", "-"], "cannot hold them"),
    ({}, ["figures", "-o", "-"], "cannot hold them"),
])
def test_more_bad_input_is_one_line(here, files, args, words):
    for name, text in files.items():
        os.makedirs(os.path.dirname(name) or ".", exist_ok=True)
        (here / name).write_text(text)
    before = snapshot(here)
    refused(invoke(args), words)
    assert snapshot(here) == before


@pytest.mark.parametrize(("claim", "words"), [
    ("check = 'reaches'\nrun = 'a'\nkind = 'global'", "run must be a run's number"),
    ("check = 'mean-step'\nrun = 1\nbetween = 5", "between must be [low, high]"),
    ("check = 'highest-point'\nrun = 1\nbetween_x = 'ab'\nbelow = 1", "between_x must be"),
    ("check = 'diagonal-start'\nruns = '12'", "runs must be a list of run numbers"),
    ("check = 'reaches'\nrun = 1\nkind = 'best'", "kind must be 'global' or 'local'"),
])
def test_a_claims_parameters_are_typed_at_load(here, claim, words):
    (here / "r.toml").write_text(RECIPE.format(name="r", text="t") + f"[[claims]]\n{claim}\n")
    refused(invoke(["figures", "--only", "r.toml", "-o", "g"]), words)


def test_a_claim_that_cannot_apply_is_one_line(here):
    (here / "r.toml").write_text(RECIPE.format(name="r", text="t") +
                                 "[[claims]]\ncheck = 'early-stopped'\nrun = 1\n")
    refused(invoke(["figures", "--only", "r.toml", "-o", "g"]), "does not apply to these runs")


def test_a_python_optimizer_may_not_pass_for_another():
    for name in ("adam", "lion", "my/opt", "x.toml"):
        Evil.name = name
        try:
            with pytest.raises(InputError, match="would pass for another optimizer"):
                api.run("hump", [Evil()], steps=5)
        finally:
            Evil.name = PAYLOAD


def test_basins_call_ends_at_no_listed_minimum_elsewhere(here):
    (here / "s.toml").write_text('name = "s"\nexpr = "(x**2 - 1)**2 + y**2"\nxlim = [-2, 2]\n'
                                 'ylim = [-1, 1]\n[[minima]]\nat = [1, 0]\n')
    result = invoke(["basins", "-s", "s.toml", "--opt", "adam:lr=0.05", "--grid", "6",
                     "--steps", "2000", "-o", "b.png", "--export", "e.csv"])
    assert result.exit_code == 0 and "elsewhere" in result.stdout
    assert "not converged" not in result.stdout
    rows = (here / "e.csv").read_text().splitlines()
    assert any(",none," in r and ",converged" in r for r in rows)  # converged, unlisted


WRITES = """\
import os
import torch
os.write(1, b"RAW AT IMPORT\\n")


class Loud(torch.optim.SGD):
    def step(self, closure=None):
        print("PRINT IN STEP")
        os.write(1, b"RAW IN STEP\\n")
        return super().step(closure)


class Reshape(torch.optim.SGD):
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                p.data = p.data.new_zeros(5)
"""


@needs_torch
def test_torch_code_cannot_write_to_our_standard_output(tmp_path):
    (tmp_path / "myopt.py").write_text(WRITES)
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "MPLBACKEND": "Agg"}
    ran = subprocess.run([sys.executable, "-m", "adamviz", "run", "--opt",
                          "torch:myopt.Loud:lr=0.01", "--steps", "3", "--no-plot", "--json"],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["runs"][0]["steps"] == 3
    bad = subprocess.run([sys.executable, "-m", "adamviz", "run", "--opt",
                          "torch:myopt.Reshape:lr=0.01", "--steps", "3", "--no-plot"],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert bad.returncode == 2 and "changed the shape" in bad.stderr


def test_a_run_is_recorded_before_its_files_are_written(here):
    make_db("r.db")
    conn = sqlite3.connect("r.db")
    conn.execute("CREATE TRIGGER nope BEFORE INSERT ON runs BEGIN SELECT raise(abort, 'no'); "
                 "END")
    conn.commit()
    conn.close()
    result = invoke(["run", "--steps", "5", "-o", "p.png", "--export", "e.csv", "--db", "r.db"])
    assert result.exit_code == 2 and "nothing was written" in result.stderr
    assert not (here / "p.png").exists() and not (here / "e.csv").exists()


def test_a_dangling_link_as_database_says_so(here):
    os.symlink("missing.db", "link.db")
    refused(invoke(["run", "--no-plot", "--db", "link.db"]), "which does not exist")


def test_a_long_echo_is_cut(here):
    result = invoke(["run", "--opt", "adam:lr=0.1" + ",x" * 20000, "--no-plot"])
    assert result.exit_code == 2 and len(result.stderr) < 700


def test_trace_says_its_gradient_is_before_clipping(here):
    result = invoke(["trace", "-s", "hump", "--opt", "adam:clip_norm=0.1", "--steps", "1",
                     "--format", "csv"])
    assert result.exit_code == 0 and "g is the gradient before clipping (clip_norm)" in \
        result.stderr


def test_a_figure_on_a_curve_says_it_has_no_player(here):
    (here / "r.toml").write_text('name = "r"\ntitle = "t"\ncaption = "c"\nruns = ["adam"]\n'
                                 'steps = 20\n[surface]\n' + CURVE)
    result = invoke(["figures", "--only", "./r.toml", "-o", "g", "--html", "-q"])
    assert result.exit_code == 0 and "r: no player" in result.stderr
    assert not (here / "g" / "r.html").exists() and 'href="r.png"' in \
        (here / "g" / "index.html").read_text()
