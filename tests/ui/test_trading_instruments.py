"""Futures and crypto from the dashboard against the in-process exchange: `T` on a future and on
a crypto pair in the watchlist, the contract looked up (multiplier, tick, active month), a
fractional crypto quantity, review, y, the fill in positions; and the key hints at 80x24."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ttai_tui.core.orders import on_tick
from ttai_tui.ui.messages import trade_symbol
from ttai_tui.ui.screens.review import ReviewScreen
from ttai_tui.ui.screens.ticket import TicketScreen
from ttai_tui.ui.widgets.key_hints import KeyHints, fit

from .conftest import ui_settings, wait_for


def _dashboard(app: Any) -> Any:
    try:
        return app.dashboard
    except LookupError:
        return None


async def _ticket_for_row(pilot: Any, app: Any, row: int) -> TicketScreen:
    dash = await wait_for(pilot, lambda: _dashboard(app), what="dashboard")
    wl = dash.watchlist
    dash.action_focus_pane("watchlist")
    await wait_for(pilot, lambda: len(wl.table.row_keys_in_order()) >= 2, what="watchlist rows")
    wl.table.select_key(wl.table.row_keys_in_order()[row])
    await pilot.press("T")
    ticket = await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen, what="ticket")
    await wait_for(pilot, lambda: ticket.legs[0].instrument is not None, what="contract looked up")
    await wait_for(pilot, lambda: ticket.price is not None, what="price from the mid")
    return ticket


async def _review_and_send(pilot: Any, app: Any, exchange: Any) -> dict[str, str]:
    placed = exchange.stats.orders_placed
    await pilot.press("enter")
    review = await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.screen, what="review")
    lines = dict(review.lines)
    assert review.review.sendable, review.review.errors
    await pilot.press("y")
    await wait_for(pilot, lambda: exchange.stats.orders_placed == placed + 1, what="order placed")
    return lines


async def test_future_from_watchlist_fills_with_its_multiplier(app_factory: Any, exchange: Any) -> None:
    front = exchange.instruments.front("ES")
    app = app_factory(ui_settings(watchlists={"Default": [front.streamer_symbol, "BTC/USD:CXTALP"]}))
    async with app.run_test(size=(120, 40)) as pilot:
        ticket = await _ticket_for_row(pilot, app, 0)
        (leg,) = ticket.request().legs
        assert leg.symbol == front.symbol and leg.action == "Buy" and leg.multiplier == 50.0
        req = ticket.request()
        assert req.price_effect == "Debit" and on_tick(req, req.price or 0.0)
        ticket._tick()
        start = ticket.request().price or 0.0
        await pilot.press("up")  # one tick of a future: 0.25 points
        assert abs((ticket.request().price or 0.0) - start - 0.25) < 1e-9
        await pilot.press("q")
        await pilot.press("0", ".", "5", "enter")
        assert ticket.qty == 1 and "only crypto trades in fractions" in (ticket.message or ("", ""))[0]
        await pilot.press("n")  # the natural price: marketable, it fills at once
        held = sum(p.quantity for p in app.bridge.positions() if p.symbol == front.symbol)
        lines = await _review_and_send(pilot, app, exchange)
        assert lines["Multiplier"].startswith("50 ") and "margined" in lines["Notional"]
        assert lines["Buying power"].startswith("uses $")
        await wait_for(pilot, lambda: sum(p.quantity for p in app.bridge.positions()
                                          if p.symbol == front.symbol) == held + 1, what="position")
        pos = next(p for p in app.bridge.positions() if p.symbol == front.symbol)
        assert pos.multiplier == 50.0


async def test_crypto_from_watchlist_takes_a_fraction(app_factory: Any, exchange: Any) -> None:
    front = exchange.instruments.front("ES")
    app = app_factory(ui_settings(watchlists={"Default": [front.streamer_symbol, "BTC/USD:CXTALP"]}))
    async with app.run_test(size=(120, 40)) as pilot:
        ticket = await _ticket_for_row(pilot, app, 1)
        (leg,) = ticket.request().legs
        assert leg.symbol == "BTC/USD" and leg.action == "Buy to Open"
        await pilot.press("q")
        await pilot.press("0", ".", "0", "5", "enter")
        assert ticket.qty == Decimal("0.05")
        await pilot.press("t")  # Limit -> Market
        assert ticket.request().order_type == "Market"
        await pilot.press("b")  # crypto is never short: selling closes, and back
        assert ticket.request().legs[0].action == "Sell to Close"
        await pilot.press("b")
        held = exchange.account.positions["BTC/USD"].quantity
        await _review_and_send(pilot, app, exchange)
        await wait_for(pilot, lambda: abs(exchange.account.positions["BTC/USD"].quantity - held - 0.05) < 1e-9,
                       what="filled")
        await wait_for(pilot, lambda: any(abs(p.quantity - held - 0.05) < 1e-9 for p in app.bridge.positions()
                                          if p.symbol == "BTC/USD"), what="position in the app")


async def test_product_symbol_names_the_active_month(app_factory: Any, exchange: Any) -> None:
    front = exchange.instruments.front("MES")
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: _dashboard(app), what="dashboard")
        await wait_for(pilot, lambda: app.bridge.account() is not None, what="account")
        app.post_message(trade_symbol("/MES"))  # what the palette's "Trade /MES" posts
        ticket = await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen, what="ticket")
        await wait_for(pilot, lambda: ticket.legs[0].instrument is not None, what="contract looked up")
        assert ticket.legs[0].symbol == front.symbol and ticket.legs[0].multiplier == 5.0
        assert f"/MES is {front.symbol}" in (ticket.message or ("", ""))[0]


def test_fit_keeps_help_quit_and_the_focused_pane_first() -> None:
    hints = [("question_mark", "?", "Help", True, 0), ("q", "q", "Quit", True, 0),
             ("enter", "⏎", "Trade", True, 1), ("e", "e", "Exp", True, 1),
             ("w", "w", "Watch", True, 2), ("c", "c", "Chain", True, 2)]
    assert fit(hints, 200) == hints  # everything fits: unchanged
    narrow = fit(hints, 32)
    assert [h[2] for h in narrow] == ["More", "Quit", "Trade", "Exp"]
    assert sum(len(h[1]) + len(h[2]) + 3 for h in narrow) <= 32


async def test_key_hints_fit_80_columns(app_factory: Any, exchange: Any) -> None:
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        dash = await wait_for(pilot, lambda: _dashboard(app), what="dashboard")
        await wait_for(pilot, lambda: app.bridge.account() is not None, what="account")
        dash.action_focus_pane("chain")
        hints = dash.query_one(KeyHints)
        await wait_for(pilot, lambda: "Trade" in hints.plain, what="chain hints")
        text = hints.plain
        assert len(text) <= 80 and "? More" in text and "q Quit" in text
        assert "e Exp" in text  # the focused pane's keys come before the pane switches


async def test_leg_dropped_while_the_contract_is_looked_up(app_factory: Any, exchange: Any,
                                                           monkeypatch: Any) -> None:
    """A roll ticket's legs are looked up on the server; `x` pressed before the answer came
    made the answer's legs and the ticket's differ in number, and pairing them (zip strict)
    raised inside the message handler: the whole app stopped."""
    import asyncio

    from ttai_tui.core.orders import make_leg

    front, nxt = exchange.instruments.contracts("MES")[:2]
    app = app_factory(ui_settings(watchlists={"Default": ["SPY"]}))
    async with app.run_test(size=(120, 40)) as pilot:
        def desk() -> Any:
            try:
                return app.bridge.order_desk()
            except Exception:
                return None

        d = await wait_for(pilot, desk, what="order desk")
        gate = asyncio.Event()
        real = d.resolve

        async def held(req: Any) -> Any:
            await gate.wait()  # the server's answer arrives after the user's key
            return await real(req)

        monkeypatch.setattr(d, "resolve", held)
        legs = [make_leg("SELL", 1, front.symbol), make_leg("BUY", 1, nxt.symbol)]
        app.push_screen(TicketScreen(legs, title="Roll"))
        ticket = await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen, what="ticket")
        assert ticket.resolving
        await pilot.press("x")  # drop the second leg while the lookup is out
        assert [leg.symbol for leg in ticket.legs] == [front.symbol]
        gate.set()
        await wait_for(pilot, lambda: not ticket.resolving, what="lookup answered")
        (leg,) = ticket.request().legs
        assert leg.symbol == front.symbol and leg.action == "Sell" and leg.instrument is not None
        assert leg.instrument.multiplier == 5.0 and app.is_running
