"""Faults while running and valid but extreme input: signals, a full disk, surfaces undefined
over part of their box, diverging runs in every view, text that looks like math. And property
tests: no formula, surface table or batch table makes anything but a result or an InputError."""

import os
import signal
import subprocess
import sys
import time
import uuid
import warnings

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from adamviz.cli import cli
from adamviz.core.errors import InputError
from adamviz.core.expressions import ExpressionError, parse
from adamviz.render.views import STILL_VIEWS
from adamviz.studies.runs import load_surface
from adamviz.surfaces import from_dict

ALL_VIEWS = ",".join(v for v, spec in STILL_VIEWS.items() if not spec.needs_model)  # a formula's
HALF = ('name = "half"\ndescription = "costs $5 and $\\\\frac{$"\nexpr = "log(x) + y**2"\n'
        'xlim = [-1, 2]\nylim = [-1, 1]\n')


def _hidden(w) -> bool:
    """A deprecation notice inside a dependency (matplotlib calling an older pyparsing API,
    say): Python does not show those to users, and they are not ours to fix."""
    ours = "adamviz" in str(w.filename)
    return issubclass(w.category, DeprecationWarning | PendingDeprecationWarning) and not ours


def invoke(tmp_path, monkeypatch, *args):
    """Run the CLI; it must succeed with nothing on stderr but its own notes, warnings (a
    diverged run is a result) and what it wrote, and no Python warning."""
    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    assert all(line.startswith(("note:", "warning:", "wrote "))
               for line in result.stderr.splitlines()), result.stderr
    seen = [w for w in caught if not _hidden(w)]
    assert not seen, [str(w.message) for w in seen]
    return result


@pytest.mark.parametrize("out", ["d.png", "d.gif"])
def test_diverging_runs_draw_in_every_view(tmp_path, monkeypatch, out):
    frames = ["--frames", "12"] if out.endswith(".gif") else []
    invoke(tmp_path, monkeypatch, "run", "-s", "hump", "--opt", "sgd:lr=10", "--opt", "adam",
           "--start", "2,1", "--view", ALL_VIEWS, *frames, "-o", out, "-q")
    assert (tmp_path / out).stat().st_size > 1000


@pytest.mark.parametrize("opt", ["sgd:lr=0.1", "sgd:lr=1"])
def test_a_surface_undefined_over_part_of_its_box_draws(tmp_path, monkeypatch, opt):
    """log(x): NaN for x < 0, -inf at 0. Holes, not infinite axis limits; the run that steps
    out of the domain is reported diverged, and the description is drawn as written."""
    (tmp_path / "half.toml").write_text(HALF)
    result = invoke(tmp_path, monkeypatch, "run", "-s", "half.toml", "--opt", opt,
                    "--start", "0.5,0.5", "--view", ALL_VIEWS, "-o", "h.png")
    assert "diverged" in result.stdout and (tmp_path / "h.png").exists()


@pytest.mark.parametrize("formula", ["0*x + 2", "x + y", "1e100*x**64 + y**2",
                                     "(0.5**1.5 / x + (y*pi)**0.5) + tan(2)",
                                     "tan(arcsinh(y)**-1) + x**2"])
def test_flat_linear_and_steep_surfaces_draw_without_warnings(tmp_path, monkeypatch, formula):
    (tmp_path / "f.toml").write_text(f'name = "f"\nexpr = "{formula}"\nxlim = [-2.5, 2.5]\n'
                                     f'ylim = [-1, 1]\nstart = [0.3, 0.4]\n')
    for out in ("f.png", "f.gif"):
        frames = ["--frames", "6"] if out.endswith(".gif") else []
        invoke(tmp_path, monkeypatch, "run", "-s", "f.toml", "--opt", "adam:lr=0.1", "--opt",
               "sgd:lr=0.1", "--steps", "60", "--view", ALL_VIEWS, *frames, "-o", out, "-q")


def test_user_text_is_literal(tmp_path, monkeypatch):
    from adamviz import api
    from adamviz.render.figure import compose
    from adamviz.render.settings import Look

    result = api.run("hump", ["adam"], steps=5)
    fig, _ = compose(result, look=Look(title="$\\frac{$ 5 dollars"))
    assert fig._suptitle.get_text() == "$\\frac{$ 5 dollars"
    assert fig._suptitle.get_parse_math() is False
    assert all(not t.get_parse_math() for t in fig.legends[0].get_texts())
    invoke(tmp_path, monkeypatch, "run", "--title", "$\\frac{$", "-o", "t.png", "-q")
    invoke(tmp_path, monkeypatch, "run", "--title", "$\\alpha$ = 0.1", "--math", "-o", "m.png",
           "-q")


def test_trace_of_a_diverging_run_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["trace", "-s", "hump", "--opt", "sgd:lr=10", "--start",
                                      "2,1", "--steps", "30", "--format", "json"])
    assert result.exit_code == 0
    assert result.stderr.strip() == "note: the run diverged after 1 step of the 30 asked for."
    assert '"status": "diverged"' in result.stdout


# --- signals: a real process, interrupted mid-way ---------------------------------------------

SLOW = """
[[experiment]]
name = "{name}"
surface = "beale"
optimizers = ["sgd", "momentum", "rmsprop", "adam"]
starts = [[1, 1.5]]
steps = 20000
tol = 0
outputs = ["gif", "summary"]
"""


def start(args, folder, mark):
    env = {**os.environ, "ADAMVIZ_TEST_MARK": mark}
    return subprocess.Popen([sys.executable, "-m", "adamviz", *args], cwd=folder, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def parts(folder):
    return [os.path.join(r, f) for r, _, files in os.walk(folder) for f in files if ".part" in f]


def wait_for_parts(proc, folder, seconds=60):
    """Until the work is writing (a temporary file exists), so the signal lands mid-way."""
    end = time.monotonic() + seconds
    while time.monotonic() < end and proc.poll() is None:
        if parts(folder):
            return
        time.sleep(0.05)
    pytest.fail(f"no temporary file appeared (exit {proc.poll()}): {proc.communicate()}")


def marked(mark):
    """Processes (children included, even orphaned ones) carrying the test's mark."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as handle:
                if f"ADAMVIZ_TEST_MARK={mark}".encode() in handle.read():
                    found.append(pid)
        except OSError:
            continue
    return found


@pytest.mark.parametrize("sig,code,line", [(signal.SIGTERM, 143, "Terminated."),
                                           (signal.SIGINT, 130, "Aborted.")])
def test_a_signal_mid_gif_leaves_the_old_file_and_no_part(tmp_path, sig, code, line):
    old = tmp_path / "big.gif"
    old.write_bytes(b"GIF89a the earlier, good file")
    mark = uuid.uuid4().hex
    proc = start(["run", "-s", "beale", "--opt", "sgd", "--opt", "adam", "--start", "1,1.5",
                  "--steps", "3000", "--tol", "0", "--frames", "3000", "-o", "big.gif"],
                 tmp_path, mark)
    wait_for_parts(proc, tmp_path)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == code and err.strip() == line, (proc.returncode, err)
    assert not parts(tmp_path) and old.read_bytes() == b"GIF89a the earlier, good file"


@pytest.mark.parametrize("sig,code,line", [(signal.SIGTERM, 143, "Terminated."),
                                           (signal.SIGINT, 130, "Aborted.")])
def test_a_signal_mid_batch_leaves_no_part_and_no_worker(tmp_path, sig, code, line):
    (tmp_path / "slow.toml").write_text(SLOW.format(name="one") + SLOW.format(name="two"))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "summary.csv").write_text("earlier\n")
    mark = uuid.uuid4().hex
    proc = start(["batch", "slow.toml", "--jobs", "2", "-o", "out"], tmp_path, mark)
    wait_for_parts(proc, out_dir)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == code and err.strip() == line, (proc.returncode, err)
    time.sleep(0.2)
    assert not parts(tmp_path) and not marked(mark)
    assert (out_dir / "summary.csv").read_text() == "earlier\n"


# --- a full disk ------------------------------------------------------------------------------

@pytest.fixture
def full_disk(tmp_path):
    """A 200 kB tmpfs holding one earlier picture: the next write fills it."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(mount)],
                          capture_output=True)
    if done.returncode:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.decode().strip()})")
    (mount / "keep.png").write_bytes(b"\x89PNG" + b"x" * 120_000)
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


@pytest.mark.parametrize("args", [
    ["run", "-o", "{d}/keep.png"],
    ["run", "--opt", "adam", "--opt", "sgd", "--frames", "400", "-o", "{d}/a.gif"],
    ["run", "--no-plot", "--export", "{d}/big.json", "--steps", "2000", "--tol", "0"],
    ["trace", "-s", "hump", "--opt", "sgd", "--start", "-2,1", "--steps", "20000",
     "-o", "{d}/t.txt"],
])
def test_a_full_disk_is_one_line_and_keeps_earlier_files(full_disk, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, [a.format(d=full_disk) for a in args])
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("Error: Cannot write")
    assert "No space left on device; nothing was changed." in result.stderr
    assert sorted(os.listdir(full_disk)) == ["keep.png"]
    assert (full_disk / "keep.png").stat().st_size == 120_004


# --- properties -------------------------------------------------------------------------------

ATOMS = ["x", "y", "1", "0", "2.5", "1e308", "1e-308", "pi", "e", "-", "+", "*", "/", "**",
         "(", ")", ",", "exp(", "log(", "sqrt(", "abs(", "sign(", "arctan2(", "tan(", "z", "^",
         "arccosh(", "arctanh(", "log1p(", "sigmoid(", "softplus(", "0.0", " "]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(ATOMS), min_size=1, max_size=14))
def test_any_formula_text_is_checked_or_refused_and_derivable(tokens):
    """Refused with ExpressionError, or accepted: then value, gradient and Hessian evaluate
    (to numbers or NaN/inf, never an exception) and listing stays numpy-free."""
    import numpy as np

    text = "".join(tokens)
    try:
        formula = parse(text)
    except ExpressionError:
        return
    dims = 2 if "y" in formula.variables else 1
    box = {"xlim": [-2, 3]} if dims == 1 else {"xlim": [-2, 3], "ylim": [-1, 2]}
    surface = from_dict({"name": "p", "expr": text, **box})
    points = np.random.default_rng(0).uniform(-2, 2, (7, dims))
    with np.errstate(all="ignore"):
        assert surface.loss(points).shape == (7,)
        assert surface.gradient(points).shape == (7, dims)
        assert surface.hessian(points).shape == (7, dims, dims)


VALUES = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=True),
                   st.text(max_size=6), st.lists(st.floats(-3, 3), max_size=3),
                   st.lists(st.integers(-3, 3), max_size=3),
                   st.dictionaries(st.sampled_from(["sgd", "adam", "at", "kind", "x"]),
                                   st.floats(-1, 1), max_size=2))
SURFACE_KEYS = ["name", "expr", "xlim", "ylim", "start", "minima", "steps", "lr", "levels",
                "description", "extra"]


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(SURFACE_KEYS), VALUES, max_size=8))
def test_any_surface_table_builds_or_is_refused(table):
    data = {"name": "p", "expr": "x**2 + y**2", "xlim": [-1, 1], "ylim": [-1, 1]}
    data.update({k: v for k, v in table.items() if v is not None})
    try:
        load_surface(from_dict(data, source="p.toml"))
    except InputError:
        pass


BATCH_KEYS = ["name", "surface", "optimizers", "starts", "steps", "noise", "seed", "tol",
              "patience", "sweep", "tune", "outputs", "other"]


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(BATCH_KEYS), VALUES, max_size=6))
def test_any_batch_table_loads_or_is_refused(tmp_path_factory, table):
    import tomllib

    from adamviz import outputs

    exp = {"name": "a", "surface": "hump", "optimizers": ["sgd"], "steps": 5}
    exp.update({k: v for k, v in table.items() if v is not None})
    path = tmp_path_factory.mktemp("b") / "b.toml"
    path.write_text(_toml({"experiment": [exp]}))
    try:
        tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError:
        return  # a value TOML cannot write (e.g. a nan key): nothing to test
    try:
        outputs.load_batch(path)
    except InputError:
        pass


def _toml(data) -> str:
    """A tiny TOML writer for the property test (tables of scalars, lists and inline tables)."""
    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float):
            return "nan" if v != v else ("inf" if v > 1e308 else "-inf" if v < -1e308
                                          else repr(v))
        if isinstance(v, int):
            return str(v)
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return "{ " + ", ".join(f'"{k}" = {value(x)}' for k, x in v.items()) + " }"

    lines = []
    for exp in data["experiment"]:
        lines.append("[[experiment]]")
        lines += [f'"{k}" = {value(v)}' for k, v in exp.items()]
    return "\n".join(lines) + "\n"


def test_the_library_takes_what_a_notebook_user_types():
    """One spec alone, one start alone (tuple, 1-D array, "x,y"), numpy numbers, None for the
    default; and a clear InputError for what cannot be meant."""
    import numpy as np

    from adamviz import api

    base = api.run("hump", ["adam"], [(-2.0, 1.0)], steps=5)
    for opts, starts, steps in [("adam", (-2, 1), 5), (None, np.array([-2, 1]), np.int64(5)),
                                (["adam"], "-2,1", 5)]:
        again = api.run("hump", opts, starts, steps=steps, seed=np.int64(0))
        np.testing.assert_array_equal(again.runs[0].points, base.runs[0].points)
    for bad, message in [(lambda: api.run(None), "A surface is a name"),
                         (lambda: api.run("hump", [5]), "An optimizer is a spec"),
                         (lambda: api.run("hump", starts=5), "Starts are points"),
                         (lambda: api.run("hump", starts=[(True, False)]), "finite numbers"),
                         (lambda: api.sweep("hump", "adam", [("lr", [0.1])]), "dict of lists")]:
        with pytest.raises(InputError, match=message):
            bad()
