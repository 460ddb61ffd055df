"""The player's JavaScript, run under Node: the surfaces' derivative programs and the ported
optimizers follow the same torch reference trajectories as the Python engine."""

import json
import os
import shutil
import subprocess

import numpy as np
import pytest
from reference import CASES, DERIVATIVES, FUNCTIONS, LONG

from adamviz import optimizers
from adamviz.core.autodiff import derive
from adamviz.core.expressions import parse
from adamviz.core.programs import Evaluator
from adamviz.optimizers import registry
from adamviz.render.jsprogram import javascript, rule_javascript
from adamviz.studies.runs import load_surface
from conftest import REPO

NODE = shutil.which("node")
# CI sets ADAMVIZ_REQUIRE_NODE: there a missing Node fails these tests instead of skipping them
pytestmark = pytest.mark.skipif(NODE is None and not os.environ.get("ADAMVIZ_REQUIRE_NODE"),
                                reason="Node.js runs the player's JavaScript")
# every built-in optimizer's JavaScript, generated from its file as a page gets it
BUILT_IN_JS = [rule_javascript(registry.definition(n)) for n in optimizers.OPTIMIZERS]
PLAYER = REPO / "adamviz" / "render" / "player"
DATA = {"cases": CASES, "long": LONG, "derivatives": DERIVATIVES}
# as in test_torch_reference: torch's fused multiply-adds cost an ulp a step, which Adamax's
# bounces across Rosenbrock's valley grow to 6e-9
LOOSER = {("adamax", "rosenbrock"): 1e-8}


def node(script: str, payload) -> object:
    """Run ``script`` (with the player's modules loaded) on ``payload`` (JSON on stdin)."""
    assert NODE, "Node.js is needed here (ADAMVIZ_REQUIRE_NODE is set): apt-get install nodejs"
    source = "\n".join([(PLAYER / "optimizers.js").read_text(), *BUILT_IN_JS,
                        (PLAYER / "engine.js").read_text(), script])
    done = subprocess.run([NODE, "-e", source], input=json.dumps(payload), text=True,
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def programs(names) -> str:
    """Each surface's value-and-gradient program, and ``fns``: name -> that function."""
    names = sorted(set(names))
    return "\n".join([*(javascript(load_surface(n).derivatives.value_and_grad, f"surface_{n}")
                        for n in names),
                      "const fns = {" + ", ".join(f"{n}: surface_{n}" for n in names) + "};"])


DRIVER = """
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = input.cases.map((c) => c.starts.map((start) => runPath(
  fns[c.surface], makeOptimizer(c.optimizer, c.hyperparams), start,
  c.steps).points));
process.stdout.write(JSON.stringify(out));
"""


def test_the_ported_optimizers_follow_torch():
    cases = DATA["cases"] + DATA["long"]
    surfaces = sorted({c["surface"] for c in cases})
    script = programs(surfaces) + "\n" + DRIVER
    paths = node(script, {"cases": cases})
    for case, runs in zip(cases, paths, strict=True):
        got = np.transpose(np.array(runs), (1, 0, 2))  # (steps+1, N, 2) as the reference
        rtol = LOOSER.get((case["optimizer"], case["surface"]), 1e-10)
        np.testing.assert_allclose(got, np.array(case["points"]), rtol=rtol, atol=1e-12,
                                   err_msg=f"{case['optimizer']} on {case['surface']}")


def test_derivative_programs_match_the_engine():
    names = [d["surface"] for d in DATA["derivatives"]]
    script = programs(names) + """
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(input.map((d) => d.points.map((p) => fns[d.surface](...p)))));
"""
    got = node(script, [{"surface": d["surface"], "points": d["points"]}
                        for d in DATA["derivatives"]])
    for d, values in zip(DATA["derivatives"], got, strict=True):
        surface = load_surface(d["surface"])
        expected = surface.evaluator("value_and_grad")(np.array(d["points"])).T
        # + - * / and the special powers (2, 3, -1, ...) give the same bits; Math.pow(y, 4) and
        # the transcendental functions are V8's, an ulp from C's
        exact = d["surface"] not in ("rastrigin", "saddle")
        np.testing.assert_allclose(np.array(values, dtype=float), expected,
                                   rtol=0 if exact else 1e-13, atol=0 if exact else 1e-12)


def test_every_functions_javascript_is_the_engines():
    """Each grammar function alone, f(x) * y with its derivatives, at the torch reference's
    points, the far ends among them: softplus past its threshold is x (not Infinity), sigmoid
    and softplus of -800 are 0 (not NaN). V8's libm is an ulp from C's."""
    programs = [derive(parse(e["formula"]), 2).value_and_grad for e in FUNCTIONS]
    script = "\n".join([*(javascript(p, f"f{i}") for i, p in enumerate(programs)),
                        f"const fns = [{', '.join(f'f{i}' for i in range(len(programs)))}];", """
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(input.map((points, i) => points.map((p) => fns[i](...p)))));
"""])
    got = node(script, [e["points"] for e in FUNCTIONS])
    for entry, program, values in zip(FUNCTIONS, programs, got, strict=True):
        expected = Evaluator(program)(np.array(entry["points"])).T
        np.testing.assert_allclose(np.array(values, dtype=float), expected, rtol=1e-13, atol=0,
                                   err_msg=entry["formula"])


def test_the_player_engine_stops_where_the_engine_does():
    """Convergence (tol), divergence (the escape box) and the steps taken, as adamviz.engine."""
    from adamviz import api, engine

    cases = [("hump", "adam", {"lr": 0.3}, (-2, 1)), ("hump", "sgd", {"lr": 0.01}, (0.3, 1)),
             ("rosenbrock", "sgd", {"lr": 0.003}, (-1.5, 2.5)),
             ("valley", "momentum", {"lr": 0.05}, (-2, 1))]
    payload = []
    for name, opt, hyper, start in cases:
        surface = load_surface(name)
        lo, hi = engine.escape_box(surface)
        from adamviz import optimizers
        payload.append({"surface": name, "optimizer": opt, "start": list(start),
                        "hyperparams": dict(optimizers.make(opt, **hyper).hyperparams),
                        "lo": list(lo), "hi": list(hi)})
    script = programs(c[0] for c in cases) + """
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(input.map((c) => {
  const out = runPath(fns[c.surface], makeOptimizer(c.optimizer, c.hyperparams), c.start, 500,
                      {tol: 1e-6, lo: c.lo, hi: c.hi});
  return {status: out.status, steps: out.points.length - 1, end: out.points.at(-1)};
})));
"""
    got = node(script, payload)
    for (name, opt, hyper, start), js in zip(cases, got, strict=True):
        run = api.run(name, [f"{opt}:lr={hyper['lr']}"], [start], steps=500).runs[0]
        assert (js["status"], js["steps"]) == (run.status, run.steps), (name, opt)
        np.testing.assert_allclose(js["end"], run.end, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("spec", [*optimizers.OPTIMIZERS, "rmsprop:lr=0.01,centered=true",
                                  "adam:lr=0.1,amsgrad=true", "sgd:lr=0.1,momentum=0.5"])
def test_the_readouts_rates_are_the_engines(spec):
    from adamviz import api

    run = api.run("hump", [spec], [(-2, 1)], steps=40, tol=None).runs[0]
    script = programs(["hump"]) + """
const c = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = runPath(fns.hump, makeOptimizer(c.optimizer, c.hyperparams), c.start, 40);
process.stdout.write(JSON.stringify(out.rates.slice(1)));
"""
    rates = node(script, {"optimizer": run.optimizer, "hyperparams": dict(run.hyperparams),
                          "start": [-2, 1]})
    np.testing.assert_allclose(np.array(rates), run.effective_lr[1:], rtol=1e-12)


@pytest.mark.parametrize("spec", ["lion:lr=0.03,weight_decay=0.1", "qhadam:lr=0.1",
                                  "adam_rule:lr=0.1"])
def test_optimizer_files_compile_to_the_player(spec, tmp_path, monkeypatch):
    """A rule file runs in the browser as it runs in the engine (Adam written as a rule, too)."""
    from adamviz import api
    from adamviz.optimizers import files
    (tmp_path / "adam_rule.toml").write_text(
        'rule = "m = lerp(m, g, 1 - beta1); v = v*beta2 + (1 - beta2)*g*g; '
        'den = sqrt(v)/(1 - beta2**t)**0.5 + eps; p = p + (-(lr/(1 - beta1**t))*m)/den"\n'
        '[hyperparameters]\nlr = 0.001\nbeta1 = 0.9\nbeta2 = 0.999\neps = 1e-8\n'
        '[state]\nm = 0.0\nv = 0.0\n')
    monkeypatch.setenv("ADAMVIZ_OPTIMIZERS", str(tmp_path))
    run = api.run("hump", [spec], [(-2, 1)], steps=200, tol=None).runs[0]
    definition = files.load(files.find(run.optimizer))
    script = programs(["hump"]) + rule_javascript(definition) + """
const c = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = runPath(fns.hump, makeOptimizer(c.optimizer, c.hyperparams), c.start, 200);
process.stdout.write(JSON.stringify(out.points));
"""
    points = node(script, {"optimizer": run.optimizer, "hyperparams": dict(run.hyperparams),
                           "start": [-2, 1]})
    np.testing.assert_allclose(np.array(points), run.points, rtol=1e-10, atol=1e-12)


def html_of(tmp_path, args) -> str:
    from click.testing import CliRunner

    from adamviz.cli import cli

    path = tmp_path / "p.html"
    result = CliRunner().invoke(cli, ["run", *args, "-o", str(path), "-q"])
    assert result.exit_code == 0, result.output
    return path.read_text()


def test_the_page_is_one_file_that_fetches_nothing(tmp_path):
    text = html_of(tmp_path, ["-s", "hump", "--opt", "sgd", "--opt", "lion:lr=0.02"])
    assert "<script src" not in text and "<link" not in text and "fetch(" not in text
    assert "http://" not in text and "https://" not in text
    assert "function valueAndGrad(" in text and 'OPTIMIZERS["lion"]' in text


@pytest.mark.parametrize("runs, steps, limit", [(3, 400, 400_000), (10, 1000, 1_000_000)])
def test_the_page_stays_small_even_for_recorded_runs(tmp_path, runs, steps, limit):
    """Noise makes every run recorded (the browser cannot replay its random stream)."""
    opts = [a for i in range(runs) for a in ("--opt", f"adam:lr={0.01 * (i + 1):g}")]
    text = html_of(tmp_path, ["-s", "hump", *opts, "--steps", str(steps), "--tol", "0",
                              "--noise", "0.1"])
    assert len(text.encode()) < limit


def test_figures_html_writes_a_player_for_each_and_a_gallery(tmp_path):
    from click.testing import CliRunner

    from adamviz.cli import cli

    result = CliRunner().invoke(cli, ["figures", "--html", "--only", "fig1-local-minimum",
                                      "--only", "fig3-unlucky-start", "-o", str(tmp_path),
                                      "--dpi", "40", "-q"])
    assert result.exit_code == 0, result.output
    gallery = (tmp_path / "index.html").read_text()
    for name in ("fig1-local-minimum", "fig3-unlucky-start"):
        assert f'href="{name}.html"' in gallery and (tmp_path / f"{name}.html").exists()


@pytest.mark.parametrize("surface", ["hump", "rosenbrock", "beale"])
def test_the_browser_paths_are_the_engines_to_1e_12(surface):
    """Every built-in optimizer from the surface's start at its tuned rate, 300 steps, against
    the Python engine (not torch): the same operations in the same order give the same
    numbers."""
    from adamviz import api

    result = api.run(surface, list(optimizers.OPTIMIZERS), steps=300, tol=None)
    script = programs([surface]) + """
const c = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(c.runs.map((r) => runPath(fns[c.surface],
  makeOptimizer(r.optimizer, r.hyperparams), c.start, 300, {lo: c.lo, hi: c.hi}).points)));
"""
    from adamviz.engine import escape_box

    lo, hi = escape_box(result.surface)
    paths = node(script, {"surface": surface, "start": list(result.runs[0].start),
                          "lo": list(lo), "hi": list(hi),
                          "runs": [{"optimizer": r.optimizer,
                                    "hyperparams": dict(r.hyperparams)} for r in result.runs]})
    for points, run in zip(paths, result.runs, strict=True):
        np.testing.assert_allclose(np.array(points), run.points, rtol=1e-12, atol=1e-14,
                                   err_msg=run.label)
