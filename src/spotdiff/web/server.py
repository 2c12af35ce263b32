"""Running the page: the address and its token, and uvicorn on a socket bound first.

The socket is bound before anything else starts, so a busy port is one line
(exit code 2) and ``PORT`` 0 (any free port) prints the port it got. Bound
to a loopback address the page needs no token; bound elsewhere it needs one
(``--token``, ``SPOTDIFF_TOKEN``, or one made up and printed).
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import socket
import threading
from pathlib import Path

from spotdiff.errors import InputError

DEFAULT_BIND = "127.0.0.1:8765"
TOKEN_ENV = "SPOTDIFF_TOKEN"


def parse_bind(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:8765`` for IPv6) -> (host, port)."""
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    try:
        number = int(port)
        if not sep or not host or not 0 <= number <= 65535:
            raise ValueError
    except ValueError:
        raise InputError(f"address '{text}'", expected="HOST:PORT, e.g. 127.0.0.1:8765",
                         got=repr(text), fix="PORT 0 takes any free port") from None
    return host, number


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def choose_token(host: str, given: str | None) -> str | None:
    """The token the page requires: the one given (or ``SPOTDIFF_TOKEN``); on a
    non-loopback address without one, a new random one; on loopback, None."""
    given = given or os.environ.get(TOKEN_ENV) or None
    if given is not None or is_loopback(host):
        return given
    return secrets.token_urlsafe(18)


class WebServer:
    """The page over ``out_dir`` on ``bind`` (HOST:PORT); ``url`` is the link to open."""

    def __init__(self, out_dir: str | Path, bind: str = DEFAULT_BIND,
                 token: str | None = None) -> None:
        from spotdiff.errors import require

        uvicorn = require("uvicorn", feature="the web page (spotdiff serve, watch --serve)",
                          extra="web")
        from spotdiff.web.app import create_app

        host, port = parse_bind(bind)
        self.token = choose_token(host, token)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.socket.bind((host, port))
        except OSError as exc:
            self.socket.close()
            raise InputError(f"address '{bind}'", expected="an address this machine can listen on",
                             got=exc.strerror or str(exc),
                             fix="choose another port (0: any free one)") from None
        self.socket.listen(64)
        bound = self.socket.getsockname()
        shown = f"[{bound[0]}]" if family == socket.AF_INET6 else bound[0]
        if bound[0] in ("0.0.0.0", "::"):
            shown = socket.gethostname()
        self.url = f"http://{shown}:{bound[1]}/"
        if self.token is not None:
            self.url += f"?token={self.token}"
        config = uvicorn.Config(create_app(out_dir, token=self.token), log_level="warning",
                                access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        """Serve until SIGINT/SIGTERM (from the main thread) or ``stop()``."""
        self.server.run(sockets=[self.socket])

    def start(self) -> None:
        """Serve from a thread of its own (beside a running watch)."""
        self._thread = threading.Thread(target=self.run, name="spotdiff-web", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.socket.close()
