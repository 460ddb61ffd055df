"""One run stepped on floats (``single_run.py``) against the engine's own loop: the same
outcome bit for bit, whatever is recorded, for every surface and optimizer, and the engine's
loop wherever the float loop hands the run back."""

import dataclasses

import numpy as np
import pytest

from adamviz import engine, optimizers, single_run, surfaces
from adamviz.core import scalar_code
from adamviz.optimizers import registry, schedules
from adamviz.surfaces import from_dict

FORMULAS = [name for name in surfaces.available()
            if not isinstance(surfaces.load(name), surfaces.DataSurface | surfaces.NetworkSurface)]
# Every function the grammar has, and the powers the programs specialise, on one surface
ODD = from_dict({"name": "odd", "xlim": [-1.5, 1.5], "ylim": [-1.5, 1.5], "start": [0.9, -0.7],
                 "expr": "tanh(x)**2 + exp(0.3*y) + sqrt(x**2 + 1) + abs(x - y) + sign(y)*y "
                         "+ sin(x)*cos(y) + arctan(x*y) + arctan2(y, 2 + x) + log1p(x**2) "
                         "+ softplus(y) + sigmoid(x) + sinh(0.2*x) + cosh(0.1*y) + "
                         "arcsinh(x) + (x**2 + 2)**1.5 + (y**2 + 1)**-0.5 + 1/(x**2 + 1)"
                         " + (y**2+1)**-2 + x**3/10 + arcsin(0.3*tanh(y)) + "
                         "arccos(0.2*tanh(x)) + log(x**2 + 1) + tan(0.2*y)"})


def engine_loop(monkeypatch, *args, **kw):
    """The engine's own loop for the same call."""
    with monkeypatch.context() as m:
        m.setattr(single_run, "applies", lambda *a, **k: False)
        return engine.run(*args, **kw)


def assert_same(a, b):
    for field in ("ends", "end_losses", "steps", "best_step"):
        assert np.array_equal(getattr(a, field), getattr(b, field), equal_nan=True), field
    assert a.status == b.status
    if a.paths is None:
        assert b.paths is None
        return
    for field in dataclasses.fields(a.paths):
        x, y = getattr(a.paths, field.name), getattr(b.paths, field.name)
        if isinstance(x, dict):
            assert x.keys() == y.keys()
            for k in x:
                assert np.array_equal(x[k], y[k], equal_nan=True), k
        elif x is None:
            assert y is None, field.name
        else:
            assert x.shape == y.shape and np.array_equal(x, y, equal_nan=True), field.name


def lr_of(surface, name):
    return {"lr": surface.lr[name]} if name in surface.lr else {}


@pytest.mark.parametrize("surface_name", FORMULAS)
def test_every_optimizer_on_every_surface_gives_the_engines_bits(surface_name, monkeypatch):
    surface = surfaces.load(surface_name)
    start = np.array([surface.start], dtype=float)
    for name in registry.OPTIMIZERS:
        opt = optimizers.make(name, **lr_of(surface, name))
        ours = engine.run(surface, opt, start, 150)
        assert_same(ours, engine_loop(monkeypatch, surface, opt, start, 150))


@pytest.mark.parametrize("name", registry.OPTIMIZERS)
def test_every_function_and_power(name, monkeypatch):
    opt = optimizers.make(name, **({"lr": 0.01} if name not in ("adadelta", "rprop") else {}))
    start = np.array([ODD.start], dtype=float)
    assert single_run.attempt(ODD, opt, start[0], 5, box=engine.escape_box(ODD), tol=None,
                              patience=None, paths=True) is not None  # the float loop ran
    assert_same(engine.run(ODD, opt, start, 120), engine_loop(monkeypatch, ODD, opt, start, 120))


@pytest.mark.parametrize("kw", [{"tol": 1e-4}, {"patience": 5}, {"tol": 1e-3, "patience": 20},
                                {"record": "ends"}, {"record": "ends", "patience": 3},
                                {"record": "ends", "tol": 1e-5}])
def test_stopping_rules_and_what_is_kept(kw, monkeypatch):
    for surface_name, name, lr in [("bowl", "sgd", 0.05), ("hump", "adam", 0.3),
                                   ("rosenbrock", "momentum", 0.001), ("valley", "radam", 0.3),
                                   ("saddle", "nadam", 0.1), ("plane", "adagrad", 0.3)]:
        surface = surfaces.load(surface_name)
        opt = optimizers.make(name, lr=lr)
        for start in ([surface.start], [[0.3, -0.2]]):
            start = np.array(start, dtype=float)
            assert_same(engine.run(surface, opt, start, 2000, **kw),
                        engine_loop(monkeypatch, surface, opt, start, 2000, **kw))


def test_hyperparameter_variants_and_a_schedule(monkeypatch):
    hump = surfaces.load("hump")
    start = np.array([hump.start], dtype=float)
    made = [optimizers.make("adam", lr=0.1, amsgrad=True, weight_decay=0.01),
            optimizers.make("adam", lr=0.05, bias_correction=False),
            optimizers.make("adam", lr=0.05, eps_inside_sqrt=True, maximize=False),
            optimizers.make("adamw", lr=0.1, weight_decay=0.1),
            optimizers.make("sgd", lr=0.01, momentum=0.9, nesterov=True, dampening=0.0),
            optimizers.make("momentum", lr=0.01, dampening=0.5),
            optimizers.make("rmsprop", lr=0.01, centered=True, momentum=0.5),
            schedules.scheduled(lambda **h: optimizers.make("adam", **h), {"lr": 0.3},
                                schedules.parse_schedule("cosine:T_max=50")),
            schedules.scheduled(lambda **h: optimizers.make("sgd", **h), {"lr": 0.01},
                                schedules.parse_schedule("step:step_size=30,gamma=0.5"))]
    for opt in made:
        assert single_run.applies(hump, opt), opt.name
        assert_same(engine.run(hump, opt, start, 300),
                    engine_loop(monkeypatch, hump, opt, start, 300))


def test_diverging_and_undefined_runs_are_the_engines(monkeypatch):
    hump, box = surfaces.load("hump"), None
    log = from_dict({"name": "logs", "expr": "log(x) + y**2", "xlim": [0.1, 3],
                     "ylim": [-1, 1], "start": [2, 0.5]})
    for surface, opt, start in [(hump, optimizers.make("sgd", lr=3.0), [-2, 1]),
                                (hump, optimizers.make("adam", lr=100.0), [-2, 1]),
                                (log, optimizers.make("sgd", lr=2.0), [2, 0.5]),
                                (log, optimizers.make("sgd", lr=0.05), [2, 0.5])]:
        box = engine.escape_box(surface)
        start = np.array([start], dtype=float)
        assert_same(engine.run(surface, opt, start, 400),
                    engine_loop(monkeypatch, surface, opt, start, 400))
    one = single_run.attempt(hump, optimizers.make("sgd", lr=3.0), np.array([-2.0, 1.0]), 400,
                             box=engine.escape_box(hump), tol=None, patience=None, paths=True)
    assert one is None and box is not None  # it left the box: the engine's loop says so


def test_only_a_files_own_rule_runs_on_floats():
    hump = surfaces.load("hump")
    adam = optimizers.make("adam", lr=0.3)
    assert single_run.applies(hump, adam)
    clipped = schedules.clipped(adam, clip_norm=1.0)  # changes the gradient: not the rule
    assert not single_run.applies(hump, clipped)
    wrapped = dataclasses.replace(adam, update=lambda *a: adam.update(*a))
    assert not single_run.applies(hump, wrapped)
    assert not single_run.applies(surfaces.load("cars"), optimizers.make("adam"))


def test_functions_are_pythons_only_where_they_give_numpys_bits():
    rng = np.random.default_rng(7)
    fresh = np.concatenate([rng.normal(0, 3, 3000), rng.uniform(-30, 30, 3000),
                            [np.nan, np.inf, -np.inf, 0.0, -0.0] * 20])
    rng.shuffle(fresh)
    other = np.roll(fresh, 11)
    for op in ("exp", "tanh", "sin", "log1p", "sigmoid", "softplus", "atan", "max", "min",
               "atan2", "pow"):
        chosen = scalar_code.agreeing(op)
        two = op in ("max", "min", "atan2", "pow")
        columns = (fresh, other) if two else (fresh,)
        expected = np.empty_like(fresh)
        with np.errstate(all="ignore"):
            scalar_code.function_of(op, ())(*columns, expected)
        got = []
        for args in zip(*(c.tolist() for c in columns), strict=True):
            try:
                got.append(chosen(*args))
            except (ArithmeticError, ValueError):  # (the run is handed back to the engine)
                got.append(expected[len(got)])
        assert np.array_equal(np.array(got), expected, equal_nan=True), op


def test_the_source_holds_no_name_from_a_file():
    hump = surfaces.load("hump")
    adam = optimizers.make("adam", lr=0.3)
    maker = single_run._Maker(hump, adam, paths=True, tol=True, patience=True)
    source = "\n".join(maker.source())
    for name in (*adam.rule.program.state, "beta1", "beta2", "eps", "lr", "m_hat"):
        assert name not in source.split(), name
    assert "0.9" not in source and "0.3" not in source  # constants are bound, not written


ODD_RULE = '''
name = "odd_rule"
description = "every operation a rule may use, for the float loop"
rule = """
c = c*0.5 + 1
s = max(abs(g), s*beta)
d = min(sign(g)*s, c) + lerp(m, g, 0.3) + lerp(m, g, 0.8)
m = where(g > 0, m*0.9 + g, m*0.5 - g)
if t > 3 and t != 7: d = d + g**t/(1 + abs(g)**t)
q = sqrt(abs(d)) + d**2 + (abs(d) + 1)**0.5 + (abs(d)+1)**-0.5 + (abs(d)+1)**-2 + exp(-abs(d))
p = p - lr*(d + 0.01*q)/(1 + c)
"""
[hyperparameters]
lr = {default = 0.01, range = "> 0"}
beta = {default = 0.9, range = "[0, 1)"}
[state]
m = 0.0
s = 0.0
c = 0.0
[trace]
s = "s"
c = "c"
'''


def test_a_rule_file_with_every_operation(tmp_path, monkeypatch):
    path = tmp_path / "odd_rule.toml"
    path.write_text(ODD_RULE)
    opt = optimizers.make(str(path))
    assert "c" in opt.rule.scalars and opt.rule.update.conditions  # a number state, a choice
    for surface in (surfaces.load("hump"), ODD):
        start = np.array([surface.start], dtype=float)
        assert single_run.applies(surface, opt)
        assert_same(engine.run(surface, opt, start, 200, tol=1e-9),
                    engine_loop(monkeypatch, surface, opt, start, 200, tol=1e-9))


@pytest.mark.parametrize("kw", [{}, {"tol": 1e-4}, {"patience": 10, "record": "ends"}])
def test_a_few_starts_each_on_floats_are_the_loops_runs_together(kw, monkeypatch):
    hump = surfaces.load("hump")
    starts = np.array([[-2, 1], [1.5, -1], [0.1, 0.2], [2.4, 1.4]], dtype=float)
    for opt in (optimizers.make("sgd", lr=0.05), optimizers.make("adam", lr=0.3),
                optimizers.make("sgd", lr=0.6)):  # (the last diverges from some starts)
        ours = engine.run(hump, opt, starts, 300, **kw)
        assert_same(ours, engine_loop(monkeypatch, hump, opt, starts, 300, **kw))
    assert "diverged" in ours.status and len(set(ours.steps)) > 1
    assert len(starts) <= engine.FEW_STARTS
