"""The ``spotdiff`` command line: one small module per command.

Only argparse is imported here; a command's module imports the library
when it runs, so ``spotdiff --help`` stays instant.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import sys

from spotdiff.cli._common import ExitCode, Streams, fail

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (CLI start-up)
if TYPE_CHECKING:
    from typing import TextIO

#: Top-level commands and the modules that define them.
COMMANDS = {
    "compare": "spotdiff.cli.compare",
    "batch": "spotdiff.cli.batch",
    "approve": "spotdiff.cli.approve",
    "report": "spotdiff.cli.report",
    "eval": "spotdiff.cli.eval",
    "watch": "spotdiff.cli.watch",
    "events": "spotdiff.cli.events",
    "serve": "spotdiff.cli.serve",
}

#: Commands that compare many pairs and end: their process keeps freed memory
#: for the next pair. ``compare`` (one pair: nothing to reuse) and the services
#: (watch, serve) give it back as glibc does (see spotdiff._malloc).
_PAIR_COMMANDS = ("batch", "eval")


class _Terminated(BaseException):
    """SIGTERM or SIGHUP, raised where Python is so that ``finally`` blocks
    remove temporary files (the default action would end the process
    mid-write)."""

    def __init__(self, signum: int, name: str) -> None:
        super().__init__(name)
        self.signum = signum
        self.name = name


def _stop_cleanly_on_signals() -> None:
    import signal

    def stop(signum: int, frame: object) -> None:
        raise _Terminated(signum, signal.Signals(signum).name)

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            try:
                signal.signal(getattr(signal, name), stop)
            except (ValueError, OSError):  # not the main thread
                pass


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: what was wrong and where to look."""

    def error(self, message: str) -> None:  # type: ignore[override]
        if message.startswith("unrecognized arguments:"):
            message += _did_you_mean(self, message.split(":", 1)[1].split())
        self.exit(
            ExitCode.ERROR,
            f"spotdiff: error: {message} (run '{self.prog} --help' for the options)\n",
        )


class _Version(argparse.Action):
    """``--version``: one unwrapped line, so scripts and CI logs can read it whole."""

    def __call__(self, parser, namespace, values, option_string=None):  # noqa: ANN001
        from spotdiff.versions import version_line

        sys.stdout.write(version_line() + "\n")
        parser.exit(ExitCode.SAME)


def _did_you_mean(parser: argparse.ArgumentParser, unknown: list[str]) -> str:
    """'; did you mean --threshold?' for a misspelt option, from every command's options."""
    import difflib

    known: set[str] = set()
    stack = [parser]
    while stack:
        current = stack.pop()
        for action in current._actions:
            known.update(action.option_strings)
            if isinstance(action, argparse._SubParsersAction):
                stack.extend(action.choices.values())
    hints = []
    for word in unknown:
        if word.startswith("--"):
            close = difflib.get_close_matches(word.split("=", 1)[0], sorted(known), n=1)
            if close:
                hints.append(f"did you mean {close[0]} instead of {word}?")
    return "; " + "; ".join(hints) if hints else ""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="spotdiff",
        description="Find, measure and show what changed between images.",
    )
    parser.add_argument("--version", action=_Version, nargs=0,
                        help="print the versions of spotdiff and its dependencies, then exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", help="what to do")
    sub.required = True
    for module in COMMANDS.values():
        importlib.import_module(module).register(sub)
    return parser


def main(
    argv: list[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Run the CLI; returns the exit code (0 same, 1 different, 2 error)."""
    import io

    # a stream closed by the caller (`2>&-`) is None: write nowhere, exit codes stay true
    streams = Streams(out=stdout or sys.stdout or io.StringIO(),
                      err=stderr or sys.stderr or io.StringIO(),
                      own_process=argv is None)  # started as the command
    parser = build_parser()
    try:
        with contextlib.redirect_stdout(streams.out), contextlib.redirect_stderr(streams.err):
            args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)
    if streams.own_process:
        _stop_cleanly_on_signals()
        if args.command in _PAIR_COMMANDS:
            from spotdiff._malloc import keep_freed_memory

            keep_freed_memory()  # reuse freed blocks from pair to pair (see spotdiff._malloc)
    try:
        return int(args.run(args, streams))
    except _Terminated as exc:
        from spotdiff.io.native import NativeMessages

        NativeMessages.give_back_stderr()  # the signal may have come while a decoder spoke
        streams.err.write(f"spotdiff: stopped by {exc.name}; nothing was left half-written\n")
        return _stopped(streams, 128 + exc.signum)
    except KeyboardInterrupt:
        streams.err.write("spotdiff: interrupted\n")
        return _stopped(streams, ExitCode.INTERRUPTED)
    except Exception as exc:  # noqa: BLE001 - turned into a one-line message
        return fail(streams, exc)


def _stopped(streams: Streams, code: int) -> int:
    """After a signal: a process of its own ends now, without waiting for the
    threads the signal cut short (a decoder thread would keep it alive; the
    temporary files are gone already, removed on the way out)."""
    if not streams.own_process:
        return code
    import os

    for stream in (streams.out, streams.err):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)
