"""The web front door: nothing of the app without the per-run token, one tab at a time, no orphans.

These run the real aiohttp application in process; the app behind each websocket is a real
child process (a shell that ignores the quit request stands in for a hung app, which is the
case the kill path exists for).
"""

from __future__ import annotations

import asyncio
import re

import aiohttp
import psutil
import pytest
from aiohttp.test_utils import TestClient, TestServer

from ttai_tui.web import server as web
from ttai_tui.web import textual_serve_adapter as adapter

HUNG_APP = "exec sleep 60"


@pytest.fixture
async def gate() -> web.WebServer:
    return web.WebServer(HUNG_APP, max_sessions=1)


@pytest.fixture
async def client(gate: web.WebServer):
    async with TestClient(TestServer(gate.make_app())) as c:
        yield c


@pytest.mark.parametrize("path", ["/", "/static/js/textual.js", "/static/css/xterm.css", "/ws", "/nope"])
async def test_every_path_is_refused_without_the_token(client: TestClient, path: str) -> None:
    resp = await client.get(path, allow_redirects=False)
    assert resp.status == 403
    body = await resp.text()
    assert "textual" not in body.lower() and "<html" not in body.lower()


async def test_a_wrong_token_is_refused_in_the_url_and_in_the_cookie(client: TestClient, gate: web.WebServer) -> None:
    wrong = gate.token[:-1] + ("A" if gate.token[-1] != "A" else "B")
    assert (await client.get(f"/?token={wrong}", allow_redirects=False)).status == 403
    client.session.cookie_jar.update_cookies({web.TOKEN_COOKIE: wrong})
    assert (await client.get("/static/js/textual.js")).status == 403


async def test_the_token_moves_from_the_url_into_a_strict_httponly_cookie(client: TestClient, gate: web.WebServer) -> None:
    resp = await client.get(f"/?token={gate.token}", allow_redirects=False)
    assert resp.status == 303
    assert resp.headers["Location"] == "/"  # the address bar and history lose the token
    cookie = resp.headers["Set-Cookie"]
    assert f"{web.TOKEN_COOKIE}={gate.token}" in cookie
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = await client.get("/")  # the cookie jar now carries it
    assert page.status == 200
    html = await page.text()
    assert 'class="textual-terminal"' in html
    assert gate.token not in html  # the page itself never shows the token
    # no external resource: everything the page loads comes from this server
    assert not re.search(r"""(src|href)=["']https?://""", html)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert (await client.get("/static/js/textual.js")).status == 200


async def test_a_websocket_from_another_origin_is_refused(client: TestClient, gate: web.WebServer) -> None:
    client.session.cookie_jar.update_cookies({web.TOKEN_COOKIE: gate.token})
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await client.ws_connect("/ws", headers={"Origin": "http://evil.example"})
    assert info.value.status == 403
    assert gate.active_sessions == 0


def _children() -> list[psutil.Process]:
    return [p for p in psutil.Process().children(recursive=True) if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


async def test_the_session_limit_holds_and_a_closed_tab_ends_its_process(client: TestClient, gate: web.WebServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web, "QUIT_GRACE_S", 0.5)
    client.session.cookie_jar.update_cookies({web.TOKEN_COOKIE: gate.token})
    before = {p.pid for p in _children()}
    ws = await client.ws_connect("/ws?width=100&height=30")
    for _ in range(100):
        if gate.active_sessions == 1 and {p.pid for p in _children()} - before:
            break
        await asyncio.sleep(0.05)
    started = {p.pid for p in _children()} - before
    assert gate.active_sessions == 1 and started, "the tab did not start an app process"

    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await client.ws_connect("/ws")
    assert info.value.status == 429
    assert (await client.get("/")).status == 429
    assert len({p.pid for p in _children()} - before) == 1  # the refused tab started nothing

    await ws.close()  # the tab closes: the app, which ignores "quit", is terminated
    for _ in range(100):
        if gate.active_sessions == 0 and not started & {p.pid for p in _children()}:
            break
        await asyncio.sleep(0.05)
    assert gate.active_sessions == 0
    assert not started & {p.pid for p in _children()}, "the app process outlived its tab"
    assert (await client.get("/")).status == 200  # the slot is free again


async def test_stopping_the_server_ends_every_app(gate: web.WebServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web, "QUIT_GRACE_S", 0.5)
    gate.max_sessions = 2
    async with TestClient(TestServer(gate.make_app())) as c:
        c.session.cookie_jar.update_cookies({web.TOKEN_COOKIE: gate.token})
        before = {p.pid for p in _children()}
        sockets = [await c.ws_connect("/ws"), await c.ws_connect("/ws")]
        for _ in range(100):
            if len({p.pid for p in _children()} - before) == 2:
                break
            await asyncio.sleep(0.05)
        started = {p.pid for p in _children()} - before
        assert len(started) == 2
        await gate.stop_all()
        assert not started & {p.pid for p in _children()}
        for s in sockets:
            await s.close()


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.1.2.3", True), ("localhost", True), ("::1", True), ("[::1]", True),
     ("0.0.0.0", False), ("::", False), ("192.168.1.5", False), ("example.com", False)],
)
def test_loopback_is_recognised(host: str, loopback: bool) -> None:
    assert web.is_loopback(host) is loopback


def test_the_url_carries_the_token_and_brackets_ipv6() -> None:
    s = web.WebServer("x", host="::1", port=8470, token="abc")
    assert s.url() == "http://[::1]:8470/?token=abc"
    assert web.WebServer("x", token="t").url(1234) == "http://127.0.0.1:1234/?token=t"


def test_tokens_are_random_per_run() -> None:
    tokens = {web.WebServer("x").token for _ in range(20)}
    assert len(tokens) == 20 and all(len(t) >= 40 for t in tokens)


def test_textual_serve_is_the_version_the_adapter_was_written_for() -> None:
    """Fails when textual-serve changes: re-check `process_of` against its AppService first."""
    import inspect
    from importlib.metadata import version

    assert version("textual-serve") == adapter.WRITTEN_FOR
    source = inspect.getsource(adapter.AppService)
    assert "self._process = process = await asyncio.create_subprocess_shell(" in source
    assert (adapter.STATIC_DIR / "js" / "textual.js").is_file()
