"""The web page's server: a Starlette app over one watch output folder.

Pages are static HTML and vanilla JavaScript (``web/static``, no build step)
that put every string from the server into the page as text, never as HTML.
The JSON API reads the events database (a connection per request, SQLite in
WAL mode beside a running watch) and the live folder (:mod:`spotdiff.web.live`).

::

    GET  /                                 the page (live, tuning, events, zones)
    GET  /api/cameras                      every camera's live status and recent camera events
    GET  /api/cameras/KEY/PICTURE          frame.jpg, background.jpg, difference.jpg, mask.png
    POST /api/cameras/KEY/tuning           apply {min_area, threshold, zones} to the running watch
    POST /api/cameras/KEY/save             ... and write it into the camera's config file
    GET  /api/events?camera=&zone=&since=&until=   events, newest first (times: Unix seconds)
    DELETE /api/events/ID                  an ended event, rows and files
    GET  /api/events/ID/export             a zip: the event's JSON, snapshots and clip
    GET  /media/snapshots/..., /media/clips/...    the event files (ranges for the player)
"""

from __future__ import annotations

import hmac
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from spotdiff.errors import require

require("starlette", feature="the web page (spotdiff serve, watch --serve)", extra="web")

from starlette.applications import Starlette  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import (  # noqa: E402
    FileResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount, Route  # noqa: E402
from starlette.staticfiles import StaticFiles  # noqa: E402
from starlette.types import ASGIApp, Receive, Scope, Send  # noqa: E402

from spotdiff.errors import InputError  # noqa: E402
from spotdiff.web import live  # noqa: E402

STATIC = Path(__file__).resolve().parent / "static"
COOKIE = "spotdiff_token"
#: Host names a page without a token may be reached by (a DNS-rebinding page cannot).
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
NO_CACHE = {"Cache-Control": "no-store"}


class TokenGate:
    """Refuse requests without the token (a header, a cookie, or ``?token=``, which
    sets the cookie); without a token, only loopback host names. Changes must carry
    ``X-Requested-With: spotdiff`` (another site's form cannot send it)."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        refusal = self._refusal(request)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        given = request.query_params.get("token")
        if self.token is not None and given is not None:  # from the printed link: keep it
            url = request.url.remove_query_params("token")
            redirect = RedirectResponse(str(url), status_code=303)
            redirect.set_cookie(COOKIE, self.token, httponly=True, samesite="strict")
            await redirect(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _refusal(self, request: Request) -> Response | None:
        if self.token is None:
            host = request.headers.get("host", "").rsplit(":", 1)[0]
            if host not in LOOPBACK_HOSTS:
                return PlainTextResponse("spotdiff serve: this address needs a token "
                                         "(start the server with --token)", status_code=403)
        else:
            header = request.headers.get("authorization", "")
            given = (header.removeprefix("Bearer ").strip() if header.startswith("Bearer ")
                     else request.query_params.get("token") or request.cookies.get(COOKIE, ""))
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                return PlainTextResponse("spotdiff serve: a token is required: open the "
                                         "link the server printed (…/?token=…)",
                                         status_code=401)
        if request.method not in ("GET", "HEAD") and \
                request.headers.get("x-requested-with") != "spotdiff":
            return PlainTextResponse("missing X-Requested-With: spotdiff", status_code=403)
        return None


def create_app(out_dir: str | Path, *, token: str | None = None) -> Starlette:
    """The page and its API over the watch folder ``out_dir``; ``token``: required
    of every request when given."""
    root = Path(out_dir)

    def store() -> Any:
        from spotdiff.watch.store import Store

        return Store(root)

    def error(exc: InputError, status: int = 400) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=status)

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers=NO_CACHE)

    def cameras(request: Request) -> Response:  # SQLite: in the thread pool
        live.touch_viewer(root)
        statuses = live.cameras(root)
        s = store()
        try:
            for status in statuses:
                rows = s.db.execute("SELECT kind, frame, time, detail, wall FROM camera_status "
                                    "WHERE camera=? ORDER BY id DESC LIMIT 5",
                                    (status["camera"],)).fetchall()
                status["camera_events"] = [dict(r) for r in rows]
        finally:
            s.close_db()
        return JSONResponse(statuses, headers=NO_CACHE)

    async def picture(request: Request) -> Response:
        key, name = request.path_params["key"], request.path_params["name"]
        if name not in live.PICTURES:
            return PlainTextResponse("no such picture", status_code=404)
        live.touch_viewer(root)
        path = live.live_root(root) / key / name
        if path.parent.parent != live.live_root(root) or not path.is_file():
            return PlainTextResponse("no such camera", status_code=404)
        return Response(path.read_bytes(), headers=NO_CACHE,
                        media_type="image/jpeg" if name.endswith(".jpg") else "image/png")

    async def tuning(request: Request) -> Response:
        from spotdiff.web.tuning import Tuning, save

        key = request.path_params["key"]
        try:
            status = live.camera(root, key)
            data = await request.json()
            wanted = Tuning.from_json(data)
            if request.url.path.endswith("/save"):
                if not status.get("config_file"):
                    return JSONResponse({"error": "this watch was started without --config: "
                                         "the settings apply until it stops; to keep them, "
                                         "give them as flags"}, status_code=409)
                save(status["config_file"], status["camera"], wanted,
                     status.get("threshold_option"))
            live.write_tuning(root, key, wanted)
        except InputError as exc:
            return error(exc)
        except ValueError:
            return JSONResponse({"error": "expected a JSON body"}, status_code=400)
        except OSError as exc:  # the config file or the live folder cannot be written
            return JSONResponse({"error": f"cannot write {exc.filename or 'a file'}: "
                                 f"{exc.strerror or exc}"}, status_code=500)
        return JSONResponse({"ok": True, "tuning": wanted.to_dict()})

    def events(request: Request) -> Response:  # SQLite: in the thread pool
        from spotdiff.web.events import query

        try:
            rows = query(root, request.query_params)
        except InputError as exc:
            return error(exc)
        return JSONResponse(rows, headers=NO_CACHE)

    def delete(request: Request) -> Response:  # SQLite: in the thread pool
        event_id = request.path_params["id"]
        s = store()
        try:
            row = s.event(event_id)
            if row is None:
                return JSONResponse({"error": f"no event {event_id}"}, status_code=404)
            if row["reason"] is None:
                return JSONResponse({"error": f"event {event_id} is still open"},
                                    status_code=409)
            s.delete(event_id)
        finally:
            s.close_db()
        return JSONResponse({"ok": True})

    def export(request: Request) -> Response:  # SQLite: in the thread pool
        event_id = request.path_params["id"]
        s = store()
        try:
            row = s.event(event_id)
            files = s.files(event_id) if row is not None else []
        finally:
            s.close_db()
        if row is None:
            return JSONResponse({"error": f"no event {event_id}"}, status_code=404)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(f"event-{event_id}/event.json", json.dumps(row, indent=2))
            for path in files:
                if path.suffix != ".json":
                    archive.write(path, f"event-{event_id}/{path.parent.name}/{path.name}")
        return Response(buffer.getvalue(), media_type="application/zip", headers={
            "Content-Disposition": f'attachment; filename="event-{event_id}.zip"'})

    async def media(request: Request) -> Response:
        kind, name = request.path_params["kind"], request.path_params["name"]
        path = root / kind / name
        if kind not in ("snapshots", "clips") or "/" in name or name.startswith(".") \
                or not path.is_file():
            return PlainTextResponse("no such file", status_code=404)
        return FileResponse(path)

    routes = [
        Route("/", index),
        Route("/api/cameras", cameras),
        Route("/api/cameras/{key}/tuning", tuning, methods=["POST"]),
        Route("/api/cameras/{key}/save", tuning, methods=["POST"]),
        Route("/api/cameras/{key}/{name}", picture),
        Route("/api/events", events),
        Route("/api/events/{id:int}", delete, methods=["DELETE"]),
        Route("/api/events/{id:int}/export", export),
        Route("/media/{kind:str}/{name:str}", media),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(TokenGate, token=token)])
    return app
