"""The chart pane inside the real dashboard, fed by the in-process exchange through the broker."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from ttai_tui.config import Settings, Target
from ttai_tui.ui.app import make_app
from ttai_tui.ui.broker_bridge import BrokerBridge
from ttai_tui.ui.widgets.chart import ChartPane


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    monkeypatch.setenv("TTAI_HOME", str(tmp_path / "home"))


@pytest.fixture
async def exchange() -> AsyncIterator[Any]:
    from ttai_tui.exchange.server import ExchangeServer

    server = ExchangeServer(host="127.0.0.1", port=0, seed=3)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def wait_for(pilot: Any, cond: Callable[[], Any], what: str, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        pilot.app.flush_now()
        await pilot.pause()
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@pytest.mark.slow
async def test_dashboard_chart_shows_live_candles(exchange: Any) -> None:
    settings = Settings(watchlists={"Default": ["SPY", "QQQ"]})
    target = Target("exchange", url=str(exchange.url))
    app = make_app(settings, target, bridge=BrokerBridge(settings, target))
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, lambda: app.query(ChartPane), "the chart pane")
        pane = app.query_one(ChartPane)
        app.dashboard.open_symbol("SPY")  # type: ignore[attr-defined]
        app.dashboard.action_focus_pane("chart")  # type: ignore[attr-defined]
        # the redraw is throttled to 4 Hz: wait for a drawn frame that has the history in it
        await wait_for(pilot, lambda: len(pane.data) > 20 and pane.info and pane.info.bars > 20,
                       "candles on the chart")
        assert pane.symbol == "SPY" and pane.info is not None
        assert pane.info.panels == 3 and pane.info.volume and pane.info.bars > 20
        assert pane.info.overlays == ("sma20", "ema50", "bb20")
        pane.focus()
        await pilot.press("t")  # 5m -> 15m: re-subscribes and refills
        await wait_for(pilot, lambda: pane.timeframe == "15m" and len(pane.data) > 5, "15m candles")
