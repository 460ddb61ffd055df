"""The command group and command classes: every error one line on stderr with its exit code
(2 bad input, 1 a failure while running, 130 Ctrl-C, 143 SIGTERM), no traceback, no flag given
twice with different values, library warnings one line, standard output that closes early or
fills up handled as a shell user expects."""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import warnings

import click

from ..core import signals
from ..core.errors import Terminated
from ..core.io import command_inputs


class OnceCommand(click.Command):
    """A command whose single-valued options are never silently overridden: Click keeps the
    last of ``--opt adam --opt sgd`` (or of ``--csv --json``), so a second, different value for
    an option that takes one is refused before anything runs."""

    def parse_args(self, ctx, args):
        seen: dict[str, tuple[str, object]] = {}  # parameter -> (flag as typed, value)
        flags = {}
        for param in self.params:
            if isinstance(param, click.Option) and not param.multiple:
                for name in (*param.opts, *param.secondary_opts):
                    flags[name] = param
        tokens = iter(args)
        for token in tokens:
            if token == "--":
                break
            name, eq, inline = token.partition("=") if token.startswith("--") else (token, "", "")
            param = flags.get(name)
            if param is None:
                continue
            if param.is_flag:
                value = (name in param.secondary_opts, param.flag_value if
                         name in param.opts else None)
            else:
                value = inline if eq else next(tokens, None)
            if param.name in seen and seen[param.name][1] != value:
                first = seen[param.name][0]
                raise click.UsageError(
                    f"{first} and {name} contradict each other; give one" if first != name
                    else f"{name} is given twice ({seen[param.name][1]!r} and {value!r}); it "
                         f"takes one value", ctx)
            seen[param.name] = (name, value)
        return super().parse_args(ctx, args)


class AdamvizGroup(click.Group):
    """A group whose errors are one line: ``Error: <what> (see 'adamviz run --help')``.

    Exit codes: 2 bad input, 1 a failure while running, 130 Ctrl-C, 143 SIGTERM. Whatever
    happens, no traceback reaches the user (``ADAMVIZ_DEBUG=1`` shows one for a bug report).
    """

    command_class = OnceCommand

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BrokenPipeError:  # `adamviz ... | head`: the reader has what it wanted
            _quiet_stdout()
            raise click.exceptions.Exit(0) from None

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            with command_inputs():
                return super().main(args, prog_name, complete_var, standalone_mode=False,
                                    **extra)
        try:
            with command_inputs(), warnings.catch_warnings():
                warnings.showwarning = _one_line_warning
                # a library's notice to its own developers is nothing for a user to act on
                warnings.simplefilter("ignore", DeprecationWarning)
                warnings.simplefilter("ignore", PendingDeprecationWarning)
                warnings.simplefilter("ignore", RuntimeWarning)  # overflow in ..., no place
                code = super().main(args, prog_name, complete_var, standalone_mode=False,
                                    **extra)
                signals.check()  # a Ctrl-C whose exception was swallowed is still a Ctrl-C
        except NO_ARGS as exc:  # bare `adamviz`: the help, as asked for
            click.echo(exc.ctx.get_help())
            sys.exit(0)
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            _fail(f"Error: {exc.format_message()}{hint}", exc.exit_code)
        except click.ClickException as exc:
            _fail(f"Error: {exc.format_message()}", exc.exit_code)
        except (click.Abort, KeyboardInterrupt):
            _fail("Aborted.", 130)
        except Terminated:
            _fail("Terminated.", 143)
        except OSError as exc:
            if exc.filename is not None or exc.errno not in _STREAM_ERRORS:
                _bug(exc)
            _quiet_stdout()  # a full disk or a lost terminal under standard output
            _fail(f"Error: Cannot write to standard output: {exc.strerror}.", 1)
        except Exception as exc:  # a bug: still one line, and how to see more
            _bug(exc)
        sys.exit(code if isinstance(code, int) else 0)


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A library's warning (matplotlib's, numpy's) as one line on stderr, without the source
    file and line it came from, which mean nothing to a user."""
    text = " ".join(str(message).split())
    click.echo(f"warning: {text}", err=True)


def _bug(exc: Exception):
    """An unexpected failure: one line, and how to see more (``ADAMVIZ_DEBUG=1``)."""
    if os.environ.get("ADAMVIZ_DEBUG"):
        raise exc
    _fail(f"Error: {_unexpected(exc)} (set ADAMVIZ_DEBUG=1 to see where; please report it)", 1)


_STREAM_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EPIPE, errno.EBADF)


# Click 8.2 raises this for a group run with no command (no_args_is_help)
NO_ARGS = getattr(click.exceptions, "NoArgsIsHelpError", ())


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so that flushing it at exit raises no second error."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _unexpected(exc: Exception) -> str:
    if isinstance(exc, MemoryError):
        return "out of memory; ask for fewer steps, starts or a smaller picture"
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror}{where}"
    return f"{type(exc).__name__}: {exc}".strip().rstrip(":")


MAX_MESSAGE = 600  # characters: a message quotes what was typed, which may be 40 kB


def _fail(line: str, code: int):
    # a message may quote a file's bytes (a CSV header): an escape sequence or a carriage
    # return would act on the terminal, so every character that does not print is shown escaped
    line = "".join(c if c.isprintable() else repr(c)[1:-1]
                   for c in line.replace("\n", " "))
    if len(line) > MAX_MESSAGE:
        line = line[:MAX_MESSAGE - 40] + f" ... ({len(line):,} characters in all)"
    click.echo(line, err=True)
    sys.exit(code)
