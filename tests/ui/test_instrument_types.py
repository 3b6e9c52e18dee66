"""Futures and crypto in the dashboard: the watchlist takes /ES (its active contract is added
and shown), a contract and a crypto pair; the chain opens a futures product's options."""

from __future__ import annotations

from ttai_tui.core.formatting import MISSING, fmt_strike
from ttai_tui.ui.screens.add_symbol import AddSymbolScreen

from .conftest import settle, wait_for


def _streaming(wl, sym: str) -> bool:
    return all(wl.table.shown(sym, c) not in (None, MISSING) for c in ("bid", "ask"))


async def _add(pilot, app, text: str) -> None:
    await pilot.press("a")
    await pilot.pause()
    assert isinstance(app.screen, AddSymbolScreen)
    await pilot.press(*text, "enter")
    await wait_for(pilot, lambda: not isinstance(app.screen, AddSymbolScreen), what=f"add {text}")
    await settle(pilot)


async def test_watchlist_adds_futures_roots_contracts_and_crypto(app_factory, exchange):
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        wl = app.dashboard.watchlist
        front = exchange.instruments.front("ES")
        nxt = exchange.instruments.contracts("MES")[1]
        for text in ("/ES", nxt.symbol, "BTC/USD"):
            await _add(pilot, app, text)
        added = wl.symbols[-3:]
        assert added == [front.streamer_symbol, nxt.streamer_symbol, "BTC/USD:CXTALP"]
        await wait_for(pilot, lambda: all(_streaming(wl, s) for s in added), what="quotes")
        # the row names the contract (without the venue, so it fits at 80 columns)
        assert wl.table.shown(front.streamer_symbol, "symbol") == f"/ES{front.month_code}{front.year % 100}"
        assert wl.table.shown("BTC/USD:CXTALP", "symbol") == "BTC/USD"
        bid = float(wl.table.shown(front.streamer_symbol, "bid").replace(",", ""))
        assert bid % 0.25 == 0 and bid > 1000
        # an unknown future is refused in the box, the app keeps running
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"/ZZZ", "enter")
        box = app.screen
        await wait_for(pilot, lambda: "No symbol" in str(box.query_one("#add-error").render()))


async def test_chain_opens_futures_options_with_greeks(app_factory, exchange):
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        app.dashboard.open_symbol("/ES")
        chain = app.dashboard.chain
        front = exchange.instruments.front("ES")

        def greeks_in() -> bool:
            # the window is around the money (it re-centres once the future's price is in) and
            # every row shows greeks
            keys = [fmt_strike(r.strike) for r in chain.window]
            price = app.bridge.state.price(front.streamer_symbol)
            return (bool(keys) and price is not None
                    and chain.window[0].strike <= price <= chain.window[-1].strike
                    and all(chain.table.shown(k, "c_delta") not in (None, MISSING) for k in keys))

        await wait_for(pilot, greeks_in, timeout=30.0, what="futures option greeks around the money")
        assert chain.symbol == front.streamer_symbol  # the contract the options are on
        assert all(r.call_streamer.endswith(":XCME") for r in chain.window)


async def test_config_watchlist_holds_a_futures_product_and_a_crypto_pair_as_written(app_factory, exchange):
    """``/ES`` in the config streams as its active contract (like tastytrade's own watchlists
    show /ES), ``BTC/USD`` as its pair; the list keeps them as written, through an edit and an
    undo, so /ES follows the active month. An unlisted entry stays, shown as written."""
    from .conftest import ui_settings

    app = app_factory(ui_settings(watchlists={"Futures": ["SPY", "/ES", "BTC/USD", "/ZZZ"]}))
    front = exchange.instruments.front("ES")
    async with app.run_test(size=(80, 24)) as pilot:
        wl = app.dashboard.watchlist
        await wait_for(pilot, lambda: front.streamer_symbol in wl.symbols, what="/ES resolved")
        await wait_for(pilot, lambda: "BTC/USD:CXTALP" in wl.symbols, what="BTC/USD resolved")
        assert wl.symbols == ["SPY", front.streamer_symbol, "BTC/USD:CXTALP", "/ZZZ"]
        shown = [front.streamer_symbol, "BTC/USD:CXTALP"]
        await wait_for(pilot, lambda: all(_streaming(wl, s) for s in shown), what="quotes")
        assert wl.table.shown(front.streamer_symbol, "symbol") == f"/ES{front.month_code}{front.year % 100}"
        # an edit stores the entries as written, not the month they resolved to today
        wl.table.select_key(front.streamer_symbol)
        await pilot.press("d")
        await settle(pilot)
        assert wl.store.lists["Futures"] == ["SPY", "BTC/USD", "/ZZZ"]
        await pilot.press("u")
        await settle(pilot)
        assert wl.store.lists["Futures"] == ["SPY", "/ES", "BTC/USD", "/ZZZ"]
        assert wl.symbols[1] == front.streamer_symbol
