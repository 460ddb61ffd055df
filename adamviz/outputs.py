"""Writing what studies found: the registry of output kinds, a batch experiment's files, and
the documents' figures made from their recipes (batches are run by ``batch_runs.py``).

This is where studies (which decide what to run) meet the renderers (which draw plain data);
neither imports the other.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from .core.errors import InputError
from .core.io import check_writable, write_text_atomic
from .core.workers import pool
from .exports import rows_csv, summary_csv
from .render.settings import Look, Overlays, Timing
from .render.views import VIEWS, check_surface
from .studies import batch as batching
from .studies import recipes as recipe_book


@dataclass(frozen=True, kw_only=True)
class Output:
    name: str
    writes: str  # what it writes, for the README and error messages
    every_step: bool  # needs every step of every run (so at most limits.MAX_PATH_RUNS runs)
    file: str  # the file it writes in the experiment's folder
    needs_2d: bool = False  # only for a surface in x and y


OUTPUTS = {
    **{v.name: Output(name=v.name, every_step=True, file="runs.png", needs_2d=v.needs_2d,
                      writes=f"`runs.png`, with a {v.name} panel ({v.draws})")
       for v in VIEWS.values() if not v.player_only},
    "gif": Output(name="gif", every_step=True, file="runs.gif",
                  writes="`runs.gif`: the runs animated (the views asked for, else contour)"),
    "grid": Output(name="grid", every_step=True, file="grid.png", needs_2d=True,
                   writes="`grid.png`: small multiples, one contour panel per optimizer setting"),
    "basins": Output(name="basins", every_step=False, file="basins.png", needs_2d=True,
                     writes="`basins.png`: every start of a 100 x 100 grid coloured by where it "
                            "ended"),
    "rates": Output(name="rates", every_step=False, file="rates.png",
                    writes="`rates.png`: the measured convergence rate over the experiment's "
                           "`rates` grid (one optimizer; a map, or a line for one axis)"),
    "rates_table": Output(name="rates_table", every_step=False, file="rates.csv",
                          writes="`rates.csv`: a row per cell of the `rates` grid (grid values, "
                                 "`measured_rate`, `predicted_rate`, `status`, `steps`, "
                                 "`final_loss`)"),
    "summary": Output(name="summary", every_step=False, file="summary.csv",
                      writes="`summary.csv`: one row per run with exact numbers"),
}
PATH_OUTPUTS = tuple(name for name, o in OUTPUTS.items() if o.every_step)
PLANAR_OUTPUTS = tuple(name for name, o in OUTPUTS.items() if o.needs_2d)


def load_batch(path, surfaces_dir=()) -> list[batching.Experiment]:
    experiments = batching.load(path, OUTPUTS, PATH_OUTPUTS, surfaces_dir, PLANAR_OUTPUTS)
    for i, exp in enumerate(experiments):  # a view the surface has nothing for (fit, a formula)
        try:
            check_surface([o for o in exp.outputs if o in VIEWS], exp.surface)
        except InputError as exc:
            raise InputError(f"{path}: experiment[{i}].outputs: {exc}") from None
    return experiments


def markdown_table() -> str:
    lines = ["| output | writes |", "| --- | --- |"]
    lines += [f"| `{o.name}` | {o.writes} |" for o in OUTPUTS.values()]
    return "\n".join(lines)


def write_experiment(found: batching.ExperimentRuns, folder: Path) -> list[Path]:
    """Draw and write the outputs an experiment asked for into ``folder``."""
    from .render.animate import render
    from .render.figure import save_still
    from .render.small_multiples import save_basins

    exp, result, files = found.experiment, found.result, []
    folder.mkdir(parents=True, exist_ok=True)
    views = [v for v in exp.outputs if v in VIEWS]
    if result is not None:
        if views:
            files.append(save_still(result, folder / "runs.png", views))
        if "gif" in exp.outputs:
            files.append(render(result, folder / "runs.gif", views or ["contour"]).path)
        if "grid" in exp.outputs:
            files.append(_grid(exp, result, folder / "grid.png"))
    if found.basins is not None:
        files.append(save_basins(found.basins, folder / "basins.png"))
    if "rates" in exp.outputs:
        from .render.rates import save_rates

        files.append(save_rates(found.rates, folder / "rates.png"))
    if "rates_table" in exp.outputs:
        write_text_atomic(folder / "rates.csv", rows_csv(found.rates.rows()))
        files.append(folder / "rates.csv")
    if "summary" in exp.outputs:
        write_text_atomic(folder / "summary.csv", summary_csv(list(found.summaries)))
        files.append(folder / "summary.csv")
    return files


def _grid(exp, result, path):
    """One panel per optimizer setting of the experiment."""
    from .render.small_multiples import save_small_multiples
    from .results import Result

    per = len(result.runs) // len(exp.specs)
    panels = [(str(spec), Result(surface=result.surface, runs=result.runs[i * per:(i + 1) * per],
                                 settings=result.settings))
              for i, spec in enumerate(exp.specs)]
    return save_small_multiples(result.surface, panels, len(panels), 1,
                                f"{exp.name} on {exp.surface.name}", path)


SLIDE_SIZE = (1920, 720)  # pixels: the figures' default
FIGURES_LOOK = Look(style="talk")  # the documents' figures are dressed for a projector


def recipe_drawing(recipe, result, book) -> dict:
    """How a recipe's figure is drawn besides its views and look: its marks, extra panels and
    overlays (the still and the animation alike)."""
    arrows = recipe_book.overlays(recipe)
    return {"marks": recipe_book.marks(recipe, result),
            "extra": recipe_book.extra_panels(recipe, result, book),
            "overlays": Overlays(show=arrows.get("overlays", ()), at=arrows.get("overlay_at"))}


def figure_job(recipe, out_dir, fmt, gif, look: Look, book, html=False, gif_size=None):
    """Run, check and draw one recipe with ``book`` (the runs made so far: a claim may need
    another recipe's), dressed in ``look`` and titled by the recipe: its
    ``recipe_book.Figure``. ``gif_size`` is each animation frame's size in pixels (None: 640 x
    480 a panel)."""
    from .render.animate import render
    from .render.figure import save_still

    result = book.result(str(recipe.path) if recipe.path.parent != recipe_book.builtin_dir()
                         else recipe.name)
    try:
        checks = book.check(recipe, result)
    except InputError as exc:  # a claim that names no run of it: say which file
        raise InputError(f"{recipe.path}: {exc}") from None
    picture = Path(out_dir) / f"{recipe.name}.{fmt}"
    if recipe.rates is not None:  # a map: no runs to animate or to play
        from .render.rates import save_rates

        save_rates(result, picture, fmt=fmt, title=recipe.title)
        return recipe_book.Figure(recipe=recipe, result=result, checks=tuple(checks),
                                  files=(picture,))
    drawing = recipe_drawing(recipe, result, book)
    look = replace(look, title=recipe.title)
    save_still(result, picture, recipe.views, look, **drawing)
    files = [picture]
    if gif:
        files.append(render(result, Path(out_dir) / f"{recipe.name}.gif", recipe.views,
                            replace(look, size=gif_size), timing=Timing(frames=150),
                            **drawing).path)
    if html and result.surface.dims == 2:
        from .render.html import save_player

        files.append(save_player(result, Path(out_dir) / f"{recipe.name}.html", recipe.title))
    return recipe_book.Figure(recipe=recipe, result=result, checks=tuple(checks),
                              files=tuple(files))


def _indexed(item):
    i, job, recipe = item
    return i, job(recipe)


def _before_fork() -> None:
    """Import what making a figure imports, before the fork: once for all workers, not once in
    each (about 0.45 s of CPU a worker; the imports of the command itself no longer bring
    matplotlib in)."""
    import numpy.random  # noqa: F401  (the runs' noise)

    from . import data_losses, surface_checks  # noqa: F401
    from .render import animate, figure  # noqa: F401  (animate: for --gif)

    figure.preload()


@contextmanager
def _figure_workers(count: int):
    """A pool of forked workers, one per core (at most one per figure), or None where forking
    is not possible or would not pay. Forked, a worker starts with matplotlib and numpy already
    imported, so each figure costs only its own runs and drawing."""
    import multiprocessing
    import os

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if count < 3 or (cores or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield None
        return
    _before_fork()
    with pool(multiprocessing.get_context("fork"), min(cores, count)) as workers:
        yield workers


def make_figures(specs, out_dir, fmt="png", gif=False, progress=None,
                 look: Look = FIGURES_LOOK, html=False):
    """Run, check and draw the recipes ``specs`` into ``out_dir`` (in parallel, one process
    per core), dressed in ``look``; write ``index.md``."""
    from .render.views import check_settings, parse_views

    out_dir = Path(out_dir)
    by_name: dict[str, recipe_book.Recipe] = {}
    for recipe in (recipe_book.load(s) for s in specs):  # all checked before any work
        try:
            arrows = recipe_book.overlays(recipe).get("overlays", ())
            check_settings(parse_views(recipe.views, 2), 2, arrows)
        except InputError as exc:
            raise InputError(f"{recipe.path}: views: {exc}") from None
        same = by_name.get(recipe.name)
        if same is not None and same.path.resolve() != recipe.path.resolve():
            raise InputError(f"{recipe.path} and {same.path} are both named {recipe.name!r}; "
                             f"a figure's name is its file name: rename one.")
        by_name[recipe.name] = recipe  # the same file twice is made once
    recipes = list(by_name.values())
    for name in ["index.md", *(["index.html"] if html else [])]:
        check_writable(out_dir / name)
    for recipe in recipes:  # every file each figure will write
        for suffix in [fmt, *(["gif"] if gif else []), *(["html"] if html else [])]:
            check_writable(out_dir / f"{recipe.name}.{suffix}")
    # By default every figure is 1920 px wide, the width of a projector, whatever its panels.
    gif_size = look.size  # a size asked for is each frame's too
    if gif and gif_size is not None:
        from .core.limits import check_frame_size

        check_frame_size(*gif_size)
    # One book for the whole call; a forked worker gets its own copy of it.
    job = partial(figure_job, out_dir=out_dir, fmt=fmt, gif=gif, html=html,
                  look=replace(look, size=look.size or SLIDE_SIZE), book=recipe_book.Book(),
                  gif_size=gif_size)
    # The costliest first (tuning runs every rate on the grid), so no worker is left with a
    # long figure at the end; the index keeps the recipes' order.
    order = sorted(range(len(recipes)), key=lambda i: recipes[i].tune is None)
    figures = [None] * len(recipes)
    with _figure_workers(len(recipes)) as workers:
        jobs = (workers.imap_unordered(_indexed, [(i, job, recipes[i]) for i in order])
                if workers
                else map(_indexed, [(i, job, recipes[i]) for i in order]))
        for done, (i, figure) in enumerate(jobs, start=1):
            figures[i] = figure
            if progress:
                progress(done, len(recipes))
    index = out_dir / "index.md"
    # Only some figures made (--only): the others' sections stay; all made: a fresh index.
    partial_run = not set(recipe_book.available()) <= {r.name for r in recipes}
    previous = index.read_text(encoding="utf-8") if partial_run and index.is_file() else ""
    write_text_atomic(index, recipe_book.index(figures, fmt, previous))
    if html:  # the gallery: every figure's picture, caption and player
        from .render.html import gallery

        write_text_atomic(out_dir / "index.html", gallery(figures, fmt))
    return figures


PLAYER_MAP_CELLS = 24  # a side of a player's rate map: coarse, about 0.2 s and 3 kB a map
PLAYER_MAP_STEPS = (50, 300)  # the steps a player's map runs: the page's, within these


def player_map_axes(definition, values: dict) -> list[tuple] | None:
    """A player's map of one optimizer: lr (log, a decade either side of the run's, within
    its slider) by the first other numeric hyperparameter it declares (its whole slider where
    linear, a decade either side where log); None when it declares no lr or no other."""
    numeric = [h for h in definition.hyperparameters.values()
               if not h.switch and h.slider is not None and h.name not in (definition.fixed or {})]
    names = [h.name for h in numeric]
    if "lr" not in names or len(names) < 2 or not values.get("lr", 0) > 0:
        return None
    axes = []
    for h in [numeric[names.index("lr")], next(h for h in numeric if h.name != "lr")]:
        low, high, scale = h.slider
        if scale == "log" and values.get(h.name, 0) > 0:
            low, high = max(low, values[h.name] / 10), min(high, values[h.name] * 10)
        axes.append((h.name, float(low), float(high), PLAYER_MAP_CELLS))
    return axes


def player_rate_maps(result) -> dict:
    """Each live-able run's optimizer's rate map (``studies.rates.rate_map``) from its run's
    start and values, for the player's rates panel (optimizer name -> RateMap)."""
    from .core.specs import OptSpec
    from .optimizers import files, registry
    from .studies.rates import rate_map

    steps = min(max(int(result.settings.get("steps") or 200), PLAYER_MAP_STEPS[0]),
                PLAYER_MAP_STEPS[1])
    maps = {}
    for run in result.runs:
        if run.optimizer in maps or not run.source or not registry.known(run.optimizer):
            continue
        definition = files.load(run.source)
        axes = player_map_axes(definition, run.hyperparams)
        if axes is None:
            continue
        gridded = {a[0] for a in axes}
        shared = {k: v for k, v in run.hyperparams.items()
                  if k not in gridded and k in definition.hyperparameters
                  and isinstance(v, int | float) and not isinstance(v, bool)}
        spec = OptSpec(name=run.optimizer, hyperparams=shared)
        maps[run.optimizer] = rate_map(result.surface, spec, axes, start=run.points[0],
                                       steps=steps, log=("lr",))
    return maps
