"""``spotdiff watch SOURCE``: events with pictures and clips from a static camera."""

from __future__ import annotations

import argparse

from spotdiff.cli._common import (
    ExitCode,
    Streams,
    fraction,
    non_negative_float,
    non_negative_int,
    number_type,
    parse_polygon,
    positive_int,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _zone(text: str) -> tuple[str, list[tuple[int, int]]]:
    name, sep, points = text.partition(":")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME:'X,Y X,Y X,Y', got {text!r}")
    return name.strip(), parse_polygon(points)


def _mask(text: str) -> Any:
    import os

    if os.path.isfile(text):
        return text
    return parse_polygon(text)


def _min_frames(text: str) -> tuple[int, int]:
    m, _, n = text.partition("/")
    try:
        pair = (int(m), int(n) if n else max(int(m), 5))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected M or M/N (e.g. 3/5), got {text!r}") from None
    if not 1 <= pair[0] <= pair[1] <= 100:
        raise argparse.ArgumentTypeError(f"expected 1 <= M <= N <= 100, got {text!r}")
    return pair


def _size(text: str) -> int:
    """argparse type for a size in bytes (``500M``, ``20G``; a trailing B allowed)."""
    from spotdiff.io.probe import parse_size

    try:
        return parse_size(text.strip().lower().removesuffix("b"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a size >= 0 like 500M or 20G, got {text!r}") from None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "watch", help="watch a static camera: events with snapshots and clips",
        description="Watch a video file or a folder of frames (a static camera) and report "
        "each object that enters as one event, with a snapshot and a clip. Exit code for a "
        "file or folder: 0 no event, 1 at least one event, 2 error.")
    p.add_argument("source", metavar="SOURCE", nargs="?",
                   help="a video file or a folder of frames (natural order)")
    p.add_argument("--config", metavar="FILE",
                   help="watch the cameras of a TOML file instead (see docs/watch.md); the "
                   "detection and event flags then come from the file")
    p.add_argument("-o", "--out", metavar="DIR",
                   help="write events.db, snapshots/ and clips/ here (default: nothing written)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object per line (start, update, end, camera) on stdout")
    p.add_argument("--camera", metavar="NAME", help="camera name (default: from the source)")
    p.add_argument("--serve", metavar="HOST:PORT",
                   help="serve the web page (live view, tuning, events, zones) while watching, "
                   "as 'spotdiff serve' does; needs -o and the 'web' extra; 127.0.0.1:8765 "
                   "for this machine only, any other address needs a token")
    p.add_argument("--token", metavar="TOKEN",
                   help="the token the page of --serve requires (default: $SPOTDIFF_TOKEN; "
                   "on a non-loopback address without one, a random one is printed)")
    d = p.add_argument_group("detection")
    d.add_argument("--model", default="consensus", metavar="NAME",
                   help="background model, a name of spotdiff.background.MODELS: consensus "
                   "(default), reference, running, mog2, ...")
    d.add_argument("--background", metavar="FILE",
                   help="a clean snapshot of the scene to compare each frame with (lighting- "
                   "and noise-aware, as 'compare --ignore-lighting') instead of a model")
    d.add_argument("--min-area", type=positive_int, default=64, metavar="PX",
                   help="smallest region that counts, in frame pixels (default 64)")
    d.add_argument("--merge-gap", type=non_negative_int, default=16, metavar="PX",
                   help="regions closer than this are one object (default 16)")
    d.add_argument("--zone", type=_zone, action="append", default=[], metavar="NAME:'X,Y ...'",
                   help="a named zone polygon; with zones, only regions touching one count "
                   "(repeatable)")
    d.add_argument("--mask", type=_mask, action="append", default=[], metavar="'X,Y ...'|FILE",
                   help="a polygon never watched, or a mask image whose nonzero pixels are "
                   "not watched (repeatable)")
    d.add_argument("--scale", type=number_type(float, low=0.05, high=1), metavar="S",
                   help="detect at this fraction of the frame size (default: longer side 256)")
    d.add_argument("--global-fraction", type=fraction, default=0.6, metavar="F",
                   help="a frame changed over more than this fraction is a global change: "
                   "re-learn, no event (default 0.6)")
    d.add_argument("--learn-frames", type=non_negative_int, default=50, metavar="N",
                   help="frames after a start or re-learn that raise no event (default 50)")
    e = p.add_argument_group("events")
    e.add_argument("--min-frames", type=_min_frames, default=(3, 5), metavar="M[/N]",
                   help="an object must be present in M of the last N frames (default 3/5)")
    e.add_argument("--event-gap", type=non_negative_float, default=2.0, metavar="SEC",
                   help="an event ends after this many seconds without its object (default 2)")
    e.add_argument("--hold", type=non_negative_float, default=300.0, metavar="SEC",
                   help="an object staying longer ends its event as 'absorbed' and becomes "
                   "background (default 300; 0: never)")
    e.add_argument("--fps", type=number_type(float, low=0.1, high=1000), default=25.0,
                   help="frames per second of a folder of frames (default 25)")
    e.add_argument("--realtime", action="store_true",
                   help="play files at their frame rate instead of as fast as they decode")
    m = p.add_argument_group("snapshots, clips and storage")
    m.add_argument("--pre", type=non_negative_float, default=2.0, metavar="SEC",
                   help="seconds before the event kept in its clip (default 2)")
    m.add_argument("--post", type=non_negative_float, default=2.0, metavar="SEC",
                   help="seconds after the event kept in its clip (default 2)")
    m.add_argument("--clip-format", choices=["mp4", "webm"], default="mp4",
                   help="H.264 MP4 (default) or VP9 WebM; needs the 'video' extra")
    m.add_argument("--clip-height", type=non_negative_int, default=720, metavar="PX",
                   help="height of clips (default 720; 0: the source's)")
    m.add_argument("--no-clips", action="store_true", help="write no clips")
    m.add_argument("--no-snapshots", action="store_true", help="write no snapshots")
    m.add_argument("--keep-days", type=non_negative_float, metavar="DAYS",
                   help="delete ended events older than this")
    m.add_argument("--max-size", type=_size, metavar="SIZE",
                   help="keep the snapshots and clips under this total (e.g. 20G)")
    m.add_argument("--free-reserve", type=_size, default=0, metavar="SIZE",
                   help="delete the oldest events while the disk has less free space")
    _alert_flags(p)
    p.set_defaults(run=run)


def _alert_flags(p: argparse.ArgumentParser) -> None:
    a = p.add_argument_group("alerts (sent from the outbox in DIR/events.db; need -o)")
    a.add_argument("--webhook", action="append", default=[], metavar="URL",
                   help="POST each event start, update and end (the --json record with an "
                   "idempotency_key) to this URL; retried until it answers 2xx (repeatable)")
    a.add_argument("--webhook-secret", metavar="SECRET",
                   help="sign each POST with HMAC-SHA256 (header X-Spotdiff-Signature); "
                   "default: the environment variable SPOTDIFF_WEBHOOK_SECRET, which "
                   "keeps it out of the process list")
    a.add_argument("--webhook-snapshot", choices=["attach", "link"],
                   help="attach the event's snapshot to each POST (multipart/form-data: parts "
                   "'event' and 'snapshot'), or add its address as snapshot_url")
    a.add_argument("--snapshot-url", metavar="URL",
                   help="with --webhook-snapshot link: the address DIR is served at, e.g. "
                   "http://192.168.1.2:8080/ (default: a file:// URL)")
    a.add_argument("--mqtt", metavar="mqtt://HOST[:PORT]/PREFIX",
                   help="publish to an MQTT broker: PREFIX/events (JSON), PREFIX/CAMERA/motion "
                   "(ON/OFF), PREFIX/CAMERA/snapshot (JPEG, retained), PREFIX/available "
                   "(online/offline, last will); needs the 'mqtt' extra")
    a.add_argument("--exec", metavar="'COMMAND {event_id} {snapshot}'",
                   help="run this command at each event end (no shell; {event_id}, {camera}, "
                   "{reason}, {snapshot}, {clip} replaced; the end record on stdin); "
                   "a failure is logged and retried")
    a.add_argument("--exec-timeout", type=number_type(float, low=0.1, high=86400),
                   default=30.0, metavar="SEC",
                   help="seconds the --exec command may run; then it is killed and counts "
                   "as a failure (default 30)")
    a.add_argument("--alert-retry", type=number_type(float, low=0.01, high=3600),
                   default=1.0, metavar="SEC",
                   help="first wait before retrying a failed alert, doubled after each "
                   "failure up to 60 s (default 1)")


def _alerts(args: argparse.Namespace) -> Any:
    """The AlertOptions of the alert flags (None: no alerts)."""
    import os

    from spotdiff.errors import InputError
    from spotdiff.watch.alerts import SECRET_ENV, AlertOptions

    if not (args.webhook or args.mqtt or args.exec or args.webhook_secret
            or args.webhook_snapshot or args.snapshot_url):
        return None
    if args.out is None:
        raise InputError("--webhook, --mqtt and --exec", expected="-o DIR with them (the "
                         "outbox that keeps alerts until they are delivered is DIR/events.db)",
                         got="no -o", fix="add -o DIR")
    options = AlertOptions(
        webhooks=tuple(args.webhook),
        webhook_secret=(args.webhook_secret or os.environ.get(SECRET_ENV) or None)
        if args.webhook else args.webhook_secret,
        webhook_snapshot=args.webhook_snapshot, snapshot_url=args.snapshot_url,
        mqtt=args.mqtt, command=args.exec, exec_timeout=args.exec_timeout,
        retry=args.alert_retry, retry_max=max(60.0, args.alert_retry))
    if args.mqtt:  # fail now, not when watching has begun
        from spotdiff.errors import require

        require("paho.mqtt.client", feature="--mqtt alerts", extra="mqtt")
    return options


def _human(record: dict[str, Any], streams: Streams) -> None:
    kind = record["type"]
    if kind == "camera":
        streams.err.write(f"camera {record['camera']}: {record['kind']} at frame "
                          f"{record['frame']} ({record['detail']})\n")
    elif kind == "start":
        boxes = " ".join(str(r["bbox"]) for r in record["regions"])
        streams.err.write(f"event {record['event_id']} started at {record['time']:.2f} s "
                          f"(frame {record['frame']}): {boxes}\n")
    elif kind == "end":
        streams.err.write(f"event {record['event_id']} ended ({record['reason']}) at "
                          f"{record['time']:.2f} s, frames {record['start_frame']}-"
                          f"{record['end_frame']}; snapshot {record['snapshot']}, "
                          f"clip {record['clip']}\n")


def _serve(args: argparse.Namespace, streams: Streams) -> Any:
    """The web page of ``--serve``, started."""
    from spotdiff.cli.serve import announce
    from spotdiff.errors import InputError
    from spotdiff.web.server import WebServer

    if args.out is None:
        raise InputError("--serve", expected="an output folder (-o DIR) to serve",
                         got="no -o", fix="add -o DIR")
    from pathlib import Path

    Path(args.out).mkdir(parents=True, exist_ok=True)
    server = WebServer(args.out, args.serve, args.token)
    server.start()
    announce(server, streams)
    return server


def run(args: argparse.Namespace, streams: Streams) -> int:
    import dataclasses
    import json

    from spotdiff.watch import Retention, WatchConfig, Zone, watch

    if (args.source is None) == (args.config is None):
        from spotdiff.errors import InputError

        raise InputError("spotdiff watch", expected="a SOURCE or --config FILE (one of them)",
                         got="both" if args.source else "neither",
                         fix="e.g. spotdiff watch video.mp4 -o events")
    masks = tuple(tuple(m) for m in args.mask if not isinstance(m, str))
    images = [m for m in args.mask if isinstance(m, str)]
    if len(images) > 1:
        from spotdiff.errors import InputError

        raise InputError("--mask", expected="at most one mask image", got=", ".join(images))
    config = WatchConfig(
        camera=args.camera, model=args.model, background=args.background,
        min_area=args.min_area, merge_gap=args.merge_gap,
        zones=tuple(Zone(name, tuple(points)) for name, points in args.zone),
        masks=masks, mask_image=images[0] if images else None,
        min_frames=args.min_frames[0], window=args.min_frames[1],
        event_gap=args.event_gap, hold=args.hold, pre=args.pre, post=args.post, fps=args.fps,
        realtime=args.realtime, learn_frames=args.learn_frames,
        global_fraction=args.global_fraction, scale=args.scale,
        clip_format=args.clip_format, clip_height=args.clip_height,
        clips=not args.no_clips and args.out is not None, snapshots=not args.no_snapshots)
    alerts = _alerts(args)
    if config.clips:  # fail now, not at the first event
        from spotdiff.errors import require

        require("av", feature="writing video clips (or pass --no-clips)", extra="video")

    server = _serve(args, streams) if args.serve is not None else None
    attach = None
    if args.out is not None:  # the live folder of the page (spotdiff serve -o DIR, --serve)
        from spotdiff.web.live import Publisher

        attach = Publisher.attach(args.out, args.config)

    def emit(record: dict[str, Any]) -> None:
        if args.json:
            streams.out.write(json.dumps(record) + "\n")
            streams.out.flush()
        else:
            _human(record, streams)

    if args.config is not None:
        from spotdiff.watch.cameras import load_cameras, watch_cameras

        cameras = load_cameras(args.config)
        if args.out is None:
            cameras = [(s, dataclasses.replace(c, clips=False)) for s, c in cameras]
        try:
            results = watch_cameras(cameras, out_dir=args.out, emit=emit,
                                    signals=streams.own_process, alerts=alerts, attach=attach)
        finally:
            if server is not None:
                server.stop()
    else:
        try:
            results = [watch(args.source, config, out_dir=args.out, emit=emit,
                             retention=Retention(args.keep_days, args.max_size,
                                                 args.free_reserve),
                             signals=streams.own_process, alerts=alerts, attach=attach)]
        finally:
            if server is not None:
                server.stop()
    events = sum(len(r.events) for r in results)
    if not args.json:
        frames = sum(r.frames for r in results)
        streams.err.write(f"{frames} frames, {events} event(s)\n")
    return ExitCode.DIFFERENT if events else ExitCode.SAME
