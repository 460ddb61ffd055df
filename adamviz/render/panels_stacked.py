"""Views of two stacked Axes sharing the step axis: step lengths over the effective learning
rate (``steps``) and Adam's moments m̂ over √v̂ (``moments``)."""

from __future__ import annotations

import numpy as np

from ..results import step_lengths
from . import plane, style
from .contour import SpacedTicks
from .grid import symlog_ticks
from .panels import Panel, _log_limits, plain_log_labels


def _two_axes(area):
    """Two stacked Axes sharing x in a grid cell, or a user's Axes and its twin."""
    if hasattr(area, "subgridspec"):
        inner = area.subgridspec(2, 1, hspace=0.05)
        fig = area.get_gridspec().figure
        top = fig.add_subplot(inner[0])
        return top, fig.add_subplot(inner[1], sharex=top)
    return area, area.twinx()


PER_AXIS = "lines: solid x, dashed y"


def _label_two_axes(top, bottom, area, title, top_label, bottom_label, key="") -> None:
    """Axis labels and the title; a ``key`` (e.g. ``PER_AXIS``: which line is which coordinate)
    follows the step axis's label (a rotated y label that long would run into the other axes'
    label, and a key inside the axes would hide lines). In a small grid cell a label too long
    for its side takes two lines."""
    medium = top.yaxis.label.get_fontsize()  # points
    width, height = _cell_points(area)
    # Each Axes is about half of what the title, tick labels and step label leave.
    room = (height - 6 * 1.2 * medium) / 2
    for ax, label in ((top, top_label), (bottom, bottom_label)):
        text, size = _fit_label(label, room, medium)
        ax.set_ylabel(text, fontsize=size)
    step = "step" + (f"     {key}" if key else "")
    if _too_long(step, 0.7 * width, 1.2 * medium):
        step = f"step\n{key}"
    bottom.set_xlabel(step, fontsize="large")
    for ax in (top, bottom):
        ax.grid(True, which="major", alpha=0.3)
    if hasattr(area, "subgridspec"):
        top.tick_params(labelbottom=False)  # stacked: only the lower axes names the steps
    if title:
        top.set_title(title, fontsize="large", **style.LITERAL)


def _cell_points(area) -> tuple[float, float]:
    """The (width, height) in points of the grid cell the panel fills (or of a user's Axes)."""
    fig = area.get_gridspec().figure if hasattr(area, "subgridspec") else area.figure
    box = area.get_position(fig) if hasattr(area, "subgridspec") else area.get_position()
    width, height = fig.get_size_inches()
    return box.width * width * 72, box.height * height * 72


def _too_long(text: str, room: float, size: float) -> bool:
    return len(text) * 0.6 * size > room  # about 0.6 em a character


def _fit_label(label: str, room: float, medium: float) -> tuple[str, str]:
    """(text, font size) of a y label about ``room`` points long at most: "large" on one
    line, else broken at its last space, else also "medium" (the tick labels' size)."""
    if not _too_long(label, room, 1.2 * medium) or " " not in label.strip():
        return label, "large"
    head, _, tail = label.strip().rpartition(" ")
    lines = [head.strip(), tail]
    fits = not any(_too_long(line, room, 1.2 * medium) for line in lines)
    return "\n".join(lines), "large" if fits else "medium"


class StepsPanel(Panel):
    """Step length per step (top) and the effective per-coordinate learning rate (bottom):
    the quantity of the essay's "Issue 2: adaptive learning rates". On a sliced result the
    step is the true one, in all P parameters, and the rate the P coordinates' median in a
    10-90% band."""

    def __init__(self, area, result, animated=False, title=None):
        super().__init__(result, animated)
        self.artists = []
        self.top, self.bottom = _two_axes(area)
        # On a sliced result a step's length is the true one, in all P parameters, and the
        # P coordinates' rates are summed up as their median and spread.
        self.sliced = plane.sliced(result)
        self.lengths = [step_lengths(r.parameters if self.sliced and r.parameters is not None
                                     else r.points) for r in self.runs]
        self.length_lines = [self.dynamic(self.top.plot([], [], color=c, lw=style.lw(2))[0])
                             for c in self.colors]
        if self.sliced:
            self._spread_rates(area, title)
            return
        self.rate_lines = []
        for run, c in zip(self.runs, self.colors, strict=True):
            rates = run.effective_lr if run.effective_lr is not None else np.full(
                (len(run.points), run.points.shape[1]), np.nan)
            for d, ls in zip(range(rates.shape[1]), ("-", "--"), strict=False):
                line = self.dynamic(self.bottom.plot([], [], color=c, lw=style.lw(1.8), ls=ls)[0])
                self.rate_lines.append((line, rates[:, d]))
        top = max(len(r.points) for r in self.runs) - 1
        self.top.set_xlim(0, max(top, 1))
        _log_limits(self.top, np.concatenate(self.lengths))
        _log_limits(self.bottom, np.concatenate([r for _, r in self.rate_lines]))
        _label_two_axes(self.top, self.bottom, area, title, "step length |Δx|",
                        "effective lr", key=PER_AXIS)

    def _spread_rates(self, area, title) -> None:
        """The effective lr of a sliced result's P coordinates: per run, its median over them
        in a band of their 10th to 90th percentiles (P lines would be a smear)."""
        self.spreads = []
        for run, c in zip(self.runs, self.colors, strict=True):
            rates = run.effective_lr if run.effective_lr is not None else np.full(
                (len(run.points), 1), np.nan)
            self.spreads.append(plane.SpreadLine(self.bottom, rates, c, style.lw(1.8)))
            self.artists += self.spreads[-1].artists
        top = max(len(r.points) for r in self.runs) - 1
        self.top.set_xlim(0, max(top, 1))
        _log_limits(self.top, np.concatenate(self.lengths))
        _log_limits(self.bottom, np.concatenate([s.values() for s in self.spreads]))
        _label_two_axes(self.top, self.bottom, area, title,
                        f"step length |Δθ|{plane.dimensions(self.result)}", "effective lr",
                        key=f"effective lr: {plane.spread_key(self.result)}")

    def show(self, ks):
        for line, lengths, k in zip(self.length_lines, self.lengths, ks, strict=True):
            line.set_data(np.arange(1, k + 1), lengths[:k])
        if self.sliced:
            for spread, k in zip(self.spreads, ks, strict=True):
                spread.show(k)
            return self.artists
        i = 0
        for run, k in zip(self.runs, ks, strict=True):
            for _ in range(run.points.shape[1]):
                line, rates = self.rate_lines[i]
                line.set_data(np.arange(1, k + 1), rates[1: k + 1])
                i += 1
        return self.artists


class MomentsPanel(Panel):
    """Adam's update, section 3 of the essay: the bias-corrected first moment m̂ (the direction,
    top) and the root of the second moment √v̂ (the scale, bottom), per coordinate (solid x,
    dashed y), for every run whose optimizer has them; on a sliced result, |m̂| and √v̂ of
    its P coordinates as their median in a 10-90% band."""

    def __init__(self, area, result, animated=False, title=None):
        super().__init__(result, animated)
        self.artists = []
        self.top, self.bottom = _two_axes(area)
        self.spreads = []  # on a sliced result: (run, SpreadLine) of |m̂| and of √v̂
        self.sliced = plane.sliced(result)
        if self.sliced:
            self._spread_moments(area, title)
            return
        self.series = []  # (run, line, values)
        for run, c in zip(self.runs, self.colors, strict=True):
            q = run.quantities
            if "m_hat" not in q or "v_hat" not in q:
                continue
            for d in range(run.points.shape[1]):
                ls = "-" if d == 0 else "--"
                for ax, values in ((self.top, q["m_hat"][:, d]),
                                   (self.bottom, np.sqrt(q["v_hat"][:, d]))):
                    line = self.dynamic(ax.plot([], [], color=c, lw=style.lw(1.8), ls=ls)[0])
                    self.series.append((run, line, values))
        top = max(len(r.points) for r in self.runs) - 1
        self.top.set_xlim(0, max(top, 1))
        m_values = [v for _, line, v in self.series if line.axes is self.top]
        if m_values:
            m = np.concatenate(m_values)
            m = m[np.isfinite(m)]
            lim = float(np.abs(m).max()) if m.size else 1.0
            lim = lim if lim > 0 else 1.0  # moments that stay 0 (a flat loss)
            linthresh = max(lim * 1e-3, 1e-12)
            self.top.set_yscale("symlog", linthresh=linthresh)
            self.top.set_ylim(-lim * 1.5, lim * 1.5)
            # the decades' labels crowd on a short axis: those too close are left out
            self.top.yaxis.set_major_locator(SpacedTicks(symlog_ticks(linthresh, lim * 1.5)))
            plain_log_labels(self.top.yaxis)
            _log_limits(self.bottom, np.concatenate(
                [v for _, line, v in self.series if line.axes is self.bottom]))
        else:
            self.top.text(0.5, 0.5, "no run keeps Adam's moments", ha="center",
                          transform=self.top.transAxes)
        self.top.axhline(0, color="0.5", lw=0.8)
        _label_two_axes(self.top, self.bottom, area, title, "m̂  (direction)", "√v̂  (scale)",
                        key=PER_AXIS)

    def _spread_moments(self, area, title) -> None:
        """The P coordinates' moments summed up: |m̂| (its size: a median of signed values
        near 0 says nothing) and √v̂, each as its median over the coordinates and its band."""
        for run, c in zip(self.runs, self.colors, strict=True):
            q = run.quantities
            if "m_hat" in q and "v_hat" in q:
                for ax, values in ((self.top, np.abs(q["m_hat"])),
                                   (self.bottom, np.sqrt(q["v_hat"]))):
                    self.spreads.append((run, plane.SpreadLine(ax, values, c, style.lw(1.8))))
                    self.artists += self.spreads[-1][1].artists
        self.top.set_xlim(0, max(max(len(r.points) for r in self.runs) - 1, 1))
        for ax in (self.top, self.bottom):
            _log_limits(ax, np.concatenate([np.ravel(s.values()) for _, s in self.spreads
                                            if s.line.axes is ax] or [np.empty(0)]))
        if not self.spreads:
            self.top.text(0.5, 0.5, "no run keeps Adam's moments", ha="center",
                          transform=self.top.transAxes)
        _label_two_axes(self.top, self.bottom, area, title, "|m̂|  (direction)",
                        "√v̂  (scale)", key=plane.spread_key(self.result))

    def show(self, ks):
        index = {id(r): k for r, k in zip(self.runs, ks, strict=True)}
        if self.sliced:
            for run, spread in self.spreads:
                spread.show(index[id(run)])
            return self.artists
        for run, line, values in self.series:
            k = index[id(run)]
            line.set_data(np.arange(1, k + 1), values[1: k + 1])
        return self.artists
