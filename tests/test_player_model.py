"""The player's state rules (render/player/model.js) under Node, and the data the page is made
of (render/player_data.py): labels as Python writes them, links that refuse what they cannot
honour, the command line quoted for a shell, colours that survive colour blindness and meet
WCAG contrast in both themes, and a recorded run's actual reason."""

import itertools
import json
import random
import re
import shlex

import numpy as np
import pytest
from test_player import NODE, PLAYER, node  # noqa: F401 (NODE: the skip)
from test_render import MACHADO, _lab

from adamviz import api
from adamviz.render import style
from adamviz.render.grid import view_box
from adamviz.render.player_data import data
from adamviz.results import short

pytestmark = pytest.mark.skipif(NODE is None and not __import__("os").environ.get(
    "ADAMVIZ_REQUIRE_NODE"), reason="Node.js runs the player's JavaScript")


def model(script: str, payload) -> object:
    return node((PLAYER / "model.js").read_text() + "\n" + script, payload)


def page_data(*args, **kwargs) -> dict:
    result = api.run(*args, **kwargs)
    return data(result, view_box(result.surface.box, [r.points for r in result.runs]))


def test_labels_format_numbers_as_python_does():
    rng = random.Random(4)
    values = [0.3, 1e-8, 0.001, 1234.5, 0.1 + 0.2, 2.5e-5, 999.5, 0.0001, 0.00015, 7.0, 100.0,
              *(10 ** rng.uniform(-9, 6) for _ in range(300))]
    out = model("const v = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
                "console.log(JSON.stringify(v.map(Model.g3)));", values)
    assert out == [short(float(v)) for v in values]


@pytest.mark.parametrize("starts", [[(-2, 1)], [(-2, 1), (0.25, -1.125)]])
def test_a_pages_labels_are_the_engines_labels(starts):
    """model.relabel, from the values and the names the spec gave (and the start, when runs
    start from several points), says what Python says."""
    d = page_data("hump", ["adam:beta1=0.9", "sgd:lr=0.02,momentum=0.5", "radam",
                           "rmsprop:centered=true", "nadam:lr=0.004"], starts, steps=3)
    out = model("const d = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
                "const runs = d.runs.map((r) => ({...r, given: new Set(r.given)}));"
                "Model.relabel(runs, d); console.log(JSON.stringify(runs.map((r) => r.label)));",
                d)
    assert out == [r["label"] for r in d["runs"]]
    assert all(("from (" in label) == (len(starts) > 1) for label in out)


DECODE = ("const [d, text] = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
          "console.log(JSON.stringify(Model.decode(text, d), (k, v) => v instanceof Set ? "
          "[...v] : v));")


@pytest.mark.parametrize("fragment, words", [
    ("%7B", "not readable"), ("null", "no runs"), ('{"runs": 3}', "no runs"),
    ('{"surface": "beale", "runs": [{"o": "sgd", "s": [0, 0]}]}', "view of"),
    ('{"surface": "hump", "runs": [{"o": "evil"}]}', "no optimizer"),
    ('{"surface": "hump", "runs": [{"o": "__proto__"}]}', "no optimizer"),
    ('{"surface": "hump", "runs": [{"o": "adam", "h": {"lr": -1}, "s": [0, 0]}]}',
     "lr must be > 0"),
    ('{"surface": "hump", "runs": [{"o": "adam", "h": {"beta1": 1}, "s": [0, 0]}]}',
     "beta1 must be in [0, 1)"),
    ('{"surface": "hump", "runs": [{"o": "adam", "h": {"amsgrad": "yes"}, "s": [0, 0]}]}',
     "true or false"),
    ('{"surface": "hump", "runs": [{"o": "adam", "h": {"x": 1}, "s": [0, 0]}]}',
     "no hyperparameter"),
    ('{"surface": "hump", "runs": [{"o": "adam", "s": [1e300, 0]}]}', "start"),
    ('{"surface": "hump", "runs": [{"o": "adam", "s": ["0", 0]}]}', "start"),
    ('{"surface": "hump", "runs": [{"rec": 0}]}', "no such recorded run"),
    ('{"surface": "hump", "runs": [' + ",".join(['{"o": "sgd", "s": [0, 0]}'] * 49) + "]}",
     "holds 48"),
    ('{"surface": {"toString": 1}, "runs": [{"o": "sgd", "s": [0, 0]}]}', "a object"),
    ('{"surface": "hump", "runs": [{"o": {"toString": 1}}]}', "no optimizer a object"),
    ('{"surface": "hump", "runs": [{"o": "sgd", "s": [0, 0]}], "k": "5"}', "whole number"),
    ('{"surface": "hump", "runs": [{"o": "sgd", "s": [0, 0]}], "k": 1.5}', "whole number"),
    ('{"surface": "hump", "runs": [{"o": "sgd", "s": [0, 0]}], "lock": 2}', "0 or 1"),
    ('{"surface": "hump", "runs": [{"o": "sgd", "s": [0, 0], "v": "0"}]}', "0 or 1"),
    ('{"surface": "hump", "runs": [{"o": "sgd", "s": [0, 0], "g": "lr"}]}', "list of names"),
    ('{"surface": "hump", "runs": [{"o": "sgd", "s": [0, 0], "h": [1]}]}', "table"),
    ('{"surface": "hump", "runs": [{"o": "sgd", "s": [0, 0], "h": {"nesterov": true}}]}',
     "Nesterov momentum requires a momentum > 0"),
    ('{"surface": "hump", "runs": []}', "no runs"),
])
def test_a_link_that_cannot_be_honoured_says_why(fragment, words):
    d = page_data("hump", ["adam", "sgd"], steps=3)
    out = model(DECODE, [d, fragment])
    assert "problem" in out and words in out["problem"], out


def test_a_links_values_are_checked_together_in_any_order():
    d = page_data("hump", ["sgd"], steps=3)
    for h in ('{"nesterov": true, "momentum": 0.9}', '{"momentum": 0.9, "nesterov": true}'):
        fragment = '{"surface": "hump", "runs": [{"o": "sgd", "s": [0, 0], "h": ' + h + "}]}"
        out = model(DECODE, [d, fragment])
        assert "state" in out, out
        assert out["state"]["runs"][0]["hyperparameters"]["nesterov"] is True


def test_a_files_requires_are_checked_as_python_checks_them():
    """sgd's nesterov needs momentum > 0 and no dampening: the page refuses what
    optimizers.make refuses, with the file's message."""
    from adamviz import optimizers
    from adamviz.core.errors import InputError

    d = page_data("hump", ["sgd"], steps=3)
    cases = [({"nesterov": True}, "momentum", 0.0), ({"nesterov": True}, "momentum", 0.5),
             ({"nesterov": True, "momentum": 0.5}, "dampening", 0.1),
             ({"momentum": 0.5}, "nesterov", True)]
    out = model("const [d, cases] = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
                "console.log(JSON.stringify(cases.map(([h, n, v]) => Model.problem("
                "d, 'sgd', n, v, {...d.optimizers.sgd.values, ...h}))));", [d, cases])
    for (given, name, value), said in zip(cases, out, strict=True):
        try:
            optimizers.make("sgd", **{**given, name: value})
            python = None
        except InputError as e:
            python = str(e)
        assert said == python, (given, name, value)


def test_the_command_refuses_what_no_line_can_say():
    d = page_data("hump", ["adam"], steps=3)
    out = model("const [d] = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
                "const runs = d.runs.map((r) => ({...r, given: new Set(r.given)}));"
                "const said = (f) => { try { return Model.command(runs, d, f); } "
                "catch (e) { return 'refused: ' + e.message; } };"
                "console.log(JSON.stringify([said('-o.json'), said(5), said('x.csv'), "
                "said('ok.json')]));", [d])
    assert all(o.startswith("refused: the export is a .json file") for o in out[:3]), out
    assert out[3].startswith("adamviz run -s hump")


def test_a_surface_made_in_python_has_no_command_and_no_runs_no_page(tmp_path):
    from adamviz.core.errors import InputError
    from adamviz.surfaces import Surface

    mine = Surface.from_formula("(x-1)**2 + 2*(y+0.5)**2", [-3, 3], [-2, 2], name="mine")
    assert page_data(mine, ["adam"], steps=3)["surface"]["argument"] is None
    result = api.run("hump", ["adam"], steps=3)
    with pytest.raises(InputError, match="at least one run"):
        api.player(__import__("dataclasses").replace(result, runs=[]), tmp_path / "p.html")


def test_runs_too_long_for_a_browser_are_recorded_and_say_so(monkeypatch):
    from adamviz.render import player_data

    monkeypatch.setattr(player_data, "LIVE_WORK", 200)  # (a browser: 200 steps in all)
    d = page_data("hump", ["adam", "sgd"], steps=101, tol=None)
    assert d["live"] is False and "2 runs of 101 steps are more than the 200" in d["reason"]
    assert page_data("hump", ["adam", "sgd"], steps=100, tol=None)["live"] is True


def test_a_link_round_trips_the_runs():
    d = page_data("hump", ["adam", "sgd"], steps=3)
    script = ("const [d] = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "const runs = d.runs.map((r, i) => ({...r, live: true, visible: i === 0, "
              "given: new Set([...r.given, 'beta2']), start: [0.25, -0.5]}));"
              "runs[0].hyperparameters.beta2 = 0.95;"
              "const text = Model.encode({runs, k: 7, lock: true}, d);"
              "console.log(JSON.stringify(Model.decode(text, d), (k, v) => v instanceof Set ? "
              "[...v].sort() : v));")
    out = model(script, [d])["state"]
    assert out["k"] == 7 and out["lock"] is True
    assert [r["visible"] for r in out["runs"]] == [True, False]
    assert out["runs"][0]["hyperparameters"]["beta2"] == 0.95
    assert out["runs"][0]["start"] == [0.25, -0.5] and "beta2" in out["runs"][0]["given"]


def test_the_command_is_quoted_for_a_shell(tmp_path):
    """A surface file in a folder with a space and a quote in its name: shlex reads the line
    back into the same arguments."""
    folder = tmp_path / "it's mine"
    folder.mkdir()
    (folder / "bowl2.toml").write_text('name = "bowl2"\nexpr = "x**2 + y**2"\nxlim = [-2, 2]\n'
                                       'ylim = [-2, 2]\n')
    d = page_data(str(folder / "bowl2.toml"), ["adam:lr=0.1"], [(1, 1)], steps=3)
    line = model("const [d] = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
                 "const runs = d.runs.map((r) => ({...r, given: new Set(r.given)}));"
                 "console.log(JSON.stringify(Model.command(runs, d, 'out put.json')));", [d])
    args = shlex.split(line)
    assert args[:4] == ["adamviz", "run", "-s", str(folder / "bowl2.toml")]
    assert args[args.index("--export") + 1] == "out put.json" and "--no-plot" in args


def test_recorded_runs_give_their_actual_reason():
    noisy = page_data("hump", ["adam"], steps=3, noise=0.2, seed=3)
    assert noisy["live"] is False and "noise (σ = 0.2, seed 3)" in noisy["reason"]
    scheduled = page_data("hump", ["adam"], steps=3, schedule="cosine:T_max=10")
    assert "schedule" in scheduled["runs"][0]["reason"]
    clipped = page_data("hump", ["sgd:clip_norm=1"], steps=3)
    assert "clipped" in clipped["runs"][0]["reason"]
    assert noisy["optimizers"] == {} and "packed" in noisy["runs"][0]


def test_a_live_page_carries_every_built_in_with_its_values_on_the_surface():
    d = page_data("hump", ["adam"], steps=3)
    from adamviz.optimizers import OPTIMIZERS

    assert set(d["optimizers"]) == set(OPTIMIZERS)
    for name, entry in d["optimizers"].items():
        python = api.run("hump", [name], steps=1).runs[0]
        assert entry["values"] == {k: v for k, v in python.hyperparams.items()
                                   if isinstance(v, bool | int | float)}, name


def _luminance(hex_color: str) -> float:
    c = np.array([int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(lin @ [0.2126, 0.7152, 0.0722])


def contrast(a: str, b: str) -> float:
    hi, lo = sorted([_luminance(a), _luminance(b)], reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def theme_colours() -> dict:
    """The CSS custom properties of each theme, read from player.css."""
    css = (PLAYER / "player.css").read_text()
    blocks = {"light": css[css.index(":root {"):], "dark": css[css.index("[data-theme=dark]"):]}
    return {name: dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", text[:text.index("}")]))
            for name, text in blocks.items()}


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_text_and_runs_meet_wcag_aa_in_each_theme(theme):
    """Text (ink, muted, accent, the badges' colours) 4.5:1 against the page; every run's
    colour 3:1 (graphics) against the page and the halo drawn under it (the page's colour)."""
    colours = theme_colours()[theme]
    for name in ("ink", "muted", "accent", "bad", "good"):
        assert contrast(colours[name], colours["bg"]) >= 4.5, (theme, name)
    palette = style.PLAYER_COLORS_LIGHT if theme == "light" else style.PLAYER_COLORS_DARK
    for colour in palette:
        assert contrast(colour, colours["bg"]) >= 3, (theme, colour)
        assert contrast(colour, colours["ink"]) >= 2, (theme, colour)  # not the arrows' ink


@pytest.mark.parametrize("vision", list(MACHADO))
@pytest.mark.parametrize("palette", [style.PLAYER_COLORS_LIGHT, style.PLAYER_COLORS_DARK])
def test_the_players_colours_stay_apart_with_any_colour_vision(vision, palette):
    for a, b in itertools.combinations(palette, 2):
        assert np.linalg.norm(_lab(a, MACHADO[vision]) - _lab(b, MACHADO[vision])) >= 15


def test_twelve_runs_differ_in_colour_or_dash():
    """Colours by optimizer (one optimizer alone: by run), a new dash for each run that shares
    a colour: 12 runs of 12 optimizers, or of one, are 12 different lines."""
    script = ("const runs = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              f"Model.paint(runs, {json.dumps(style.OPTIMIZER_SLOTS)}, 6, 4, {style.CROWD});"
              "console.log(JSON.stringify(runs.map((r) => [r.colorIndex, r.dash])));")
    names = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "adamax",
             "nadam", "radam", "lion", "qhadam"]
    for runs in ([{"optimizer": n} for n in names], [{"optimizer": "adam"}] * 12,
                 [{"optimizer": n} for n in ["adam", "sgd", "lion"] * 4]):
        looks = [tuple(x) for x in model(script, runs)]
        assert len(set(looks)) == 12 and all(d < len(style.PLAYER_DASHES) for _, d in looks)
        by = {}
        for run, (colour, _) in zip(runs, looks, strict=True):
            by.setdefault(run["optimizer"], set()).add(colour)
        if len(by) > 1:  # colours by optimizer: one colour each
            assert all(len(c) == 1 for c in by.values())


def test_the_player_paints_runs_as_the_pictures_do():
    """Model.paint is style.paint: the same optimizer takes the same place (colour, dash) in
    the player as in every picture, for any mix of optimizers and runs."""
    rng = random.Random(7)
    names = [*style.OPTIMIZER_SLOTS, "mine.toml", "other"]
    cases = [["sgd", "momentum", "adam"], ["adam", "sgd"], ["adam"] * 5, ["lion", "adamw"],
             *([rng.choice(names) for _ in range(rng.randint(1, 30))] for _ in range(60))]
    script = ("const cases = JSON.parse(require('fs').readFileSync(0, 'utf8')); const out = [];"
              "for (const names of cases) { const runs = names.map((o) => ({optimizer: o}));"
              f"  Model.paint(runs, {json.dumps(style.OPTIMIZER_SLOTS)}, 6, 4, {style.CROWD});"
              "  out.push(runs.map((r) => [r.colorIndex, r.dash])); }"
              "console.log(JSON.stringify(out));")
    for names_, places in zip(cases, model(script, cases), strict=True):
        assert [tuple(p) for p in places] == style.paint(names_, 6, 4), names_
    # the documents' optimizers keep their places, whatever the order
    assert style.paint(["adam", "momentum", "sgd"]) == [(2, 0), (1, 0), (0, 0)]


def test_the_player_finds_unequal_rates_as_python_does():
    from types import SimpleNamespace

    from adamviz.fair_rates import unequal_rates

    rng = random.Random(3)
    cases = [[("sgd", 0.01, False), ("adam", 0.3, False)], [("sgd", 0.1, False)] * 2,
             [("sgd", 0.1, False), ("adam", 0.3, True)],
             [("sgd", 0.1, False), ("adam", 0.1, False)],
             *([(rng.choice(["sgd", "adam", "lion"]), rng.choice([0.01, 0.1, 0.3]),
                 rng.random() < 0.1) for _ in range(rng.randint(1, 6))] for _ in range(80))]
    runs = [[{"optimizer": o, "hyperparameters": {"lr": lr}, "tuned": t} for o, lr, t in case]
            for case in cases]
    script = ("const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "console.log(JSON.stringify(cases.map((c) => Model.unequalRates(c))));")
    for case, found in zip(cases, model(script, runs), strict=True):
        python = unequal_rates([SimpleNamespace(optimizer=o, hyperparams={"lr": lr},
                                                tuned="tuned" if t else "") for o, lr, t in case])
        assert found == python, case


def test_a_runs_own_label_and_colour_reach_the_page():
    d = page_data("hump", ["sgd", "adam"], steps=5, labels=["plain SGD"], colors=["crimson"])
    assert [(r["named"], r["color"], r["label"]) for r in d["runs"]] == [
        ("plain SGD", "#dc143c", "plain SGD"), (None, None, "adam (lr=0.3)")]
    script = ("const d = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "const runs = d.runs.map((e) => ({...e, given: new Set(e.given)}));"
              "Model.relabel(runs, d); console.log(JSON.stringify(runs.map((r) => r.label)));")
    assert model(script, d) == ["plain SGD", "adam (lr=0.3)"]


def test_json_data_has_no_nan_or_infinity():
    d = page_data("hump", ["adam"], steps=3)
    json.dumps(d, allow_nan=False)


def test_a_hyperparameter_may_be_called_constructor(tmp_path):
    """Names are looked up as the page's own: 'constructor' is a hyperparameter like any
    other, not JavaScript's Object.prototype.constructor."""
    from test_player import programs

    from adamviz.optimizers import files
    from adamviz.render.jsprogram import rule_javascript

    path = tmp_path / "ctor.toml"
    path.write_text('name = "ctor"\nrule = "p = p - lr*constructor*g"\n[hyperparameters]\n'
                    'lr = {default = 0.01, range = "> 0"}\n'
                    'constructor = {default = 1.0, range = "> 0"}\n')
    run = api.run("hump", [f"{path}:lr=0.02"], [(-2, 1)], steps=50, tol=None).runs[0]
    assert run.label == "ctor (lr=0.02)"
    points = node(programs(["hump"]) + rule_javascript(files.load(path)) + """
const c = JSON.parse(require('fs').readFileSync(0, 'utf8'));
console.log(JSON.stringify(runPath(fns.hump, makeOptimizer('ctor', c.h), [-2, 1], 50).points));
""", {"h": {"lr": 0.02}})
    np.testing.assert_array_equal(np.array(points), run.points)
    d = page_data("hump", [f"{path}:lr=0.02"], [(-2, 1)], steps=5)
    label = model("const d = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
                  "const r = d.runs[0]; console.log(JSON.stringify(Model.label("
                  "{...r, given: new Set(r.given)}, d)));", d)
    assert label == "ctor (lr=0.02)"
