"""Data sets (adamviz/datasets.py): CSV files read strictly and boundedly, the bundled sets hold
their published numbers, seeded splits, tables from Python arrays."""

import importlib.util
import os
import subprocess
import sys
import tomllib

import numpy as np
import pytest

from adamviz import datasets
from adamviz.core.errors import InputError
from conftest import REPO

DATA = REPO / "surfaces" / "data"


def refused(path, *fragments, read=datasets.read_csv) -> str:
    """The one-line message ``read(path)`` refuses with; it names the file and the fragments."""
    with pytest.raises(InputError) as caught:
        read(path)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message, message
    for fragment in fragments:
        assert fragment in message, message
    return message


def written(tmp_path, content, name="data.csv"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


# ---- reading a file ----

def test_a_csv_file_is_read_columns_in_file_order_as_read_only_float64(tmp_path):
    path = written(tmp_path, "height,weight,age\n1.5,60,30\n1.8,1e2,-4.5e-1\n", "people.csv")
    table = datasets.read_csv(path)
    assert (table.name, table.source, table.rows) == ("people", str(path), 2)
    assert list(table.columns) == ["height", "weight", "age"]
    np.testing.assert_array_equal(table.columns["weight"], [60.0, 100.0])
    for values in table.columns.values():
        assert values.dtype == np.float64 and values.ndim == 1 and not values.flags.writeable
    assert datasets.read_csv(path, source="my data").source == "my data"


def test_a_byte_order_mark_crlf_quotes_and_blank_lines_are_fine(tmp_path):
    content = b'\xef\xbb\xbf"x","y"\r\n"1", 2 \r\n\r\n3,"4e-3"\r\n\r\n'
    table = datasets.read_csv(written(tmp_path, content))
    assert list(table.columns) == ["x", "y"] and table.rows == 2
    np.testing.assert_array_equal(table.columns["y"], [2.0, 0.004])


def test_a_column_name_that_is_no_python_name_is_kept(tmp_path):
    table = datasets.read_csv(written(tmp_path, "body mass,y\n1,2\n"))
    assert list(table.columns) == ["body mass", "y"]


def test_a_missing_file_is_refused(tmp_path):
    refused(tmp_path / "nothing.csv", "does not exist")


def test_a_folder_is_refused(tmp_path):
    (tmp_path / "folder.csv").mkdir()
    refused(tmp_path / "folder.csv", "is a folder")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    os.mkfifo(tmp_path / "pipe.csv")
    refused(tmp_path / "pipe.csv", "not a regular file")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_an_endless_device_is_refused_without_reading_it():
    refused("/dev/zero", "not a regular file")


def test_a_file_not_in_utf8_is_refused_with_its_line(tmp_path):
    refused(written(tmp_path, b"x,y\n1,2\n3,\xe9\n"), "line 3", "not UTF-8", "save")


@pytest.mark.parametrize("content", ["", "\n\n", "\ufeff"])
def test_an_empty_file_is_refused(tmp_path, content):
    refused(written(tmp_path, content), "is empty", "header line of column names")


def test_a_header_without_rows_is_refused(tmp_path):
    refused(written(tmp_path, "x,y\n\n"), "header line (x,y) but no rows")


def test_a_blank_column_name_is_refused(tmp_path):
    refused(written(tmp_path, "x, ,y\n1,2,3\n"), "line 1", "column 2 has no name")


def test_a_repeated_column_name_is_refused(tmp_path):
    refused(written(tmp_path, "x,y,x\n1,2,3\n"), "'x' is there twice (columns 1 and 3)")


def test_a_first_line_of_numbers_is_not_taken_for_names(tmp_path):
    refused(written(tmp_path, "3,4\n5,6\n"), "holds numbers, not column names")


def test_a_ragged_row_is_refused(tmp_path):
    refused(written(tmp_path, "x,y\n1,2\n3\n"), "line 3 (data row 2)", "1 field",
            "header has 2 columns")


def test_a_missing_value_is_refused_with_its_row_and_column(tmp_path):
    refused(written(tmp_path, "x,y\n1,2\n\n3,\n"), "line 4 (data row 2)", "column 'y'",
            "no value")


def test_a_value_that_is_no_number_is_refused_with_its_row_and_column(tmp_path):
    path = written(tmp_path, "height,weight\n1.5,60\n1.7,61\nabc,62\n", "heights.csv")
    refused(path, "line 4 (data row 3)", "column 'height'", "'abc' is not a number",
            "such as 3, -0.5 or 1e-3")


def test_a_file_separated_by_semicolons_is_told_to_use_commas(tmp_path):
    refused(written(tmp_path, "x,y\n1;5,2\n"), "'1;5' is not a number",
            "separate fields with commas")


@pytest.mark.parametrize("text, which", [("nan", "nan (not a number)"), ("inf", "inf (infinite)"),
                                         ("-Infinity", "-inf (infinite)"),
                                         ("1e999", "inf (infinite)")])
def test_nan_and_infinities_are_refused_saying_which(tmp_path, text, which):
    refused(written(tmp_path, f"x,y\n1,2\n3,{text}\n"), "line 3 (data row 2)", "column 'y'",
            which, "finite number")


def test_broken_quoting_is_refused(tmp_path):
    refused(written(tmp_path, 'x,y\n1,"2\n'), "not valid CSV")


def test_a_file_larger_than_the_limit_is_refused_unread(tmp_path):
    path = tmp_path / "big.csv"
    with open(path, "wb") as handle:  # sparse: no disk used, and never read
        handle.truncate(datasets.MAX_BYTES + 1)
    refused(path, "64,000,001 bytes (64.0 MB), more than the 64 MB",
            "runs x rows evaluations")


def test_too_many_rows_are_refused_with_the_count_and_the_cost(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "MAX_ROWS", 3)
    path = written(tmp_path, "x\n" + "1\n" * 5)
    refused(path, "5 rows, more than the 3 a data set may have", "runs x rows evaluations")


def test_too_many_columns_are_refused(tmp_path):
    header = ",".join(f"c{i}" for i in range(datasets.MAX_COLUMNS + 1))
    refused(written(tmp_path, header + "\n"), "101 columns, more than the 100")


# ---- tables ----

def test_take_gives_the_rows_asked_for_as_a_new_read_only_table():
    table = datasets.from_arrays({"x": [1, 2, 3, 4], "y": [5, 6, 7, 8]}, source="mine")
    part = table.take(np.array([3, 1]))
    assert (part.rows, part.name, part.source) == (2, "mine", "mine")
    np.testing.assert_array_equal(part.columns["y"], [8, 6])
    assert not part.columns["x"].flags.writeable and table.rows == 4


def test_a_table_copies_writeable_arrays_and_checks_their_lengths():
    mine = np.array([1.0, 2.0])
    table = datasets.Table(name="t", source="t", columns={"x": mine})
    mine[0] = 9
    assert table.columns["x"][0] == 1.0
    with pytest.raises(InputError, match="different lengths"):
        datasets.Table(name="t", source="t", columns={"x": [1, 2], "y": [1]})


def test_the_digest_is_of_names_and_values_only(tmp_path):
    table = datasets.read_csv(written(tmp_path, "x,y\n1,2\n3,4\n"))
    assert len(table.digest()) == 64
    same = datasets.from_arrays({"x": [1, 3], "y": [2.0, 4.0]}, source="elsewhere")
    assert same.digest() == table.digest()
    for other in ({"x": [1, 3], "y": [2, 5]}, {"x": [1, 3], "z": [2, 4]},
                  {"y": [2, 4], "x": [1, 3]}, {"x": [1], "y": [2]}):
        assert datasets.from_arrays(other).digest() != table.digest(), other


# ---- bundled sets and load ----

def test_the_manifest_lists_every_bundled_file_with_one_line_descriptions_and_licences():
    manifest = tomllib.loads((DATA / "datasets.toml").read_text())
    files = datasets.bundled()
    assert set(files) == set(manifest) == {"lecture", "cars", "iris2", "dip", "moons"}
    assert sorted(p.name for p in DATA.glob("*.csv")) == sorted(p.name for p in files.values())
    for name, entry in manifest.items():
        table = datasets.load(name)
        assert table.source == f"bundled data set {name!r}" and table.name == name
        assert (table.description, table.licence) == (entry["description"], entry["licence"])
        for key in datasets.MANIFEST_KEYS:
            assert entry[key].strip() and "\n" not in entry[key], (name, key)


def test_the_data_readme_table_is_written_from_the_manifest():
    spec = importlib.util.spec_from_file_location("update_readme",
                                                  REPO / "scripts" / "update_readme.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = module.DATA_README.read_text(encoding="utf-8")
    assert module.updated(text, module.data_tables()) == text, \
        "run: python scripts/update_readme.py"
    for name, entry in datasets.manifest().items():
        assert f"| `{name}` | {datasets.load(name).rows} |" in text and entry["licence"] in text


def test_the_synthetic_set_is_what_its_script_makes():
    spec = importlib.util.spec_from_file_location("make_datasets",
                                                  REPO / "scripts" / "make_datasets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0, "run: python scripts/make_datasets.py"


def test_lecture_is_the_lecture_notes_single_example():
    table = datasets.load("lecture")
    assert table.rows == 1 and {k: list(v) for k, v in table.columns.items()} == {
        "x": [3.0], "y": [4.0]}


def test_cars_holds_the_published_values():
    table = datasets.load("cars")
    speed, dist = table.columns["speed"], table.columns["dist"]
    assert table.rows == 50 and list(table.columns) == ["speed", "dist"]
    assert (speed.mean(), dist.mean()) == pytest.approx((15.4, 42.98), abs=1e-12)
    (intercept, slope), *_ = np.linalg.lstsq(np.column_stack([np.ones(50), speed]), dist,
                                             rcond=None)
    assert (round(intercept, 4), round(slope, 4)) == (-17.5791, 3.9324)


def newton(gradient_and_hessian, start, steps=60):
    point = np.array(start, dtype=float)
    for _ in range(steps):
        gradient, hessian = gradient_and_hessian(point)
        point = point - np.linalg.solve(hessian, gradient)
    gradient, hessian = gradient_and_hessian(point)
    return point, gradient, np.linalg.eigvalsh(hessian)


def test_iris2_holds_the_published_values_and_its_logistic_loss_has_a_minimum():
    table = datasets.load("iris2")
    length, width, label = (table.columns[k] for k in ("petal_length", "petal_width", "label"))
    assert table.rows == 100 and set(label) == {0.0, 1.0} and label.sum() == 50
    assert list(label) == [0.0] * 50 + [1.0] * 50  # versicolor, then virginica, as published
    assert (length[:50].mean(), width[:50].mean()) == pytest.approx((4.26, 1.326), abs=1e-12)
    assert (length[50:].mean(), width[50:].mean()) == pytest.approx((5.552, 2.026), abs=1e-12)
    features = np.column_stack([length, width, np.ones(100)])

    def logistic(params):  # mean log(1 + exp(-margin)): its gradient and Hessian
        chance = 1 / (1 + np.exp(-features @ params))
        weights = chance * (1 - chance)
        return features.T @ (chance - label) / 100, (features.T * weights) @ features / 100

    point, gradient, curvatures = newton(logistic, [0.0, 0.0, 0.0])
    # a stationary point where the loss curves up in every direction: a finite minimum (the
    # classes overlap; separable classes would send the weights to infinity)
    assert np.abs(gradient).max() < 1e-12 and curvatures.min() > 1e-5
    np.testing.assert_allclose(point, [5.7545, 10.4467, -45.2723], atol=1e-4)


def test_dip_has_two_minima_for_one_tanh_unit():
    table = datasets.load("dip")
    x, y = table.columns["x"], table.columns["y"]
    assert table.rows == 150 and list(table.columns) == ["x", "y"]

    def tanh_unit(params):  # mean((tanh(w*x + b) - y)**2): its gradient and Hessian
        out = np.tanh(params[0] * x + params[1])
        slope, residual = 1 - out**2, out - y
        first = 2 * residual * slope
        second = 2 * slope**2 - 4 * residual * out * slope
        inputs = np.stack([x, np.ones_like(x)])
        return inputs @ first / len(x), (inputs * second) @ inputs.T / len(x)

    found = []
    for start in ([2.0, -2.0], [-2.0, -3.0]):
        point, gradient, curvatures = newton(tanh_unit, start)
        assert np.abs(gradient).max() < 1e-10 and curvatures.min() > 1e-3, start
        found.append((point, np.mean((np.tanh(point[0] * x + point[1]) - y) ** 2)))
    (best, best_loss), (other, other_loss) = found
    np.testing.assert_allclose(best, [1.887, -1.881], atol=2e-3)
    np.testing.assert_allclose(other, [-1.911, -2.873], atol=2e-3)
    assert (round(best_loss, 3), round(other_loss, 3)) == (0.400, 1.521)


def test_load_reads_a_file_beside_the_surface_file_or_by_its_path(tmp_path):
    written(tmp_path, "x,y\n1,2\n", "mine.csv")
    (tmp_path / "sub").mkdir()
    written(tmp_path / "sub", "x\n5\n", "plain.txt")
    assert datasets.load("mine.csv", beside=tmp_path).source == str(tmp_path / "mine.csv")
    assert datasets.load(str(tmp_path / "mine.csv"), beside=REPO).rows == 1
    assert datasets.load("sub/plain.txt", beside=tmp_path).columns["x"][0] == 5
    assert datasets.load(tmp_path / "sub" / "plain.txt").name == "plain"
    refused(tmp_path / "cars.csv", "does not exist", read=lambda p: datasets.load(p.name,
                                                                                  tmp_path))


def test_an_unknown_data_set_name_is_refused_with_the_nearest_one():
    with pytest.raises(InputError, match=r"No bundled data set 'carz'; did you mean 'cars'\? "
                                         r"Known: cars, dip, iris2, lecture, moons\. "
                                         r".*ends in \.csv"):
        datasets.load("carz")
    with pytest.raises(InputError, match="a bundled data set's name .* got 3"):
        datasets.load(3)


def test_pandas_is_not_imported():
    code = ("import sys, adamviz.datasets as d; d.load('cars'); d.from_arrays({'x': [1]}); "
            "assert 'pandas' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


# ---- split ----

def test_a_split_is_seeded_disjoint_complete_and_keeps_the_order():
    table = datasets.from_arrays({"i": np.arange(10)})
    train, valid = datasets.split(table, 0.25, seed=3)
    assert (train.rows, valid.rows) == (8, 2)  # 2.5 rounds to 2, as Python rounds
    rows_train, rows_valid = list(train.columns["i"]), list(valid.columns["i"])
    assert sorted(rows_train + rows_valid) == list(range(10))
    assert rows_train == sorted(rows_train) and rows_valid == sorted(rows_valid)
    order = np.random.Generator(np.random.PCG64(3)).permutation(10)
    assert rows_valid == sorted(order[:2])
    again = datasets.split(table, 0.25, seed=3)
    assert [t.digest() for t in again] == [train.digest(), valid.digest()]
    others = {tuple(datasets.split(table, 0.25, seed=s)[1].columns["i"]) for s in range(6)}
    assert len(others) > 1
    assert datasets.split(table, 0.5)[1].rows == 5  # seed 0 by default


@pytest.mark.parametrize("share", [0, 1, 1.5, -0.1, float("nan"), True, "0.25", None])
def test_a_share_outside_zero_to_one_is_refused(share):
    table = datasets.load("cars")
    with pytest.raises(InputError, match=r"bundled data set 'cars': validation share .* is "
                                         r"not a fraction between 0 and 1; give one such as"):
        datasets.split(table, share)


def test_a_share_that_holds_out_no_row_is_refused():
    table = datasets.from_arrays({"x": [1, 2]}, source="two")
    with pytest.raises(InputError, match=r"two: a validation share of 0.25 of 2 rows is 0.5 "
                                         r"rows, which rounds to none to hold out; give a "
                                         r"larger share"):
        datasets.split(table, 0.25)


def test_a_share_that_leaves_no_training_row_is_refused():
    table = datasets.from_arrays({"x": [1, 2]}, source="two")
    with pytest.raises(InputError, match="rounds to all 2, leaving none to train on; give a "
                                         "smaller share"):
        datasets.split(table, 0.9)


def test_one_row_cannot_be_split():
    with pytest.raises(InputError, match="1 row cannot be split"):
        datasets.split(datasets.load("lecture"), 0.5)


@pytest.mark.parametrize("seed", [-1, 1.5, True, "1"])
def test_a_bad_seed_is_refused(seed):
    with pytest.raises(InputError, match="seed is a whole number >= 0"):
        datasets.split(datasets.load("cars"), 0.25, seed=seed)


# ---- from arrays ----

def test_from_arrays_takes_a_dict_a_dataframe_and_a_structured_array():
    pandas = pytest.importorskip("pandas")
    expected = datasets.from_arrays({"x": [1, 2, 3], "y": np.array([4.0, 5.0, 6.0])})
    assert (expected.name, expected.rows, list(expected.columns)) == ("data", 3, ["x", "y"])
    frame = pandas.DataFrame({"x": [1, 2, 3], "y": [4.0, 5.0, 6.0]})
    records = np.array([(1, 4.0), (2, 5.0), (3, 6.0)], dtype=[("x", "i8"), ("y", "f4")])
    for data in (frame, records):
        table = datasets.from_arrays(data, source="mine")
        assert table.source == "mine" and table.digest() == expected.digest()
        assert not table.columns["x"].flags.writeable


def test_from_arrays_refuses_a_dataframe_with_a_repeated_or_unnamed_column():
    pandas = pytest.importorskip("pandas")
    with pytest.raises(InputError, match="'x' is there twice"):
        datasets.from_arrays(pandas.DataFrame([[1, 2]], columns=["x", "x"]))
    with pytest.raises(InputError, match="column names are non-empty text, got 0"):
        datasets.from_arrays(pandas.DataFrame([[1, 2]]))


@pytest.mark.parametrize("data, message", [
    ([1, 2], "expected a pandas DataFrame, a dict .* got list"),
    ({}, "no columns"),
    ({"x": []}, "no rows"),
    ({" ": [1]}, "column names are non-empty text"),
    ({"x": [1, 2], "y": [1]}, r"different lengths \('x': 2, 'y': 1\)"),
    ({"x": [[1, 2]]}, r"column 'x' has shape \(1, 2\); a column is a 1-D array"),
    ({"x": 3}, r"column 'x' has shape \(\)"),
    ({"x": ["1", "abc"]}, "column 'x' holds a value that is not a number"),
    ({"x": [1j]}, "column 'x' holds complex128 values, not numbers"),
    ({"x": [1, 2], "y": [0, np.nan]}, r"data, row 2, column 'y': nan \(not a number\)"),
    ({"x": [1, -np.inf]}, r"row 2, column 'x': -inf \(infinite\)"),
])
def test_from_arrays_checks_as_a_file_is_checked(data, message):
    with pytest.raises(InputError, match=message) as caught:
        datasets.from_arrays(data)
    assert "\n" not in str(caught.value)


def test_from_arrays_keeps_to_the_limits(monkeypatch):
    monkeypatch.setattr(datasets, "MAX_ROWS", 3)
    with pytest.raises(InputError, match="4 rows, more than the 3 .*runs x rows"):
        datasets.from_arrays({"x": np.zeros(4)})
    with pytest.raises(InputError, match="101 columns, more than the 100"):
        datasets.from_arrays({f"c{i}": [1] for i in range(101)})
