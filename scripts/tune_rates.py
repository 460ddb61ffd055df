"""Tune an optimizer's learning rate on every built-in surface and write it into each
surface file's ``lr`` table (the rate ``--opt NAME`` uses there when none is given).

    python scripts/tune_rates.py adadelta rprop          # tune and write
    python scripts/tune_rates.py adadelta --dry-run      # print only

Each rate is adamviz's own fair tuning (``adamviz.tune``: the default log grid, steps and
start, criterion ``distance`` to the nearest global minimum), rounded to one significant
digit. A surface with no minimum to reach (the plane) gives the new optimizer the rate its
table shares among most optimizers, so that Figure 2a compares update rules at equal rates.
A rate already in a table is left as it is (a lecture's choice, such as SGD's 0.01 on the hump
that keeps it in the local minimum, is not a tuning's to change).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

import adamviz
from adamviz import surfaces
from adamviz.core.specs import OptSpec

SURFACES = Path(__file__).resolve().parent.parent / "surfaces"
TABLE = re.compile(r"^lr = \{(?P<body>.*)\}[ \t]*$", re.M)


def rounded(value: float) -> float:
    return float(f"{value:.0e}")


def write(path: Path, name: str, rate: float) -> bool:
    text = path.read_text(encoding="utf-8")
    match = TABLE.search(text)
    if match is None:
        raise SystemExit(f"{path}: no one-line lr = {{...}} table")
    if re.search(rf"(^|[\s,]){name}\s*=", match.group("body")):
        return False
    before = match.group("body").strip()
    body = f" {before + ', ' if before else ''}{name} = {rate:g} "
    path.write_text(text[:match.start()] + f"lr = {{{body}}}" + text[match.end():],
                    encoding="utf-8")
    return True


def main(argv) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="+")
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    for surface_name, path in surfaces.available().items():
        if Path(path).parent != SURFACES:
            continue
        surface = adamviz.load_surface(surface_name)
        if not any(m.kind == "global" for m in surface.minima):
            # nothing to reach (the plane): no rate is best, and the table's shared one keeps
            # the update rules compared at equal rates (Figure 2a)
            shared = Counter(surface.lr.values()).most_common(1)[0][0]
            specs = [OptSpec(name=name, hyperparams={"lr": shared}) for name in args.names]
        else:
            specs, _ = adamviz.tune(surface_name, args.names, criterion="distance")
        for spec in specs:
            rate = rounded(spec.hyperparams["lr"])
            done = not args.dry_run and write(Path(path), spec.name, rate)
            print(f"{surface_name}: {spec.name} lr = {rate:g}"
                  f"{'' if done or args.dry_run else ' (kept the table' + chr(39) + 's own)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
