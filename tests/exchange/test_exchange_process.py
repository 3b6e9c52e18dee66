"""The exchange in a child process: it serves, it stops with ttai, and it falls back in-process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from ttai_tui.exchange import process
from ttai_tui.exchange.process import ExchangeProcess


async def _stats(url: str) -> dict[str, object]:
    async with aiohttp.ClientSession() as http, http.get(url + "/_exchange/stats") as r:
        assert r.status == 200
        return await r.json()


async def test_child_serves_and_stops_with_ttai() -> None:
    server = ExchangeProcess(seed=3)
    await server.start()
    try:
        assert server.fallback is None and server.url.startswith("http://127.0.0.1:")
        await _stats(server.url)
        assert server.proc is not None and server.proc.poll() is None
        # it loads no CA certificates (it serves plain HTTP and opens no TLS connection)
        raw = Path(f"/proc/{server.proc.pid}/environ").read_bytes()
        env = dict(kv.split(b"=", 1) for kv in raw.split(b"\0") if b"=" in kv)
        assert env[b"SSL_CERT_FILE"] == env[b"SSL_CERT_DIR"] == os.devnull.encode()
    finally:
        await server.stop()
    assert server.proc.returncode == 0  # it stopped itself once its stdin closed


def test_child_exits_when_ttai_dies() -> None:
    """A killed ttai closes the pipe; the child notices EOF and exits on its own."""
    child = subprocess.Popen([sys.executable, "-m", "ttai_tui.exchange.process", "1", "0"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert child.stdout is not None and child.stdout.readline().startswith(b"http://")
        assert child.stdin is not None
        child.stdin.close()  # what the kernel does when ttai is killed
        assert child.wait(10) == 0
    finally:
        if child.poll() is None:
            child.kill()


@pytest.mark.parametrize("executable", ["/bin/false", "/nonexistent/python"])
async def test_falls_back_in_process(monkeypatch: pytest.MonkeyPatch, executable: str) -> None:
    monkeypatch.setattr(process.sys, "executable", executable)
    server = ExchangeProcess(seed=3)  # the child exits at once / cannot be started at all
    await server.start()
    try:
        assert server.fallback is not None
        await _stats(server.url)
    finally:
        await server.stop()
