"""Views as panels: each draws its static part once and updates a few artists per step.

A panel is built on an Axes (or a grid cell) from a result, then ``show(ks)`` puts every run at
its step ``ks[i]`` and returns the artists it changed (``panel.artists``, all of them). A still
picture is the last step shown once; an animation shows each frame's steps on top of a
background drawn once (blitting), so the two can never disagree. ``animated=True`` gives the
animation's look (a marker on each moving run's head); the animator itself flags the dynamic
artists so that the full draw which makes the background leaves them out.
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D

from . import legend, plane, style
from .contour import draw_colorbar, draw_minima, draw_surface
from .data_layers import DataLayers
from .grid import contour_levels, loss_grid, power_label, view_box
from .overlays import Arrows
from .settings import NO_OVERLAYS, Overlays
from .viewdata import loss_reference, side_view


class Panel:
    """Base: ``artists`` are the dynamic ones; ``show(ks)`` updates and returns them."""

    artists: list

    def __init__(self, result, animated: bool):
        self.result = result
        self.runs = result.runs
        self.animated = animated
        self.colors, self.linestyles = (list(v) for v in zip(*style.run_styles(result.runs),
                                                              strict=True)) \
            if result.runs else ([], [])

    def dynamic(self, artist):
        self.artists.append(artist)
        return artist

    def legend_entries(self) -> list:
        """What the panel draws besides the runs' lines, for the figure's legend."""
        return []

    def finished(self, ks) -> list[bool]:
        return [k >= run.steps for k, run in zip(ks, self.runs, strict=True)]

    def place_heads(self, heads, ks, xy) -> None:
        """Put a marker, in its run's colour, on every run still moving at steps ``ks``; ``xy``
        gives a run's point at step k. A still picture has none (it marks the ends)."""
        moving = [(run, k, c) for run, k, c, done in
                  zip(self.runs, ks, self.colors, self.finished(ks), strict=True)
                  if self.animated and not done]
        heads.set_offsets(np.array([xy(run, k) for run, k, _ in moving],
                                   dtype=float).reshape(-1, 2))
        heads.set_facecolors([c for _, _, c in moving])

    def place_ends(self, ends, ks, xy, only=None) -> None:
        """A cross, in its run's colour, on every run that has ended by steps ``ks`` (and
        whose status is ``only``, when given)."""
        done = [(run, k, c) for run, k, c, d in
                zip(self.runs, ks, self.colors, self.finished(ks), strict=True)
                if d and (only is None or run.status == only)]
        ends.set_offsets(np.array([xy(run, k) for run, k, _ in done],
                                  dtype=float).reshape(-1, 2))
        ends.set_facecolors([c for _, _, c in done])


class ContourPanel(Panel):
    """The surface from above: filled contours, minima, and each run's path."""

    def __init__(self, ax, result, animated=False, title=None, colorbar=True, marks=(),
                 view=None, overlays: Overlays = NO_OVERLAYS):
        super().__init__(result, animated)
        self.ax, self.artists = ax, []
        # Marks name points of a run (e.g. its highest point); each shows once the run is there.
        self.marks = list(marks)
        surface = result.surface
        self.view = view if view is not None else view_box(surface.box,
                                                           [r.points for r in self.runs])
        X, Y, Z = loss_grid(surface, self.view)
        self.levels, self.level_mode = contour_levels(Z, surface.levels)
        self.filled, self.contours = draw_surface(ax, X, Y, Z, self.levels)
        self.data = DataLayers(ax, result, (X, Y, Z), self.levels, animated)
        self.artists += self.data.artists
        # Minima sit above the paths (as in a still), so an animation redraws them each frame.
        self.minima = [self.dynamic(a) for a in draw_minima(ax, surface.minima)]
        starts = np.array([r.start for r in self.runs])
        self.start = ax.scatter(starts[:, 0], starts[:, 1], zorder=6, linewidths=1.2,
                                **_marker(style.START))
        self.markers = max((r.steps for r in self.runs), default=0) <= style.MARKERS_UP_TO
        # The longest paths are drawn first, so a short one lying on a long one (SGD stopping
        # where momentum rolls on) stays on top and visible.
        self.order = sorted(range(len(self.runs)),
                            key=lambda i: -float(np.nansum(self.runs[i].step_lengths())))
        self.lines = self._path_lines(ax)
        self.dots = None
        if self.markers:
            self.dots = self.dynamic(ax.scatter([], [], s=14, zorder=5, linewidths=0))
        # Heads are plain discs: an outline's antialiased edge puts dozens of extra colours
        # into every frame a marker moves in (a GIF of 200 frames grows by a fifth).
        self.heads = self.dynamic(ax.scatter([], [], s=70, zorder=7, linewidths=0))
        self.end = self.dynamic(ax.scatter([], [], zorder=7, linewidths=1.2,
                                           **_marker(style.END)))
        self.arrows = None
        if overlays:
            self.arrows = Arrows(ax, self.runs, overlays.show, self.view, self.colors,
                                 steps=overlays.at, animated=animated)
            for artist in self.arrows.artists:
                self.dynamic(artist)
        self.mark_artists = [self.dynamic(ax.scatter([], [], s=130, zorder=8, marker=m.shape,
                                                     c=m.color, edgecolors=style.ink(),
                                                     linewidths=1.5)) for m in self.marks]
        ax.set_xlim(*self.view[0])
        ax.set_ylim(*self.view[1])
        ax.set_xlabel(result.surface.axes[0], fontsize="large")
        ax.set_ylabel(result.surface.axes[1], fontsize="large")
        if title:
            ax.set_title(title, fontsize="large", **style.LITERAL)
        (x0, x1), (y0, y1) = self.view
        if 1 / 3 <= (y1 - y0) / (x1 - x0) <= 3:
            ax.set_aspect("equal", adjustable="box")  # true geometry: step lengths look right
        self.colorbar = draw_colorbar(ax, self.filled, self.levels, self.level_mode) \
            if colorbar else None

    def _path_lines(self, ax) -> LineCollection:
        """The runs' paths, each with a halo, in one collection; on a sliced result a path
        fades where it leaves the plane (``plane``'s docstring): pieces of one alpha each, over
        a halo that fades too."""
        self.fade_scale = plane.fade_scale(self.runs) if plane.sliced(self.result) else None
        self.faded = None if self.fade_scale is None else plane.contour_paths(self)
        if self.faded is not None:
            for artist in self.faded.artists:
                ax.add_collection(self.dynamic(artist))
            return self.faded.lines
        lines = self.dynamic(LineCollection(
            [], colors=[self.colors[i] for i in self.order], linewidths=style.lw(2.2),
            zorder=5, linestyles=[self.linestyles[i] for i in self.order],
            capstyle="round", joinstyle="round", path_effects=style.halo(style.lw(2.2))))
        ax.add_collection(lines)
        return lines

    def legend_entries(self) -> list:
        shown = list(self.arrows.quivers) if self.arrows is not None else []
        faded = [plane.fade_entry()] if self.faded is not None else []
        return [*legend.start_and_end(), *legend.marks(self.marks), *legend.overlays(shown),
                *legend.minima(self.result.surface), *self.data.legend_entries(), *faded]

    def _dot_colors(self, ks) -> np.ndarray:
        """RGBA of every step's dot shown at steps ``ks``: its run's colour, faded as its
        path is on a sliced result."""
        colors = []
        for i in self.order:
            rgba = np.tile(to_rgba(self.colors[i]), (ks[i] + 1, 1))
            if self.faded is not None:
                rgba[:, 3] = plane.point_alphas(self.runs[i], self.fade_scale)[: ks[i] + 1]
            colors.append(rgba)
        return np.concatenate(colors)

    def show(self, ks):
        paths = [self.runs[i].points[: ks[i] + 1] for i in self.order]
        if self.faded is not None:
            self.faded.show([ks[i] for i in self.order])
        else:
            self.lines.set_segments(paths)
        if self.dots is not None:
            self.dots.set_offsets(np.concatenate(paths))
            self.dots.set_facecolors(self._dot_colors(ks))
        self.place_heads(self.heads, ks, lambda r, k: r.points[k])
        self.place_ends(self.end, ks, lambda r, k: r.end)
        if self.arrows is not None:
            self.arrows.show(ks)
        self.data.show(ks, self.runs)
        for mark, artist in zip(self.marks, self.mark_artists, strict=True):
            if mark.point is not None:
                artist.set_offsets([mark.point])
                continue
            run = self.runs[mark.run]
            shown = ks[mark.run] >= mark.step
            artist.set_offsets(run.points[mark.step][None, :2] if shown else np.empty((0, 2)))
        return self.artists


class CurvePanel(Panel):
    """A one-variable surface (or the side view of a two-variable one): the loss along x, with
    each run drawn as a ball on it."""

    def __init__(self, ax, result, animated=False, title=None, marks=()):
        super().__init__(result, animated)
        self.ax, self.artists = ax, []
        self.marks = list(marks)
        surface = result.surface
        box = surface.box if surface.dims == 2 else surface.box + ((0.0, 1.0),)
        paths = [np.column_stack([r.points[:, 0], r.points[:, -1]]) for r in self.runs]
        self.view = view_box(box, paths)
        xs, floor = side_view(surface, self.view)
        self.curve = ax.plot(xs, floor, color="0.75" if style.dark() else "0.3",
                             lw=style.lw(2.2), zorder=2)[0]
        for m in surface.minima:
            spec = style.GLOBAL_MIN if m.kind == "global" else style.LOCAL_MIN
            y = float(surface.loss(np.array([m.point]))[0])
            ax.scatter([m.point[0]], [y], marker=spec["marker"], s=spec["size"] * 0.7,
                       c="white" if m.kind == "global" else "none", edgecolors=style.ink(),
                       linewidths=1.5, zorder=3)
        starts = np.array([[r.points[0, 0], r.losses[0]] for r in self.runs])
        ax.scatter(starts[:, 0], starts[:, 1], zorder=6, linewidths=1.2, **_marker(style.START))
        self.trails = [self.dynamic(ax.plot([], [], color=c, ls=ls, lw=style.lw(1.6), alpha=0.55,
                                            marker="o", ms=3, zorder=4)[0])
                       for c, ls in zip(self.colors, self.linestyles, strict=True)]
        self.balls = self.dynamic(ax.scatter([], [], s=150, zorder=7, edgecolors=style.ink(),
                                             linewidths=1.2))
        self.end = self.dynamic(ax.scatter([], [], zorder=8, linewidths=1.2,
                                           **_marker(style.END)))
        self.mark_artists = [self.dynamic(ax.scatter([], [], s=130, zorder=9, c=m.color,
                                                     edgecolors=style.ink(), linewidths=1.5))
                             for m in self.marks]
        ax.set_xlim(*self.view[0])
        # Up to the runs' highest loss: the walls beyond would flatten the hump.
        seen = np.concatenate([floor, *[r.losses for r in self.runs]])
        seen = seen[np.isfinite(seen)]
        runs_seen = np.concatenate([r.losses for r in self.runs])
        runs_seen = runs_seen[np.isfinite(runs_seen)]
        lo = float(seen.min()) if seen.size else 0.0
        hi = float(runs_seen.max()) if runs_seen.size else lo
        if hi <= lo:
            hi = float(seen.max()) if seen.size else lo
        if not hi > lo:  # a flat loss: any height shows it
            lo, hi = lo - 0.5, lo + 0.5
        ax.set_ylim(lo - 0.05 * (hi - lo), hi + 0.08 * (hi - lo))
        ax.set_xlabel(surface.axes[0], fontsize="large")
        # Short: a rotated label longer than a small panel is tall runs into the panel above.
        ax.set_ylabel("loss" if surface.dims == 1 else f"loss, lowest over {surface.axes[1]}",
                      fontsize="large")
        if title:
            ax.set_title(title, fontsize="large", **style.LITERAL)

    def legend_entries(self) -> list:
        return [*legend.start_and_end(), *legend.marks(self.marks),
                *legend.minima(self.result.surface)]

    def show(self, ks):
        for trail, run, k in zip(self.trails, self.runs, ks, strict=True):
            trail.set_data(run.points[: k + 1, 0], run.losses[: k + 1])
        self.place_heads(self.balls, ks, lambda r, k: (r.points[k, 0], r.losses[k]))
        self.place_ends(self.end, ks, lambda r, k: (r.points[k, 0], r.losses[k]))
        for mark, artist in zip(self.marks, self.mark_artists, strict=True):
            run = self.runs[mark.run]
            shown = ks[mark.run] >= mark.step and mark.point is None  # a point has no height
            point = [[run.points[mark.step][0], run.losses[mark.step]]]
            artist.set_offsets(point if shown else np.empty((0, 2)))
        return self.artists


class LossPanel(Panel):
    """Loss against step for every run; log scale when it spans decades; early-stop (best
    point) and divergence marked."""

    def __init__(self, ax, result, animated=False, title=None):
        super().__init__(result, animated)
        self.ax, self.artists = ax, []
        self.offset, log = loss_reference(result.surface, self.runs)
        self.values = [self._y(r.losses) for r in self.runs]
        self.lines = [self.dynamic(ax.plot([], [], color=c, ls=ls, lw=style.lw(2),
                                           path_effects=style.halo(style.lw(2)))[0])
                      for c, ls in zip(self.colors, self.linestyles, strict=True)]
        # The held-out loss that early stopping watches, dashed, when the runs had one; the
        # best step is marked on it.
        # It is drawn as it is: f* is the training loss's minimum, not the held-out one's.
        self.held_out = [None if r.monitor is None else np.asarray(r.monitor, dtype=float)
                         for r in self.runs]
        # a loss over data holds out real rows: its held-out loss is the validation loss
        held = getattr(result.surface, "has_validation", False)
        self.held_name = "validation loss" if held else "held-out loss"
        self.stopping = any(r.status == "stopped early" for r in self.runs)
        self.held_lines = [None if h is None else
                           self.dynamic(ax.plot([], [], color=c, lw=style.lw(1.6), ls="--")[0])
                           for h, c in zip(self.held_out, self.colors, strict=True)]
        self.gaps = self._gap_bands(ax, log) if plane.sliced(result) else None
        self.heads = self.dynamic(ax.scatter([], [], s=40, zorder=5, edgecolors=style.ink()))
        self.best = self.dynamic(ax.scatter([], [], s=90, zorder=6, facecolors="none",
                                            edgecolors=style.ink(), linewidths=1.6,
                                            label="best step (early stopping)"))
        self.diverged = self.dynamic(ax.scatter([], [], zorder=6, linewidths=1.2,
                                                **_marker(style.END)))
        if log:
            ax.set_yscale("log")
            plain_log_labels(ax.yaxis)
        top = max(len(v) for v in self.values) - 1
        ax.set_xlim(0, max(top, 1))
        finite = np.concatenate([v[np.isfinite(v)] for v in self.values]
                                + [h[np.isfinite(h)] for h in self.held_out if h is not None]
                                + ([] if self.gaps is None else [self.gaps.values()]))
        if finite.size:
            lo, hi = finite.min(), finite.max()
            if log and hi / max(lo, 1e-300) < 30:  # a decade or so: label 2, 3 and 5 too
                ax.set_ylim(lo / 1.15, hi * 1.15)
                few_decades(ax.yaxis)
            elif log:
                ax.set_ylim(max(lo, hi * 1e-16) / 2, hi * 2)
            else:
                pad = 0.05 * (hi - lo or 1.0)
                ax.set_ylim(lo - pad, hi + pad)
        ax.set_xlabel("step", fontsize="large")
        # Two short lines, so the label fits the panel's height in every look.
        first = ("true loss" if self.gaps is not None else "loss") if self.offset is None \
            else "loss − f*"
        second = "" if self.offset is None else "f* = global minimum"
        first += ", log scale" if log else ""
        if any(h is not None for h in self.held_out):  # short: the legend says the rest
            second = f"dashed: {self.held_name}"
        ax.set_ylabel(first + (f"\n{second}" if second else ""), fontsize="large")
        ax.grid(True, which="major", alpha=0.3)
        self.log = log
        if title:
            ax.set_title(title, fontsize="large", **style.LITERAL)

    def _gap_bands(self, ax, log: bool) -> plane.GapBands:
        """On a sliced result: the band from each run's true loss (its line) to the plane's
        loss at its projected point."""
        floor = 1e-300 if log else -np.inf  # (a log axis draws no loss of 0)
        gaps = plane.GapBands(ax, [(y, np.maximum(self._y(
            r.losses if r.plane_losses is None else r.plane_losses), floor))
            for r, y in zip(self.runs, self.values, strict=True)], self.colors)
        self.artists += gaps.artists
        return gaps

    def _y(self, losses):
        y = np.asarray(losses, dtype=float) - (self.offset or 0.0)
        return np.maximum(y, 1e-300) if self.offset is not None else y

    def legend_entries(self) -> list:
        gap = [] if self.gaps is None else [plane.gap_entry()]
        if all(h is None for h in self.held_out):
            return gap
        held = Line2D([], [], ls="--", color=style.ink(), label=f"{self.held_name} (dashed)")
        if not self.stopping:  # the validation loss recorded, nothing stopped on it
            return [held, *gap]
        return [*gap, held, Line2D([], [], ls="none", marker="o", markerfacecolor="none",
                                   markersize=9, markeredgecolor=style.ink(),
                                   label="best step (early stopping)")]

    def show(self, ks):
        for line, y, k in zip(self.lines, self.values, ks, strict=True):
            line.set_data(np.arange(k + 1), y[: k + 1])
        for line, h, k in zip(self.held_lines, self.held_out, ks, strict=True):
            if line is not None:
                line.set_data(np.arange(k + 1), h[: k + 1])
        if self.gaps is not None:
            self.gaps.show(ks)
        values = {id(r): y for r, y in zip(self.runs, self.values, strict=True)}
        self.place_heads(self.heads, ks, lambda r, k: (k, values[id(r)][k]))
        done = self.finished(ks)
        watched = [h if h is not None else y for y, h in zip(self.values, self.held_out,
                                                                strict=True)]
        best = [(r.best_step, y[r.best_step]) for r, y, d in
                zip(self.runs, watched, done, strict=True) if d and r.status == "stopped early"]
        self.best.set_offsets(np.array(best, dtype=float).reshape(-1, 2))
        self.place_ends(self.diverged, ks, lambda r, k: (r.steps, values[id(r)][r.steps]),
                        only="diverged")
        return self.artists


def _marker(spec: dict) -> dict:
    """Scatter keywords of a marker spec (one with no colour takes each point's own)."""
    out = {"marker": spec["marker"], "s": spec["size"], "edgecolors": style.ink()}
    if "color" in spec:
        out["c"] = spec["color"]
    return out


def _log_limits(ax, values) -> None:
    """A log axis around the positive values; a linear one when there are none (a run that
    starts at its minimum never moves)."""
    values = np.asarray(values, dtype=float)
    positive = values[np.isfinite(values) & (values > 0)]
    if positive.size:
        ax.set_yscale("log")
        ax.set_ylim(positive.min() / 2, positive.max() * 2)
        plain_log_labels(ax.yaxis)


def few_decades(axis) -> None:
    """A log axis spanning about a decade: its minor ticks at 2, 3 and 5 labelled in plain
    numbers, or it would show one label or none."""
    from matplotlib.ticker import FuncFormatter, LogLocator

    axis.set_minor_locator(LogLocator(subs=(2.0, 3.0, 5.0)))
    axis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:g}"))


def plain_log_labels(axis) -> None:
    """Label a log (or symlog) axis's decades as plain text ("10⁻³") and leave its minor ticks
    unlabelled."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    axis.set_major_formatter(FuncFormatter(power_label))
    axis.set_minor_formatter(NullFormatter())
