"""Bugs found by a line-by-line review of the exchange's order book, each checked where a client
sees it: through the unmodified SDK on loopback, against an exchange on a frozen clock
(Wednesday 11:00 New York) whose book moves only when a test moves it."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from decimal import Decimal

import aiohttp
import pytest
from tastytrade.instruments import Cryptocurrency, Equity, Future, Option
from tastytrade.order import (
    LimitOrder,
    MarketOrder,
    NotionalOrder,
    OCOOrder,
    OrderAction,
    OrderStatus,
    OrderTimeInForce,
    OTOCOOrder,
    OTOOrder,
    PlacedOrderResponse,
    StopOrder,
    UnplacedOrder,
)
from tastytrade.utils import TastytradeError
from tastytrade.watchlists import PrivateWatchlist

from tests.exchange.frozen_book import set_book
from ttai_tui.exchange.alerts import AlertConnection
from ttai_tui.exchange.clock import session_bounds
from ttai_tui.exchange.dxlink import DxLinkConnection
from ttai_tui.exchange.options import OptionId


def _buy(eq: Equity, price: str, tif: OrderTimeInForce = OrderTimeInForce.DAY) -> LimitOrder:
    return LimitOrder(time_in_force=tif, legs=[eq.build_leg(1, OrderAction.BUY_TO_OPEN)], price=Decimal(price))


async def test_cancelling_or_expiring_a_trigger_cancels_its_contingent_orders(frozen, sess, acct):
    """The contingent orders of an OTO/OTOCO go live only when the trigger fills. A trigger
    cancelled on its own (DELETE /orders/{id}) or expired at the close can never fill: its
    children used to stay Contingent, listed as working for ever, and the complex order never
    ended."""
    set_book(frozen, "AAPL", 200.00, 200.02, size=1000)
    eq = await Equity.get(sess, "AAPL")
    oto = OTOOrder(trigger_order=_buy(eq, "-150"),  # rests: far below the market
                   orders=[LimitOrder(time_in_force=OrderTimeInForce.GTC,
                                      legs=[eq.build_leg(1, OrderAction.SELL_TO_CLOSE)], price=Decimal("250"))])
    c = (await acct.place_complex_order(sess, oto, dry_run=False)).complex_order
    assert [o.status for o in c.orders] == [OrderStatus.CONTINGENT]
    await acct.delete_order(sess, c.trigger_order.id)
    got = await acct.get_complex_order(sess, c.id)
    assert got.trigger_order.status == OrderStatus.CANCELLED
    assert [o.status for o in got.orders] == [OrderStatus.CANCELLED]
    assert got.terminal_at is not None
    otoco = OTOCOOrder(
        trigger_order=_buy(eq, "-150"),  # a Day trigger: expires at the close
        take_profit=LimitOrder(time_in_force=OrderTimeInForce.GTC,
                               legs=[eq.build_leg(1, OrderAction.SELL_TO_CLOSE)], price=Decimal("250")),
        stop_loss=StopOrder(time_in_force=OrderTimeInForce.GTC,
                            legs=[eq.build_leg(1, OrderAction.SELL_TO_CLOSE)], stop_trigger=Decimal("140")))
    c2 = (await acct.place_complex_order(sess, otoco, dry_run=False)).complex_order
    frozen.market.t = session_bounds(dt.date(2026, 6, 3))[1]
    frozen.account.check_fills()
    got2 = await acct.get_complex_order(sess, c2.id)
    assert got2.trigger_order.status == OrderStatus.EXPIRED
    assert [o.status for o in got2.orders] == [OrderStatus.CANCELLED, OrderStatus.CANCELLED]
    assert not [o for o in await acct.get_live_orders(sess) if o.status in (OrderStatus.LIVE, OrderStatus.CONTINGENT)]
    # cancelling the whole complex order still reports every member it cancelled
    c3 = (await acct.place_complex_order(sess, oto, dry_run=False)).complex_order
    await acct.delete_complex_order(sess, c3.id)
    got3 = await acct.get_complex_order(sess, c3.id)
    assert got3.trigger_order.status == OrderStatus.CANCELLED
    assert [o.status for o in got3.orders] == [OrderStatus.CANCELLED]


async def test_a_notional_sell_to_close_never_sells_more_than_is_held(frozen, sess, acct):
    """The demo account holds 0.25 BTC. "Sell to Close $50,000 of BTC" used to fill 0.53 BTC and
    leave the account short 0.28 BTC (crypto cannot be short); it is refused, and a sale the
    position covers fills and leaves the rest long."""
    btc = await Cryptocurrency.get(sess, "BTC/USD")

    def sell(value: str) -> NotionalOrder:
        return NotionalOrder(time_in_force=OrderTimeInForce.DAY, value=Decimal(value),
                             legs=[btc.build_leg(None, OrderAction.SELL_TO_CLOSE)])

    async def held() -> Decimal:
        return {p.symbol: p.quantity if p.quantity_direction == "Long" else -p.quantity
                for p in await acct.get_positions(sess)}["BTC/USD"]

    assert await held() == Decimal("0.25")
    with pytest.raises(TastytradeError, match="no_matching_position"):
        await acct.place_order(sess, sell("50000"), dry_run=False)
    assert await held() == Decimal("0.25")
    placed = (await acct.place_order(sess, sell("10000"), dry_run=False)).order
    assert placed.status == OrderStatus.FILLED
    sold = sum(f.quantity for leg in placed.legs for f in leg.fills or [])
    assert Decimal("0") < sold < Decimal("0.25")
    assert await held() == Decimal("0.25") - sold


async def test_prices_come_back_as_sent_and_filled_to_the_tick(frozen, sess, acct):
    """/ZN trades in 1/64 of a point and /NQ near 21,000: the order's price, its stop trigger and
    its fills used to come back cut to 4 decimals (110.421875 -> 110.4219) or 6 significant
    digits (a 21000.25 stop -> 21000.2)."""
    zn = frozen.instruments.front("ZN")
    st = frozen.instruments.prices.state(zn)
    st.bid, st.ask = 110.421875, 110.4375
    fut = await Future.get(sess, zn.symbol)
    sell = LimitOrder(time_in_force=OrderTimeInForce.DAY, legs=[fut.build_leg(1, OrderAction.SELL)],
                      price=Decimal("110.421875"))
    placed = (await acct.place_order(sess, sell, dry_run=False)).order
    assert placed.price == Decimal("110.421875")
    assert placed.status == OrderStatus.FILLED
    assert [f.fill_price for leg in placed.legs for f in leg.fills or []] == [Decimal("110.421875")]
    (tx,) = [t for t in await acct.get_history(sess, page_offset=0) if t.order_id == placed.id]
    assert tx.price == Decimal("110.421875")
    pos = {p.symbol: p for p in await acct.get_positions(sess)}[zn.symbol]
    assert pos.average_open_price == Decimal("110.421875")
    nq = await Future.get(sess, frozen.instruments.front("NQ").symbol)
    stop = StopOrder(time_in_force=OrderTimeInForce.GTC, legs=[nq.build_leg(1, OrderAction.SELL)],
                     stop_trigger=Decimal("21000.25"))
    resting = (await acct.place_order(sess, stop, dry_run=False)).order
    assert resting.status == OrderStatus.LIVE and resting.stop_trigger == Decimal("21000.25")
    assert (await acct.get_order(sess, resting.id)).stop_trigger == Decimal("21000.25")


async def test_an_even_money_order_is_accepted(frozen, sess, acct):
    """A roll for even money is a Limit at price 0, which the SDK sends without a price-effect
    (it signs only non-zero prices). The exchange refused it: invalid_price_effect."""
    book = frozen.book
    spot = frozen.market.states["SPY"].mid
    (near, ks), (far, _) = [(e, ks) for e, ks in book.chain("SPY") if e.kind == "Regular"][:2]
    k = min(ks, key=lambda x: abs(x - spot))
    legs = [(await Option.get(sess, OptionId("SPY", near.date, True, k).occ)).build_leg(1, OrderAction.SELL_TO_OPEN),
            (await Option.get(sess, OptionId("SPY", far.date, True, k).occ)).build_leg(1, OrderAction.BUY_TO_OPEN)]
    even = LimitOrder(time_in_force=OrderTimeInForce.DAY, legs=legs, price=Decimal("0"))
    assert "price-effect" not in even.model_dump_json(exclude_none=True, by_alias=True)
    dry = await acct.place_order(sess, even, dry_run=True)
    assert not dry.errors and dry.order.price == 0
    placed = (await acct.place_order(sess, even, dry_run=False)).order
    assert placed.status == OrderStatus.LIVE and placed.price == 0  # a calendar is a debit: it rests


async def test_margin_report_and_balances_agree_on_the_maintenance_excess(frozen, sess, acct):
    """Maintenance excess is net liq minus the maintenance requirement. The margin report
    subtracted the initial requirement, so it disagreed with the balances by about $10,000."""
    report = await acct.get_margin_requirements(sess)
    balances = await acct.get_balances(sess)
    assert report.maintenance_requirement != report.margin_requirement  # long stock: 25 % vs 50 %
    assert report.maintenance_excess == balances.maintenance_excess
    assert report.maintenance_excess == report.margin_equity + report.maintenance_requirement  # signed: debit < 0


async def test_an_order_filled_at_once_counts_one_fill(frozen, sess, acct):
    """``orders-filled`` in /_exchange/stats counted an order filled on arrival twice."""
    set_book(frozen, "KO", 70.00, 70.02, size=1000)
    eq = await Equity.get(sess, "KO")
    placed = (await acct.place_order(sess, _buy(eq, "-70.05"), dry_run=False)).order
    assert placed.status == OrderStatus.FILLED
    async with aiohttp.ClientSession() as http, http.get(f"{frozen.url}/_exchange/stats") as r:
        stats = await r.json()
    assert stats["orders-placed"] == 1 and stats["orders-filled"] == 1


@pytest.mark.parametrize(("code", "commission"), [("ES", "1.25"), ("YM", "1.25"), ("MES", "0.85"),
                                                  ("MCL", "0.85"), ("MGC", "0.85")])
async def test_futures_commission_is_by_contract_size_not_multiplier(frozen, sess, acct, code, commission):
    """$1.25 a contract, $0.85 for micros. The exchange took "multiplier <= 5" for micro, so
    /YM (the $5 E-mini Dow) was charged as a micro and Micro Crude (x100) and Micro Gold (x10)
    as full-size contracts."""
    fut = await Future.get(sess, frozen.instruments.front(code).symbol)
    dry = await acct.place_order(sess, MarketOrder(legs=[fut.build_leg(1, OrderAction.BUY)]), dry_run=True)
    assert dry.fee_calculation is not None and dry.fee_calculation.commission == -Decimal(commission)


async def test_order_history_honours_sort_and_dates(frozen, sess, acct):
    """``get_order_history(sort="Asc", start_date=...)`` came back newest first and unfiltered."""
    eq = await Equity.get(sess, "KO")
    ids = [(await acct.place_order(sess, _buy(eq, "-1.00"), dry_run=False)).order.id for _ in range(3)]
    assert [o.id for o in await acct.get_order_history(sess, sort="Asc")] == ids
    assert [o.id for o in await acct.get_order_history(sess, sort="Desc")] == ids[::-1]
    assert [o.id for o in await acct.get_order_history(sess, start_date=dt.date(2026, 6, 3),
                                                       end_date=dt.date(2026, 6, 3))] == ids[::-1]
    assert await acct.get_order_history(sess, start_date=dt.date(2026, 6, 4)) == []
    assert await acct.get_order_history(sess, end_date=dt.date(2026, 6, 2)) == []


class _Wire:
    """The server side of a DXLink WebSocket, recording what the exchange sends."""

    closed = False

    def __init__(self) -> None:
        self.frames: list[dict[str, object]] = []

    async def send_str(self, text: str) -> None:
        self.frames.append(json.loads(text))


async def test_a_candle_resubscribed_with_an_earlier_from_time_gets_that_history(exchange):
    """The SDK changes a candle's fromTime (a chart loading more history) with an unsubscribe and
    a subscribe. When both arrived before the first snapshot went out, the first snapshot job
    found the new subscription, sent the history from the *old* fromTime and marked it done, so
    the new fromTime's job was skipped: the older bars never came."""
    wire = _Wire()
    conn = DxLinkConnection(exchange, wire)  # a stand-in for the two members it uses
    conn.authorized = True
    now = dt.datetime.now(dt.UTC)
    recent, older = (int((now - dt.timedelta(days=d)).timestamp() * 1000) for d in (5, 60))
    candle = {"type": "Candle", "symbol": "SPY{=1d}"}
    for m in ({"type": "CHANNEL_REQUEST", "channel": 1, "service": "FEED"},
              {"type": "FEED_SETUP", "channel": 1, "acceptDataFormat": "FULL"},
              {"type": "FEED_SUBSCRIPTION", "channel": 1, "add": [{**candle, "fromTime": recent}]},
              {"type": "FEED_SUBSCRIPTION", "channel": 1, "remove": [candle]},
              {"type": "FEED_SUBSCRIPTION", "channel": 1, "add": [{**candle, "fromTime": older}]}):
        await conn._handle(m)  # as the reader does when the frames arrive together
    worker = asyncio.create_task(conn._snapshot_worker())
    try:
        async with asyncio.timeout(10):
            while conn.channels[1].subs[("Candle", "SPY{=1d}")].pending:
                await asyncio.sleep(0.01)
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
    bars = [e for f in wire.frames if f["type"] == "FEED_DATA" for e in f["data"]]
    times = sorted(int(e["time"]) for e in bars)
    assert times and times[0] < recent - 20 * 86_400_000  # the history from the earlier fromTime
    assert len(times) == len(set(times))  # sent once


async def test_a_watchlist_keeps_order_index_zero(sess):
    """``order-index`` 0 (the first place) was stored as 9999, the value for "none given"."""
    wl = PrivateWatchlist(name="First", watchlist_entries=[{"symbol": "SPY", "instrument-type": "Equity"}],
                          order_index=0)
    await wl.upload(sess)
    assert (await PrivateWatchlist.get(sess, "First")).order_index == 0
    wl.order_index = 3
    await wl.update(sess)
    assert (await PrivateWatchlist.get(sess, "First")).order_index == 3
    unset = PrivateWatchlist(name="Unset", watchlist_entries=[])
    await unset.upload(sess)
    assert (await PrivateWatchlist.get(sess, "Unset")).order_index == 9999


async def test_a_fills_fees_are_charged_as_its_transaction_shows_them(frozen, sess, acct):
    """Selling 6 KO costs $0.0048 clearing and $0.000996 regulatory: each shows as $0.00 in the
    transaction, but the unrounded $0.0058 was charged, so net value (419.99) was not value
    (420.00) less the fees shown, and the cash balance drifted from the transaction history."""
    set_book(frozen, "KO", 70.00, 70.02, size=1000)
    eq = await Equity.get(sess, "KO")
    cash_before = (await acct.get_balances(sess)).cash_balance
    sell = LimitOrder(time_in_force=OrderTimeInForce.DAY, legs=[eq.build_leg(6, OrderAction.SELL_TO_CLOSE)],
                      price=Decimal("70.00"))
    placed = (await acct.place_order(sess, sell, dry_run=False)).order
    assert placed.status == OrderStatus.FILLED
    (tx,) = [t for t in await acct.get_history(sess, page_offset=0) if t.order_id == placed.id]
    shown = (tx.clearing_fees or 0) + (tx.regulatory_fees or 0) + (tx.commission or 0)
    assert tx.value == Decimal("420.00")
    assert tx.net_value == tx.value + shown
    assert (await acct.get_balances(sess)).cash_balance == cash_before + tx.net_value


async def test_an_oco_counts_two_orders_placed(frozen, sess, acct):
    """``orders-placed`` counted a trigger for every complex order: an OCO (two orders, no
    trigger) counted three."""
    eq = await Equity.get(sess, "AAPL")
    oco = OCOOrder(
        take_profit=LimitOrder(time_in_force=OrderTimeInForce.GTC, legs=[eq.build_leg(10, OrderAction.SELL_TO_CLOSE)],
                               price=Decimal("900")),
        stop_loss=StopOrder(time_in_force=OrderTimeInForce.GTC, legs=[eq.build_leg(10, OrderAction.SELL_TO_CLOSE)],
                            stop_trigger=Decimal("10")))
    c = (await acct.place_complex_order(sess, oco, dry_run=False)).complex_order
    assert len(c.orders) == 2 and c.trigger_order is None
    async with aiohttp.ClientSession() as http, http.get(f"{frozen.url}/_exchange/stats") as r:
        assert (await r.json())["orders-placed"] == 2


async def test_a_replacements_dry_run_is_the_replacement(frozen, sess, acct):
    """``POST /orders/{id}/dry-run`` built its own copy of the order: without the GTD date (a
    GTD order's dry run was refused, invalid_gtc_date), for the full quantity instead of what is
    left to fill, and without the client's external identifier."""
    set_book(frozen, "KO", 70.00, 70.02, size=200)
    eq = await Equity.get(sess, "KO")
    order = LimitOrder(time_in_force=OrderTimeInForce.GTD, gtc_date=dt.date(2026, 6, 10),
                       legs=[eq.build_leg(500, OrderAction.BUY_TO_OPEN)], price=Decimal("-70.05"),
                       external_identifier="my-ko-1")
    placed = (await acct.place_order(sess, order, dry_run=False)).order
    assert placed.status == OrderStatus.LIVE and placed.legs[0].remaining_quantity == 300  # 200 filled
    tok = next(iter(frozen.access_tokens))
    async with aiohttp.ClientSession() as http, http.post(
            f"{frozen.url}/accounts/5WT00001/orders/{placed.id}/dry-run",
            json={"price": "69.00", "price-effect": "Debit"}, headers={"Authorization": f"Bearer {tok}"}) as r:
        assert r.status == 200, await r.text()
        dry = PlacedOrderResponse[UnplacedOrder](**(await r.json())["data"])
    assert dry.order.gtc_date == dt.date(2026, 6, 10) and dry.order.price == Decimal("-69")
    assert dry.order.legs[0].quantity == 300
    assert dry.order.external_identifier == "my-ko-1"
    assert (await acct.get_order(sess, placed.id)).status == OrderStatus.LIVE  # a dry run changes nothing


class _SlowClient:
    """An account-streamer socket whose first send waits (a client that reads slowly)."""

    closed = False

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.gate = asyncio.Event()

    async def send_str(self, text: str) -> None:
        self.sent.append(json.loads(text)["data"]["n"])
        if len(self.sent) == 1:
            await self.gate.wait()


async def test_account_pushes_arrive_in_the_order_they_were_made(exchange):
    """Each change is pushed from its own task. When a send waited on a slow client, the next
    change's messages went out in the middle of the previous one's: an older position or balance
    arrived after a newer one and the client kept the stale state."""
    ws = _SlowClient()
    conn = AlertConnection(exchange, ws)  # a stand-in for the two members it uses
    conn.accounts.add("5WT00001")
    older = asyncio.create_task(conn.push_many([("Order", {"n": "fill 1"}), ("CurrentPosition", {"n": "pos 1"})]))
    newer = asyncio.create_task(conn.push_many([("Order", {"n": "fill 2"}), ("CurrentPosition", {"n": "pos 2"})]))
    for _ in range(5):
        await asyncio.sleep(0)  # both run as far as they can; the first send is still waiting
    ws.gate.set()
    await asyncio.gather(older, newer)
    assert ws.sent == ["fill 1", "pos 1", "fill 2", "pos 2"]


async def test_crypto_quantities_keep_to_the_pairs_precision(frozen, sess, acct):
    """The instruments route says SOL/USD trades to 6 decimals and DOGE/USD to 2, but orders took
    8 decimals of anything: a 7-decimal SOL order was accepted and $50 of DOGE filled 131.57894736."""
    sol = await Cryptocurrency.get(sess, "SOL/USD")
    doge = await Cryptocurrency.get(sess, "DOGE/USD")
    assert [v.max_quantity_precision for c in (sol, doge) for v in c.destination_venue_symbols] == [6, 2]
    ask = frozen.market.states["SOL/USD:CXTALP"].ask
    fine = LimitOrder(time_in_force=OrderTimeInForce.GTC, legs=[sol.build_leg(Decimal("0.123456"), OrderAction.BUY_TO_OPEN)],
                      price=-Decimal(f"{ask:.2f}"))
    assert not (await acct.place_order(sess, fine, dry_run=True)).errors
    too_fine = fine.model_copy(update={"legs": [sol.build_leg(Decimal("0.1234567"), OrderAction.BUY_TO_OPEN)]})
    with pytest.raises(TastytradeError, match="invalid_quantity"):
        await acct.place_order(sess, too_fine, dry_run=True)
    buy = NotionalOrder(time_in_force=OrderTimeInForce.DAY, value=Decimal("-50"),
                        legs=[doge.build_leg(None, OrderAction.BUY_TO_OPEN)])
    placed = (await acct.place_order(sess, buy, dry_run=False)).order
    ((qty, _px),) = [(f.quantity, f.fill_price) for leg in placed.legs for f in leg.fills or []]
    assert qty > 0 and qty == qty.quantize(Decimal("0.01"))


async def test_a_replace_is_checked_for_buying_power_like_a_new_order(frozen, sess, acct):
    """A replacement is a new order, but it skipped the buying-power check: an order placed while
    the money was there could, after the money went elsewhere, be repriced to fill at once and
    leave the account far beyond its buying power."""
    set_book(frozen, "MSFT", 400.00, 400.02, size=100_000)
    eq = await Equity.get(sess, "MSFT")
    bp = (await acct.get_balances(sess)).derivative_buying_power
    n = int(bp / Decimal("400") * Decimal("1.6"))  # 80 % of buying power at Reg-T 50 %
    resting = LimitOrder(time_in_force=OrderTimeInForce.GTC, legs=[eq.build_leg(n, OrderAction.BUY_TO_OPEN)],
                         price=Decimal("-300.00"))
    placed = (await acct.place_order(sess, resting, dry_run=False)).order
    assert placed.status == OrderStatus.LIVE
    spend = LimitOrder(time_in_force=OrderTimeInForce.DAY, legs=[eq.build_leg(n, OrderAction.BUY_TO_OPEN)],
                       price=Decimal("-400.05"))
    assert (await acct.place_order(sess, spend, dry_run=False)).order.status == OrderStatus.FILLED
    marketable = resting.model_copy(update={"price": Decimal("-400.05")})
    with pytest.raises(TastytradeError, match="margin_check_failed"):
        await acct.replace_order(sess, placed.id, marketable)
    assert (await acct.get_order(sess, placed.id)).status == OrderStatus.LIVE  # untouched
    assert (await acct.get_balances(sess)).derivative_buying_power > 0
