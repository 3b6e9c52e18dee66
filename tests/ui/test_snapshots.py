"""Snapshots of every view at 80x24 and 160x48 (the chart also at 120x40), from a fixed exchange
seed and a frozen clock.

How they are deterministic: the exchange's market only moves when its clock advances, so an
`ExchangeServer(seed=7, clock=frozen)` serves the same quotes, greeks, chains, positions and
balances on every run, and the app (and the broker) read the same frozen clock for ages, DTE and
the market clock. The app still goes the whole real way: SDK -> Broker -> MarketState -> timer.
The one value stamped with wall time is the SDK's access-token expiry, so the token state is
pinned relative to the frozen clock, and tick flashes are off (on a frozen clock they would
never expire, and whether the first trade lands before or after the first quote is a race).
Review changes with `pytest --snapshot-update` only after
looking at snapshot_report.html.
"""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

import pytest

from ttai_tui.config import Target, UISettings
from ttai_tui.core.clock import FrozenClock
from ttai_tui.core.formatting import MISSING, fmt_strike
from ttai_tui.core.models import TokenStatus
from ttai_tui.exchange.server import ExchangeServer
from ttai_tui.ui.app import make_app
from ttai_tui.ui.broker_bridge import BrokerBridge
from ttai_tui.ui.widgets.positions import TOTAL_KEY

from .conftest import ui_settings

FROZEN_T = 1_781_706_600.0  # Wed 2026-06-17 14:30 UTC = 10:30 New York, market open
SEED = 7


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class FrozenExchangeBridge(BrokerBridge):
    """The broker bridge plus an exchange on the app's own event loop, both on a frozen clock
    (the same arrangement as `--demo`, which starts the exchange inside the broker)."""

    def __init__(self, settings: Any, clock: FrozenClock) -> None:
        self.server = ExchangeServer(seed=SEED, port=_free_port(), clock=clock.now)
        super().__init__(settings, Target("exchange", url=self.server.url), clock)

    async def start(self, listener: Any) -> None:
        await self.server.start()
        await super().start(listener)

    async def stop(self) -> None:
        try:
            await super().stop()
        finally:
            await self.server.stop()

    def token_status(self) -> TokenStatus:
        real = super().token_status()
        if real is None or real.expires_at is None:
            return real
        return TokenStatus(expires_at=self.clock.now() + 900, refreshes=real.refreshes)


def _app():
    clock = FrozenClock(FROZEN_T)
    # tick flashes are transient (and never expire on a frozen clock): off for snapshots,
    # covered by test_watchlist.py instead
    settings = ui_settings(ui=UISettings(refresh_hz=15.0, theme="textual-dark", flash=False))
    return make_app(settings, None, clock=clock, bridge=FrozenExchangeBridge(settings, clock))


async def _until(pilot: Any, cond: Any, timeout: float = 15.0) -> None:
    await pilot.pause()  # run_before starts before the first screen has composed
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"snapshot precondition not met: {cond}")
        pilot.app.flush_now()
        await pilot.pause()
        await asyncio.sleep(0.05)
    pilot.app.flush_now()
    await pilot.pause()


def _watchlist_ready(app: Any) -> bool:
    wl = app.dashboard.watchlist
    return all(wl.table.shown(s, c) not in (None, MISSING) for s in wl.symbols for c in ("last", "ivr"))


def _all_loaded(app: Any) -> bool:
    """Quotes + IV rank in every row, balances, and the account's watchlists merged in."""
    return _watchlist_ready(app) and app.bridge.balance() is not None and bool(app.store.account_names)


async def _ready(pilot: Any) -> None:
    await _until(pilot, lambda: _all_loaded(pilot.app))


async def _chain(pilot: Any) -> None:
    await _ready(pilot)
    app = pilot.app
    app.dashboard.open_symbol("SPY")
    chain = app.dashboard.chain

    def loaded() -> bool:
        keys = [fmt_strike(r.strike) for r in chain.window]
        return bool(keys) and all(chain.table.shown(k, "c_delta") not in (None, MISSING) for k in keys)

    await _until(pilot, loaded)


async def _positions(pilot: Any) -> None:
    await _ready(pilot)
    await pilot.press("p")
    view = pilot.app.dashboard.positions
    await _until(pilot, lambda: view.table.has_row(TOTAL_KEY) and view.table.shown(TOTAL_KEY, "open") != MISSING)


async def _chart(pilot: Any) -> None:
    await _ready(pilot)
    pilot.app.dashboard.open_symbol("SPY")
    await pilot.press("g")
    chart = pilot.app.dashboard.chart()
    # drawn from a loaded series, with no redraw pending
    await _until(pilot, lambda: len(chart.data) > 0 and chart.draws > 0 and not chart._dirty)
    await asyncio.sleep(0.3)  # past the pane's 4 Hz redraw throttle, then one final flush
    await _until(pilot, lambda: not chart._dirty)


SIZES = [(80, 24), (160, 48)]


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x48"])
def test_watchlist_view(snap_compare, size):
    assert snap_compare(_app(), terminal_size=size, run_before=_ready)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x48"])
def test_chain_view(snap_compare, size):
    assert snap_compare(_app(), terminal_size=size, run_before=_chain)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x48"])
def test_positions_view(snap_compare, size):
    assert snap_compare(_app(), terminal_size=size, run_before=_positions)


CHART_SIZES = [(80, 24), (120, 40), (160, 48)]


@pytest.mark.parametrize("size", CHART_SIZES, ids=["80x24", "120x40", "160x48"])
def test_chart_view(snap_compare, size):
    assert snap_compare(_app(), terminal_size=size, run_before=_chart)


def test_chart_cursor_and_zoom(snap_compare):
    """120x40 after `+` and three `left`: wider candles, the cursor's bar in the header."""

    async def run_before(pilot: Any) -> None:
        await _chart(pilot)
        chart = pilot.app.dashboard.chart()
        await pilot.press("plus", "left", "left", "left")
        await _until(pilot, lambda: chart.info is not None and chart.info.cursor is not None)

    assert snap_compare(_app(), terminal_size=(120, 40), run_before=run_before)


def test_help_screen(snap_compare):
    async def run_before(pilot: Any) -> None:
        await _ready(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(_app(), terminal_size=(80, 24), run_before=run_before)
