"""A GIF's frames drawn and encoded on two cores: a forked process takes the later frames.

Drawing a frame, matching its colours and compressing it hold the interpreter (a writer thread
gained nothing), so the second core is reached with a second process. After the background is
drawn and the palette fixed, the process forks; the child draws the frame just before its share
(each frame stores only what changed since the one before), encodes its share into memory and
sends the bytes through a pipe, while the parent encodes the earlier frames into the file and then
appends the child's bytes. Every encoded frame depends only on its pixels, the previous frame's
and the fixed palette, so the file is byte for byte the one the serial loop writes.
"""

from __future__ import annotations

import io
import os
import signal
import struct
import sys
import threading
import traceback

from ..core import signals

MIN_FRAMES = 24  # fewer frames than this are not worth a fork
SPARE = 0.5  # of a core, idle on average, below which no second process is started
PARENT_SHARE = 0.5  # of the frames, the earlier ones, encoded by the parent
HEADER = struct.Struct("<?Q")  # ok flag, then the length of the bytes (or of the error text)


def can_split(frames: int) -> bool:
    """Whether a second process can be forked safely and pays for itself. Not on macOS (its
    system libraries may crash in a forked child) nor beside other threads (a notebook's: a
    lock one of them held at the fork would stay held in the child, and it would hang); nor
    when the other cores are busy (the last minute's load average): the second process then
    waits for a core, and the two together take about an eighth more CPU time than one (colours
    matched in both, pages copied on write)."""
    cores = os.cpu_count() or 1
    return (hasattr(os, "fork") and sys.platform != "darwin" and threading.active_count() == 1
            and cores > 1 and frames >= MIN_FRAMES and os.getloadavg()[0] < cores - SPARE)


def encode(stream, draw, steps, delays, progress=None, split=None) -> None:
    """Add ``draw(step)`` for each of ``steps`` to the GifStream ``stream`` with ``delays``
    (centiseconds), on two processes when ``split`` (default: ``can_split``) says so."""
    split = can_split(len(steps)) if split is None else split
    if not split:
        _serial(stream, draw, steps, delays, progress, 0, len(steps))
        return
    cut = max(1, int(len(steps) * PARENT_SHARE))
    reader, writer = os.pipe()
    parent = os.getpid()
    pid = None
    try:
        # a Ctrl-C during the fork's hooks would be swallowed there, so signals wait until it
        # returns; the child keeps them waiting for good: its parent ends it (or it sees the
        # parent gone), and it never runs the parent's clean-up below
        with signals.held():
            pid = os.fork()
            if pid == 0:  # the child: never returns
                os.close(reader)
                _child(stream, _while_alive(draw, parent), steps, delays, cut, writer)
        os.close(writer)
        writer = None
        _serial(stream, draw, steps, delays, progress, 0, cut)
        with os.fdopen(reader, "rb") as pipe:
            reader = None
            content = _receive(pipe)
        _reap(pid)
        pid = None
    finally:
        for end in (reader, writer):
            if end is not None:
                os.close(end)
        if pid:  # leaving on an error (or Ctrl-C): no orphan left running
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    stream.handle.write(content)
    stream.frames += len(steps) - cut
    stream.images += len(steps) - cut
    if progress:  # the later frames are done all at once, reported in order
        for done in range(cut + 1, len(steps) + 1):
            progress(done, len(steps))


def _serial(stream, draw, steps, delays, progress, start, stop) -> None:
    for i in range(start, stop):
        stream.add(draw(int(steps[i])), delays[i])
        if progress:
            progress(i + 1, len(steps))


def _while_alive(draw, parent: int):
    """``draw`` that stops the child once its parent is gone (killed outright, it could not
    end its child): an orphan would draw on to the end of its share."""

    def drawn(step):
        if os.getppid() != parent:
            os._exit(1)
        return draw(step)

    return drawn


def _child(stream, draw, steps, delays, cut, writer) -> None:
    status = 1
    try:
        stream.handle = io.BytesIO()
        stream.follow(draw(int(steps[cut - 1])))
        _serial(stream, draw, steps, delays, None, cut, len(steps))
        payload, ok = stream.handle.getvalue(), True
    except BaseException:  # noqa: BLE001 - any failure goes back to the parent as text
        payload, ok = traceback.format_exc().encode(), False
    try:
        with os.fdopen(writer, "wb") as pipe:
            pipe.write(HEADER.pack(ok, len(payload)) + payload)
        status = 0 if ok else 1
    finally:
        os._exit(status)  # no atexit handlers, no flushing of the parent's buffers


def _receive(pipe) -> bytes:
    head = pipe.read(HEADER.size)
    if len(head) < HEADER.size:
        raise RuntimeError("The process encoding the later GIF frames ended without a word.")
    ok, length = HEADER.unpack(head)
    payload = pipe.read(length)
    if len(payload) != length:
        raise RuntimeError(f"The process encoding the later GIF frames sent {len(payload)} of "
                           f"{length} bytes.")
    if not ok:
        last = payload.decode(errors="replace").strip().splitlines()[-1:]
        raise RuntimeError("The process encoding the later GIF frames failed: "
                           + (last[0] if last else "(no message)"))
    return payload


def _reap(pid: int) -> None:
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError("The process encoding the later GIF frames exited with code "
                           f"{os.waitstatus_to_exitcode(status)}.")
