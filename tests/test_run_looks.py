"""How runs look and what a picture says about them: one colour per optimizer in every
picture, names and colours a user gives (API, CLI, recipe), and unequal learning rates said on
the picture, in the table, in JSON and in the surfaces listing."""

import json
import re

import matplotlib
import pytest
from click.testing import CliRunner
from test_render import panel_of

from adamviz import api
from adamviz.cli import cli
from adamviz.core.errors import InputError
from adamviz.render import style
from adamviz.render.figure import compose
from adamviz.studies import recipes

HEX = matplotlib.colors.to_hex


def colours_by_optimizer(result) -> dict[str, set]:
    panel = panel_of(result)
    by: dict[str, set] = {}
    for i, color in zip(panel.order, panel.lines.get_colors(), strict=True):
        by.setdefault(result.runs[i].optimizer, set()).add(HEX(color))
    return by


def test_an_optimizer_keeps_its_colour_from_picture_to_picture():
    pictures = [api.run("hump", opts, steps=5) for opts in
                (["sgd", "momentum", "adam"], ["adam", "sgd"], ["momentum", "rmsprop", "adam"],
                 ["adam", "momentum"])]
    pictures.append(recipes.run(recipes.load("fig1-local-minimum")))
    seen: dict[str, set] = {}
    for result in pictures:
        for name, colours in colours_by_optimizer(result).items():
            assert len(colours) == 1, (name, colours)  # one colour per optimizer per picture
            seen.setdefault(name, set()).update(colours)
    assert {k: len(v) for k, v in seen.items()} == {
        "sgd": 1, "momentum": 1, "adam": 1, "rmsprop": 1}  # and the same in every picture
    assert seen["sgd"] == {style.OPTIMIZER_COLORS["sgd"].lower()}


def test_runs_of_one_optimizer_share_its_colour_and_differ_by_dash():
    result = api.run("hump", ["sgd", "adam"], starts=[(-2, 1), (-1.5, 1), (2, 1)], steps=5)
    panel = panel_of(result)
    looks = [(HEX(panel.colors[i]), str(panel.linestyles[i])) for i in range(6)]
    assert len(set(looks)) == 6
    assert {c for c, _ in looks[:3]} == {style.OPTIMIZER_COLORS["sgd"].lower()}
    assert {c for c, _ in looks[3:]} == {style.OPTIMIZER_COLORS["adam"].lower()}


def test_the_legend_shows_each_run_as_its_panel_draws_it():
    result = api.run("hump", ["adam", "sgd"], starts=[(-2, 1), (-1.5, 1)], steps=5,
                     colors=[None, "crimson"])
    fig, (panel,) = compose(result)
    lines = [h for h in fig.legends[0].legend_handles if h.get_label().startswith(("adam", "sgd"))]
    assert [HEX(h.get_color()) for h in lines] == [HEX(c) for c in panel.colors]
    assert [h.get_linestyle() for h in lines][:2] == ["-", "--"]


def test_labels_and_colours_from_the_library():
    result = api.run("hump", ["sgd", "momentum", "adam"], starts=[(-2, 1), (-1, 1)], steps=5,
                     labels=["plain SGD", None, "Adam"], colors=["C3", None])
    assert [r.label for r in result.runs[::2]] == ["plain SGD from (-2, 1)",
                                                     "momentum (lr=0.01) from (-2, 1)",
                                                     "Adam from (-2, 1)"]
    assert [r.color for r in result.runs] == ["#d62728"] * 2 + [None] * 4
    by = colours_by_optimizer(result)
    assert by["sgd"] == {"#d62728"} and by["adam"] == {style.OPTIMIZER_COLORS["adam"].lower()}
    assert result.to_dict()["runs"][0]["color"] == "#d62728"


@pytest.mark.parametrize("kwargs,message", [
    ({"colors": ["nope"]}, "Unknown colour 'nope': use a name such as 'crimson'"),
    ({"colors": ["none"]}, "Unknown colour 'none'"),
    ({"colors": [3]}, "Unknown colour 3"),
    ({"colors": "red"}, "colors are a list, one per optimizer in order"),
    ({"labels": ["a", "b", "c"]}, "3 labels for 2 optimizers: give at most one label per"),
    ({"labels": ["two\nlines"]}, "A label is one line of at most 120 characters"),
    ({"labels": [""]}, "A label is text, got ''"),
    ({"labels": ["x" * 121]}, "A label is one line of at most 120 characters"),
])
def test_bad_labels_and_colours_are_one_line_before_any_run(kwargs, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        api.run("hump", ["sgd", "adam"], steps=5, **kwargs)


def test_labels_and_colours_on_the_command_line(tmp_path):
    out = tmp_path / "p.png"
    done = CliRunner().invoke(cli, ["run", "-s", "hump", "--opt", "sgd", "--opt", "adam",
                                    "--label", "SGD", "--color", "#cc0000", "--steps", "5",
                                    "-o", str(out), "--json"])
    assert done.exit_code == 0, done.output
    runs = json.loads(done.stdout)["runs"]
    assert [r["label"] for r in runs] == ["SGD", "adam (lr=0.3)"]
    bad = CliRunner().invoke(cli, ["run", "-s", "hump", "--opt", "sgd", "--color", "blu",
                                   "-o", str(tmp_path / "q.png")])
    assert bad.exit_code == 2 and "Unknown colour 'blu'" in bad.stderr
    assert "Traceback" not in bad.output and not (tmp_path / "q.png").exists()


def test_a_recipe_names_and_colours_its_runs(tmp_path):
    path = tmp_path / "r.toml"
    base = 'name = "x"\ntitle = "t"\ncaption = "c"\nsurface = "hump"\nruns = ["sgd", "adam"]\n'
    path.write_text(base + 'labels = ["SGD"]\ncolors = ["C2", "#000000"]\nsteps = 5\n')
    result = recipes.run(recipes.load(str(path)))
    assert [r.label for r in result.runs] == ["SGD", "adam (lr=0.3)"]
    assert [r.color for r in result.runs] == ["C2", "#000000"]
    for text, message in (('colors = ["blu"]', "colors[0] 'blu' is not a colour"),
                          ('labels = ["a", "b", "c"]', "3 labels for 2 optimizers")):
        path.write_text(base + text + "\n")
        with pytest.raises(InputError, match=re.escape(message)):
            recipes.load(str(path))


def test_unequal_rates_are_said_on_the_picture_in_the_table_and_json():
    result = api.run("hump", ["sgd", "momentum", "adam"], steps=5)
    fig, _ = compose(result)
    assert fig.legends[0].get_title().get_text() == (
        "note: the optimizers' learning rates differ (hump's per-optimizer rates)")
    assert result.table().splitlines()[-1].startswith(
        "note: the learning rates differ (sgd 0.01, momentum 0.01, adam 0.3: hump's "
        "per-optimizer rates)")
    done = CliRunner().invoke(cli, ["run", "-s", "hump", "--opt", "sgd", "--opt", "adam",
                                    "--steps", "5", "--no-plot", "--json"])
    assert json.loads(done.stdout)["notes"] == api.run("hump", ["sgd", "adam"]).notes()
    assert "(sgd 0.01, adam 0.3: hump's" in json.loads(done.stdout)["notes"][0]


@pytest.mark.parametrize("opts,kwargs", [
    (["sgd", "adam"], {"lr": 0.05}),  # one rate for all
    (["adam:lr=0.1", "adam:lr=0.01"], {}),  # one optimizer's sweep over rates
    (["sgd:lr=0.1", "sgd:lr=0.01", "adam:lr=0.1", "adam:lr=0.01"], {}),  # the same rates each
    (["adam"], {}),
])
def test_equal_rates_say_nothing(opts, kwargs):
    result = api.run("hump", opts, steps=5, **kwargs)
    assert result.notes() == [] and "note:" not in result.table()
    fig, _ = compose(result)
    assert fig.legends[0].get_title().get_text() == ""


def test_tuned_rates_are_a_fair_comparison_and_say_nothing():
    specs, tunings = api.tune("hump", ["sgd", "adam"], steps=30, grid="1e-3:1e-1:3")
    assert api.run("hump", specs, steps=30, tuned=tunings).notes() == []


def test_the_surfaces_listing_says_which_rates_differ():
    done = CliRunner().invoke(cli, ["surfaces"])
    hump = done.stdout.split("hump:")[1].split("\n")[3]
    assert hump.startswith("    lr when not given, different per optimizer (--lr gives all "
                           "one): sgd 0.01, momentum 0.01")
    listed = json.loads(CliRunner().invoke(cli, ["surfaces", "--json"]).stdout)["surfaces"]
    assert next(s for s in listed if s["name"] == "hump")["lr"]["adam"] == 0.3


def test_a_notebook_shows_the_note_under_the_table():
    shown = api.run("hump", ["sgd", "adam"], steps=5)._repr_html_()
    assert "<p>note: the learning rates differ (sgd 0.01, adam 0.3: hump&#x27;s per-optimizer " \
           "rates)" in shown
    assert "note:" not in api.run("hump", ["sgd", "adam"], steps=5, lr=0.1)._repr_html_()
