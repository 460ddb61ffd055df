"""The engine: stopping rules, noise streams, both recorders, and the in-place fast path."""

import json
import tracemalloc

import numpy as np
import pytest
from reference import CASES

from adamviz import engine, optimizers
from adamviz.optimizers import ALLOCATE, InPlace
from adamviz.studies.runs import load_surface
from adamviz.surfaces import from_dict

VARIANTS = sorted({(c["optimizer"], json.dumps(c["hyperparams"], sort_keys=True))
                   for c in CASES})
EXTRA = [("adam", {"lr": 0.05, "bias_correction": False}),
         ("adam", {"lr": 0.05, "eps_inside_sqrt": True}), ("sgd", {"lr": 0.01})]


@pytest.fixture(scope="module")
def bowl():
    return load_surface("bowl")


def run(surface, opt, starts, steps, **kw):
    return engine.run(surface, opt, np.array(starts, dtype=float), steps, **kw)


def test_converged_when_step_and_gradient_are_small(bowl):
    out = run(bowl, optimizers.make("sgd", lr=0.05), [[1.0, 0.5]], 5000, tol=1e-6)
    assert out.status == ("converged",)
    assert out.steps[0] < 5000
    assert np.linalg.norm(bowl.gradient(out.ends)) < 1e-5


def test_max_steps_without_tol(bowl):
    out = run(bowl, optimizers.make("sgd", lr=0.05), [[1.0, 0.5]], 30)
    assert out.status == ("max steps",) and out.steps[0] == 30
    assert len(out.paths.points) == 31


def test_divergence_is_a_result_not_an_error(bowl):
    # lr far above 2/curvature: the iterates blow up; the run ends where it left the box
    out = run(bowl, optimizers.make("sgd", lr=1.0), [[1.0, 0.5], [0.0, 0.0]], 500)
    assert out.status == ("diverged", "max steps")
    assert np.isfinite(out.paths.points[: out.steps[0] + 1, 0]).all()
    assert out.steps[0] < 500


def test_non_finite_values_end_at_the_last_finite_point():
    s = from_dict({"name": "cliff", "expr": "exp(x**2) + y**2", "xlim": [-3, 3], "ylim": [-3, 3]})
    out = run(s, optimizers.make("sgd", lr=0.5), [[2.5, 0.0]], 50)
    assert out.status == ("diverged",)
    n = out.steps[0] + 1
    assert np.isfinite(out.paths.points[:n, 0]).all() and np.isfinite(out.ends).all()


def test_a_point_outside_the_formulas_domain_is_diverged():
    s = from_dict({"name": "logs", "expr": "log(x) + y**2", "xlim": [0.1, 3], "ylim": [-1, 1]})
    out = run(s, optimizers.make("sgd", lr=1.0), [[0.5, 0.0]], 50)  # steps to x < 0
    assert out.status == ("diverged",)
    assert out.ends[0, 0] < 0 and np.isnan(out.end_losses[0])


def test_log1p_at_minus_one_is_diverged():
    s = from_dict({"name": "logs", "expr": "log1p(x) + y**2", "xlim": [-0.9, 3],
                   "ylim": [-1, 1]})
    # from 0 one step of 1/(1 + 0) lands on x = -1 exactly, where log1p is -inf; then beyond
    out = run(s, optimizers.make("sgd", lr=1.0), [[0.0, 0.0], [0.5, 0.0]], 50)
    assert out.status == ("diverged", "diverged") and out.steps.tolist() == [1, 2]
    assert out.ends[0, 0] == -1 and out.end_losses[0] == -np.inf
    assert out.ends[1, 0] < -1 and np.isnan(out.end_losses[1])


def test_early_stopping_keeps_the_best_step(bowl):
    def monitor(points):  # a held-out loss whose minimum is elsewhere: it starts to rise
        return bowl.loss(points - np.array([0.6, 0.6]))

    out = run(bowl, optimizers.make("adam", lr=0.05), [[2.0, 2.0]], 1000, patience=10,
              monitor=monitor, tol=1e-6)
    assert out.status == ("stopped early",)
    best = out.best_step[0]
    assert out.steps[0] == best + 10
    held = out.paths.monitor[: out.steps[0] + 1, 0]
    assert held[best] == held.min()


def test_patience_on_the_training_loss_with_noise(bowl):
    out = run(bowl, optimizers.make("sgd", lr=0.05), [[1.0, 0.5]], 100, noise=5.0, seed=3,
              patience=5)
    assert out.status == ("stopped early",)


def test_convergence_is_judged_on_the_true_gradient(bowl):
    # with noise the used gradient is never small, yet a run sitting at the minimum converges
    out = run(bowl, optimizers.make("sgd", lr=1e-9), [[0.0, 0.0]], 50, noise=1.0, tol=1e-6)
    assert out.status == ("converged",) and out.steps[0] == 1


def test_noise_is_repeatable_with_a_seed(bowl):
    opt = optimizers.make("sgd", lr=0.01)
    a, b, c = (run(bowl, opt, [[1.0, 0.5]], 50, noise=0.5, seed=s) for s in (7, 7, 8))
    np.testing.assert_array_equal(a.paths.points, b.paths.points)
    assert not np.array_equal(a.paths.points, c.paths.points)


def test_each_run_has_its_own_noise_stream(bowl):
    """Adding a start, or running a start alone under the same key, changes nothing."""
    opt = optimizers.make("adam", lr=0.05)
    starts = [[1.0, 0.5], [-2.0, 1.0], [0.5, -2.5]]
    together = run(bowl, opt, starts, 80, noise=0.7, seed=4, keys=[(1, j) for j in range(3)])
    fewer = run(bowl, opt, starts[:2], 80, noise=0.7, seed=4, keys=[(1, 0), (1, 1)])
    alone = run(bowl, opt, starts[2:], 80, noise=0.7, seed=4, keys=[(1, 2)])
    np.testing.assert_array_equal(together.paths.points[:, :2], fewer.paths.points)
    np.testing.assert_array_equal(together.paths.points[:, 2], alone.paths.points[:, 0])
    # the stream is SeedSequence(seed, spawn_key=key), drawn step by step
    gen = np.random.Generator(np.random.PCG64(np.random.SeedSequence(4, spawn_key=(1, 2))))
    z = gen.standard_normal((80, 2))
    true = bowl.gradient(together.paths.points[:-1, 2])
    np.testing.assert_array_equal(together.paths.gradients[1:, 2], true + 0.7 * z)


def test_noise_blocks_do_not_change_the_stream(bowl, monkeypatch):
    opt = optimizers.make("sgd", lr=0.01)
    whole = run(bowl, opt, [[1.0, 0.5], [2.0, 2.0]], 60, noise=0.5, seed=1)
    monkeypatch.setattr(engine, "NOISE_BLOCK_BYTES", 16 * 7)  # blocks of 7 steps
    blocks = run(bowl, opt, [[1.0, 0.5], [2.0, 2.0]], 60, noise=0.5, seed=1)
    np.testing.assert_array_equal(whole.paths.points, blocks.paths.points)


def test_both_recorders_agree_and_runs_stop_alike():
    """Full paths and end points come from the same loop: same ends, statuses and steps, with
    noise, convergence, divergence and early stopping in one batch, and compaction on."""
    hump = load_surface("hump")
    starts = np.array([[x, y] for x in np.linspace(-2.4, 2.4, 9) for y in (-1.2, 0.3, 1.4)])
    seen = set()
    for spec, noise in (("sgd", 0.3), ("adam", 0.0), ("momentum", 0.3), ("adam", 0.05)):
        opt = optimizers.make(spec, lr={"sgd": 0.3, "adam": 0.2, "momentum": 0.05}[spec])
        kw = {"noise": noise, "seed": 2, "tol": 1e-3, "patience": 40}
        paths = run(hump, opt, starts, 400, **kw)
        ends = run(hump, opt, starts, 400, record="ends", **kw)
        assert paths.status == ends.status
        np.testing.assert_array_equal(paths.steps, ends.steps)
        np.testing.assert_array_equal(paths.ends, ends.ends)
        np.testing.assert_array_equal(paths.end_losses, ends.end_losses)
        rows = np.arange(len(starts))
        np.testing.assert_array_equal(paths.paths.points[paths.steps, rows], paths.ends)
        seen |= set(paths.status)
    assert {"converged", "diverged", "stopped early"} <= seen


def test_runs_that_finish_stay_on_their_last_point(bowl):
    out = run(bowl, optimizers.make("sgd", lr=0.05), [[1.0, 0.5], [3.0, -3.0]], 400, tol=1e-3)
    i = int(np.argmin(out.steps))
    first_done = out.steps[i]
    assert (out.paths.points[first_done:, i] == out.paths.points[first_done, i]).all()


def test_vectorized_runs_equal_one_run_at_a_time():
    """The plain per-run loop (one start per engine call) gives the same bits."""
    surface = load_surface("himmelblau")
    starts = [[0.0, 0.0], [-3.0, 3.0], [3.5, -3.5], [-1.0, -2.0]]
    for name in optimizers.OPTIMIZERS:
        opt = optimizers.make(name, lr=0.01)
        together = run(surface, opt, starts, 60)
        for i, start in enumerate(starts):
            alone = run(surface, opt, [start], 60)
            np.testing.assert_array_equal(together.paths.points[:, i], alone.paths.points[:, 0])


@pytest.mark.parametrize("name,hyper", [(n, json.loads(h)) for n, h in VARIANTS] + EXTRA,
                         ids=[f"{n}-{h}" for n, h in VARIANTS] + [f"{n}-{h}" for n, h in EXTRA])
def test_in_place_update_equals_the_pure_update_bit_for_bit(name, hyper):
    """One definition, two modes: the pure update and the engine's in-place one agree exactly,
    and the pure one never touches its inputs."""
    opt = optimizers.make(name, **hyper)
    rng = np.random.default_rng(0)
    params = rng.uniform(-2, 2, (2, 50))
    pure_p, pure_s = params.copy(), opt.init(params)
    points = [params.copy(), np.empty_like(params)]  # the engine's two point buffers
    fast_p, fast_s, ops = points[0], opt.init(params), InPlace(params.shape)
    for k in range(30):
        grads = rng.standard_normal(params.shape)
        before = [np.array(a, copy=True) for a in pure_s if isinstance(a, np.ndarray)]
        g_copy, p_copy = grads.copy(), pure_p.copy()
        new, pure_s2 = opt.update(grads, pure_s, pure_p, ALLOCATE)
        for old, kept in zip(before, [a for a in pure_s if isinstance(a, np.ndarray)],
                             strict=True):
            np.testing.assert_array_equal(old, kept)  # inputs untouched
        np.testing.assert_array_equal(grads, g_copy)
        np.testing.assert_array_equal(pure_p, p_copy)
        pure_p, pure_s = new, pure_s2
        ops.target = points[(k + 1) % 2]
        fast_p, fast_s = opt.update(grads, fast_s, fast_p, ops)
        assert fast_p is ops.target  # the new point written where the engine asked
        np.testing.assert_array_equal(fast_p, pure_p)
    assert ops.buffers, "the in-place path made no buffers: it was not used"


def test_the_engine_loop_allocates_nothing_per_step():
    """The fast path really is in place: 400 more steps cost no more memory than 20."""
    beale = load_surface("beale")
    opt = optimizers.make("adam", lr=0.01)
    starts = np.random.default_rng(1).uniform(-1, 1, (20_000, 2))
    run(beale, opt, starts[:10], 2, record="ends")  # programs derived once

    def peak(steps):
        tracemalloc.start()
        run(beale, opt, starts, steps, record="ends")
        top = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return top

    short, long = peak(20), peak(420)
    assert long - short < 64 * 1024, (short, long)


def test_memory_follows_the_steps_taken():
    """Ten million steps asked, 285 taken: the recorded path is the 285."""
    hump = load_surface("hump")
    opt = optimizers.make("adam", lr=0.3)
    tracemalloc.start()
    out = run(hump, opt, [[-2.0, 1.0]], 10_000_000, tol=1e-6)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert out.status == ("converged",) and out.steps[0] < 1000
    assert peak < 2 * 2**20, peak


def test_many_starts_go_in_chunks_bit_for_bit(monkeypatch):
    """Ends only, the starts go through the loop CHUNK_RUNS at a time, each chunk through all
    its steps: every run ends exactly where it does when all go at once (its noise and batches
    keyed by the run, not its chunk), whatever ends it."""
    hump, beale, cars = (load_surface(n) for n in ("hump", "beale", "cars"))
    rng = np.random.default_rng(0)
    box = rng.uniform([-2.5, -1.5], [2.5, 1.5], (400, 2))
    adam = optimizers.make("adam", lr=0.3)
    cases = [
        (hump, adam, box, 300, dict(noise=0.02, seed=1, tol=2e-3, patience=150)),
        (hump, adam, box, 200, dict(noise=0.2, patience=15, keys=[(7, j) for j in range(400)],
                                    monitor=lambda p: hump.loss(p) * 1.1 + 0.05 * p[:, 0])),
        (beale, optimizers.make("momentum", lr=0.002), rng.uniform(-4.5, 4.5, (400, 2)), 300,
         dict(tol=1e-6)),
        (cars, optimizers.make("adam"), rng.uniform(-1, 1, (300, cars.dims)), 40,
         dict(batch_size=8, seed=5, patience=10, tol=1e-4)),
    ]
    seen = set()
    for surface, opt, starts, steps, kw in cases:
        monkeypatch.setattr(engine, "CHUNK_RUNS", 10**9)
        whole = engine.run(surface, opt, starts, steps, record="ends", **kw)
        monkeypatch.setattr(engine, "CHUNK_RUNS", 37)
        parts = engine.run(surface, opt, starts, steps, record="ends", **kw)
        for name in ("ends", "end_losses", "codes", "steps", "best_step"):
            assert np.array_equal(getattr(whole, name), getattr(parts, name), equal_nan=True)
        assert whole.status == parts.status
        seen |= set(parts.status)
    assert seen == set(engine.STATUSES)


@pytest.mark.parametrize("record", ["ends", "paths"])
def test_the_callers_starts_stay_as_they_were(bowl, record):
    starts = np.asfortranarray(np.random.default_rng(1).uniform(-1, 1, (50, 2)))
    before = starts.copy()
    engine.run(bowl, optimizers.make("adam", lr=0.1), starts, 20, record=record)
    assert np.array_equal(starts, before)
