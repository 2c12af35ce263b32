"""Real servers for the web page's tests: a camera (an MJPEG stream of a room that
someone crosses every few seconds) and spotdiff's own commands run as processes
(``spotdiff watch ... --serve``, ``spotdiff serve``), each giving the page's URL."""

from __future__ import annotations

import functools
import os
import queue
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import cv2
import numpy as np

from spotdiff.evalset.scenes import background
from watch.live_servers import MjpegServer  # tests/watch's camera server

__all__ = ["MjpegServer", "Process", "get", "scene_frame"]

WIDTH, HEIGHT = 320, 240
#: Frames between two people entering, and frames one takes to cross.
PERIOD, CROSSING = 60, 40


@functools.lru_cache(maxsize=1)
def _room() -> np.ndarray:
    return np.clip(background(WIDTH, HEIGHT, seed=7), 0, 255).astype(np.uint8)


def scene_frame(index: int) -> np.ndarray:
    """BGR frame ``index``: the room, a little sensor noise, and from frame 60 on a
    person (a dark block) crossing for ``CROSSING`` frames of every ``PERIOD``."""
    rng = np.random.default_rng(index)
    frame = _room().astype(np.int16) + rng.integers(-3, 4, (HEIGHT, WIDTH, 1), dtype=np.int16)
    step = (index - 60) % PERIOD
    if index >= 60 and step < CROSSING:
        x = int(step * (WIDTH - 40) / CROSSING)
        frame[120:210, x:x + 36] = (40, 60, 90)
    return cv2.cvtColor(np.clip(frame, 0, 255).astype(np.uint8), cv2.COLOR_RGB2BGR)


class Process:
    """A spotdiff command in a process of its own; ``url`` is the page it announced."""

    def __init__(self, *args: str | os.PathLike, cwd: Path, env: dict[str, str] | None = None
                 ) -> None:
        self.log: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "spotdiff", *map(str, args)], cwd=cwd,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            env={**os.environ, **(env or {})})
        lines: queue.Queue[str] = queue.Queue()

        def read() -> None:
            for line in self.proc.stderr:  # type: ignore[union-attr]
                self.log.append(line)
                lines.put(line)
            lines.put("")

        self._reader = threading.Thread(target=read, daemon=True)
        self._reader.start()
        self.url = ""
        while True:
            try:
                line = lines.get(timeout=60)
            except queue.Empty:
                self.stop()
                raise AssertionError("no page announced in 60 s: " + "".join(self.log)) from None
            if not line:
                self.stop()
                raise AssertionError("the command ended: " + "".join(self.log))
            if "the page is at " in line:
                self.url = line.split("the page is at ", 1)[1].strip()
                break
        self.port = int(self.url.split(":")[2].split("/")[0])
        self.base = f"http://127.0.0.1:{self.port}"

    def stop(self) -> int:
        """SIGINT, as Ctrl-C; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(timeout=10)
        self.proc.stderr.close()  # type: ignore[union-attr]
        return self.proc.returncode


def get(url: str, headers: dict[str, str] | None = None, method: str = "GET",
        data: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of one request; errors are answers too; redirects not followed."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()
