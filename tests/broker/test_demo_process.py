"""The demo exchange in a child process: it serves, it stops with ttai, and it falls back."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import aiohttp
import pytest

from ttai_tui.broker import demo

SETTINGS = SimpleNamespace(demo=SimpleNamespace(seed=3, market_hours=False))


async def _stats(url: str) -> dict[str, object]:
    async with aiohttp.ClientSession() as http, http.get(url + "/_exchange/stats") as r:
        assert r.status == 200
        return await r.json()


async def test_prespawned_child_serves_and_stops_with_ttai() -> None:
    demo.prespawn(SETTINGS)
    server = await demo.start_demo_exchange(SETTINGS)
    try:
        assert isinstance(server, demo.DemoProcess)
        assert server.url.startswith("http://127.0.0.1:")
        await _stats(server.url)
        assert server.proc.poll() is None
    finally:
        await server.stop()
    assert server.proc.returncode == 0  # it stopped itself once its stdin closed
    assert demo._pending is None  # used once: the next start is in-process


def test_child_exits_when_ttai_dies() -> None:
    """A killed ttai closes the pipe; the child notices EOF and exits on its own."""
    child = subprocess.Popen([sys.executable, "-m", "ttai_tui.broker.demo", "1", "0"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert child.stdout is not None and child.stdout.readline().startswith(b"http://")
        assert child.stdin is not None
        child.stdin.close()  # what the kernel does when ttai is killed
        assert child.wait(10) == 0
    finally:
        if child.poll() is None:
            child.kill()


async def test_falls_back_in_process_when_the_child_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo.sys, "executable", "/bin/false")
    demo.prespawn(SETTINGS)
    server = await demo.start_demo_exchange(SETTINGS)
    try:
        from ttai_tui.exchange.server import ExchangeServer

        assert isinstance(server, ExchangeServer)
        await _stats(server.url)
    finally:
        await server.stop()


async def test_without_prespawn_it_is_in_process() -> None:
    from ttai_tui.exchange.server import ExchangeServer

    server = await demo.start_demo_exchange(SETTINGS)
    try:
        assert isinstance(server, ExchangeServer)
    finally:
        await server.stop()
