"""A Ctrl-C or SIGTERM is never lost, even where Python swallows its exception.

Python runs a signal's handler inside whatever Python code runs at that moment; in a fork's
hooks (logging registers one), a ``__del__`` or a weakref callback, the exception it raises is
printed as "Exception ignored in ..." and the program goes on. CI once saw a Ctrl-C in the
middle of a GIF land in logging's fork hook: the GIF was finished, replaced the old file and the
command exited 0. These tests put the signal in exactly that place, every time: a fork hook
that signals its own process."""

import os
import signal
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "register_at_fork"), reason="POSIX forks")

# sends the signal from inside the parent's fork hook, once, and lets Python run its handler
# there (a sleep checks for signals): where the exception is swallowed, unless held
HOOK = """
import os, signal, sys, time
fired = []
def hook():
    if not fired:
        fired.append(1)
        os.kill(os.getpid(), signal.{sig})
        time.sleep(0.05)
os.register_at_fork(after_in_parent=hook)
"""


def python(tmp_path, sig, body):
    script = HOOK.format(sig=sig) + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)


def parts(folder):
    return [f for f in os.listdir(folder) if ".part" in f]


@pytest.mark.parametrize("sig,raised", [("SIGINT", "KeyboardInterrupt"),
                                        ("SIGTERM", "Terminated")])
def test_a_swallowed_signal_still_stops_an_output_replacing_the_old_file(tmp_path, sig, raised):
    (tmp_path / "out.txt").write_text("the earlier, good file")
    done = python(tmp_path, sig, """
        from adamviz.core import signals
        from adamviz.core.io import atomic_path
        signals.install()
        try:
            with atomic_path("out.txt") as tmp:
                tmp.write_text("half of the new file")
                pid = os.fork()  # the hook's exception is swallowed here
                if pid == 0:
                    os._exit(0)
                os.waitpid(pid, 0)
                print("went on")
        except BaseException as exc:
            print("raised", type(exc).__name__)
    """)
    assert done.stdout.split("\n")[:2] == ["went on", f"raised {raised}"], done
    assert "Exception ignored" in done.stderr  # the place really swallows it
    assert (tmp_path / "out.txt").read_text() == "the earlier, good file"
    assert not parts(tmp_path)


def test_a_signal_during_the_gif_fork_arrives_in_our_code_and_ends_the_child(tmp_path):
    done = python(tmp_path, "SIGINT", """
        import io
        from adamviz.core import signals
        from adamviz.render import gifsplit
        signals.install()
        class Stream:
            handle, frames, images = io.BytesIO(), 0, 0
            def add(self, image, delay): self.handle.write(image)
            def follow(self, image): pass
        try:
            gifsplit.encode(Stream(), lambda step: b"x", list(range(40)), [5] * 40, split=True)
            print("went on")
        except KeyboardInterrupt:
            print("raised KeyboardInterrupt")
        try:
            os.waitpid(-1, os.WNOHANG)
            print("a child is left")
        except ChildProcessError:
            print("no child left")
    """)
    assert done.stdout.split("\n")[:2] == ["raised KeyboardInterrupt", "no child left"], done
    assert "Exception ignored" not in done.stderr, done.stderr


@pytest.mark.parametrize("sig,code,line", [("SIGINT", 130, "Aborted."),
                                           ("SIGTERM", 143, "Terminated.")])
def test_the_command_says_aborted_when_the_signal_comes_mid_gif(tmp_path, sig, code, line):
    """The CI failure, made certain: the GIF's second process is forked and the signal comes
    in the fork's hook (the load-dependent choice to fork is forced)."""
    (tmp_path / "big.gif").write_bytes(b"GIF89a the earlier, good file")
    done = python(tmp_path, sig, """
        import adamviz.render.gifsplit as gifsplit
        gifsplit.can_split = lambda frames: True
        from adamviz.cli import main
        sys.argv = ["adamviz", "run", "-s", "hump", "--opt", "adam", "--steps", "60",
                    "--frames", "60", "-o", "big.gif"]
        main()
    """)
    assert (done.returncode, done.stderr.strip()) == (code, line), done
    assert (tmp_path / "big.gif").read_bytes() == b"GIF89a the earlier, good file"
    assert not parts(tmp_path)


def test_a_worker_pool_started_while_signalled_stops_and_leaves_no_worker(tmp_path):
    """A pool's workers are forked too: the signal waits for the fork, then stops the work."""
    done = python(tmp_path, "SIGINT", """
        import multiprocessing
        from adamviz.core import signals
        from adamviz.core.workers import pool
        signals.install()
        try:
            with pool(multiprocessing.get_context("fork"), 2) as workers:
                print(sum(workers.map(abs, range(-50, 50))))
        except KeyboardInterrupt:
            print("raised KeyboardInterrupt")
        print(len(multiprocessing.active_children()), "workers left")
    """)
    assert done.stdout.split("\n")[:2] == ["raised KeyboardInterrupt", "0 workers left"], done
    assert "Exception ignored" not in done.stderr, done.stderr


def test_a_swallowed_signal_stops_the_work_at_its_next_progress_report():
    """Not only at the end: a long GIF or batch stops at its next step."""
    from adamviz.cli.options import progress_bar
    from adamviz.core import signals

    try:
        with progress_bar(True, "frames") as progress:
            progress(1, 10)
            try:
                signals._handler(signal.SIGINT, None)
            except KeyboardInterrupt:
                pass  # swallowed, as a fork's hook does
            with pytest.raises(KeyboardInterrupt):
                progress(2, 10)
    finally:
        signals.forget()
