"""Figures that are rate maps (a recipe with ``rates``): checked before any run, their claims
made on the map's cells (and failing where the cells say otherwise), drawn as a still only."""

import dataclasses
import re

import numpy as np
import pytest
from click.testing import CliRunner

from adamviz.cli import cli
from adamviz.core.errors import InputError
from adamviz.studies import rate_claims, rates, recipes

HEAD = ('name = "m"\ntitle = "t"\ncaption = "c"\nsurface = "valley"\nruns = ["momentum"]\n')
GRID = 'rates = { grid = ["lr=0.01:0.1:6", "momentum=0:0.9:5"], steps = 300 }\n'


@pytest.mark.parametrize("text,message", [
    (f'{HEAD}rates = {{ steps = 3 }}\n', "rates takes grid (required), log, start, steps, tol."),
    (f'{HEAD}rates = {{ grid = ["lr=0.01:0.1:6"], step = 3 }}\n', "not 'step'"),
    (f'{HEAD}{GRID}views = ["contour"]\n', "views is a setting of drawn runs"),
    (f'{HEAD}{GRID}steps = 30\n', "steps is a setting of drawn runs"),
    (HEAD.replace('["momentum"]', '["momentum", "sgd"]') + GRID, "runs has 2"),
    (f'{HEAD}{GRID}[[claims]]\ncheck = "reaches"\nrun = 1\nkind = "global"\n',
     "check 'reaches' is made on runs"),
    (f'{HEAD}[[claims]]\ncheck = "theory-blind-far"\ncells = 1\n',
     "check 'theory-blind-far' is made on a rate map"),
    (f'{HEAD}rates = {{ grid = ["lr=0.1:0.01:6"] }}\n', "rates: --grid lr=0.1:0.01:6: the low end"),
    (f'{HEAD}rates = {{ grid = "lr=0.01:0.1:6" }}\n', "rates.grid is a list"),
    (f'{HEAD}rates = {{ grid = ["speed=0:1:3"] }}\n', "not a number of this optimizer"),
    (f'{HEAD}{GRID}[[claims]]\ncheck = "rates-match-theory"\ntol = 1e-3\nmisses = "some"\n',
     "misses must be 'none' or 'double-root'"),
])
def test_malformed_rate_recipes_are_one_line_naming_the_file(tmp_path, text, message):
    path = tmp_path / "m.toml"
    path.write_text(text)
    with pytest.raises(InputError, match=re.escape(message)) as caught:
        recipes.load(str(path))
    assert str(caught.value).startswith(str(path)) and "\n" not in str(caught.value)


@pytest.fixture(scope="module")
def valley():
    return rates.rate_map("valley", "momentum", [("lr", 0.003, 0.11, 32),
                                                 ("momentum", 0.0, 0.95, 24)])


def test_a_miss_away_from_the_double_root_curve_breaks_the_claim(valley):
    claim = {"check": "rates-match-theory", "tol": 1e-3, "misses": "double-root"}
    assert rate_claims.rates_match_theory(valley, claim, None).ok
    converged = valley.status == 0
    far = converged & ~rate_claims.double_root_cells(valley)
    row, col = np.argwhere(far)[0]
    measured = valley.measured.copy()
    measured[row, col] += 0.01
    broken = rate_claims.rates_match_theory(
        dataclasses.replace(valley, measured=measured), claim, None)
    assert not broken.ok and "1 cells miss away from the double-root curve" in broken.statement
    strict = rate_claims.rates_match_theory(valley, {"tol": 1e-3}, None)
    assert strict.ok == bool((np.abs(valley.measured - valley.predicted)[converged]
                              <= 1e-3).all())


def test_the_optimum_claim_needs_the_fastest_cell_beside_the_theorys(valley):
    lr, mu, rate = valley.optimum
    assert (lr, mu, rate) == pytest.approx((4 / 49, 25 / 49, 5 / 7), abs=1e-12)
    assert rate_claims.optimum_at_theory(valley, {"cells": 3, "tol": 0.02}, None).ok
    moved = dataclasses.replace(valley, optimum=(0.02, 0.2, rate))
    assert not rate_claims.optimum_at_theory(moved, {"cells": 3, "tol": 0.02}, None).ok
    line = rates.rate_map("valley", "momentum", [("lr", 0.01, 0.1, 5)])
    assert line.optimum is None
    assert not rate_claims.optimum_at_theory(line, {"cells": 3, "tol": 0.02}, None).ok


def test_theory_blind_far_counts_cells_it_calls_convergent_that_diverged(valley):
    assert not rate_claims.theory_blind_far(valley, {"cells": 1}, None).ok  # a quadratic
    blind = dataclasses.replace(valley, status=np.full_like(valley.status, 2))
    expected = int((valley.predicted < 1).sum())
    result = rate_claims.theory_blind_far(blind, {"cells": expected}, None)
    assert result.ok and result.statement.startswith(f"{expected} cells")


def test_a_rate_figure_is_a_still_without_animation_or_player(tmp_path):
    recipe = tmp_path / "m.toml"
    recipe.write_text(f'{HEAD}{GRID}[[claims]]\ncheck = "rates-match-theory"\ntol = 1e-3\n'
                      'misses = "double-root"\n')
    out = tmp_path / "o"
    result = CliRunner().invoke(cli, ["figures", "--only", str(recipe), "--gif", "--html",
                                      "-o", str(out), "--dpi", "40"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "index.md", "m.png"]
    gallery = (out / "index.html").read_text()
    assert 'href="m.png"' in gallery and "m.html" not in gallery
