"""Futures, futures options and crypto orders through the real SDK against the exchange on
loopback: the contract lookup (/MES -> its active month), multipliers, tick rules, fractional
and notional crypto, fills into positions and balances, and the lost-answer path matched by
the order's external identifier."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from ttai_tui.broker import events as ev
from ttai_tui.broker.errors import UnknownSymbolError
from ttai_tui.core.orders import (
    NOTIONAL,
    OrderInvalid,
    OrderRequest,
    make_leg,
    review_rows,
    validate,
)

from .conftest import wait_for


async def _quote(b: Any, streamer: str) -> Any:
    b.subscriptions.declare(f"q-{streamer}", {("Quote", streamer)})
    await wait_for(lambda: streamer in b.state.quotes, 8.0)
    return b.state.quotes[streamer]


def _held(b: Any, symbol: str) -> float:
    return sum(p.quantity for p in b.positions if p.symbol == symbol)


async def test_future_product_resolves_to_front_month_and_fills_with_multiplier(
    make_broker: Any, exchange: Any
) -> None:
    b = make_broker(account_poll_s=3600.0)
    seen: list[Any] = []
    b.add_listener(seen.append)
    await b.start()
    await wait_for(lambda: exchange.stats.account_active == 1)
    desk = b.orders
    req = await desk.resolve(OrderRequest((make_leg("BUY", 1, "/MES"),)))
    leg = req.legs[0]
    ins = leg.instrument
    assert ins is not None and leg.action == "Buy" and leg.instrument_type == "Future"
    # the exchange's own front month: the resolved contract is the one it calls active
    front = exchange.instruments.front("MES")
    assert leg.symbol == front.symbol and ins.streamer_symbol == front.streamer_symbol
    assert ins.multiplier == 5.0 and ins.ticks == ((0.25, None),)
    assert "/MES is " + front.symbol in ins.resolved_note
    q = await _quote(b, ins.streamer_symbol)
    # a limit off the 0.25 grid is refused before anything leaves the app
    with pytest.raises(OrderInvalid, match=r"tick 0\.25"):
        validate(OrderRequest(req.legs, "Limit", "Day", q.ask + 0.1, "Debit"))
    order = OrderRequest(req.legs, "Limit", "Day", q.ask + 1.0, "Debit")  # marketable, on the grid
    review = await desk.dry_run(order)
    assert review.sendable, review.errors
    rows = dict(review_rows(review))
    assert rows["Multiplier"].startswith("5 ") and "active month" in rows["Contract"]
    # futures tie up margin, not the notional: far less buying power than price x 5
    notional = (q.ask + 1.0) * 5
    assert 0 < -review.buying_power_effect < notional * 0.5
    assert review.fees > 0
    before_held = _held(b, leg.symbol)
    info = await desk.execute(desk.confirm(desk.pending(review), "y"))
    await wait_for(lambda: desk.orders[info.id].status == "Filled", 8.0)
    assert any(isinstance(e, ev.OrderUpdated) and e.order.id == info.id and e.order.status == "Filled"
               for e in seen)
    await wait_for(lambda: _held(b, leg.symbol) == before_held + 1, 8.0)
    pos = next(p for p in b.positions if p.symbol == leg.symbol)
    assert pos.multiplier == 5.0 and pos.instrument_type == "Future"


async def test_unknown_and_expired_contracts_are_named(make_broker: Any) -> None:
    b = make_broker()
    await b.start()
    for sym in ("/QQQQ", "/ESZ5"):  # no such product; a contract that expired last year
        with pytest.raises(UnknownSymbolError, match=sym):
            await b.orders.dry_run(OrderRequest((make_leg("BUY", 1, sym),), "Market"))
    with pytest.raises(OrderInvalid, match="fractional: only crypto"):
        await b.orders.dry_run(OrderRequest((make_leg("BUY", Decimal("0.5"), "/MES"),), "Market"))


async def test_future_option_tick_rule_by_premium(make_broker: Any, exchange: Any) -> None:
    b = make_broker()
    await b.start()
    chain = await b.get_chain("/ES")
    exp = chain.expirations[min(2, len(chain.expirations) - 1)]
    # a call worth more than 10 (tick 0.25) and a far one worth less (tick 0.05)
    rows = exp.strikes
    mid_row = rows[len(rows) // 2]
    desk = b.orders
    req = await desk.resolve(OrderRequest((make_leg("BTO", 1, mid_row.call),)))
    leg = req.legs[0]
    ins = leg.instrument
    assert ins is not None and leg.instrument_type == "Future Option"
    assert ins.multiplier == 50.0 and ins.ticks == ((0.05, 10.0), (0.25, None))
    q = await _quote(b, ins.streamer_symbol)
    assert q.ask > 10
    bad = OrderRequest(req.legs, "Limit", "Day", round(q.ask, 0) + 0.10, "Debit")
    with pytest.raises(OrderInvalid, match=r"tick 0\.25"):
        validate(bad)
    # the exchange refuses it too (the gate above is not the only guard): the real error code
    from tastytrade.order import InstrumentType, Leg, LimitOrder, OrderAction

    sdk_order = LimitOrder(price=-Decimal(f"{bad.price:.2f}"), legs=[Leg(
        instrument_type=InstrumentType.FUTURE_OPTION, symbol=leg.symbol,
        action=OrderAction.BUY_TO_OPEN, quantity=Decimal(1))])
    from ttai_tui.broker.errors import BrokerFailure

    with pytest.raises(BrokerFailure, match="invalid_price_increment"):
        await b.sessions.call(b.orders._account().place_order, sdk_order, dry_run=True, what="dry run")
    good = OrderRequest(req.legs, "Limit", "Day", round(q.bid * 4) / 4 - 0.25, "Debit")
    await _quote(b, ins.price_symbol)  # the future's price, for the risk figures (the ticket streams it)
    review = await desk.dry_run(good)
    assert review.sendable, review.errors
    # long call: max loss is the premium x 50
    assert review.max_loss == pytest.approx(good.price * 50, abs=0.01)


async def test_crypto_fraction_and_notional_market_orders_fill(make_broker: Any, exchange: Any) -> None:
    b = make_broker(account_poll_s=3600.0)
    await b.start()
    desk = b.orders
    with pytest.raises(OrderInvalid, match="cannot be sold short"):
        make_leg("STO", 1, "BTC/USD")
    req = await desk.resolve(OrderRequest((make_leg("BUY", Decimal("0.05"), "BTC/USD"),), "Market"))
    leg = req.legs[0]
    assert leg.action == "Buy to Open" and leg.instrument is not None and leg.instrument.quantity_decimals == 8
    too_fine = await desk.resolve(OrderRequest((make_leg("BUY", Decimal("0.123456789"), "BTC/USD"),), "Market"))
    with pytest.raises(OrderInvalid, match=r"steps of 0\.00000001"):
        validate(too_fine)
    q = await _quote(b, leg.streamer_symbol)
    held = _held(b, "BTC/USD")
    review = await desk.dry_run(req)
    assert review.sendable, review.errors
    # crypto is paid in full: about 0.05 x the ask
    assert -review.buying_power_effect == pytest.approx(0.05 * q.ask, rel=0.05)
    info = await desk.execute(desk.confirm(desk.pending(review), "y"))
    await wait_for(lambda: desk.orders[info.id].status == "Filled", 8.0)
    await wait_for(lambda: abs(_held(b, "BTC/USD") - (held + 0.05)) < 1e-9, 8.0)
    # by dollar amount: $200 of BTC, the quantity is what $200 buys at the ask
    held = _held(b, "BTC/USD")
    notional = OrderRequest((make_leg("BUY", 0, "BTC/USD"),), NOTIONAL, value=200.0)
    review = await desk.dry_run(notional)
    assert review.sendable, review.errors
    info = await desk.execute(desk.confirm(desk.pending(review), "y"))
    await wait_for(lambda: desk.orders[info.id].status == "Filled", 8.0)
    await wait_for(lambda: _held(b, "BTC/USD") > held, 8.0)
    bought = _held(b, "BTC/USD") - held
    assert bought * b.state.quotes[leg.streamer_symbol].ask == pytest.approx(200.0, rel=0.02)


async def test_lost_answer_is_matched_by_external_identifier(
    make_broker: Any, exchange: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another order with the same legs lands first; the lost one is still found exactly, by
    the identifier the exchange echoes back, and nothing is sent twice."""
    from tastytrade import Account

    b = make_broker()
    await b.start()
    q = await _quote(b, "KO")
    req = OrderRequest((make_leg("BTO", 1, "KO"),), "Limit", "Day", round(q.bid * 0.5, 2), "Debit")
    desk = b.orders
    review = await desk.dry_run(req)
    real = Account.place_order
    sent: list[Any] = []

    async def twin_then_lost(self: Any, session: Any, order: Any, dry_run: bool = True) -> Any:
        sent.append(order.external_identifier)
        twin = order.model_copy(update={"external_identifier": "someone-else"})
        await real(self, session, twin, dry_run=False)  # same legs and price, placed just before
        await real(self, session, order, dry_run=dry_run)  # ours reaches the server ...
        raise ConnectionResetError("connection reset by peer")  # ... and its answer is lost

    monkeypatch.setattr(Account, "place_order", twin_then_lost)
    info = await desk.execute(desk.confirm(desk.pending(review), "y"))
    assert len(sent) == 1 and sent[0] and sent[0].startswith("ttai-")
    ours = exchange.account.orders[int(info.id)]
    assert ours.external_identifier == sent[0]
    placed = await b.sessions.call(b.orders._account().get_order, int(info.id), what="t")
    assert placed.external_identifier == sent[0]  # echoed on the wire too


async def test_future_option_multiplier_is_notional_value_over_display_factor(make_broker: Any) -> None:
    """The API states a futures option's dollars per point as notional-value / display-factor
    (ES: "0.5" / "0.01"; its "multiplier" field is "1.0"). Read as notional-value alone, an ES
    option's multiplier was 0.5: the review's total, max loss and the notional cap a hundredth
    of the real money."""
    from tastytrade.instruments import FutureOption

    b = make_broker()
    await b.start()
    for product, dollars in (("/ES", 50.0), ("/MES", 5.0)):
        chain = await b.get_chain(product)
        row = chain.expirations[0].strikes[len(chain.expirations[0].strikes) // 2]
        wire = await b.sessions.call(FutureOption.get, row.call, what="fop")
        assert (float(wire.multiplier), float(wire.display_factor)) == (1.0, 0.01)  # the real API's shape
        assert float(wire.notional_value) == pytest.approx(dollars / 100)
        req = await b.orders.resolve(OrderRequest((make_leg("BTO", 2, row.call),), "Limit", "Day", 5.0, "Debit"))
        assert req.legs[0].multiplier == dollars
        assert req.notional() == pytest.approx(5.0 * 2 * dollars)  # what the cap and the review count


async def test_micro_future_option_is_found_by_its_unspaced_symbol(make_broker: Any) -> None:
    """A 5-character future code fills its padded field, so /MES options read
    './MESZ6EX1Z6 261204C5990' (no space after the future): the exchange looked only for three
    space-separated parts and answered 'not found', so no /MES option ticket could open."""
    b = make_broker()
    await b.start()
    chain = await b.get_chain("/MES")
    row = chain.expirations[0].strikes[len(chain.expirations[0].strikes) // 2]
    assert row.call.startswith("./MES") and len(row.call.split()) == 2
    req = await b.orders.resolve(OrderRequest((make_leg("BTO", 1, row.call),)))
    ins = req.legs[0].instrument
    assert ins is not None and ins.symbol == row.call and ins.strike == row.strike


async def test_one_64th_prices_keep_their_decimals_to_the_exchange(make_broker: Any, exchange: Any) -> None:
    """/ZN trades in 1/64ths (110.515625): prices were rounded to 4 decimals when stepped, typed
    and sent, so every odd 64th became off-tick (110.5156) and was refused, by ttai or the
    exchange. Stepped, reviewed and placed, the price reaches the exchange exactly."""
    import math

    from ttai_tui.core.orders import price_words, step_price

    b = make_broker(account_poll_s=3600.0)
    await b.start()
    desk = b.orders
    req = await desk.resolve(OrderRequest((make_leg("BUY", 1, "/ZN"),), "Limit", "Day", None, "Debit"))
    ins = req.legs[0].instrument
    assert ins is not None and ins.ticks == ((0.015625, None),)
    q = await _quote(b, ins.streamer_symbol)
    even = math.floor(q.bid * 32) / 32 - 10 / 32  # a resting bid on an even 64th ...
    price = step_price(req, even, 1)  # ... one tick up: an odd 64th
    assert price == even + 1 / 64 and round(price * 64) % 2 == 1
    order = OrderRequest(req.legs, "Limit", "Day", price, "Debit")
    validate(order)
    review = await desk.dry_run(order)
    assert review.sendable, review.errors
    assert price_words(price, "Debit") in dict(review_rows(review))["Order"]
    info = await desk.execute(desk.confirm(desk.pending(review), "y"))
    assert info.price == price and info.status in ("Received", "Routed", "Live")
    assert exchange.account.orders[int(info.id)].price == price
    await desk.execute(desk.confirm(desk.pending_cancel(info.id), "y"))
    # a stop's trigger too (the exchange echoed it with 6 significant digits: 110.109)
    stop = OrderRequest(req.legs, "Stop", "Day", None, None, stop_trigger=price + 40 / 64)
    review = await desk.dry_run(stop)
    assert review.sendable, review.errors
    info = await desk.execute(desk.confirm(desk.pending(review), "y"))
    assert info.stop_trigger == price + 40 / 64
    await desk.execute(desk.confirm(desk.pending_cancel(info.id), "y"))
