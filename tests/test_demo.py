"""`--demo`'s exchange: the pre-spawned child process once, in-process otherwise."""

from __future__ import annotations

from ttai_tui import demo
from ttai_tui.config import Settings, Target
from ttai_tui.exchange.process import ExchangeProcess
from ttai_tui.exchange.server import ExchangeServer

SETTINGS = Settings()
DEMO = Target("demo", None, None, None)


async def test_prespawned_child_is_used_once() -> None:
    demo.prespawn(SETTINGS)
    server = demo.demo_server(SETTINGS, DEMO)
    assert isinstance(server, ExchangeProcess)
    await server.start()
    try:
        assert server.url.startswith("http://127.0.0.1:")
    finally:
        await server.stop()
    assert demo._pending is None
    again = demo.demo_server(SETTINGS, DEMO)  # nothing pre-spawned: in-process
    assert isinstance(again, ExchangeServer)


def test_other_targets_get_no_local_exchange() -> None:
    assert demo.demo_server(SETTINGS, Target("exchange", "http://127.0.0.1:1", None, None)) is None
    assert demo.demo_server(SETTINGS, Target("live", None, None, None)) is None
