"""Option-chain key paths against the in-process exchange: window, ATM line, ITM shading,
greeks, expected move, expirations, widen/narrow, column sets, visible-only subscriptions."""

from __future__ import annotations

import math

from ttai_tui.core.chain import days_to
from ttai_tui.core.clock import ny_date
from ttai_tui.core.formatting import MISSING, fmt_strike
from ttai_tui.ui.widgets.chain import ATM_KEY, COLUMN_SETS, ITM_STYLE

from .conftest import settle, wait_for


def _greeks_in(chain) -> bool:
    t = chain.table
    keys = [fmt_strike(r.strike) for r in chain.window]
    return bool(keys) and all(t.shown(k, "c_delta") not in (None, MISSING) for k in keys)


async def _open(pilot, app, symbol: str = "SPY"):
    app.dashboard.open_symbol(symbol)
    chain = app.dashboard.chain
    await wait_for(pilot, lambda: _greeks_in(chain), what="chain greeks")
    return chain


async def test_chain_window_atm_line_itm_and_expected_move(app_factory):
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        chain = await _open(pilot, app)
        t = chain.table
        assert len(chain.window) == 2 * 4 + 1  # settings.chain.strikes = 4 each side
        # the price the screen shows on the ATM line (the live one may already have moved on)
        price = float(t.shown(ATM_KEY, "strike").replace(",", ""))
        order = t.row_keys_in_order()
        i = order.index(ATM_KEY)
        strikes = [float(k) for k in order if k != ATM_KEY]
        assert strikes == sorted(strikes)
        below = [float(k) for k in order[:i]]
        above = [float(k) for k in order[i + 1 :]]
        assert all(s <= price for s in below) and all(s >= price for s in above)
        # in-the-money shading: calls below the price, puts above it
        k_low, k_high = fmt_strike(below[0]), fmt_strike(above[-1])
        assert ITM_STYLE in t.shown_style(k_low, "c_bid")
        assert ITM_STYLE not in t.shown_style(k_low, "p_bid")
        assert ITM_STYLE in t.shown_style(k_high, "p_bid")
        # expected move = S * IV_atm * sqrt(DTE / 365), shown in the info line
        dte = days_to(chain.expiration, ny_date(app.clock.now()))
        em = chain.expected_move()
        assert em is not None
        assert math.isclose(em, app.bridge.state.price("SPY") * chain.atm_iv() * math.sqrt(dte / 365), rel_tol=1e-9)
        assert "exp. move ±" in chain._info_plain
        assert f"{dte}d" in str(chain.query_one("#chain-header").render())


async def test_only_visible_strikes_are_subscribed(app_factory):
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        chain = await _open(pilot, app)
        wants = app.bridge.broker.subscriptions._owners["ui-chain"]
        syms = {s for _, s in wants}
        window = {r.call_streamer for r in chain.window} | {r.put_streamer for r in chain.window}
        assert syms - {"SPY"} <= window  # nothing outside the strike window...
        assert {("Greeks", chain.window[0].call_streamer)} <= wants  # ...and greeks for options
        # leaving the chain tab keeps only the underlying
        await pilot.press("p")
        await settle(pilot)
        assert {s for _, s in app.bridge.broker.subscriptions._owners["ui-chain"]} == {"SPY"}


async def test_widen_narrow_and_expirations(app_factory):
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        chain = await _open(pilot, app)
        chain.table.focus()
        await pilot.press("plus")
        await settle(pilot)
        assert len(chain.window) == 11 and chain.table.row_count == 12  # + the ATM line
        await pilot.press("minus", "minus")
        await settle(pilot)
        assert len(chain.window) == 7
        first = chain.expiration
        await pilot.press("full_stop")
        await settle(pilot)
        assert chain.expiration.date > first.date
        await wait_for(pilot, lambda: _greeks_in(chain), what="greeks after switching expiration")
        await pilot.press("comma")
        await settle(pilot)
        assert chain.expiration == first
        # the picker lists every expiration with its DTE
        await pilot.press("e")
        await pilot.pause()
        from ttai_tui.ui.screens.pickers import ExpirationPicker

        assert isinstance(app.screen, ExpirationPicker)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert chain.expiration != first


async def test_narrow_terminal_shows_columns_that_fit_and_toggle_shows_the_rest(app_factory):
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        chain = await _open(pilot, app)
        assert chain.fields == COLUMN_SETS["minimal"]  # bid, ask, delta: fits 80 columns whole
        assert set(chain.table.column_keys) >= {"c_bid", "c_ask", "c_delta", "p_delta"}
        chain.table.focus()
        await pilot.press("v")  # auto -> minimal
        await pilot.press("v")  # -> compact
        await pilot.press("v")  # -> standard
        await pilot.press("v")  # -> full
        await settle(pilot)
        assert chain.mode == "full"
        assert {"c_gamma", "c_vega", "p_oi", "p_volume"} <= set(chain.table.column_keys)
        await wait_for(pilot, lambda: chain.table.shown(fmt_strike(chain.window[0].strike), "p_oi") not in (None, MISSING))


async def test_the_info_line_follows_the_underlying_and_the_atm_iv(app_factory):
    """The info line is rebuilt only when its inputs change: each input still reaches it."""
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        chain = await _open(pilot, app)
        state = app.bridge.state
        app.flush_now()
        state.trades["SPY"].price = 1234.5  # the underlying's last trade (what the line shows)
        state.pending.add("SPY")
        app.flush_market()  # within the same second: not a forced rebuild
        assert chain._info_plain.startswith("SPY 1,234.50 ")
        row = next(r for r in chain.window if r.strike == chain._atm_strike)
        for sym in (row.call_streamer, row.put_streamer):
            state.record_greeks(sym).volatility = 0.5
            state.pending.add(sym)
        app.flush_market()
        assert "ATM IV 50.0%" in chain._info_plain
