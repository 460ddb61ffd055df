"""Drawing for notebooks and scripts that hold their own figures: one view on a user's Axes (or
a new figure), and how a result, basins and a sweep show in a notebook (``api`` hands these to
their ``_repr_*_`` methods, importing this module only when something is shown).

A notebook shows a picture at most about ``INLINE_WIDTH`` pixels wide and shrinks a wider one,
its text with it; so its pictures are drawn that wide, at 1:1. Each is stored once: a result's
and basins' in their HTML (beside the table), a sweep's as PNG.

matplotlib's habits hold: a user's Axes is drawn on as it is, rcParams and style contexts are
respected (the colours of ink and halos follow the Axes' background), and what is drawn is
returned. The legend sits above the Axes, never over the paths.
"""

from __future__ import annotations

import base64
import html
import io
import weakref

from matplotlib import rcParams

from . import legend as legends
from . import plane, small_multiples
from .figure import make_panel, new_figure, run_labels
from .style import literal_legend
from .views import VIEWS

INLINE_DPI = 100  # a notebook's pictures: sharp on screen, small in the .ipynb
INLINE_WIDTH = 960  # pixels: a notebook's output area (JupyterLab at 1080p), shown at 1:1
INLINE_HEIGHT = 440  # a result's two panels, with the title above and the legend below


def draw(result, ax=None, view: str = "contour", title: str | None = None,
         legend: bool = True):
    """Draw ``view`` of ``result`` at its last step on ``ax`` (a new figure without one):
    (the panel, the Figure it is in)."""
    if ax is None:
        fig = new_figure(*_size(view))
        ax = fig.add_subplot(projection="3d" if VIEWS[view].axes == "3d" else None)
        shown_in_ipython()
        if fig.get_layout_engine() is None:
            # the colour bar and the legend above need room that only a layout engine makes;
            # a user's own figure keeps the layout its owner chose
            fig.set_layout_engine("constrained")
    fig = ax.figure
    panel = make_panel(view, ax, result, title=title)
    panel.show([run.steps for run in result.runs])
    if legend:
        panel.legend = _legend(ax, panel)
    return panel, fig


def shown_in_ipython() -> None:
    """In IPython, a Figure returned by ``plot`` shows as a picture. Our figures are made
    without pyplot (importing it would pick a GUI backend in a script), so the inline
    backend's formatter, which pyplot's import registers, may not be there yet; register the
    same kind here, once, unless a Figure formatter already is (no picture twice)."""
    import sys

    if "IPython" not in sys.modules:
        return
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return
    from matplotlib.figure import Figure

    png = shell.display_formatter.formatters["image/png"]
    try:
        png.lookup_by_type(Figure)
    except KeyError:
        from IPython.core.pylabtools import print_figure

        png.for_type(Figure, lambda fig: print_figure(fig, "png", dpi=INLINE_DPI))


def _legend(ax, panel):
    """Above the Axes, small: a row per run, then the markers two to an entry (start and end;
    the minima), in two columns when the Axes is wide enough for them."""
    from matplotlib.legend_handler import HandlerTuple

    result = panel.result
    handles = legends.figure_entries(result, run_labels(result), [panel])
    n = len(legends.runs(result, run_labels(result)))  # one a group when there are many
    runs, marks = handles[:n], handles[n:]
    groups = [marks[i:i + 2] for i in range(0, len(marks), 2)]
    handles = runs + [tuple(g) for g in groups]
    labels = [h.get_label() for h in runs] + [_group_label(g) for g in groups]
    wide = ax.get_position().width * ax.figure.get_figwidth() >= 3.5  # inches
    # a sliced result's plane heads the legend: a figure's title says it, an Axes has none
    caption = {"title": plane.caption(result), "title_fontsize": "small",
               "alignment": "left"} if plane.sliced(result) else {}
    return literal_legend(ax.legend(
        handles, labels, handler_map={tuple: HandlerTuple(ndivide=None, pad=0.6)},
        loc="lower left", bbox_to_anchor=(0, 1.02), borderaxespad=0,
        ncols=2 if wide and len(handles) > 3 else 1, fontsize="small", frameon=False,
        **caption))


def _group_label(group) -> str:
    labels = [h.get_label().replace(" (in the run's colour)", "") for h in group]
    if all(label.endswith(" minimum") for label in labels) and len(labels) > 1:
        return ", ".join(label.removesuffix(" minimum") for label in labels) + " minimum"
    return ", ".join(labels)


def _size(view: str) -> tuple[float, float]:
    """A new figure's size in inches: matplotlib's default, taller for stacked views."""
    width, height = rcParams["figure.figsize"]
    return (width, height * 1.3) if VIEWS[view].axes == "stacked" else (width, height)


def png(result, views=("contour",), dpi: int = INLINE_DPI, size=None) -> bytes:
    """``result`` drawn (one panel per view) as PNG bytes; ``size`` (width, height) in
    pixels."""
    from .figure import save_still
    from .settings import Look

    buffer = io.BytesIO()
    save_still(result, buffer, list(views), Look(dpi=dpi, size=size), fmt="png")
    return buffer.getvalue()


def html_table(header, rows) -> str:
    """An HTML table of text cells, every cell escaped."""
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def img_tag(data: bytes, mime: str, alt: str) -> str:
    return (f'<img src="data:{mime};base64,{base64.b64encode(data).decode()}" '
            f'alt="{html.escape(alt)}">')


DISPLAY_VIEWS = ("contour", "loss")
_shown: dict[int, tuple] = {}  # id -> (weak reference, PNG): one drawing per object shown


def drawn_once(draw_png):
    """``draw_png(obj)`` made at most once per object, however often it is shown."""
    def png_of(obj) -> bytes:
        key = (id(obj), draw_png)
        ref, data = _shown.get(key, (None, None))
        if ref is None or ref() is not obj:
            data = draw_png(obj)
            _shown[key] = (weakref.ref(obj, lambda _, k=key: _shown.pop(k, None)), data)
        return data
    return png_of


def _stream_png(save_to):
    def draw_png(obj) -> bytes:
        buffer = io.BytesIO()
        save_to(obj, buffer, dpi=INLINE_DPI, fmt="png", width=INLINE_WIDTH / INLINE_DPI)
        return buffer.getvalue()
    return draw_png


result_png = drawn_once(lambda result: png(result, DISPLAY_VIEWS,
                                           size=(INLINE_WIDTH, INLINE_HEIGHT)))
basins_png = drawn_once(_stream_png(small_multiples.save_basins))
sweep_png = drawn_once(_stream_png(small_multiples.save_sweep_grid))


def _rates_png(found) -> bytes:
    from .rates import save_rates  # (only when a map is shown)

    buffer = io.BytesIO()
    save_rates(found, buffer, dpi=INLINE_DPI, fmt="png")  # 900 px wide: shown at 1:1
    return buffer.getvalue()


rates_png = drawn_once(_rates_png)


def result_html(result) -> str:
    """A result in a notebook: its table and its notes (unequal learning rates), then its
    picture."""
    header, rows = result.table_rows()
    notes = "".join(f"<p>{html.escape(note)}</p>" for note in result.notes())
    return (html_table(header, rows) + (notes or "<br>") +
            img_tag(result_png(result), "image/png", f"{result.surface.name}: the runs"))


def basins_html(basins) -> str:
    header, rows = basins.table_rows()
    return (html_table(header, rows) + "<br>" +
            img_tag(basins_png(basins), "image/png", f"{basins.surface.name}: basins"))

