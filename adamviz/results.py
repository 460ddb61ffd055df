"""What runs produced, as immutable values: ``Run``, ``Result`` and one ``Summary`` row type.

Also the few judgements every study shares, each defined once here: which listed minimum a point
is nearest to and whether it got there (``REACH_FRACTION`` of the box), and how a table is laid
out for a terminal. Machine-readable exports live in ``exports.py``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields

import numpy as np

from .core.errors import InputError
from .core.names import count
from .core.specs import format_value
from .fair_rates import note as rate_note
from .run_records import data_record, json_number, plane_note, plane_record  # noqa: F401
from .surfaces import Minimum, Surface

REACH_FRACTION = 0.05  # a run "reaches" a minimum when it ends within 5% of the box's larger side


@dataclass(frozen=True, kw_only=True)
class Run:
    """One optimizer from one start: its path and how it ended."""

    index: int  # 1-based, in the order of the flags
    optimizer: str
    hyperparams: Mapping  # every hyperparameter, defaults filled in
    label: str
    points: np.ndarray  # (steps+1, D)
    losses: np.ndarray  # (steps+1,)
    status: str
    steps: int
    best_step: int
    monitor: np.ndarray | None = None  # (steps+1,) the held-out loss early stopping watched
    effective_lr: np.ndarray | None = None  # (steps+1, D); row 0 is NaN
    gradients: np.ndarray | None = None  # (steps+1, D): the gradient step k used; row 0 NaN
    quantities: Mapping = field(default_factory=dict)
    tuned: str = ""  # how the learning rate was chosen, when it was tuned
    source: str = ""  # the optimizer file the run used, when it was one
    color: str | None = None  # its own colour, when given one; else its optimizer's
    own_label: str | None = None  # the name given to its optimizer's runs, when one was
    batch_rows: np.ndarray | None = None  # (steps+1, B) step k's minibatch (training rows;
    # -1 pads a shorter batch, and row 0), when the gradient was taken on minibatches
    batch_losses: np.ndarray | None = None  # (steps+1,) the loss on step k's minibatch
    # On a network, drawn on a plane (``studies/slices.py``): ``points`` are plane coordinates
    off_plane: np.ndarray | None = None  # (steps+1,) distance of step k's point from the plane
    plane_losses: np.ndarray | None = None  # (steps+1,) the loss at step k's projection
    parameters: np.ndarray | None = None  # (steps+1, P) the run's full path

    @property
    def start(self) -> np.ndarray:
        return self.points[0]

    def __repr__(self) -> str:
        end = ", ".join(f"{float(v):.4g}" for v in self.end)
        return (f"Run({self.index}, {self.label!r}: {self.status} after "
                f"{count(self.steps, 'step')}, "
                f"end ({end}), loss {self.final_loss:.6g})")

    @property
    def end(self) -> np.ndarray:
        return self.points[-1]

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])

    def step_lengths(self) -> np.ndarray:
        """|x_k - x_{k-1}| for k = 1..steps."""
        return step_lengths(self.points)


def step_lengths(points: np.ndarray) -> np.ndarray:
    return np.linalg.norm(np.diff(points, axis=0), axis=1)


# How results show themselves in a notebook: (kind, "html" or "png") -> function. Drawing lives
# in a layer above this one, so the api fills this in (importing the renderer only when
# something is shown); until then objects show their repr. Each picture is one mime type.
DISPLAY: dict = {}


def shown(obj, kind: str, mime: str):
    """``obj`` (a result, basins, a sweep) as ``mime`` for a notebook, or None."""
    show = DISPLAY.get((kind, mime))
    return show(obj) if show else None


@dataclass(frozen=True, kw_only=True)
class Result:
    surface: Surface
    runs: tuple[Run, ...]
    settings: Mapping = field(default_factory=dict)

    def nearest_minimum(self, run: Run) -> tuple[Minimum | None, float]:
        return nearest_minimum(self.surface, run.end)

    def reached(self, run: Run) -> str | None:
        return reached(self.surface, run.end)

    def summaries(self, **extra) -> list[Summary]:
        return [Summary.of(self.surface, run, self.settings, **extra) for run in self.runs]

    def config(self) -> dict:
        """What was run, as plain data (a results database hashes it): the surface, each run's
        optimizer, hyperparameters and start, and the settings."""
        return {"surface": self.surface.identity(),
                "runs": [[r.optimizer, dict(r.hyperparams), list(map(float, r.start)), r.tuned]
                         for r in self.runs],
                "settings": dict(self.settings)}

    def paths(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Every run's (points, losses), in order."""
        return [(run.points, run.losses) for run in self.runs]

    def to_dict(self) -> dict:
        """Plain data (JSON-ready: NaN and infinity as None): the surface (name, expression,
        box, minima), the settings, and per run its optimizer, every hyperparameter, start,
        end, status, steps, points and losses."""
        surface = self.surface
        return {
            "surface": {
                "name": surface.name, "expression": surface.expr,
                "box": {"x": list(surface.xlim),
                        "y": list(surface.ylim) if surface.ylim else None},
                "minima": [{"at": list(m.point), "kind": m.kind} for m in surface.minima],
                **({"data": surface.data.identity()} if hasattr(surface, "data") else {}),
                **plane_record(surface),
            },
            "settings": dict(self.settings),
            "runs": [{
                "run": run.index, "optimizer": run.optimizer, "label": run.label,
                "color": run.color,
                "hyperparameters": dict(run.hyperparams),
                "start": list(map(float, run.points[0])), "end": list(map(float, run.points[-1])),
                "status": run.status, "steps": run.steps, "best_step": run.best_step,
                "final_loss": json_number(run.losses[-1]),
                "points": [[float(c) for c in p] for p in run.points],
                "losses": [json_number(v) for v in run.losses],
                **data_record(run),
            } for run in self.runs],
        }

    def to_frame(self, summary: bool = False):
        """A pandas DataFrame: a row per run per step (``run, optimizer, label, step, x, y,
        loss``, and on a loss over data ``validation_loss`` and ``batch_loss``), or with
        ``summary`` a row per run with the summary's columns. Needs pandas."""
        from .frames import frame

        return frame(self, summary)

    def __repr__(self) -> str:
        """Short: the surface and how each run ended (``table()`` has the rest)."""
        ends = "; ".join(f"{r.label}: {r.status} after {count(r.steps, 'step')}"
                         for r in self.runs[:4])
        more = f"; and {len(self.runs) - 4} more" if len(self.runs) > 4 else ""
        return f"Result({self.surface.name}, {count(len(self.runs), 'run')}: {ends}{more})"

    def _repr_html_(self) -> str | None:
        """The table and the picture (the picture only here, not again as PNG)."""
        return shown(self, "result", "html")

    def table(self) -> str:
        """A plain-text table: label, start, end, final loss, steps, status, nearest minimum;
        then its notes (``notes``)."""
        return "\n".join([format_table(*self.table_rows()), *self.notes()])

    def notes(self) -> list[str]:
        """What a reader must know to read the runs fairly: that the optimizers ran at
        different learning rates (``fair_rates``), and which point early stopping kept."""
        kept = [f"run {r.index} stopped early: the point kept is step {r.best_step}'s, "
                f"{point_text(r.points[r.best_step])}, where the "
                f"{'validation' if hasattr(self.surface, 'data') else 'held-out'} loss was "
                f"lowest ({r.monitor[r.best_step]:.6g}; {r.monitor[-1]:.6g} at the end)"
                for r in self.runs if r.status == "stopped early" and r.monitor is not None]
        return [text for text in [rate_note(self.surface, self.runs), *kept,
                                  plane_note(self.surface, self.runs)] if text]

    def table_rows(self) -> tuple[list[str], list[list[str]]]:
        """The table's header and rows of text, for any rendering of it."""
        header = ["#", "label", "start", "end", "final loss", "steps", "status", "nearest minimum"]
        rows = []
        for run in self.runs:
            m, dist = self.nearest_minimum(run)
            near = "-" if m is None else f"{m.kind} {point_text(m.point)} at {dist:.3g}"
            rows.append([str(run.index), run.label, point_text(run.start), point_text(run.end),
                         f"{run.final_loss:.6g}", str(run.steps), run.status, near])
        return header, rows


def nearest_minimum(surface: Surface, point) -> tuple[Minimum | None, float]:
    """The listed minimum of ``surface`` closest to ``point``, and the distance to it."""
    best, dist = None, math.inf
    for m in surface.minima:
        with np.errstate(invalid="ignore", over="ignore"):
            d = float(np.linalg.norm(np.asarray(point, dtype=float) - np.array(m.point)))
        if d < dist:
            best, dist = m, d
    return best, dist


def reach_radius(surface: Surface) -> float:
    return REACH_FRACTION * max(hi - lo for lo, hi in surface.box)


def reached(surface: Surface, point) -> str | None:
    """'global', 'local' or 'none': the kind of minimum ``point`` is at; None where the surface
    lists no minimum (a network's, a plane): whether a run found one is not known."""
    if not surface.minima:
        return None
    m, dist = nearest_minimum(surface, point)
    return m.kind if m is not None and dist <= reach_radius(surface) else "none"


def classify(surface: Surface, points: np.ndarray, diverged: np.ndarray) -> np.ndarray:
    """For each end point: the index of the listed minimum it reached, ``len(minima)`` if it
    diverged, ``len(minima) + 1`` if neither (vectorized ``reached``)."""
    minima = np.array([m.point for m in surface.minima], dtype=float).reshape(-1, surface.dims)
    n_min = len(minima)
    codes = np.full(len(points), n_min + 1)
    if n_min:
        with np.errstate(all="ignore"):  # diverged ends may be inf or nan
            dist = np.linalg.norm(points[:, None, :] - minima[None, :, :], axis=2)
        dist = np.where(np.isfinite(dist), dist, np.inf)
        nearest = np.argmin(dist, axis=1)
        close = np.take_along_axis(dist, nearest[:, None], axis=1)[:, 0] <= reach_radius(surface)
        codes[close] = nearest[close]
    codes[np.asarray(diverged, dtype=bool)] = n_min
    return codes


def _column(doc: str, **kw):
    return field(metadata={"doc": doc}, **kw)


@dataclass(frozen=True, kw_only=True)
class Summary:
    """One row of a summary: what a run was and how it ended, with exact numbers."""

    experiment: str = _column("the batch experiment (or sweep setting) the run belongs to",
                              default="")
    surface: str = _column("the surface's name")
    optimizer: str = _column("the optimizer's name")
    label: str = _column("the run's label, as in the legend")
    hyperparams: dict = _column("every hyperparameter of the optimizer, one column each "
                                "(defaults filled in)")
    tuned: str = _column("how the learning rate was tuned, when it was", default="")
    start: tuple = _column("start point: start_x, start_y")
    end: tuple = _column("end point: end_x, end_y")
    final_loss: float = _column("the loss at the end point")
    reached: str | None = _column("global, local or none: the listed minimum the run ended "
                                  "at (empty where the surface lists none)")
    distance: float | None = _column("distance from the end to the nearest listed minimum")
    steps: int = _column("steps taken")
    steps_to_tol: int | None = _column("the step the run converged at (step and gradient "
                                       "below tol), if it did")
    status: str = _column("converged, stopped early, diverged or max steps (failed for an "
                          "experiment that could not run)")
    error: str = _column("what went wrong, for an experiment that could not run (a column "
                         "only when one failed)", default="")

    @classmethod
    def of(cls, surface: Surface, run: Run, settings=None, experiment: str = "") -> Summary:
        minimum, dist = nearest_minimum(surface, run.end)
        return cls(experiment=experiment, surface=surface.name, optimizer=run.optimizer,
                   label=run.label, hyperparams=run.hyperparams, tuned=run.tuned,
                   start=tuple(map(float, run.start)), end=tuple(map(float, run.end)),
                   final_loss=run.final_loss, reached=reached(surface, run.end),
                   distance=None if minimum is None else dist, steps=run.steps,
                   steps_to_tol=run.steps if run.status == "converged" else None,
                   status=run.status)

    @classmethod
    def failed(cls, experiment: str, surface: str, detail: str) -> Summary:
        """The row of an experiment that failed while running: what went wrong in words."""
        return cls(experiment=experiment, surface=surface, optimizer="", label="",
                   hyperparams={}, start=(), end=(), final_loss=math.nan,
                   reached="", distance=None, steps=0, steps_to_tol=None, status="failed",
                   error=detail)

    def record(self) -> dict:
        """Columns for CSV and JSON: coordinates and hyperparameters in columns of their own."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "hyperparams":
                out.update(value)
            elif f.name in ("start", "end"):
                for axis, v in zip("xy", value, strict=False):
                    out[f"{f.name}_{axis}"] = v
            elif f.name != "error" or value:
                out[f.name] = value
        return out

    @classmethod
    def from_record(cls, record: Mapping, hyperparams: Mapping) -> Summary:
        """The summary ``record()`` was made from, given its hyperparameters in their order
        (a file or database keeps them apart to keep their order and types)."""
        values = {}
        for f in fields(cls):
            if f.name == "hyperparams":
                values[f.name] = dict(hyperparams)
            elif f.name in ("start", "end"):
                values[f.name] = tuple(record[f"{f.name}_{a}"] for a in "xy"
                                       if f"{f.name}_{a}" in record)
            else:
                values[f.name] = record.get(f.name, f.default)
        return cls(**values)


def check_hyperparameter_names(names, optimizer: str) -> None:
    """A hyperparameter is a column of summaries and exports beside the summary's own: a name
    that is one of those (``label``, ``steps``, ``start_x`` ...) would overwrite it."""
    own = set(summary_columns([])) | {"hyperparams"}
    for name in names:
        if name in own:
            raise InputError(f"{optimizer}: a hyperparameter may not be named {name!r}, a "
                             f"column every summary has; rename it.")


def summary_columns(summaries) -> list[str]:
    """Every column the rows have, in a stable order: the fixed ones, with every hyperparameter
    any row has (in the order first seen) after the label."""
    hyper: dict[str, None] = {}
    for s in summaries:
        hyper.update(dict.fromkeys(s.hyperparams))
    fixed = [f.name for f in fields(Summary)
             if f.name != "error" or any(s.error for s in summaries)]
    out = []
    for name in fixed:
        if name == "hyperparams":
            out += list(hyper)
        elif name in ("start", "end"):
            out += [f"{name}_x", f"{name}_y"]
        else:
            out.append(name)
    return out


def summary_markdown_table() -> str:
    lines = ["| column | meaning |", "| --- | --- |"]
    lines += [f"| `{f.name}` | {f.metadata['doc']} |" for f in fields(Summary)]
    return "\n".join(lines)


def point_text(p) -> str:
    return "(" + ", ".join(f"{float(v):.4g}" for v in p) + ")"


def short(value) -> str:
    """A hyperparameter for a label: three significant digits are enough to read."""
    return f"{value:.3g}" if isinstance(value, float) else format_value(value)


def format_table(header, rows) -> str:
    """Columns padded to their widest cell, two spaces apart."""
    rows = [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                     for r in [header, *rows])


# A tuned run's note ends with this when its lr is the grid's first or last (studies.tuning).
EDGE_NOTE = "at the edge of the grid: widen it to be sure"


def warnings(summaries, failed: bool = True) -> list[str]:
    """What a user should act on, one line each: a learning rate tuned to the edge of its grid
    (the best may lie beyond it), runs that diverged, and (with ``failed``) experiments that
    failed."""
    lines, seen = [], set()
    for s in summaries:
        where = f"{s.experiment}: " if s.experiment else ""
        if s.tuned and EDGE_NOTE in s.tuned and (s.experiment, s.label) not in seen:
            seen.add((s.experiment, s.label))
            lines.append(f"{where}{s.tuned.removesuffix(f' ({EDGE_NOTE})')}, {EDGE_NOTE}")
    diverged: dict[tuple[str, str], int] = {}
    for s in summaries:
        if s.status == "diverged":
            diverged[s.experiment, s.label] = diverged.get((s.experiment, s.label), 0) + 1
    for (experiment, label), n in diverged.items():
        lines.append(f"{experiment + ': ' if experiment else ''}{label}: {count(n, 'run')} "
                     f"diverged")
    if failed:
        lines += [f"{s.experiment}: failed: {s.error}" for s in summaries
                  if s.status == "failed"]
    return lines
