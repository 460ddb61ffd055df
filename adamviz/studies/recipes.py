"""Figures as recipes: TOML files saying which runs to make, how to draw them and what the
picture claims. Here a recipe is loaded, its runs are made with the same engine as ``run`` and
its claims are checked on the numbers (``claims.py``); ``outputs.py`` draws the pictures and
writes the index this module composes.

The built-in recipes are in ``adamviz/studies/recipes/`` (``README.md`` there documents the keys); a
copy of one, changed and given as a path, works the same way.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core.errors import InputError
from ..core.io import read_toml
from ..core.names import suggest
from ..surfaces import Surface, from_dict
from . import claims
from .runs import Settings, load_surface, make_runs

KEYS = {"name", "title", "source", "caption", "surface", "views", "steps", "starts", "runs",
        "noise", "seed", "tol", "patience", "holdout", "marks", "claims"}
REQUIRED = ("name", "title", "caption", "surface", "runs")
MARK_AT = ("highest-after-start", "best", "end")


@dataclass(frozen=True, kw_only=True)
class Mark:
    run: int  # 0-based
    step: int
    color: str
    label: str


@dataclass(frozen=True, kw_only=True)
class Recipe:
    name: str
    title: str
    caption: str
    surface: Surface | str
    runs: list[str]
    source: str = ""
    views: list[str] = field(default_factory=lambda: ["contour"])
    steps: int | None = None
    starts: list | None = None
    noise: float = 0.0
    seed: int = 0
    tol: float | None = 1e-6
    patience: int | None = None
    holdout: dict | None = None
    marks: list[dict] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)
    path: Path | None = None
    digest: str = ""

    def command(self) -> str:
        return f"adamviz figures --only {self.name}"


def builtin_dir() -> Path:
    return Path(__file__).resolve().parent / "recipes"


# The documents' order: the essay's figures, then the cs231n notes, then the lecture notes.
ORDER = ("fig1-local-minimum", "fig2a-small-curvature", "fig2b-large-curvature",
         "fig3-unlucky-start", "adam-steps", "adam-vs-momentum-vs-rmsprop", "bias-correction",
         "learning-rates", "early-stopping")


def available() -> dict[str, Path]:
    found = {p.stem: p for p in builtin_dir().glob("*.toml")}
    rank = {name: i for i, name in enumerate(ORDER)}
    return {n: found[n] for n in sorted(found, key=lambda n: (rank.get(n, len(rank)), n))}


def load(spec: str) -> Recipe:
    """A recipe by built-in name or from a ``.toml`` path."""
    if spec.endswith(".toml") or os.sep in spec:
        path = Path(spec)
        if not path.is_file():
            raise InputError(f"Recipe file {spec!r} does not exist.")
    else:
        names = available()
        if spec not in names:
            raise InputError(f"Unknown figure {spec!r}{suggest(spec, names)}")
        path = names[spec]
    data = read_toml(path, "Recipe file")
    return from_data(data, path, hashlib.sha256(path.read_bytes()).hexdigest()[:16])


def from_data(data: dict, path: Path, digest: str = "") -> Recipe:
    unknown = sorted(set(data) - KEYS)
    if unknown:
        raise InputError(f"{path}: unknown key {unknown[0]!r}{suggest(unknown[0], KEYS)}")
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise InputError(f"{path}: missing required key {missing[0]!r}.")
    _check_types(data, path)
    surface = data["surface"]
    if isinstance(surface, dict):
        surface = from_dict(surface, source=f"{path}: surface")
    recipe = Recipe(**{k: v for k, v in data.items() if k != "surface"}, surface=surface,
                    path=path, digest=digest)
    for i, claim in enumerate(recipe.claims):
        claims.validate(claim, f"{path}: claims[{i}]")
    for i, mark in enumerate(recipe.marks):
        if not isinstance(mark, dict) or not isinstance(mark.get("run"), int) \
                or not 1 <= mark["run"] <= len(recipe.runs) * len(recipe.starts or [1]):
            raise InputError(f"{path}: marks[{i}].run must name a run, 1 to "
                             f"{len(recipe.runs) * len(recipe.starts or [1])}.")
        at = mark.get("at")
        if at not in MARK_AT and (not isinstance(at, int) or isinstance(at, bool) or at < 0):
            raise InputError(f"{path}: marks[{i}].at must be a step or one of "
                             f"{', '.join(MARK_AT)}.")
    if recipe.holdout is not None and (
            not isinstance(recipe.holdout, dict) or set(recipe.holdout) != {"shift"}
            or not isinstance(recipe.holdout["shift"], list)
            or len(recipe.holdout["shift"]) != 2):
        raise InputError(f"{path}: holdout must be a table with shift = [dx, dy].")
    return recipe


# The type each key must have (the values are checked further where they are used).
_TYPES = {"name": str, "title": str, "source": str, "caption": str, "surface": (str, dict),
          "views": list, "starts": list, "runs": list, "marks": list, "claims": list,
          "holdout": dict}


def _check_types(data: dict, path) -> None:
    words = {str: "string", list: "list", dict: "table"}
    for key, kind in _TYPES.items():
        if key in data and not isinstance(data[key], kind):
            kinds = kind if isinstance(kind, tuple) else (kind,)
            raise InputError(f"{path}: {key} must be a {' or a '.join(map(words.get, kinds))}, "
                             f"got {data[key]!r}.")
    for key in ("runs", "views"):
        if key in data and not all(isinstance(v, str) for v in data[key]):
            raise InputError(f"{path}: {key} must be a list of strings, got {data[key]!r}.")


def run(recipe: Recipe):
    """The runs of a recipe (every optimizer from every start), as ``adamviz run`` makes them."""
    surface = load_surface(recipe.surface)
    monitor = None
    if recipe.holdout:
        shift = np.array(recipe.holdout["shift"], dtype=float)

        def monitor(points, surface=surface, shift=shift):
            """The held-out loss: the same surface, shifted (data it was not trained on)."""
            return surface.loss(points - shift)

    settings = Settings(steps=recipe.steps, noise=recipe.noise, seed=recipe.seed, tol=recipe.tol,
                        patience=recipe.patience)
    return make_runs(surface, recipe.runs, [tuple(s) for s in recipe.starts or []] or None,
                     settings, monitor=monitor)


def marks(recipe: Recipe, result) -> list[Mark]:
    out = []
    for mark in recipe.marks:
        run = result.runs[mark["run"] - 1]
        at = mark["at"]
        step = (claims.highest_after_start(run) if at == "highest-after-start"
                else run.best_step if at == "best" else run.steps if at == "end" else int(at))
        out.append(Mark(run=mark["run"] - 1, step=min(step, run.steps),
                        color=mark.get("color", "white"),
                        label=mark.get("label", at if isinstance(at, str) else f"step {at}")))
    return out


@dataclass(frozen=True, kw_only=True)
class Figure:
    recipe: Recipe
    result: object
    checks: tuple[claims.ClaimResult, ...]
    files: tuple[Path, ...]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


class Book:
    """Runs recipes once each (a claim may compare with another figure's runs)."""

    def __init__(self):
        self.results: dict[str, tuple[Recipe, object]] = {}

    def result(self, spec: str):
        if spec not in self.results:
            recipe = load(spec)
            self.results[spec] = (recipe, run(recipe))
        return self.results[spec][1]

    def check(self, recipe: Recipe, result) -> list[claims.ClaimResult]:
        return [claims.evaluate(c, result, self.result) for c in recipe.claims]


def index(figures: list[Figure], fmt: str) -> str:
    lines = ["# Figures", "",
             "Made by `adamviz figures` from the recipes in `adamviz/recipes/`; every claim "
             "below was checked on the numbers of the runs drawn. To refresh after changing a "
             "recipe: `adamviz figures` (the tests compare each recipe with the digest noted "
             "here).", ""]
    for fig in figures:
        r = fig.recipe
        lines += [f"## {r.name}: {r.title}", "", f"![{r.title}]({r.name}.{fmt})", "",
                  r.caption.strip(), ""]
        if r.source:
            lines += [f"Source: {r.source}", ""]
        lines += ["Checked on the numbers:", ""]
        lines += [f"- {'✓' if c.ok else '✗ FAILED:'} {c.statement}" for c in fig.checks]
        lines += ["", f"Command: `{r.command()}` · recipe digest `{r.digest}`", ""]
    return "\n".join(lines)
