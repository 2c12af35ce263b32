"""``--exec``: a command run once per event end.

The command line is split as a shell would split it, but no shell runs it:
``{event_id}``, ``{camera}``, ``{reason}``, ``{snapshot}`` and ``{clip}``
(absolute paths, empty when there is none) are replaced inside each
argument, so a camera name cannot inject a command. The end record (with
its ``idempotency_key``) comes on standard input. Exit code 0 is success;
another code, a command that cannot start, or one still running after
``exec_timeout`` seconds (it is killed, with its children) is a failure,
logged with the last line of its standard error and retried.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess

from spotdiff.watch.alerts.options import AlertOptions
from spotdiff.watch.alerts.outbox import Message


class CommandSender:
    """Runs ``options.command`` for each end message."""

    def __init__(self, options: AlertOptions) -> None:
        self.args = options.command_args()
        self.name = f"exec {options.command}"
        self.timeout = options.exec_timeout

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def send(self, message: Message, files) -> None:  # noqa: ANN001 - deliver.Files
        snapshot, clip = files.snapshot(message.event_id), files.clip(message.event_id)
        values = {"event_id": message.event_id, "camera": message.camera,
                  "reason": message.record.get("reason") or "",
                  "snapshot": "" if snapshot is None else str(snapshot),
                  "clip": "" if clip is None else str(clip)}
        args = [a.format_map(values) for a in self.args]
        proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, start_new_session=True)
        try:
            _, err = proc.communicate(json.dumps(message.body()).encode(), timeout=self.timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.communicate()
            raise TimeoutError(f"still running after {self.timeout:g} s (killed)") from None
        if proc.returncode != 0:
            lines = err.decode(errors="replace").strip().splitlines()
            raise RuntimeError(f"exit code {proc.returncode}"
                               + (f": {lines[-1]}" if lines else ""))
