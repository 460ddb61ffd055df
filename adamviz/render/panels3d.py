"""The 3d view: the surface as a shaded mesh with each trajectory lifted onto it."""

from __future__ import annotations

import inspect

import numpy as np
from matplotlib.ticker import FuncFormatter, MaxNLocator
from mpl_toolkits.mplot3d.art3d import Line3DCollection

from . import legend, plane, style
from .contour import background_cmap
from .grid import loss_grid, view_box
from .panels import Panel
from .settings import DEFAULT_CAMERA, Camera
from .viewdata import camera as chosen_camera
from .viewdata import clip_height


def add_fixed(ax, collection) -> None:
    """Add ``collection`` to a 3D Axes without moving its limits (set before, from the view
    box). matplotlib 3.10 autoscales to a 3D collection unless told ``autolim=False``; 3.9,
    which has no such keyword, only widens the data limits, and the limits set stand."""
    if "autolim" in inspect.signature(ax.add_collection3d).parameters:
        ax.add_collection3d(collection, autolim=False)
    else:
        ax.add_collection3d(collection)


class PathsOnTop(Line3DCollection):
    """Faded paths (``plane.FadedPaths``) in 3D, drawn over the surface as the other runs' lines
    are (zorder 5): a 3D Axes sorts its collections by depth and gives them zorders under its
    lines, which would hide the paths under the surface; this one keeps its own."""

    zorder = property(lambda self: 5, lambda self, value: None)

    def draw(self, renderer):
        # A 3D Axes projects its collections when it draws itself; an animation frame draws
        # this alone, with the segments of the step it shows.
        self.do_3d_projection()
        super().draw(renderer)


class ThreeDPanel(Panel):
    """The surface in 3D with each trajectory lifted onto it."""

    def __init__(self, ax, result, animated=False, title=None, camera: Camera = DEFAULT_CAMERA):
        super().__init__(result, animated)
        self.ax, self.artists = ax, []
        surface = result.surface
        view = view_box(surface.box, [r.points for r in self.runs])
        X, Y, Z = loss_grid(surface, view, resolution=70)
        self.zmax = clip_height(Z)
        zmin = float(np.nanmin(Z))
        if not self.zmax > zmin:  # a flat loss: any height shows it
            self.zmax = zmin + 1.0
        self.lift = 0.01 * (self.zmax - zmin)
        ax.plot_surface(X, Y, np.minimum(Z, self.zmax), cmap=background_cmap(), linewidth=0,
                        antialiased=False, alpha=0.85, rstride=1, cstride=1, zorder=1)
        ax.contour(X, Y, np.minimum(Z, self.zmax), levels=12, colors=style.contour_line(),
                   linewidths=0.4, alpha=0.4, offset=zmin)
        # The minima as the contour view draws them (as large, so a run's end on one leaves
        # it showing), under the paths.
        self.minima = []
        for m in surface.minima:
            spec = style.GLOBAL_MIN if m.kind == "global" else style.LOCAL_MIN
            z = min(float(surface.loss(np.array([m.point]))[0]), self.zmax) + self.lift
            self.minima += ax.plot([m.point[0]], [m.point[1]], [z], ls="none",
                                   marker=spec["marker"], ms=spec["size"] ** 0.5,
                                   mec=style.ink(), mew=1.5, mfc=spec["color"], zorder=4)
        # A 3D Axes does not clip: a path that leaves the box (a diverging run, a surface with
        # no walls) would be drawn across the title. Outside the box it is not drawn.
        (x0, x1), (y0, y1) = view
        self.z = [np.where((r.points[:, 0] >= x0) & (r.points[:, 0] <= x1)
                           & (r.points[:, 1] >= y0) & (r.points[:, 1] <= y1),
                           np.minimum(r.losses, self.zmax) + self.lift, np.nan)
                  for r in self.runs]
        for run, z in zip(self.runs, self.z, strict=True):
            ax.plot([run.start[0]], [run.start[1]], [z[0]], ls="none", marker="o", ms=9,
                    mfc=style.START["color"], mec="black", zorder=6)
        self.faded = self._faded_paths(ax) if plane.sliced(result) else None
        self.lines = [self.dynamic(ax.plot([], [], [], color=c, ls=ls, lw=style.lw(2.2),
                                           zorder=5)[0]) for c, ls in
                      zip(self.colors, self.linestyles, strict=True) if self.faded is None]
        self.heads = [self.dynamic(ax.plot([], [], [], ls="none", marker="o", ms=8, mfc=c,
                                           mec="black", zorder=7)[0]) for c in self.colors]
        self.ends = [self.dynamic(ax.plot([], [], [], ls="none", marker="X", ms=11,
                                          mfc=c, mec="black", zorder=7)[0])
                     for c in self.colors]
        ax.set_xlim(*view[0])
        ax.set_ylim(*view[1])
        ax.set_zlim(zmin, self.zmax + 2 * self.lift)
        ax.view_init(*chosen_camera(surface.minima, camera.elev, camera.azim))
        if style.dark():  # the 3D panes are light grey by default, whatever the look
            for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
                axis.set_pane_color((1, 1, 1, 0.06))
        # Seen from the side, the y axis is short: fewer ticks, and labels set off from them.
        for axis, bins in ((ax.xaxis, 4), (ax.yaxis, 3)):
            axis.set_major_locator(MaxNLocator(bins, steps=[1, 2, 5, 10]))
        ax.set_xlabel(result.surface.axes[0], labelpad=8)
        ax.set_ylabel(result.surface.axes[1], labelpad=8)
        # Short tick labels ("30k", not "30000") and a padded label, so the two never touch.
        ax.zaxis.set_major_formatter(FuncFormatter(_short_number))
        ax.set_zlabel("loss", labelpad=10)
        if title:
            ax.set_title(title, fontsize="large", **style.LITERAL)

    def _faded_paths(self, ax) -> plane.FadedPaths:
        """On a sliced result each run's path fades where it leaves the plane."""
        self.fade_scale = plane.fade_scale(self.runs)
        faded = plane.FadedPaths(
            [np.column_stack([r.points[:, :2], z]) for r, z in zip(self.runs, self.z,
                                                                    strict=True)],
            [plane.segment_alphas(r, self.fade_scale) for r in self.runs], self.colors,
            self.linestyles, PathsOnTop([], linewidths=style.lw(2.2)))
        add_fixed(ax, self.dynamic(faded.lines))
        return faded

    def legend_entries(self) -> list:
        faded = [plane.fade_entry()] if self.faded is not None else []
        return [*legend.start_and_end(), *legend.minima(self.result.surface), *faded]

    def show(self, ks):
        done = self.finished(ks)
        if self.faded is not None:
            self.faded.show(ks)
        for i, (run, z, k) in enumerate(zip(self.runs, self.z, ks, strict=True)):
            if self.faded is None:
                self.lines[i].set_data_3d(run.points[: k + 1, 0], run.points[: k + 1, 1],
                                          z[: k + 1])
            head = self.animated and not done[i]
            self.heads[i].set_data_3d(*_point3d(run, z, k, head))
            self.ends[i].set_data_3d(*_point3d(run, z, k, done[i]))
        return self.artists


def _point3d(run, z, k: int, shown: bool):
    """Step k of ``run`` as the arrays Line3D wants (empty when not shown)."""
    if not shown:
        return np.empty(0), np.empty(0), np.empty(0)
    return np.array([run.points[k, 0]]), np.array([run.points[k, 1]]), np.array([z[k]])


def _short_number(value: float, _pos=None) -> str:
    """A z tick label of at most about five characters: 25000 -> "25k", 3e6 -> "3M"."""
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= 10 * scale:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.4g}"
