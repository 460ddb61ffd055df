"""The option parser: `--opt NAME[:key=value,...]` and `--start X,Y`, with random input too."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adamviz import optimizers
from adamviz.core.errors import InputError
from adamviz.core.specs import OptSpec, parse_opt, parse_point
from adamviz.studies.runs import load_surface, resolve


@pytest.mark.parametrize("text,name,hyper", [
    ("adam", "adam", {}),
    ("adam:lr=0.05,beta1=0.8", "adam", {"lr": 0.05, "beta1": 0.8}),
    (" ADAM : lr = 1e-3 ", "adam", {"lr": 1e-3}),
    ("adam:amsgrad=true,bias_correction=False", "adam", {"amsgrad": True,
                                                         "bias_correction": False}),
])
def test_valid_specs(text, name, hyper):
    assert parse_opt(text) == OptSpec(name=name, hyperparams=hyper)


@pytest.mark.parametrize("text,message", [
    ("", "Empty optimizer spec"),
    (":lr=1", "is not an optimizer name"),
    ("adam:", "nothing after ':'"),
    ("adam:lr", "'lr' is not key=value"),
    ("adam:lr=", "'lr=' is not key=value"),
    ("adam:=1", "'=1' is not key=value"),
    ("adam:lr=1,lr=2", "'lr' is given twice"),
    ("adam:lr=nan", "not a finite number"),
    ("adam:lr=1e999", "not a finite number"),
    ("adam:lr=x", "'x' is not a number"),
])
def test_invalid_specs(text, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        parse_opt(text)


@pytest.mark.parametrize("text,point", [("1,2", (1.0, 2.0)), (" -1.5 , 0.8 ", (-1.5, 0.8)),
                                        ("3e-1 4", (0.3, 4.0))])
def test_points(text, point):
    assert parse_point(text, 2) == point


@pytest.mark.parametrize("text", ["", "1", "1,2,3", "a,b", "inf,0", "1,,", "(1,2)"])
def test_bad_points(text):
    with pytest.raises(InputError, match="Bad point"):
        parse_point(text, 2)


def test_spec_round_trips_through_its_string():
    spec = parse_opt("rmsprop:alpha=0.9,centered=true,lr=0.001")
    assert parse_opt(str(spec)) == spec


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=40))
def test_random_text_is_a_spec_or_a_clear_refusal(text):
    """Whatever the user types, the parser and the optimizer factory either build an optimizer
    or raise InputError: never another exception."""
    try:
        spec = parse_opt(text)
        optimizers.make(spec.name, **spec.hyperparams)
    except InputError as err:
        assert str(err)


KEYS = ["lr", "beta1", "beta2", "eps", "momentum", "alpha", "amsgrad", "weight_decay", "bogus"]
VALUES = ["0.1", "1e-3", "-1", "0", "1", "true", "false", "2", "nan", "x", ""]


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from([*optimizers.OPTIMIZERS, "adma"]),
       pairs=st.lists(st.tuples(st.sampled_from(KEYS), st.sampled_from(VALUES)), max_size=4))
def test_random_specs_build_or_refuse(name, pairs):
    text = name + (":" + ",".join(f"{k}={v}" for k, v in pairs) if pairs else "")
    try:
        opt, label = resolve(text, load_surface("hump"))
    except InputError:
        return
    assert label.startswith(name) and opt.name == name


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20))
def test_random_points_parse_or_refuse(text):
    try:
        point = parse_point(text, 2)
    except InputError:
        return
    assert len(point) == 2
