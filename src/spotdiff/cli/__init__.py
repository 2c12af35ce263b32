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
    "eval": "spotdiff.cli.eval",
    "watch": "spotdiff.cli.watch",
    "events": "spotdiff.cli.events",
}


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: what was wrong and where to look."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(
            ExitCode.ERROR,
            f"spotdiff: error: {message} (run '{self.prog} --help' for the options)\n",
        )


def build_parser() -> argparse.ArgumentParser:
    from spotdiff import __version__

    parser = _Parser(
        prog="spotdiff",
        description="Find, measure and show what changed between images.",
    )
    parser.add_argument("--version", action="version", version=f"spotdiff {__version__}")
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
    try:
        return int(args.run(args, streams))
    except KeyboardInterrupt:
        streams.err.write("spotdiff: interrupted\n")
        return ExitCode.INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - turned into a one-line message
        return fail(streams, exc)
