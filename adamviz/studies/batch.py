"""Batch comparisons from a TOML file of ``[[experiment]]`` tables (see examples/compare.toml).

Everything in the file is checked before any run starts (the TOML itself, every key, surface,
optimizer, sweep list, grid and output); ``run_experiment`` then makes an experiment's runs and
returns them as data. Drawing and writing the outputs is ``outputs.py``'s job.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import engine
from ..core.errors import InputError
from ..core.io import read_toml
from ..core.limits import MAX_PATH_RUNS, check_paths
from ..core.names import count, is_file_name, suggest
from ..core.specs import OptSpec, parse_opt
from ..results import Result, Run, Summary
from ..surfaces import Surface
from .basins import Basins, basins, check_grid, grid_starts
from .criteria import CRITERIA, DEFAULT_GRID
from .rate_grid import from_table
from .rates import RateMap, check_rates, rate_map
from .runs import Settings, config, load_surface, make_runs, resolve, starts_of
from .slices import is_network
from .tuning import check_criterion_on, check_tunable, log_grid, tune_specs

EXPERIMENT_KEYS = {"name", "surface", "optimizers", "starts", "steps", "noise", "seed", "tol",
                   "patience", "schedule", "batch_size", "plane", "sweep", "tune", "outputs",
                   "rates"}
RATES_KEYS = ("grid", "log", "start", "tol")
RATES_OUTPUTS = ("rates", "rates_table")
TUNE_KEYS = {"param", "grid", "criterion"}
BASINS_GRID = 100


@dataclass(frozen=True, kw_only=True)
class Experiment:
    name: str
    surface: Surface
    specs: tuple[OptSpec, ...]  # after the sweep's cartesian product
    starts: tuple | None
    grid: dict | None
    settings: Settings
    tune: dict | None
    outputs: tuple[str, ...]
    sweep: dict = field(default_factory=dict)
    rates: dict | None = None  # a rate map's grid, log axes, start and tol (``rates.py``)

    def n_starts(self) -> int:
        if self.grid:
            return int(self.grid["x"][2]) * int(self.grid["y"][2])
        return len(self.starts) if self.starts else 1

    def config(self) -> dict:
        """What decides the experiment's runs (not its outputs), for a results database."""
        return config(self.surface, self.specs, self.starts, self.settings, grid=self.grid,
                      command="batch", name=self.name, tune=self.tune)

    def files(self, outputs) -> list[str]:
        """The files it writes in its folder, given the registry of ``outputs``."""
        return list(dict.fromkeys(outputs[o].file for o in self.outputs))

    def start_points(self) -> np.ndarray:
        if self.grid:
            return grid_starts(self.surface, self.grid["x"], self.grid["y"])
        return np.array(self.starts or [self.surface.default_start], dtype=float)


def load(path, outputs, path_outputs, surfaces_dir=(), planar_outputs=()) -> list[Experiment]:
    """Read and check a batch file; ``outputs`` are the output names allowed, ``path_outputs``
    those that draw every step, ``planar_outputs`` those that need a surface in x and y.
    ``InputError`` names the file, table and key."""
    data = read_toml(path, "Batch file")
    path = Path(path)
    unknown = sorted(set(data) - {"experiment"})
    if unknown:
        raise InputError(f"{path}: unknown top-level key {unknown[0]!r}; the file holds "
                         f"[[experiment]] tables.")
    tables = data.get("experiment")
    if not isinstance(tables, list) or not tables:
        raise InputError(f"{path}: no [[experiment]] tables.")
    experiments, names = [], set()
    for i, table in enumerate(tables):
        where = f"{path}: experiment[{i}]"
        exp = _experiment(table, where, outputs, path_outputs, surfaces_dir, planar_outputs)
        if exp.name in names:
            raise InputError(f"{where}: the name {exp.name!r} is used twice.")
        names.add(exp.name)
        experiments.append(exp)
    return experiments


def _experiment(table, where, outputs, path_outputs, surfaces_dir, planar_outputs=()
                ) -> Experiment:
    if not isinstance(table, dict):
        raise InputError(f"{where}: an experiment is a table of keys.")
    for key in table:
        if key not in EXPERIMENT_KEYS:
            raise InputError(f"{where}.{key}: unknown key{suggest(key, EXPERIMENT_KEYS)}")
    for key in ("name", "surface", "optimizers"):
        if key not in table:
            raise InputError(f"{where}: missing required key {key!r}.")
    name = table["name"]
    if not is_file_name(name):
        raise InputError(f"{where}.name: the experiment's folder name: letters, digits, '-' "
                         f"and '_' (at most 100), starting with a letter or digit; got "
                         f"{name!r}.")
    if not isinstance(table["surface"], str):
        raise InputError(f"{where}.surface: a surface name or a path to a .toml file.")
    try:
        surface = load_surface(table["surface"], surfaces_dir)
    except InputError as exc:
        raise InputError(f"{where}.surface: {exc}") from None
    specs, sweep = _specs(table, where, surface)
    starts, grid = _starts(table.get("starts"), where, surface)
    outs = _outputs(table, where, surface, outputs, planar_outputs)
    runs = len(specs) * (int(grid["x"][2]) * int(grid["y"][2]) if grid else len(starts or [1]))
    heavy = set(path_outputs) & set(outs)
    if heavy and runs > MAX_PATH_RUNS:
        raise InputError(f"{where}.outputs: {sorted(heavy)[0]} draws every step of every run, "
                         f"for at most {MAX_PATH_RUNS} runs; this experiment has {runs:,} "
                         f"(use basins and summary for large grids).")
    tune = _tune(table.get("tune"), where, surface)
    if tune and "lr" in sweep:
        raise InputError(f"{where}: sweep.lr and tune both set every lr; drop one.")
    if tune:
        try:
            check_tunable(specs)
        except InputError as exc:
            raise InputError(f"{where}.tune: {exc}") from None
    try:
        settings = Settings(steps=table.get("steps"), noise=table.get("noise", 0.0),
                            seed=table.get("seed", 0), tol=table.get("tol", 1e-6),
                            patience=table.get("patience"), schedule=table.get("schedule"),
                            batch_size=table.get("batch_size"), plane=table.get("plane"))
        settings.check_batches(surface)
        settings.check_plane(surface)
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from None
    if "seed" in table and not table.get("noise") and not table.get("batch_size"):
        raise InputError(f"{where}.seed: the seed draws the gradient noise and the minibatches; "
                         f"set noise or batch_size too (or drop seed).")
    if runs <= MAX_PATH_RUNS:  # kept step by step (more: end points only)
        try:
            check_paths(runs, settings.steps_for(surface), surface.dims)
        except InputError as exc:
            raise InputError(f"{where}: {exc}") from None
    rate_table = _rates(table.get("rates"), where, specs, surface, outs, settings)
    return Experiment(name=name, surface=surface, specs=tuple(specs), starts=starts, grid=grid,
                      settings=settings, tune=tune, outputs=tuple(outs), sweep=sweep,
                      rates=rate_table)


def _rates(table, where, specs, surface, outs, settings) -> dict | None:
    """The ``rates`` table ({grid = ["lr=0.001:0.1:50", ...], log = ["lr"], start = [x, y],
    tol = 1e-10}), checked, when a rate output asks for it."""
    wanted = [o for o in outs if o in RATES_OUTPUTS]
    if table is None:
        if wanted:
            raise InputError(f"{where}.outputs: {wanted[0]} needs a rates table, e.g. rates = "
                             f"{{ grid = [\"lr=0.001:0.1:50\", \"momentum=0:0.99:50\"] }}.")
        return None
    if not wanted:
        raise InputError(f"{where}.rates: add \"rates\" (the map) or \"rates_table\" (a row per "
                         f"cell) to outputs, or drop the table.")
    if len(specs) != 1:
        raise InputError(f"{where}.rates: a rate map grids one optimizer; this experiment has "
                         f"{len(specs)} settings.")
    try:  # (its steps are the experiment's)
        asked = from_table(table, RATES_KEYS)
    except InputError as exc:
        raise InputError(f"{where}.{exc}") from None
    try:
        check_rates(surface, specs[0], asked.pop("grid"), steps=settings.steps_for(surface),
                    **asked)
    except InputError as exc:
        raise InputError(f"{where}.rates: {exc}") from None
    return dict(table)


def _outputs(table, where, surface, outputs, planar_outputs) -> list[str]:
    outs = table.get("outputs", ["contour", "summary"])
    if not isinstance(outs, list) or not outs or not all(isinstance(o, str) for o in outs):
        raise InputError(f"{where}.outputs: a list of names, e.g. [\"contour\", \"summary\"].")
    for out in outs:
        if out not in outputs:
            raise InputError(f"{where}.outputs: unknown output {out!r}{suggest(out, outputs)}")
        if out in planar_outputs and surface.dims == 1:
            raise InputError(f"{where}.outputs: {out} needs a surface in x and y; "
                             f"{surface.name} is a curve f(x).")
        if out in ("basins", *RATES_OUTPUTS) and is_network(surface):
            raise InputError(f"{where}.outputs: {out} maps a surface of two variables; "
                             f"{surface.name} is a network of {surface.dims:,} parameters "
                             f"(its runs are drawn on a plane: contour, loss, gif, summary).")
    return outs


def _specs(table, where, surface) -> tuple[list[OptSpec], dict]:
    items = table["optimizers"]
    if not isinstance(items, list) or not items:
        raise InputError(f"{where}.optimizers: a non-empty list of specs such as "
                         f"\"adam:lr=0.1\" or tables {{ name = \"adam\", lr = 0.1 }}.")
    base = []
    for j, item in enumerate(items):
        try:
            if isinstance(item, dict):
                item = dict(item)
                name = str(item.pop("name", ""))  # as the text form: parsed alone
                base.append(OptSpec(name=parse_opt(name).name, hyperparams=item))
            else:
                base.append(parse_opt(item))
        except InputError as exc:
            raise InputError(f"{where}.optimizers[{j}]: {exc}") from None
    sweep = table.get("sweep", {})
    if not isinstance(sweep, dict):
        raise InputError(f"{where}.sweep: a table of lists, e.g. sweep = {{ lr = [1e-3, 1e-2] }}.")
    for key, values in sweep.items():
        if not isinstance(values, list) or not values:
            raise InputError(f"{where}.sweep.{key}: a non-empty list of values.")
        for b in base:
            if key in b.hyperparams:
                raise InputError(f"{where}.sweep.{key}: {b} sets {key} itself, and the sweep "
                                 f"sets every {key}; drop one.")
    combos = [dict(zip(sweep, c, strict=True)) for c in itertools.product(*sweep.values())]
    specs = [OptSpec(name=b.name, hyperparams={**b.hyperparams, **c}) for b in base for c in combos]
    for spec in specs:  # unknown optimizers, hyperparameters and out-of-range values, now
        try:
            resolve(spec, surface)
        except InputError as exc:
            raise InputError(f"{where}.optimizers: {exc}") from None
    return specs, sweep


def _starts(starts, where, surface):
    if starts is not None and is_network(surface):
        raise InputError(f"{where}.starts: {surface.name} is a network: its runs start from its "
                         f"initialisation (init_seed in its file); drop starts.")
    if isinstance(starts, dict):
        if surface.dims == 1:
            raise InputError(f"{where}.starts: a grid of starts needs a surface in x and y; "
                             f"{surface.name} is a curve f(x): list the starts, e.g. "
                             f"[[-1], [0.5]].")
        if set(starts) != {"x", "y"}:
            raise InputError(f"{where}.starts: a grid is {{ x = [a, b, n], y = [c, d, n] }}.")
        try:
            check_grid(starts["x"], starts["y"])
        except InputError as exc:
            raise InputError(f"{where}.starts: {exc}") from None
        return None, starts
    if starts is None:
        return None, None
    if not isinstance(starts, list) or not starts or not all(
            isinstance(p, list) and len(p) == surface.dims
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in p)
            and all(np.isfinite(p)) for p in starts):
        raise InputError(f"{where}.starts: a list of points [[x, y], ...] of finite numbers, or "
                         f"a grid {{ x = [a, b, n], y = [c, d, n] }}.")
    try:
        points = starts_of(surface, [tuple(p) for p in starts])
    except InputError as exc:
        raise InputError(f"{where}.starts: {exc}") from None
    return tuple(map(tuple, points.tolist())), None


def _tune(tune, where, surface) -> dict | None:
    if tune is None:
        return None
    if not isinstance(tune, dict) or set(tune) - TUNE_KEYS:
        raise InputError(f"{where}.tune: a table with param = \"lr\", grid = \"{DEFAULT_GRID}\" "
                         f"and criterion = \"final-loss\" (or distance, steps).")
    if tune.get("param", "lr") != "lr":
        raise InputError(f"{where}.tune.param: only lr can be tuned.")
    try:
        log_grid(tune.get("grid", DEFAULT_GRID))
    except InputError as exc:
        raise InputError(f"{where}.tune.grid: {exc}") from None
    if tune.get("criterion", "final-loss") not in CRITERIA:
        raise InputError(f"{where}.tune.criterion: one of {', '.join(CRITERIA)}.")
    try:  # what the criterion measures, before anything runs
        check_criterion_on(surface, tune.get("criterion", "final-loss"))
    except InputError as exc:
        raise InputError(f"{where}.tune.criterion: {exc}") from None
    return dict(tune)


def plan(experiments) -> list[str]:
    """The runs a batch would make, one line per optimizer setting (for --dry-run)."""
    lines = []
    for exp in experiments:
        steps = exp.settings.steps_for(exp.surface)
        how = f", lr tuned by {exp.tune.get('criterion', 'final-loss')}" if exp.tune else ""
        for spec in exp.specs:
            lines.append(f"{exp.name}: {spec} on {exp.surface.name} from "
                         f"{count(exp.n_starts(), 'start')}, {count(steps, 'step')}{how}")
        if exp.rates is not None:
            lines.append(f"{exp.name}: rate map of {exp.specs[0]} over "
                         f"{' x '.join(exp.rates['grid'])}, {count(steps, 'step')}")
    return lines


def total_runs(experiments) -> int:
    return sum(len(e.specs) * e.n_starts() for e in experiments)


@dataclass(frozen=True, kw_only=True)
class ExperimentRuns:
    """What an experiment produced: summary rows, and the runs with every step (few runs) or
    basins (when asked)."""

    experiment: Experiment
    summaries: tuple[Summary, ...]
    result: Result | None = None
    basins: Basins | None = None
    rates: RateMap | None = None


def run_experiment(exp: Experiment) -> ExperimentRuns:
    starts = exp.start_points()
    specs, tuned = list(exp.specs), {}
    if exp.tune:
        specs, tuned = tune_specs(exp.surface, specs, starts, exp.settings,
                                  exp.tune.get("grid", DEFAULT_GRID),
                                  exp.tune.get("criterion", "final-loss"))
    result = None
    if len(specs) * len(starts) <= MAX_PATH_RUNS:
        result = make_runs(exp.surface, specs, starts, exp.settings, tuned=tuned)
        summaries = result.summaries(experiment=exp.name)
    else:  # end points only
        summaries = _endpoint_summaries(exp, specs, starts, tuned)
    found = None
    if "basins" in exp.outputs:
        found = basins(exp.surface, specs, grid=BASINS_GRID, settings=exp.settings)
    rate_map_found = None
    if exp.rates is not None:
        asked = from_table(exp.rates, RATES_KEYS)
        rate_map_found = rate_map(exp.surface, specs[0], asked.pop("grid"),
                                  steps=exp.settings.steps_for(exp.surface), **asked)
    return ExperimentRuns(experiment=exp, summaries=tuple(summaries), result=result,
                          basins=found, rates=rate_map_found)


def _endpoint_summaries(exp, specs, starts, tuned) -> list[Summary]:
    rows = []
    steps = exp.settings.steps_for(exp.surface)
    for i, spec in enumerate(specs):
        opt, label = resolve(spec, exp.surface, schedule=exp.settings.schedule)
        out = engine.run(exp.surface, opt, starts, steps, noise=exp.settings.noise,
                         seed=exp.settings.seed, keys=[(i, j) for j in range(len(starts))],
                         tol=exp.settings.tol or None, record="ends",
                         batch_size=exp.settings.batch_for(opt))
        tuning = tuned.get(i)
        for j in range(len(starts)):
            points = np.array([starts[j], out.ends[j]])
            run = Run(index=len(rows) + 1, optimizer=opt.name, hyperparams=opt.hyperparams,
                      label=label + (f" tuned by {tuning.criterion}" if tuning else ""),
                      points=points,
                      losses=np.array([np.nan, out.end_losses[j]]), status=out.status[j],
                      steps=int(out.steps[j]), best_step=int(out.best_step[j]),
                      tuned=tuning.describe() if tuning else "")
            rows.append(Summary.of(exp.surface, run, experiment=exp.name))
    return rows
