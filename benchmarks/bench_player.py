"""The HTML player in Chromium: file sizes, time to the first frame, one frame of playback
with 10 runs x 1000 steps, and re-running 10 optimizers x 500 steps after a click — the
emitted straight-line JavaScript beside a naive interpreter of the same derivative program
(the ops list walked every evaluation), in the same page, with the ratio.

    python benchmarks/bench_player.py      # needs playwright and /usr/bin/chromium

Targets (issue 13): at most 400 KB for 3 runs x 400 steps and 1 MB for 10 x 1000; first paint
under 300 ms; playback at the display's rate (a frame well under 16.7 ms); a re-run under
50 ms.
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


def page_for(runs, steps, noise=0.0) -> Path:
    folder = Path(tempfile.mkdtemp())
    result = api.run("hump", [f"{o}:lr=0.01" for o in TEN[:runs]], [(-2, 1)], steps=steps,
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
                              "i++) window.adamvizPlayer.rerun(); "
                              "return (performance.now() - t0) / 20; }")
        # the paths alone, 10 optimizers x 500 steps, with each form of the program
        timing = page.evaluate(
            "([ops, outputs]) => { globalThis.OUTPUTS = outputs; const naive = (" + NAIVE
            + ")(ops); const runs = window.adamvizPlayer.state().runs;"
            "const time = (f) => { const t0 = performance.now(); for (let i = 0; i < 20; i++)"
            "  for (const r of runs) runPath(f, makeOptimizer(r.optimizer, r.hyperparams),"
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
        frame = page.evaluate("() => { const t0 = performance.now(); for (let i = 0; i < 50; "
                              "i++) window.adamvizPlayer.show(); "
                              "return (performance.now() - t0) / 50; }")
        print(f"one frame with 10 runs x 1000 steps: {frame:.1f} ms (a 60 Hz display allows "
              f"16.7 ms)")
        browser.close()
    print(json.dumps({"rerun_ms": rerun, "paths_ms": ours, "naive_ms": naive,
                      "frame_ms": frame}))


if __name__ == "__main__":
    main()
