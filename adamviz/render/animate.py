"""Animations (.gif, .mp4) rendered by blitting: the background is drawn once, then each frame
restores it and draws only the artists that moved.

``FuncAnimation.save`` redraws the whole figure (contours included) for every frame; here a
frame costs a few draw calls, and frames go to the encoder one at a time (see ``gif.py``), so
neither time nor memory grows with the size of the background.
"""

from __future__ import annotations

import base64
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib import patheffects
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba

from ..core.errors import InputError
from ..core.io import atomic_open, atomic_path
from ..core.limits import check_frame_size
from . import style
from .figure import FRAME_DPI, FRAME_PANEL, compose, grid_shape, panel_size_for, settle
from .frames import gif_delay, hold_delay, paced_steps, run_steps, story_gains
from .looks import wearing
from .settings import (
    DEFAULT_CAMERA,
    DEFAULT_LOOK,
    DEFAULT_TIMING,
    NO_OVERLAYS,
    Camera,
    Look,
    Overlays,
    Timing,
)

FORMATS = (".gif", ".mp4")
MAX_FPS_MP4 = 240


@dataclass(frozen=True)
class Animation:
    """An animation written to ``path``: how many frames, the rate it really plays at, its
    size; in a notebook it plays inline."""

    path: Path | None  # None: kept in memory (``InMemory``)
    frames: int
    fps: float  # the rate it really plays at
    requested_fps: float
    width: int
    height: int

    def describe(self) -> str:
        rate = f"{self.fps:g} fps"
        if abs(self.fps - self.requested_fps) > 1e-9:
            rate += (f" (GIF delays are whole centiseconds: {self.requested_fps:g} fps plays as "
                     f"{self.fps:.3g} fps)")
        return f"{self.frames} frames, {self.width}x{self.height}, {rate}"

    @property
    def data(self) -> bytes:
        return Path(self.path).read_bytes()

    def _repr_html_(self) -> str:
        if self.path is not None and Path(self.path).suffix.lower() == ".mp4":
            encoded = base64.b64encode(self.data).decode()
            return (f'<video controls loop autoplay muted width="{self.width}">'
                    f'<source src="data:video/mp4;base64,{encoded}" type="video/mp4"></video>')
        from .inline import img_tag

        return img_tag(self.data, "image/gif", f"animation, {self.describe()}")

    def __repr__(self) -> str:
        return f"Animation({str(self.path)!r}: {self.describe()})"


@dataclass(frozen=True)
class InMemory(Animation):
    """An animation kept in memory (made without a path): its bytes instead of a file."""

    content: bytes = b""

    @classmethod
    def of(cls, made: Animation) -> InMemory:
        return cls(**{**made.__dict__, "path": None, "content": Path(made.path).read_bytes()})

    @property
    def data(self) -> bytes:
        return self.content

    def save(self, path) -> Path:
        """Write the GIF to ``path``, atomically."""
        with atomic_open(path, "wb") as handle:
            handle.write(self.content)
        return Path(path)

    def __repr__(self) -> str:
        return f"Animation(in memory: {self.describe()}, {len(self.content):,} bytes)"


def check_settings(path, timing: Timing = DEFAULT_TIMING) -> str:
    """Check that ``path`` is an animation and ``timing`` suits its format, before any work;
    returns the format ('gif' or 'mp4'). (``Timing`` checked its own values.)"""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise InputError(f"Not an animation format: {suffix!r}; use .gif or .mp4.")
    fps = timing.fps
    if suffix == ".gif":
        try:
            gif_delay(fps)
        except ValueError as exc:
            raise InputError(str(exc)) from None
        return "gif"
    if not (np.isfinite(fps) and 0 < fps <= MAX_FPS_MP4):
        raise InputError(f"Invalid --fps for .mp4: {fps:g} (must be > 0 and at most "
                         f"{MAX_FPS_MP4}).")
    if importlib.util.find_spec("imageio_ffmpeg") is None:
        raise InputError("Writing .mp4 needs the optional video extra: "
                         "pip install 'adamviz[video]' (it brings imageio-ffmpeg); "
                         "or write a .gif.")
    return "mp4"


class Animator:
    """A composed figure with its background drawn once; ``frame(step)`` renders one frame."""

    def __init__(self, result, views, panel_size=FRAME_PANEL, dpi=None, **settings):
        """``settings``: what ``compose`` takes (look, camera, overlays, marks, extra, shape)."""
        self.result = result
        self.fig, self.panels = compose(result, views, animated=True, panel_size=panel_size,
                                        dpi=dpi or FRAME_DPI, counter=True, **settings)
        for panel in self.panels:
            for artist in panel.artists:
                artist.set_animated(True)  # left out of the full draw: the background
        self.lengths = [[run.steps for run in panel.runs] for panel in self.panels]
        self.total = max(max(lengths) for lengths in self.lengths)
        self.canvas = self.fig.canvas
        settle(self.fig)  # lays out and draws everything static, once
        self.background = self.canvas.copy_from_bbox(self.fig.bbox)
        self.counter = StepCounter(self.fig, self.total)

    def frame(self, step: int) -> np.ndarray:
        """The RGBA pixels (a view of the canvas: copy it to keep it) with runs at ``step``."""
        self.canvas.restore_region(self.background)
        artists = [a for panel, lengths in zip(self.panels, self.lengths, strict=True)
                   for a in panel.show(run_steps(step, lengths))]
        renderer = self.canvas.get_renderer()
        for artist in sorted(artists, key=lambda a: a.get_zorder()):  # a still's stacking
            if not draw_stroked(artist, renderer):
                self.fig.draw_artist(artist)
        pixels = np.asarray(self.canvas.buffer_rgba())
        self.counter.paint(pixels, step)
        return pixels


STROKE_KEYS = {"linewidth", "foreground", "alpha"}  # what ``style.halo``'s Stroke changes


def draw_stroked(lines, renderer) -> bool:
    """Draw a LineCollection with a halo (``style.halo``: a Stroke under a Normal) as matplotlib
    draws it, to the pixel: every path once per effect, all the halos first, through the same
    ``draw_path`` calls; False (nothing drawn) for any other artist.

    Matplotlib draws a collection with path effects path by path, and for each one copies a
    graphics context twice, converts its colour and checks its dashes: with 400 runs that
    bookkeeping was a quarter of a frame's time (135 ms of CPU; 100 ms here, nearly all of it
    Agg rasterizing 800 wide paths). Here a context is set up once per pass and the dashes only
    when they change.
    """
    effects = lines.get_path_effects() if isinstance(lines, LineCollection) else []
    if not effects or not all(type(e) is patheffects.Normal or (
            type(e) is patheffects.Stroke and set(e._gc) <= STROKE_KEYS and not any(e._offset))
            for e in effects):
        return False
    transform = lines.get_transform()
    if not lines.get_visible() or not transform.is_affine or lines.have_units() \
            or lines.get_hatch() or lines.get_sketch_params() or lines.get_array() is not None \
            or lines._gapcolor is not None or lines.get_facecolor()[:, 3].any() \
            or lines.get_offset_transform().transform(lines.get_offsets()).tolist() != [[0, 0]]:
        return False
    paths, affine = lines.get_paths(), transform.frozen()
    edges = [to_rgba(c) for c in lines.get_edgecolor()]
    widths, styles = lines.get_linewidth(), lines.get_linestyle()
    smooth = lines.get_antialiased()
    for effect in effects:
        gc = renderer.new_gc()
        lines._set_gc_clip(gc)
        gc.set_snap(lines.get_snap())
        if lines.get_joinstyle():
            gc.set_joinstyle(lines.get_joinstyle())
        if lines.get_capstyle():
            gc.set_capstyle(lines.get_capstyle())
        dashes = None
        for i, path in enumerate(paths):
            edge = edges[i % len(edges)]
            gc.set_linewidth(widths[i % len(widths)] if edge[3] else 0)
            if styles[i % len(styles)] is not dashes:
                dashes = styles[i % len(styles)]
                gc.set_dashes(*dashes)
            if edge[3]:
                gc.set_foreground(edge, isRGBA=True)
            gc.set_antialiased(smooth[i % len(smooth)])
            if isinstance(effect, patheffects.Stroke):
                effect._update_gc(gc, effect._gc)
            renderer.draw_path(gc, path, affine, None)
        gc.restore()
    lines.stale = False
    return True


class StepCounter:
    """The "step 37 / 200" line of an animation, painted from pre-rendered digits.

    Laying out and rasterizing text costs about a millisecond a frame, as much as all the moving
    paths together. The fixed part ("step", "/ 200") is in the background; each digit position is
    rendered once for each digit it shows (with the same font, at the same place, on the same
    background) the first time it is shown, and pasted per frame. (Rendered as met, not all ten
    up front: a GIF's two processes, ``gifsplit``, each render the digits of their own frames.)
    """

    def __init__(self, fig, total: int):
        self.width = len(str(total))
        self.fig, self.artist = fig, fig.counter_artist
        self.length = len(fig.counter_fixed.get_text())
        self.artist.set_text(fig.counter_fixed.get_text())
        self.artist.set_visible(True)  # an invisible text has no extent
        box = self.artist.get_window_extent(fig.canvas.get_renderer())
        self.artist.set_visible(False)
        buffer = np.asarray(fig.canvas.buffer_rgba())
        height, width = buffer.shape[:2]
        self.rows = slice(max(0, int(height - box.y1) - 2), min(height, int(height - box.y0) + 3))
        self.cols = slice(max(0, int(box.x0) - 2), min(width, int(box.x1) + 3))
        self.base = buffer[self.rows, self.cols].copy()
        self.flat_index = np.arange(height * width).reshape(height, width)[self.rows, self.cols]
        self.stamps = [{} for _ in range(self.width)]  # per slot: {digit: (indices, RGBA)}

    def _stamp(self, pixels: np.ndarray, slot: int, digit: str):
        """Render ``digit`` at ``slot`` on the background and keep the pixels it changed; the
        canvas (``pixels``) is left as it was."""
        kept = pixels.copy()
        region = pixels[self.rows, self.cols]
        region[...] = self.base
        text = list(" " * self.length)
        text[len("step ") + slot] = digit  # same length as the fixed part: same place
        self.artist.set_text("".join(text))
        self.artist.set_visible(True)
        self.artist.draw(self.fig.canvas.get_renderer())
        self.artist.set_visible(False)
        changed = (region != self.base).any(axis=2)
        stamp = self.stamps[slot][digit] = (self.flat_index[changed], region[changed].copy())
        pixels[...] = kept
        return stamp

    def paint(self, pixels: np.ndarray, step: int) -> None:
        flat = pixels.reshape(-1, 4)
        for slot, char in enumerate(f"{step:>{self.width}d}"):
            if char != " ":
                stamp = self.stamps[slot].get(char)
                where, values = stamp if stamp else self._stamp(pixels, slot, char)
                flat[where] = values


def render(result, path, views=("contour",), look: Look = DEFAULT_LOOK,
           camera: Camera = DEFAULT_CAMERA, overlays: Overlays = NO_OVERLAYS,
           timing: Timing = DEFAULT_TIMING, progress=None, marks=(), extra=()) -> Animation:
    """Animate every run of ``result`` in one picture, dressed in ``look``, and write it to
    ``path`` (.gif or .mp4).

    ``timing.frames`` caps the frames (spread over the steps as ``timing.pace`` says,
    ``paces.PACES``; the first and last steps always shown); ``timing.hold`` seconds are added
    to the last frame; ``progress(done, total)`` is called per frame. ``look.size`` is each
    frame's (width, height) in pixels.
    """
    fmt = check_settings(path, timing)
    dpi = look.dpi or FRAME_DPI
    if look.size is not None:
        check_frame_size(*look.size)
    count = len(views) + len(extra)
    with wearing(look.style, look.font_scale):
        animator = Animator(result, views, look=look, camera=camera, overlays=overlays,
                            dpi=dpi, marks=marks, extra=extra,
                            panel_size=panel_size_for(look.size, count, dpi, FRAME_PANEL),
                            shape=grid_shape(count, look.size))
        return _write(animator, result, path, fmt, timing, progress)


def _write(animator, result, path, fmt: str, timing: Timing, progress) -> Animation:
    fps, hold, loop = timing.fps, timing.hold, timing.loop
    gains = story_gains(timing.pace, [run.points for run in result.runs],
                        [run.losses for run in result.runs], animator.total)
    steps = paced_steps(animator.total, timing.frames, gains)
    last = animator.frame(int(steps[-1])).copy()
    height, width = last.shape[:2]
    if fmt == "gif":
        cs, real_fps = gif_delay(fps)
        palette_frames = [animator.frame(int(steps[0])).copy(), last]
        with atomic_open(path, "wb") as handle:
            from .gif import GifStream
            from .gifsplit import encode

            stream = GifStream(handle, palette_frames, loop=loop, key_colors=style.key_colors())
            delays = [cs] * (len(steps) - 1) + [hold_delay(hold, cs)]
            encode(stream, animator.frame, steps, delays, progress)
            stream.close()
    else:
        real_fps = fps
        import imageio.v2 as imageio

        with atomic_path(path) as tmp:
            writer = imageio.get_writer(tmp, format="FFMPEG", mode="I", fps=fps,
                                        codec="libx264", pixelformat="yuv420p", quality=8,
                                        macro_block_size=2, ffmpeg_log_level="error")
            try:
                for i, step in enumerate(steps):
                    rgb = np.ascontiguousarray(animator.frame(int(step))[..., :3])
                    repeats = 1 + (round(hold * fps) if i == len(steps) - 1 else 0)
                    for _ in range(repeats):
                        writer.append_data(rgb)
                    if progress:
                        progress(i + 1, len(steps))
            finally:
                writer.close()
    return Animation(path=Path(path), frames=len(steps), fps=real_fps, requested_fps=fps,
                         width=width, height=height)
