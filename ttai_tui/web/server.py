"""The web front door of `ttai serve`: a per-run token, a session limit, and no orphaned apps.

A served ttai is a live trading session with its owner's credentials, so nothing of it is
served to a request that does not carry the token printed at start-up: not the page, not the
static files, not the websocket that drives the app. The token arrives once in the URL and is
then moved into an HttpOnly, SameSite=Strict cookie (the address bar is redirected to a URL
without it). The websocket also checks that its Origin is this server, so another site open in
the same browser cannot drive the dashboard.

Each websocket gets its own `ttai` process (textual-serve's AppService speaks Textual's web
driver protocol over the process's stdin/stdout). When the tab closes, or the server stops, the
process is asked to quit and is killed if it has not gone within a few seconds.
"""

from __future__ import annotations

import asyncio
import hmac
import html
import ipaddress
import json
import logging
import secrets
import shlex
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TextIO
from urllib.parse import urlencode

from aiohttp import WSMsgType, web
from aiohttp.typedefs import Handler

from ttai_tui.web import textual_serve_adapter as adapter

log = logging.getLogger("ttai.web")

TOKEN_COOKIE = "ttai_token"
QUIT_GRACE_S = 5.0
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
        "style-src 'self' 'unsafe-inline'; font-src 'self'; frame-ancestors 'none'"
    ),
}
FORBIDDEN_TEXT = "403 Forbidden: open the URL that `ttai serve` printed; it carries the access token.\n"


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def session_command(python: str, flags: Sequence[str]) -> str:
    """The shell line that starts one app; `exec` so the shell is replaced and a kill reaches ttai."""
    return "exec " + shlex.join([python, "-m", "ttai_tui", *flags])


@dataclass
class _Session:
    service: adapter.AppService
    number: int
    starting: asyncio.Task[None] | None = None
    ending: bool = False


@dataclass
class WebServer:
    """Serves `command` (one app process per browser tab) to holders of `token` only."""

    command: str
    host: str = "127.0.0.1"
    port: int = 8470
    max_sessions: int = 1
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    title: str = "ttai"
    _sessions: dict[int, _Session] = field(default_factory=dict, init=False)
    _reserved: int = field(default=0, init=False)
    _counter: int = field(default=0, init=False)
    _downloads: adapter.DownloadManager = field(default_factory=adapter.DownloadManager, init=False)
    _endings: set[asyncio.Task[None]] = field(default_factory=set, init=False)

    # -- the aiohttp application -------------------------------------------------------------
    def make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._gate])
        app.router.add_get("/", self._index)
        app.router.add_get("/ws", self._websocket)
        app.router.add_static("/static", adapter.STATIC_DIR, show_index=False)
        app.on_shutdown.append(self._on_shutdown)
        return app

    def url(self, port: int | None = None) -> str:
        host = self.host
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        elif ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"http://{host}:{port or self.port}/?token={self.token}"

    @property
    def active_sessions(self) -> int:
        return len(self._sessions)

    def _token_ok(self, supplied: str | None) -> bool:
        return bool(supplied) and hmac.compare_digest(str(supplied).encode(), self.token.encode())

    @web.middleware
    async def _gate(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        in_query = request.query.get("token")
        if not (self._token_ok(in_query) or self._token_ok(request.cookies.get(TOKEN_COOKIE))):
            log.warning("refused %s %s from %s: no valid access token", request.method, request.path, request.remote)
            return web.Response(status=403, text=FORBIDDEN_TEXT, headers=SECURITY_HEADERS)
        if in_query is not None and request.path == "/":
            # Move the token into a cookie and take it out of the address bar and history.
            keep = {k: v for k, v in request.query.items() if k != "token"}
            location = "/" + ("?" + urlencode(keep) if keep else "")
            redirect = web.Response(status=303, headers={**SECURITY_HEADERS, "Location": location})
            redirect.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="Strict", path="/")
            return redirect
        answer = await handler(request)
        if not isinstance(answer, web.WebSocketResponse):
            for name, value in SECURITY_HEADERS.items():
                answer.headers.setdefault(name, value)
        return answer

    async def _index(self, request: web.Request) -> web.Response:
        if self._reserved >= self.max_sessions:
            return web.Response(status=429, text=self._limit_text())
        ws_url = f"ws://{request.host}/ws"
        return web.Response(text=_page(self.title, ws_url), content_type="text/html")

    def _limit_text(self) -> str:
        return (
            f"429: ttai serve allows {self.max_sessions} session(s) at once and they are in use. "
            "Close the other tab, or start ttai serve with --max-sessions.\n"
        )

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if origin is not None and origin not in (f"http://{request.host}", f"https://{request.host}"):
            log.warning("refused websocket from origin %r (this server is %s)", origin, request.host)
            return web.Response(status=403, text=FORBIDDEN_TEXT)
        if self._reserved >= self.max_sessions:
            log.warning("refused a web session: the limit of %d is reached", self.max_sessions)
            return web.Response(status=429, text=self._limit_text())
        self._reserved += 1
        try:
            return await self._run_session(request)
        finally:
            self._reserved -= 1

    async def _run_session(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=15)
        await ws.prepare(request)
        width = _size(request.query.get("width"), 80)
        height = _size(request.query.get("height"), 24)
        self._counter += 1

        async def close() -> None:
            await ws.close()

        session = _Session(
            adapter.AppService(
                self.command,
                write_bytes=ws.send_bytes,
                write_str=ws.send_str,
                close=close,
                download_manager=self._downloads,
            ),
            self._counter,
        )
        self._sessions[session.number] = session
        log.info("web session %d: starting an app (%d of %d)", session.number, len(self._sessions), self.max_sessions)
        loop = asyncio.get_running_loop()
        session.starting = loop.create_task(session.service.start(width, height))
        try:
            await asyncio.shield(session.starting)
            await self._pump(ws, session)
        finally:
            # aiohttp cancels this handler once the socket is gone; the clean-up must outlive it
            ending = loop.create_task(self._end(session))
            self._endings.add(ending)
            ending.add_done_callback(self._endings.discard)
            await asyncio.shield(ending)
            await ws.close()
        return ws

    async def _pump(self, ws: web.WebSocketResponse, session: _Session) -> None:
        """Browser → app: keys, mouse and resizes; a malformed message is logged and skipped."""
        service = session.service
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                envelope = json.loads(message.data)
                kind, data = envelope[0], envelope[1]
            except (ValueError, TypeError, IndexError, KeyError) as exc:
                log.warning("web session %d: ignored a malformed message (%s)", session.number, exc)
                continue
            if kind == "stdin" and isinstance(data, str):
                await service.send_bytes(data.encode("utf-8"))
            elif kind == "resize" and isinstance(data, dict):
                await service.set_terminal_size(_size(data.get("width"), 80), _size(data.get("height"), 24))
            elif kind == "ping":
                await ws.send_json(["pong", data])
            elif kind == "blur":
                await service.blur()
            elif kind == "focus":
                await service.focus()

    async def _end(self, session: _Session) -> None:
        """Ask the app to quit; kill it if it is still there after the grace period."""
        if session.ending:
            return
        session.ending = True
        service = session.service
        if session.starting is not None:  # a process being started now must not escape the kill
            try:
                await session.starting
            except Exception:
                log.exception("web session %d: the app failed to start", session.number)
        try:
            await asyncio.wait_for(asyncio.shield(service.stop()), QUIT_GRACE_S)
        except TimeoutError:
            log.warning("web session %d: the app did not quit within %.1f s; killing it", session.number, QUIT_GRACE_S)
        except Exception:
            log.exception("web session %d: error while stopping the app; killing it", session.number)
        code = await adapter.ensure_exited(service, QUIT_GRACE_S)
        self._sessions.pop(session.number, None)  # counted until its process is gone
        log.info("web session %d: app ended (exit code %s)", session.number, code)

    async def _on_shutdown(self, app: web.Application) -> None:
        await asyncio.gather(*(self._end(s) for s in list(self._sessions.values())), *self._endings)

    async def stop_all(self) -> None:
        await self._on_shutdown(web.Application())


def _size(value: object, default: int) -> int:
    try:
        number = int(str(value))
    except ValueError:
        return default
    return min(max(number, 10), 1000)


def _page(title: str, ws_url: str) -> str:
    """The one page: the terminal element textual.js attaches to. No external resources."""
    t, u = html.escape(title), html.escape(ws_url, quote=True)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t}</title>
<link rel="stylesheet" href="/static/css/xterm.css">
<style>
@font-face {{ font-family: 'Roboto Mono'; src: url('/static/fonts/RobotoMono-VariableFont_wght.ttf'); }}
html, body {{ margin: 0; height: 100%; background: #0c0c0c; color: #ddd; font-family: 'Roboto Mono', monospace; }}
#terminal {{ position: absolute; inset: 0; }}
#ended, #start {{ display: none; }}
body.-closed #ended {{ display: flex; position: absolute; inset: 0; z-index: 5; align-items: center;
  justify-content: center; flex-direction: column; background: #0c0c0c; }}
#ended a {{ color: #8cf; }}
</style>
<script src="/static/js/textual.js"></script>
</head>
<body>
<div id="ended"><p>The ttai session has ended.</p><p><a href="/">Start a new one</a></p></div>
<button id="start" type="button"></button>
<div id="terminal" class="textual-terminal" data-session-websocket-url="{u}" data-font-size="16"></div>
</body>
</html>
"""


def serve(server: WebServer, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Run until SIGINT/SIGTERM; the first line on `out` is the URL to open (with the token)."""
    return asyncio.run(_serve(server, out, err))


async def _serve(server: WebServer, out: TextIO, err: TextIO) -> int:
    runner = web.AppRunner(server.make_app(), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, server.host, server.port)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        print(f"ttai: cannot listen on {server.host}:{server.port}: {exc.strerror or exc}", file=err)
        return 1
    port = server.port
    for address in runner.addresses:  # the real port when --port 0 asked for a free one
        port = int(address[1])
        break
    print(server.url(port), file=out, flush=True)
    print(
        f"ttai serve: {server.max_sessions} session(s) at most; each tab runs its own ttai. Ctrl-C stops.",
        file=err,
        flush=True,
    )
    log.info("serving on %s:%d (max %d sessions)", server.host, port, server.max_sessions)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        print("ttai serve: stopping; ending every app it started", file=err, flush=True)
        await server.stop_all()
        await runner.cleanup()
    return 0
