"""Frame schedules and timing for animations: plain numbers, no matplotlib."""

from __future__ import annotations

import math

import numpy as np

GIF_MIN_DELAY_CS = 2  # browsers show a GIF delay of 0 or 1 centiseconds as 10: 50 fps at most
GIF_MAX_DELAY_CS = 65535


def frame_steps(total_steps: int, max_frames: int) -> np.ndarray:
    """At most ``max_frames`` steps from 0..total_steps, evenly spread; the last always shown."""
    if max_frames < 1:
        raise ValueError("max_frames must be >= 1")
    if total_steps + 1 <= max_frames:
        return np.arange(total_steps + 1)
    if max_frames == 1:
        return np.array([total_steps])
    return np.unique(np.round(np.linspace(0, total_steps, max_frames)).astype(int))


def run_steps(frame_step: int, run_lengths) -> list[int]:
    """Where each run is at a frame: runs that ended earlier stay on their last point."""
    return [min(frame_step, n) for n in run_lengths]


def gif_delay(fps: float) -> tuple[int, float]:
    """The GIF frame delay in centiseconds for ``fps``, and the frame rate it really plays at.

    GIF delays come in 10 ms steps, so e.g. 30 fps (33.3 ms) becomes 3 cs = 33.3 fps.
    """
    if not (math.isfinite(fps) and fps > 0):
        raise ValueError(f"fps must be a positive number, got {fps}")
    cs = round(100 / fps)
    if 100 / fps < GIF_MIN_DELAY_CS:
        raise ValueError(f"A GIF cannot show {fps:g} fps: frame delays are whole centiseconds "
                         f"and browsers slow down delays under 20 ms, so at most 50 fps.")
    if cs > GIF_MAX_DELAY_CS:
        raise ValueError(f"A GIF cannot show {fps:g} fps: a frame lasts at most 655.35 s.")
    return cs, 100 / cs


def hold_delay(hold_seconds: float, frame_cs: int) -> int:
    """Delay of the last frame (cs): the normal frame time plus the hold, within GIF's range."""
    return int(min(GIF_MAX_DELAY_CS, frame_cs + round(hold_seconds * 100)))
