"""An interactive player in one self-contained HTML file (``adamviz run ... -o paths.html``):
the surface's contours as an embedded PNG, every run's path on a canvas, play, scrub, speed,
keyboard, a toggle per run, a readout of the current step, overlay arrows; and live runs —
click anywhere to start every optimizer there, drag lr, β1, β2 and momentum to run them again.

Nothing is fetched: the picture, the data, the surface's derivative program (emitted as
JavaScript by ``jsprogram.py``) and the ported optimizers (``player/optimizers.js``, tested under
Node against the torch reference) are all inside the file.
"""

from __future__ import annotations

import base64
import io
import json
import math
from pathlib import Path

import numpy as np
from PIL import Image

from ..core.errors import InputError
from ..core.io import write_text_atomic
from ..engine import escape_box as engine_box
from . import style
from .contour import draw_minima, draw_surface
from .figure import new_figure
from .grid import contour_levels, loss_grid, view_box
from .jsprogram import javascript, rule_javascript

ASSETS = Path(__file__).resolve().parent / "player"
WIDTH, HEIGHT = 720, 540  # the canvas, in CSS pixels (the picture is drawn at twice that)
PORTED = {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "adamax",
          "nadam", "radam"}  # optimizers.js; others play back but are not re-run live


def background(surface, box) -> str:
    """The filled contours over ``box``, edge to edge, as a base64 PNG (2x for sharp screens)."""
    fig = new_figure(WIDTH / 100, HEIGHT / 100, dpi=200)
    fig.set_layout_engine(None)
    ax = fig.add_axes((0, 0, 1, 1))
    X, Y, Z = loss_grid(surface, box)
    draw_surface(ax, X, Y, Z, contour_levels(Z, surface.levels)[0])
    draw_minima(ax, surface.minima)
    ax.set_xlim(*box[0])
    ax.set_ylim(*box[1])
    ax.set_axis_off()
    fig.canvas.draw()
    # a palette of 64 greys and edges is all contours need: a quarter of the bytes
    picture = Image.fromarray(np.asarray(fig.canvas.buffer_rgba())[..., :3]).quantize(64)
    buffer = io.BytesIO()
    picture.save(buffer, format="png", optimize=True)
    return base64.b64encode(buffer.getvalue()).decode()


def _number(v) -> float | None:
    v = float(v)
    return round(v, 12) if math.isfinite(v) else None  # 12 digits: enough to read, and small


def _series(values) -> list:
    return [[_number(c) for c in np.atleast_1d(row)] for row in values]


def data(result, box) -> dict:
    """What the page draws. A run the browser can make again exactly (a ported optimizer, no
    noise, schedule, clipping or early stopping) is sent as its start and settings and made
    there, the same path to 1e-10; any other run is sent as recorded."""
    surface, settings = result.surface, result.settings
    replayable = (not settings.get("noise") and not settings.get("patience")
                  and hasattr(surface.derivatives.value_and_grad, "ops"))  # a formula's program
    ported = PORTED | set(rule_files(result))
    runs = []
    for i, run in enumerate(result.runs):
        live = (replayable and run.optimizer in ported and "schedule" not in run.hyperparams
                and not any(k.startswith("clip_") for k in run.hyperparams))
        entry = {"label": run.label, "color": style.run_color(i), "dash": i % 2 == 1,
                 "optimizer": run.optimizer, "live": live, "status": run.status,
                 "hyperparams": {k: v for k, v in run.hyperparams.items()
                                 if isinstance(v, bool | int | float)},
                 "start": [float(v) for v in run.points[0]]}
        if not live:
            entry.update({
                "points": _series(run.points), "losses": [_number(v) for v in run.losses],
                "grads": None if run.gradients is None else _series(run.gradients),
                "rates": None if run.effective_lr is None else _series(run.effective_lr),
                "quantities": {k: _series(v) for k, v in run.quantities.items()}})
        runs.append(entry)
    return {"surface": {"name": surface.name, "description": surface.description,
                        "box": [list(b) for b in box], "dims": surface.dims,
                        "minima": [{"at": list(m.point), "kind": m.kind}
                                   for m in surface.minima]},
            "settings": {"steps": int(settings.get("steps", 200)), "tol": settings.get("tol")},
            "lo": [float(v) for v in engine_box(surface)[0]],
            "hi": [float(v) for v in engine_box(surface)[1]],
            "runs": runs, "width": WIDTH, "height": HEIGHT}


def rule_files(result) -> dict:
    """The optimizer files among ``result``'s runs (name -> definition): compiled into the
    page, they run live like the built-in ones."""
    from ..optimizers import files

    found = {}
    for run in result.runs:
        if run.optimizer in PORTED or run.optimizer in found:
            continue
        try:
            path = files.find(run.optimizer)
        except InputError:
            path = None
        if path is not None:
            found[run.optimizer] = files.load(path)
    return found


def page(result, title: str | None = None) -> str:
    """The whole HTML document."""
    surface = result.surface
    if surface.dims != 2:
        raise InputError("The player draws a surface in x and y; this one is a curve f(x).")
    box = view_box(surface.box, [r.points for r in result.runs])
    program = "" if not hasattr(surface.derivatives.value_and_grad, "ops") else \
        javascript(surface.derivatives.value_and_grad, "valueAndGrad")
    scripts = "\n".join([(ASSETS / "optimizers.js").read_text(),
                         *(rule_javascript(d) for d in rule_files(result).values()),
                         (ASSETS / "engine.js").read_text(), (ASSETS / "player.js").read_text()])
    payload = json.dumps(data(result, box), separators=(",", ":")).replace("</", "<\\/")
    template = (ASSETS / "template.html").read_text()
    return (template.replace("{{title}}", _escape(title or f"{surface.name}: adamviz player"))
            .replace("{{style}}", (ASSETS / "player.css").read_text())
            .replace("{{background}}", background(surface, box))
            .replace("{{program}}", program or "const valueAndGrad = null;")
            .replace("{{data}}", payload).replace("{{scripts}}", scripts))


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def save_player(result, path, title: str | None = None) -> Path:
    write_text_atomic(path, page(result, title))
    return Path(path)
