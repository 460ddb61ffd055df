"""Write the bundled synthetic data sets (surfaces/data/), from fixed seeds.

    python scripts/make_datasets.py          # rewrite them
    python scripts/make_datasets.py --check  # exit 1 if a committed file differs (tests run it)

The other bundled sets (cars, iris2, lecture) are published measurements, copied once and
checked by tests/test_datasets.py against their published statistics; nothing makes them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

FOLDER = Path(__file__).resolve().parent.parent / "surfaces" / "data"


def dip_rows(seed: int = 1, rows: int = 150) -> list[tuple[float, float]]:
    """(x, y) that dip then rise: y = tanh(2(x - 1)) - tanh(2(x + 1.5)) + 1 plus noise, for x
    uniform in [-2.5, 3.5]. A single tanh unit is monotone, so tanh(w*x + b) fits either the
    rise (w > 0, the better fit: more of the x range) or the dip (w < 0): two minima."""
    rng = np.random.Generator(np.random.PCG64(seed))
    x = rng.uniform(-2.5, 3.5, rows)
    y = np.tanh(2 * (x - 1.0)) - np.tanh(2 * (x + 1.5)) + 1 + rng.normal(0, 0.1, rows)
    return [(round(float(a), 3), round(float(b), 3)) for a, b in zip(x, y, strict=True)]


def dip_text() -> str:
    return "x,y\n" + "".join(f"{x:.3f},{y:.3f}\n" for x, y in dip_rows())


def moons_rows(seed: int = 2, rows: int = 300, noise: float = 0.2):
    """(x1, x2, label): two interleaving half circles, as scikit-learn's make_moons draws them
    (half the rows on each, evenly spaced in angle, label 0 the upper arc centred at (0, 0),
    1 the lower one centred at (1, 0.5)), plus Gaussian noise of ``noise`` on both
    coordinates, the rows shuffled."""
    rng = np.random.Generator(np.random.PCG64(seed))
    half = rows // 2
    angle_out, angle_in = np.linspace(0, np.pi, rows - half), np.linspace(0, np.pi, half)
    x1 = np.concatenate([np.cos(angle_out), 1 - np.cos(angle_in)])
    x2 = np.concatenate([np.sin(angle_out), 1 - np.sin(angle_in) - 0.5])
    label = np.concatenate([np.zeros(rows - half), np.ones(half)])
    x1, x2 = x1 + rng.normal(0, noise, rows), x2 + rng.normal(0, noise, rows)
    order = rng.permutation(rows)
    return [(round(float(x1[i]), 4), round(float(x2[i]), 4), int(label[i])) for i in order]


def moons_text() -> str:
    return "x1,x2,label\n" + "".join(f"{a:.4f},{b:.4f},{c}\n" for a, b, c in moons_rows())


FILES = {"dip.csv": dip_text, "moons.csv": moons_text}


def main(argv) -> int:
    stale = [name for name, make in FILES.items()
             if not (FOLDER / name).is_file() or (FOLDER / name).read_text() != make()]
    if "--check" in argv:
        for name in stale:
            print(f"surfaces/data/{name} is out of date: run python scripts/make_datasets.py")
        return 1 if stale else 0
    for name in stale:
        (FOLDER / name).write_text(FILES[name](), encoding="utf-8", newline="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
