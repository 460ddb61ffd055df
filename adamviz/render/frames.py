"""Frame schedules and timing for animations: plain numbers, no matplotlib."""

from __future__ import annotations

import math

import numpy as np

from .paces import PACES

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


STEADY_SHARE = 0.25  # of a paced animation's time, spread evenly over the steps, so it flows
SLOWEST = 3  # frames a single step may last in slow motion (at 20 fps, 0.15 s)


def story_gains(pace: str, paths, losses, total_steps: int) -> np.ndarray | None:
    """How much happens at each step 1..total_steps under ``pace``: each run's distance moved
    (``paths``: (steps+1, D) arrays) or loss change (``losses``: (steps+1,) arrays), as a
    share of its own total, so that every run counts alike (a diverging run's huge steps do
    not drown the others), averaged over the runs; None for "steps"."""
    if pace not in PACES:
        raise ValueError(f"unknown pace {pace!r}; one of {', '.join(PACES)}")
    if pace == "steps":
        return None
    gains = np.zeros(total_steps)
    for series in (paths if pace == "path" else losses):
        values = np.asarray(series, dtype=float).reshape(len(series), -1)[: total_steps + 1]
        with np.errstate(invalid="ignore", over="ignore"):  # a diverged run's inf and NaN
            moved = np.hypot.reduce(np.abs(np.diff(values, axis=0)), axis=1)  # no overflow
        moved[~np.isfinite(moved)] = 0.0
        if moved.sum() > 0:
            gains[: len(moved)] += moved / moved.sum()
    return gains


def paced_steps(total_steps: int, max_frames: int, gains=None) -> np.ndarray:
    """The step shown in each frame: as many frames as ``frame_steps`` gives, spread so that
    each frame covers an equal share of the story. ``gains`` (how much happens at each step
    1..total_steps) take ``1 - STEADY_SHARE`` of the time; a step lasts at most ``SLOWEST``
    frames (shown again, as slow motion); steps where little happens are skipped. Without
    gains (or where nothing happens) the frames are ``frame_steps``'. Non-decreasing, from
    step 0 to the last step."""
    even = frame_steps(total_steps, max_frames)
    frames = len(even)
    if gains is None or frames < 3 or total_steps < 2:
        return even
    gains = np.clip(np.nan_to_num(np.asarray(gains, dtype=float), posinf=0.0), 0, None)
    if gains.sum() <= 0:
        return even
    weight = (1 - STEADY_SHARE) * gains / gains.sum() + STEADY_SHARE / total_steps
    cap = SLOWEST / (frames - 1)  # the time of SLOWEST frames
    for _ in range(64):  # cap the slowest steps; what they lose goes to the others
        over = weight > cap
        free = ~over & (weight < cap)
        if not over.any() or not free.any():
            break
        excess = float((weight[over] - cap).sum())
        weight[over] = cap
        weight[free] += excess * weight[free] / weight[free].sum()
    reached = np.concatenate([[0.0], np.cumsum(weight)])
    reached /= reached[-1]
    # A frame at time t shows the last step whose transition has finished by t.
    times = np.linspace(0.0, 1.0, frames)
    steps = np.searchsorted(reached, times + 1e-12, side="right") - 1
    steps[-1] = total_steps
    return np.clip(steps, 0, total_steps)


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
