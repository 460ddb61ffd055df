"""What a loss over data adds to the contour view.

- The **validation loss** (the held-out rows) as its own faint dashed contours at the training
  loss's levels, so the two compare level for level, with its minimum marked: where training
  would stop if it could see the held-out rows.
- The point **early stopping kept** (the best validation loss), ringed once a run has stopped.
- In an animation, the loss over the **current step's minibatch** (the rows step k's gradient
  was taken on, of the first run on minibatches) as thin lines at the same levels, redrawn every
  frame: the landscape that step actually went down, so the noise of a minibatch has a shape.
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

from . import style

BATCH_GRID = 90  # points a side of the grid a minibatch's loss is drawn from, each frame
VALIDATION_MARKER = {"marker": "P", "size": 150}


class DataLayers:
    """The validation contours (static) and the minibatch's contours (``artists``, dynamic)."""

    def __init__(self, ax, result, grid, levels, animated: bool):
        self.ax, self.artists, self.levels = ax, [], np.asarray(levels, dtype=float)
        surface = result.surface
        X, Y, _ = grid
        self.validation = getattr(surface, "has_validation", False) and surface.dims == 2
        if self.validation:
            Z = surface.validation_loss(np.column_stack([X.ravel(), Y.ravel()])).reshape(X.shape)
            ax.contour(X, Y, np.where(np.isfinite(Z), Z, np.nan), levels=self.levels,
                       colors=[style.ink()], linestyles="dashed", linewidths=style.lw(0.7),
                       alpha=0.55, zorder=3)
            self.best = surface.validation_minimum
            if self.best is not None:
                ax.scatter([self.best[0]], [self.best[1]], marker=VALIDATION_MARKER["marker"],
                           s=VALIDATION_MARKER["size"], c="white", edgecolors=style.ink(),
                           linewidths=1.5, zorder=6)
        # Early stopping keeps a run's best validation point: ringed once the run has stopped.
        self.stopped = [r for r in result.runs if r.status == "stopped early" and
                        r.monitor is not None and surface.dims == 2]
        self.kept = None
        if self.stopped:
            self.kept = ax.scatter([], [], s=150, zorder=8, facecolors="none",
                                   edgecolors=style.ink(), linewidths=1.8)
            self.artists.append(self.kept)
        batched = [r for r in result.runs if r.batch_rows is not None]
        self.run = batched[0] if animated and batched and surface.dims == 2 else None
        self.lines = None
        if self.run is not None:
            xs = np.linspace(X.min(), X.max(), BATCH_GRID)
            ys = np.linspace(Y.min(), Y.max(), BATCH_GRID)
            self.bx, self.by = np.meshgrid(xs, ys)
            self.points = np.ascontiguousarray(np.array([self.bx.ravel(), self.by.ravel()]))
            self.surface = surface
            self.lines = LineCollection([], colors=[style.ink()], linewidths=style.lw(0.5),
                                        alpha=0.35, zorder=3)
            ax.add_collection(self.lines)
            self.artists.append(self.lines)

    def legend_entries(self) -> list:
        entries = []
        if self.validation:
            # one entry with the loss view's dashed line: the same loss, the same dash
            entries.append(Line2D([], [], ls="--", color=style.ink(),
                                  label="validation loss (dashed)"))
            if self.best is not None:
                entries.append(Line2D([], [], ls="none", marker=VALIDATION_MARKER["marker"],
                                      markerfacecolor="white", markeredgecolor=style.ink(),
                                      markersize=11, label="validation minimum"))
        if self.run is not None:
            entries.append(Line2D([], [], lw=0.8, color=style.ink(),
                                  label="this step's minibatch loss (thin)"))
        if self.stopped:
            # the loss view's entry too: one legend line for both rings
            entries.append(Line2D([], [], ls="none", marker="o", markerfacecolor="none",
                                  markersize=9, markeredgecolor=style.ink(),
                                  label="best step (early stopping)"))
        return entries

    def show(self, ks, runs) -> None:
        """The kept points of the runs stopped by ``ks``, and the minibatch of the drawn run's
        step at ``ks`` (none before its first step)."""
        if self.kept is not None:
            done = [r.points[r.best_step] for r, k in zip(runs, ks, strict=True)
                    if r in self.stopped and k >= r.steps]
            self.kept.set_offsets(np.array(done, dtype=float).reshape(-1, 2))
        if self.run is None:
            return
        k = ks[next(i for i, r in enumerate(runs) if r is self.run)]
        k = min(k, self.run.steps)
        if k < 1:
            self.lines.set_segments([])
            return
        rows = self.run.batch_rows[k]
        rows = rows[rows >= 0]
        many = np.broadcast_to(rows, (self.points.shape[1], len(rows)))
        Z = self.surface.batch_loss(self.points, many).reshape(self.bx.shape)
        self.lines.set_segments(contour_segments(self.bx, self.by, Z, self.levels))


def contour_segments(X, Y, Z, levels) -> list:
    """The contour lines of Z at ``levels`` as polylines (matplotlib's own contour algorithm,
    without making a ContourSet each frame)."""
    import contourpy

    generator = contourpy.contour_generator(X, Y, np.where(np.isfinite(Z), Z, np.nan),
                                            line_type=contourpy.LineType.Separate)
    return [line for level in levels for line in generator.lines(level) if len(line) > 1]
