"""What the player draws and runs, as plain data for the page (``DATA`` in its script).

Every number the page shows or runs with is made here, by the library: the runs (a run the
browser can make again exactly is sent as its start and hyperparameters; any other as recorded,
with the reason it is), the optimizers a lecturer can add (every built-in and every file among
the runs, each with its declared hyperparameters and its values on this surface, as ``--opt
NAME`` would give them), the axes' ticks, the side view's curve, the colours of both themes and
what ``command()`` needs to write the ``adamviz run`` line that makes the same paths.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..core.errors import InputError
from ..engine import escape_box as engine_box
from . import plane, style
from .grid import nice_ticks
from .viewdata import side_view

MAX_RUNS = 48  # runs a page holds at most (added, or asked for by a link)
LIVE_WORK = 1_200_000  # steps the browser makes at once, over every live run (about 3 s)


def _pack(values, dtype: str) -> dict:
    """An array as base64 bytes (little-endian ``dtype``) and its shape: a tenth of the size
    of JSON numbers, which a recorded 10 runs x 1000 steps needs to stay under 1 MB."""
    import base64

    array = np.ascontiguousarray(values, dtype=dtype)
    return {"dtype": dtype[1:], "shape": list(array.shape),
            "data": base64.b64encode(array.tobytes()).decode()}


LIVE_DATA = 20_000  # numbers of a data set a page carries to run live (rows x columns used)


def data_values(surface) -> int:
    """How many numbers of its training rows a loss over data needs (0 for a formula)."""
    if not hasattr(surface, "data"):
        return 0
    return surface.training_rows * len(surface.data.formula.columns)


def has_program(surface) -> bool:
    """Whether the page can run the surface's loss and gradient: a formula's programs, or a
    loss over data small enough to carry with its programs (JavaScript can be made of them);
    not a loss written in Python."""
    if hasattr(surface, "data"):
        return data_values(surface) <= LIVE_DATA
    return hasattr(surface.derivatives.value_and_grad, "ops")


def optimizer_files(result) -> dict:
    """The optimizer files the page carries (name -> definition): the very file each run used
    (as it is now), then every built-in not already among them, so any can be added."""
    from ..optimizers import files

    found = {}
    for run in result.runs:
        if run.optimizer in found or not run.source:
            continue  # (a run made otherwise: a torch class, a package's, Python's)
        try:
            definition = files.load(run.source)
        except (InputError, OSError):
            continue
        if definition.name == run.optimizer:
            found[run.optimizer] = definition
    for name, path in files.builtin_files().items():
        if name not in found:
            found[name] = files.load(path)
    return found


def carried_files(result) -> dict:
    """The optimizer files the page needs: none when no run can be live (a recorded page plays
    back; adding a live run beside noisy ones would compare unlike things)."""
    if not has_program(result.surface):
        return {}
    found = optimizer_files(result)
    if any(recorded_because(run, result, found) is None for run in result.runs):
        return found
    return {}


def _spec_name(definition) -> str:
    """How ``--opt`` names this file in any shell: its name when it is the built-in of that
    name and no user folder shadows it, else its absolute path (a name found through
    $ADAMVIZ_OPTIMIZERS would need that variable where the command runs)."""
    from ..optimizers import files

    source = str(Path(definition.source).resolve())
    builtin = files.builtin_files().get(definition.name)
    found = files.find(definition.name)
    same = builtin is not None and found is not None and \
        str(Path(builtin).resolve()) == source == str(Path(found).resolve())
    return definition.name if same else source


def optimizer_entry(definition, surface) -> dict | None:
    """One optimizer as the page needs it: its controls (the declarations, as ``optimizers
    --json`` describes them), its values on this surface as ``--opt NAME`` gives them (the
    surface file's lr for it, else the default), the defaults labels compare with."""
    from .. import optimizers
    from ..optimizers import registry

    spec = _spec_name(definition)
    lr = {"lr": surface.lr[definition.name]} if definition.name in surface.lr else {}
    try:  # (a surface's lr outside the file's range: the file's own default then)
        opt = optimizers.make(spec, **lr)
    except InputError:
        try:
            opt = optimizers.make(spec)
        except InputError:
            return None
    fixed = definition.fixed or {}
    return {"spec": spec, "summary": definition.summary or "",
            "controls": [control(h) for h in definition.hyperparameters.values()
                         if h.name not in fixed],
            "values": _plain(opt.hyperparams),
            "labelDefaults": _plain(registry.defaults(opt.name))
            if registry.known(opt.name) else {}}


def control(h) -> dict:
    """A hyperparameter's control: its declaration as ``optimizers --json`` describes it, and
    its range as numbers (None: unbounded) for the page's checks."""
    r = h.range
    bounds = {"low": r.low if np.isfinite(r.low) else None, "lowOpen": r.low_open,
              "high": r.high if np.isfinite(r.high) else None, "highOpen": r.high_open}
    return {"name": h.name, **h.describe(), "bounds": bounds}


def _plain(hyperparams: dict) -> dict:
    return {k: v for k, v in hyperparams.items() if isinstance(v, bool | int | float)}


def recorded_because(run, result, carried: dict) -> str | None:
    """Why the browser cannot make ``run`` again, every reason that holds, in words a student
    reads (None: it can)."""
    settings, surface = result.settings, result.surface
    reasons = []
    steps, count = int(settings.get("steps") or 0), len(result.runs)
    if steps * count > LIVE_WORK:
        reasons.append(f"{count} run{'s' * (count > 1)} of {steps:,} steps are more than the "
                       f"{LIVE_WORK:,} steps a browser makes live at once")
    if plane.sliced(result):  # (its plane's loss is drawn, not run: nothing else to say)
        size = plane.parameter_count(result)
        reasons.append(f"the runs are on a {f'{size:,}-parameter ' if size else ''}network, "
                       f"replayed as recorded {plane.caption(result)}")
    elif hasattr(surface, "data") and not has_program(surface):
        reasons.append(f"the loss is over {surface.training_rows:,} rows of data "
                       f"({data_values(surface):,} numbers), more than the {LIVE_DATA:,} a page "
                       f"carries to run live")
    elif not has_program(surface):
        reasons.append("the loss is written in Python, which a browser cannot run")
    batch = run.hyperparams.get("batch_size") or settings.get("batch_size")
    if batch:
        reasons.append(f"each step's gradient is taken on a minibatch of {batch} rows drawn by "
                       f"numpy")
    if settings.get("noise"):
        reasons.append(f"the gradients carry random noise (σ = {settings['noise']:g}, seed "
                       f"{settings.get('seed', 0)}) drawn by numpy")
    if settings.get("patience"):
        watched = ("the validation loss" if getattr(surface, "has_validation", False) else
                   "a held-out loss" if run.monitor is not None else "the loss")
        reasons.append(f"the run stops early on {watched} (patience {settings['patience']}),"
                       f" which the player does not compute")
    if "schedule" in run.hyperparams:
        reasons.append(f"the learning rate follows a schedule ({run.hyperparams['schedule']})")
    clip = [k for k in run.hyperparams if k.startswith("clip_")]
    if clip:
        reasons.append(f"the gradient is clipped ({clip[0]}), which the player does not do")
    definition = carried.get(run.optimizer)
    if not run.source and not plane.sliced(result):
        reasons.append("the optimizer is not a rule file (a torch class or Python code)")
    elif reasons == [] and (definition is None or str(definition.source) != str(run.source)):
        reasons.append("the optimizer file is not one the page carries")
    return "; ".join(reasons) or None


def _shown_keys(label: str) -> list[str]:
    """The hyperparameters a label names (``adam (lr=0.3, beta1=0.9)``): a swept value shows
    even when it equals the default, and must go on showing when it moves."""
    inside = label[label.find("(") + 1:] if "(" in label else ""
    return re.findall(r"(?:^|, )(\w+)=", inside)


def run_entry(i: int, run, result, carried: dict, fade_scale: float | None) -> dict:
    reason = recorded_because(run, result, carried)
    entry = {"label": run.label, "optimizer": run.optimizer, "live": reason is None,
             "reason": reason, "status": run.status, "given": _shown_keys(run.label),
             "hyperparameters": _plain(run.hyperparams),
             "start": [float(v) for v in run.points[0]],
             # what the engine made: the page compares its own path with it (a browser's
             # cos or exp may differ from numpy's in the last bit, and chaos grows that)
             "engine": {"steps": len(run.points) - 1,
                        "end": [float(v) if np.isfinite(v) else None for v in run.points[-1]]},
             "spec": _run_spec(run), "heldOut": _given_held_out(run, result.surface),
             # a name and colour given to the run's optimizer (--label, --color) stay its own
             "named": run.own_label, "tuned": bool(run.tuned),
             "color": style.check_color(run.color) if run.color else None}
    if plane.sliced(result):  # gradients, rates and moments have P columns, not the plane's
        entry["alphas"] = fade_alphas(run, fade_scale)
        run = replace(run, gradients=None, effective_lr=None, quantities={})
    if reason is not None:  # as recorded, packed as float32: 7 digits, more than a screen shows
        entry["packed"] = {
            "points": _pack(run.points, "<f4"), "losses": _pack(run.losses, "<f4"),
            "grads": None if run.gradients is None else _pack(run.gradients, "<f4"),
            "rates": None if run.effective_lr is None else _pack(run.effective_lr, "<f4"),
            "quantities": {k: _pack(v, "<f4") for k, v in run.quantities.items()}}
    return entry


def fade_alphas(run, scale: float) -> dict:
    """Each step's alpha as the stills fade it off the plane (``plane.point_alphas`` at the
    result's ``fade_scale``, made once for all its runs), packed as whole hundredths in one
    byte each: the alphas come in steps of ``plane.FADE_STEP``, so a byte holds them exactly
    at a quarter of float32's size."""
    alphas = plane.point_alphas(run, scale)
    return _pack(np.rint(alphas * 100), "|u1")


def _given_held_out(run, surface) -> bool:
    """A held-out loss given in Python (``api.run``'s ``monitor``), which no flag of ``adamviz
    run`` makes; a data surface's validation loss is recorded by any run on it."""
    return run.monitor is not None and not getattr(surface, "has_validation", False)


def _run_spec(run) -> str | None:
    """What ``--opt`` takes for a recorded run's optimizer (None: no file makes it)."""
    from ..optimizers import files

    if not run.source:
        return None
    try:
        return _spec_name(files.load(run.source))
    except (InputError, OSError):
        return None


def surface_argument(surface) -> str | None:
    """What ``--surface`` takes to load this surface in any shell: its name when it is the
    built-in of that name and no user folder shadows it, else its absolute path; None for a
    surface made in Python (no file to name)."""
    from .. import surfaces

    if not surface.source or not Path(surface.source).is_file() \
            or any(ord(c) < 32 for c in surface.source):  # (a newline would split the line)
        return None
    source = str(Path(surface.source).resolve())
    builtin = surfaces.builtin_dir() / f"{surface.name}.toml"
    try:
        found = surfaces.available().get(surface.name)
    except InputError:
        found = None
    same = found is not None and str(builtin.resolve()) == source == str(Path(found).resolve())
    return surface.name if same else source


def _global_loss(surface) -> float | None:
    """The lowest listed minimum's loss: the loss panel draws loss - f* on a log scale."""
    points = [m.point for m in surface.minima if m.kind == "global"]
    if not points:
        return None
    value = float(np.min(surface.loss(np.array(points, dtype=float))))
    return value if np.isfinite(value) else None


def surface_entry(surface, box) -> dict:
    xs, lowest = side_view(surface, box, resolution=300)
    return {"name": surface.name, "description": surface.description, "formula": surface.expr,
            "axes": list(surface.axes),
            "argument": surface_argument(surface),
            "start": [float(v) for v in surface.default_start],
            "box": [list(map(float, b)) for b in box],
            "ticks": [nice_ticks(*map(float, b)).tolist() for b in box],
            "minima": [{"at": list(map(float, m.point)), "kind": m.kind}
                       for m in surface.minima],
            # (a curve to draw: 7 digits are more than a screen shows, half the bytes)
            "side": {"x": [float(f"{v:.7g}") for v in xs],
                     "loss": [float(f"{v:.7g}") if np.isfinite(v) else None for v in lowest]}}


def data(result, box, carried: dict | None = None, rate_maps: dict | None = None) -> dict:
    """Everything the page draws and runs (see the module's docstring); ``carried`` the
    optimizer files the page carries (``carried_files``, made once by the page); ``rate_maps``
    the rates panel's maps (optimizer name -> RateMap; none: no panel)."""
    surface, settings = result.surface, result.settings
    carried = carried_files(result) if carried is None else carried
    entries = {name: optimizer_entry(d, surface) for name, d in carried.items()}
    carried = {name: d for name, d in carried.items() if entries[name] is not None}
    scale = plane.fade_scale(result.runs) if plane.sliced(result) else None
    runs = [run_entry(i, run, result, carried, scale) for i, run in enumerate(result.runs)]
    live = [r for r in runs if r["live"]]
    reasons = list(dict.fromkeys(r["reason"] for r in runs if r["reason"]))
    lo, hi = engine_box(surface)  # where the engine calls a run diverged
    made = {"surface": surface_entry(surface, box),
            "settings": {"steps": int(settings.get("steps", 200)),
                         "tol": settings.get("tol") or 0, "noise": settings.get("noise") or 0,
                         "seed": int(settings.get("seed") or 0),
                         "patience": settings.get("patience"),
                         "schedule": settings.get("schedule")},
            "fstar": _global_loss(surface), "lo": list(map(float, lo)),
            "hi": list(map(float, hi)), "runs": runs,
            "live": bool(live) or (not runs and bool(carried)),
            "reason": None if live else "; ".join(reasons) or None,
            "optimizers": {k: v for k, v in entries.items() if v is not None},
            "limits": {"runs": MAX_RUNS, "work": LIVE_WORK},
            "palette": {"light": list(style.PLAYER_COLORS_LIGHT),
                        "dark": list(style.PLAYER_COLORS_DARK)},
            "dashes": [list(d) for d in style.PLAYER_DASHES], "slots": style.OPTIMIZER_SLOTS,
            "crowd": style.CROWD}
    if plane.sliced(result):  # the legend's word on the faded paths, as the stills say it
        made["fade"] = {"label": plane.FADE_LABEL, "floor": plane.FADE_FLOOR}
    if rate_maps:  # (a page without the rates view is as before, byte for byte)
        made["rateMaps"] = {name: rate_entry(m) for name, m in rate_maps.items()}
    return made


def rate_entry(found) -> dict:
    """A rate map (``studies.rates.RateMap``, plain arrays here) as the rates panel draws it:
    its axes, the measured rate per cell (float32, NaN where none) and the status (uint8, an
    index into ``statuses``), colours from viridis over the still's range."""
    from matplotlib import colormaps

    low = found.lowest_shown()
    colors = colormaps["viridis"](np.linspace(0, 1, 32))[:, :3]
    return {"axes": [{"name": a.name, "low": a.low, "high": a.high, "n": a.n, "log": a.log}
                     for a in found.axes],
            "rate": _pack(found.measured, "<f4"), "status": _pack(found.status, "|u1"),
            "statuses": list(found.statuses),
            "low": low, "steps": found.steps, "start": list(found.start),
            "colors": ["#" + "".join(f"{round(255 * c):02x}" for c in rgb) for rgb in colors]}
