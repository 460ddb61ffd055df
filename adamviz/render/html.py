"""An interactive player in one self-contained HTML file (``adamviz run ... -o paths.html``):
the surface's contours as an embedded PNG, every run's path on a canvas, play, scrub, speed,
keyboard, a toggle per run, a readout of the current step, overlay arrows; and live runs —
click anywhere to start every optimizer there, drag lr, β1, β2 and momentum to run them again.

Nothing is fetched: the picture, the data, the surface's derivative program (emitted as
JavaScript by ``jsprogram.py``) and every optimizer file among the runs (its rule compiled to
JavaScript by the same emitter, run by ``player/optimizers.js``; tested under Node against the
torch reference) are all inside the file. The live controls are made from the optimizers'
declared hyperparameters: one per hyperparameter, with its symbol and range.
"""

from __future__ import annotations

import base64
import io
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
from .pages import fill

ASSETS = Path(__file__).resolve().parent / "player"
WIDTH, HEIGHT = 720, 540  # the canvas, in CSS pixels (the picture is drawn at twice that)


def background(surface, box) -> str:
    """The filled contours over ``box``, edge to edge, as a base64 PNG (1.5x, sharp enough on
    a high-density screen and a third smaller than 2x)."""
    fig = new_figure(WIDTH / 100, HEIGHT / 100, dpi=150)
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


def _global_loss(surface) -> float | None:
    """The lowest listed minimum's loss: the loss panel draws loss - f* on a log scale."""
    points = [m.point for m in surface.minima if m.kind == "global"]
    if not points:
        return None
    value = float(np.min(surface.loss(np.array(points, dtype=float))))
    return value if np.isfinite(value) else None


def _pack(values, dtype: str) -> dict:
    """An array as base64 bytes (little-endian ``dtype``) and its shape: a tenth of the size
    of JSON numbers, which a recorded 10 runs x 1000 steps needs to stay under 1 MB."""
    array = np.ascontiguousarray(values, dtype=dtype)
    return {"dtype": dtype[1:], "shape": list(array.shape),
            "data": base64.b64encode(array.tobytes()).decode()}


def data(result, box) -> dict:
    """What the page draws. A run the browser can make again exactly (a ported optimizer, no
    noise, schedule, clipping or early stopping) is sent as its start and settings and made
    there, the same path to 1e-10; any other run is sent as recorded."""
    surface, settings = result.surface, result.settings
    replayable = (not settings.get("noise") and not settings.get("patience")
                  and has_program(surface))
    ported = rule_files(result)
    lo, hi = engine_box(surface)  # where the engine calls a run diverged
    runs = []
    for i, run in enumerate(result.runs):
        live = (replayable and run.optimizer in ported
                and ported[run.optimizer].source == run.source  # (another file of that name)
                and "schedule" not in run.hyperparams
                and not any(k.startswith("clip_") for k in run.hyperparams))
        entry = {"label": run.label, "color": style.run_color(i), "dash": i % 2 == 1,
                 "optimizer": run.optimizer, "live": live, "status": run.status,
                 "hyperparams": {k: v for k, v in run.hyperparams.items()
                                 if isinstance(v, bool | int | float)},
                 "start": [float(v) for v in run.points[0]]}
        if not live:  # as recorded, packed as float32: 7 digits, more than a screen shows
            entry["packed"] = {
                "points": _pack(run.points, "<f4"), "losses": _pack(run.losses, "<f4"),
                "grads": None if run.gradients is None else _pack(run.gradients, "<f4"),
                "rates": None if run.effective_lr is None else _pack(run.effective_lr, "<f4"),
                "quantities": {k: _pack(v, "<f4") for k, v in run.quantities.items()}}
        runs.append(entry)
    return {"surface": {"name": surface.name, "description": surface.description,
                        "box": [list(b) for b in box], "dims": surface.dims,
                        "minima": [{"at": list(m.point), "kind": m.kind}
                                   for m in surface.minima]},
            "settings": {"steps": int(settings.get("steps", 200)), "tol": settings.get("tol")},
            "fstar": _global_loss(surface),
            "lo": list(map(float, lo)), "hi": list(map(float, hi)),
            "runs": runs, "width": WIDTH, "height": HEIGHT, "controls": controls(ported)}


def controls(found: dict) -> list[dict]:
    """One control per hyperparameter of the live optimizers: its declaration, as
    ``optimizers --json`` describes it (a slider, log or linear, or a switch); the first
    declaration of a name wins."""
    out = {}
    for definition in found.values():
        for h in definition.hyperparameters.values():
            if h.name not in out and h.name not in (definition.fixed or {}):
                out[h.name] = {"name": h.name, **h.describe()}
    return list(out.values())


def has_program(surface) -> bool:
    """Whether the surface's derivatives are a formula's programs (JavaScript can be made of
    them), not a loss written in Python."""
    return hasattr(surface.derivatives.value_and_grad, "ops")


def rule_files(result) -> dict:
    """The optimizer files among ``result``'s runs (name -> definition): compiled into the
    page, they run live like the built-in ones."""
    from ..optimizers import files

    found = {}
    for run in result.runs:
        if run.optimizer in found or not run.source:
            continue  # (a run made otherwise: a torch class, a package's, Python's)
        try:  # the very file the run used, as it is now
            definition = files.load(run.source)
        except (InputError, OSError):
            continue
        if definition.name == run.optimizer:
            found[run.optimizer] = definition
    return found


def page(result, title: str | None = None) -> str:
    """The whole HTML document."""
    surface = result.surface
    if surface.dims != 2:
        raise InputError("The player draws a surface in x and y; this one is a curve f(x).")
    box = view_box(surface.box, [r.points for r in result.runs])
    program = javascript(surface.derivatives.value_and_grad, "valueAndGrad") \
        if has_program(surface) else ""
    scripts = "\n".join([(ASSETS / "optimizers.js").read_text(),
                         *(rule_javascript(d) for d in rule_files(result).values()),
                         (ASSETS / "engine.js").read_text(), (ASSETS / "player.js").read_text()])
    return fill((ASSETS / "template.html").read_text(), title=title or f"{surface.name}: "
                f"adamviz player", style=(ASSETS / "player.css").read_text(),
                background=background(surface, box),
                program=program or "const valueAndGrad = null;", data=data(result, box),
                scripts=scripts)


def save_player(result, path, title: str | None = None) -> Path:
    write_text_atomic(path, page(result, title))
    return Path(path)


def gallery(figures, fmt: str = "png") -> str:
    """``index.html`` for a folder of figures: each one's title, caption and picture, and a
    link to its player (a file of its own beside it). Every recipe's text is escaped for where
    it lands; names are file names (``recipes`` refuses any other)."""
    items = []
    for fig in figures:
        picture, playable = f"{fig.recipe.name}.{fmt}", fig.result.surface.dims == 2
        items.append(fill(GALLERY_ITEM, title=fig.recipe.title, caption=fig.recipe.caption,
                          player=f"{fig.recipe.name}.html" if playable else picture,
                          picture=picture,
                          play="open the player" if playable else "open the picture",
                          verdict="every claim holds" if fig.ok else "a claim does NOT hold"))
    return GALLERY.replace("<!--items-->", "".join(items))


GALLERY_ITEM = ('<section><h2>{{title:text}}</h2><a href="{{player:url}}"><img '
                'src="{{picture:url}}" alt="{{title:text}}" width="960"></a><p>{{caption:text}}'
                '</p><p><a href="{{player:url}}">{{play:text}}</a> · {{verdict:text}}</p>'
                '</section>')
GALLERY = ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
           '<title>adamviz figures</title><style>body{font-family:system-ui,sans-serif;'
           'max-width:1000px;margin:1rem auto;padding:0 1rem}img{max-width:100%;height:auto;'
           'border:1px solid #ccc}</style></head><body><h1>adamviz figures</h1><!--items-->'
           '</body></html>\n')
