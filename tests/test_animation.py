"""Animations: frame schedules, GIF timing read back, blitted frames equal full draws, decoded
GIF frames at least as faithful as the naive FuncAnimation + PillowWriter GIF, atomic output."""

import importlib.util
import sys
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from adamviz import api
from adamviz.cli import cli
from adamviz.core.errors import InputError
from adamviz.render import animate, gifsplit
from adamviz.render.frames import (
    SLOWEST,
    frame_steps,
    gif_delay,
    hold_delay,
    paced_steps,
    run_steps,
    story_gains,
)
from adamviz.render.views import STILL_VIEWS

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


@given(total=st.integers(0, 5000), frames=st.integers(1, 500))
def test_frame_schedule(total, frames):
    steps = frame_steps(total, frames)
    assert len(steps) <= frames and steps[-1] == total
    assert (np.diff(steps) > 0).all() and steps[0] >= 0
    if total + 1 <= frames:
        assert len(steps) == total + 1


@given(total=st.integers(0, 2000), frames=st.integers(1, 300),
       gains=st.lists(st.floats(0, 1e6), min_size=1, max_size=50))
def test_a_paced_schedule_runs_from_the_first_step_to_the_last(total, frames, gains):
    """As many frames as an even schedule, in step order, from step 0 to the last; a step lasts
    at most SLOWEST frames."""
    story = np.resize(np.array(gains), total)  # any story, the given gains repeated
    steps = paced_steps(total, frames, story)
    assert len(steps) == len(frame_steps(total, frames)) and steps[-1] == total
    assert (np.diff(steps) >= 0).all() and (steps[0] == 0 or len(steps) == 1)
    assert np.unique(steps, return_counts=True)[1].max() <= SLOWEST or len(steps) <= 2


def test_without_a_story_the_frames_are_evenly_spread():
    assert (paced_steps(400, 200, None) == frame_steps(400, 200)).all()
    assert (paced_steps(400, 200, np.zeros(400)) == frame_steps(400, 200)).all()


@pytest.fixture(scope="module")
def hump_runs():
    """The README's first picture: SGD, momentum and Adam on the hump, 400 steps."""
    return api.run("hump", ["sgd", "momentum", "adam"])


def share_before_the_crossing(result, pace, frames=200):
    """The share of frames showing the runs before the last of them has crossed the hump."""
    total = max(run.steps for run in result.runs)
    crossed = max(int(np.argmax(run.points[:, 0] > 0)) for run in result.runs
                  if (run.points[:, 0] > 0).any())
    gains = story_gains(pace, [r.points for r in result.runs], [r.losses for r in result.runs],
                        total)
    return float(np.mean(paced_steps(total, frames, gains) <= crossed))


def test_the_path_pace_gives_the_hump_crossing_a_fair_share_of_the_time(hump_runs):
    """Evenly spread, the hump is crossed (by step 14 of 400) within 0.4 s of a 10 s GIF; paced
    by the distance the runs move, the crossing is the story's first quarter."""
    assert share_before_the_crossing(hump_runs, "steps") < 0.05
    assert share_before_the_crossing(hump_runs, "path") > 0.2
    assert share_before_the_crossing(hump_runs, "loss") > 0.2


def test_story_gains_count_every_run_alike_and_survive_a_divergence():
    moving = np.array([[0.0, 0], [1, 0], [1, 0], [1, 0]])
    diverging = np.array([[0.0, 0], [0, 1e300], [0, np.inf], [0, np.nan]])
    gains = story_gains("path", [moving, moving * 1e6, diverging], None, 3)
    assert np.isfinite(gains).all() and gains.sum() == pytest.approx(3)
    assert gains[0] == pytest.approx(3) and story_gains("steps", [], [], 3) is None
    falling = story_gains("loss", None, [np.array([4.0, 1, 0, 0.5])], 3)  # rises count too
    np.testing.assert_allclose(falling, [3 / 4.5, 1 / 4.5, 0.5 / 4.5])


def test_a_pace_the_library_does_not_know_is_one_clear_line(short_runs, tmp_path):
    with pytest.raises(InputError, match="Invalid pace 'fast': one of path, loss, steps"):
        api.animate(short_runs, tmp_path / "a.gif", pace="fast")
    assert not list(tmp_path.iterdir())


def test_every_frame_shows_its_true_step(short_runs, tmp_path, monkeypatch):
    """The counter shows the step each frame draws, also when a step lasts several frames."""
    counted = []
    paint = animate.StepCounter.paint
    monkeypatch.setattr(animate.StepCounter, "paint",
                        lambda self, pixels, step: (counted.append(step), paint(self, pixels,
                                                                                step)))
    # one process, so that every paint is seen here (two write the same bytes: test_gifsplit)
    monkeypatch.setattr(gifsplit, "can_split", lambda frames: False)
    api.animate(short_runs, tmp_path / "a.gif", frames=31)
    total = max(run.steps for run in short_runs.runs)
    gains = story_gains("path", [r.points for r in short_runs.runs], None, total)
    shown = counted[2:]  # the first two paint the last frame and the first (the palette's)
    assert shown == paced_steps(total, 31, gains).tolist() and len(set(shown)) < 31


def test_runs_that_ended_stay_on_their_last_point():
    assert run_steps(50, [30, 80, 50]) == [30, 50, 50]


@pytest.mark.parametrize("fps,cs,real", [(20, 5, 20.0), (30, 3, 100 / 3), (50, 2, 50.0),
                                         (0.5, 200, 0.5)])
def test_gif_delays_come_in_centiseconds(fps, cs, real):
    assert gif_delay(fps) == (cs, pytest.approx(real))


@pytest.mark.parametrize("fps", [60, 0, -5, float("nan")])
def test_fps_a_gif_cannot_show(fps):
    with pytest.raises(ValueError):
        gif_delay(fps)


def test_hold_adds_to_the_last_frame():
    assert hold_delay(1.0, 5) == 105 and hold_delay(0, 5) == 5 and hold_delay(1e9, 5) == 65535


def read_gif(path):
    with Image.open(path) as im:
        durations, frames = [], []
        for i in range(im.n_frames):
            im.seek(i)
            durations.append(im.info.get("duration", 0))
            frames.append(np.asarray(im.convert("RGB")).astype(np.int16))
        return durations, frames, im.info.get("loop")


@pytest.fixture(scope="module")
def short_runs():
    return api.run("hump", ["sgd", "momentum", "adam"], steps=60, tol=None)


def test_gif_timing_loop_and_frame_count(short_runs, tmp_path):
    path = tmp_path / "a.gif"
    info = api.animate(short_runs, path, fps=20, frames=31, hold=1.5)
    durations, frames, loop = read_gif(path)
    assert info.frames == 31 and info.fps == 20
    assert durations == [50] * 30 + [50 + 1500]  # every step 50 ms, the last held 1.5 s
    assert len(frames) == 31  # one image a frame
    assert loop == 0
    api.animate(short_runs, path, fps=20, frames=5, loop=False)
    assert read_gif(path)[2] is None  # no NETSCAPE loop block: plays once


def test_rounded_fps_is_stated(short_runs, tmp_path):
    info = api.animate(short_runs, tmp_path / "b.gif", fps=30, frames=5)
    assert info.fps == pytest.approx(100 / 3)
    assert "30 fps plays as 33.3 fps" in info.describe()


def test_blitted_frame_equals_a_full_draw(tmp_path):
    sys.path.insert(0, str(BENCH))
    from naive_animation import full_figure, workload_result

    result = workload_result()
    animator = animate.Animator(result, ["contour"])
    fig, show, _ = full_figure(result)
    for step in (0, 37, 200):
        blitted = animator.frame(step)[..., :3].astype(np.int16)
        show(step)
        fig.canvas.draw()
        full = np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(np.int16)
        diff = np.abs(blitted - full)
        assert diff.mean() < 0.02 and (diff.max(axis=2) > 8).mean() < 0.0005, step


def test_the_counter_renders_a_digit_when_first_shown_and_the_same_pixels_again(short_runs):
    """Digits are rendered as frames show them (not all ten per place up front), and rendering
    one leaves the rest of the frame as it was: a frame is the same drawn first or again."""
    animator = animate.Animator(short_runs, ["contour"], dpi=40)
    assert [sorted(s) for s in animator.counter.stamps] == [[], []]  # steps 0 to 60
    first = {step: animator.frame(step).copy() for step in (7, 42, 7, 0)}
    assert [sorted(s) for s in animator.counter.stamps] == [["4"], ["0", "2", "7"]]
    for step, pixels in first.items():
        assert np.array_equal(animator.frame(step), pixels)


def test_decoded_gif_is_at_least_as_faithful_as_the_naive_gif(tmp_path):
    sys.path.insert(0, str(BENCH))
    from fidelity import error, reference_frames
    from naive_animation import main as naive_main
    from naive_animation import workload_result

    frames = 21
    ours, naive = tmp_path / "ours.gif", tmp_path / "naive.gif"
    api.animate(workload_result(), ours, frames=frames, fps=20, pace="steps")  # naive's steps
    naive_main(str(naive), frames)
    indices = (0, 10, 20)
    refs = reference_frames(indices, frames)
    _, ours_frames, _ = read_gif(ours)
    _, naive_frames, _ = read_gif(naive)
    for i in indices:
        ours_err = error(ours_frames[i], refs[i])
        naive_err = error(naive_frames[i], refs[i])
        assert ours_err[0] <= naive_err[0], (i, ours_err, naive_err)
        assert ours_err[1] <= naive_err[1] + 0.001, (i, ours_err, naive_err)
    assert ours.stat().st_size < naive.stat().st_size / 2  # 21 frames: the first dominates


def test_a_gif_has_one_image_a_frame_however_far_apart_its_changes(tmp_path):
    """The step counter (top) and the paths (bottom) change in every frame: still one image."""
    sys.path.insert(0, str(BENCH))
    from naive_animation import workload_result

    path = tmp_path / "beale.gif"
    info = api.animate(workload_result(), path, frames=201, fps=20, pace="steps")
    with Image.open(path) as im:
        assert im.n_frames == info.frames == 201


def test_haloed_lines_are_drawn_as_matplotlib_draws_them(monkeypatch):
    """Frames with the lines' own drawing (draw_stroked) equal, to the pixel, frames drawn by
    matplotlib's path effects; dashed runs (more runs than colours) included."""
    opts = ["sgd", "momentum", "rmsprop", "adam", "adagrad", "nesterov", "adamw", "lion", "radam"]
    result = api.run("hump", opts, [(-2, 1), (1, -1)], steps=150, tol=None)  # 150 > 128: simplified
    animator = animate.Animator(result, ["contour"])
    drawn = []
    stroked = animate.draw_stroked
    monkeypatch.setattr(animate, "draw_stroked",
                        lambda artist, renderer: drawn.append(stroked(artist, renderer))
                        or drawn[-1])
    fast = [animator.frame(step).copy() for step in (0, 1, 40, 150)]
    assert drawn.count(True) == 4  # the lines, once a frame
    monkeypatch.setattr(animate, "draw_stroked", lambda artist, renderer: False)
    for step, frame in zip((0, 1, 40, 150), fast, strict=True):
        assert np.array_equal(animator.frame(step), frame), step


def test_gif_colours_are_their_nearest_palette_colours():
    from adamviz.render.gif import GifStream

    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (3, 40, 50, 4), dtype=np.uint8)
    frames[..., 3] = 255
    stream = GifStream(BytesIO(), frames[:1], key_colors=[(255, 0, 0)])
    for frame in frames:
        keys = np.ascontiguousarray(frame).view(np.uint32)[..., 0].ravel() & 0xFFFFFF
        rgb = frame[..., :3].reshape(-1, 1, 3).astype(np.int64)
        nearest = ((rgb - stream.palette[None, : stream.used]) ** 2).sum(axis=2).argmin(axis=1)
        assert np.array_equal(stream._indices(keys), nearest)


@pytest.mark.parametrize("surface", ["hump", "cars"])
def test_every_view_animates(short_runs, tmp_path, surface):
    """Every view a formula draws on the hump; every view, the fit view too, on a loss over
    data with a model (cars)."""
    path = tmp_path / "all.gif"
    result = short_runs if surface == "hump" else api.run("cars", ["sgd", "adam"], steps=60)
    views = [v for v, spec in STILL_VIEWS.items() if surface == "cars" or not spec.needs_model]
    info = api.animate(result, path, views=views, frames=6, dpi=40)
    assert info.frames == 6 and path.read_bytes()[:6] == b"GIF89a"


def test_progress_is_reported_per_frame(short_runs, tmp_path):
    seen = []
    api.animate(short_runs, tmp_path / "p.gif", frames=8, progress=lambda d, n: seen.append((d, n)))
    assert seen == [(i, 8) for i in range(1, 9)]


def test_interrupted_render_keeps_the_old_file_and_leaves_nothing(short_runs, tmp_path):
    path = tmp_path / "keep.gif"
    path.write_bytes(b"the good animation")

    def interrupt(done, total):
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        api.animate(short_runs, path, frames=10, progress=interrupt)
    assert path.read_bytes() == b"the good animation"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.gif"]


@pytest.mark.skipif(importlib.util.find_spec("imageio_ffmpeg") is None,
                    reason="the [video] extra is not installed")
def test_mp4(short_runs, tmp_path):
    path = tmp_path / "a.mp4"
    info = api.animate(short_runs, path, frames=10, fps=25, hold=0.4)
    assert info.frames == 10 and path.read_bytes()[4:8] == b"ftyp"


def test_mp4_without_the_extra_says_how_to_get_it(short_runs, tmp_path, monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(InputError, match=r"pip install 'adamviz\[video\]'"):
        api.animate(short_runs, tmp_path / "a.mp4")


@pytest.mark.parametrize("args,message", [
    (["--view", "contuor", "-o", "a.gif"], "Unknown view 'contuor'; did you mean 'contour'?"),
    (["--frames", "0", "-o", "a.gif"], "Invalid frames: 0"),
    (["--fps", "60", "-o", "a.gif"], "A GIF cannot show 60 fps"),
    (["--fps", "0", "-o", "a.mp4"], "Invalid fps: 0.0"),
    (["--hold", "-1", "-o", "a.gif"], "Invalid hold: -1.0"),
    (["--pace", "fast", "-o", "a.gif"], "'fast' is not one of 'path', 'loss', 'steps'"),
    (["--pace", "steps", "-o", "a.png"], "--pace applies to animations"),
])
def test_bad_animation_flags(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["run", "--steps", "5", *args])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not list(tmp_path.iterdir())


def test_3d_of_a_curve_on_the_command_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "line.toml").write_text('name = "line"\nexpr = "(3*x - 4)**2"\nxlim = [-1, 3]\n')
    result = CliRunner().invoke(cli, ["run", "-s", "line.toml", "--view", "3d"])
    assert result.exit_code == 2 and "3d view needs a surface in x and y" in result.stderr


def test_cli_writes_a_gif_and_states_its_frames(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["run", "--steps", "30", "--view", "contour,loss",
                                      "-o", "a.gif", "--frames", "12"])
    assert result.exit_code == 0, result.output
    # what was written, and no progress bar when stderr is not a terminal
    assert result.stderr == "wrote a.gif (12 frames, 1280x480, 20 fps)\n"
