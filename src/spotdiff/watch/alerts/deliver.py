"""The deliverers: one thread per alert target, sending the outbox in order.

Each :class:`Deliverer` reads its target's undelivered messages from the
events database (a connection of its own), hands them to its sender one by
one in the order they were written, and marks each delivered once the
receiver took it. A failure stops the pass: the same message is tried again
after ``retry`` seconds, doubled after each failure up to ``retry_max``, so
a receiver that is down is not flooded and gets its messages in order when
it is back. Nothing a sender does can stop or slow the watch loop: it runs
in its own thread and every error is logged and retried. What is not sent
when watch stops (after ``drain`` seconds of trying) stays in the outbox
and is sent by the next ``spotdiff watch`` on the same folder.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time as wallclock
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from spotdiff.watch.alerts import outbox
from spotdiff.watch.alerts.options import AlertOptions
from spotdiff.watch.alerts.outbox import Message

log = logging.getLogger("spotdiff.watch")

#: Seconds between two looks at an empty outbox.
POLL = 0.2


class Sender(Protocol):
    """Sends one message to one receiver; raises (any exception) when it was not taken."""

    name: str

    def open(self) -> None: ...

    def send(self, message: Message, files: Files) -> None: ...

    def close(self) -> None: ...


class Files:
    """What a sender may read besides the message: the event's files and state."""

    def __init__(self, db: sqlite3.Connection, root: Path) -> None:
        self.db = db
        self.root = root

    def _path(self, event_id: int, column: str) -> Path | None:
        row = self.db.execute(f"SELECT {column} FROM events WHERE id=?", (event_id,)).fetchone()
        if row is None or row[0] is None:
            return None
        path = (self.root / row[0]).resolve()
        return path if path.is_file() else None

    def snapshot(self, event_id: int) -> Path | None:
        """The event's snapshot (boxes drawn) as it is now, if there is one."""
        return self._path(event_id, "snapshot")

    def clip(self, event_id: int) -> Path | None:
        return self._path(event_id, "clip")

    def motion(self, camera: str) -> bool:
        """Whether the camera has an open event now."""
        return self.db.execute("SELECT 1 FROM events WHERE camera=? AND reason IS NULL AND "
                               "start_frame IS NOT NULL LIMIT 1", (camera,)).fetchone() is not None


class Deliverer(threading.Thread):
    """Sends one target's messages from the outbox of ``root/events.db``."""

    def __init__(self, sender: Sender, root: Path, options: AlertOptions) -> None:
        super().__init__(name=f"alerts {sender.name}", daemon=True)
        self.sender = sender
        self.root = Path(root)
        self.options = options
        self._wake = threading.Event()
        self._stop_at: float | None = None

    def stop(self, drain: float) -> None:
        """Send what is left for up to ``drain`` seconds, then end."""
        self._stop_at = wallclock.monotonic() + drain
        self._wake.set()

    def run(self) -> None:
        from spotdiff.watch.store import connect

        try:
            db = connect(self.root / "events.db")
        except Exception as exc:  # noqa: BLE001 - a broken database: say so, stop alerts
            log.error("spotdiff watch: alerts to %s stopped: cannot open the events "
                      "database (%s)", self.sender.name, exc)
            return
        try:
            self.sender.open()
            self._loop(db, Files(db, self.root))
        except Exception as exc:  # noqa: BLE001 - never take the process down
            log.error("spotdiff watch: alerts to %s stopped (%s); what is not sent stays "
                      "in the outbox", self.sender.name, exc)
        finally:
            with contextlib.suppress(Exception):
                self.sender.close()
            db.close()

    def _loop(self, db: sqlite3.Connection, files: Files) -> None:
        wait = 0.0
        failures = 0
        while True:
            if self._stop_at is not None and wallclock.monotonic() >= self._stop_at:
                return
            try:
                messages = outbox.pending(db, self.sender.name)
            except sqlite3.Error as exc:
                log.warning("spotdiff watch: cannot read the outbox (%s); trying again", exc)
                self._sleep(1.0)
                continue
            if not messages:
                if self._stop_at is not None:
                    return
                self._sleep(POLL)
                continue
            for message in messages:
                try:
                    self.sender.send(message, files)
                except Exception as exc:  # noqa: BLE001 - any failure is retried
                    failures += 1
                    wait = self.options.retry if failures == 1 else \
                        min(wait * 2, self.options.retry_max)
                    if failures == 1:
                        log.warning("spotdiff watch: alert %s to %s failed (%s); retrying, "
                                    "first in %g s", message.key, self.sender.name,
                                    _reason(exc), wait)
                    self._save(db, outbox.failed, message, _reason(exc))
                    self._sleep(wait)
                    break
                self._save(db, outbox.delivered, message)
                if failures:
                    log.warning("spotdiff watch: alerts to %s delivered again after %d failed "
                                "attempt(s)", self.sender.name, failures)
                    failures = 0

    def _save(self, db: sqlite3.Connection, mark: Any, message: Message, *extra: str) -> None:
        try:
            mark(db, self.sender.name, message, *extra)
        except sqlite3.Error as exc:  # sent again later: the receiver drops it by its key
            log.warning("spotdiff watch: cannot mark alert %s (%s)", message.key, exc)

    def _sleep(self, seconds: float) -> None:
        if self._stop_at is not None:
            seconds = min(seconds, max(self._stop_at - wallclock.monotonic(), 0.0))
        self._wake.wait(seconds)
        self._wake.clear()


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[-1]}" if text else type(exc).__name__


def senders(options: AlertOptions) -> list[Sender]:
    """One sender per target of ``options`` (imports an extra only when used)."""
    out: list[Sender] = []
    if options.webhooks:
        from spotdiff.watch.alerts.webhook import WebhookSender

        out += [WebhookSender(url, options) for url in options.webhooks]
    if options.mqtt is not None:
        from spotdiff.watch.alerts.mqtt import MqttSender

        out.append(MqttSender(options))
    if options.command is not None:
        from spotdiff.watch.alerts.command import CommandSender

        out.append(CommandSender(options))
    return out


def alert_targets(options: AlertOptions | None,
                  out_dir: str | os.PathLike | None) -> dict[str, frozenset[str]]:
    """The store's targets for ``options`` (which need an output folder)."""
    if options is None:
        return {}
    if out_dir is None:
        from spotdiff.errors import InputError

        raise InputError("alerts", expected="an output folder (the outbox is in its events.db)",
                         got="none", fix="pass -o DIR")
    return options.targets()


@contextlib.contextmanager
def delivering(options: AlertOptions | None, root: str | os.PathLike | None) -> Iterator[
        list[Deliverer]]:
    """Deliverers running beside the ``with`` block; on leaving it they send
    what is left for up to ``options.drain`` seconds."""
    if options is None or root is None:
        yield []
        return
    threads = [Deliverer(s, Path(root), options) for s in senders(options)]
    for t in threads:
        t.start()
    try:
        yield threads
    finally:
        for t in threads:
            t.stop(options.drain)
        attempt = max(options.timeout, options.exec_timeout if options.command else 0.0)
        deadline = wallclock.monotonic() + options.drain + attempt + 1  # the last attempt
        for t in threads:
            t.join(max(deadline - wallclock.monotonic(), 0.0))
