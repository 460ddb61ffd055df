"""The library's front door: load a surface, run optimizers, draw and export the result.

    import adamviz
    result = adamviz.run("hump", ["sgd", "momentum", "adam"])
    print(result.table())
    adamviz.save_plot(result, "hump.png")

Everything the CLI does goes through these functions; none of them imports click.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import engine, optimizers, surfaces
from .errors import InputError
from .specs import OptSpec, format_value, parse_opt, parse_point
from .surfaces import Surface

DEFAULT_STEPS = 200
DEFAULT_TOL = 1e-6


@dataclass
class Run:
    """One optimizer from one start: its path and how it ended."""

    index: int  # 1-based, in the order of the flags
    optimizer: str
    hyperparams: dict  # every hyperparameter, defaults filled in
    label: str
    points: np.ndarray  # (steps+1, D)
    losses: np.ndarray  # (steps+1,)
    status: str
    steps: int
    best_step: int
    monitor: np.ndarray | None = None
    effective_lr: np.ndarray | None = None  # (steps+1, D); row 0 is NaN
    gradients: np.ndarray | None = None  # (steps+1, D): the gradient step k used; row 0 NaN
    quantities: dict = field(default_factory=dict)  # the optimizer's trace, name -> (steps+1, D)

    @property
    def start(self) -> np.ndarray:
        return self.points[0]

    @property
    def end(self) -> np.ndarray:
        return self.points[-1]

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])


@dataclass
class Result:
    surface: Surface
    runs: list[Run]
    settings: dict = field(default_factory=dict)

    def nearest_minimum(self, run: Run) -> tuple[surfaces.Minimum | None, float]:
        """The listed minimum closest to the run's end, and the distance to it."""
        return nearest_minimum(self.surface, run.end)

    def reached(self, run: Run, radius: float | None = None) -> str:
        """'global', 'local' or 'none': the kind of minimum the run ended at (within radius)."""
        return reached(self.surface, run.end, radius)

    def table(self) -> str:
        """A plain-text table: label, start, end, final loss, steps, status, nearest minimum."""
        header = ["#", "label", "start", "end", "final loss", "steps", "status", "nearest minimum"]
        rows = []
        for run in self.runs:
            m, dist = self.nearest_minimum(run)
            near = "-" if m is None else f"{m.kind} {_point(m.point)} at {dist:.3g}"
            rows.append([str(run.index), run.label, _point(run.start), _point(run.end),
                         f"{run.final_loss:.6g}", str(run.steps), run.status, near])
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                 for r in [header, *rows]]
        return "\n".join(lines)

    def summary_lines(self) -> list[str]:
        """One line per run, for a quick report on the terminal."""
        out = []
        for run in self.runs:
            m, dist = self.nearest_minimum(run)
            near = "" if m is None else f", {dist:.3g} from the {m.kind} minimum {_point(m.point)}"
            out.append(f"run {run.index} {run.label}: {run.status} after {run.steps} steps at "
                       f"{_point(run.end)}, loss {run.final_loss:.6g}{near}")
        return out


def nearest_minimum(surface: Surface, point) -> tuple[surfaces.Minimum | None, float]:
    """The listed minimum of ``surface`` closest to ``point``, and the distance to it."""
    best, dist = None, math.inf
    for m in surface.minima:
        d = float(np.linalg.norm(np.asarray(point) - np.array(m.point)))
        if d < dist:
            best, dist = m, d
    return best, dist


def reached(surface: Surface, point, radius: float | None = None) -> str:
    """'global', 'local' or 'none': the kind of minimum ``point`` is at (within ``radius``,
    by default 5% of the box's larger side)."""
    if radius is None:
        radius = 0.05 * max(hi - lo for lo, hi in surface.box)
    m, dist = nearest_minimum(surface, point)
    return m.kind if m is not None and dist <= radius else "none"


def _point(p) -> str:
    return "(" + ", ".join(f"{float(v):.4g}" for v in p) + ")"


def load_surface(spec: str | Surface, surfaces_dir=()) -> Surface:
    """A ``Surface`` by built-in name, user-folder name or ``.toml`` path (or pass one through).

    Also checks that the file's per-optimizer learning rates name real optimizers.
    """
    surface = spec if isinstance(spec, Surface) else surfaces.load(spec, surfaces_dir)
    for name in surface.lr:
        if name not in optimizers.OPTIMIZERS:
            raise InputError(f"{surface.source}: lr.{name}: unknown optimizer"
                             f"{surfaces.suggest(name, optimizers.OPTIMIZERS)}")
    return surface


def resolve_optimizer(spec: str | OptSpec, surface: Surface, lr: float | None = None):
    """The optimizer for a spec on a surface, and its label.

    Learning rate, most specific first: the spec's own ``lr=``, then ``lr`` (the --lr flag), then
    the surface file's default for this optimizer, then torch's default.
    """
    spec = parse_opt(spec) if isinstance(spec, str) else spec
    hyper = dict(spec.hyperparams)
    if "lr" not in hyper:
        if lr is not None:
            hyper["lr"] = lr
        elif spec.name in surface.lr:
            hyper["lr"] = surface.lr[spec.name]
    opt = optimizers.make(spec.name, **hyper)
    torch_defaults = optimizers.defaults(spec.name)
    # The label always states lr (it decides what a picture shows), then whatever else differs
    # from torch's defaults.
    shown = {k: v for k, v in opt.hyperparams.items() if k == "lr" or v != torch_defaults[k]}
    label = f"{spec.name} (" + ", ".join(f"{k}={_short(v)}" for k, v in shown.items()) + ")"
    return opt, label


def _short(value) -> str:
    """A hyperparameter for a label: three significant digits are enough to read."""
    return f"{value:.3g}" if isinstance(value, float) else format_value(value)


def run(surface: str | Surface, opts=("adam",), starts=None, *, steps: int | None = None,
        lr: float | None = None, noise: float = 0.0, seed: int = 0,
        tol: float | None = DEFAULT_TOL, patience: int | None = None, surfaces_dir=(),
        monitor=None) -> Result:
    """Run every optimizer spec from every start on a surface.

    ``opts`` are specs like ``"adam"`` or ``"adam:lr=0.05,beta1=0.8"`` (or ``OptSpec``);
    ``starts`` are points (tuples or ``"x,y"`` strings), default the surface's start. Each
    optimizer with each start is one run, numbered optimizer-major in the order given. All starts
    of one optimizer run together as one vectorized batch.
    """
    surface = load_surface(surface, surfaces_dir)
    steps = (surface.steps or DEFAULT_STEPS) if steps is None else steps
    _check_run_settings(steps, lr, noise, tol, patience)
    points = _starts(surface, starts)
    specs = [parse_opt(o) if isinstance(o, str) else o for o in opts]
    if not specs:
        raise InputError("No optimizer given; name at least one, e.g. --opt adam.")
    resolved = [resolve_optimizer(s, surface, lr) for s in specs]  # validate all before running

    runs: list[Run] = []
    multi_start = len(points) > 1
    for opt, label in resolved:
        traj = engine.optimize(surface, opt, points, steps, noise=noise, seed=seed, tol=tol,
                               patience=patience, monitor=monitor, record_lr=True,
                               record_trace=True)
        for i in range(traj.n_runs):
            run_label = f"{label} from {_point(points[i])}" if multi_start else label
            runs.append(Run(index=len(runs) + 1, optimizer=opt.name,
                            hyperparams=dict(opt.hyperparams), label=run_label,
                            points=traj.path(i), losses=traj.loss_path(i),
                            status=traj.status[i], steps=int(traj.steps[i]),
                            best_step=int(traj.best_step[i]),
                            monitor=None if traj.monitor is None
                            else traj.monitor[: traj.steps[i] + 1, i],
                            effective_lr=traj.effective_lr[: traj.steps[i] + 1, i],
                            gradients=traj.gradients[: traj.steps[i] + 1, i],
                            quantities={k: v[: traj.steps[i] + 1, i]
                                        for k, v in traj.quantities.items()}))
    settings = {"steps": steps, "lr": lr, "noise": noise, "seed": seed, "tol": tol,
                "patience": patience}
    return Result(surface=surface, runs=runs, settings=settings)


def _check_run_settings(steps, lr, noise, tol, patience) -> None:
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise InputError(f"Invalid steps: {steps} (must be a whole number >= 1)")
    if lr is not None and not (math.isfinite(lr) and lr > 0):
        raise InputError(f"Invalid learning rate: {lr} (must be > 0)")
    if not (math.isfinite(noise) and noise >= 0):
        raise InputError(f"Invalid noise: {noise} (must be >= 0)")
    if tol is not None and not (math.isfinite(tol) and tol >= 0):
        raise InputError(f"Invalid tol: {tol} (must be >= 0; 0 turns convergence checks off)")
    if patience is not None and (isinstance(patience, bool) or not isinstance(patience, int)
                                 or patience < 1):
        raise InputError(f"Invalid patience: {patience} (must be a whole number >= 1)")


def _starts(surface: Surface, starts) -> np.ndarray:
    if not starts:
        return np.array([surface.default_start], dtype=float)
    rows = [parse_point(s, surface.dims) if isinstance(s, str) else tuple(s) for s in starts]
    for row in rows:
        if len(row) != surface.dims:
            raise InputError(f"Start {row} has {len(row)} coordinates; {surface.name} needs "
                             f"{surface.dims}.")
    return np.array(rows, dtype=float)


def default_output(result: Result, folder: str | Path = "outputs", suffix: str = ".png") -> Path:
    """``outputs/<surface>-<optimizers>.png`` (each optimizer named once, in order)."""
    names = list(dict.fromkeys(run.optimizer for run in result.runs))
    return Path(folder) / f"{result.surface.name}-{'-'.join(names)}{suffix}"


def plot(result: Result, ax=None, view: str = "contour", title: str | None = None,
         legend: bool = True):
    """Draw one view of ``result`` at its last step on ``ax`` (a new figure if None).

    Returns the panel, whose attributes hold the artists (e.g. ``panel.lines``) for inspection
    or restyling. Views: contour, 3d (needs an Axes with projection="3d"), profile, loss, steps.
    """
    from .render.figure import make_panel, new_figure, run_labels
    from .render.panels import legend_handles

    (view,) = check_views(result, [view])
    if ax is None:
        ax = new_figure().add_subplot(projection="3d" if view == "3d" else None)
    panel = make_panel(view, ax, result, title=title)
    panel.show([run.steps for run in result.runs])
    if legend:
        handles = legend_handles(result, run_labels(result),
                                 minima=view in ("contour", "3d", "profile"))
        panel.legend = ax.legend(handles=handles, fontsize=9, framealpha=0.9)
    return panel


def check_views(result_or_surface, views) -> list[str]:
    """Validate a view list (``"contour,loss"`` or a sequence) for a surface."""
    from .render.viewdata import parse_views

    surface = getattr(result_or_surface, "surface", result_or_surface)
    text = views if isinstance(views, str) else ",".join(views)
    try:
        return parse_views(text, surface.dims)
    except ValueError as exc:
        raise InputError(str(exc)) from None


def save_plot(result: Result, path: str | Path, views=("contour",), dpi: int = 120,
              title: str | None = None, elev: float = 35.0, azim: float = -60.0) -> Path:
    """Draw ``result`` (one panel per view, side by side) and save it; the suffix picks the
    format (png, svg, pdf)."""
    from .render.figure import save_still

    return save_still(result, path, check_views(result, views), dpi=dpi, title=title,
                      elev=elev, azim=azim)


def animate(result: Result, path: str | Path, views=("contour",), fps: float = 20,
            frames: int = 200, hold: float = 1.0, loop: bool = True, title: str | None = None,
            dpi: int = 100, elev: float = 35.0, azim: float = -60.0, progress=None):
    """Animate every run of ``result`` into ``path`` (.gif, or .mp4 with the video extra).

    Returns an ``AnimationInfo`` (frames, the fps it really plays at, size).
    """
    from .render.animate import render

    return render(result, path, check_views(result, views), fps=fps, max_frames=frames,
                  hold=hold, loop=loop, title=title, progress=progress, dpi=dpi, elev=elev,
                  azim=azim)


def export(result: Result, path: str | Path) -> Path:
    """Write the trajectories as CSV or JSON, chosen by the suffix."""
    from . import exports

    return exports.write(result, path)
