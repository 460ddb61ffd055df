"""One long run: the engine (its float loop for one start) against a plain Python loop.

    python benchmarks/bench_long_run.py [--steps 100000] [--repeat 5]

Workload (issue #24): the hump, Adam at the hump's lr (0.3) from its start (-2, 1), every step
kept. Three sides, alternating in one process, medians printed:

- **ours**: ``engine.run(hump, adam, start, steps)``, which keeps what ``adamviz run`` draws and
  exports: each step's point, loss, gradient, per-coordinate rate and Adam's m, v, m_hat, v_hat;
- **plain loop**: the same Adam step (torch's arithmetic) and the same hump gradient written by
  hand on Python floats, keeping the same numbers per step in a list, as a user would write it;
- **numpy engine**: the engine's vectorised loop on this one start (what ran before #24).
The end points of all three are checked to agree (ours and numpy's bit for bit).
"""

import argparse
import math
import statistics
import time

import numpy as np

from adamviz import engine, optimizers, single_run, surfaces


def plain_loop(steps, lr=0.3, beta1=0.9, beta2=0.999, eps=1e-8):
    x, y = -2.0, 1.0
    mx = my = vx = vy = 0.0
    kept = []
    for t in range(1, steps + 1):
        gx = 4.0 * x * (x * x - 1.0) - 0.4
        gy = 2.0 * y
        mx = mx + (gx - mx) * (1 - beta1)
        my = my + (gy - my) * (1 - beta1)
        vx = vx * beta2 + (1 - beta2) * gx * gx
        vy = vy * beta2 + (1 - beta2) * gy * gy
        bc1, bc2 = 1 - beta1 ** t, 1 - beta2 ** t
        step = lr / bc1
        denom2 = math.sqrt(bc2)
        rx = step / (math.sqrt(vx) / denom2 + eps)
        ry = step / (math.sqrt(vy) / denom2 + eps)
        x, y = x - rx * mx, y - ry * my
        loss = (x * x - 1.0) ** 2 - 0.4 * x + y * y
        kept.append((x, y, loss, gx, gy, rx, ry, mx, my, vx, vy, mx / bc1, my / bc1, vx / bc2,
                     vy / bc2))
    return np.array(kept)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--numpy-steps", type=int, default=10_000,
                        help="steps of the numpy engine side (its time is per step)")
    args = parser.parse_args()
    hump = surfaces.load("hump")
    adam = optimizers.make("adam", lr=0.3)
    start = np.array([hump.start], dtype=float)
    sides = {"ours": [], "plain": [], "numpy": []}
    attempt = single_run.attempt
    ours = numpy_end = None
    for _ in range(args.repeat):
        t = time.perf_counter()
        ours = engine.run(hump, adam, start, args.steps)
        sides["ours"].append((time.perf_counter() - t) / args.steps)
        t = time.perf_counter()
        plain = plain_loop(args.steps)
        sides["plain"].append((time.perf_counter() - t) / args.steps)
        single_run.attempt = lambda *a, **k: None
        try:
            t = time.perf_counter()
            numpy_end = engine.run(hump, adam, start, args.numpy_steps)
            sides["numpy"].append((time.perf_counter() - t) / args.numpy_steps)
        finally:
            single_run.attempt = attempt
    short = engine.run(hump, adam, start, args.numpy_steps)
    assert np.array_equal(short.paths.points, numpy_end.paths.points)
    gap = np.abs(ours.ends[0] - plain[-1, :2]).max()
    us = {k: statistics.median(v) * 1e6 for k, v in sides.items()}
    print(f"hump, Adam lr 0.3, {args.steps:,} steps, every step kept (median of {args.repeat})")
    print(f"  ours (engine, one start)   {us['ours']:7.2f} us a step  "
          f"{us['ours'] * args.steps / 1e6:6.2f} s")
    print(f"  plain Python float loop    {us['plain']:7.2f} us a step  "
          f"{us['plain'] * args.steps / 1e6:6.2f} s")
    print(f"  numpy engine loop (before) {us['numpy']:7.2f} us a step")
    print(f"  ours / plain = {us['ours'] / us['plain']:.2f}x  (target <= 1.0x); numpy / ours = "
          f"{us['numpy'] / us['ours']:.1f}x")
    print(f"  end points: ours = numpy engine bit for bit on {args.numpy_steps:,} steps; "
          f"ours vs plain loop differ by {gap:.1e} (its own operation order)")


if __name__ == "__main__":
    main()
