"""The fit view: what the model does. Beside the paths, the data with the model at each run's
current step, so a step on the surface is seen as a change of the fit.

- One input (cars, dip, lecture): the rows as points (the validation rows hollow, of another
  marker) and each run's curve over the input's range, in its colour and dash.
- Two inputs (iris): the rows by class (shape and grey, which survive colour blindness and leave
  the colours to the runs; the validation rows hollow) and each run's decision boundary, where
  the model equals the surface's ``boundary``, in its colour. The axes stay on the data.

In an animation, the rows of the current step's minibatch (of the first run on minibatches) are
ringed in that run's colour: the rows that step was taken on.
"""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

from . import style
from .data_layers import contour_segments
from .panels import Panel
from .views import check_surface

CURVE_POINTS = 300  # points along a model's curve over its input
BOUNDARY_GRID = 120  # points a side of the grid a decision boundary is drawn from
MARGIN = 0.08  # of the data's range, around it
CLASS_MARKERS = ("o", "^", "s", "D")  # a class each; more values than these: coloured by value
VALIDATION_MARKER = "s"  # one input: the held-out rows, hollow squares beside filled discs
ROWS_Z = 6  # the rows above the model's lines: a line through a point must not hide it


def point_size(rows: int) -> float:
    """A row's marker area: a few rows (the lecture's one) stand out, many stay apart; larger
    as the look's lines are thicker (a talk's)."""
    return (36 if rows > 12 else 80) * style.lw(1.0) ** 2  # lw(1): the look's line scale


def class_shades() -> tuple[str, ...]:
    """The classes' greys in the current look: apart from each other and from the page."""
    return ("0.45", "0.9", "0.65", "0.25") if style.dark() else ("0.6", "0.12", "0.85", "0.35")


def data_range(values, margin: float = MARGIN) -> tuple[float, float]:
    """(low, high) around ``values`` with ``margin`` of their range on each side; a single
    value is shown from 0 to it (a line through the origin, w*x, is seen whole)."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    lo, hi = (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)
    if hi == lo:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
        if hi == lo:
            lo, hi = lo - 1.0, hi + 1.0
    pad = margin * (hi - lo)
    return lo - pad, hi + pad


class FitPanel(Panel):
    """The data and the model at each run's step: a curve over one input, or a decision
    boundary over two. Needs a data surface with a model (``views.check_surface``)."""

    def __init__(self, ax, result, animated=False, title=None):
        check_surface(["fit"], result.surface)  # also where no command checked the views
        super().__init__(result, animated)
        self.ax, self.artists = ax, []
        self.surface = result.surface
        loss = self.surface.data
        self.inputs, self.target, self.boundary = loss.inputs, loss.target, loss.boundary
        self.train = loss.train
        # held-out rows are drawn when they hold the columns the model reads and predicts
        wanted = (*self.inputs, self.target)
        self.validation = loss.validation if loss.validation is not None and all(
            c in loss.validation.columns for c in wanted) else None
        if len(self.inputs) == 1:
            self._draw_curve_data()
        else:
            self._draw_class_data()
        batched = [i for i, r in enumerate(self.runs) if r.batch_rows is not None]
        self.batch_index = batched[0] if animated and batched else None
        self.batch = None
        if self.batch_index is not None:
            self.rows = self._rows()
            self.batch = self.dynamic(ax.scatter([], [], s=110, facecolors="none", zorder=ROWS_Z,
                                                 edgecolors=self.colors[self.batch_index],
                                                 linewidths=1.6))
        if title:
            ax.set_title(title, fontsize="large", **style.LITERAL)

    def _columns(self, table, names) -> list[np.ndarray]:
        return [np.asarray(table.columns[c], dtype=float) for c in names]

    def _rows(self) -> np.ndarray:
        """The training rows as points of the panel (N, 2)."""
        names = self.inputs if len(self.inputs) == 2 else (*self.inputs, self.target)
        return np.column_stack(self._columns(self.train, names))

    def _draw_curve_data(self) -> None:
        ax, (name,) = self.ax, self.inputs
        x, y = self._columns(self.train, (name, self.target))
        seen_x, seen_y = [x], [y]
        size = point_size(self.train.rows)
        self.points = ax.scatter(x, y, s=size, c=class_shades()[0], edgecolors=style.ink(),
                                 linewidths=0.6, zorder=ROWS_Z)
        self.held = None
        if self.validation is not None:
            vx, vy = self._columns(self.validation, (name, self.target))
            seen_x.append(vx)
            seen_y.append(vy)
            self.held = ax.scatter(vx, vy, s=size, marker=VALIDATION_MARKER, facecolors="none",
                                   edgecolors=style.ink(), linewidths=1.3, zorder=ROWS_Z)
        self.xs = np.linspace(*data_range(np.concatenate(seen_x)), CURVE_POINTS)
        self.curves = [self.dynamic(ax.plot([], [], color=c, ls=ls, lw=style.lw(2.2), zorder=5,
                                            path_effects=style.halo(style.lw(2.2)))[0])
                       for c, ls in zip(self.colors, self.linestyles, strict=True)]
        ax.set_xlim(self.xs[0], self.xs[-1])
        ax.set_ylim(*self._y_limits(np.concatenate(seen_y)))
        ax.set_xlabel(name, fontsize="large")
        ax.set_ylabel(self.target, fontsize="large")
        ax.grid(True, alpha=0.3)

    def _y_limits(self, targets) -> tuple[float, float]:
        """Around the data and every run's first and last curve (a diverged run's first only),
        but no further than half the data's range beyond it: a curve far off leaves the panel,
        the data stays large."""
        lo, hi = data_range(targets)
        reach = 0.5 * (hi - lo)
        seen = [targets] + [self._predict(run, k) for run in self.runs
                            for k in ((0,) if run.status == "diverged" else (0, run.steps))]
        seen = np.concatenate(seen)
        seen = np.clip(seen[np.isfinite(seen)], lo - reach, hi + reach)
        return data_range(seen)

    def _draw_class_data(self) -> None:
        ax = self.ax
        values = self.train.columns[self.target]
        if self.validation is not None:
            values = np.concatenate([values, self.validation.columns[self.target]])
        self.classes = np.unique(values[np.isfinite(values)])
        self.coloured = len(self.classes) > len(CLASS_MARKERS)  # a measure, not classes
        self.points = self._scatter_classes(self.train, hollow=False)
        self.held = None if self.validation is None else \
            self._scatter_classes(self.validation, hollow=True)
        tables = [self.train] + ([self.validation] if self.validation is not None else [])
        limits = [data_range(np.concatenate([t.columns[c] for t in tables]))
                  for c in self.inputs]
        axes = [np.linspace(lo, hi, BOUNDARY_GRID) for lo, hi in limits]
        self.grid = np.meshgrid(*axes)
        self.boundaries = []
        for color, dash in zip(self.colors, self.linestyles, strict=True):
            lines = LineCollection([], colors=[color], linestyles=[dash], linewidths=style.lw(2.2),
                                   zorder=5, capstyle="round",
                                   path_effects=style.halo(style.lw(2.2)))
            ax.add_collection(lines)
            self.boundaries.append(self.dynamic(lines))
        ax.set_xlim(*limits[0])
        ax.set_ylim(*limits[1])
        ax.set_xlabel(self.inputs[0], fontsize="large")
        ax.set_ylabel(self.inputs[1], fontsize="large")

    def _scatter_classes(self, table, hollow: bool) -> list:
        """One scatter per class (filled, or hollow for held-out rows); rows coloured by value
        when the target is a measure rather than a few classes."""
        x, y, t = self._columns(table, (*self.inputs, self.target))
        width, size = 1.3 if hollow else 0.6, point_size(self.train.rows)
        if self.coloured:
            colors = colormaps["viridis"](np.interp(t, [self.classes[0], self.classes[-1]],
                                                    [0, 1]))
            return [self.ax.scatter(x, y, s=size, zorder=ROWS_Z, linewidths=width,
                                    facecolors="none" if hollow else colors,
                                    edgecolors=colors if hollow else style.ink())]
        return [self.ax.scatter(x[t == v], y[t == v], s=size, marker=marker, zorder=ROWS_Z,
                                facecolors="none" if hollow else shade,
                                edgecolors=style.ink(), linewidths=width)
                for v, marker, shade in zip(self.classes, CLASS_MARKERS, class_shades(),
                                            strict=False)]

    def _predict(self, run, k) -> np.ndarray:
        """The model over the panel's inputs (the curve's x, or the grid) at run's step k."""
        point = run.points[min(k, run.steps)]
        if len(self.inputs) == 1:
            inputs = {self.inputs[0]: self.xs}
        else:
            inputs = dict(zip(self.inputs, self.grid, strict=True))
        with np.errstate(all="ignore"):
            return self.surface.predict(point, inputs)

    def legend_entries(self) -> list:
        entries = []
        if len(self.inputs) == 1:
            entries.append(_point("o", class_shades()[0], style.ink(),
                                  f"training rows ({self.train.rows})"))
        elif self.coloured:
            entries.append(_point("o", "0.5", style.ink(),
                                  f"training rows ({self.train.rows}), coloured by "
                                  f"{self.target} (purple low, yellow high)"))
        else:
            column = self.train.columns[self.target]
            entries += [_point(m, shade, style.ink(), f"{self.target} = {v:g} "
                                                      f"({int(np.sum(column == v))} rows)")
                        for v, m, shade in zip(self.classes, CLASS_MARKERS, class_shades(),
                                               strict=False)]
        if self.validation is not None:
            marker = VALIDATION_MARKER if len(self.inputs) == 1 else "o"
            entries.append(_point(marker, "none", style.ink(),
                                  f"validation rows ({self.validation.rows}, hollow)"))
        if len(self.inputs) == 2:
            entries.append(Line2D([], [], color=style.ink(), lw=style.lw(2.2),
                                  label=f"decision boundary: model = {self.boundary:g} "
                                        f"(run's colour)"))
        if self.batch_index is not None:
            label = self.runs[self.batch_index].label
            entries.append(_point("o", "none", self.colors[self.batch_index],
                                  f"rows of this step's minibatch ({label})"))
        return entries

    def show(self, ks):
        for i, (run, k) in enumerate(zip(self.runs, ks, strict=True)):
            values = self._predict(run, k)
            if len(self.inputs) == 1:
                self.curves[i].set_data(self.xs, values)
            else:
                self.boundaries[i].set_segments(contour_segments(*self.grid, values,
                                                                 [self.boundary]))
        if self.batch is not None:
            run = self.runs[self.batch_index]
            k = min(ks[self.batch_index], run.steps)
            rows = run.batch_rows[k]
            self.batch.set_offsets(self.rows[rows[rows >= 0]] if k >= 1 else
                                   np.empty((0, 2)))
        return self.artists


def _point(marker, face, edge, label) -> Line2D:
    return Line2D([], [], ls="none", marker=marker, markersize=8, markerfacecolor=face,
                  markeredgecolor=edge, markeredgewidth=1.3 if face == "none" else 0.6,
                  label=label)
