"""Making runs: settings checked once, optimizer specs resolved on a surface, one engine call per
optimizer, and the runs gathered into a ``Result``. Every study builds on this.

Runs are numbered optimizer-major in the order given. Run (i, j) — optimizer i from start j —
draws its noise from the stream keyed (i, j), so adding a start or an optimizer leaves every other
run as it was.
"""

from __future__ import annotations

import math
import numbers
import os
from dataclasses import asdict, dataclass, replace
from functools import partial

import numpy as np

from .. import engine, optimizers, surfaces
from ..core.errors import InputError
from ..core.limits import check_network_work, check_paths, check_steps
from ..core.names import count, suggest
from ..core.specs import OptSpec, parse_opt, parse_point
from ..optimizers import Optimizer, foreign, schedules
from ..plane_kinds import PLANES
from ..results import Result, Run, check_hyperparameter_names, point_text, short
from ..surfaces import Surface
from . import slices

DEFAULT_STEPS = 200
DEFAULT_TOL = 1e-6


@dataclass(frozen=True, kw_only=True)
class Settings:
    """How runs are stepped; checked when made, so bad values never reach the engine."""

    steps: int | None = None  # None: the surface's default, else DEFAULT_STEPS
    lr: float | None = None  # for every optimizer whose spec sets none
    noise: float = 0.0  # std. dev. of Gaussian noise added to every gradient
    seed: int = 0
    tol: float | None = DEFAULT_TOL  # None or 0: never converged
    patience: int | None = None
    schedule: str | None = None  # a learning-rate schedule for every optimizer
    batch_size: int | None = None  # a data surface's minibatch rows (None: all of them)
    plane: str | None = None  # a network's runs are drawn on this plane (None: its file's)

    def __post_init__(self):
        if self.steps is not None and (not _whole(self.steps) or self.steps < 1):
            raise InputError(f"Invalid steps: {self.steps!r} (must be a whole number >= 1)")
        if self.steps is not None:
            check_steps(self.steps)
        if self.lr is not None and not (_real(self.lr) and self.lr > 0):
            raise InputError(f"Invalid learning rate: {self.lr} (must be > 0)")
        if not (_real(self.noise) and self.noise >= 0):
            raise InputError(f"Invalid noise: {self.noise} (must be >= 0)")
        if not _whole(self.seed) or self.seed < 0:
            raise InputError(f"Invalid seed: {self.seed!r} (must be a whole number >= 0)")
        if self.tol is not None and not (_real(self.tol) and self.tol >= 0):
            raise InputError(f"Invalid tol: {self.tol} (must be >= 0; 0 turns convergence "
                             f"checks off)")
        if self.patience is not None and (not _whole(self.patience) or self.patience < 1):
            raise InputError(f"Invalid patience: {self.patience!r} (must be a whole number >= 1)")
        if self.schedule is not None:
            object.__setattr__(self, "schedule", str(schedules.parse_schedule(self.schedule)))
        if self.batch_size is not None and (not _whole(self.batch_size) or self.batch_size < 1):
            raise InputError(f"Invalid batch size: {self.batch_size!r} (must be a whole number "
                             f">= 1)")
        if self.plane is not None and (not isinstance(self.plane, str)
                                       or self.plane not in PLANES):
            raise InputError(f"Invalid plane: {self.plane!r} (one of {', '.join(PLANES)})")

    def batch_for(self, opt: Optimizer) -> int | None:
        """An optimizer's batch size: its spec's own ``batch_size=``, else the setting's."""
        return opt.hyperparams.get("batch_size", self.batch_size)

    def check_batches(self, surface: Surface) -> None:
        """The batch size for every optimizer fits ``surface`` (a spec's own ``batch_size=`` is
        checked where the spec is resolved)."""
        if self.batch_size is not None:
            check_batch(surface, self.batch_size)

    def check_plane(self, surface: Surface) -> None:
        """A plane is where a network's runs are drawn; a surface in x and y has none."""
        if self.plane is not None and not slices.is_network(surface):
            raise InputError(f"--plane {self.plane} slices a network's parameters; "
                             f"{surface.name!r} is drawn in its own {surface.dims} variables. "
                             f"Use a network surface such as 'moons-net', or drop --plane.")

    def steps_for(self, surface: Surface) -> int:
        return self.steps or surface.steps or DEFAULT_STEPS

    def as_dict(self) -> dict:
        return asdict(self)


def check_batch(surface: Surface, size: int, optimizer: str | None = None) -> None:
    """A batch size needs a loss over data, and no more rows than it trains on; ``optimizer``
    names the spec that set it (``sgd:batch_size=8``), else it is everyone's."""
    what = f"Batch size {size}" if optimizer is None else f"{optimizer}: batch_size={size}"
    rows = getattr(surface, "training_rows", None)
    if rows is None:
        raise InputError(f"{what} needs a loss over data; {surface.name!r} is a formula (its "
                         f"gradient has no rows to sample). Use a data surface such as 'cars', "
                         f"or --noise for noisy gradients.")
    if size > rows:
        raise InputError(f"{what} is larger than the {rows:,} training rows of "
                         f"{surface.name!r}; use at most {rows}.")


def _whole(value) -> bool:
    """A whole number (numpy's integers too), not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


def _real(value) -> bool:
    """A finite real number (numpy's too), not a bool."""
    return (isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)
            and math.isfinite(value))


DEFAULTS = Settings()


def load_surface(spec, surfaces_dir=()) -> Surface:
    """A surface by name or path (or passed through), its per-optimizer learning rates checked."""
    if callable(spec) and not isinstance(spec, Surface):
        raise InputError("A loss written in Python needs its box: adamviz.Surface."
                         "from_function(f, xlim=(a, b), ylim=(c, d)), then pass that.")
    if not isinstance(spec, Surface | str | os.PathLike):
        raise InputError(f"A surface is a name, a path to a .toml file or a Surface, got "
                         f"{spec!r}.")
    surface = spec if isinstance(spec, Surface) else surfaces.load(spec, surfaces_dir)
    for name in surface.lr:
        if not optimizers.known(name):
            raise InputError(f"{surface.source}: lr.{name}: unknown optimizer"
                             f"{suggest(name, optimizers.names())}")
    surface.checked  # noqa: B018  (the numeric checks, once per surface)
    return surface


def optimizer_list(opts) -> list:
    """``opts`` as a list: one spec or optimizer alone is a list of one; None is Adam."""
    if opts is None:
        return ["adam"]
    if isinstance(opts, str | OptSpec | Optimizer) or foreign.is_foreign(opts):
        return [opts]
    return list(opts)


def spec_of(item) -> OptSpec | Optimizer:
    """A spec (text or ``OptSpec``), an ``Optimizer``, or any object with optax-style init
    and update (``optimizers.foreign``)."""
    if isinstance(item, OptSpec | Optimizer):
        return item
    if foreign.is_foreign(item):
        opt = foreign.wrap(item)
        if optimizers.known(opt.name) or opt.name.endswith(".toml") or "/" in opt.name:
            # a label must say which optimizer ran: never a built-in's, a file's or a path
            raise InputError(f"A Python optimizer named {opt.name!r} would pass for another "
                             f"optimizer or a file; give it a name of its own (its name "
                             f"attribute), e.g. 'my_sign'.")
        return opt
    return parse_opt(item)


def resolve(item, surface: Surface, lr: float | None = None,
            schedule=None) -> tuple[Optimizer, str]:
    """The optimizer for a spec on a surface, and its label.

    Learning rate, most specific first: the spec's own ``lr=``, then ``lr`` (the --lr flag), then
    the surface file's default for this optimizer, then torch's default. ``clip_norm=`` and
    ``clip_value=`` in a spec clip its gradient; ``batch_size=`` takes its gradient on that
    many rows of a data surface (``Settings.batch_size`` for every spec); ``schedule``
    (``cosine:T_max=200``) moves its lr (``optimizers.schedules``). An ``Optimizer`` object is
    used as it is.
    """
    spec = spec_of(item)
    if isinstance(spec, Optimizer):
        check_hyperparameter_names(spec.hyperparams, spec.name)
        return spec, label(spec)
    hyper = dict(spec.hyperparams)
    clip = {k: hyper.pop(k) for k in ("clip_norm", "clip_value") if k in hyper}
    batch = hyper.pop("batch_size", None)
    if "lr" not in hyper:
        if lr is not None:
            hyper["lr"] = lr
        elif spec.name in surface.lr:
            hyper["lr"] = surface.lr[spec.name]
    schedule = schedules.parse_schedule(schedule)
    if schedule is None:
        opt = optimizers.make(spec.name, **hyper)
    else:
        full = dict(optimizers.make(spec.name, **hyper).hyperparams)
        opt = schedules.scheduled(partial(optimizers.make, spec.name), full, schedule)
    if clip:
        opt = schedules.clipped(opt, **clip)
    if batch is not None:  # checked here, as every caller resolves its specs before running
        opt = schedules.batched(opt, batch)
        check_batch(surface, opt.hyperparams["batch_size"], opt.name)
    check_hyperparameter_names(opt.hyperparams, opt.name)
    return opt, label(opt, set(spec.hyperparams))


def hyperparameter_names(surface: Surface, opts, settings: Settings = DEFAULTS) -> list[str]:
    """Every hyperparameter the runs of ``opts`` will have (the columns they add to exports and
    results databases), known before anything runs."""
    return list(dict.fromkeys(
        k for item in optimizer_list(opts)
        for k in resolve(item, surface, settings.lr, settings.schedule)[0].hyperparams))


def label(opt: Optimizer, given=()) -> str:
    """The name, lr (it decides what a picture shows), every hyperparameter the spec set
    (``given``: a swept ``beta1=0.9`` shows even though it is the default, so two runs of a
    sweep never read the same) and whatever else differs from torch's defaults, e.g.
    ``adam (lr=0.3, beta1=0.8)``."""
    defaults = optimizers.defaults(opt.name) if optimizers.known(opt.name) else {}
    shown = {k: v for k, v in opt.hyperparams.items()
             if k in ("lr", "schedule") or k in given or v != defaults.get(k, v)}
    body = ", ".join(f"{k}={short(v)}" for k, v in shown.items())
    return f"{opt.name} ({body})" if body else opt.name


def starts_of(surface: Surface, starts) -> np.ndarray:
    """Start points as an (N, D) array; default the surface's start. One point alone (a tuple,
    a 1-D array, an "x,y" string) is one start."""
    if isinstance(starts, str) or (starts is not None and np.ndim(starts) == 1 and len(starts)
                                   and all(isinstance(v, numbers.Real) for v in starts)):
        starts = [starts]
    if starts is None or (np.ndim(starts) > 0 and len(starts) == 0):
        starts = [surface.default_start]
    if np.ndim(starts) == 0:
        raise InputError(f"Starts are points such as [(-2, 1)] or one point (-2, 1), got "
                         f"{starts!r}.")
    if slices.is_network(surface) and any(isinstance(s, str) for s in starts):
        raise InputError(f"{surface.name!r} is a network: its runs start from its "
                         f"initialisation (init_seed in its file), all {surface.dims:,} "
                         f"parameters; drop --start, or copy the file with another init_seed.")
    rows = [parse_point(s, surface.dims) if isinstance(s, str) else _point_of(s) for s in starts]
    lo, hi = engine.escape_box(surface)
    for row in rows:
        if len(row) != surface.dims or not all(_real(v) for v in row):
            raise InputError(f"Start {row} must be {surface.dims} finite numbers for "
                             f"{surface.name}.")
        if any(not a <= v <= b for v, a, b in zip(row, lo, hi, strict=True)):
            raise InputError(f"Start {point_text(row)} is far outside {surface.name}'s box "
                             f"({_box_text(surface)}); a start must lie within "
                             f"{engine.DIVERGE_FACTOR:g} box sizes of it.")
    points = np.array(rows, dtype=float)
    values = surface.loss(points)
    for row, value in zip(rows, values, strict=True):
        if not np.isfinite(value):  # a run cannot start where the loss is not defined
            raise InputError(f"Start {point_text(row)} is where {surface.name}'s loss is not "
                             f"defined ({value}); give another start (--start, or `start` in "
                             f"the surface file).")
    return points


def _point_of(item) -> tuple:
    try:
        return tuple(item)
    except TypeError:
        raise InputError(f"A start is a point such as (-2, 1) or \"-2,1\", got {item!r}.") \
            from None


def _box_text(surface: Surface) -> str:
    return ", ".join(f"{axis} in [{lo:g}, {hi:g}]"
                     for axis, (lo, hi) in zip("xy", surface.box, strict=False))


def config(surface: Surface, opts, starts, settings: Settings, grid=None, **extra) -> dict:
    """Everything that decides a set of runs, as plain data (what a results database hashes to
    know whether an experiment was already made): the surface, every optimizer with all its
    hyperparameters resolved, the starts (points, the default start for None, or a ``grid``
    over the box) and the settings, and ``extra`` (the experiment's name, tuning)."""
    return {
        "surface": surface.identity(),
        "optimizers": [[opt.name, dict(opt.hyperparams), *([opt.definition] if opt.definition
                                                            else [])]
                       for opt, _ in (resolve(o, surface, settings.lr, settings.schedule)
                                      for o in optimizer_list(opts))],
        "starts": {"grid": grid} if grid is not None else starts_of(surface, starts).tolist(),
        "settings": {**settings.as_dict(), "steps": settings.steps_for(surface)},
        **extra,
    }


def make_runs(surface, opts=("adam",), starts=None, settings: Settings = DEFAULTS, *,
              monitor=None, tuned=None, surfaces_dir=(), labels=(), colors=(),
              on_plane: bool = True) -> Result:
    """Run every optimizer spec from every start; ``tuned`` maps an optimizer's position to the
    ``Tuning`` that chose its learning rate (its label says so). ``labels`` and ``colors``
    name and colour the optimizers' runs, in the order of ``opts`` (None or missing: the
    made-up label, the optimizer's colour). A network's runs come back on one plane
    (``slices.py``), or with ``on_plane=False`` in its full dimension (for a caller that puts
    several results on one plane)."""
    if tuned is not None and not isinstance(tuned, dict):
        raise InputError(f"tuned maps an optimizer's position to its Tuning (what tune() "
                         f"returns), got {tuned!r}.")
    surface = load_surface(surface, surfaces_dir)
    points = starts_of(surface, starts)
    specs = [spec_of(o) for o in optimizer_list(opts)]
    if not specs:
        raise InputError("No optimizer given; name at least one, e.g. --opt adam.")
    # every spec is checked before anything runs
    resolved = [resolve(s, surface, settings.lr, settings.schedule) for s in specs]
    labels, colors = own_looks(labels, colors, len(specs))
    settings.check_batches(surface)
    settings.check_plane(surface)
    if monitor is None and getattr(surface, "has_validation", False):
        monitor = surface.validation_loss  # the loss on the held-out rows, recorded each step
    steps = settings.steps_for(surface)
    check_paths(len(resolved) * len(points), steps, surface.dims)
    if slices.is_network(surface):
        check_network_work(len(points) * len(resolved), steps, max(
            settings.batch_for(opt) or surface.training_rows for opt, _ in resolved), surface.dims)
    runs: list[Run] = []
    for i, (opt, name) in enumerate(resolved):
        out = engine.run(surface, opt, points, steps, noise=settings.noise, seed=settings.seed,
                         keys=[(i, j) for j in range(len(points))], tol=settings.tol or None,
                         patience=settings.patience, monitor=monitor,
                         batch_size=settings.batch_for(opt))
        tuning = (tuned or {}).get(i)
        for j in range(len(points)):
            text = (labels[i] or name) + (f" from {point_text(points[j])}"
                                          if len(points) > 1 else "")
            if tuning is not None:
                text += f" tuned by {tuning.criterion}"
            runs.append(_run(out, j, index=len(runs) + 1, optimizer=opt, label=text,
                             tuned="" if tuning is None else tuning.describe(),
                             color=colors[i], own_label=labels[i]))
    result = Result(surface=surface, runs=tuple(runs),
                    settings=dict({**settings.as_dict(), "steps": steps}))
    return slices.on_plane(result, settings.plane, seed=settings.seed) \
        if on_plane and slices.is_network(surface) else result


def rerun(result: Result, surface: Surface) -> Result:
    """``result``'s runs made again on another ``surface``: the same optimizers with the same
    hyperparameters, starts and settings, and the same labels (one legend serves both)."""
    settings = Settings(**{k: result.settings.get(k) for k in ("steps", "noise", "seed", "tol")})
    unique = list(dict.fromkeys(tuple(map(float, r.start)) for r in result.runs))
    # Runs are made optimizer by optimizer, each from every start in turn.
    specs = [OptSpec(name=r.optimizer, hyperparams=dict(r.hyperparams))
             for r in result.runs[::len(unique)]]
    again = make_runs(surface, specs, unique, settings)
    return replace(again, runs=tuple(replace(new, label=old.label, color=old.color,
                                             own_label=old.own_label)
                                     for new, old in zip(again.runs, result.runs, strict=True)))


MAX_LABEL = 120  # characters: a label is one line of a legend


def own_looks(labels, colors, optimizers: int) -> tuple[list, list]:
    """``labels`` and ``colors`` checked against ``optimizers`` and padded with None: a label
    is one line of text; a colour is text too (the renderer checks that it names one)."""
    for what, values in (("label", labels), ("color", colors)):
        if isinstance(values, str) or not isinstance(values, list | tuple):
            raise InputError(f"{what}s are a list, one per optimizer in order, got {values!r}.")
        if len(values) > optimizers:
            raise InputError(f"{count(len(values), what)} for {count(optimizers, 'optimizer')}: "
                             f"give at most one {what} per optimizer, in their order.")
        for value in values:
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise InputError(f"A {what} is text, got {value!r}.")
    for label in labels:
        if label is not None and (len(label) > MAX_LABEL or "\n" in label):
            raise InputError(f"A label is one line of at most {MAX_LABEL} characters; "
                             f"{label[:40]!r}... has {len(label):,}.")
    pad = [None] * optimizers
    return [*labels, *pad][:optimizers], [*colors, *pad][:optimizers]


def _run(out: engine.Outcome, j: int, *, index: int, optimizer: Optimizer, label: str,
         tuned: str, color=None, own_label=None) -> Run:
    paths, n = out.paths, int(out.steps[j]) + 1
    return Run(index=index, optimizer=optimizer.name, hyperparams=optimizer.hyperparams,
               label=label, points=paths.points[:n, j].copy(), losses=paths.losses[:n, j].copy(),
               status=out.status[j], steps=n - 1, best_step=int(out.best_step[j]),
               monitor=None if paths.monitor is None else paths.monitor[:n, j].copy(),
               effective_lr=paths.effective_lr[:n, j].copy(),
               gradients=paths.gradients[:n, j].copy(),
               quantities=dict({k: v[:n, j].copy()
                                            for k, v in paths.quantities.items()}),
               tuned=tuned, source=optimizer.source, color=color, own_label=own_label,
               batch_rows=None if paths.batch_rows is None else paths.batch_rows[:n, j].copy(),
               batch_losses=None if paths.batch_losses is None
               else paths.batch_losses[:n, j].copy())
