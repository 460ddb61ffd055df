"""Batch comparisons from a TOML file of ``[[experiment]]`` tables (see examples/compare.toml).

Everything in the file is checked before any run starts (the TOML itself, every key, surface,
optimizer, sweep list and grid); then experiments run, in parallel processes with ``jobs``.
Each writes ``DIR/<experiment>/``; all runs go into ``DIR/summary.csv`` and ``summary.md``. An
experiment that fails while running is marked failed in the summary and the others go on.
Noise is seeded per experiment, so results are the same for any number of jobs.
"""

from __future__ import annotations

import csv
import io
import itertools
import tomllib
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from . import api, compare, engine
from .errors import InputError
from .specs import OptSpec, format_value, parse_opt
from .surfaces import suggest

EXPERIMENT_KEYS = {"name", "surface", "optimizers", "starts", "steps", "noise", "seed", "tol",
                   "patience", "sweep", "tune", "outputs"}
TUNE_KEYS = {"param", "grid", "criterion"}
OUTPUTS = ("contour", "gif", "3d", "profile", "loss", "steps", "moments", "grid", "basins",
           "summary")
PATH_OUTPUTS = {"contour", "gif", "3d", "profile", "loss", "steps", "moments", "grid"}
MAX_PATH_RUNS = 400  # runs whose every step is kept (pictures of paths); beyond: endpoints only
SUMMARY_COLUMNS = ["experiment", "surface", "optimizer", "label", "lr", "momentum", "alpha",
                   "beta1", "beta2", "eps", "weight_decay", "tuned", "start", "end",
                   "final_loss", "reached", "distance", "steps", "steps_to_tol", "status"]


@dataclass
class Experiment:
    name: str
    surface: object
    specs: list[OptSpec]  # after the sweep's cartesian product
    starts: list | None
    grid: dict | None
    steps: int | None
    noise: float
    seed: int
    tol: float | None
    patience: int | None
    tune: dict | None
    outputs: list[str]
    sweep: dict = field(default_factory=dict)

    def n_starts(self) -> int:
        if self.grid:
            return int(self.grid["x"][2]) * int(self.grid["y"][2])
        return len(self.starts) if self.starts else 1


def load(path: str | Path, surfaces_dir=()) -> list[Experiment]:
    """Read and check a batch file; ``InputError`` names the file, table and key."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"Batch file {str(path)!r} does not exist.") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {exc}.") from None
    unknown = sorted(set(data) - {"experiment"})
    if unknown:
        raise InputError(f"{path}: unknown top-level key {unknown[0]!r}; the file holds "
                         f"[[experiment]] tables.")
    tables = data.get("experiment")
    if not isinstance(tables, list) or not tables:
        raise InputError(f"{path}: no [[experiment]] tables.")
    experiments, names = [], set()
    for i, table in enumerate(tables):
        exp = _experiment(table, f"{path}: experiment[{i}]", surfaces_dir)
        if exp.name in names:
            raise InputError(f"{path}: experiment[{i}]: the name {exp.name!r} is used twice.")
        names.add(exp.name)
        experiments.append(exp)
    return experiments


def _experiment(table: dict, where: str, surfaces_dir) -> Experiment:
    for key in table:
        if key not in EXPERIMENT_KEYS:
            raise InputError(f"{where}.{key}: unknown key{suggest(key, EXPERIMENT_KEYS)}")
    for key in ("name", "surface", "optimizers"):
        if key not in table:
            raise InputError(f"{where}: missing required key {key!r}.")
    name = table["name"]
    if not isinstance(name, str) or not name.replace("-", "").replace("_", "").isalnum():
        raise InputError(f"{where}.name: use letters, digits, '-' and '_', got {name!r}.")
    try:
        surface = api.load_surface(table["surface"], surfaces_dir)
    except InputError as exc:
        raise InputError(f"{where}.surface: {exc}") from None
    optimizers = table["optimizers"]
    if not isinstance(optimizers, list) or not optimizers:
        raise InputError(f"{where}.optimizers: a non-empty list of specs such as "
                         f"\"adam:lr=0.1\" or tables {{ name = \"adam\", lr = 0.1 }}.")
    base = []
    for j, item in enumerate(optimizers):
        try:
            if isinstance(item, dict):
                item = dict(item)
                base.append(OptSpec(str(item.pop("name", "")).lower(), item))
            else:
                base.append(parse_opt(item))
        except InputError as exc:
            raise InputError(f"{where}.optimizers[{j}]: {exc}") from None
    sweep = table.get("sweep", {})
    if not isinstance(sweep, dict):
        raise InputError(f"{where}.sweep: a table of lists, e.g. sweep = {{ lr = [1e-3, 1e-2] }}.")
    for key, values in sweep.items():
        if not isinstance(values, list) or not values:
            raise InputError(f"{where}.sweep.{key}: the list is empty; give at least one value.")
    combos = [dict(zip(sweep, c, strict=True)) for c in itertools.product(*sweep.values())]
    specs = [OptSpec(b.name, {**b.hyperparams, **c}) for b in base for c in combos]
    for spec in specs:  # unknown optimizers, hyperparameters and out-of-range values, now
        try:
            api.resolve_optimizer(spec, surface)
        except InputError as exc:
            raise InputError(f"{where}.optimizers: {exc}") from None
    starts, grid = table.get("starts"), None
    if isinstance(starts, dict):
        extra = set(starts) - {"x", "y"}
        if extra or set(starts) != {"x", "y"}:
            raise InputError(f"{where}.starts: a grid is {{ x = [a, b, n], y = [c, d, n] }}.")
        grid = starts
        try:
            compare.check_grid(grid["x"], grid["y"])
        except InputError as exc:
            raise InputError(f"{where}.starts: {exc}") from None
        starts = None
    elif starts is not None:
        if not isinstance(starts, list) or not all(
                isinstance(p, list) and len(p) == surface.dims for p in starts):
            raise InputError(f"{where}.starts: a list of points [[x, y], ...] or a grid "
                             f"{{ x = [a, b, n], y = [c, d, n] }}.")
    outputs = table.get("outputs", ["contour", "summary"])
    for out in outputs:
        if out not in OUTPUTS:
            raise InputError(f"{where}.outputs: unknown output {out!r}{suggest(out, OUTPUTS)}")
    runs = len(specs) * (_grid_count(grid) if grid else len(starts or [1]))
    heavy = PATH_OUTPUTS & set(outputs)
    if heavy and runs > MAX_PATH_RUNS:
        raise InputError(f"{where}.outputs: {sorted(heavy)[0]} draws every step of every run, "
                         f"for at most {MAX_PATH_RUNS} runs; this experiment has {runs:,} "
                         f"(use basins and summary for large grids).")
    tune = table.get("tune")
    if tune is not None:
        if not isinstance(tune, dict) or set(tune) - TUNE_KEYS:
            raise InputError(f"{where}.tune: a table with param = \"lr\", grid = \"1e-4:1:13\" "
                             f"and criterion = \"final-loss\" (or distance, steps).")
        if tune.get("param", "lr") != "lr":
            raise InputError(f"{where}.tune.param: only lr can be tuned.")
        compare.log_grid(tune.get("grid", "1e-4:1:13"))
        if tune.get("criterion", "final-loss") not in compare.CRITERIA:
            raise InputError(f"{where}.tune.criterion: one of {', '.join(compare.CRITERIA)}.")
    try:
        api._check_run_settings(table.get("steps", surface.steps or api.DEFAULT_STEPS), None,
                                float(table.get("noise", 0.0)), table.get("tol"),
                                table.get("patience"))
    except (InputError, TypeError, ValueError) as exc:
        raise InputError(f"{where}: {exc}") from None
    return Experiment(name, surface, specs, starts, grid, table.get("steps"),
                      float(table.get("noise", 0.0)), int(table.get("seed", 0)),
                      table.get("tol", 1e-6), table.get("patience"), tune, list(outputs), sweep)


def _grid_count(grid) -> int:
    try:
        return int(grid["x"][2]) * int(grid["y"][2])
    except (TypeError, ValueError, IndexError, KeyError):
        raise InputError("a grid is { x = [a, b, n], y = [c, d, n] } with whole counts") \
            from None


def plan(experiments: list[Experiment]) -> list[str]:
    """The runs a batch would make, one line per optimizer setting (for --dry-run)."""
    lines = []
    for exp in experiments:
        for spec in exp.specs:
            lines.append(f"{exp.name}: {spec} on {exp.surface.name} from {exp.n_starts():,} "
                         f"start(s), {exp.steps or exp.surface.steps or api.DEFAULT_STEPS} steps"
                         + (f", lr tuned by {exp.tune.get('criterion', 'final-loss')}"
                            if exp.tune else ""))
    return lines


def total_runs(experiments) -> int:
    return sum(len(e.specs) * e.n_starts() for e in experiments)


def run_experiment(exp: Experiment, out_dir: Path) -> tuple[list[dict], list[Path], str | None]:
    """Run one experiment and write its outputs; (summary rows, files, error or None)."""
    folder = Path(out_dir) / exp.name
    folder.mkdir(parents=True, exist_ok=True)
    try:
        return _run(exp, folder) + (None,)
    except Exception as exc:  # one failing experiment must not stop the batch
        detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
        row = {"experiment": exp.name, "surface": exp.surface.name, "status": "failed",
               "label": detail}
        return [row], [], detail


def _run(exp: Experiment, folder: Path) -> tuple[list[dict], list[Path]]:
    specs, tuned = list(exp.specs), {}
    steps = exp.steps or exp.surface.steps or api.DEFAULT_STEPS
    starts = (compare.grid_starts(exp.surface, exp.grid["x"], exp.grid["y"]) if exp.grid
              else exp.starts or [exp.surface.default_start])
    if exp.tune:
        grid = compare.log_grid(exp.tune.get("grid", "1e-4:1:13"))
        for i, spec in enumerate(specs):
            t = compare.tune_lr(exp.surface, spec, starts, steps, grid,
                                exp.tune.get("criterion", "final-loss"))
            specs[i] = OptSpec(spec.name, {**spec.hyperparams, "lr": t.best})
            tuned[i] = t.describe()
    rows, files = [], []
    large = len(specs) * len(starts) > MAX_PATH_RUNS
    if large:  # endpoints only: the batch engine
        for i, spec in enumerate(specs):
            opt, label = api.resolve_optimizer(spec, exp.surface)
            ends = engine.optimize_final(exp.surface, opt, starts, steps, tol=exp.tol,
                                         noise=exp.noise, seed=exp.seed)
            for j in range(len(starts)):
                rows.append(_endpoint_row(exp, opt, label, starts[j], ends, j, tuned.get(i)))
    else:
        result = api.run(exp.surface, specs, [tuple(s) for s in starts], steps=steps,
                         noise=exp.noise, seed=exp.seed, tol=exp.tol, patience=exp.patience)
        per_spec = len(starts)
        for k, run in enumerate(result.runs):  # the legend says which lr was tuned, and how
            if k // per_spec in tuned:
                run.label += f" tuned by {exp.tune.get('criterion', 'final-loss')}"
        for k, row in enumerate(compare.summary_rows(result, experiment=exp.name)):
            row["tuned"] = tuned.get(k // per_spec, "")
            rows.append(row)
        views = [v for v in ("contour", "3d", "profile", "loss", "steps", "moments")
                 if v in exp.outputs]
        if views:
            files.append(api.save_plot(result, folder / "runs.png", views, dpi=90))
        if "gif" in exp.outputs:
            files.append(api.animate(result, folder / "runs.gif", views or ["contour"]).path)
        if "grid" in exp.outputs:
            from .render.compare import save_grid

            files.append(save_grid(exp, result, folder / "grid.png"))
    if "basins" in exp.outputs:
        from .render.compare import save_basins

        b = compare.basins(exp.surface, specs, grid=100, steps=steps, tol=exp.tol)
        files.append(save_basins(b, folder / "basins.png"))
    if "summary" in exp.outputs:
        from .io import write_text_atomic

        write_text_atomic(folder / "summary.csv", to_csv(rows))
        files.append(folder / "summary.csv")
    return rows, files


def _endpoint_row(exp, opt, label, start, ends, j, tuned) -> dict:
    minimum, dist = api.nearest_minimum(exp.surface, ends.points[j])
    return {"experiment": exp.name, "surface": exp.surface.name, "optimizer": opt.name,
            "label": label, **{k: format_value(v) for k, v in opt.hyperparams.items()},
            "tuned": tuned or "", "start": " ".join(f"{v:.4g}" for v in start),
            "end": " ".join(f"{v:.4g}" for v in ends.points[j]),
            "final_loss": f"{ends.losses[j]:.6g}",
            "reached": api.reached(exp.surface, ends.points[j]),
            "distance": "" if minimum is None else f"{dist:.4g}",
            "steps": exp.steps or exp.surface.steps or api.DEFAULT_STEPS,
            "steps_to_tol": "" if ends.steps_to_tol[j] < 0 else int(ends.steps_to_tol[j]),
            "status": str(ends.status[j])}


def to_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, SUMMARY_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def to_markdown(rows: list[dict]) -> str:
    cols = ["experiment", "label", "tuned", "start", "end", "final_loss", "reached", "distance",
            "steps", "steps_to_tol", "status"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    lines += ["| " + " | ".join(str(r.get(c, "")) for c in cols) + " |" for r in rows]
    return "# Batch summary\n\n" + "\n".join(lines) + "\n"


def run_batch(experiments, out_dir, jobs: int = 1, progress=None):
    """Run every experiment (``jobs`` processes); write the summaries; (rows, files, errors)."""
    from .io import check_writable, write_text_atomic

    out_dir = Path(out_dir)
    check_writable(out_dir / "summary.csv")
    total = total_runs(experiments)
    done, outcomes = 0, []
    if jobs > 1 and len(experiments) > 1:
        import multiprocessing

        with multiprocessing.get_context("spawn").Pool(min(jobs, len(experiments))) as pool:
            pending = [pool.apply_async(run_experiment, (e, out_dir)) for e in experiments]
            for exp, job in zip(experiments, pending, strict=True):
                outcomes.append(job.get())
                done += len(exp.specs) * exp.n_starts()
                if progress:
                    progress(done, total)
    else:
        for exp in experiments:
            outcomes.append(run_experiment(exp, out_dir))
            done += len(exp.specs) * exp.n_starts()
            if progress:
                progress(done, total)
    rows = [r for o in outcomes for r in o[0]]
    files = [f for o in outcomes for f in o[1]]
    errors = [(e.name, o[2]) for e, o in zip(experiments, outcomes, strict=True) if o[2]]
    write_text_atomic(out_dir / "summary.csv", to_csv(rows))
    write_text_atomic(out_dir / "summary.md", to_markdown(rows))
    return rows, files, errors
