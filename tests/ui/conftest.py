"""UI test fixtures: the real in-process exchange, the real broker, the app on a fixed size.

Nothing the exchange can serve is faked: the app talks to `ExchangeServer` on loopback
through the SDK and the Broker facade, exactly as `ttai --demo` does.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from ttai_tui.config import ChainSettings, Settings, Target, UISettings
from ttai_tui.core.clock import SYSTEM_CLOCK, Clock
from ttai_tui.ui.app import TtaiApp, make_app
from ttai_tui.ui.broker_bridge import BrokerBridge

SEED = 7


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """Watchlist edits and logs go to a per-test directory."""
    monkeypatch.setenv("TTAI_HOME", str(tmp_path / "home"))


@pytest.fixture
async def exchange() -> AsyncIterator[Any]:
    from ttai_tui.exchange.server import ExchangeServer

    server = ExchangeServer(host="127.0.0.1", port=0, seed=SEED)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def ui_settings(**kw: Any) -> Settings:
    base: dict[str, Any] = {
        "watchlists": {"Default": ["SPY", "QQQ", "AAPL", "MSFT"], "Tech": ["NVDA", "AMZN"]},
        "chain": ChainSettings(strikes=4, dte=30),
        "ui": UISettings(refresh_hz=15.0, theme="textual-dark", flash=True),
    }
    base.update(kw)
    return Settings(**base)


@pytest.fixture
def app_factory(exchange) -> Callable[..., TtaiApp]:
    def build(settings: Settings | None = None, clock: Clock = SYSTEM_CLOCK) -> TtaiApp:
        settings = settings or ui_settings()
        target = Target("exchange", url=str(exchange.url))
        bridge = BrokerBridge(settings, target, clock=clock)
        return make_app(settings, target, clock=clock, bridge=bridge)

    return build


async def wait_for(pilot: Any, cond: Callable[[], Any], timeout: float = 8.0, what: str = "") -> Any:
    """Flush the UI and pump messages until `cond()` is truthy (no fixed sleeps)."""
    app = pilot.app
    deadline = time.monotonic() + timeout
    while True:
        app.flush_now()
        await pilot.pause()
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or cond}")
        await asyncio.sleep(0.03)


async def settle(pilot: Any, rounds: int = 2) -> None:
    for _ in range(rounds):
        pilot.app.flush_now()
        await pilot.pause()


Waiter = Callable[..., Awaitable[Any]]
