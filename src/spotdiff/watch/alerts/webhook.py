"""Webhooks: a POST of each message's JSON, signed when a secret is set.

The body is the record ``spotdiff watch --json`` prints, with its
``idempotency_key``; the key is also the ``Idempotency-Key`` header. With a
secret, ``X-Spotdiff-Signature: sha256=HEX`` is the HMAC-SHA256 of the exact
body bytes (check it before parsing). ``attach`` sends ``multipart/form-data``
instead: a part ``event`` (the JSON) and a part ``snapshot`` (the JPEG),
signed the same way over the whole body. Any answer but 2xx (a redirect
too) is a failure, retried.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

from spotdiff.watch.alerts.options import AlertOptions
from spotdiff.watch.alerts.outbox import Message

SIGNATURE_HEADER = "X-Spotdiff-Signature"


def sign(secret: str, body: bytes) -> str:
    """The signature header's value for ``body``: ``sha256=`` and the hex HMAC."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        return None  # a redirect is an error (urllib would turn the POST into a GET)


def multipart(event: bytes, snapshot: bytes, filename: str) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body of the event JSON and the snapshot; (body, type)."""
    boundary = "spotdiff-" + secrets.token_hex(12)
    parts = [
        (f'--{boundary}\r\nContent-Disposition: form-data; name="event"\r\n'
         "Content-Type: application/json\r\n\r\n").encode() + event + b"\r\n",
        (f'--{boundary}\r\nContent-Disposition: form-data; name="snapshot"; '
         f'filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n').encode()
        + snapshot + b"\r\n",
        f"--{boundary}--\r\n".encode(),
    ]
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class WebhookSender:
    """POSTs each message to ``url``."""

    def __init__(self, url: str, options: AlertOptions) -> None:
        from spotdiff import __version__

        self.url = url
        self.name = f"webhook {url}"
        self.options = options
        self.agent = f"spotdiff/{__version__}"
        self._opener = urllib.request.build_opener(_NoRedirect)

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def send(self, message: Message, files) -> None:  # noqa: ANN001 - deliver.Files
        body = message.body()
        snapshot = files.snapshot(message.event_id) if self.options.webhook_snapshot else None
        if snapshot is not None and self.options.webhook_snapshot == "link":
            body["snapshot_url"] = self._link(snapshot, files.root)
        data = json.dumps(body).encode()
        kind = "application/json"
        if snapshot is not None and self.options.webhook_snapshot == "attach":
            data, kind = multipart(data, snapshot.read_bytes(), snapshot.name)
        headers = {"Content-Type": kind, "Idempotency-Key": message.key,
                   "User-Agent": self.agent}
        if self.options.webhook_secret:
            headers[SIGNATURE_HEADER] = sign(self.options.webhook_secret, data)
        request = urllib.request.Request(self.url, data=data, headers=headers, method="POST")
        try:
            with self._opener.open(request, timeout=self.options.timeout) as answer:
                answer.read()
        except urllib.error.HTTPError as exc:
            exc.close()
            raise ConnectionError(f"HTTP {exc.code} {exc.reason}") from None

    def _link(self, snapshot: Path, root: Path) -> str:
        base = self.options.snapshot_url
        if base is None:
            return snapshot.as_uri()
        relative = snapshot.relative_to(root.resolve()).as_posix()
        return base.rstrip("/") + "/" + quote(relative)
