"""The unmodified SDK's DXLinkStreamer against the exchange: every event type for an equity, an
index and an option arrives parseable; candles honour fromTime; channels can be cancelled and
reopened; the account streamer acks and pushes."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal

import pytest
from tastytrade import Account, DXLinkStreamer
from tastytrade.account import AccountBalance, CurrentPosition
from tastytrade.dxfeed import (
    Candle,
    Greeks,
    Profile,
    Quote,
    Summary,
    TheoPrice,
    TimeAndSale,
    Trade,
    Underlying,
)
from tastytrade.instruments import Equity
from tastytrade.order import LimitOrder, OrderAction, OrderTimeInForce, PlacedOrder

from ttai_tui.broker.endpoint import make_alert_streamer

EQUITY, INDEX = "SPY", "SPX"


def _option(exchange) -> str:
    """A near-the-money SPY call about a month out."""
    from ttai_tui.exchange.options import OptionId

    today = exchange.book.today()
    exp, strikes = min(exchange.book.chain("SPY"), key=lambda ek: abs(ek[0].dte(today) - 30))
    spot = exchange.market.states["SPY"].mid
    k = min(strikes, key=lambda x: abs(x - spot))
    return OptionId("SPY", exp.date, True, k).streamer


async def _first(streamer, cls, want: set[str], timeout: float = 6.0) -> dict[str, object]:
    got: dict[str, object] = {}

    async def run():
        async for ev in streamer.listen(cls):
            if ev.event_symbol in want:
                got.setdefault(ev.event_symbol, ev)
            if set(got) == want:
                return

    await asyncio.wait_for(run(), timeout)
    return got


async def test_every_event_type_for_equity_index_and_option(sdk_session, exchange):
    opt = _option(exchange)
    plan = {
        Quote: {EQUITY, INDEX, opt},
        Trade: {EQUITY, INDEX, opt},
        Summary: {EQUITY, INDEX, opt},
        Profile: {EQUITY, INDEX, opt},
        Greeks: {opt},
        TheoPrice: {opt},
        Underlying: {EQUITY, INDEX},
        TimeAndSale: {EQUITY, opt},
    }
    async with DXLinkStreamer(sdk_session) as streamer:
        for cls, syms in plan.items():
            await streamer.subscribe(cls, sorted(syms))
        got = {cls: await _first(streamer, cls, syms) for cls, syms in plan.items()}
    q = got[Quote]
    for sym in (EQUITY, INDEX, opt):
        assert 0 < q[sym].bid_price < q[sym].ask_price
    g, th, oq = got[Greeks][opt], got[TheoPrice][opt], q[opt]
    assert Decimal("0.3") < g.delta < Decimal("0.7") and g.gamma > 0 and g.theta < 0 and g.vega > 0
    # events built from the same underlying quote carry its time and agree exactly; otherwise
    # only the spot moved between them (exact mid/theo/parity checks: test_market.py)
    if g.time == th.time:
        assert g.price == th.price and g.delta == th.delta and g.gamma == th.gamma
    assert abs(g.price - th.price) <= abs(g.delta) * 5
    assert abs(th.underlying_price - (q[EQUITY].bid_price + q[EQUITY].ask_price) / 2) < 1
    assert got[Summary][opt].open_interest > 0
    assert abs((oq.bid_price + oq.ask_price) / 2 - g.price) <= abs(g.delta) * 5
    assert got[Summary][EQUITY].prev_day_close_price > 0
    assert got[Profile][EQUITY].description.startswith("SPDR")
    assert got[Underlying][EQUITY].volatility > 0
    assert got[Trade][EQUITY].day_volume > 0
    assert got[Trade][INDEX].day_volume is None  # an index trades no volume: missing, not 0


async def test_candle_history_honours_from_time_then_updates_live(sdk_session, exchange):
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    from_ms = int(start.timestamp() * 1000)
    async with DXLinkStreamer(sdk_session) as streamer:
        await streamer.subscribe_candle(["SPY"], "5m", start)
        bars: list[Candle] = []

        async def collect():
            async for c in streamer.listen(Candle):
                bars.append(c)
                if c.event_flags & 0x08:  # SNAPSHOT_END: history done
                    return

        await asyncio.wait_for(collect(), 6)
        assert bars[0].event_symbol == "SPY{=5m,tho=true}"
        assert len(bars) > 50
        assert all(b.time >= from_ms for b in bars)
        times = [b.time for b in bars]
        assert times == sorted(times, reverse=True)  # dxFeed order: newest first
        assert all(b.low <= min(b.open, b.close) and b.high >= max(b.open, b.close) for b in bars)
        last_close = bars[0].close
        spot = exchange.market.states["SPY"].last
        assert abs(float(last_close) - spot) / spot < 0.01
        # later: live updates of the forming bar (flags 0, same or newer bucket)
        live = await asyncio.wait_for(streamer.get_event(Candle), 8)
        assert live.event_flags == 0 and live.time >= bars[0].time


async def test_daily_candles_cover_a_year(sdk_session):
    async with DXLinkStreamer(sdk_session) as streamer:
        await streamer.subscribe_candle(["AAPL"], "1d")
        n = 0
        while True:
            c = await asyncio.wait_for(streamer.get_event(Candle), 6)
            n += 1
            if c.event_flags & 0x08:
                break
    assert n >= 252


async def test_unsubscribe_all_then_resubscribe_reopens_channel(sdk_session):
    async with DXLinkStreamer(sdk_session) as streamer:
        await streamer.subscribe(Quote, ["AAPL"])
        await asyncio.wait_for(streamer.get_event(Quote), 5)
        await streamer.unsubscribe_all(Quote)  # CHANNEL_CANCEL -> CHANNEL_CLOSED
        await asyncio.sleep(0.2)
        await streamer.subscribe(Quote, ["MSFT"])  # CHANNEL_REQUEST on the same number
        ev = await asyncio.wait_for(_first(streamer, Quote, {"MSFT"}), 6)
        assert "MSFT" in ev


async def test_unsubscribe_stops_that_symbol(sdk_session):
    async with DXLinkStreamer(sdk_session) as streamer:
        await streamer.subscribe(Quote, ["SPY", "QQQ"])
        await _first(streamer, Quote, {"SPY", "QQQ"})
        await streamer.unsubscribe(Quote, ["QQQ"])
        await asyncio.sleep(0.3)
        while streamer.get_event_nowait(Quote) is not None:
            pass
        seen = set()
        deadline = asyncio.get_running_loop().time() + 2.0
        while asyncio.get_running_loop().time() < deadline:
            ev = streamer.get_event_nowait(Quote)
            if ev is None:
                await asyncio.sleep(0.05)
            else:
                seen.add(ev.event_symbol)
    assert "QQQ" not in seen and "SPY" in seen


async def test_account_streamer_acks_and_pushes_fill(sdk_session, exchange):
    acct = await Account.get(sdk_session, "5WT00001")
    equity = await Equity.get(sdk_session, "AAPL")
    ask = exchange.market.states["AAPL"].ask
    async with make_alert_streamer(sdk_session, exchange.url) as alerts:
        await alerts.subscribe_accounts([acct])  # raises unless the request-id is acked
        order = LimitOrder(
            time_in_force=OrderTimeInForce.DAY,
            legs=[equity.build_leg(Decimal(3), OrderAction.BUY_TO_OPEN)],
            price=Decimal(f"-{ask + 1:.2f}"),
        )
        await acct.place_order(sdk_session, order, dry_run=False)
        order_ev = await asyncio.wait_for(anext(alerts.listen(PlacedOrder)), 5)
        assert order_ev.status.value in ("Live", "Filled")
        pos = await asyncio.wait_for(anext(alerts.listen(CurrentPosition)), 5)
        assert pos.symbol == "AAPL" and pos.quantity == 103
        bal = await asyncio.wait_for(anext(alerts.listen(AccountBalance)), 5)
        assert bal.account_number == "5WT00001"


@pytest.mark.parametrize("interval", ["1m", "15m", "1h"])
async def test_candle_periods(sdk_session, interval):
    async with DXLinkStreamer(sdk_session) as streamer:
        await streamer.subscribe_candle(["QQQ"], interval, dt.datetime.now(dt.UTC) - dt.timedelta(hours=6))
        first = await asyncio.wait_for(streamer.get_event(Candle), 5)
        second = await asyncio.wait_for(streamer.get_event(Candle), 5)
    span = {"1m": 60_000, "15m": 900_000, "1h": 3_600_000}[interval]
    # subscribe_candle defaults to tho=true: hourly bars start at the 09:30 New York open
    phase = 1_800_000 if interval == "1h" else 0
    assert first.time % span == phase and first.time - second.time >= span


async def test_option_candles_follow_the_underlying(sdk_session, exchange):
    opt = _option(exchange)
    async with DXLinkStreamer(sdk_session) as streamer:
        await streamer.subscribe_candle([opt], "1h", dt.datetime.now(dt.UTC) - dt.timedelta(days=2))
        await streamer.subscribe(Quote, [opt])
        first = await asyncio.wait_for(streamer.get_event(Candle), 5)
        q = await asyncio.wait_for(streamer.get_event(Quote), 5)
    assert first.event_symbol == opt + "{=1h,tho=true}"
    assert first.low <= first.close <= first.high
    assert abs(first.close - (q.bid_price + q.ask_price) / 2) < Decimal("0.5")
