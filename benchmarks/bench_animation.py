"""Animated GIF: adamviz's blitting renderer against FuncAnimation + PillowWriter, same run.

    python benchmarks/bench_animation.py [--repeat N]

Two yardsticks, each a whole process: `minimal_animation.py` (issue #10's: a plain contour,
the lines and head markers, no colourbar, legend or layout engine) and `naive_animation.py` (our
own full figure drawn by FuncAnimation). Workload (issue #3): the beale surface; sgd,
momentum, rmsprop and adam from (1, 1.5); 200 steps;
one frame per step (201 frames); 640x480 at 20 fps. Both sides are whole processes:
`adamviz run ... -o x.gif` against `benchmarks/naive_animation.py`, which renders the same frames
of the same figure with FuncAnimation + PillowWriter. Prints times, peak memory, file sizes, the
ratio, fidelity (mean absolute difference of decoded frames from a full draw), the memory of a
1000-frame GIF against a 200-frame one, and the start-up time of `adamviz --help` and
`adamviz surfaces`. The derivative cache is warmed first (a user's second run).
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ADAMVIZ = shutil.which("adamviz") or "adamviz"
WORKLOAD = ["run", "-s", "beale", "--opt", "sgd", "--opt", "momentum", "--opt", "rmsprop",
            "--opt", "adam", "--start", "1,1.5", "--steps", "200", "--tol", "0",
            "--frames", "201", "--fps", "20", "--pace", "steps", "-q"]  # the naive side's frames


def measure(cmd):
    out = subprocess.run([sys.executable, str(HERE / "_peak.py"), *cmd], check=True,
                         capture_output=True, text=True).stdout.split()
    return float(out[0]), int(out[1]) / 1024  # seconds, MiB


def median_time(cmd, repeat):
    runs = [measure(cmd) for _ in range(repeat)]
    return statistics.median(t for t, _ in runs), max(m for _, m in runs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of our side (median)")
    parser.add_argument("--naive-repeat", type=int, default=1, help="runs of the naive side")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="adamviz-bench-"))
    ours, naive, minimal = work / "ours.gif", work / "naive.gif", work / "minimal.gif"
    subprocess.run([ADAMVIZ, *WORKLOAD, "-o", str(ours)], check=True)  # warm the cache

    t_ours, m_ours = median_time([ADAMVIZ, *WORKLOAD, "-o", str(ours)], args.repeat)
    t_naive, m_naive = median_time([sys.executable, str(HERE / "naive_animation.py"),
                                    str(naive)], args.naive_repeat)
    t_min, m_min = median_time([sys.executable, str(HERE / "minimal_animation.py"),
                                str(minimal)], args.naive_repeat)
    s_ours, s_naive = os.path.getsize(ours), os.path.getsize(naive)
    s_min = os.path.getsize(minimal)
    print(f"{'':34s}{'time':>10s}{'peak MiB':>10s}{'GIF bytes':>12s}")
    print(f"{'adamviz (blitting, stream)':34s}{t_ours:9.2f}s{m_ours:10.1f}{s_ours:12,d}")
    print(f"{'minimal FuncAnimation+Pillow':34s}{t_min:9.2f}s{m_min:10.1f}{s_min:12,d}")
    print(f"{'our full figure, FuncAnimation':34s}{t_naive:9.2f}s{m_naive:10.1f}{s_naive:12,d}")
    print(f"speed-up against the minimal yardstick {t_min / t_ours:.1f}x (target >= 20x); "
          f"against our full figure {t_naive / t_ours:.1f}x; GIF {s_ours / 1024:.0f} KB "
          f"(target <= 150 KB)")

    sys.path.insert(0, str(HERE))
    from fidelity import decoded, error, reference_frames

    indices = (0, 50, 100, 150, 200)
    refs = reference_frames(indices)
    ours_err = [error(decoded(ours, i), refs[i])[0] for i in indices]  # one image a frame
    naive_err = [error(decoded(naive, i), refs[i])[0] for i in indices]
    print("fidelity, mean |decoded - full draw| (0-255) at frames", indices)
    print("  adamviz", " ".join(f"{e:.3f}" for e in ours_err))
    print("  naive  ", " ".join(f"{e:.3f}" for e in naive_err))

    long = [a if a != "200" else "1000" for a in WORKLOAD]
    long = [a if a != "201" else "1001" for a in long]
    _, m200 = median_time([ADAMVIZ, *WORKLOAD, "-o", str(work / "a.gif")], 1)
    _, m1000 = median_time([ADAMVIZ, *long, "-o", str(work / "b.gif")], 1)
    print(f"peak memory: 201 frames {m200:.1f} MiB, 1001 frames {m1000:.1f} MiB "
          f"(+{m1000 - m200:.1f} MiB)")
    for cmd in (["--help"], ["surfaces"]):
        t, _ = median_time([ADAMVIZ, *cmd], 9)
        print(f"adamviz {' '.join(cmd)}: {t * 1000:.0f} ms (median of 9, whole process)")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
