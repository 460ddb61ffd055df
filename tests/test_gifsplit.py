"""A GIF encoded on two processes (render/gifsplit.py): the same bytes as on one, and a failure
on either side is one clear error with the old file kept and no process left behind."""

import os
import sys

import pytest

from adamviz import api
from adamviz.render import gif, gifsplit


@pytest.fixture(scope="module")
def runs():
    return api.run("beale", ["sgd", "momentum", "adam"], [(1, 1.5)], steps=60, tol=None)


@pytest.fixture
def forks(monkeypatch):
    """Two processes forced (whatever the cores), the forks counted."""
    made = []
    real_fork = os.fork

    def fork():
        pid = real_fork()
        if pid:
            made.append(pid)
        return pid

    monkeypatch.setattr(gifsplit, "can_split", lambda frames: True)
    monkeypatch.setattr(gifsplit.os, "fork", fork)
    return made


def no_child_left(forks):
    """Every child forked here was reaped (waiting on it again finds no such child). Only
    these: other tests of the session may have children of their own still running."""
    for pid in forks:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
    return True


def test_two_processes_write_the_bytes_one_writes(runs, tmp_path, monkeypatch, forks):
    for frames in (2, 3, 41):
        seen = []
        api.animate(runs, tmp_path / "split.gif", frames=frames, hold=0.5,
                    progress=lambda done, total, seen=seen: seen.append(done))
        with monkeypatch.context() as serial:
            serial.setattr(gifsplit, "can_split", lambda frames: False)
            api.animate(runs, tmp_path / "one.gif", frames=frames, hold=0.5)
        assert (tmp_path / "split.gif").read_bytes() == (tmp_path / "one.gif").read_bytes()
        assert seen == list(range(1, frames + 1))
    assert len(forks) == 3 and no_child_left(forks)


def test_a_small_gif_one_core_other_threads_or_busy_cores_do_not_fork(monkeypatch):
    monkeypatch.setattr(gifsplit.threading, "active_count", lambda: 1)
    monkeypatch.setattr(gifsplit.os, "getloadavg", lambda: (0.4, 1.0, 1.0))
    monkeypatch.setattr(gifsplit.os, "cpu_count", lambda: 2)
    assert gifsplit.can_split(1000) == (sys.platform != "darwin" and hasattr(os, "fork"))
    assert not gifsplit.can_split(gifsplit.MIN_FRAMES - 1)
    monkeypatch.setattr(gifsplit.os, "cpu_count", lambda: 1)
    assert not gifsplit.can_split(1000)
    monkeypatch.setattr(gifsplit.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(gifsplit.threading, "active_count", lambda: 2)
    assert not gifsplit.can_split(1000)
    monkeypatch.setattr(gifsplit.threading, "active_count", lambda: 1)
    monkeypatch.setattr(gifsplit.os, "getloadavg", lambda: (1.6, 1.0, 1.0))  # cores busy
    assert not gifsplit.can_split(1000)


def fail_in_child(self, frame):
    raise ValueError("a frame the child could not read")


def die_in_child(self, frame):
    os._exit(3)


@pytest.mark.parametrize("child, message", [
    (fail_in_child, "failed: ValueError: a frame the child could not read"),
    (die_in_child, "ended without a word"),
])
def test_a_failing_child_is_one_clear_error_and_keeps_the_old_file(
        runs, tmp_path, monkeypatch, forks, child, message):
    monkeypatch.setattr(gif.GifStream, "follow", child)  # only the child calls it
    path = tmp_path / "keep.gif"
    path.write_bytes(b"the good animation")
    with pytest.raises(RuntimeError, match=message):
        api.animate(runs, path, frames=30)
    assert path.read_bytes() == b"the good animation"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.gif"]
    assert forks and no_child_left(forks)


def test_an_interrupted_parent_ends_its_child(runs, tmp_path, forks):
    def interrupt(done, total):
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        api.animate(runs, tmp_path / "x.gif", frames=30, progress=interrupt)
    assert list(tmp_path.iterdir()) == [] and forks and no_child_left(forks)


def test_a_child_whose_parent_is_gone_stops(runs, tmp_path, monkeypatch, forks):
    """A parent killed outright cannot end its child: the child sees it is gone and stops."""
    monkeypatch.setattr(gifsplit.os, "getppid", lambda: -1)  # as if the parent had died
    with pytest.raises(RuntimeError, match="ended without a word"):
        api.animate(runs, tmp_path / "x.gif", frames=30)
    assert list(tmp_path.iterdir()) == [] and forks and no_child_left(forks)
