"""Fixtures for the watch tests: real stream servers on 127.0.0.1.

A module of fixtures rather than a ``conftest.py``: a second module named
``conftest`` would shadow ``tests/conftest.py`` for the tests that import it.

``mjpeg_server``: an HTTP server (standard library) sending
``multipart/x-mixed-replace`` JPEG frames, as IP cameras do.
``rtsp_server``: GStreamer's RTSP server in a child process run by Debian's
Python (see ``rtsp_server.py``; installed by ``.ci/setup-system``).
Both can be stopped in the middle of a stream and started again on the same
port, and the MJPEG one can stall (keep the connection, send nothing) or
freeze (send one picture again and again).
"""

from __future__ import annotations

import http.server
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
SYSTEM_PYTHON = "/usr/bin/python3"


def moving_square(index: int, *, width: int = 96, height: int = 64) -> np.ndarray:
    """A BGR test picture whose square moves one step per frame (no two alike)."""
    frame = np.full((height, width, 3), 40, np.uint8)
    x = (index * 3) % (width - 16)
    frame[20:36, x:x + 16] = (30, 200, 240)
    cv2.putText(frame, str(index % 1000), (2, height - 4), cv2.FONT_HERSHEY_PLAIN, 1,
                (255, 255, 255))
    return frame


class MjpegServer:
    """A multipart MJPEG stream at ``url``; ``mode`` is "moving", "frozen" or "stalled"."""

    boundary = "spotdiffframe"

    def __init__(self, fps: float = 25.0) -> None:
        self.fps = fps
        self.mode = "moving"
        #: the BGR picture of frame ``sent`` (a scene of a test's own may replace it)
        self.picture = moving_square
        self.port = 0
        self.sent = 0
        self._server: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/stream.mjpg"

    def start(self) -> None:
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep the test output clean
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                self.send_response(200)
                self.send_header("Content-Type",
                                 f"multipart/x-mixed-replace; boundary={owner.boundary}")
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                frozen = cv2.imencode(".jpg", moving_square(0))[1].tobytes()
                try:
                    while not owner._stop.is_set():
                        if owner.mode == "stalled":
                            owner._stop.wait(0.05)
                            continue
                        if owner.mode == "frozen":
                            jpeg = frozen
                        else:
                            jpeg = cv2.imencode(".jpg", owner.picture(owner.sent))[1].tobytes()
                        self.wfile.write(
                            f"--{owner.boundary}\r\nContent-Type: image/jpeg\r\n"
                            f"Content-Length: {len(jpeg)}\r\n\r\n".encode() + jpeg + b"\r\n")
                        self.wfile.flush()
                        owner.sent += 1
                        owner._stop.wait(1.0 / owner.fps)
                except OSError:  # the client went away
                    pass

        self._stop.clear()
        server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Close the listening socket and every open stream (the camera goes away)."""
        if self._server is None:
            return
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._server = None
        time.sleep(0.1)  # let the handlers see the flag and close their connections


@pytest.fixture
def mjpeg_server() -> Iterator[MjpegServer]:
    server = MjpegServer()
    server.start()
    yield server
    server.stop()


class RtspServer:
    """GStreamer's RTSP server in a child process; ``url`` serves a moving test pattern."""

    def __init__(self, width: int = 96, height: int = 64, fps: int = 25) -> None:
        self.args = [str(width), str(height), str(fps)]
        self.port = 0
        self._proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"rtsp://127.0.0.1:{self.port}/cam"

    def start(self) -> None:
        with tempfile.TemporaryFile("w+") as errors:  # a file: a chatty server never blocks
            proc = subprocess.Popen([SYSTEM_PYTHON, str(HERE / "rtsp_server.py"),
                                     str(self.port), *self.args],
                                    stdout=subprocess.PIPE, stderr=errors, text=True)
            line = proc.stdout.readline().strip() if proc.stdout else ""
            if not line.isdigit():
                proc.kill()
                proc.communicate()
                errors.seek(0)
                err = errors.read().strip().splitlines()
                raise RuntimeError(f"the RTSP server did not start: {err[-1] if err else line}")
        proc.stdout.close()  # the port was all it had to say
        self.port = int(line)
        self._proc = proc

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.communicate(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.communicate()
            self._proc = None


def _rtsp_server_missing() -> str | None:
    if not Path(SYSTEM_PYTHON).exists():
        return f"{SYSTEM_PYTHON} not found"
    probe = ("import gi; gi.require_version('Gst', '1.0'); "
             "gi.require_version('GstRtspServer', '1.0'); "
             "from gi.repository import Gst, GstRtspServer; Gst.init(None); "
             "missing = [e for e in ('videotestsrc', 'jpegenc', 'rtpjpegpay') "
             "if Gst.ElementFactory.find(e) is None]; "
             "assert not missing, missing")
    done = subprocess.run([SYSTEM_PYTHON, "-c", probe], capture_output=True, text=True)
    if done.returncode:
        return "GStreamer's RTSP server is not installed (run .ci/setup-system)"
    return None


@pytest.fixture(scope="session")
def rtsp_available() -> None:
    reason = _rtsp_server_missing()
    if reason:
        pytest.skip(reason)


@pytest.fixture
def rtsp_server(rtsp_available: None) -> Iterator[RtspServer]:
    server = RtspServer()
    server.start()
    yield server
    server.stop()


