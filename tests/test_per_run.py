"""Hyperparameters given per run (a 1-D array, a value per run): N columns in one engine call,
each bit for bit the run built with that one value (``core/rule_vectors.py``)."""

import itertools

import numpy as np
import pytest

from adamviz import engine
from adamviz.core.errors import InputError
from adamviz.optimizers import registry
from adamviz.studies.runs import load_surface

STEPS = 60


def _values(declared) -> list[float]:
    """A few valid values around a default (0 kept: SGD's momentum = 0 is its own branch)."""
    default = declared.default
    near = [0.0, 0.05, 0.2] if default == 0 else \
        [default, default * 0.5, default * 0.9, default * 1.01]
    return sorted({v for v in near if declared.range.holds(v)})


def _same(many: engine.Outcome, j: int, one: engine.Outcome) -> bool:
    ends = np.array_equal(many.ends[j], one.ends[0]) and many.codes[j] == one.codes[0] \
        and many.steps[j] == one.steps[0]
    if many.paths is None:
        return bool(ends)
    taken = int(one.steps[0]) + 1
    return bool(ends) and all(
        np.array_equal(getattr(many.paths, k)[:taken, j], getattr(one.paths, k)[:taken, 0],
                       equal_nan=True) for k in ("points", "losses", "gradients",
                                                 "effective_lr"))


def _check(surface, name: str, grid: dict, tol=None, record="paths") -> None:
    combos = list(itertools.product(*grid.values()))
    per_run = {k: np.array([c[i] for c in combos]) for i, k in enumerate(grid)}
    start = np.array(surface.default_start)
    many = engine.run(surface, registry.make(name, **per_run), np.tile(start, (len(combos), 1)),
                      STEPS, tol=tol, record=record)
    for j, combo in enumerate(combos):
        one = engine.run(surface, registry.make(name, **dict(zip(grid, combo, strict=True))),
                         start[None], STEPS, tol=tol, record=record)
        assert _same(many, j, one), (name, combo)


@pytest.mark.parametrize("name", sorted(registry.builtin_names()))
def test_every_numeric_hyperparameter_per_run_is_each_run_bit_for_bit(name):
    surface = load_surface("rosenbrock")
    found = registry.definition(name)
    for key, declared in found.hyperparameters.items():
        if declared.switch or key in (found.fixed or {}):
            continue
        _check(surface, name, {key: _values(declared)})


@pytest.mark.parametrize("name, grid", [
    ("momentum", {"lr": [0.01, 0.03, 0.05], "momentum": [0.0, 0.5, 0.9]}),  # momentum != 0
    ("sgd", {"lr": [0.01, 0.05], "momentum": [0.0, 0.9], "dampening": [0.0, 0.3]}),
    ("radam", {"beta2": [0.5, 0.7, 0.9, 0.999], "lr": [0.01, 0.1]}),  # rho_t > 5 per run
    ("adam", {"beta1": [0.0, 0.5, 0.9], "beta2": [0.9, 0.999], "eps": [1e-8, 1e-3]}),
    ("nadam", {"beta1": [0.5, 0.9], "lr": [0.01, 0.2]}),  # a scalar state per run
    ("rprop", {"lr": [0.0, 0.01, 0.1], "eta_plus": [1.1, 2.0]}),  # a first value per run
])
@pytest.mark.parametrize("surface_name", ["valley", "hump"])
def test_two_and_three_at_once_with_runs_ending_and_cut(name, grid, surface_name):
    surface = load_surface(surface_name)
    _check(surface, name, grid)
    _check(surface, name, grid, tol=1e-6, record="ends")  # converged runs cut from the arrays


def test_a_bad_value_is_named_in_one_line():
    with pytest.raises(InputError, match=r"^Invalid learning rate: -1.0 \(must be > 0\)$"):
        registry.make("adam", lr=np.array([0.1, -1.0]))
    with pytest.raises(InputError, match=r"Invalid beta1 value: 1.0"):
        registry.make("adam", beta1=np.array([0.5, 1.0]))
    with pytest.raises(InputError, match="a switch is one value"):
        registry.make("adam", amsgrad=np.array([1.0, 0.0]))
    with pytest.raises(InputError, match="one length"):
        registry.make("adam", lr=np.array([0.1, 0.2]), beta1=np.array([0.5]))
    with pytest.raises(InputError, match=r"Nesterov momentum requires .* \(at dampening = 0.5\)"):
        registry.make("sgd", nesterov=True, momentum=0.9, dampening=np.array([0.0, 0.5]))


def test_scalar_hyperparameters_build_as_before():
    opt = registry.make("adam", lr=0.1)
    assert opt.rule.per_run == {} and not opt.rule.update.per_run
    assert "per_run" not in opt.init(np.zeros((2, 3)))._fields
