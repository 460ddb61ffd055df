"""An interactive player in one self-contained HTML file (``adamviz run ... -o paths.html``):
the surface's contours, every run's path, play, scrub, a loss panel and a side view, and live
runs: a row of controls per run (every hyperparameter its optimizer declares), a start to drag,
runs to add and remove, a link that reopens the same view and the ``adamviz run`` line that
makes the same paths. ``window.adamvizPlayer`` scripts it (the README documents it).

Nothing is fetched: the pictures (light and dark), the data (``player_data.py``), the
surface's derivative program and every optimizer the page can run (each file's rule compiled to
JavaScript by ``jsprogram.py``, run by ``player/optimizers.js``; tested under Node against the
torch reference) are all inside the file.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
from PIL import Image

from ..core.errors import InputError
from ..core.io import write_text_atomic
from . import looks
from .contour import draw_surface
from .figure import new_figure
from .grid import contour_levels, loss_grid, view_box
from .jsprogram import data_javascript, javascript, rule_javascript
from .pages import fill
from .player_data import carried_files, data, has_program

ASSETS = Path(__file__).resolve().parent / "player"
# The scripts, in the order they load: the runtime of rule programs, the engine's loop, then the
# player's parts (each a file with one job) and the page that wires them together.
SCRIPTS = ("optimizers.js", "engine.js", "model.js", "drawing.js", "panels.js", "ratemap.js",
           "controls.js", "events.js", "player.js")
WIDTH, HEIGHT = 880, 660  # the contour picture's pixels: a 4:3 view, sharp at 1.2x a 720-px canvas


def compact(script: str) -> str:
    """Our JavaScript without its comment lines and indentation: a recorded page of 10 runs x
    1000 steps stays under 1 MB. (Indentation means nothing to JavaScript outside a template
    string, and no template string of ours spans lines: checked here.)"""
    lines = []
    for line in script.splitlines():
        text = line.strip()
        if text.count("`") % 2:
            raise ValueError(f"a template string spans lines: {text!r}")
        if text and not text.startswith("//"):
            lines.append(text)
    return "\n".join(lines)


def equal_scale(box, aspect: float = WIDTH / HEIGHT) -> tuple:
    """``box`` grown about its centre to the picture's shape, so a unit of x and of y are as
    long on screen (the gradient looks perpendicular to the contours, as it is) — unless the
    box is more than 3 times as tall as wide or wide as tall, where the contour view also
    stretches (panels.ContourPanel)."""
    (x0, x1), (y0, y1) = box
    w, h = x1 - x0, y1 - y0
    if not 1 / 3 <= h / w <= 3:
        return box
    if w / h < aspect:
        grow = (aspect * h - w) / 2
        return ((x0 - grow, x1 + grow), (y0, y1))
    grow = (w / aspect - h) / 2
    return ((x0, x1), (y0 - grow, y1 + grow))


def background(surface, box, look: str) -> str:
    """The filled contours over ``box``, edge to edge, in ``look`` ("paper" or "dark"), as a
    base64 PNG; where the loss is undefined, hatched."""
    with looks.wearing(look):
        fig = new_figure(WIDTH / 100, HEIGHT / 100, dpi=100)
        fig.set_layout_engine(None)
        ax = fig.add_axes((0, 0, 1, 1))
        X, Y, Z = loss_grid(surface, box)
        draw_surface(ax, X, Y, Z, contour_levels(Z, surface.levels)[0])
        undefined = ~np.isfinite(Z)
        if undefined.any():  # a hatch says "no loss here", where a blank would say nothing
            ax.contourf(X, Y, undefined.astype(float), levels=[0.5, 1.5], colors="none",
                        hatches=["//"])
        ax.set_xlim(*box[0])
        ax.set_ylim(*box[1])
        ax.set_axis_off()
        fig.canvas.draw()
        pixels = np.asarray(fig.canvas.buffer_rgba())[..., :3]
    # a palette of 24 colours is all contours need (20 bands, their lines drawn faint): a
    # sixth of the bytes
    picture = Image.fromarray(pixels).quantize(24)
    buffer = io.BytesIO()
    picture.save(buffer, format="png", optimize=True)
    return base64.b64encode(buffer.getvalue()).decode()


def page(result, title: str | None = None, rate_maps: dict | None = None) -> str:
    """The whole HTML document; ``rate_maps`` (optimizer name -> RateMap) for the rates panel."""
    surface = result.surface
    if surface.dims != 2:
        raise InputError("The player draws a surface in x and y; this one is a curve f(x).")
    if not result.runs:
        raise InputError("The player needs at least one run to show.")
    box = equal_scale(view_box(surface.box, [r.points for r in result.runs]))
    program = "" if not has_program(surface) else \
        data_javascript(surface.data.programs, surface.data.columns(surface.data.train)) \
        if hasattr(surface, "data") else javascript(surface.derivatives.value_and_grad,
                                                    "valueAndGrad")
    carried = carried_files(result)
    made = data(result, box, carried, rate_maps)
    rules = [rule_javascript(d) for name, d in carried.items() if name in made["optimizers"]]
    parts = [compact((ASSETS / SCRIPTS[0]).read_text()), *rules,
             *(compact((ASSETS / name).read_text()) for name in SCRIPTS[1:]
               if name != "ratemap.js" or rate_maps)]  # (the rates view's, when asked)
    return fill((ASSETS / "template.html").read_text(), title=title or f"{surface.name}: "
                f"adamviz player", style=(ASSETS / "player.css").read_text(),
                light=background(surface, box, "paper"),
                dark=background(surface, box, "dark"),
                program=program or "const valueAndGrad = null;", data=made,
                scripts="\n".join(parts))


def save_player(result, path, title: str | None = None, rate_maps: dict | None = None) -> Path:
    write_text_atomic(path, page(result, title, rate_maps))
    return Path(path)


def gallery(figures, fmt: str = "png") -> str:
    """``index.html`` for a folder of figures: each one's title, caption and picture, and a
    link to its player (a file of its own beside it). Every recipe's text is escaped for where
    it lands; names are file names (``recipes`` refuses any other)."""
    items = []
    for fig in figures:
        picture = f"{fig.recipe.name}.{fmt}"
        # (a rate map has no runs to play, and a curve no player: no player file beside them)
        playable = f"{fig.recipe.name}.html" in {getattr(f, "name", f) for f in fig.files}
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
