"""Learning-rate schedules and gradient clipping against torch's own runs
(tests/data/torch_schedules.json, made by scripts/make_torch_schedules.py)."""

import itertools
import json

import numpy as np
import pytest
from click.testing import CliRunner

from adamviz import api, engine
from adamviz.cli import cli
from adamviz.core.errors import InputError
from adamviz.optimizers.schedules import parse_schedule
from adamviz.studies.runs import resolve
from conftest import REPO

DATA = json.loads((REPO / "tests" / "data" / "torch_schedules.json").read_text())


def spec(case) -> str:
    hyper = {**case["hyperparams"], **case["clip"]}
    return case["optimizer"] + ":" + ",".join(f"{k}={v}" for k, v in hyper.items())


def case_id(case):
    return f"{case['optimizer']}-{case['surface']}-{case['schedule']}-{case['clip']}"


@pytest.mark.parametrize("case", DATA["cases"], ids=case_id)
def test_paths_match_torch(case):
    surface = api.load_surface(case["surface"])
    opt, _ = resolve(spec(case), surface, schedule=case["schedule"])
    out = engine.run(surface, opt, [surface.default_start], case["steps"], tol=None)
    np.testing.assert_allclose(out.paths.points[:, 0], np.array(case["points"]),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", [c for c in DATA["cases"] if c["schedule"]], ids=case_id)
def test_rates_are_torchs_to_the_last_bit(case):
    rates = parse_schedule(case["schedule"]).rates(case["hyperparams"]["lr"])
    assert list(itertools.islice(rates, case["steps"])) == case["rates"]


def test_every_schedule_and_clip_is_covered():
    kinds = {c["schedule"].split(":")[0] for c in DATA["cases"] if c["schedule"]}
    assert kinds == {"step", "exponential", "cosine", "linear"}
    clips = {k for c in DATA["cases"] for k in c["clip"]}
    assert clips == {"clip_norm", "clip_value"}


def test_labels_exports_and_the_steps_view_show_them():
    result = api.run("hump", ["sgd:lr=0.1,clip_norm=1"], [(-2, 1)], steps=60,
                     schedule="cosine:T_max=60")
    run = result.runs[0]
    assert run.label == "sgd (lr=0.1, schedule=cosine:T_max=60, clip_norm=1)"
    row = result.summaries()[0].record()
    assert row["schedule"] == "cosine:T_max=60" and row["clip_norm"] == 1.0
    rates = list(itertools.islice(parse_schedule("cosine:T_max=60").rates(0.1), 60))
    np.testing.assert_array_equal(run.effective_lr[1:, 0], rates)  # what the steps view draws


@pytest.mark.parametrize("text, message", [
    ("cosin:T_max=3", "did you mean 'cosine'"), ("cosine:t_max=3", "Unknown parameter 't_max'"),
    ("step:step_size=2.5", "whole number"), ("linear:start_factor=0", "start_factor must be"),
    ("exponential:gamma=fast", "'fast' is not a number"),
])
def test_bad_schedules_are_refused(text, message):
    with pytest.raises(InputError, match=message):
        api.run("hump", ["sgd"], steps=5, schedule=text)


def test_bad_clipping_is_refused_and_the_cli_takes_both():
    with pytest.raises(InputError, match="clip_norm must be a number > 0"):
        api.run("hump", ["sgd:clip_norm=0"], steps=5)
    result = CliRunner().invoke(cli, ["run", "--opt", "adam:lr=0.1,clip_value=0.5",
                                      "--schedule", "step:step_size=10", "--no-plot",
                                      "--steps", "30"])
    assert result.exit_code == 0, result.output
    assert "adam (lr=0.1, schedule=step:step_size=10, clip_value=0.5)" in result.stdout


def test_the_readme_pictures_claims():
    """outputs/readme/rosenbrock-clip.png: at lr 0.003 SGD diverges at step 4 on Rosenbrock,
    and the same SGD with every gradient clipped to norm 1 walks the valley (no step longer than
    lr * 1) to within 0.4 of the minimum. outputs/readme/hump-cosine.png, by the README's
    command (the hump's rates): the steps view's rate is the cosine schedule, falling to 0 at
    T_max."""
    result = api.run("rosenbrock", ["sgd:lr=0.003", "sgd:lr=0.003,clip_norm=1"], steps=2000)
    plain, clipped = result.runs
    assert plain.status == "diverged" and plain.steps == 4
    assert clipped.step_lengths().max() <= 0.003 * (1 + 1e-9)
    assert result.nearest_minimum(clipped)[1] < 0.4
    sgd = api.run("hump", ["sgd", "adam"], schedule="cosine:T_max=300").runs[0]
    rates = list(itertools.islice(parse_schedule("cosine:T_max=300").rates(0.01), 300))
    np.testing.assert_allclose(rates[-1], 0.01 * (1 + np.cos(np.pi * 299 / 300)) / 2,
                               rtol=1e-9)
    np.testing.assert_allclose(sgd.effective_lr[1:301, 0], rates, rtol=1e-12)  # what the view draws
    assert sgd.effective_lr[300].max() < 1e-6 < sgd.effective_lr[150].min()
