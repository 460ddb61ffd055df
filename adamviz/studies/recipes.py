"""Figures as recipes: TOML files saying which runs to make, how to draw them and what the
picture claims. Here a recipe is loaded, its runs are made with the same engine as ``run`` and
its claims are checked on the numbers (``claims.py``); ``outputs.py`` draws the pictures and
writes the index this module composes.

The built-in recipes are in ``adamviz/studies/recipes/``; ``KEYS`` documents what a recipe may
say (the README's table is made from it). A copy of one, changed and given as a path, works the
same way.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..arrows import parse_overlays, parse_steps
from ..core.errors import InputError
from ..core.io import read_toml
from ..core.names import is_file_name, suggest
from ..plane_kinds import PLANES, TITLES
from ..surfaces import Surface, from_dict
from . import claims, recipe_rates, slices
from .criteria import DEFAULT_GRID
from .recipe_marks import MARK_AT, SHAPES, Mark, is_colour, is_point, marks  # noqa: F401
from .runs import Settings, load_surface, make_runs, own_looks, rerun
from .tuning import check_criterion, log_grid, tune_specs

KEYS = {
    "name": "the figure's file name",
    "title": "the picture's title",
    "caption": "what the picture shows, under it in the index",
    "source": "where in the documents the figure comes from",
    "surface": "a surface name, or a table defining one inline (as in `surfaces/`)",
    "runs": "optimizer specs, as `--opt` takes them (`adam:lr=0.05`)",
    "labels": "the runs' names in the legend, one per entry of `runs` (default: made up)",
    "colors": "the runs' colours, one per entry of `runs` (default: one per optimizer)",
    "starts": "start points (default: the surface's start)",
    "views": "the panels, in a grid (default `[\"contour\"]`)",
    "steps": "steps per run (default: the surface's)",
    "noise": "gradient noise σ", "seed": "the seed of the noise, the minibatches and a random "
                                         "plane",
    "batch_size": "on a loss over data or a network: each step's gradient on this many "
                  "training rows",
    "plane": "on a network: the plane the runs are drawn on (`pca`, `random`, `hessian`)",
    "planes": "on a network: more planes to draw the same runs on, a contour panel each "
              "(e.g. `[\"random\", \"hessian\"]`)",
    "tol": "stop when the gradient norm is below this; 0 runs every step",
    "patience": "early stopping after this many steps without progress: on the validation "
                "loss of a loss over data with `validation`, else on the loss",
    "tune": "`{ criterion = \"final-loss\", grid = \"1e-4:1:13\" }`: every run's lr tuned alike",
    "scaled": "a factor: a second contour panel with the same runs on the loss times it",
    "overlay": "`{ show = [\"grad\", \"momentum\", \"step\"], at = [steps] }`: arrows on the "
               "contour view",
    "marks": "points to ring: `{ run, at = step or \"best\", \"end\", "
             "\"highest-after-start\", color, label }`",
    "rates": "`{ grid = [\"lr=0.003:0.11:64\", \"momentum=0:0.95:48\"], steps = 500 }`: the "
             "picture is the one run's convergence-rate map over the grid, as `adamviz rates` "
             "draws it (also `log`, `start`, `tol`)",
    "claims": "what the picture claims, checked on the numbers (`studies/claims.py`)",
}
REQUIRED = ("name", "title", "caption", "surface", "runs")


@dataclass(frozen=True, kw_only=True)
class Recipe:
    name: str
    title: str
    caption: str
    surface: Surface | str
    runs: list[str]
    labels: list[str] = field(default_factory=list)
    colors: list[str] = field(default_factory=list)
    source: str = ""
    views: list[str] = field(default_factory=lambda: ["contour"])
    steps: int | None = None
    starts: list | None = None
    noise: float = 0.0
    seed: int = 0
    tol: float | None = 1e-6
    patience: int | None = None
    batch_size: int | None = None
    plane: str | None = None
    planes: list[str] = field(default_factory=list)
    tune: dict | None = None
    scaled: float | None = None
    overlay: dict | None = None
    marks: list[dict] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)
    rates: dict | None = None
    path: Path | None = None
    digest: str = ""

    def command(self) -> str:
        return f"adamviz figures --only {self.name}"


def builtin_dir() -> Path:
    return Path(__file__).resolve().parent / "recipes"


# The documents' order: the essay's figures, then the cs231n notes (closing with the "possibly
# noisy" gradient a minibatch gives), then the lecture notes; then distill's rate maps.
ORDER = ("fig1-local-minimum", "momentum-keeps-going", "fig2a-small-curvature",
         "fig2b-large-curvature", "fig3-unlucky-start", "adam-steps",
         "adam-vs-momentum-vs-rmsprop", "bias-correction", "learning-rates", "minibatch-noise",
         "early-stopping", "momentum-rate-map", "rosenbrock-rate-map", "small-network",
         "three-planes")


def available() -> dict[str, Path]:
    found = {p.stem: p for p in builtin_dir().glob("*.toml")}
    rank = {name: i for i, name in enumerate(ORDER)}
    return {n: found[n] for n in sorted(found, key=lambda n: (rank.get(n, len(rank)), n))}


def load(spec: str) -> Recipe:
    """A recipe by built-in name or from a ``.toml`` path."""
    if spec.endswith(".toml") or os.sep in spec:
        path = Path(spec)
    else:
        names = available()
        if spec not in names:
            raise InputError(f"Unknown figure {spec!r}{suggest(spec, names)}")
        path = names[spec]
    data = read_toml(path, "Recipe file")
    return from_data(data, path, hashlib.sha256(path.read_bytes()).hexdigest()[:16])


def from_data(data: dict, path: Path, digest: str = "") -> Recipe:
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise InputError(f"{path}: unknown key {unknown[0]!r}{suggest(unknown[0], KEYS)}")
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise InputError(f"{path}: missing required key {missing[0]!r}.")
    _check_types(data, path)
    if not is_file_name(data["name"]) or data["name"] == "index":
        raise InputError(f"{path}: name {data['name']!r} is the figure's file name: letters, "
                         f"digits, '-' and '_' (at most 100), starting with a letter or digit, "
                         f"and not 'index' (the gallery's).")
    surface = data["surface"]
    if isinstance(surface, dict):
        surface = from_dict(surface, source=f"{path}: surface")
    recipe = Recipe(**{k: v for k, v in data.items() if k != "surface"}, surface=surface,
                    path=path, digest=digest)
    for i, claim in enumerate(recipe.claims):
        claims.validate(claim, f"{path}: claims[{i}]")
    for i, mark in enumerate(recipe.marks):
        if isinstance(mark, dict) and mark.get("shape", "o") not in SHAPES:
            raise InputError(f"{path}: marks[{i}].shape must be one of {', '.join(SHAPES)}.")
        if isinstance(mark, dict) and is_point(mark.get("at")):
            continue  # a fixed point: no run to name
        if not isinstance(mark, dict) or not isinstance(mark.get("run"), int) \
                or not 1 <= mark["run"] <= len(recipe.runs) * len(recipe.starts or [1]):
            raise InputError(f"{path}: marks[{i}].run must name a run, 1 to "
                             f"{len(recipe.runs) * len(recipe.starts or [1])}.")
        at = mark.get("at")
        if at not in MARK_AT and (not isinstance(at, int) or isinstance(at, bool) or at < 0):
            raise InputError(f"{path}: marks[{i}].at must be a step, a point [x, y] or one "
                             f"of {', '.join(MARK_AT)}.")
    _check_tune_and_scale(recipe, path)
    recipe_rates.check(recipe, data, path)
    if recipe.scaled is not None:
        surface = recipe.surface if isinstance(recipe.surface, Surface) else \
            load_surface(recipe.surface)
        if surface.dims == 1:
            raise InputError(f"{path}: scaled draws a surface in x and y; {surface.name} is a "
                             f"curve.")
    try:  # the run settings, named by the file, before any work
        settings = recipe_settings(recipe)
        on_planes = recipe.planes or any(c.get("check") in claims.NETWORK_CHECKS
                                         for c in recipe.claims)
        if recipe.batch_size is not None or recipe.plane is not None or on_planes:
            surface = load_surface(recipe.surface)  # (only then: loading costs)
            settings.check_batches(surface)
            settings.check_plane(surface)
            if on_planes and not slices.is_network(surface):
                raise InputError(f"planes and the plane claims draw a network's runs on planes; "
                                 f"{surface.name} is a surface in its own variables.")
        own_looks(recipe.labels, recipe.colors, len(recipe.runs))
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
    return recipe


def recipe_settings(recipe: Recipe) -> Settings:
    """How a recipe's runs are stepped, checked."""
    return Settings(steps=recipe.steps, noise=recipe.noise, seed=recipe.seed, tol=recipe.tol,
                    patience=recipe.patience, batch_size=recipe.batch_size, plane=recipe.plane)


def _check_tune_and_scale(recipe: Recipe, path) -> None:
    if recipe.tune is not None:
        unknown = sorted(set(recipe.tune) - {"criterion", "grid"})
        if unknown:
            raise InputError(f"{path}: tune has unknown key {unknown[0]!r}; it takes criterion "
                             f"and grid.")
        check_criterion(recipe.tune.get("criterion", "final-loss"))
        log_grid(recipe.tune.get("grid", DEFAULT_GRID))
    if recipe.overlay is not None:
        unknown = sorted(set(recipe.overlay) - {"show", "at"})
        if unknown or "show" not in recipe.overlay:
            raise InputError(f"{path}: overlay takes show (a list of overlays) and at (steps).")
        try:
            parse_overlays(recipe.overlay["show"])
            parse_steps(recipe.overlay.get("at"))
        except InputError as exc:
            raise InputError(f"{path}: overlay: {exc}") from None
    scaled = recipe.scaled
    if scaled is not None and (isinstance(scaled, bool) or not 1e-12 <= scaled <= 1e12):
        raise InputError(f"{path}: scaled must be a factor from 1e-12 to 1e12, got "
                         f"{scaled!r}.")


# The type each key must have (the values are checked further where they are used).
_TYPES = {"name": str, "title": str, "source": str, "caption": str, "surface": (str, dict),
          "views": list, "starts": list, "runs": list, "marks": list, "claims": list,
          "labels": list, "colors": list,
          "tune": dict, "overlay": dict, "scaled": (int, float), "rates": dict,
          "plane": str, "planes": list}


def _check_types(data: dict, path) -> None:
    words = {str: "string", list: "list", dict: "table", int: "number", float: "number"}
    for key, kind in _TYPES.items():
        if key in data and not isinstance(data[key], kind):
            kinds = dict.fromkeys(map(words.get, kind if isinstance(kind, tuple) else (kind,)))
            raise InputError(f"{path}: {key} must be a {' or a '.join(kinds)}, "
                             f"got {data[key]!r}.")
    for key in ("runs", "views", "labels"):
        if key in data and not all(isinstance(v, str) for v in data[key]):
            raise InputError(f"{path}: {key} must be a list of strings, got {data[key]!r}.")
    planes = data.get("planes", [])
    for kind in planes:
        if not isinstance(kind, str) or kind not in PLANES:
            raise InputError(f"{path}: planes: {kind!r} is not a plane; one of "
                             f"{', '.join(PLANES)}.")
    if len(set(planes)) != len(planes) or data.get("plane") in planes:
        raise InputError(f"{path}: planes names a plane twice (or the runs' own, plane): each "
                         f"plane is drawn once.")
    for key, most in (("title", 300), ("source", 300), ("caption", 3000)):
        if len(data.get(key, "")) > most:
            raise InputError(f"{path}: {key} has {len(data[key]):,} characters; at most {most}.")
    for i, start in enumerate(data.get("starts") or []):
        if not is_point(start):
            raise InputError(f"{path}: starts[{i}] must be a point [x, y], got {start!r}.")
    colours = [(f"marks[{i}].color", m.get("color", "white") if isinstance(m, dict) else "white")
               for i, m in enumerate(data.get("marks") or [])]
    colours += [(f"colors[{i}]", c) for i, c in enumerate(data.get("colors") or [])]
    for where, color in colours:
        if not is_colour(color) or (where.startswith("colors") and color == "none"):
            raise InputError(f"{path}: {where} {color!r} is not a colour; e.g. "
                             f"\"white\", \"#d55e00\" or \"C1\".")


def run(recipe: Recipe):
    """The runs of a recipe (every optimizer from every start), as ``adamviz run`` makes them;
    with ``rates``, its rate map."""
    if recipe.rates is not None:
        return recipe_rates.run(recipe)
    surface = load_surface(recipe.surface)
    settings = recipe_settings(recipe)
    starts = [tuple(s) for s in recipe.starts or []] or None
    specs, tunings = recipe.runs, None
    if recipe.tune is not None:
        specs, tunings = tune_specs(surface, recipe.runs, starts, settings,
                                    recipe.tune.get("grid", DEFAULT_GRID),
                                    recipe.tune.get("criterion", "final-loss"))
    return make_runs(surface, specs, starts, settings, tuned=tunings,
                     labels=recipe.labels, colors=recipe.colors)


def overlays(recipe: Recipe) -> dict:
    """The drawing keywords of a recipe's arrows (none when it has no overlay)."""
    if recipe.overlay is None:
        return {}
    return {"overlays": parse_overlays(recipe.overlay["show"]),
            "overlay_at": parse_steps(recipe.overlay.get("at"))}


def extra_panels(recipe: Recipe, result, book) -> list[tuple[str, object, str]]:
    """The panels a recipe draws beside its views: with ``scaled``, the same runs on the loss
    times the factor (the runs the scale claim checks), titled with what became of them; with
    ``planes``, the same runs on each other plane, titled with the share it holds."""
    panels = []
    for kind in recipe.planes:
        again = book.resliced(result, kind)
        share = again.surface.plane.explained_text
        panels.append(("contour", again, f"{TITLES[kind]} plane: {share} of the variance"))
    if recipe.scaled is None:
        return panels
    again = book.scaled(result, recipe.scaled)
    fates = [f"{r.optimizer} diverges" for r in again.runs if r.status == "diverged"]
    title = f"loss × {recipe.scaled:g}" + (": " + ", ".join(fates) if fates else "")
    return [*panels, ("contour", again, title)]


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
        self.rescaled: dict[tuple[int, float], tuple[object, object]] = {}
        self.planes: dict[tuple[int, str], tuple[object, object]] = {}

    def result(self, spec: str):
        if spec not in self.results:
            recipe = load(spec)
            self.results[spec] = (recipe, run(recipe))
        return self.results[spec][1]

    def scaled(self, result, factor: float):
        """``result``'s runs again on its surface's loss times ``factor`` (made once)."""
        key = (id(result), float(factor))
        if key not in self.rescaled:  # the result is kept with it, so its id stays its own
            again = rerun(result, claims.scaled_surface(result.surface, factor))
            self.rescaled[key] = (result, again)
        return self.rescaled[key][1]

    def resliced(self, result, kind: str):
        """``result``'s runs on the plane of ``kind`` (made once: its panel and its claim)."""
        key = (id(result), kind)
        if key not in self.planes:  # (kept with the result, as above)
            self.planes[key] = (result, slices.resliced(result, kind))
        return self.planes[key][1]

    def check(self, recipe: Recipe, result) -> list[claims.ClaimResult]:
        fair = None if recipe.rates is not None else claims.fairness(result, recipe.tune)
        return [fair] * (fair is not None) + [claims.evaluate(c, result, self)
                                              for c in recipe.claims]


def index(figures: list[Figure], fmt: str, previous: str = "") -> str:
    """The gallery's index.md. Sections of figures not made this time are kept from
    ``previous`` (the index already there), so ``--only`` refreshes its figures and loses none;
    the built-in figures come in the documents' order, others after them."""
    sections = _sections(previous)
    for fig in figures:
        sections[fig.recipe.name] = _section(fig, fmt)
    rank = {name: i for i, name in enumerate(available())}
    names = sorted(sections, key=lambda n: (rank.get(n, len(rank)), n))
    head = ("# Figures\n\nMade by `adamviz figures` from the recipes in "
            "`adamviz/studies/recipes/`; every claim below was checked on the numbers of the "
            "runs drawn. To refresh after changing a recipe: `adamviz figures` (the tests "
            "compare each recipe with the digest noted here).\n")
    return "\n".join([head, *(sections[n] for n in names)])


def _section(fig: Figure, fmt: str) -> str:
    r = fig.recipe
    lines = [f"## {r.name}: {r.title}", "", f"![{r.title}]({r.name}.{fmt})", "",
             r.caption.strip(), ""]
    if r.source:
        lines += [f"Source: {r.source}", ""]
    lines += ["Checked on the numbers:", ""]
    lines += [f"- {'✓' if c.ok else '✗ FAILED:'} {c.statement}" for c in fig.checks]
    lines += ["", f"Command: `{r.command()}` · recipe digest `{r.digest}`", ""]
    return "\n".join(lines)


def _sections(text: str) -> dict[str, str]:
    """An index's figure sections by name (each starts with "## name: title")."""
    out = {}
    for part in text.split("\n## ")[1:]:
        name = part.split(":", 1)[0].strip()
        out[name] = "## " + part.rstrip("\n") + "\n"
    return out


def readme_section() -> str:
    """The README's gallery: every built-in figure with its picture, caption and command."""
    parts = []
    for name in available():
        r = load(name)
        caption = " ".join(r.caption.split())
        parts.append(f"### {r.title}\n\n![{r.title}](outputs/readme/figures/{r.name}.png)\n\n"
                     f"{caption}\n\n`{r.command()}`")
    return "\n\n".join(parts)


def markdown_table() -> str:
    lines = ["| key | what it says |", "| --- | --- |"]
    lines += [f"| `{k}` | {v} |" for k, v in KEYS.items()]
    return "\n".join(lines)
