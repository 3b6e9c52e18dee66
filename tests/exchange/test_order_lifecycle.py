"""The whole order lifecycle through the unmodified SDK on loopback (issue 13 point 5, issue 12
point 9): dry run, place, fill at the far side, resting limit filled when the market reaches it,
multi-leg at the net price, partial fills, stops, replace (PUT and PATCH), cancel, rejections
with the API's codes, Day expiry at the close, complex orders, notional orders, transactions.

The exchange runs on a frozen clock (Wednesday 11:00 New York), so the book only moves when a
test moves it; ``check_fills()`` is then the market step that meets resting orders."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal

import aiohttp
import pytest
from tastytrade import Account
from tastytrade.account import Transaction
from tastytrade.instruments import Equity, Option
from tastytrade.order import (
    InstrumentType,
    Leg,
    LimitOrder,
    MarketOrder,
    NotionalOrder,
    OCOOrder,
    OrderAction,
    OrderStatus,
    OrderTimeInForce,
    OTOCOOrder,
    OTOOrder,
    PlacedOrder,
    StopLimitOrder,
    StopOrder,
)
from tastytrade.utils import TastytradeError

from tests.exchange.frozen_book import set_book
from ttai_tui.broker.endpoint import make_alert_streamer, make_session
from ttai_tui.exchange.clock import NY, session_bounds
from ttai_tui.exchange.options import OptionId
from ttai_tui.exchange.orders import REFILL_S
from ttai_tui.exchange.server import ExchangeServer

SAT_12 = dt.datetime(2026, 6, 6, 12, 0, tzinfo=NY).timestamp()


def step(ex: ExchangeServer, seconds: float = 0.0) -> list[object]:
    """One market step after ``seconds`` of simulated time."""
    ex.market.t += seconds
    return list(ex.account.check_fills())


def fills(o: PlacedOrder) -> list[tuple[Decimal, Decimal]]:
    return [(f.quantity, f.fill_price) for leg in o.legs for f in (leg.fills or [])]


async def test_marketable_limit_fills_at_once_at_the_far_side(frozen, sess, acct):
    st = frozen.market.states["MSFT"]
    set_book(frozen, "MSFT", 400.00, 400.05, size=1000)
    eq = await Equity.get(sess, "MSFT")
    order = LimitOrder(time_in_force=OrderTimeInForce.DAY, legs=[eq.build_leg(10, OrderAction.BUY_TO_OPEN)],
                       price=Decimal("-401.00"))
    dry = await acct.place_order(sess, order, dry_run=True)
    assert dry.order.status == OrderStatus.RECEIVED and not dry.errors
    # long stock is Reg-T 50 %: buying power drops by half the cost at the ask it will fill at,
    # plus the half spread paid over the mark and the fees
    assert dry.buying_power_effect.change_in_buying_power == pytest.approx(Decimal("-2000.5"), abs=Decimal("0.5"))
    placed = (await acct.place_order(sess, order, dry_run=False)).order
    assert placed.status == OrderStatus.FILLED
    assert fills(placed) == [(10, Decimal("400.05"))]  # the ask, better than the 401 limit
    assert st.ask == 400.05
    pos = {p.symbol: p for p in await acct.get_positions(sess)}
    assert pos["MSFT"].quantity == 10 and pos["MSFT"].average_open_price == Decimal("400.05")
    # the fill is a Trade transaction with its fees, retrievable by id
    (tx,) = [t for t in await acct.get_history(sess, page_offset=0) if t.order_id == placed.id]
    assert tx.transaction_type == "Trade" and tx.action == OrderAction.BUY_TO_OPEN
    assert tx.value == Decimal("-4000.50") and tx.quantity == 10 and tx.price == Decimal("400.05")
    assert tx.clearing_fees is not None and tx.clearing_fees < 0
    assert tx.net_value == tx.value + tx.clearing_fees + (tx.regulatory_fees or 0) + (tx.commission or 0)
    again = await acct.get_transaction(sess, tx.id)
    assert again.id == tx.id and again.symbol == "MSFT"


async def test_resting_limit_fills_at_its_limit_when_the_market_reaches_it(frozen, sess, acct):
    set_book(frozen, "KO", 70.00, 70.02, size=500)
    eq = await Equity.get(sess, "KO")
    order = LimitOrder(time_in_force=OrderTimeInForce.GTC, legs=[eq.build_leg(20, OrderAction.BUY_TO_OPEN)],
                       price=Decimal("-69.50"))
    dry = await acct.place_order(sess, order, dry_run=True)
    # a buy limit below the market is never a buying-power credit
    assert dry.buying_power_effect.change_in_buying_power < 0
    assert dry.buying_power_effect.effect == "Debit"
    placed = (await acct.place_order(sess, order, dry_run=False)).order
    assert placed.status == OrderStatus.LIVE and fills(placed) == []
    set_book(frozen, "KO", 69.60, 69.62)
    step(frozen)
    assert (await acct.get_order(sess, placed.id)).status == OrderStatus.LIVE  # not reached yet
    set_book(frozen, "KO", 69.40, 69.45)
    step(frozen)
    got = await acct.get_order(sess, placed.id)
    assert got.status == OrderStatus.FILLED and fills(got) == [(20, Decimal("69.50"))]  # at its limit


async def test_partial_fills_take_the_displayed_size(frozen, sess, acct):
    set_book(frozen, "XOM", 110.00, 110.02, size=200)
    eq = await Equity.get(sess, "XOM")
    order = LimitOrder(time_in_force=OrderTimeInForce.DAY, legs=[eq.build_leg(500, OrderAction.BUY_TO_OPEN)],
                       price=Decimal("-110.10"))
    placed = (await acct.place_order(sess, order, dry_run=False)).order
    assert placed.status == OrderStatus.LIVE
    assert fills(placed) == [(200, Decimal("110.02"))] and placed.legs[0].remaining_quantity == 300
    step(frozen, REFILL_S / 2)  # the book has not refreshed yet
    assert (await acct.get_order(sess, placed.id)).legs[0].remaining_quantity == 300
    step(frozen, REFILL_S)
    step(frozen, REFILL_S)
    got = await acct.get_order(sess, placed.id)
    assert got.status == OrderStatus.FILLED
    assert [q for q, _ in fills(got)] == [200, 200, 100]
    assert {p.symbol: p.quantity for p in await acct.get_positions(sess)}["XOM"] == 500


async def test_multi_leg_fills_as_one_at_the_net_price(frozen, sess, acct):
    book = frozen.book
    spot = frozen.market.states["SPY"].mid
    exp, ks = next((e, ks) for e, ks in book.chain("SPY") if e.dte(book.today()) >= 20)
    k1 = min(ks, key=lambda k: abs(k - spot))
    k2 = min(k for k in ks if k >= k1 + 5)
    long_o, short_o = OptionId("SPY", exp.date, True, k1), OptionId("SPY", exp.date, True, k2)
    ql, qs = book.quote(long_o), book.quote(short_o)
    natural = round(ql.ask - qs.bid, 2)
    legs = [(await Option.get(sess, long_o.occ)).build_leg(2, OrderAction.BUY_TO_OPEN),
            (await Option.get(sess, short_o.occ)).build_leg(2, OrderAction.SELL_TO_OPEN)]
    order = LimitOrder(time_in_force=OrderTimeInForce.DAY, legs=legs, price=-Decimal(f"{natural + 0.10:.2f}"))
    dry = await acct.place_order(sess, order, dry_run=True)
    assert dry.buying_power_effect.is_spread
    # a debit spread costs its debit: marketable, it will fill at the natural, x 2 x 100 (+ fees)
    cost = natural * 200
    assert float(-dry.buying_power_effect.change_in_buying_power) == pytest.approx(cost, abs=10.0)
    placed = (await acct.place_order(sess, order, dry_run=False)).order
    assert placed.status == OrderStatus.FILLED
    by_leg = {leg.symbol: leg.fills for leg in placed.legs}
    net = by_leg[long_o.occ][0].fill_price - by_leg[short_o.occ][0].fill_price
    assert net == pytest.approx(Decimal(f"{natural:.2f}"), abs=Decimal("0.0001"))  # the natural, as one
    assert all(f.quantity == 2 for fs in by_leg.values() for f in fs)


async def test_stop_and_stop_limit_trigger(frozen, sess, acct):
    set_book(frozen, "AAPL", 200.00, 200.02, size=1000)
    eq = await Equity.get(sess, "AAPL")
    stop = StopOrder(time_in_force=OrderTimeInForce.GTC, legs=[eq.build_leg(10, OrderAction.SELL_TO_CLOSE)],
                     stop_trigger=Decimal("195"))
    stop_limit = StopLimitOrder(time_in_force=OrderTimeInForce.GTC,
                                legs=[eq.build_leg(10, OrderAction.SELL_TO_CLOSE)],
                                stop_trigger=Decimal("195"), price=Decimal("194.50"))
    s1 = (await acct.place_order(sess, stop, dry_run=False)).order
    s2 = (await acct.place_order(sess, stop_limit, dry_run=False)).order
    assert s1.status == s2.status == OrderStatus.LIVE
    set_book(frozen, "AAPL", 196.00, 196.02)
    step(frozen)
    assert (await acct.get_order(sess, s1.id)).status == OrderStatus.LIVE
    set_book(frozen, "AAPL", 194.80, 194.82)  # through the trigger, above the stop-limit's limit
    step(frozen)
    g1, g2 = await acct.get_order(sess, s1.id), await acct.get_order(sess, s2.id)
    assert g1.status == OrderStatus.FILLED and fills(g1) == [(10, Decimal("194.8"))]
    assert g2.status == OrderStatus.FILLED and fills(g2) == [(10, Decimal("194.8"))]  # marketable at trigger
    set_book(frozen, "AAPL", 190.00, 190.02)
    s3 = (await acct.place_order(sess, stop_limit, dry_run=False)).order
    step(frozen)  # triggered (bid <= 195) but the bid is under the 194.50 limit: rests as a limit
    assert (await acct.get_order(sess, s3.id)).status == OrderStatus.LIVE


async def test_replace_patch_and_cancel(frozen, sess, acct):
    set_book(frozen, "WMT", 90.00, 90.02, size=500)
    eq = await Equity.get(sess, "WMT")
    order = LimitOrder(time_in_force=OrderTimeInForce.GTC, legs=[eq.build_leg(5, OrderAction.BUY_TO_OPEN)],
                       price=Decimal("-80"))
    placed = (await acct.place_order(sess, order, dry_run=False)).order
    order.price = Decimal("-80.50")
    replaced = await acct.replace_order(sess, placed.id, order)
    assert replaced.id != placed.id and replaced.price == Decimal("-80.5") and replaced.status == OrderStatus.LIVE
    assert (await acct.get_order(sess, placed.id)).status == OrderStatus.CANCELLED
    # PATCH (not in the SDK): only the price changes; legs and time in force stay
    tok = next(iter(frozen.access_tokens))
    async with aiohttp.ClientSession() as http, http.patch(
            f"{frozen.url}/accounts/5WT00001/orders/{replaced.id}", json={"price": "81.00", "price-effect": "Debit"},
            headers={"Authorization": f"Bearer {tok}"}) as r:
        assert r.status == 200
        edited = PlacedOrder(**(await r.json())["data"])
    assert edited.id not in (placed.id, replaced.id)
    assert edited.price == Decimal("-81") and edited.time_in_force == OrderTimeInForce.GTC
    assert edited.legs[0].quantity == 5 and edited.legs[0].symbol == "WMT"
    await acct.delete_order(sess, edited.id)
    assert (await acct.get_order(sess, edited.id)).status == OrderStatus.CANCELLED
    with pytest.raises(TastytradeError, match="cannot_update_order"):
        await acct.delete_order(sess, edited.id)
    with pytest.raises(TastytradeError, match="cannot_update_order"):
        await acct.replace_order(sess, placed.id, order)


async def test_rejections_carry_the_api_codes(frozen, sess, acct):
    spy = await Equity.get(sess, "SPY")
    ask = frozen.market.states["SPY"].ask
    huge = LimitOrder(time_in_force=OrderTimeInForce.DAY, legs=[spy.build_leg(5000, OrderAction.BUY_TO_OPEN)],
                      price=-Decimal(f"{ask:.2f}"))
    dry = await acct.place_order(sess, huge, dry_run=True)  # a dry run reports, it does not raise
    assert [e.code for e in dry.errors or []] == ["margin_check_failed"]
    with pytest.raises(TastytradeError, match="margin_check_failed"):
        await acct.place_order(sess, huge, dry_run=False)
    sub_penny = LimitOrder(time_in_force=OrderTimeInForce.DAY, legs=[spy.build_leg(1, OrderAction.BUY_TO_OPEN)],
                           price=Decimal("-100.005"))
    with pytest.raises(TastytradeError, match="invalid_price_increment"):
        await acct.place_order(sess, sub_penny, dry_run=False)
    book = frozen.book  # KO is not a penny-increment name: over $3 its options trade in $0.05
    exp, ks = next((e, ks) for e, ks in book.chain("KO") if e.dte(book.today()) >= 20)
    itm = OptionId("KO", exp.date, True, min(ks))
    assert book.quote(itm).ask > 3
    opt = await Option.get(sess, itm.occ)
    for bad in ("-5.03", "-1.005"):
        nickel = LimitOrder(time_in_force=OrderTimeInForce.DAY, legs=[opt.build_leg(1, OrderAction.BUY_TO_OPEN)],
                            price=Decimal(bad))
        with pytest.raises(TastytradeError, match="invalid_price_increment"):
            await acct.place_order(sess, nickel, dry_run=False)
    ok = nickel.model_copy(update={"price": Decimal("-5.05")})
    assert not (await acct.place_order(sess, ok, dry_run=True)).errors
    credit_buy = LimitOrder(time_in_force=OrderTimeInForce.DAY, legs=[spy.build_leg(1, OrderAction.BUY_TO_OPEN)],
                            price=Decimal("1.00"))
    with pytest.raises(TastytradeError, match="cant_buy_for_credit"):
        await acct.place_order(sess, credit_buy, dry_run=False)
    ghost = Leg(instrument_type=InstrumentType.EQUITY, symbol="ZZZQ", action=OrderAction.BUY_TO_OPEN, quantity=1)
    with pytest.raises(TastytradeError, match="invalid_symbol"):
        await acct.place_order(sess, LimitOrder(time_in_force=OrderTimeInForce.DAY, legs=[ghost],
                                                price=Decimal("-1")), dry_run=False)
    assert not [o for o in frozen.account.orders.values()]  # nothing was placed


async def test_day_market_order_is_rejected_while_the_market_is_closed():
    async with ExchangeServer(seed=1, market_hours=True, clock=lambda: SAT_12) as ex:
        s = make_session("a", "b", base_url=ex.url)
        async with s:
            acct = await Account.get(s, "5WT00001")
            eq = await Equity.get(s, "AAPL")
            mkt = MarketOrder(time_in_force=OrderTimeInForce.DAY, legs=[eq.build_leg(1, OrderAction.BUY_TO_OPEN)])
            with pytest.raises(TastytradeError, match="market_closed"):
                await acct.place_order(s, mkt, dry_run=False)
            # a limit order is accepted and waits for the open
            lim = LimitOrder(time_in_force=OrderTimeInForce.DAY, legs=[eq.build_leg(1, OrderAction.BUY_TO_OPEN)],
                             price=-Decimal(f"{ex.market.states['AAPL'].ask + 1:.2f}"))
            placed = (await acct.place_order(s, lim, dry_run=False)).order
            assert placed.status == OrderStatus.LIVE and fills(placed) == []


async def test_day_orders_expire_at_the_close_gtc_orders_stay(frozen, sess, acct):
    eq = await Equity.get(sess, "KO")
    day = LimitOrder(time_in_force=OrderTimeInForce.DAY, legs=[eq.build_leg(1, OrderAction.BUY_TO_OPEN)],
                     price=Decimal("-1.00"))
    gtc = day.model_copy(update={"time_in_force": OrderTimeInForce.GTC})
    d = (await acct.place_order(sess, day, dry_run=False)).order
    g = (await acct.place_order(sess, gtc, dry_run=False)).order
    close = session_bounds(dt.date(2026, 6, 3))[1]
    frozen.market.t = close - 1
    step(frozen)
    assert (await acct.get_order(sess, d.id)).status == OrderStatus.LIVE
    frozen.market.t = close
    step(frozen)
    assert (await acct.get_order(sess, d.id)).status == OrderStatus.EXPIRED
    assert (await acct.get_order(sess, g.id)).status == OrderStatus.LIVE


async def test_otoco_as_the_sdk_suite_places_it(frozen, sess, acct):
    eq = await Equity.get(sess, "AAPL")
    otoco = OTOCOOrder(
        trigger_order=LimitOrder(time_in_force=OrderTimeInForce.GTC, legs=[eq.build_leg(1, OrderAction.BUY_TO_OPEN)],
                                 price=Decimal("-2")),
        take_profit=LimitOrder(time_in_force=OrderTimeInForce.GTC, legs=[eq.build_leg(1, OrderAction.SELL_TO_CLOSE)],
                               price=Decimal("400")),
        stop_loss=StopOrder(time_in_force=OrderTimeInForce.GTC, legs=[eq.build_leg(1, OrderAction.SELL_TO_CLOSE)],
                            stop_trigger=Decimal("1.5")))
    dry = await acct.place_complex_order(sess, otoco, dry_run=True)
    assert not dry.errors
    resp = await acct.place_complex_order(sess, otoco, dry_run=False)
    c = resp.complex_order
    assert c.trigger_order.status == OrderStatus.LIVE
    assert [o.status for o in c.orders] == [OrderStatus.CONTINGENT] * 2
    await acct.delete_complex_order(sess, c.id)
    got = await acct.get_complex_order(sess, c.id)
    assert got.trigger_order.status == OrderStatus.CANCELLED
    assert all(o.status == OrderStatus.CANCELLED for o in got.orders)
    assert [x.id for x in await acct.get_live_complex_orders(sess)] == [c.id]  # today's, cancelled too


async def test_oto_trigger_fill_activates_children_and_oco_fill_cancels_its_sibling(frozen, sess, acct):
    set_book(frozen, "NVDA", 150.00, 150.02, size=1000)
    eq = await Equity.get(sess, "NVDA")
    oto = OTOOrder(
        trigger_order=LimitOrder(time_in_force=OrderTimeInForce.DAY, legs=[eq.build_leg(10, OrderAction.BUY_TO_OPEN)],
                                 price=Decimal("-150.10")),  # marketable: fills at once
        orders=[LimitOrder(time_in_force=OrderTimeInForce.GTC, legs=[eq.build_leg(10, OrderAction.SELL_TO_CLOSE)],
                           price=Decimal("170"))])
    c = (await acct.place_complex_order(sess, oto, dry_run=False)).complex_order
    assert c.trigger_order.status == OrderStatus.FILLED
    assert c.orders[0].status == OrderStatus.LIVE  # the contingent child went live on the fill
    oco = OCOOrder(
        take_profit=LimitOrder(time_in_force=OrderTimeInForce.GTC, legs=[eq.build_leg(20, OrderAction.SELL_TO_CLOSE)],
                               price=Decimal("160")),
        stop_loss=StopOrder(time_in_force=OrderTimeInForce.GTC, legs=[eq.build_leg(20, OrderAction.SELL_TO_CLOSE)],
                            stop_trigger=Decimal("140")))
    c2 = (await acct.place_complex_order(sess, oco, dry_run=False)).complex_order
    assert [o.status for o in c2.orders] == [OrderStatus.LIVE, OrderStatus.LIVE]
    set_book(frozen, "NVDA", 160.50, 160.52)
    step(frozen)
    got = await acct.get_complex_order(sess, c2.id)
    take, stop_loss = got.orders
    assert take.status == OrderStatus.FILLED and stop_loss.status == OrderStatus.CANCELLED


async def test_notional_equity_order_buys_a_fraction(frozen, sess, acct):
    set_book(frozen, "AAPL", 200.00, 200.02, size=1000)
    eq = await Equity.get(sess, "AAPL")
    order = NotionalOrder(time_in_force=OrderTimeInForce.DAY, legs=[eq.build_leg(None, OrderAction.BUY_TO_OPEN)],
                          value=Decimal(-50))
    dry = await acct.place_order(sess, order, dry_run=True)
    assert dry.order.value == Decimal(-50) and not dry.errors
    placed = (await acct.place_order(sess, order, dry_run=False)).order
    assert placed.status == OrderStatus.FILLED
    ((qty, px),) = fills(placed)
    assert px == Decimal("200.02") and qty == Decimal("0.24997")  # $50 / 200.02, 5 decimals, rounded down
    pos = {p.symbol: p.quantity for p in await acct.get_positions(sess)}
    assert pos["AAPL"] == Decimal("100.24997")
    tiny = NotionalOrder(time_in_force=OrderTimeInForce.DAY, legs=[eq.build_leg(None, OrderAction.BUY_TO_OPEN)],
                         value=Decimal(-2))
    with pytest.raises(TastytradeError, match="notional_too_small"):
        await acct.place_order(sess, tiny, dry_run=False)


async def test_transactions_page_and_total_fees(frozen, sess, acct):
    set_book(frozen, "KO", 70.00, 70.02, size=1000)
    eq = await Equity.get(sess, "KO")
    for _ in range(3):
        await acct.place_order(sess, MarketOrder(time_in_force=OrderTimeInForce.DAY,
                                                 legs=[eq.build_leg(100, OrderAction.BUY_TO_OPEN)]), dry_run=False)
    every: list[Transaction] = await acct.get_history(sess, per_page=4, page_offset=None)
    page0 = await acct.get_history(sess, per_page=4, page_offset=0)
    assert len(page0) == 4 and [t.id for t in page0] == [t.id for t in every[:4]]
    assert len(every) == len(frozen.account.ledger.items) and len(every) > 4
    assert every[-1].transaction_sub_type == "Deposit"
    ko = await acct.get_history(sess, symbol="KO", type="Trade", start_date=dt.date(2026, 6, 3))
    assert len(ko) == 3 and all(t.quantity == 100 for t in ko)
    fees = await acct.get_total_fees(sess, dt.date(2026, 6, 3))
    assert fees.total_fees == pytest.approx(sum(
        (t.clearing_fees or 0) + (t.regulatory_fees or 0) + (t.commission or 0) for t in ko), abs=Decimal("0.02"))
    assert fees.total_fees < 0


async def test_fills_stream_on_the_account_streamer(frozen, sess, acct):
    from tastytrade.account import AccountBalance, CurrentPosition

    set_book(frozen, "DIS", 100.00, 100.02, size=100)
    eq = await Equity.get(sess, "DIS")
    async with make_alert_streamer(sess, frozen.url) as alerts:
        await alerts.subscribe_accounts([acct])
        order = LimitOrder(time_in_force=OrderTimeInForce.DAY, legs=[eq.build_leg(150, OrderAction.BUY_TO_OPEN)],
                           price=Decimal("-100.05"))
        await acct.place_order(sess, order, dry_run=False)  # 100 now, 50 after the book refreshes
        first = await asyncio.wait_for(anext(alerts.listen(PlacedOrder)), 5)
        assert first.status == OrderStatus.LIVE and first.legs[0].remaining_quantity == 50
        pos = await asyncio.wait_for(anext(alerts.listen(CurrentPosition)), 5)
        assert pos.symbol == "DIS" and pos.quantity == 100
        await asyncio.wait_for(anext(alerts.listen(AccountBalance)), 5)
        frozen.market.t += REFILL_S  # the running exchange's own step fills the rest and pushes it
        last = await asyncio.wait_for(anext(alerts.listen(PlacedOrder)), 5)
        assert last.status == OrderStatus.FILLED
        pos = await asyncio.wait_for(anext(alerts.listen(CurrentPosition)), 5)
        assert pos.quantity == 150


async def test_a_long_option_below_the_mark_uses_its_cost_and_fees(frozen, sess, acct):
    """Buying power never counts a long option's marked value, so a call bought under its mark
    uses what it costs at the limit plus fees (it used to use the mark's value: more than the
    money that leaves the account). The real API prices a resting limit at its limit."""
    book = frozen.book
    spot = frozen.market.states["SPY"].mid
    exp, ks = next((e, ks) for e, ks in book.chain("SPY") if e.dte(book.today()) >= 20)
    oid = OptionId("SPY", exp.date, True, min(ks, key=lambda k: abs(k - spot)))
    q = book.quote(oid)
    limit = round(q.bid - 0.20, 2)  # resting: 0.20 under the bid, further under the mark
    opt = await Option.get(sess, oid.occ)
    order = LimitOrder(time_in_force=OrderTimeInForce.DAY, legs=[opt.build_leg(2, OrderAction.BUY_TO_OPEN)],
                       price=-Decimal(f"{limit:.2f}"))
    dry = await acct.place_order(sess, order, dry_run=True)
    assert not dry.errors
    fees = -dry.fee_calculation.total_fees
    assert fees > 0
    cost = Decimal(f"{limit:.2f}") * 200 + fees
    assert dry.buying_power_effect.change_in_buying_power == pytest.approx(-cost, abs=Decimal("0.01"))
