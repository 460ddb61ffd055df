"""Surfaces as data: the built-ins are right, user files are checked, lookups are kind."""

import tomllib

import numpy as np
import pytest

import adamviz
from adamviz import api, surface_format, surfaces
from adamviz.core.errors import InputError
from conftest import REPO

BUILTINS = sorted(p.stem for p in (REPO / "surfaces").glob("*.toml"))


def test_the_documents_surfaces_and_the_classics_are_built_in():
    expected = {"hump", "plane", "valley", "rosenbrock", "beale", "himmelblau", "rastrigin",
                "saddle", "booth", "bowl"}
    assert expected <= set(BUILTINS)


def test_installed_package_lists_every_surface_file_of_the_repo():
    """Holds for an editable install and for a wheel (CI installs the wheel: not editable)."""
    assert set(surfaces.available()) == set(BUILTINS)
    assert (surfaces.builtin_dir() / "README.md").exists()


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_surface_is_consistent(name):
    s = api.load_surface(name)
    assert s.name == name
    assert s.description
    for (lo, hi), v in zip(s.box, s.default_start, strict=True):
        assert lo <= v <= hi
    if not s.minima:
        return
    pts = np.array([m.point for m in s.minima])
    grads = s.gradient(pts)
    losses = s.loss(pts)
    scale = max(1.0, float(np.abs(s.gradient(np.array([s.default_start]))).max()))
    assert np.abs(grads).max() < 1e-9 * scale, "gradient ~ 0 at every listed minimum"
    for point in pts:
        for (lo, hi), v in zip(s.box, point, strict=True):
            assert lo <= v <= hi, "minimum inside the box"
    # each listed minimum is a minimum: positive-definite Hessian
    assert (np.linalg.eigvalsh(s.hessian(pts)) > 0).all()
    kinds = [m.kind for m in s.minima]
    assert "global" in kinds
    glob = losses[[k == "global" for k in kinds]]
    assert np.ptp(glob) < 1e-9 * max(1, abs(glob).max()), "global minima share one value"
    if "local" in kinds:
        assert losses[[k == "local" for k in kinds]].min() > glob.max()
    # nothing on a fine grid of the box is lower than the global minimum
    axes = np.meshgrid(*[np.linspace(lo, hi, 301) for lo, hi in s.box])
    assert s.loss(np.column_stack([a.ravel() for a in axes])).min() >= glob.min() - 1e-9


@pytest.mark.parametrize("name", BUILTINS)
def test_every_surface_has_a_tuned_rate_for_every_built_in_optimizer(name):
    """A new optimizer file is not done until each surface says its rate
    (python scripts/tune_rates.py NAME writes them)."""
    missing = set(adamviz.OPTIMIZERS) - set(api.load_surface(name).lr)
    assert not missing, f"{name}.toml has no lr for {sorted(missing)}: run " \
                        f"python scripts/tune_rates.py {' '.join(sorted(missing))}"


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_defaults_do_not_diverge_for_any_optimizer(name):
    result = api.run(name, list(adamviz.OPTIMIZERS))
    assert [r.status for r in result.runs if r.status == "diverged"] == []


def test_hump_tells_the_essays_story_with_no_flags():
    result = api.run("hump", ["sgd", "momentum", "adam"])
    sgd, momentum, adam = result.runs
    assert result.reached(sgd) == "local"
    assert result.reached(momentum) == "global"
    assert result.reached(adam) == "global"


def test_the_readme_says_at_which_rates_the_hump_tells_its_story_and_what_one_rate_does():
    """The README's first claim holds as stated: at the rates it names (the hump file's, which
    differ), and at the one rate for all it names, where Adam stays beside SGD."""
    readme = " ".join((REPO / "README.md").read_text().split())
    hump = api.load_surface("hump")
    assert hump.lr["sgd"] == hump.lr["momentum"] == 0.01 and hump.lr["adam"] == 0.3
    assert "At the learning rates the hump file gives each optimizer (SGD and momentum 0.01, " \
           "Adam 0.3" in readme
    result = api.run("hump", ["sgd", "momentum", "adam"])
    assert [r.hyperparams["lr"] for r in result.runs] == [0.01, 0.01, 0.3]
    assert "learning rates differ (sgd 0.01, momentum 0.01, adam 0.3: hump's" in result.table()
    assert "at one rate for all, `--lr 0.01`, momentum still carries over but Adam stays " \
           "beside SGD in the local minimum" in readme
    equal = api.run("hump", ["sgd", "momentum", "adam"], lr=0.01)
    assert [equal.reached(r) for r in equal.runs] == ["local", "global", "local"]
    assert equal.notes() == []  # one rate: nothing to say


def test_user_file_with_only_required_keys_works(minimal_surface):
    result = api.run(str(minimal_surface), ["adam:lr=0.1"], steps=300)
    assert result.surface.default_start == (0.0, 0.0)  # the box's centre
    np.testing.assert_allclose(result.runs[0].end, [1.0, -0.5], atol=1e-3)


def test_surfaces_dir_and_environment_variable(tmp_path, minimal_surface, monkeypatch):
    assert "mine" in surfaces.available([minimal_surface.parent])
    assert api.load_surface("mine", [minimal_surface.parent]).name == "mine"
    monkeypatch.setenv("ADAMVIZ_SURFACES", str(minimal_surface.parent))
    assert api.load_surface("mine").name == "mine"


def write(tmp_path, body, name="bad"):
    path = tmp_path / f"{name}.toml"
    path.write_text(body)
    return str(path)


GOOD = 'name = "bad"\nexpr = "x**2 + y**2"\nxlim = [-1, 1]\nylim = [-1, 1]\n'


@pytest.mark.parametrize("body,message", [
    (GOOD + "stpes = 10\n", "unknown key 'stpes'; did you mean 'steps'?"),
    ('name = "bad"\nxlim = [-1, 1]\nylim = [-1, 1]\n', "missing required key 'expr'"),
    ('name = "bad"\nexpr = "x**2 + y"\nxlim = [-1, 1]\n', "the formula uses y, so 'ylim'"),
    (GOOD.replace("[-1, 1]\nylim", "[1, -1]\nylim"), "xlim must be [low, high] with low < high"),
    (GOOD + "start = [0]\n", "start must be a point [x, y]"),
    (GOOD + "steps = 0\n", "steps must be a whole number >= 1"),
    (GOOD + 'levels = "loggy"\n', "levels must be one of auto, linear, log"),
    (GOOD + "lr = { adam = -1 }\n", "lr.adam must be a positive number"),
    (GOOD + '[[minima]]\nat = [0, 0]\nkind = "best"\n', "kind must be 'global' or 'local'"),
    (GOOD + "[[minima]]\npoint = [0, 0]\n", "must be a table with at = [x, y]"),
    (GOOD.replace('"x**2 + y**2"', '"__import__(\'os\')"'), "expr: unknown function"),
    (GOOD + "steps = \n", "not valid TOML"),
])
def test_malformed_files_are_refused_with_file_and_key(tmp_path, body, message):
    path = write(tmp_path, body)
    with pytest.raises(InputError) as err:
        api.load_surface(path)
    assert message in str(err.value)
    assert path in str(err.value)


def test_unknown_optimizer_in_lr_table(tmp_path):
    path = write(tmp_path, GOOD + "lr = { adma = 0.1 }\n")
    with pytest.raises(InputError, match="lr.adma: unknown optimizer; did you mean 'adam'"):
        api.load_surface(path)


def test_unknown_surface_suggests_the_closest():
    with pytest.raises(InputError, match="Unknown surface 'humpp'; did you mean 'hump'"):
        api.load_surface("humpp")


def test_missing_file():
    with pytest.raises(InputError, match="does not exist"):
        api.load_surface("nowhere/x.toml")


def test_surfaces_readme_documents_every_key():
    text = (REPO / "surfaces" / "README.md").read_text()
    for key in surface_format.KEYS:
        assert f"`{key}`" in text, key
    # and its example is itself a valid surface
    example = text.split("```toml\n", 1)[1].split("```", 1)[0]
    surfaces.from_dict(tomllib.loads(example))


def test_one_variable_surface(tmp_path):
    path = write(tmp_path, 'name = "line"\nexpr = "(3*x - 4)**2"\nxlim = [-1, 3]\n', "line")
    s = api.load_surface(path)
    assert s.dims == 1
    result = api.run(s, ["adam:lr=0.1"], ["0.5"], steps=1)
    assert result.runs[0].points[1, 0] == pytest.approx(0.6, abs=1e-9)
