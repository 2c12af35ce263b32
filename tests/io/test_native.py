"""Descriptor 2 always comes back from a capture of the decoders' messages,
whatever interrupts it; a stop on a signal still says so on stderr."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from spotdiff.io.native import NativeMessages


def _stderr_target() -> tuple[int, int]:
    info = os.fstat(2)
    return info.st_dev, info.st_ino


class _Stop(BaseException):
    pass


def test_an_exception_inside_a_capture_gives_stderr_back() -> None:
    before = _stderr_target()
    with pytest.raises(_Stop), NativeMessages():
        assert _stderr_target() != before  # captured
        raise _Stop
    assert _stderr_target() == before


def test_an_exception_while_the_capture_starts_gives_stderr_back(monkeypatch) -> None:
    """A stop that comes right after descriptor 2 was pointed at the file."""
    before = _stderr_target()
    real_dup2 = os.dup2
    calls = []

    def dup2_then_stop(fd: int, fd2: int) -> None:
        real_dup2(fd, fd2)
        calls.append(fd)
        if len(calls) == 1:  # the redirect, not the restore
            raise _Stop

    monkeypatch.setattr(os, "dup2", dup2_then_stop)
    with pytest.raises(_Stop), NativeMessages():
        pass
    monkeypatch.undo()
    assert _stderr_target() == before
    assert NativeMessages._saved_stderr == -1


def test_a_stopped_process_says_so_even_from_inside_a_capture(tmp_path: Path) -> None:
    """The command line's stop message reaches stderr when the signal came
    while a capture held descriptor 2 (and its restore never ran)."""
    script = tmp_path / "stuck.py"
    script.write_text(
        "import os, signal, sys\n"
        "from spotdiff.io.native import NativeMessages\n"
        "from spotdiff import cli\n"
        "capture = NativeMessages()\n"
        "capture.__enter__()  # never left: as if the signal came first\n"
        "class Args:\n"
        "    command = 'stuck'\n"
        "    def run(self, args, streams):\n"
        "        os.kill(os.getpid(), signal.SIGTERM)\n"
        "        raise AssertionError('not reached')\n"
        "cli.build_parser = lambda: type('P', (), {'parse_args': lambda self, a: Args()})()\n"
        "sys.argv = ['spotdiff']\n"
        "sys.exit(cli.main())\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 128 + 15, done
    assert "stopped by SIGTERM" in done.stderr
