"""The --where filter language: what it means, and that no text can make it more than a filter
over known columns with bound values."""

import re
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adamviz.core.errors import InputError
from adamviz.core.where import parse_where

COLUMNS = ["optimizer", "lr", "final_loss", "reached", "steps_to_tol", "amsgrad"]
ROWS = [("sgd", 0.01, 0.39, "local", None, None), ("adam", 0.3, -0.41, "global", 285, 0),
        ("adam", 0.001, 2.5, "none", None, 1), ("momentum", 0.01, -0.41, "global", 300, None),
        ("o'brien", 1.0, 0.0, "none", None, None)]


def table() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE TABLE runs ({', '.join(COLUMNS)})")
    conn.executemany("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?)", ROWS)
    return conn


def matching(text: str) -> list[str]:
    sql, params, _ = parse_where(text, COLUMNS)
    rows = table().execute(f"SELECT optimizer, lr FROM runs WHERE {sql} ORDER BY rowid", params)
    return [f"{o}@{lr:g}" for o, lr in rows]


@pytest.mark.parametrize("text, expected", [
    ("optimizer = 'adam'", ["adam@0.3", "adam@0.001"]),
    ("optimizer == 'adam' and lr >= 0.1", ["adam@0.3"]),
    ("optimizer = 'sgd' or optimizer = 'momentum' and lr > 1", ["sgd@0.01"]),  # and binds first
    ("(optimizer = 'sgd' or optimizer = 'momentum') and lr < 1", ["sgd@0.01", "momentum@0.01"]),
    ("not reached = 'global'", ["sgd@0.01", "adam@0.001", "o'brien@1"]),
    ("reached in ('global', 'local')", ["sgd@0.01", "adam@0.3", "momentum@0.01"]),
    ("reached NOT IN ('global')", ["sgd@0.01", "adam@0.001", "o'brien@1"]),
    ("optimizer like 'mo%'", ["momentum@0.01"]),
    ("optimizer not like '%a%'", ["sgd@0.01", "momentum@0.01", "o'brien@1"]),
    ("lr between 0.005 and 0.5", ["sgd@0.01", "adam@0.3", "momentum@0.01"]),
    ("steps_to_tol is null and lr != 1", ["sgd@0.01", "adam@0.001"]),
    ("steps_to_tol is not null", ["adam@0.3", "momentum@0.01"]),
    ("amsgrad = true", ["adam@0.001"]),
    ("amsgrad = false", ["adam@0.3"]),
    ("final_loss < -.4", ["adam@0.3", "momentum@0.01"]),
    ("final_loss <> 0 and lr <= 1e-2", ["sgd@0.01", "adam@0.001", "momentum@0.01"]),
    ("optimizer = 'o''brien'", ["o'brien@1"]),
    ("optimizer = 'x'' or ''1''=''1'", []),  # a quote inside a value stays in the value
])
def test_filters_mean_what_they_say(text, expected):
    assert matching(text) == expected


@pytest.mark.parametrize("text, message", [
    ("", "an empty filter"),
    ("optimizer = 'adam'; DROP TABLE runs", "cannot read ';'"),
    ("optimizer = 'adam' -- comment", "cannot read '-'"),
    ("optimizer = 'adam' /* comment */", "cannot read '/'"),
    ("lr = (SELECT 1)", "expected a value"),
    ("lr = lr", "expected a value"),
    ("typo = 1", "unknown column 'typo'"),
    ("rowid = 1", "unknown column 'rowid'"),
    ("optimizer = \"adam\"", "cannot read '\"'"),
    ("optimizer in ()", "expected a value"),
    ("lr between 1", "expected 'and'"),
    ("optimizer like 3", "a quoted pattern"),
    ("optimizer not = 'a'", "'in' or 'like' after 'not'"),
    ("(lr = 1", "expected ')'"),
    ("not " * 60 + "lr = 1", "nested more than 50 deep"),
    ("lr = 1 " + "and lr = 1 " * 400, "at most 2000 characters"),
])
def test_bad_filters_are_refused_in_one_line(text, message):
    with pytest.raises(InputError, match=re.escape(message)):
        parse_where(text, COLUMNS)


SAFE = re.compile(r'"(?:' + "|".join(COLUMNS) + r')"|\?|AND|OR|NOT|IS|NULL|IN|LIKE|BETWEEN|'
                  r'<=|>=|!=|[=<>(),]|\s+')


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("lr optimize'\"=<>!();,-*/%_01.eaxNOTAND")) |
               st.characters(), max_size=60))
def test_no_text_becomes_more_than_a_filter(text):
    try:
        sql, params, _ = parse_where(text, COLUMNS)
    except InputError:
        return
    assert SAFE.sub("", sql) == ""  # known columns, placeholders and the grammar's words only
    assert sql.count("?") == len(params)
    conn = table()
    conn.execute(f"SELECT count(*) FROM runs WHERE {sql}", params).fetchone()
    assert conn.total_changes == 5  # the five rows inserted, nothing since


words = st.sampled_from(COLUMNS)
values = st.one_of(st.integers(-5, 5).map(str), st.sampled_from(["0.3", "1e-2", "'adam'",
                                                                  "'global'", "true", "''"]))
tests_ = st.one_of(
    st.tuples(words, st.sampled_from(["=", "!=", "<", ">=", "<>"]), values).map(" ".join),
    st.tuples(words, st.just("is null")).map(" ".join),
    st.tuples(words, st.lists(values, min_size=1, max_size=3)).map(
        lambda t: f"{t[0]} in ({', '.join(t[1])})"))


@settings(max_examples=200, deadline=None)
@given(st.recursive(tests_, lambda inner: st.one_of(
    st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(" ".join),
    inner.map(lambda t: f"not ({t})")), max_leaves=6))
def test_every_well_formed_filter_parses_and_runs(text):
    sql, params, _ = parse_where(text, COLUMNS)
    table().execute(f"SELECT count(*) FROM runs WHERE {sql}", params).fetchone()
