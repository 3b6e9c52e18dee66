"""Trading from the dashboard against the in-process exchange: the ticket from the chain (side
cursor, review, y sends, anything else does not), closing a spread from positions as one order,
the orders view (working order, replace, cancel) and fills reaching positions."""

from __future__ import annotations

from typing import Any

import pytest

from ttai_tui.core.formatting import fmt_strike
from ttai_tui.ui.screens.review import ReviewScreen
from ttai_tui.ui.screens.ticket import TicketScreen

from .conftest import wait_for
from .test_chain import _open


async def _ticket_from_chain(pilot: Any, app: Any, side: str = "l") -> TicketScreen:
    chain = await _open(pilot, app)
    app.dashboard.action_focus_pane("chain")
    await pilot.press(side)
    await pilot.press("enter")
    ticket = await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen, what="ticket")
    await wait_for(pilot, lambda: ticket.price is not None, what="ticket price from the mid")
    assert chain.side == ("P" if side == "l" else "C")
    return ticket


async def test_chain_ticket_review_and_only_y_sends(app_factory: Any, exchange: Any) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        ticket = await _ticket_from_chain(pilot, app, "l")
        chain = app.dashboard.chain
        row = chain.selected_row()
        assert row is not None
        # the side cursor: only the put cells (and the strike) carry the cursor
        assert chain.table.cursor_columns and all(c.startswith("p_") or c == "strike"
                                                  for c in chain.table.cursor_columns)
        (leg,) = ticket.request().legs
        assert leg.symbol == row.put and leg.action == "Buy to Open"
        ticket._tick()  # follow the live mid now (it does every 0.5 s)
        q = app.bridge.state.quotes[row.put_streamer]
        nat, mid = ticket.natural_mid()
        assert nat is not None and mid is not None and abs(nat + q.ask) < 1e-9  # buy at the ask
        # the price starts at the mid, stated as a debit, and steps by the tick
        req = ticket.request()
        assert req.price_effect == "Debit" and abs(req.price - round(abs(mid), 2)) <= 0.011
        start = req.price
        await pilot.press("up", "up", "down")
        assert abs(ticket.request().price - (start + 0.01)) < 1e-9
        # enter: the dry run's review; a key other than y goes back and sends nothing
        await pilot.press("enter")
        review = await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.screen, what="review")
        lines = dict(review.lines)
        word = "uses" if review.review.buying_power_effect < 0 else "frees"
        assert lines["Buying power"] == f"{word} ${abs(review.review.buying_power_effect):,.2f}"
        assert lines["Fees"] == f"${review.review.fees:,.2f}" and review.review.fees > 0
        assert "Max loss" in lines and lines["Breakevens"] != "—"
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is ticket, what="back to the ticket")
        assert exchange.stats.orders_placed == 0
        # again, and y sends it
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen), what="review again")
        await pilot.press("y")
        await wait_for(pilot, lambda: exchange.stats.orders_placed == 1, what="order placed")
        await wait_for(pilot, lambda: not isinstance(app.screen, TicketScreen), what="ticket closed")
        # the orders view shows it (working or already filled)
        await pilot.press("o")
        view = app.dashboard.orders
        oid = str(next(iter(exchange.account.orders)))
        await wait_for(pilot, lambda: view.table.has_row(oid), what="order row")
        assert view.table.shown(oid, "status") in ("Live", "Filled")
        assert "debit" in view.table.shown(oid, "price")


async def test_marketable_order_reaches_positions(app_factory: Any, exchange: Any) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        ticket = await _ticket_from_chain(pilot, app, "h")
        (leg,) = ticket.request().legs
        await pilot.press("n")  # natural, and a little more, so it is still marketable when it arrives
        await pilot.press("pageup")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen), what="review")
        await pilot.press("y")
        await wait_for(pilot, lambda: any(p.symbol == leg.symbol for p in app.bridge.positions()),
                       what="the fill in positions")
        oid = str(next(iter(exchange.account.orders)))
        await wait_for(pilot, lambda: app.bridge.order_desk().orders[oid].status == "Filled", what="filled")


async def test_close_a_spread_from_positions_as_one_order(app_factory: Any, exchange: Any) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.bridge.positions(), what="positions")
        await pilot.press("p")
        view = app.dashboard.positions
        spy = sorted((p for p in app.bridge.positions() if p.underlying == "SPY" and p.is_option), key=lambda p: p.symbol)
        assert len(spy) == 2  # the demo's bull put vertical
        key = f"{spy[0].account}:{spy[0].symbol}"
        await wait_for(pilot, lambda: view.table.has_row(key), what="spread rows")
        view.table.select_key(key)
        await pilot.press("x")
        ticket = await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen, what="ticket")
        legs = ticket.request().legs
        assert sorted(leg.symbol for leg in legs) == sorted(p.symbol for p in spy)
        for leg in legs:
            p = next(x for x in spy if x.symbol == leg.symbol)
            assert leg.action == ("Buy to Close" if p.quantity < 0 else "Sell to Close")
            assert leg.quantity == abs(int(p.quantity))
        await wait_for(pilot, lambda: ticket.price is not None, what="net price")
        await pilot.press("n")  # the natural, then a few ticks more marketable (the market moves)
        await pilot.press("pageup" if ticket.effect == "Debit" else "pagedown")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen), what="review")
        await pilot.press("y")
        await wait_for(pilot, lambda: exchange.stats.orders_placed == 1, what="one order placed")
        (order,) = exchange.account.orders.values()
        assert len(order.legs) == 2  # both legs in one order
        await wait_for(pilot, lambda: not any(p.underlying == "SPY" and p.is_option
                                              for p in app.bridge.positions()), what="spread closed")


async def test_orders_view_replace_and_cancel(app_factory: Any, exchange: Any) -> None:
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        ticket = await _ticket_from_chain(pilot, app, "h")
        # half the mid, typed: far below the market, it rests
        text = f"{round(ticket.request().price * 0.5, 1):.2f}"
        await pilot.press("p", *text, "enter")
        price = ticket.request().price
        assert price == float(text)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen), what="review")
        await pilot.press("y")
        await wait_for(pilot, lambda: exchange.stats.orders_placed == 1, what="placed")
        oid = next(iter(exchange.account.orders))
        await pilot.press("o")
        view = app.dashboard.orders
        await wait_for(pilot, lambda: view.table.has_row(str(oid)), what="order row")
        view.table.select_key(str(oid))
        assert view.table.shown(str(oid), "status") == "Live"
        # replace: the ticket opens on the order's price; one tick up, review, y
        await pilot.press("e")
        rt = await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen, what="replace")
        assert rt.replaces is not None and abs(rt.request().price - price) < 1e-9
        await pilot.press("up", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen), what="replace review")
        assert dict(app.screen.lines)["Replaces"] == f"order {oid}"
        await pilot.press("y")
        # a replace is a cancel-replace, as on the real API: the working order gets a new id
        old = oid
        await wait_for(pilot, lambda: any(
            o.status == "Live" and abs(o.price - (price + 0.01)) < 1e-9
            for k, o in exchange.account.orders.items() if k != old), what="replaced price")
        oid = next(k for k, o in exchange.account.orders.items()
                   if k != old and o.status == "Live" and abs(o.price - (price + 0.01)) < 1e-9)
        assert exchange.account.orders[old].status != "Live"
        await wait_for(pilot, lambda: view.table.shown(str(oid), "status") == "Live", what="new order row")
        # cancel: a key other than y keeps it; y cancels it
        await wait_for(pilot, lambda: not isinstance(app.screen, TicketScreen), what="ticket closed")
        view.table.select_key(str(oid))
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen), what="cancel confirm")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ReviewScreen), what="back")
        assert exchange.account.orders[oid].status == "Live"
        view.table.select_key(str(oid))
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen), what="cancel confirm")
        await pilot.press("y")
        await wait_for(pilot, lambda: exchange.account.orders[oid].status == "Cancelled", what="cancelled")
        await wait_for(pilot, lambda: view.table.shown(str(oid), "status") == "Cancelled", what="row says so")


async def test_ticket_validation_and_strategy_shortcut(app_factory: Any, exchange: Any) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        ticket = await _ticket_from_chain(pilot, app, "h")
        first = ticket.request().legs[0]
        await pilot.press("V")  # a vertical from the leg under the cursor
        legs = ticket.request().legs
        assert len(legs) == 2 and legs[0].symbol == first.symbol
        assert legs[1].action == "Sell to Open" and legs[1].option.strike > first.option.strike
        # a typed price off the tick grid is refused before anything leaves the app
        await pilot.press("p")
        for ch in "1.005":
            await pilot.press(ch)
        await pilot.press("enter")
        await pilot.press("enter")
        assert ticket.message is not None and "tick" in ticket.message[0]
        assert not isinstance(app.screen, ReviewScreen)
        assert exchange.stats.orders_placed == 0
        assert fmt_strike(first.option.strike)


async def test_live_review_is_loud_and_can_require_the_account_digits(exchange: Any) -> None:
    """LIVE (pointed at the exchange so nothing leaves loopback): red banner with the account
    number, and with confirm_live = "account-digits" only the last four digits send."""
    from ttai_tui.config import Secret, Target, TradingSettings
    from ttai_tui.ui.app import make_app
    from ttai_tui.ui.broker_bridge import BrokerBridge

    from .conftest import ui_settings

    settings = ui_settings(trading=TradingSettings(confirm_live="account-digits"))
    target = Target("live", str(exchange.url), Secret("s"), Secret("r"))
    app = make_app(settings, target, bridge=BrokerBridge(settings, target))
    async with app.run_test(size=(120, 40)) as pilot:
        ticket = await _ticket_from_chain(pilot, app, "h")
        banner = str(ticket.query_one("#ticket-banner").render())
        account = app.bridge.account()
        assert "LIVE" in banner and account in banner
        for _ in range(5):
            await pilot.press("pagedown")  # resting, far from the market
        await pilot.press("enter")
        review = await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.screen, what="review")
        assert "LIVE" in str(review.query_one("#review-banner").render()) and review.digits
        await pilot.press("y", "enter")  # y is not the answer in this mode
        await wait_for(pilot, lambda: app.screen is ticket, what="back to the ticket")
        assert exchange.stats.orders_placed == 0
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen), what="review again")
        for ch in account[-4:]:
            await pilot.press(ch)
        await pilot.press("enter")
        await wait_for(pilot, lambda: exchange.stats.orders_placed == 1, what="sent with the digits")


async def test_add_a_leg_from_the_chain_while_the_ticket_is_open(app_factory: Any, exchange: Any) -> None:
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        ticket = await _ticket_from_chain(pilot, app, "h")
        first = ticket.request().legs[0]
        await pilot.press("a")  # the ticket steps aside; the chain has the keys
        await wait_for(pilot, lambda: not isinstance(app.screen, TicketScreen), what="ticket parked")
        chain = app.dashboard.chain
        await pilot.press("j", "j", "l", "enter")
        row = chain.selected_row()
        t2 = await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen, what="ticket back")
        legs = t2.request().legs
        assert [leg.symbol for leg in legs] == [first.symbol, row.put]
        await wait_for(pilot, lambda: t2.price is not None, what="net price of both legs")
        nat, _ = t2.natural_mid()
        q1 = app.bridge.state.quotes[first.streamer_symbol]
        q2 = app.bridge.state.quotes[legs[1].streamer_symbol]
        assert nat == pytest.approx(-(q1.ask + q2.ask), abs=1e-6)


async def test_orders_view_replaces_a_gtd_order_keeping_its_date(app_factory: Any, exchange: Any) -> None:
    """The orders view's replace (`e`) rebuilt the order without its GTD date, so the ticket
    refused it ('a GTD order needs a date'): a GTD order's price could not be changed."""
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        ticket = await _ticket_from_chain(pilot, app, "h")
        text = f"{round(ticket.request().price * 0.5, 1):.2f}"  # far below the market: it rests
        await pilot.press("p", *text, "enter", "f", "f")  # Day -> GTC -> GTD (30 days out)
        req = ticket.request()
        assert req.tif == "GTD" and req.gtd_date is not None
        gtd = req.gtd_date
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen), what="review")
        await pilot.press("y")
        await wait_for(pilot, lambda: exchange.stats.orders_placed == 1, what="placed")
        oid = next(iter(exchange.account.orders))
        await pilot.press("o")
        view = app.dashboard.orders
        await wait_for(pilot, lambda: view.table.has_row(str(oid)), what="order row")
        view.table.select_key(str(oid))
        await pilot.press("e")
        rt = await wait_for(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen, what="replace")
        assert rt.request().tif == "GTD" and rt.request().gtd_date == gtd
        await pilot.press("up", "enter")
        review = await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.screen,
                                what="replace review")
        assert review.review.sendable and dict(review.lines)["Order"].endswith(f"GTD {gtd}")
        await pilot.press("y")
        await wait_for(pilot, lambda: any(o.status == "Live" and o.gtc_date == gtd
                                          for k, o in exchange.account.orders.items() if k != oid),
                       what="replaced, same date")


async def test_send_with_unknown_outcome_is_never_called_not_sent(app_factory: Any, exchange: Any,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The order reached the server, its answer was lost and the server could not be asked
    since: the ticket said 'NOT SENT / NOT WORKING' while the order worked, inviting a second
    send. It says the outcome is unknown and to check the orders view."""
    from tastytrade import Account

    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        ticket = await _ticket_from_chain(pilot, app, "h")
        text = f"{round(ticket.request().price * 0.5, 1):.2f}"  # far below the market: it rests
        await pilot.press("p", *text, "enter", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen), what="review")
        real = Account.place_order

        async def answer_lost(self: Any, session: Any, order: Any, dry_run: bool = True) -> Any:
            await real(self, session, order, dry_run=dry_run)  # the server takes it ...
            raise ConnectionResetError("connection reset by peer")  # ... the answer is lost

        async def unreachable(self: Any, session: Any, **kwargs: Any) -> Any:
            raise ConnectionResetError("connection reset by peer")

        monkeypatch.setattr(Account, "place_order", answer_lost)
        monkeypatch.setattr(Account, "get_live_orders", unreachable)
        await pilot.press("y")
        await wait_for(pilot, lambda: ticket.message is not None and "UNKNOWN" in ticket.message[0],
                       timeout=60, what="outcome unknown")
        assert exchange.stats.orders_placed == 1  # it is working on the server ...
        assert "NOT SENT" not in ticket.message[0] and "orders view" in ticket.message[0]  # ... and not denied
        assert isinstance(app.screen, TicketScreen)  # nothing shows it as working either
