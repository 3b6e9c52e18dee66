"""Watchlist key paths against the real in-process exchange: stream, sort, add, delete/undo,
move, switch lists, open, and persistence across a restart."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path

from ttai_tui.core.formatting import MISSING
from ttai_tui.ui import app as app_module
from ttai_tui.ui.screens.add_symbol import AddSymbolScreen
from ttai_tui.ui.watchlist_store import FILE_NAME

from .conftest import settle, ui_settings, wait_for


def _streaming(wl, sym: str = "SPY") -> bool:
    t = wl.table
    return all(t.shown(sym, c) not in (None, MISSING) for c in ("last", "bid", "ask"))


async def test_prices_stream_and_ticks_flash(app_factory):
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        wl = app.dashboard.watchlist
        await wait_for(pilot, lambda: all(_streaming(wl, s) for s in wl.symbols), what="quotes")
        bid = float(wl.table.shown("SPY", "bid").replace(",", ""))
        ask = float(wl.table.shown("SPY", "ask").replace(",", ""))
        assert 0 < bid <= ask
        # a price move shows as a flash on the "last" cell (green up / red down)
        await wait_for(
            pilot, lambda: any(wl.table.is_flashing(s, "last") for s in wl.symbols), what="a tick flash"
        )
        # the watchlist declared exactly its symbols through the broker
        wants = app.bridge.broker.subscriptions._owners["ui-watchlist"]
        assert {s for _, s in wants} == set(wl.symbols)


async def test_first_prices_are_drawn_when_they_arrive_not_at_the_next_refresh(app_factory, monkeypatch):
    """Start-up: the stream's first data goes on screen at once. The refresh timer is paused
    here from the start, and the deferred tabs and the account's watchlists (both redraw) wait,
    so nothing else can draw a price."""
    monkeypatch.setattr(app_module, "DEFERRED_AFTER_CONNECT_S", 600.0)
    monkeypatch.setattr(app_module, "DEFERRED_TABS_S", 600.0)
    app = app_factory()
    real_set_interval = app.set_interval

    def paused_flush(*args, **kwargs):
        timer = real_set_interval(*args, **kwargs)
        if kwargs.get("name") == "ui-flush":
            timer.pause()
        return timer

    app.set_interval = paused_flush
    app.load_account_watchlists = lambda: None
    async with app.run_test(size=(160, 48)) as pilot:
        wl = app.dashboard.watchlist
        deadline = time.monotonic() + 8.0
        while all(wl.table.shown("SPY", c) in (None, MISSING) for c in ("last", "bid")):
            assert time.monotonic() < deadline, "no SPY price drawn"
            await pilot.pause()
            await asyncio.sleep(0.03)
        assert app.bridge.state.mark("SPY") is not None


async def test_sort_cycles_and_orders_rows(app_factory):
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        wl = app.dashboard.watchlist
        await wait_for(pilot, lambda: all(_streaming(wl, s) for s in wl.symbols), what="quotes")
        assert wl.table.row_keys_in_order() == wl.symbols  # manual order first
        await pilot.press("s")  # -> symbol
        await settle(pilot)
        assert wl.sort_key == "symbol"
        assert wl.table.row_keys_in_order() == sorted(wl.symbols)
        await pilot.press("s")  # -> last, biggest first
        await settle(pilot)
        assert wl.sort_key == "last"
        order = wl.table.row_keys_in_order()
        lasts = [float(wl.table.shown(s, "last").replace(",", "")) for s in order]
        assert lasts == sorted(lasts, reverse=True)


async def test_add_with_completion_validation_and_persistence(app_factory):
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        wl = app.dashboard.watchlist
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AddSymbolScreen)
        box = app.screen
        # malformed
        await pilot.press(*"$$", "enter")
        await settle(pilot)
        assert "not a valid symbol" in str(box.query_one("#add-error").render())
        # unknown
        await pilot.press("backspace", "backspace", *"ZZZQ", "enter")
        await wait_for(pilot, lambda: "No symbol" in str(box.query_one("#add-error").render()))
        assert 'No symbol "ZZZQ" found' in str(box.query_one("#add-error").render())
        # completion from the exchange's symbol search
        for _ in range(4):
            await pilot.press("backspace")
        await pilot.press(*"NFL")
        await wait_for(pilot, lambda: box.matches, what="search matches")
        assert "NFLX" in [m.symbol for m in box.matches]
        await pilot.press("right")  # accept the inline suggestion
        await pilot.pause()
        assert box.query_one("#add-input").value == "NFLX"
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, AddSymbolScreen), what="dismiss")
        assert wl.symbols[-1] == "NFLX"
        assert wl.table.has_row("NFLX")
        path = Path(os.environ["TTAI_HOME"]) / "data" / FILE_NAME
        assert "NFLX" in json.loads(path.read_text())["lists"]["Default"]
    # a new app (restart) reads the edit back
    app2 = app_factory()
    async with app2.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "NFLX" in app2.dashboard.watchlist.symbols


async def test_delete_undo_move_and_switch_lists(app_factory):
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        wl = app.dashboard.watchlist
        await settle(pilot)
        assert wl.symbols == ["SPY", "QQQ", "AAPL", "MSFT"]
        await pilot.press("j")  # cursor to QQQ
        await pilot.press("d")
        await settle(pilot)
        assert wl.symbols == ["SPY", "AAPL", "MSFT"]
        assert not wl.table.has_row("QQQ")
        await pilot.press("u")
        await settle(pilot)
        assert wl.symbols == ["SPY", "QQQ", "AAPL", "MSFT"]
        assert wl.table.selected_key == "QQQ"
        await pilot.press("J")  # move QQQ down
        await settle(pilot)
        assert wl.symbols == ["SPY", "AAPL", "QQQ", "MSFT"]
        assert wl.table.row_keys_in_order() == wl.symbols
        await pilot.press("K", "K")
        await settle(pilot)
        assert wl.symbols == ["QQQ", "SPY", "AAPL", "MSFT"]
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert wl.current == "Tech"
        assert wl.table.row_keys_in_order() == ["NVDA", "AMZN"]
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert wl.current == "Default"


async def test_enter_opens_chain_and_chart(app_factory):
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        dash = app.dashboard
        await settle(pilot)
        await wait_for(pilot, lambda: _streaming(dash.watchlist), what="quotes")
        await pilot.press("j", "enter")  # QQQ
        await wait_for(pilot, lambda: dash.chain.symbol == "QQQ" and dash.chain.table.row_count > 0,
                       what="QQQ's chain rows")
        assert dash.tabs.active == "tab-chain"
        chart = dash.chart()
        assert getattr(chart, "symbol", "QQQ") == "QQQ"


async def test_stale_rows_dim_and_say_their_age(app_factory):
    from ttai_tui.core.clock import FrozenClock

    clock = FrozenClock(t=__import__("time").time())
    app = app_factory(ui_settings(), clock=clock)
    async with app.run_test(size=(160, 48)) as pilot:
        wl = app.dashboard.watchlist
        await wait_for(pilot, lambda: _streaming(wl), what="quotes")
        assert wl.table.shown_style("SPY", "symbol") == "bold"
        await app.bridge.broker.stream.stop()  # the feed goes quiet...
        clock.advance(120)  # ...for two minutes by the app's clock
        await settle(pilot)
        assert wl.table.shown_style("SPY", "symbol") == "dim"
        assert "updated 2m ago" in str(wl.border_subtitle)
