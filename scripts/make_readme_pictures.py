"""Make every picture the README shows, into outputs/readme/, by the command the README shows
beside it with -o outputs/readme/NAME added. Commands write to outputs/ by default, which git
ignores but for outputs/readme/, so trying the README in the repository rewrites no kept file.

    python scripts/make_readme_pictures.py                          # all of them
    python scripts/make_readme_pictures.py --only hump-views.png    # one; a glob: 'player*'
    python scripts/make_readme_pictures.py --check                  # README and table agree?

PICTURES is the one table: each picture (its path under outputs/readme/) and what makes it:
adamviz's arguments, to which -o outputs/readme/NAME is added (a figure: -o outputs/readme/figures);
PYTHON, the README's Python block that writes outputs/NAME, run in a temporary folder; or a Shot
of the player page that PLAYER makes in a temporary folder, photographed by
scripts/screenshot_player.py (playwright and /usr/bin/chromium). Progress goes to stderr, a line
per picture.
"""

from __future__ import annotations

import argparse
import fnmatch
import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from adamviz.studies import recipes

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
FOLDER = "outputs/readme"


class Shot(NamedTuple):
    """The player page photographed in Chromium at this window size and colour scheme."""
    width: int
    height: int
    scheme: str


PYTHON = "the README's Python block that writes outputs/NAME"
RUN3 = ["run", "--surface", "hump", "--opt", "sgd", "--opt", "momentum", "--opt", "adam"]
# The README's player command; its page is photographed, not shown
PLAYER = ["run", "-s", "hump", "--opt", "sgd:lr=0.01", "--opt", "momentum:lr=0.01", "--opt",
          "adam:lr=0.3", "--start", "-2,1", "-o", "paths.html"]

PICTURES: dict[str, list[str] | str | Shot] = {
    "hump-adam.png": ["run", "--surface", "hump", "--opt", "adam"],
    "valley-momentum-rates.png": ["rates", "-s", "valley", "--opt", "momentum", "--grid",
                                  "lr=0.001:0.1:100", "--grid", "momentum=0:0.99:100"],
    "hump-sgd-momentum-adam.png": RUN3,
    "hump-sgd-momentum-adam.gif": [*RUN3, "--frames", "100"],
    "hump-views.png": [*RUN3, "--view", "contour,loss,steps"],
    "player.png": Shot(1920, 1080, "light"),
    "player-390x844.png": Shot(390, 844, "light"),
    "player-1920x1080-dark.png": Shot(1920, 1080, "dark"),
    "player-2560x1440-dark.png": Shot(2560, 1440, "dark"),
    # no command beside it in the README: the runs its caption describes
    "hump-lion-adam.png": ["run", "-s", "hump", "--opt", "lion:lr=0.03", "--opt", "adam:lr=0.03",
                           "--start", "-2,1", "--steps", "300", "--view", "contour,steps"],
    "hump-signsgd-adam.png": PYTHON,
    "rosenbrock-clip.png": ["run", "-s", "rosenbrock", "--opt", "sgd:lr=0.003", "--opt",
                            "sgd:lr=0.003,clip_norm=1", "--steps", "2000"],
    "hump-cosine.png": ["run", "-s", "hump", "--opt", "sgd", "--opt", "adam", "--schedule",
                        "cosine:T_max=300", "--view", "contour,steps"],
    "cars-minibatch.png": ["run", "-s", "cars", "--opt", "adam:lr=0.5", "--batch-size", "8",
                           "--patience", "60", "--view", "contour,fit,loss"],
    "iris-fit.png": ["run", "-s", "iris", "--opt", "sgd", "--opt", "adam", "--lr", "0.5",
                     "--view", "contour,fit"],
    "moons-net.png": ["run", "-s", "moons-net", "--opt", "sgd", "--opt", "momentum", "--opt",
                      "adam", "--tune", "lr", "--criterion", "validation-loss", "--tune-grid",
                      "1e-3:3:15", "--view", "contour,loss"],
    "hump-basins.png": ["basins", "--surface", "hump", "--opt", "sgd", "--opt", "momentum",
                        "--opt", "adam", "--grid", "200", "--steps", "500"],
    # the README's `-o grid.png` is this -o
    "hump-adam-sweep.png": ["sweep", "--surface", "hump", "--opt", "adam", "--param",
                            "lr=1e-3,1e-2,1e-1", "--param", "beta1=0.8,0.9"],
    # all of them at once (one process per core) when all are asked for
    **{f"figures/{name}.png": ["figures", "--only", name] for name in recipes.available()},
}


def readme_images(text: str) -> list[str]:
    """The paths of the README's image links, in order."""
    return re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", text)


def check(text: str) -> list[str]:
    """Where the README's image links and PICTURES disagree, a line each (none: they agree)."""
    shown = readme_images(text)
    made = [f"{FOLDER}/{name}" for name in PICTURES]
    return ([f"README.md shows {link}, which no entry of PICTURES makes"
             for link in shown if link not in made]
            + [f"PICTURES makes {path}, which README.md does not show"
               for path in made if path not in shown])


def make(names, root: Path = ROOT) -> None:
    """Make the pictures ``names`` (keys of PICTURES) in root/outputs/readme/: each command runs
    in ``root``, the README's Python block and the player's page in a temporary folder."""
    (root / FOLDER).mkdir(parents=True, exist_ok=True)
    figures = [n for n in names if n.startswith("figures/")]
    shots = [n for n in names if isinstance(PICTURES[n], Shot)]
    for name in names:
        if name in figures or name in shots:
            continue
        started = time.perf_counter()
        if PICTURES[name] == PYTHON:
            _python(name, root)
            _say(name, started, "the README's Python block")
        else:
            args = [*PICTURES[name], "-o", f"{FOLDER}/{name}"]
            _adamviz(args, root)
            _say(name, started, "adamviz " + shlex.join(args))
    if figures:
        _figures(figures, root)
    if shots:
        _shots(shots, root)


def _say(name: str, started: float, how: str) -> None:
    print(f"{name:34} {time.perf_counter() - started:5.1f} s  {how}", file=sys.stderr,
          flush=True)


def _adamviz(args: list[str], cwd: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "adamviz", *args], cwd=cwd, text=True,
                          capture_output=True, env={**os.environ, "MPLBACKEND": "Agg"})
    if done.returncode:
        raise SystemExit(f"adamviz {shlex.join(args)} failed (exit {done.returncode}):\n"
                         f"{done.stderr}")


def _place(made: Path, kept: Path) -> None:
    """Copy a file made in a temporary folder to its place, whole or not at all."""
    part = kept.with_name(kept.name + ".part")
    shutil.copyfile(made, part)
    os.replace(part, kept)


def python_block(name: str) -> str:
    """The README's Python block that writes outputs/``name``."""
    blocks = [part.split("```", 1)[0]
              for part in README.read_text(encoding="utf-8").split("```python\n")[1:]]
    found = [block for block in blocks if f'"outputs/{name}"' in block]
    if len(found) != 1:
        raise SystemExit(f"README.md has {len(found)} Python blocks writing outputs/{name}, "
                         "not one")
    return found[0]


def _python(name: str, root: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "outputs").mkdir()
        done = subprocess.run([sys.executable, "-c", python_block(name)], cwd=folder,
                              text=True, capture_output=True,
                              env={**os.environ, "MPLBACKEND": "Agg"})
        if done.returncode:
            raise SystemExit(f"README.md's block writing outputs/{name} failed:\n{done.stderr}")
        _place(Path(folder) / "outputs" / name, root / FOLDER / name)


def _figures(figures: list[str], root: Path) -> None:
    started = time.perf_counter()
    args = ["figures", "-o", f"{FOLDER}/figures"]
    if len(figures) < sum(n.startswith("figures/") for n in PICTURES):
        args[1:1] = [arg for name in figures for arg in PICTURES[name][1:]]
    _adamviz(args, root)
    for name in figures:
        _say(name, started, f"adamviz {shlex.join(args)}")


def _shots(shots: list[str], root: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "screenshot_player", Path(__file__).resolve().parent / "screenshot_player.py")
    screenshot = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(screenshot)
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        _adamviz(PLAYER, Path(folder))
        _say("(the player page)", started, f"adamviz {shlex.join(PLAYER)} in a temporary folder")
        started = time.perf_counter()
        wanted = {Path(folder) / name: PICTURES[name] for name in shots}
        for made in screenshot.shoot(Path(folder) / PLAYER[-1], wanted):
            _place(made, root / FOLDER / made.name)
            _say(made.name, started, f"the player at {'x'.join(map(str, wanted[made][:2]))}, "
                                     f"{wanted[made].scheme}")
            started = time.perf_counter()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="a picture (its path under outputs/readme/, or a glob such as "
                             "'figures/*'); repeatable")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 listing README image links no entry makes and entries "
                             "the README does not show")
    args = parser.parse_args(argv)
    if args.check:
        problems = check(README.read_text(encoding="utf-8"))
        print("\n".join(problems) or "README.md's pictures and PICTURES agree")
        return 1 if problems else 0
    names = list(PICTURES)
    if args.only:
        unknown = [p for p in args.only if not fnmatch.filter(names, p)]
        if unknown:
            parser.error(f"no picture {unknown[0]!r}; the pictures: {', '.join(names)}")
        names = [n for n in names if any(fnmatch.fnmatch(n, p) for p in args.only)]
    started = time.perf_counter()
    make(names)
    print(f"made {len(names)} pictures in {FOLDER}/ in {time.perf_counter() - started:.0f} s",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
