"""Laying a figure out so that nothing collides: its layout boxes (the window extents of the
title, an animation's step counter, axis labels, tick labels, panel titles, legends and colour
bars), the pairs of them that overlap or leave the figure, and the remedies.

One pass of the constrained layout measures the panels' labels where the panels stood before
it, so a second pass is run where the first leaves a clash. The layout moves panels apart to
make room for their text, but it cannot shorten text: a panel title wider than its panel, or a
y label taller than its Axes, runs into its neighbours however the panels are placed, so such
text is wrapped to its Axes. An animation frame has a fixed size in pixels, and a look's text
may still not fit (the talk look's 15 pt text in a 640 x 480 panel): the frame is then laid
out larger in inches and drawn at a lower dpi, the same pixels with text a little smaller,
until nothing collides. A figure one pass lays out cleanly is left as it was.
"""

from __future__ import annotations

import textwrap
import warnings
from itertools import combinations

from matplotlib.transforms import Bbox

SLACK = 1.0  # pixels a box may stick out of the figure (rounding)
GAP = 2.0  # pixels between the boxes of two elements, or their text runs together
SPACE_STEP = 0.02  # added to the space between panels (a share of a panel) while they meet
MAX_SPACE = 0.3  # the most space between panels that is tried
SHRINK_STEP = 1.12  # each try lays the frame out this much larger in inches
MAX_SHRINK = 2.0  # text is never drawn smaller than half the look's size


def _text_box(text, renderer):
    if not text.get_visible() or not text.get_text().strip():
        return None
    return text.get_window_extent(renderer)


def _title_box(fig, renderer):
    """The suptitle's own lines: an animation's title ends in an empty line that the step
    counter is drawn into, and that line is left out."""
    title = fig._suptitle
    if title is None or not title.get_text().strip():
        return None
    text = title.get_text()
    title.set_text(text.rstrip(" ").rstrip("\n"))
    try:
        return title.get_window_extent(renderer)
    finally:
        title.set_text(text)


def _legend_box(legend, renderer):
    """A legend's frame, or without one its entries (the frame's padding is blank). (Its
    entries' own boxes are placed only when it is drawn; its frame is placed when asked.)"""
    box = legend.get_window_extent(renderer)
    if legend.get_frame_on():
        return box
    return box.padded(-legend.borderpad * legend.prop.get_size_in_points()
                      * renderer.points_to_pixels(1.0))


def _drawn_tick_labels(axis):
    """The tick labels drawn: those of ticks inside the axis' view (the locator also makes
    ticks outside it, whose labels lie beyond the Axes and are never drawn)."""
    low, high = sorted(axis.get_view_interval())
    ticks = [*axis.get_major_ticks(), *axis.get_minor_ticks()]
    return [label for tick in ticks if low <= tick.get_loc() <= high
            for label in (tick.label1, tick.label2)]


def _flat_axes(fig):
    """(name, Axes) of the flat Axes (a 3D Axes' labels turn with the camera, inside its box)."""
    return [(f"colour bar {i}" if ax.get_label() == "<colorbar>" else f"axes {i}", ax)
            for i, ax in enumerate(fig.axes) if ax.name != "3d"]


def boxes(fig) -> list[tuple[str, str, Bbox]]:
    """(owner, part, window extent) of every element of ``fig`` that must stand clear of the
    others; an owner is the figure, a legend or one Axes. Measured as the figure is laid out
    now (the Axes' tick labels and axis labels are placed first, as a draw would)."""
    renderer = fig.canvas.get_renderer()
    flat = _flat_axes(fig)
    # a colour bar drawn beside its Axes (an inset of it, not in fig.axes) has a label and tick
    # labels of its own that can meet a neighbouring panel's
    flat += [(f"colour bar of {owner}", child) for owner, ax in list(flat)
             for child in ax.child_axes if child.name != "3d"]
    for _, ax in flat:
        # places ticks and axis labels where a draw puts them (a colour bar's too, above: 10
        # ms of a 3-panel still's check); not a 3D Axes' labels, which no box holds (a sixth
        # of the check)
        ax.get_tightbbox(renderer, bbox_extra_artists=[])
    found = [("figure", "title", _title_box(fig, renderer))]
    counter = getattr(fig, "counter_fixed", None)
    if counter is not None:
        found.append(("figure", "step counter", counter.get_window_extent(renderer)))
    for i, legend in enumerate(fig.legends):
        found.append((f"legend {i}", "entries", _legend_box(legend, renderer)))
    for owner, ax in flat:
        found.append((owner, "area", ax.get_window_extent(renderer)))
        found.append((owner, "title", _text_box(ax.title, renderer)))
        for letter, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            found.append((owner, f"{letter} label", _text_box(axis.label, renderer)))
            ticks = [box for label in _drawn_tick_labels(axis)
                     if (box := _text_box(label, renderer)) is not None]
            if ticks:  # one box for the row (or column) of tick labels: they share a line
                found.append((owner, f"{letter} tick labels", Bbox.union(ticks)))
    return [(owner, part, box) for owner, part, box in found if box is not None]


def _overlap(a: Bbox, b: Bbox) -> bool:
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > -GAP
            and min(a.y1, b.y1) - max(a.y0, b.y0) > -GAP)


def _shares_space(a, b) -> bool:
    """Pairs that touch by design: an Axes' own labels and ticks border its area, and its two
    rows of tick labels meet at a corner."""
    (owner_a, part_a, _), (owner_b, part_b, _) = a, b
    if owner_a != owner_b or owner_a == "figure":
        return False
    return "area" in (part_a, part_b) or (part_a.endswith("tick labels")
                                          and part_b.endswith("tick labels"))


def clashes(fig) -> list[tuple[tuple[str, str], tuple[str, str] | None]]:
    """The pairs of elements (owner, part) that overlap, and (element, None) for each that
    sticks out of the figure, as ``fig`` is laid out now."""
    found = boxes(fig)
    page = fig.bbox
    out = [((owner, part), None) for owner, part, box in found
           if box.x0 < page.x0 - SLACK or box.y0 < page.y0 - SLACK
           or box.x1 > page.x1 + SLACK or box.y1 > page.y1 + SLACK]
    return out + [(a[:2], b[:2]) for a, b in combinations(found, 2)
                  if not _shares_space(a, b) and _overlap(a[2], b[2])]


def problems(fig) -> list[str]:
    """What overlaps what, and what sticks out of the figure, in ``fig`` as laid out now."""
    return [f"{' '.join(a)} leaves the figure" if b is None
            else f"{' '.join(a)} overlaps {' '.join(b)}" for a, b in clashes(fig)]


def _wrap(text: str, share: float) -> str:
    """``text`` wrapped to lines at most ``share`` of its longest line's length, each line into
    as few lines as that allows, of even lengths; words are kept whole ("effectiv / e lr"
    reads worse than a smaller font)."""
    lines = text.split("\n")
    widest = max(8, int(max(map(len, lines)) * share))
    return "\n".join(part for line in lines for part in even_lines(line, widest))


def even_lines(line: str, width: int, whole_words: bool = True) -> list[str]:
    """``line`` in as few lines of at most ``width`` characters as words allow (kept whole
    unless ``whole_words`` is False), of even lengths: a long title breaks in the middle, not
    before its last two words."""
    def wrap(width):
        return textwrap.wrap(line, width, break_long_words=not whole_words,
                             break_on_hyphens=False) or [line]

    count = len(wrap(width))
    width = -(-len(line) // count)
    while len(wrap(width)) > count:
        width += 1
    return wrap(width)


def _texts(fig):
    """(owner, part, Text, the Axes' room for it in pixels, the box side that must fit)."""
    renderer = fig.canvas.get_renderer()
    for owner, ax in _flat_axes(fig):
        area = ax.get_window_extent(renderer)
        yield owner, "title", ax.title, area.width, "width"
        yield owner, "x label", ax.xaxis.label, area.width, "width"
        yield owner, "y label", ax.yaxis.label, area.height, "height"


def wrap_overflowing(fig, involved) -> bool:
    """Wrap every panel title, x label and y label that is ``involved`` (a set of (owner,
    part)) in a clash and is longer than its Axes (wider; a y label taller) to the Axes;
    whether any text changed."""
    renderer = fig.canvas.get_renderer()
    changed = False
    for owner, part, text, room, side in _texts(fig):
        box = _text_box(text, renderer)
        if (owner, part) not in involved or box is None or room <= 0 or \
                getattr(box, side) <= room:
            continue
        wrapped = _wrap(text.get_text(), 0.95 * room / getattr(box, side))
        if wrapped != text.get_text():
            text.set_text(wrapped)
            changed = True
    return changed


def execute(engine, fig, passes: int = 2) -> list:
    """Run the layout engine (twice by default, after text or sizes changed: the first pass
    measures the panels' labels where the panels stood before it, a panel of fixed aspect not
    yet fitted to its new box; the second where they stand). Returns the warnings it gave (a
    layout that collapsed), held back: a later try may lay the figure out cleanly."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(passes):
            engine.execute(fig)
    return caught


class _Shrinker:
    """Lays a frame of fixed pixels out larger in inches at a lower dpi, one step at a time:
    its text drawn smaller in the same pixels. The texts go back to their written lines, to be
    wrapped afresh for the larger page."""

    def __init__(self, fig, texts):
        self.fig, self.texts = fig, texts
        self.written = [t.get_text() for t in texts]
        self.pixels, self.dpi, self.scale = fig.bbox.size, fig.dpi, 1.0

    def step(self) -> bool:
        if self.scale * SHRINK_STEP > MAX_SHRINK:
            return False
        self.scale *= SHRINK_STEP
        for text, original in zip(self.texts, self.written, strict=True):
            text.set_text(original)
        self.fig.set_dpi(self.dpi / self.scale)
        # A hair over the pixels: the canvas truncates width x dpi to whole pixels.
        self.fig.set_size_inches((self.pixels + 1e-3) / self.fig.dpi, forward=False)
        return True


def _titles(ax):
    return ax.title, ax._left_title, ax._right_title


def _pin_titles(fig) -> list:
    """Hold the flat Axes' titles at the top of their Axes for the layout passes. Left to
    matplotlib, every measurement of an Axes places its title afresh, measuring the y axis
    (a full tick update) for each title: a fifth of a figure's layout, for a title that stays
    at the top unless something of its Axes stands above it (``_release_titles``)."""
    flat = [ax for _, ax in _flat_axes(fig)]
    pinned = [ax for ax in flat if ax._autotitlepos]
    for ax in flat:
        # A spine's box is the Axes' edge plus its tick marks, inside the box of the tick
        # labels the layout measures anyway; measuring it updates the ticks once more a spine.
        for spine in ax.spines.values():
            spine.set_in_layout(False)
    for ax in pinned:
        ax._autotitlepos = False
        for title in _titles(ax):
            title.set_y(1.0)
    return pinned


def _release_titles(pinned) -> bool:
    """Give the titles back to matplotlib (the picture is drawn with them placed as it places
    them); whether one of them may rise above the top of its Axes, over a y axis' offset text
    or x tick labels on top, so that the layout must be redone with the titles free. (The last
    layout pass updated the ticks and their offset text.)"""
    risen = False
    for ax in pinned:
        ax._autotitlepos = True
        offset = ax.yaxis.offsetText
        risen = risen or (offset.get_visible() and bool(offset.get_text())) \
            or ax.xaxis.get_label_position() == "top" \
            or any(tick.label2.get_visible() for tick in ax.xaxis.get_major_ticks()[:1])
    return risen


def fit(fig, engine, shrink: bool = False) -> None:
    """Lay ``fig`` out (``_fit``) with the panel titles held at the top of their Axes, and
    once more as matplotlib places them if one of them rises (``_pin_titles``)."""
    pinned = _pin_titles(fig)
    _fit(fig, engine, shrink)
    if _release_titles(pinned):
        _fit(fig, engine, shrink)


def _panel(owner: str) -> str | None:
    """The panel an element's owner belongs to ("axes 2" for its colour bar too); None for the
    figure's own title and the legends."""
    owner = owner.removeprefix("colour bar of ")
    return owner if owner.startswith(("axes", "colour bar")) else None


def _widen(engine, found) -> bool:
    """Space the panels farther apart, if elements of two of them meet (a colour bar's label
    beside the next panel's y label: the layout engine measures a panel of fixed aspect where
    it stood before it was fitted to its cell, and can leave too little between them); False
    once the space is at ``MAX_SPACE`` or no two panels meet."""
    meet = any(b is not None and None not in (_panel(a[0]), _panel(b[0]))
               and _panel(a[0]) != _panel(b[0]) for a, b in found)
    space = engine.get()
    if not meet or max(space["wspace"], space["hspace"]) >= MAX_SPACE:
        return False
    engine.set(wspace=space["wspace"] + SPACE_STEP, hspace=space["hspace"] + SPACE_STEP)
    return True


def _fit(fig, engine, shrink: bool = False) -> None:
    """Lay ``fig`` out with ``engine`` so that nothing clashes, where it can: a second pass if
    the first leaves a clash, then text that overflows its Axes into another element wrapped
    to it, then the panels spaced farther apart (``_widen``); with ``shrink`` (a frame of fixed
    pixels) the text also drawn smaller, at most ``MAX_SHRINK`` times (also where the layout
    engine collapsed). A figure laid out cleanly by one pass is left as it is."""
    shrinker = _Shrinker(fig, [text for *_, text, _, _ in _texts(fig)]) if shrink else None
    said = execute(engine, fig, passes=1)
    found = clashes(fig)
    if found or said:
        said = execute(engine, fig, passes=1)
        found = clashes(fig)
    while (found or said) and (wrap_overflowing(fig, {e for pair in found for e in pair if e})
                               or _widen(engine, found)
                               or (shrinker is not None and shrinker.step())):
        said = execute(engine, fig)
        found = clashes(fig)
    for warning in said:  # the layout collapsed even so: say it, once
        warnings.warn_explicit(warning.message, warning.category, warning.filename,
                               warning.lineno)
