"""A hostile (or careless) user of the losses over data: each bad input, through the real CLI in a
fresh folder, is exit code 2 and one line on stderr naming what is wrong and what would be right,
with no traceback, and leaves the folder as it was; a loss that goes undefined on the way is a
result (a diverged run), not a crash; Surface.from_data refuses bad arrays in one line."""

import os

import pytest
from click.testing import CliRunner

import adamviz
from adamviz.cli import cli
from adamviz.core.errors import InputError
from adamviz.surfaces import DataSurface

CSV = "x,y\n1,2\n3,4\n5,7\n2,3\n"
EXPR = "mean((w*x + b - y)**2)"


def data_surface(csv=CSV, expr=EXPR, **keys) -> dict:
    """Files: s.toml, a loss over d.csv (two parameters, w and b), with keys replaced or added
    (raw TOML values; None drops a key)."""
    lines = {"name": '"s"', "data": '"d.csv"', "params": '["w", "b"]', "expr": f'"{expr}"',
             "xlim": "[-5, 5]", "ylim": "[-5, 5]"}
    for key, value in keys.items():
        if value is None:
            lines.pop(key)
        else:
            lines[key] = value
    return {"s.toml": "".join(f"{k} = {v}\n" for k, v in lines.items()), "d.csv": csv}


def case(args, message, files=None):
    return pytest.param(args, message, files or {}, id=f"{' '.join(args)[:40]}-{message[:30]}")


RUN = ["run", "-s", "s.toml", "--no-plot"]
EXPERIMENT = '[[experiment]]\nname = "a"\nsurface = "{surface}"\noptimizers = [{opts}]\n' \
             'outputs = ["summary"]\n'
BAD = [
    # a column named as the formula language names a constant or function: never silently it
    case(RUN, "'e' is both a data column and the constant e",
         data_surface("x,e\n1,2\n3,4\n", "mean((w*x + b - e)**2)")),
    case(RUN, "'pi' is both a data column and the constant pi",
         data_surface("pi,y\n1,2\n3,4\n", "mean((w*pi + b - y)**2)")),
    case(RUN, "column 'exp' has the name of the function exp(...)",
         data_surface("exp,y\n1,2\n3,4\n", "mean((w*exp + b - y)**2)")),
    case(RUN, "column 'x val' is not a name a formula can use",
         data_surface("x val,y\n1,2\n3,4\n", "mean((w*x val + b - y)**2)")),
    case(RUN, "column 'x-1' is not a name a formula can use",
         data_surface("x-1,y\n1,2\n3,4\n", "mean((w*x-1 + b - y)**2)")),
    case(RUN, "model: 'e' is both a data column and the constant e",
         data_surface("x,e\n1,2\n3,4\n", "mean((w*x + b - e)**2)".replace(" - e", " - x"),
                      model='"w*e + b"', target='"x"')),
    # params are checked as params, not as the formula
    case(RUN, "s.toml: params must list one or two", data_surface(params="[]")),
    case(RUN, "s.toml: params must list one or two", data_surface(params='["w", "b", "c"]')),
    case(RUN, "s.toml: parameter name 1 is not a name", data_surface(params="[1, 2]")),
    # model, target
    case(RUN, "target ['y'] is not a column of the data", data_surface(
        model='"w*x + b"', target='["y"]')),
    case(RUN, "target {'a': 1} is not a column", data_surface(model='"w*x + b"',
                                                              target="{ a = 1 }")),
    # validation and its seed
    case(RUN, "validation = '0.2' is text; a share of the rows is a number",
         data_surface(validation='"0.2"')),
    case(RUN, "split_seed picks the rows a validation share holds out",
         data_surface(split_seed="3")),
    case(RUN, "split_seed picks the rows a validation share holds out",
         data_surface(split_seed="3", validation='"d.csv"')),
    # batch sizes: checked wherever a spec sets one, before anything runs
    case(["basins", "-s", "hump", "--opt", "sgd:batch_size=4", "--grid", "3", "--no-plot"],
         "sgd: batch_size=4 needs a loss over data; 'hump' is a formula"),
    case(["basins", "-s", "cars", "--opt", "sgd:batch_size=400", "--grid", "3", "--no-plot"],
         "sgd: batch_size=400 is larger than the 40 training rows of 'cars'; use at most 40"),
    case(["run", "-s", "hump", "--opt", "sgd", "--batch-size", "4", "--tune", "lr", "--no-plot"],
         "Batch size 4 needs a loss over data; 'hump' is a formula"),
    case(["run", "-s", "hump", "--opt", "sgd:batch_size=4", "--tune", "lr", "--no-plot"],
         "sgd: batch_size=4 needs a loss over data"),
    case(["run", "-s", "cars", "--batch-size", "41", "--no-plot"],
         "Batch size 41 is larger than the 40 training rows of 'cars'; use at most 40"),
    case(["batch", "b.toml", "-o", "out"], "sgd: batch_size=400 is larger than the 40",
         {"b.toml": EXPERIMENT.format(surface="cars", opts='"sgd:batch_size=400"')}),
    case(["batch", "b.toml", "-o", "out"], "sgd: batch_size=4 needs a loss over data",
         {"b.toml": EXPERIMENT.format(surface="hump", opts='"sgd:batch_size=4"')}),
    case(["batch", "b.toml", "-o", "out"], "Batch size 4 needs a loss over data",
         {"b.toml": EXPERIMENT.format(surface="hump", opts='"sgd"') + "batch_size = 4\n"}),
    # what a file holds is shown, never sent to the terminal as it is
    case(RUN, r"a header line (\x1b[31mx,y)", data_surface("\x1b[31mx,y\n")),
    case(RUN, r"(the data's columns: \x00\x01, \x02)",
         data_surface("\x00\x01,\x02\n1,2\n", "mean((w*x + b)**2)")),
    case(RUN, "a field of more than 131,072 characters; a data file holds numbers",
         data_surface("x,y\n1," + "1" * 200_000 + "\n")),
    case(RUN, "column 3 has no name; the header line names every column (such as 'x,y') (a "
              "comma at the end of the line makes an empty last column: remove it)",
         data_surface("x,y,\n1,2,\n3,4,\n")),
    # a loss undefined on a row, everywhere: the row is named
    case(RUN, "the loss is nan on training row 2 (x = -3, y = 4)",
         data_surface("x,y\n1,2\n-3,4\n5,7\n", "mean((w*log(x) + b - y)**2)")),
    case(RUN, "the validation loss is not finite anywhere in the box (at the centre it is nan; "
              "the loss is nan on validation row 1 (x = -1, y = 2) alone)",
         {**data_surface(expr="mean((w*log(x) + b - y)**2)", validation='"v.csv"'),
          "v.csv": "x,y\n-1,2\n"}),
]


def snapshot(folder):
    out = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            out[os.path.relpath(path, folder)] = open(path, "rb").read()
    return out


@pytest.mark.parametrize(("args", "message", "files"), BAD)
def test_bad_input_over_data_is_one_line_exit_2_and_writes_nothing(args, message, files,
                                                                   tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name, content in files.items():
        with open(name, "w", encoding="utf-8", newline="") as handle:
            handle.write(content)
    before = snapshot(tmp_path)
    result = CliRunner().invoke(cli, args)
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, (result.exit_code, result.stderr, result.output)
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert message in lines[0], lines[0]
    assert lines[0].isprintable(), repr(lines[0])
    assert "Traceback" not in result.output
    assert snapshot(tmp_path) == before


def test_a_loss_that_goes_undefined_on_the_way_is_a_diverged_run_with_its_picture(
        tmp_path, monkeypatch):
    """log(w*x + b) over rows with a negative x: finite at the start, undefined past a line the
    runs cross; the contour view looks for the validation minimum over the same kind of loss."""
    monkeypatch.chdir(tmp_path)
    for name, content in data_surface("x,y\n1,2\n-3,4\n5,7\n2,1\n", "mean(log(w*x + b))",
                                      validation="0.5").items():
        (tmp_path / name).write_text(content)
    result = CliRunner().invoke(cli, ["run", "-s", "s.toml", "--opt", "sgd:lr=1", "--start",
                                      "0,4", "--view", "contour,loss", "-o", "p.png", "--json"])
    assert result.exit_code == 0, result.stderr
    assert "diverged" in result.stdout and "Traceback" not in result.output
    assert (tmp_path / "p.png").stat().st_size > 0


E = "mean((w*x + b - y)**2)"
XY = {"x": [1.0, 2.0, 3.0], "y": [1.0, 2.0, 4.0]}
FROM_DATA = [
    pytest.param({"x": [[1], [2, 3]], "y": [1, 2]}, {}, "column 'x' is not a 1-D array of",
                 id="ragged"),
    pytest.param({"x": [10**400, 1], "y": [1, 2]}, {}, "column 'x' holds a number too large",
                 id="huge-int"),
    pytest.param(XY, {"start": "a"}, "start must be a point [x, y] of numbers", id="start-text"),
    pytest.param(XY, {"start": [1]}, "start must be a point [x, y] of numbers", id="start-1"),
    pytest.param(XY, {"split_seed": 3}, "split_seed picks the rows", id="seed-alone"),
    pytest.param(XY, {"validation": "0.2"}, "validation = '0.2' is text", id="share-as-text"),
]


@pytest.mark.parametrize(("data", "keys", "message"), FROM_DATA)
def test_from_data_refuses_bad_input_in_one_line(data, keys, message):
    with pytest.raises(InputError) as caught:
        adamviz.Surface.from_data(data, expr=E, params=["w", "b"], **keys)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_from_data_refuses_a_pandas_series_as_one_column():
    pd = pytest.importorskip("pandas")
    with pytest.raises(InputError, match="a pandas Series is one column"):
        adamviz.Surface.from_data(pd.Series([1.0, 2.0]), expr=E, params=["w", "b"])


def test_from_data_keeps_the_box_side_it_is_given():
    surface = adamviz.Surface.from_data(XY, expr=E, params=["w", "b"], xlim=[0, 3])
    assert surface.xlim == (0, 3) and surface.ylim is not None
    assert surface.start is None  # the box's centre: the origin may lie outside xlim


@pytest.mark.parametrize("xs", [[1.0, -3.0, 5.0], [1e200, 2e200, 3e200]],
                         ids=["log-of-a-negative", "huge-values"])
def test_from_data_without_a_box_where_newton_finds_nothing(xs, capfd):
    """Newton's method meets an undefined or overflowing loss: no minimum, a box around the
    start, no LAPACK complaint on stderr."""
    surface = adamviz.Surface.from_data({"x": xs, "y": [1.0, 2.0, 3.0]}, expr="mean(log(w*x + b))"
                                        if xs[1] < 0 else E, params=["w", "b"], start=[0, 4])
    assert isinstance(surface, DataSurface)
    assert surface.xlim[0] <= 0 <= surface.xlim[1] and surface.ylim[0] <= 4 <= surface.ylim[1]
    assert capfd.readouterr().err == ""


def test_a_loss_finite_only_between_the_pictures_grid_points_is_one_line(tmp_path):
    """The numeric checks sample the box's centre line; the picture's grid does not: nothing
    finite to draw is said, not a crash in the contour levels."""
    path = tmp_path / "thin.toml"
    path.write_text('name = "thin"\nexpr = "exp(1e100*x**2) + y"\nxlim = [-1, 1]\n'
                    'ylim = [-1, 1]\nstart = [0, 0.5]\n')
    out = CliRunner().invoke(cli, ["run", "-s", str(path), "--opt", "sgd", "--steps", "3",
                                   "-o", str(tmp_path / "x.png")])
    assert out.exit_code == 2 and "not finite anywhere on the 240 x 240 grid" in out.stderr
    assert "Traceback" not in out.output and not (tmp_path / "x.png").exists()
