"""MQTT: each message published to a broker, in the topics Frigate users know.

``PREFIX/events``
    the record ``spotdiff watch --json`` prints (with its ``idempotency_key``)
    for each start, update and end.
``PREFIX/CAMERA/motion``
    ``ON`` while the camera has an open event, ``OFF`` when it has none
    (retained; published with each start and end, from the state at that
    moment, so a late message never leaves a stale ``ON``).
``PREFIX/CAMERA/snapshot``
    the event's snapshot (JPEG bytes, boxes drawn), retained, with each
    start and end.
``PREFIX/available``
    ``online`` once connected, ``offline`` when watch stops; the broker
    publishes ``offline`` itself (the last will) when the process dies or
    the connection is lost. Retained.

Every publish is QoS 1: a message counts as delivered once the broker has
acknowledged each of its topics. paho-mqtt (the ``mqtt`` extra) reconnects
on its own; messages wait in the outbox meanwhile.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from typing import Any

from spotdiff.errors import require
from spotdiff.watch.alerts.options import AlertOptions, MqttAddress
from spotdiff.watch.alerts.outbox import Message


def topic_part(camera: str) -> str:
    """A camera name as one topic level (``/``, ``+`` and ``#`` become ``_``)."""
    return camera.translate(str.maketrans("/+#", "___")) or "_"


class MqttSender:
    """Publishes each message to the broker of ``options.mqtt``."""

    def __init__(self, options: AlertOptions) -> None:
        self.mqtt = require("paho.mqtt.client", feature="--mqtt alerts", extra="mqtt")
        self.address = MqttAddress.parse(options.mqtt or "")
        self.name = str(self.address)
        self.timeout = options.timeout
        self.available = f"{self.address.prefix}/available"
        self._connected = threading.Event()
        self.client: Any = None

    def open(self) -> None:
        mqtt = self.mqtt
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                             client_id=f"spotdiff-{os.getpid()}-{secrets.token_hex(3)}")
        if self.address.username is not None:
            client.username_pw_set(self.address.username, self.address.password)
        client.will_set(self.available, "offline", qos=1, retain=True)
        client.reconnect_delay_set(min_delay=1, max_delay=30)

        def connected(client, userdata, flags, reason, properties) -> None:  # noqa: ANN001
            if not reason.is_failure:
                client.publish(self.available, "online", qos=1, retain=True)
                self._connected.set()

        def disconnected(client, userdata, flags, reason, properties) -> None:  # noqa: ANN001
            self._connected.clear()

        client.on_connect = connected
        client.on_disconnect = disconnected
        client.connect_async(self.address.host, self.address.port, keepalive=30)
        client.loop_start()
        self.client = client
        self._connected.wait(self.timeout)  # not fatal: sends fail and are retried

    def send(self, message: Message, files) -> None:  # noqa: ANN001 - deliver.Files
        if self.client is None or not self._connected.is_set():
            raise ConnectionError(f"not connected to {self.address.host}:{self.address.port}")
        prefix, camera = self.address.prefix, topic_part(message.camera)
        self._publish(f"{prefix}/events", json.dumps(message.body()))
        if message.kind in ("start", "end"):
            self._publish(f"{prefix}/{camera}/motion",
                          "ON" if files.motion(message.camera) else "OFF", retain=True)
            snapshot = files.snapshot(message.event_id)
            if snapshot is not None:
                self._publish(f"{prefix}/{camera}/snapshot", snapshot.read_bytes(), retain=True)

    def _publish(self, topic: str, payload: str | bytes, retain: bool = False) -> None:
        info = self.client.publish(topic, payload, qos=1, retain=retain)
        info.wait_for_publish(self.timeout)
        if not info.is_published():
            raise TimeoutError(f"no acknowledgement for {topic} within {self.timeout:g} s")

    def close(self) -> None:
        if self.client is None:
            return
        if self._connected.is_set():  # a clean stop: say so (the will is for deaths)
            try:
                self.client.publish(self.available, "offline", qos=1,
                                    retain=True).wait_for_publish(2.0)
            except (RuntimeError, ValueError):
                pass
        self.client.disconnect()
        self.client.loop_stop()
