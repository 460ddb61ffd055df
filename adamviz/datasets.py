"""Tables of numbers that a loss surface can be a model's loss over (``data = ...``).

A table comes from a CSV file (a header line of column names, then a row of numbers a line), a
bundled data set by name (``surfaces/data/datasets.toml`` lists them) or arrays in Python. Any
way of being wrong is one ``InputError`` naming the file, the line and column, and what would be
right. Reading is bounded: a regular file only, at most ``MAX_BYTES``, ``MAX_ROWS`` rows and
``MAX_COLUMNS`` columns. pandas is never imported: a DataFrame is read through its ``items()``.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import hashlib
import io
import numbers
import os
from array import array
from pathlib import Path

import numpy as np

from .core.errors import InputError
from .core.io import note_input, open_regular, read_toml
from .core.names import count, suggest

MAX_BYTES = 64_000_000
MAX_ROWS = 1_000_000
MAX_COLUMNS = 100
COST = "each full-batch step costs runs x rows evaluations of the formula"
MANIFEST_KEYS = ("file", "description", "source", "licence")


@dataclasses.dataclass(frozen=True, kw_only=True, eq=False)
class Table:
    """Named columns of float64 numbers, all as long, in file order; the arrays are read-only
    (copied if they were not), so a table shared between runs cannot change under them."""

    name: str  # the file's stem, or the bundled set's name
    source: str  # where it came from, for messages: a path, or "bundled data set 'cars'"
    columns: dict[str, np.ndarray]
    description: str = ""  # bundled sets: one line
    licence: str = ""  # bundled sets: one line

    def __post_init__(self):
        columns = {name: _read_only(values) for name, values in self.columns.items()}
        if len({len(values) for values in columns.values()}) > 1:
            raise InputError(f"{self.source}: the columns have different lengths "
                             f"({', '.join(f'{k}: {len(v)}' for k, v in columns.items())}).")
        object.__setattr__(self, "columns", columns)

    @property
    def rows(self) -> int:
        return len(next(iter(self.columns.values()), ()))

    def take(self, index) -> Table:
        """The rows at ``index`` (an int array), in its order; the same columns."""
        index = np.asarray(index)
        index = index if index.dtype == bool else index.astype(np.intp, copy=False)
        return dataclasses.replace(self, columns={k: v[index] for k, v in self.columns.items()})

    def digest(self) -> str:
        """sha256 (hex) of the column names and values, in order: the same numbers under the
        same names give the same digest wherever they were read from."""
        sha = hashlib.sha256(len(self.columns).to_bytes(8, "little"))
        for name, values in self.columns.items():
            raw = name.encode("utf-8")
            sha.update(len(raw).to_bytes(8, "little") + raw + len(values).to_bytes(8, "little"))
            sha.update(np.ascontiguousarray(values, dtype="<f8").tobytes())
        return sha.hexdigest()


def _read_only(values) -> np.ndarray:
    if not (isinstance(values, np.ndarray) and values.dtype == np.float64
            and values.ndim == 1 and not values.flags.writeable):
        values = np.array(values, dtype=np.float64)
        if values.ndim != 1:
            raise InputError(f"A table's column is a 1-D array, got shape {values.shape}.")
        values.flags.writeable = False
    return values


# ---- CSV files ----

def read_csv(path, source: str | None = None) -> Table:
    """A CSV file as a table named by the file's stem; ``source`` names it in messages (else
    the path). Quoted fields, a byte-order mark, CRLF line ends and blank lines are fine;
    every value must be a finite number as Python's float() reads it ("3", "-0.5", "1e-3")."""
    if not isinstance(path, str | os.PathLike):
        raise InputError(f"A data file is a path to a .csv file, got {path!r}.")
    path = Path(path)
    where = source or str(path)
    names, values, lines = _parse(_read_text(path, where), where)
    matrix = np.frombuffer(values, dtype=np.float64).reshape(len(lines), len(names))
    columns = [matrix[:, j] for j in range(len(names))]
    _check_finite(where, names, columns, lambda row: f"line {lines[row]} (data row {row + 1})")
    return Table(name=path.stem, source=where, columns=dict(zip(names, columns, strict=True)))


def _read_text(path: Path, where: str) -> str:
    with open_regular(path, "Data file") as handle:
        size = os.fstat(handle.fileno()).st_size
        try:
            raw = handle.read(MAX_BYTES + 1) if size <= MAX_BYTES else b""
        except OSError as exc:
            raise InputError(f"Cannot read data file {str(path)!r}: "
                             f"{exc.strerror or exc}.") from None
    note_input(path)
    if size > MAX_BYTES or len(raw) > MAX_BYTES:
        nbytes = max(size, len(raw))
        raise InputError(f"{where}: {nbytes:,} bytes ({nbytes / 1e6:,.1f} MB), more than the "
                         f"{MAX_BYTES / 1e6:,.0f} MB a data file may have ({COST}). Use a "
                         f"sample of its rows.")
    try:
        return raw.decode("utf-8-sig")  # (a byte-order mark, as spreadsheets save)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError(f"{where}, line {line}: not UTF-8 text (byte {exc.start + 1:,}); save "
                         f"the file as CSV in UTF-8.") from None


def _blank(row: list[str]) -> bool:
    return not row or (len(row) == 1 and not row[0].strip())


def _parse(text: str, where: str) -> tuple[list[str], array, array]:
    """The header's names, every value row by row (compactly: a 64 MB file may hold millions)
    and each data row's line number."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    values, lines = array("d"), array("q")
    try:
        names = _header(reader, where)
        rows = 0
        for row in reader:
            if _blank(row):
                continue
            rows += 1
            if rows > MAX_ROWS:  # only counted, for the message
                continue
            if len(row) != len(names):
                raise InputError(f"{where}, line {reader.line_num} (data row {rows}): "
                                 f"{count(len(row), 'field')}, but the header has "
                                 f"{count(len(names), 'column')}; every row needs one value "
                                 f"per column, separated by commas.")
            try:
                values.extend([float(field) for field in row])
            except ValueError:
                _refuse_field(where, names, row, f"line {reader.line_num} (data row {rows})")
            lines.append(reader.line_num)
    except csv.Error as exc:
        if "field limit" in str(exc):  # (csv's own bound on a field: no number is that long)
            raise InputError(f"{where}, line {reader.line_num}: a field of more than "
                             f"{csv.field_size_limit():,} characters; a data file holds "
                             f"numbers, one a field.") from None
        raise InputError(f"{where}, line {reader.line_num}: not valid CSV ({exc}); quote a "
                         f"field that holds commas or quotes, as \"a, b\".") from None
    if rows == 0:
        raise InputError(f"{where}: a header line ({','.join(names)[:60]}) but no rows of "
                         f"numbers under it; add one row of numbers a line.")
    if rows > MAX_ROWS:
        raise InputError(f"{where}: {rows:,} rows, more than the {MAX_ROWS:,} a data set may "
                         f"have ({COST}: {rows:,} here). Use a sample of the rows.")
    return names, values, lines


def _header(reader, where: str) -> list[str]:
    row = next((row for row in reader if not _blank(row)), None)
    if row is None:
        raise InputError(f"{where}: the file is empty; a data file is a header line of column "
                         f"names, then rows of numbers (such as 'x,y' then '3,4').")
    names, at = [name.strip() for name in row], f"{where}, line {reader.line_num}"
    if len(names) > MAX_COLUMNS:
        raise InputError(f"{at}: {len(names):,} columns, more than the {MAX_COLUMNS} a data "
                         f"set may have (a formula uses a few of them: keep those).")
    seen: dict[str, int] = {}
    for number, name in enumerate(names, 1):
        if not name:
            end = " (a comma at the end of the line makes an empty last column: remove it)" \
                if number == len(names) > 1 else ""
            raise InputError(f"{at}: column {number} has no name; the header line names every "
                             f"column (such as 'x,y'){end}.")
        if name in seen:
            raise InputError(f"{at}: the column name {name!r} is there twice (columns "
                             f"{seen[name]} and {number}); give each column its own name.")
        seen[name] = number
    if all(is_number(name) for name in names):
        raise InputError(f"{at}: the first line ({','.join(names)[:60]}) holds numbers, not "
                         f"column names; add a header line of names (such as 'x,y').")
    return names


def is_number(text: str) -> bool:
    """Whether ``text`` reads as a number (as a CSV field is read: Python's ``float``)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _refuse_field(where: str, names, row, at: str):
    for name, field in zip(names, row, strict=True):
        if not field.strip():
            raise InputError(f"{where}, {at}, column {name!r}: no value; every row needs a "
                             f"number in every column (remove the row, or fill it in).")
        if not is_number(field):
            hint = " (separate fields with commas)" if any(c in field for c in ";\t") else ""
            raise InputError(f"{where}, {at}, column {name!r}: {field.strip()[:40]!r} is not a "
                             f"number{hint}; give numbers such as 3, -0.5 or 1e-3.")


def _check_finite(where: str, names, columns, locate) -> None:
    """Refuse nan and infinities: the first one, by row then column."""
    first = None
    for j, values in enumerate(columns):
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size and (first is None or bad[0] < first[0]):
            first = (int(bad[0]), j)
    if first is not None:
        row, j = first
        value = columns[j][row]
        which = "nan (not a number)" if np.isnan(value) else f"{value} (infinite)"
        raise InputError(f"{where}, {locate(row)}, column {names[j]!r}: {which}; every value "
                         f"must be a finite number (remove the row, or give a value).")


# ---- arrays in Python ----

def from_arrays(data, source: str = "data") -> Table:
    """A table from a pandas DataFrame, a mapping of name -> 1-D array-like, or a numpy
    structured array, checked as a file is; named ``source``."""
    pairs = _named_columns(data, source)
    if not pairs:
        raise InputError(f"{source}: no columns; give at least one column of numbers.")
    if len(pairs) > MAX_COLUMNS:
        raise InputError(f"{source}: {len(pairs):,} columns, more than the {MAX_COLUMNS} a "
                         f"data set may have (a formula uses a few of them: keep those).")
    names, columns = [], []
    for name, raw in pairs:
        if not isinstance(name, str) or not name.strip():
            raise InputError(f"{source}: column names are non-empty text, got {name!r}.")
        if name in names:
            raise InputError(f"{source}: the column name {name!r} is there twice; give each "
                             f"column its own name.")
        names.append(name)
        columns.append(_column(raw, name, source))
    lengths = {len(values) for values in columns}
    if len(lengths) > 1:
        sizes = ", ".join(f"{n!r}: {len(v)}" for n, v in zip(names, columns, strict=True))
        raise InputError(f"{source}: the columns have different lengths ({sizes}); every "
                         f"column needs one value per row.")
    rows = lengths.pop()
    if rows == 0:
        raise InputError(f"{source}: no rows; give at least one row of numbers.")
    if rows > MAX_ROWS:
        raise InputError(f"{source}: {rows:,} rows, more than the {MAX_ROWS:,} a data set may "
                         f"have ({COST}: {rows:,} here). Use a sample of the rows.")
    _check_finite(source, names, columns, lambda row: f"row {row + 1}")
    return Table(name=source, source=source, columns=dict(zip(names, columns, strict=True)))


def _named_columns(data, source: str) -> list:
    names = getattr(getattr(data, "dtype", None), "names", None)
    if names:  # a structured array
        return [(name, data[name]) for name in names]
    if callable(getattr(data, "to_frame", None)):  # its items() would be (index, value) pairs
        raise InputError(f"{source}: a pandas Series is one column; give a DataFrame "
                         f"(series.to_frame('x')) or a dict of column name -> values.")
    if callable(getattr(data, "items", None)):  # a mapping, or a pandas DataFrame
        return list(data.items())
    raise InputError(f"{source}: expected a pandas DataFrame, a dict of column name -> 1-D "
                     f"array, or a numpy structured array; got {type(data).__name__}.")


def _column(raw, name: str, source: str) -> np.ndarray:
    try:
        values = np.asarray(raw)
    except (ValueError, TypeError):  # rows of different lengths, or not an array at all
        raise InputError(f"{source}: column {name!r} is not a 1-D array of numbers; give one "
                         f"number per row.") from None
    if values.dtype.kind not in "biufOUS":
        raise InputError(f"{source}: column {name!r} holds {values.dtype} values, not numbers.")
    try:
        values = values.astype(np.float64)
    except OverflowError:  # a Python int beyond any float
        raise InputError(f"{source}: column {name!r} holds a number too large for a float "
                         f"(at most about 1.8e308); rescale the column.") from None
    except (TypeError, ValueError) as exc:
        raise InputError(f"{source}: column {name!r} holds a value that is not a number "
                         f"({exc}).") from None
    if values.ndim != 1:
        raise InputError(f"{source}: column {name!r} has shape {values.shape}; a column is a "
                         f"1-D array of numbers.")
    return values


# ---- bundled data sets, and the surface file's `data = ...` ----

def data_dir() -> Path:
    """The bundled data sets' folder: in the wheel, or the checkout's ``surfaces/data``. (As
    ``surfaces.builtin_dir``; not imported from there, so that surfaces may import this.)"""
    here = Path(__file__).resolve().parent
    packaged = here / "builtin_surfaces"
    return (packaged if packaged.is_dir() else here.parent / "surfaces") / "data"


@functools.cache
def manifest() -> dict[str, dict[str, str]]:
    """Every bundled set: name -> file, description, source and licence (one line each)."""
    entries = read_toml(data_dir() / "datasets.toml", "Data sets manifest")
    for name, entry in entries.items():
        if sorted(entry) != sorted(MANIFEST_KEYS):
            raise InputError(f"datasets.toml: [{name}] must have exactly the keys "
                             f"{', '.join(MANIFEST_KEYS)}.")
    return entries


def bundled() -> dict[str, Path]:
    """name -> CSV file of every bundled data set."""
    return {name: data_dir() / entry["file"] for name, entry in manifest().items()}


def load(spec, beside: Path | None = None) -> Table:
    """A surface file's ``data = ...``: a bundled set's name ("cars"), or a file: a name
    ending in .csv or holding a folder, relative to ``beside`` (the surface file's folder)
    unless absolute."""
    if isinstance(spec, os.PathLike) or (isinstance(spec, str) and _is_path(spec)):
        path = Path(spec)
        if beside is not None and not path.is_absolute():
            path = Path(beside) / path
        return read_csv(path)
    sets = manifest()
    if not isinstance(spec, str):
        raise InputError(f"data is a bundled data set's name ({', '.join(sets)}) or a .csv "
                         f"file, got {spec!r}.")
    if spec not in sets:
        raise InputError(f"No bundled data set {spec!r}{suggest(spec, sets)} A data file's "
                         f"name ends in .csv (or holds a folder, such as ./mine.txt).")
    entry = sets[spec]
    table = read_csv(data_dir() / entry["file"], source=f"bundled data set {spec!r}")
    return dataclasses.replace(table, name=spec, description=entry["description"],
                               licence=entry["licence"])


def _is_path(spec: str) -> bool:
    separators = {"/", os.sep, os.altsep} - {None}
    return spec.lower().endswith(".csv") or any(s in spec for s in separators)


def split(table: Table, share: float, seed: int = 0) -> tuple[Table, Table]:
    """(training, validation): ``share`` of the rows, rounded to whole rows (as Python's
    round: a half to even), held out; which ones, a seeded shuffle (numpy's PCG64) decides.
    Each part keeps its rows in file order."""
    if isinstance(share, bool) or not isinstance(share, numbers.Real) or not 0 < share < 1:
        raise InputError(f"{table.source}: validation share {share!r} is not a fraction between "
                         f"0 and 1; give one such as 0.25 (a quarter of the rows held out).")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise InputError(f"{table.source}: the split's seed is a whole number >= 0, got "
                         f"{seed!r}.")
    rows, share = table.rows, float(share)
    if rows < 2:
        raise InputError(f"{table.source}: {count(rows, 'row')} cannot be split into training "
                         f"and validation rows; give at least 2 rows, or no validation.")
    held = round(share * rows)
    if held in (0, rows):
        left = "none to hold out" if held == 0 else f"all {rows}, leaving none to train on"
        raise InputError(f"{table.source}: a validation share of {share:g} of "
                         f"{count(rows, 'row')} is {share * rows:g} rows, which rounds to "
                         f"{left}; give a {'larger' if held == 0 else 'smaller'} share"
                         f"{', or more rows' if held == 0 else ''}.")
    order = np.random.Generator(np.random.PCG64(int(seed))).permutation(rows)
    return table.take(np.sort(order[held:])), table.take(np.sort(order[:held]))


def markdown_table() -> str:
    """surfaces/data/README.md's table of the bundled sets, from the manifest and the files."""
    lines = ["| name | rows | columns | description | source | licence |",
             "| --- | --- | --- | --- | --- | --- |"]
    for name, entry in manifest().items():
        table = load(name)
        columns = ", ".join(f"`{column}`" for column in table.columns)
        lines.append(f"| `{name}` | {table.rows} | {columns} | {entry['description']} | "
                     f"{entry['source']} | {entry['licence']} |")
    return "\n".join(lines)
