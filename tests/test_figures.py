"""`adamviz figures`: every recipe runs, every claim holds on the numbers, the committed gallery
is up to date; `adamviz trace` reproduces the lecture notes' worked example."""

import json
import re
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from adamviz.cli import cli
from adamviz.core.errors import InputError
from adamviz.studies import recipes
from adamviz.studies import trace as tracing
from conftest import REPO

NAMES = list(recipes.available())
RUN_NAMES = [n for n in NAMES if recipes.load(n).rates is None]  # the others draw rate maps


def test_every_figure_of_the_documents_has_a_recipe():
    assert NAMES == list(recipes.ORDER)


@pytest.fixture(scope="module")
def book():
    return recipes.Book()


@pytest.mark.parametrize("name", NAMES)
def test_recipe_claims_hold(book, name):
    recipe = recipes.load(name)
    assert recipe.caption.strip() and recipe.claims
    result = book.result(name)
    for check in book.check(recipe, result):
        assert check.ok, check.statement


def test_fig1_sgd_local_momentum_global(book):
    result = book.result("fig1-local-minimum")
    assert [result.reached(r) for r in result.runs] == ["local", "global"]


def test_fig2_adam_steps_stay_near_lr_on_both_surfaces_sgds_do_not(book):
    from adamviz.studies.claims import mean_step

    plane, valley = book.result("fig2a-small-curvature"), book.result("fig2b-large-curvature")
    sgd_ratio = mean_step(plane.runs[0]) / mean_step(valley.runs[0])
    adam_ratio = mean_step(plane.runs[1]) / mean_step(valley.runs[1])
    assert 1 / 3 < adam_ratio < 3 and sgd_ratio < 0.1


def test_fig3_white_point_is_the_highest_loss_after_the_descent_on_the_near_side(book):
    from adamviz.studies.claims import first_descent_end

    result = book.result("fig3-unlucky-start")
    run = result.runs[0]
    mark, failure = recipes.marks(recipes.load("fig3-unlucky-start"), result)
    after = first_descent_end(run.losses)
    assert run.losses[mark.step] == run.losses[after:].max()
    assert -0.9456492739235914 < run.points[mark.step][0] < -0.10103125788101082
    assert result.reached(run) == "local"
    # the essay's red failure point: the run's end, in red
    assert failure.step == run.steps and failure.color == "#D55E00"


def test_bias_correction_first_step_ratio(book):
    corrected, simplified = book.result("bias-correction").runs
    ratio = simplified.step_lengths()[0] / corrected.step_lengths()[0]
    assert ratio == pytest.approx(0.1 / np.sqrt(0.001), rel=1e-6)


def test_early_stopping_keeps_the_best_validation_point(book):
    """The loss watched is the model's loss on the iris rows held out, not a stand-in."""
    result = book.result("early-stopping")
    surface = result.surface
    assert surface.has_validation and surface.training_rows == 75
    for run in result.runs:
        assert run.status == "stopped early"
        np.testing.assert_allclose(run.monitor, surface.validation_loss(run.points), rtol=1e-13)
        assert run.monitor[run.best_step] == run.monitor.min()
        assert run.steps == run.best_step + 30
        # the path passes the validation minimum: the point kept is next to it
        assert np.linalg.norm(run.points[run.best_step] - surface.validation_minimum) < 0.1


def test_early_stopped_fails_when_the_validation_loss_never_rises(book):
    from dataclasses import replace

    from adamviz.studies import claims

    result = book.result("early-stopping")
    run = result.runs[0]
    assert claims.early_stopped(result, {"run": 1}, None).ok
    falling = replace(run, monitor=run.losses)  # the training loss falls to the end
    check = claims.early_stopped(replace(result, runs=(falling,)), {"run": 1}, None)
    assert not check.ok and "validation loss fell from" in check.statement


def test_strays_in_order_holds_only_in_the_order_of_the_batch_sizes(book):
    """Batch 1 strays farther from the full-batch path than batch 8; a run that ends where it
    started (never nearer the minimum) fails the claim too."""
    from dataclasses import replace

    from adamviz.studies import claims

    result = book.result("minibatch-noise")
    assert [r.hyperparams.get("batch_size") for r in result.runs] == [1, 8, None]
    assert claims.strays_in_order(result, {"runs": [1, 2, 3], "reference": 3}, None).ok
    wrong = claims.strays_in_order(result, {"runs": [2, 1, 3], "reference": 3}, None)
    assert not wrong.ok and "(claimed: decreasing)" in wrong.statement
    back = replace(result.runs[0], points=np.vstack([result.runs[0].points[:-1],
                                                     result.runs[0].points[:1]]))
    home = replace(result, runs=(back, *result.runs[1:]))
    assert not claims.strays_in_order(home, {"runs": [1, 2, 3], "reference": 3}, None).ok


def test_figures_command_writes_pictures_and_index(tmp_path):
    out = tmp_path / "figs"
    result = CliRunner().invoke(cli, ["figures", "-o", str(out), "--only",
                                      "fig1-local-minimum,bias-correction", "--format", "svg",
                                      "--dpi", "40"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (out / "fig1-local-minimum.svg").read_text().startswith("<?xml")
    index = (out / "index.md").read_text()
    assert "## fig1-local-minimum" in index and "✓" in index and "✗" not in index


def test_figure_workers_start_with_the_drawing_modules_imported():
    """The workers are forked from a parent that has imported matplotlib (#24): once for all
    of them, not once in each worker's first figure."""
    code = ("import sys\n"
            "from adamviz.outputs import _figure_workers\n"
            "def drawing_imported(_): return 'matplotlib.figure' in sys.modules\n"
            "if __name__ == '__main__':\n"
            "    with _figure_workers(11) as workers:\n"
            "        print(workers and all(workers.map(drawing_imported, [0, 1])))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()[-1]
    if out == "None":
        pytest.skip("figures are made in one process here (one core, or no fork)")
    assert out == "True"


def test_a_worker_imports_nothing_to_make_its_figures(tmp_path):
    """What the parent imports before the fork is all a figure needs (#24): a worker that
    imported contourpy, Pillow's writers or a panel module at its first figure would pay for
    it once in each worker. (Two figures are made in the calling process, no fork.)"""
    code = ("import sys\n"
            "import multiprocessing.reduction\n"
            "from adamviz import api, outputs\n"
            "from adamviz.studies import recipes\n"
            "names = ['fig2a-small-curvature', 'minibatch-noise']\n"
            "outputs._before_fork()\n"
            "[recipes.load(name) for name in names]  # as the parent does, before the fork\n"
            "before = set(sys.modules)\n"
            "api.figures(names, sys.argv[1])\n"
            "print(sorted(set(sys.modules) - before))")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                         text=True, check=True).stdout.splitlines()[-1]
    assert out == "[]"


def test_a_copied_recipe_with_a_false_claim_fails_loudly(tmp_path):
    text = (recipes.builtin_dir() / "fig1-local-minimum.toml").read_text()
    bad = tmp_path / "mine.toml"
    bad.write_text(text.replace('kind = "local"', 'kind = "global"'))
    result = CliRunner().invoke(cli, ["figures", "-o", str(tmp_path / "o"), "--only", str(bad),
                                      "--dpi", "30"])
    assert result.exit_code == 1
    assert "FAILED fig1-local-minimum" in result.stdout
    assert "warning: fig1-local-minimum: claim does not hold: " in result.stderr
    assert "1 figure does not show what its caption claims" in result.stderr


HEAD = 'name = "x"\ntitle = "t"\ncaption = "c"\nsurface = "hump"\nruns = ["sgd", "adam"]\n'


@pytest.mark.parametrize("text,message", [
    ('name = "x"\n', "missing required key 'title'"),
    ('name = "x"\ntitle = "t"\ncaption = "c"\nsurface = "hump"\nruns = ["sgd"]\ncolour = 1\n',
     "unknown key 'colour'"),
    ('name = "x"\ntitle = "t"\ncaption = "c"\nsurface = "hump"\nruns = ["sgd"]\n'
     '[[claims]]\ncheck = "reachs"\n', "unknown check 'reachs'; did you mean 'reaches'"),
    ('name = "x"\ntitle = "t"\ncaption = "c"\nsurface = "hump"\nruns = ["sgd"]\n'
     '[[claims]]\ncheck = "reaches"\nrun = 1\n', "needs kind"),
    (f'{HEAD}tune = {{ criterion = "fastest" }}\n', "Unknown criterion 'fastest'"),
    (f'{HEAD}tune = {{ grid = "1:0:3" }}\n', "Bad tuning grid"),
    (f'{HEAD}tune = {{ rate = 1 }}\n', "tune has unknown key 'rate'"),
    (f'{HEAD}scaled = -3\n', "scaled must be a factor from 1e-12 to 1e12"),
    (f'{HEAD}scaled = "big"\n', "scaled must be a number"),
    (f'{HEAD}[[marks]]\nat = [0, 0]\nshape = "heart"\n', "marks[0].shape must be one of"),
    (f'{HEAD}[[marks]]\nat = [0, "a"]\n', "marks[0].run must name a run"),
])
def test_malformed_recipes(tmp_path, text, message):
    path = tmp_path / "r.toml"
    path.write_text(text)
    with pytest.raises(InputError, match=re.escape(message)):
        recipes.load(str(path))


def test_every_comparison_of_update_rules_is_fair(book):
    """Figures comparing different optimizers run them at one lr, or tune each alike."""
    compared = 0
    for name in RUN_NAMES:
        recipe, result = recipes.load(name), book.result(name)
        fair = [c for c in book.check(recipe, result) if c.statement.startswith("fair:")]
        if len({r.optimizer for r in result.runs}) > 1:
            compared += 1
            assert len(fair) == 1 and fair[0].ok, name
            lrs = {r.hyperparams["lr"] for r in result.runs}
            criterion = (recipe.tune or {}).get("criterion", "final-loss")
            assert len(lrs) == 1 or all(f"chosen by {criterion}" in r.tuned for r in result.runs)
        else:
            assert not fair
    assert compared >= 4


def test_an_unfair_comparison_is_reported(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text(HEAD.replace('["sgd", "adam"]', '["sgd:lr=0.01", "adam:lr=0.3"]')
                    + '[[claims]]\ncheck = "reaches"\nrun = 1\nkind = "local"\n')
    recipe = recipes.load(str(path))
    checks = recipes.Book().check(recipe, recipes.run(recipe))
    assert not checks[0].ok and "share one lr (sgd 0.01, adam 0.3)" in checks[0].statement


def test_tuned_recipe_tunes_every_run_alike_and_says_so(book):
    result = book.result("adam-vs-momentum-vs-rmsprop")
    for run in result.runs:
        assert "chosen by final-loss over 13 rates" in run.tuned
        assert "tuned by final-loss" in run.label


def test_scaled_panel_draws_the_runs_the_claim_checks(book):
    """The third panel of adam-vs-momentum-vs-rmsprop is the loss x100: the adaptive runs
    follow the same paths, momentum diverges."""
    recipe = recipes.load("adam-vs-momentum-vs-rmsprop")
    result = book.result(recipe.name)
    (view, scaled, title), = recipes.extra_panels(recipe, result, book)
    assert view == "contour" and scaled is book.scaled(result, 100)
    assert title == "loss × 100: momentum diverges"
    probe = np.array([[0.3, -0.2]])
    assert scaled.surface.loss(probe)[0] == pytest.approx(100 * result.surface.loss(probe)[0])
    for index in (1, 2):
        a, b = result.runs[index], scaled.runs[index]
        n = min(len(a.points), len(b.points))
        assert np.abs(a.points[:n] - b.points[:n]).max() < 1e-3
        assert a.label == b.label
    assert scaled.runs[0].status == "diverged" and result.runs[0].status == "converged"


def test_minibatch_lesson_holds_for_other_seeds(tmp_path):
    """The smaller batch strays farther: not a property of seed 0's shuffles alone."""
    from adamviz.studies import claims

    text = recipes.load("minibatch-noise").path.read_text()
    for seed in (1, 2, 3):
        path = tmp_path / f"s{seed}.toml"
        path.write_text(text.replace("steps = 300", f"steps = 300\nseed = {seed}"))
        result = recipes.run(recipes.load(str(path)))
        assert result.settings["seed"] == seed
        check = claims.strays_in_order(result, {"runs": [1, 2, 3], "reference": 3}, None)
        assert check.ok, (seed, check.statement)


def test_only_refreshes_its_figures_and_keeps_the_others_in_the_index(tmp_path):
    runner = CliRunner()
    out = tmp_path / "g"
    assert runner.invoke(cli, ["figures", "-o", str(out), "-q", "--only",
                               "fig1-local-minimum,learning-rates", "--dpi", "30"]).exit_code == 0
    assert runner.invoke(cli, ["figures", "-o", str(out), "-q", "--only", "fig3-unlucky-start",
                               "--only", "fig1-local-minimum", "--dpi", "30"]).exit_code == 0
    index = (out / "index.md").read_text()
    names = re.findall(r"^## ([\w-]+):", index, flags=re.M)
    assert names == ["fig1-local-minimum", "fig3-unlucky-start", "learning-rates"]
    assert index.count("Checked on the numbers:") == 3


def test_unknown_figure_name():
    result = CliRunner().invoke(cli, ["figures", "--only", "fig9"])
    assert result.exit_code == 2 and "Unknown figure 'fig9'" in result.stderr


def test_committed_gallery_matches_the_recipes():
    """outputs/readme/figures/ (the README's gallery) is made by `adamviz figures`; after
    changing a recipe, run it again: python scripts/make_readme_pictures.py --only 'figures/*'."""
    again = "python scripts/make_readme_pictures.py --only 'figures/*'"
    index = (REPO / "outputs" / "readme" / "figures" / "index.md").read_text()
    for name in NAMES:
        recipe = recipes.load(name)
        assert f"## {name}:" in index, f"{name} missing: run {again}"
        assert f"recipe digest `{recipe.digest}`" in index, \
            f"{name} changed since outputs/readme/figures was made: run {again}"
        assert (REPO / "outputs" / "readme" / "figures" / f"{name}.png").exists()


# Every look, at the size `figures --gif` draws (None: 640 x 480 a panel) and at slide sizes;
# dark lays out as talk does (the same text), so it takes the sizes talk does not.
FRAME_LOOKS = [("paper", None), ("talk", None)]
FRAME_SIZED = [("talk", (1280, 720)), ("dark", (1920, 1080))]


@pytest.mark.parametrize("name", RUN_NAMES)
def test_animation_frames_of_every_figure_are_laid_out_clear(book, name):
    """`figures --gif`: in a frame, the title, the step counter, the axis and tick labels, the
    panel titles, the legend and the colour bars neither overlap nor leave the frame, which
    keeps the size asked for (7 of the 10 failed in the talk look)."""
    from adamviz.outputs import recipe_drawing
    from adamviz.render.animate import Animator
    from adamviz.render.figure import FRAME_DPI, FRAME_PANEL, grid_shape, panel_size_for
    from adamviz.render.layout import problems
    from adamviz.render.looks import wearing
    from adamviz.render.settings import Look

    recipe, result = recipes.load(name), book.result(name)
    drawing = recipe_drawing(recipe, result, book)
    panels = len(recipe.views) + len(drawing["extra"])
    for style, size in [*FRAME_LOOKS, FRAME_SIZED[NAMES.index(name) % 2]]:
        with wearing(style):
            animator = Animator(result, recipe.views, **drawing, look=Look(title=recipe.title),
                                panel_size=panel_size_for(size, panels, FRAME_DPI, FRAME_PANEL),
                                shape=grid_shape(panels, size))
            animator.frame(animator.total // 2)
            assert problems(animator.fig) == [], (style, size)
        assert animator.fig.canvas.get_width_height() == (size or (640 * panels, 480))


# --- trace -------------------------------------------------------------------------------------

def test_trace_reproduces_the_lecture_notes():
    tr = tracing.trace(**tracing.EXAMPLES["lecture"])
    first = dict(zip(tr.columns, tr.rows[0], strict=True))
    assert first["w"] == 0.5  # the notes' weight, by its name
    assert first["g"] == pytest.approx(-15)
    assert first["m"] == pytest.approx(-1.5)
    assert first["v"] == pytest.approx(0.225)
    assert first["m_hat"] == pytest.approx(-15)
    assert first["v_hat"] == pytest.approx(225)
    assert first["w_new"] == pytest.approx(0.6, abs=1e-9)
    # the second step, which the notes get wrong (they divide by 1 - beta^2 at t = 1)
    second = dict(zip(tr.columns, tr.rows[1], strict=True))
    assert second["g"] == pytest.approx(-13.2, abs=1e-8)
    assert second["m"] == pytest.approx(-2.67, abs=1e-9)
    assert second["v"] == pytest.approx(0.399015, abs=1e-9)
    assert second["m_hat"] == pytest.approx(-2.67 / 0.19, rel=1e-9)
    assert second["v_hat"] == pytest.approx(0.399015 / (1 - 0.999**2), rel=1e-9)
    assert second["w_new"] == pytest.approx(0.699464807, abs=1e-8)


@pytest.mark.parametrize("fmt,check", [
    ("table", lambda s: "m̂" in s and "-15" in s),
    ("csv", lambda s: s.splitlines()[0] == "t,w,g,m,v,m_hat,v_hat,step,w_new"),
    ("json", lambda s: json.loads(s)["steps"][0]["v_hat"] == pytest.approx(225)),
    ("markdown", lambda s: "| t | w | g | m | v | m̂ | v̂ | step | w_new |" in s),
    ("latex", lambda s: r"\hat{m}_{t}" in s and r"\begin{tabular}" in s),
])
def test_trace_formats(fmt, check):
    result = CliRunner().invoke(cli, ["trace", "--example", "lecture", "--format", fmt])
    assert result.exit_code == 0 and check(result.stdout)


def test_trace_latex_headers_on_a_surface_are_math_not_escaped_names():
    """On f(x, y) the coordinate is a subscript (g_{t,x}), positions are x_{t-1} and y_{t}:
    no literal underscore of a name we know; an optimizer file's own name in roman type."""
    text = tracing.render(tracing.trace("hump", "rmsprop:centered=true", steps=1),
                                "latex")
    head = text.splitlines()[3]
    assert "\\_" not in head, head
    for cell in ("$g_{t,x}$", "$y_{t-1}$", "$y_{t}$", r"$\bar{g}_{y}$", r"$\Delta y$"):
        assert cell in head, (cell, head)
    nadam = tracing.render(tracing.trace("hump", "nadam", steps=1), "latex")
    assert r"\mathrm{mu\_product}" in nadam or "mu_product" not in nadam


def test_trace_of_other_optimizers_shows_their_quantities():
    tr = tracing.trace("hump", "rmsprop:momentum=0.5,centered=true", steps=2)
    assert tr.columns[:7] == ["t", "x", "y", "g_x", "g_y", "v_x", "v_y"]
    assert "g_avg_x" in tr.columns and "b_x" in tr.columns
    steps = tracing.steps_of(tr, "step_x")
    np.testing.assert_allclose(steps + tracing.steps_of(tr, "x"), tracing.steps_of(tr, "x_new"))


def test_trace_example_takes_the_flags_it_is_given():
    """--opt keeps the example's lr and eps unless it sets them; --steps and --start apply."""
    out = CliRunner().invoke(cli, ["trace", "--example", "lecture", "--opt",
                                   "adam:bias_correction=false", "--steps", "1"])
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    assert lines[0] == "adam (lr=0.1, eps=1e-08, bias_correction=false) on lecture"
    assert len(lines) == 3 and lines[2].split()[5] == "0.316228"  # 3.16 lr, uncorrected
    table = tracing.example("lecture", start=(1.0,), steps=2, lr=0.5)
    assert len(table.rows) == 2 and table.rows[0][1] == 1.0 and table.hyperparams["lr"] == 0.5
    assert tracing.example("lecture", opt="sgd").label.startswith("sgd")


def test_trace_example_refuses_a_surface():
    out = CliRunner().invoke(cli, ["trace", "--example", "lecture", "-s", "hump"])
    assert out.exit_code == 2 and "sets its own surface" in out.stderr
