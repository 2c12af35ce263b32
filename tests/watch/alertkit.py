"""Real receivers for the alert tests: an HTTP server and a Mosquitto broker.

``Receiver``: a webhook receiver (the standard library's HTTP server in a
thread) that can refuse its first calls (HTTP 500), be stopped (the port
then refuses connections) and started again on the same port; it counts
each idempotency key it took and the duplicates it dropped, and checks the
signature when it has the secret.

``mosquitto``: Debian's ``mosquitto`` (installed by ``.ci/setup-system``)
started on a free port with a config file of its own, killed after the test.
"""

from __future__ import annotations

import collections
import http.server
import json
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from spotdiff.watch.alerts.webhook import SIGNATURE_HEADER, sign


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver:
    """A webhook receiver on 127.0.0.1 that drops duplicates by idempotency key."""

    def __init__(self, *, fail_first: int = 0, secret: str | None = None) -> None:
        self.port = free_port()
        self.fail_first = fail_first
        self.secret = secret
        self.calls = 0
        self.refused = 0
        self.bad_signatures = 0
        self.taken: dict[str, dict] = {}  # key -> body, first copy
        self.duplicates: collections.Counter = collections.Counter()
        self.requests: list[tuple[dict, bytes]] = []  # headers, raw body
        self._lock = threading.Lock()
        self._server: http.server.ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> Receiver:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                code = receiver._take(dict(self.headers), body)
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:  # noqa: ANN002 - quiet
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Down: the port refuses connections until ``start()``."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _take(self, headers: dict, body: bytes) -> int:
        with self._lock:
            self.calls += 1
            self.requests.append((headers, body))
            if self.calls <= self.fail_first:
                self.refused += 1
                return 500
            if self.secret is not None and headers.get(SIGNATURE_HEADER) != sign(self.secret,
                                                                                   body):
                self.bad_signatures += 1
                return 401
            key = headers["Idempotency-Key"]
            if key in self.taken:
                self.duplicates[key] += 1
            elif headers["Content-Type"] == "application/json":
                self.taken[key] = json.loads(body)
            else:
                self.taken[key] = {"multipart": body}
            return 204

    def wait_for(self, keys: set[str], timeout: float = 30.0) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self._lock:
                if keys <= set(self.taken):
                    return True
            time.sleep(0.05)
        return False


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


MOSQUITTO = "/usr/sbin/mosquitto"


class Broker:
    """A Mosquitto broker on 127.0.0.1:port."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.config = folder / "mosquitto.conf"
        self.config.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\n"
                               "persistence false\n")
        self.proc: subprocess.Popen | None = None

    def start(self) -> Broker:
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.config)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        end = time.monotonic() + 10
        while time.monotonic() < end:  # listening?
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("mosquitto did not start: "
                                       + self.proc.stderr.read().decode()) from None
                time.sleep(0.05)
        raise RuntimeError("mosquitto is not listening")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc.stderr.close()
            self.proc = None


@pytest.fixture
def mosquitto(tmp_path) -> Iterator[Broker]:
    if shutil.which(MOSQUITTO) is None:
        pytest.skip("mosquitto not installed (bash .ci/setup-system installs it)")
    broker = Broker(tmp_path).start()
    yield broker
    broker.stop()


class Subscriber:
    """A paho client subscribed to ``topic`` (``#`` patterns allowed), recording
    every message (retained ones as such) in order."""

    def __init__(self, port: int, topic: str) -> None:
        import paho.mqtt.client as mqtt

        self.messages: list[tuple[str, bytes, bool]] = []
        self._lock = threading.Lock()
        ready = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                                  client_id=f"test-{port}-{id(self)}")  # unique: the broker
        # drops the older of two clients with one id

        def connected(client, userdata, flags, reason, properties) -> None:  # noqa: ANN001
            client.subscribe(topic, qos=1)

        def subscribed(client, userdata, mid, reasons, properties) -> None:  # noqa: ANN001
            ready.set()

        def message(client, userdata, msg) -> None:  # noqa: ANN001
            with self._lock:
                self.messages.append((msg.topic, msg.payload, bool(msg.retain)))

        self.client.on_connect = connected
        self.client.on_subscribe = subscribed
        self.client.on_message = message
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        if not ready.wait(10):
            raise RuntimeError("could not subscribe")

    def on(self, topic: str) -> list[bytes]:
        with self._lock:
            return [p for t, p, _ in self.messages if t == topic]

    def wait(self, predicate, timeout: float = 20.0) -> bool:  # noqa: ANN001
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if predicate():
                return True
            time.sleep(0.05)
        return False

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
