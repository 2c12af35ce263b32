"""``spotdiff serve -o DIR``: the web page over a watch's output folder."""

from __future__ import annotations

import argparse

from spotdiff.cli._common import ExitCode, Streams

DEFAULT_BIND = "127.0.0.1:8765"  # spotdiff.web.server.DEFAULT_BIND, without importing it


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve", help="the web page of a watch: live view, tuning, events, zones",
        description="Serve the web page over the output folder of 'spotdiff watch -o DIR' "
        "(running or not): each camera's live view and status, the tuning view (changes "
        "apply to the running watch), the events with their snapshots and clips, and the "
        "zone editor. Needs the 'web' extra.")
    p.add_argument("-o", "--out", metavar="DIR", required=True,
                   help="the folder a watch writes into (its -o DIR)")
    p.add_argument("--bind", metavar="HOST:PORT", default=DEFAULT_BIND,
                   help=f"address to listen on (default {DEFAULT_BIND}: this machine only; "
                   "any other address needs a token; PORT 0: any free port)")
    p.add_argument("--token", metavar="TOKEN",
                   help="the token the page requires (default: $SPOTDIFF_TOKEN; on a "
                   "non-loopback address without one, a random one is made and printed)")
    p.set_defaults(run=run)


def announce(server: object, streams: Streams) -> None:
    """The line telling where the page is (on stderr, flushed: scripts wait for it)."""
    streams.err.write(f"spotdiff: the page is at {server.url}\n")  # type: ignore[attr-defined]
    streams.err.flush()


def run(args: argparse.Namespace, streams: Streams) -> int:
    from pathlib import Path

    from spotdiff.errors import InputError
    from spotdiff.web.server import WebServer

    if not Path(args.out).is_dir():
        raise InputError(f"folder '{args.out}'", expected="the output folder of a watch",
                         got="no such folder", fix="spotdiff watch SOURCE -o DIR first")
    server = WebServer(args.out, args.bind, args.token)
    announce(server, streams)
    server.run()
    return ExitCode.SAME
