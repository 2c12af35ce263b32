"""Alerts from an outbox: each event's start, update and end, sent exactly once.

The store writes each message to the outbox in the same transaction as the
event (:mod:`~spotdiff.watch.alerts.outbox`); deliverers, one thread per
target, send from there with retries and backoff and mark rows delivered
(:mod:`~spotdiff.watch.alerts.deliver`), so nothing is lost while a
receiver is down or watch restarts, and each message carries an idempotency
key receivers use to drop the duplicates a retry can cause. Targets, one
module each: :mod:`~spotdiff.watch.alerts.webhook`,
:mod:`~spotdiff.watch.alerts.mqtt` (the ``mqtt`` extra),
:mod:`~spotdiff.watch.alerts.command`.

::

    from spotdiff.watch import watch
    from spotdiff.watch.alerts import AlertOptions
    watch("rtsp://cam/door", out_dir="events",
          alerts=AlertOptions(webhooks=("http://127.0.0.1:8000/hook",)))
"""

from __future__ import annotations

from spotdiff.watch.alerts.options import SECRET_ENV, AlertOptions, MqttAddress

__all__ = ["SECRET_ENV", "AlertOptions", "MqttAddress"]
