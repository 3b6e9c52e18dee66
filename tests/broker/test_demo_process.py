"""`--demo`'s exchange: the pre-spawned child process once, in-process otherwise."""

from __future__ import annotations

from types import SimpleNamespace

from ttai_tui.broker import demo
from ttai_tui.exchange.process import ExchangeProcess
from ttai_tui.exchange.server import ExchangeServer

SETTINGS = SimpleNamespace(demo=SimpleNamespace(seed=3, market_hours=False))


async def test_prespawned_child_is_used_once() -> None:
    demo.prespawn(SETTINGS)
    server = await demo.start_demo_exchange(SETTINGS)
    try:
        assert isinstance(server, ExchangeProcess) and server.url.startswith("http://")
    finally:
        await server.stop()
    assert demo._pending is None
    again = await demo.start_demo_exchange(SETTINGS)  # nothing pre-spawned: in-process
    try:
        assert isinstance(again, ExchangeServer)
    finally:
        await again.stop()
