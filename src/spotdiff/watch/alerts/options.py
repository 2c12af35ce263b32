"""Where alerts go and how they are retried: one frozen, validated value.

The command line (``--webhook``, ``--mqtt``, ``--exec``), a program calling
:func:`spotdiff.watch.watch` and the tests build one :class:`AlertOptions`;
errors name the option and say what a good value looks like.
"""

from __future__ import annotations

import math
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from spotdiff.errors import InputError
from spotdiff.watch.alerts.outbox import KINDS

#: Environment variable holding the webhook secret (safer than the command line).
SECRET_ENV = "SPOTDIFF_WEBHOOK_SECRET"

#: Placeholders an ``exec`` command may use.
PLACEHOLDERS = ("event_id", "camera", "reason", "snapshot", "clip")

#: name -> (low, high, description) for the numeric fields.
FIELDS: dict[str, tuple[float, float, str]] = {
    "retry": (0.01, 3600, "seconds before the first retry of a failed alert (doubled each time)"),
    "retry_max": (0.01, 86400, "longest wait between two retries, in seconds"),
    "timeout": (0.1, 600, "seconds one webhook POST or MQTT publish may take"),
    "exec_timeout": (0.1, 86400, "seconds the exec command may run before it is killed"),
    "drain": (0, 600, "seconds spent sending what is left when watch stops"),
}


@dataclass(frozen=True)
class MqttAddress:
    """A broker and a topic prefix, from ``mqtt://[user[:password]@]host[:port]/prefix``."""

    host: str
    port: int = 1883
    prefix: str = "spotdiff"
    username: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> MqttAddress:
        bad = InputError(f"mqtt '{url}'", expected="mqtt://HOST[:PORT]/PREFIX",
                         got="no host" if url.startswith("mqtt://") else "another form",
                         fix="e.g. mqtt://127.0.0.1:1883/spotdiff")
        parts = urlsplit(url)
        if parts.scheme != "mqtt" or not parts.hostname or parts.query:
            raise bad
        try:
            port = parts.port or 1883
        except ValueError:
            raise InputError(f"mqtt '{url}'", expected="a port from 1 to 65535",
                             got=repr(parts.netloc.rpartition(":")[2]),
                             fix="e.g. mqtt://127.0.0.1:1883/spotdiff") from None
        prefix = (parts.path + url[url.index("#"):] if "#" in url else parts.path
                  ).strip("/") or "spotdiff"
        if any(c in prefix for c in "+#") or "//" in prefix:
            raise InputError(f"mqtt '{url}'", expected="a topic prefix without +, # or //",
                             got=repr(prefix), fix="e.g. mqtt://127.0.0.1:1883/home/spotdiff")
        return cls(parts.hostname, port, prefix, parts.username, parts.password)

    def __str__(self) -> str:  # never shows the password
        user = f"{self.username}@" if self.username else ""
        return f"mqtt://{user}{self.host}:{self.port}/{self.prefix}"


@dataclass(frozen=True)
class AlertOptions:
    """Where each event's start, update and end is sent (see :data:`FIELDS`).

    ``webhooks``: URLs that get a POST of each record; ``webhook_secret``
    signs it (HMAC-SHA256); ``webhook_snapshot``: ``"attach"`` sends the
    snapshot with it (multipart), ``"link"`` adds ``snapshot_url`` (under
    ``snapshot_url`` if given, else a ``file://`` URL). ``mqtt``: a broker
    URL. ``command``: run once per event end, ``{event_id}``, ``{camera}``,
    ``{reason}``, ``{snapshot}`` and ``{clip}`` replaced in its arguments.
    """

    webhooks: tuple[str, ...] = ()
    webhook_secret: str | None = None
    webhook_snapshot: str | None = None
    snapshot_url: str | None = None
    mqtt: str | None = None
    command: str | None = None
    exec_timeout: float = 30.0
    retry: float = 1.0
    retry_max: float = 60.0
    timeout: float = 10.0
    drain: float = 5.0

    def __post_init__(self) -> None:
        for url in self.webhooks:
            parts = urlsplit(url)
            try:
                parts.port  # noqa: B018 - raises on a bad port
            except ValueError:
                parts = parts._replace(netloc="")
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise InputError(f"webhook '{url}'", expected="an http:// or https:// URL",
                                 got="no host" if parts.scheme in ("http", "https")
                                 else f"scheme '{parts.scheme}'" if parts.scheme
                                 else "no scheme",
                                 fix="e.g. http://127.0.0.1:8000/hook")
        if len(set(self.webhooks)) != len(self.webhooks):
            raise InputError("webhooks", expected="each URL once", got="a URL twice")
        if self.webhook_snapshot not in (None, "attach", "link"):
            raise InputError("webhook_snapshot", expected="'attach' or 'link'",
                             got=repr(self.webhook_snapshot))
        if self.snapshot_url is not None:
            if urlsplit(self.snapshot_url).scheme not in ("http", "https", "file"):
                raise InputError(f"snapshot_url '{self.snapshot_url}'",
                                 expected="an http://, https:// or file:// URL",
                                 got="another form", fix="e.g. http://192.168.1.2:8080/")
            if self.webhook_snapshot != "link":
                raise InputError("snapshot_url", expected="webhook_snapshot 'link' with it",
                                 got=repr(self.webhook_snapshot),
                                 fix="add --webhook-snapshot link")
        if not self.webhooks and (self.webhook_secret or self.webhook_snapshot):
            raise InputError("webhook_secret / webhook_snapshot",
                             expected="a webhook URL to go with them", got="none",
                             fix="add --webhook URL")
        if self.webhook_secret is not None and not self.webhook_secret:
            raise InputError("webhook_secret", expected="a non-empty secret", got="''")
        if self.mqtt is not None:
            MqttAddress.parse(self.mqtt)
        if self.command is not None:
            self.command_args()
        for name, (low, high, _) in FIELDS.items():
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value)
                    and low <= value <= high):
                raise InputError(name, expected=f"a number from {low:g} to {high:g}",
                                 got=repr(value))

    def command_args(self) -> list[str]:
        """The ``command`` split as a shell would (no shell runs it), checked."""
        where = f"exec command '{self.command}'"
        try:
            args = shlex.split(self.command or "")
        except ValueError as exc:
            raise InputError(where, expected="a command line with balanced quotes",
                             got=str(exc)) from None
        if not args:
            raise InputError(where, expected="a command", got="nothing")
        sample = dict.fromkeys(PLACEHOLDERS, "x")
        for arg in args:
            try:
                arg.format_map(sample)
            except KeyError as exc:
                raise InputError(where, expected="placeholders among "
                                 + ", ".join("{" + p + "}" for p in PLACEHOLDERS),
                                 got="{" + str(exc.args[0]) + "}",
                                 fix="write a literal brace as {{ or }}") from None
            except (ValueError, IndexError) as exc:
                raise InputError(where, expected="placeholders like {event_id}",
                                 got=str(exc), fix="write a literal brace as {{ or }}") from None
        if shutil.which(args[0]) is None and not Path(args[0]).is_file():
            raise InputError(where, expected="a program on PATH or a path to one",
                             got=f"no program '{args[0]}'", fix="check its name")
        return args

    def targets(self) -> dict[str, frozenset[str]]:
        """Each target's name (as stored in the outbox) and the kinds it takes."""
        out = {f"webhook {url}": KINDS for url in self.webhooks}
        if self.mqtt is not None:
            out[str(MqttAddress.parse(self.mqtt))] = KINDS
        if self.command is not None:
            out[f"exec {self.command}"] = frozenset({"end"})
        return out
