"""The HTML player in Chromium: file sizes, time to the first frame, one frame of playback
with 10 runs x 1000 steps, and re-running 10 optimizers x 500 steps after a click — the
emitted straight-line JavaScript beside a naive interpreter of the same derivative program
(the ops list walked every evaluation), in the same page, with the ratio. Then (issue 21) the
frame time with a diverged run shown — the player's clipped drawing beside the naive one (every
point stroked, dashed, wherever it flew, as 0.2 drew it) — and 12 recorded runs x 2,000 steps
played back.

    python benchmarks/bench_player.py      # needs playwright and /usr/bin/chromium

Targets (issue 13): at most 400 KB for 3 runs x 400 steps and 1 MB for 10 x 1000; first paint
under 300 ms; playback at the display's rate (a frame well under 16.7 ms); a re-run under
50 ms. Issue 21: the 95th-percentile frame under 20 ms with a diverged run shown.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from adamviz import api

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TEN = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "adamax", "nadam",
       "radam"]

NAIVE = """(ops) => {  // the same program, interpreted: a switch per op per evaluation
  const arity = {add: 2, sub: 2, mul: 2, div: 2, pow: 2, atan2: 2};
  return (x, y) => {
    const r = [x, y];
    for (const [op, args] of ops) {
      const a = typeof args[0] === "number" && Number.isInteger(args[0]) && args[0] < r.length
        ? r[args[0]] : args[0];
      const b = args.length > 1 ? (Number.isInteger(args[1]) && args[1] < r.length && op !== "powc"
        ? r[args[1]] : args[1]) : undefined;
      let v;
      switch (op) {
        case "add": v = a + b; break; case "sub": v = a - b; break;
        case "mul": v = a * b; break; case "div": v = a / b; break;
        case "neg": v = -a; break; case "powc": v = Math.pow(a, b); break;
        default: v = Math[op](a);
      }
      r.push(v);
    }
    return OUTPUTS.map((o) => r[o]);
  };
}"""


def page_for(runs, steps, noise=0.0, names=TEN) -> Path:
    folder = Path(tempfile.mkdtemp())
    result = api.run("hump", [f"{o}:lr=0.01" for o in names[:runs]], [(-2, 1)], steps=steps,
                     tol=None, noise=noise)
    return api.player(result, folder / "p.html")


def main() -> None:
    sizes = {"3 runs x 400 steps (replayed)": page_for(3, 400),
             "3 runs x 400 steps (recorded)": page_for(3, 400, noise=0.1),
             "10 runs x 1000 steps (recorded)": page_for(10, 1000, noise=0.1)}
    for label, path in sizes.items():
        print(f"{label}: {path.stat().st_size / 1e3:.0f} KB")
    program = api.load_surface("hump").derivatives.value_and_grad
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page()
        start = time.perf_counter()
        page.goto(page_for(10, 500).as_uri())
        page.wait_for_function("window.adamvizPlayer !== undefined")
        print(f"first frame drawn {page.evaluate('() => window.adamvizPlayer.ready'):.0f} ms "
              f"after navigation ({(time.perf_counter() - start) * 1e3:.0f} ms to load here)")
        rerun = page.evaluate("() => { const t0 = performance.now(); for (let i = 0; i < 20; "
                              "i++) window.adamvizPlayer.startAt(-2, 1); "
                              "return (performance.now() - t0) / 20; }")
        # the paths alone, 10 optimizers x 500 steps, with each form of the program
        timing = page.evaluate(
            "([ops, outputs]) => { globalThis.OUTPUTS = outputs; const naive = (" + NAIVE
            + ")(ops); const runs = window.adamvizPlayer.state().runs;"
            "const time = (f) => { const t0 = performance.now(); for (let i = 0; i < 20; i++)"
            "  for (const r of runs) runPath(f, makeOptimizer(r.optimizer, r.hyperparameters),"
            "                               [-2, 1], 500);"
            "  return (performance.now() - t0) / 20; };"
            "time(valueAndGrad); time(naive);"  # warm both up
            "return [time(valueAndGrad), time(naive)]; }",
            [[[op, list(args)] for op, args in program.ops], list(program.outputs)])
        ours, naive = timing
        print(f"re-run after a click, 10 optimizers x 500 steps: {rerun:.1f} ms with redrawing; "
              f"the paths alone {ours:.1f} ms with the emitted program, {naive:.1f} ms with the "
              f"program interpreted: {naive / ours:.1f}x")
        page.goto(page_for(10, 1000, noise=0.1).as_uri())
        page.wait_for_function("window.adamvizPlayer !== undefined")
        frame = page.evaluate(FRAMES, 50)[1]
        print(f"one frame with 10 runs x 1000 steps: {frame:.1f} ms (a 60 Hz display allows "
              f"16.7 ms)")
        diverged = diverged_frames(page)
        page.goto(page_for(12, 2000, noise=0.1, names=TWELVE).as_uri())
        page.wait_for_function("window.adamvizPlayer !== undefined")
        twelve = page.evaluate(FRAMES, 2000)
        print(f"12 recorded runs x 2000 steps played back: frame p95 {twelve[0]:.1f} ms, mean "
              f"{twelve[1]:.1f} ms (about {1000 / max(twelve[1], 1e-3):.0f} frames a second "
              f"of drawing)")
        browser.close()
    print(json.dumps({"rerun_ms": rerun, "paths_ms": ours, "naive_ms": naive,
                      "frame_ms": frame, "diverged_p95_ms": diverged[0],
                      "diverged_naive_p95_ms": diverged[1], "twelve_p95_ms": twelve[0]}))


TWELVE = [*TEN, "lion", "qhadam"]
# every step drawn once, as playback draws it: [95th percentile, mean] of the frame times
FRAMES = """(count) => { const api = window.adamvizPlayer, n = api.state().steps;
  const before = api.frameTimes().length;
  for (let i = 0; i < count; i++) api.stepTo(Math.round(i * n / count));
  const t = api.frameTimes().slice(before).sort((a, b) => a - b);
  return [t[Math.floor(0.95 * (t.length - 1))], t.reduce((a, b) => a + b, 0) / t.length]; }"""
# 0.2's way: every point of the path, dashed, at whatever pixel it lands on
NAIVE_DRAW = """(count) => { const c = document.getElementById('view'), ctx = c.getContext('2d');
  const s = window.adamvizPlayer.state(), w = c.clientWidth, h = c.clientHeight;
  const [[x0, x1], [y0, y1]] = DATA.surface.box, times = [];
  for (let i = 0; i < count; i++) { const t0 = performance.now();
    ctx.clearRect(0, 0, w, h);
    for (const r of s.runs) { ctx.setLineDash([8, 5]); ctx.beginPath();
      r.points.forEach(([x, y], j) => { const u = (x - x0) / (x1 - x0) * w,
        v = h - (y - y0) / (y1 - y0) * h; j ? ctx.lineTo(u, v) : ctx.moveTo(u, v); });
      ctx.stroke(); }
    c.getContext('2d').getImageData(0, 0, 1, 1);  // wait for the drawing to finish
    times.push(performance.now() - t0); }
  times.sort((a, b) => a - b); return times[Math.floor(0.95 * (times.length - 1))]; }"""


def diverged_frames(page) -> tuple[float, float]:
    """Frame times with momentum at lr 0.1 flown 7,000 units off a 5-unit view, shown."""
    folder = Path(tempfile.mkdtemp())
    result = api.run("hump", ["sgd:lr=0.01", "momentum:lr=0.1", "adam:lr=0.3"], [(-2, 1)],
                     steps=400)
    page.goto(api.player(result, folder / "d.html").as_uri())
    page.wait_for_function("window.adamvizPlayer !== undefined")
    ours = page.evaluate(FRAMES, 200)[0]
    naive = page.evaluate(NAIVE_DRAW, 10)
    print(f"a diverged run shown: frame p95 {ours:.1f} ms clipped (the player) vs "
          f"{naive:.0f} ms naive (every point, dashed): {naive / ours:.0f}x")
    return ours, naive


if __name__ == "__main__":
    main()
