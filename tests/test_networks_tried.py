"""Networks as surfaces, tried as a hostile user, a lecturer and a notebook user would (issue 26):
each test is one kind of failure found that way, over its examples. Each is small (a few steps
of a small network) so the file runs in seconds."""

import re

import matplotlib
import pytest
from click.testing import CliRunner

import adamviz
from adamviz import api
from adamviz.cli import cli
from adamviz.core.errors import InputError
from adamviz.surface_files import builtin_dir

matplotlib.use("Agg")

NET = ('name = "n"\ndata = "moons"\nmodel = { layers = [2, 4, 1], activation = "tanh", '
       'loss = "cross_entropy", inputs = ["x1", "x2"], target = "label" }\n'
       'validation = 0.25\nsteps = 5\n')
FORMULA = 'name = "n"\nexpr = "x**2 + y**2"\nxlim = [-1, 1]\nylim = [-1, 1]\n'
CARS = (builtin_dir() / "cars.toml").read_text()
RECIPE = 'name = "r"\ntitle = "t"\ncaption = "c"\nsource = "s"\nviews = ["contour"]\nsteps = 5\n'


def snapshot(folder):
    return sorted((str(p.relative_to(folder)), p.read_bytes() if p.is_file() else None)
                  for p in folder.rglob("*"))


def refused(args, folder):
    """The CLI run in ``folder``: exit 2, one line, and the folder left as it was."""
    before = snapshot(folder)
    result = CliRunner().invoke(cli, args)
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, (result.exit_code, result.stderr[-600:])
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr[-600:]
    assert snapshot(folder) == before
    return lines[0]


@pytest.mark.parametrize("text", [NET, FORMULA], ids=["network", "formula"])
def test_a_very_long_surface_name_is_refused(text, tmp_path):
    # a description over 300 characters is refused (it titles the pictures); a 5,000-character
    # name titles them too, and fills a picture with its letters (outputs of `adamviz run -s
    # long.toml -o long.png`: the axes collapse under the title)
    path = tmp_path / "long.toml"
    path.write_text(text.replace('name = "n"', f'name = "{"x" * 5000}"'))
    with pytest.raises(InputError):
        api.load_surface(str(path))


@pytest.mark.parametrize("args, untrue", [
    (["run", "-s", "moons-net", "--start", "0,0", "--no-plot"], "expected X,Y"),
    (["sweep", "-s", "moons-net", "--param", "lr=0.1", "--start", "0,0"], "expected X,Y"),
    (["run", "-s", "moons-net", "--view", "fit", "-o", "f.png"], "is a formula"),
    (["run", "-s", "moons-net", "--overlay", "grad", "-o", "o.png"], "curve f(x)"),
    (["run", "-s", "moons-net", "--view", "contour,ratemap", "-o", "p.html"],
     "add the surface's minima"),
], ids=["run-start", "sweep-start", "fit-view", "overlay", "ratemap"])
def test_a_refusal_on_a_network_says_nothing_untrue_about_it(args, untrue, tmp_path,
                                                             monkeypatch):
    # '0,0' is an X,Y; moons-net is a loss over data, not a formula nor a curve f(x), and a
    # network cannot list minima: each line should say why a network cannot take this
    monkeypatch.chdir(tmp_path)
    line = refused(args + ["--steps", "3"], tmp_path)
    assert untrue not in line, line
    assert "network" in line or "init_seed" in line, line


@pytest.mark.parametrize("plane", [["pca"], {"kind": "pca"}], ids=["list", "table"])
def test_a_plane_of_the_wrong_type_is_one_line_in_the_api(plane):
    # (TypeError: unhashable type, "please report it", from the CLI's batch and recipes too)
    with pytest.raises(InputError):
        adamviz.run("moons-net", ["sgd"], steps=3, plane=plane)


@pytest.mark.parametrize("file, text", [
    ("b.toml", '[[experiment]]\nname = "e"\nsurface = "moons-net"\noptimizers = ["sgd"]\n'
               'steps = 3\nplane = ["pca"]\noutputs = ["summary"]\n'),
    ("r.toml", RECIPE + 'surface = "moons-net"\nruns = ["adam"]\nplanes = [["pca"]]\n'),
], ids=["batch-plane-list", "recipe-planes-list"])
def test_a_plane_of_the_wrong_type_is_one_line_in_files(file, text, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / file).write_text(text)
    command = ["batch", file, "-o", "out"] if file == "b.toml" else \
        ["figures", "--only", file, "-o", "out"]
    refused(command, tmp_path)


@pytest.mark.parametrize("extra", [
    'planes = ["random"]\n',
    '[[claims]]\ncheck = "plane-share"\nbetween = [0.5, 1.0]\n',
], ids=["planes", "plane-share-claim"])
def test_a_recipe_with_planes_on_a_surface_of_two_variables_is_one_line(extra, tmp_path,
                                                                         monkeypatch):
    # (now: AttributeError: 'Surface' object has no attribute 'network_surface' / 'plane')
    monkeypatch.chdir(tmp_path)
    (tmp_path / "r.toml").write_text(RECIPE + 'surface = "hump"\nruns = ["adam"]\n' + extra)
    refused(["figures", "--only", "r.toml", "-o", "out"], tmp_path)


@pytest.mark.parametrize("extra", [
    'planes = ["random", "random"]\n',
    'plane = "pca"\nplanes = ["pca"]\n',
], ids=["twice", "the-main-plane-again"])
def test_a_recipe_naming_a_plane_twice_is_refused(extra, tmp_path):
    # the same panel drawn again; a dozen of them collapse the figure into overlapping text
    from adamviz.studies import recipes

    (tmp_path / "r.toml").write_text(RECIPE + 'surface = "moons-net"\nruns = ["adam"]\n' + extra)
    with pytest.raises(InputError):
        recipes.load(str(tmp_path / "r.toml"))


@pytest.mark.parametrize("body", [
    'starts = { x = [-1, 1, 2], y = [-1, 1, 2] }\n',
    'tune = { param = "lr", grid = "1e-3:1:3", criterion = "distance" }\n',
], ids=["starts-grid", "tune-distance"])
def test_a_batch_refuses_a_network_experiment_before_running_it(body, tmp_path, monkeypatch):
    # "every key is checked before anything runs": these pass the checks, run, write
    # out/e/summary.csv and .md, then fail with exit 1
    monkeypatch.chdir(tmp_path)
    (tmp_path / "b.toml").write_text('[[experiment]]\nname = "e"\nsurface = "moons-net"\n'
                                     'optimizers = ["sgd"]\nsteps = 3\noutputs = ["summary"]\n'
                                     + body)
    refused(["batch", "b.toml", "-o", "out"], tmp_path)


def test_tuning_by_steps_where_no_rate_converges_says_so(tmp_path, monkeypatch):
    # every rate scores steps + 1 (a network rarely meets tol), and the first, smallest rate is
    # "chosen by steps" without a word: the tie should be said (or refused)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["run", "-s", "moons-net", "--opt", "sgd", "--steps", "5",
                                      "--tune", "lr", "--criterion", "steps", "--tune-grid",
                                      "1e-3:1:3", "--no-plot"])
    said = (result.output + result.stderr).lower()
    assert "converge" in said, said


def test_the_notebook_plot_of_a_network_leaves_room_for_the_paths():
    # adamviz.plot(result) on moons-net: the contour Axes is 17% x 14% of the figure (hump's:
    # 74% x 59%); the long legend entries squeeze it
    result = adamviz.run("moons-net", ["sgd", "momentum", "adam"], steps=10)
    fig = adamviz.plot(result)
    fig.canvas.draw()
    box = fig.axes[0].get_position()
    assert box.width > 0.4 and box.height > 0.3, box.bounds


def test_a_sweep_on_a_network_keeps_its_caption_inside_the_picture(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    drawn = []
    save = Figure.savefig

    def keep(self, *args, **kwargs):
        drawn.append(self)
        return save(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", keep)
    found = adamviz.sweep("moons-net", "adam", {"lr": [0.01, 0.1]}, steps=5)
    api.save_sweep(found, tmp_path / "s.png")
    fig = drawn[-1]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text()]
    for text in texts:
        box = text.get_window_extent(renderer)
        assert box.x0 >= -1 and box.x1 <= width + 1 and box.y1 <= height + 1, \
            (text.get_text(), box.bounds, width)


def test_the_player_is_public_beside_animate_and_export():
    # adamviz.animate and adamviz.export are there; adamviz.player is only adamviz.api.player
    assert callable(getattr(adamviz, "player", None))


def test_the_player_of_a_network_says_how_much_its_plane_holds(tmp_path):
    # the stills' title, the table's note and the exports say what share of the paths'
    # variance the plane holds; the player says only that the runs are recorded
    result = adamviz.run("moons-net", ["sgd", "adam"], steps=5)
    path = api.player(result, tmp_path / "p.html")
    assert "variance" in path.read_text()


def test_a_network_run_that_would_take_hours_is_refused_with_its_cost(monkeypatch):
    # issue 26: "Limits with their cost (parameters, grid points, steps x runs x rows)". A
    # 2-64-64-1 net (4,353 parameters) on 75,000 training rows, 2 runs of 3,000 steps: about
    # 6e12 multiply-adds before the plane's grid (`adamviz run` of 2 x 300 steps on 300,000
    # rows was still silent after 5 minutes). Only the parameters are limited now.
    import numpy as np

    from adamviz import datasets, engine, surfaces

    rng = np.random.default_rng(0)
    rows = 100_000
    table = datasets.Table(name="big", source="a test's table", columns={
        "x1": rng.normal(size=rows), "x2": rng.normal(size=rows),
        "label": (rng.random(rows) < 0.5).astype(float)})
    big = surfaces.from_dict({
        "name": "big", "data": table, "validation": 0.25, "steps": 3000,
        "model": {"layers": [2, 64, 64, 1], "activation": "tanh", "loss": "cross_entropy",
                  "inputs": ["x1", "x2"], "target": "label"}}, source="a test")

    def started(*args, **kwargs):
        raise AssertionError("the runs started: nothing said what they would cost")

    monkeypatch.setattr(engine, "run", started)
    with pytest.raises(InputError):
        adamviz.run(big, ["sgd", "adam"])


def test_the_target_as_an_input_is_refused(tmp_path):
    # the network would read the label it predicts, and fit it perfectly
    path = tmp_path / "n.toml"
    path.write_text(NET.replace('inputs = ["x1", "x2"]', 'inputs = ["label", "x1"]'))
    with pytest.raises(InputError, match="is also an input"):
        api.load_surface(str(path))


@pytest.mark.parametrize("text", [NET, CARS], ids=["network", "formula"])
@pytest.mark.parametrize("held", ['"nothere.csv"', '"no-such-set"'])
def test_a_validation_file_that_is_missing_is_named_as_the_validation(text, held, tmp_path,
                                                                      monkeypatch):
    # the line said "Data file 'nothere.csv' does not exist" as if `data` were wrong
    monkeypatch.chdir(tmp_path)
    (tmp_path / "v.toml").write_text(re.sub(r"(?m)^validation = .*$", f"validation = {held}",
                                            text))
    line = refused(["run", "-s", "./v.toml", "--steps", "3", "--no-plot"], tmp_path)
    assert "v.toml: validation: " in line and held.strip('"') in line, line
