"""Futures, futures options and crypto through the unmodified SDK on loopback: every new route
parses in the SDK's own models, and DXLink streams futures, futures-option and crypto events."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from decimal import Decimal

import pytest
from tastytrade import DXLinkStreamer
from tastytrade.dxfeed import Candle, Greeks, Quote, Summary, TheoPrice, Trade
from tastytrade.instruments import (
    Cryptocurrency,
    Future,
    FutureOption,
    FutureOptionProduct,
    FutureProduct,
    NestedFutureOptionChain,
    get_future_option_chain,
)
from tastytrade.market_sessions import ExchangeType, get_futures_holidays, get_market_holidays
from tastytrade.search import symbol_search
from tastytrade.utils import TastytradeError

from ttai_tui.core.pricing import bs_price
from ttai_tui.exchange.instruments.futures import PRODUCTS

REQUIRED_PRODUCTS = {"ES", "MES", "NQ", "MNQ", "RTY", "M2K", "YM", "CL", "MCL", "NG", "GC", "MGC",
                     "SI", "ZN", "ZB", "ZF", "6E"}


async def test_future_products_and_contracts(sdk_session):
    products = await FutureProduct.get(sdk_session)
    assert {p.code for p in products} >= REQUIRED_PRODUCTS
    es = await FutureProduct.get(sdk_session, "/ES")
    assert es.root_symbol == "/ES" and es.notional_multiplier == 50 and es.tick_size == Decimal("0.25")
    zn = await FutureProduct.get(sdk_session, "ZN")
    assert zn.tick_size * zn.notional_multiplier == Decimal("15.625")  # 1/64 point of $1000
    futures = await Future.get(sdk_session, product_codes=["ES"])
    assert len(futures) >= 4
    assert [f.expiration_date for f in futures] == sorted(f.expiration_date for f in futures)
    assert sum(f.active_month for f in futures) == 1
    for f in futures:  # quarterly, third Friday (or the business day before a holiday)
        assert f.symbol[3] in "HMUZ" and f.expiration_date.weekday() in (3, 4)
        assert f.streamer_symbol == f"/ES{f.symbol[3]}{f.expiration_date.year % 100}:XCME"
    one = await Future.get(sdk_session, futures[0].symbol)  # the SDK strips the "/"
    assert one.symbol == futures[0].symbol and one.streamer_symbol == futures[0].streamer_symbol
    both = await Future.get(sdk_session, [futures[0].symbol, futures[1].symbol.lstrip("/")])
    assert [f.symbol for f in both] == [futures[0].symbol, futures[1].symbol]
    with pytest.raises(TastytradeError):
        await Future.get(sdk_session, "/ESQ9")


async def test_every_product_lists_contracts_with_its_terms(sdk_session):
    for p in PRODUCTS:
        fs = await Future.get(sdk_session, product_codes=[p.code])
        assert fs, p.code
        assert all(f.notional_multiplier == Decimal(str(p.multiplier)) for f in fs)
        assert all(f.streamer_symbol.endswith(":" + p.streamer_exchange) for f in fs)
        assert sum(f.active_month for f in fs) == 1


async def test_futures_option_chain_round_trips(sdk_session):
    products = await FutureOptionProduct.get(sdk_session)
    assert {"ES", "LO", "OG", "OZN"} <= {p.root_symbol for p in products}
    await FutureOptionProduct.get(sdk_session, "ES")
    chain = await get_future_option_chain(sdk_session, "/ES")
    assert chain and list(chain) == sorted(chain)
    first = chain[min(chain)][0]
    again = await FutureOption.get(sdk_session, first.symbol)  # "/" and " " percent-encoded
    assert again.symbol == first.symbol and again.streamer_symbol == first.streamer_symbol
    assert first.underlying_symbol.startswith("/ES")
    nested = await NestedFutureOptionChain.get(sdk_session, "ES")
    assert {f.symbol for f in nested.futures} >= {s.underlying_symbol for s in nested.option_chains}
    strikes = nested.option_chains[0].expirations[0].strikes
    assert len(strikes) > 20
    steps = [b.strike_price - a.strike_price for a, b in itertools.pairwise(strikes)]
    assert min(steps) == 5 and max(steps) > 5  # 5-point strikes near the money, wider in the wings
    s = strikes[0]
    assert s.call_streamer_symbol.startswith("./") and s.call_streamer_symbol.endswith(":XCME")


async def test_no_option_expiration_falls_on_an_exchange_holiday(sdk_session):
    hol = await get_market_holidays(sdk_session)
    cme = await get_futures_holidays(sdk_session, ExchangeType.CME)
    assert dt.date(2026, 12, 25) in hol.holidays and dt.date(2027, 3, 26) in hol.holidays
    assert dt.date(2026, 11, 27) in hol.half_days
    assert dt.date(2026, 12, 25) in cme.holidays
    for code in ("ES", "CL", "GC", "ZN"):
        chain = await get_future_option_chain(sdk_session, code)
        assert not set(chain) & set(cme.holidays), code
        assert all(d.weekday() < 5 for d in chain)


async def test_crypto_instruments(sdk_session):
    all_c = await Cryptocurrency.get(sdk_session)
    syms = {c.symbol for c in all_c}
    assert {"BTC/USD", "ETH/USD", "SOL/USD"} <= syms and len(syms) >= 5
    eth = await Cryptocurrency.get(sdk_session, "ETH/USD")
    assert eth.streamer_symbol == "ETH/USD:CXTALP"
    assert eth.destination_venue_symbols[0].max_quantity_precision == 8
    two = await Cryptocurrency.get(sdk_session, ["ETH/USD", "BTC/USD"])
    assert {c.symbol for c in two} == {"ETH/USD", "BTC/USD"}


async def test_symbol_search_answers_without_a_token(exchange):
    from ttai_tui.broker.endpoint import make_session

    s = make_session("secret", "refresh", base_url=exchange.url, timeout=10)  # never refreshed
    hits = await symbol_search(s, "AAP")
    assert "AAPL" in {h.symbol for h in hits}
    assert await symbol_search(s, "ASDFGJKL") == []
    assert exchange.stats.token_refreshes == 0  # answered with no access token issued


async def _first(streamer, cls, want: set[str], timeout: float = 8.0) -> dict[str, object]:
    """The first event of each wanted symbol (candles by their base symbol)."""
    got: dict[str, object] = {}

    async def run() -> None:
        async for ev in streamer.listen(cls):
            sym = ev.event_symbol.split("{", 1)[0]
            if sym in want:
                got.setdefault(sym, ev)
            if set(got) == want:
                return

    await asyncio.wait_for(run(), timeout)
    return got


async def test_dxlink_streams_futures_options_and_crypto(sdk_session, exchange):
    es = (await Future.get(sdk_session, product_codes=["ES"]))
    front = next(f for f in es if f.active_month)
    chain = await NestedFutureOptionChain.get(sdk_session, "ES")
    sub = next(c for c in chain.option_chains if c.underlying_symbol == front.symbol)
    exp = sub.expirations[min(2, len(sub.expirations) - 1)]
    fut_px = exchange.market.state(front.streamer_symbol).mid
    strike = min(exp.strikes, key=lambda s: abs(float(s.strike_price) - fut_px))
    opt = strike.call_streamer_symbol
    fut, btc = front.streamer_symbol, "BTC/USD:CXTALP"
    async with DXLinkStreamer(sdk_session) as streamer:
        await streamer.subscribe(Quote, [fut, btc, opt])
        await streamer.subscribe(Trade, [fut])
        await streamer.subscribe(Greeks, [opt])
        await streamer.subscribe(TheoPrice, [opt])
        await streamer.subscribe(Summary, [opt, fut])
        await streamer.subscribe_candle([fut, btc], "1h", dt.datetime.now() - dt.timedelta(days=2))
        q = await _first(streamer, Quote, {fut, btc, opt})
        tr = await _first(streamer, Trade, {fut})
        g = (await _first(streamer, Greeks, {opt}))[opt]
        th = (await _first(streamer, TheoPrice, {opt}))[opt]
        sm = await _first(streamer, Summary, {opt, fut})
        cd = await _first(streamer, Candle, {fut, btc})
    fq = q[fut]
    assert fq.ask_price - fq.bid_price == Decimal("0.25")  # one ES tick wide
    assert fq.bid_price % Decimal("0.25") == 0
    # /ES is SPX with carry: above the index by r - q over its time to expiry
    spx = exchange.market.states["SPX"].mid
    assert 1.0 < float(fq.bid_price) / spx < 1.03
    assert tr[fut].price > 0
    assert float(q[btc].bid_price) > 1000
    assert Decimal("0.2") < g.delta < Decimal("0.8") and g.gamma > 0 and g.vega > 0
    # Greeks' price is Black-76 on the future at the event's implied volatility
    t = (exchange.instruments.future_option(opt).exp.expires_ts() - exchange.market.t) / (365 * 86400)
    b76 = bs_price(float(th.underlying_price), float(strike.strike_price), t, float(g.volatility),
                   0.043, 0.043, True)
    assert float(g.price) == pytest.approx(b76, rel=0.02)
    assert float(th.price) == pytest.approx(float(g.price), rel=0.02)
    assert sm[opt].open_interest > 0
    assert len(cd) == 2


async def test_equity_option_expirations_skip_holidays_and_spy_lists_dollar_strikes(
        sdk_session, exchange):
    from tastytrade.instruments import NestedOptionChain

    hol = set((await get_market_holidays(sdk_session)).holidays)
    (chain,) = await NestedOptionChain.get(sdk_session, "SPY")
    dates = [e.expiration_date for e in chain.expirations]
    assert dates and not set(dates) & hol and all(d.weekday() < 5 for d in dates)
    month = min(chain.expirations, key=lambda e: abs(e.days_to_expiration - 30))
    ks = [s.strike_price for s in month.strikes]
    spot = Decimal(round(exchange.book.ref_price["SPY"]))
    near = [k for k in ks if abs(k - spot) <= 20]
    assert {b - a for a, b in itertools.pairwise(near)} == {1}  # $1 strikes at 30 DTE
    assert max(b - a for a, b in itertools.pairwise(ks)) > 1  # wider in the wings


async def test_every_sp500_name_is_listed_lazily_with_chains_and_metrics(sdk_session, exchange):
    from tastytrade.instruments import Equity, NestedOptionChain
    from tastytrade.metrics import get_market_metrics

    from ttai_tui.exchange.instruments.equities import extra_specs

    specs = extra_specs()
    assert len(specs) > 450 and {"MMM", "BRK/B", "ADBE", "XLE", "IBIT"} <= set(specs)
    assert "MMM" not in exchange.market.states  # nothing is built before it is asked for
    eq = await Equity.get(sdk_session, "MMM")
    assert eq.description == "3M" and not eq.is_etf
    assert (await Equity.get(sdk_session, "XLE")).is_etf
    hits = await symbol_search(sdk_session, "ADB")
    assert "ADBE" in {h.symbol for h in hits}
    (chain,) = await NestedOptionChain.get(sdk_session, "MMM")
    assert chain.expirations and all(e.strikes for e in chain.expirations)
    (m,) = await get_market_metrics(sdk_session, ["ADBE"])
    assert m.beta is not None and Decimal("0.3") < m.beta < Decimal("3")
    async with DXLinkStreamer(sdk_session) as streamer:
        await streamer.subscribe(Quote, ["MMM", "BRK/B"])
        q = await _first(streamer, Quote, {"MMM", "BRK/B"})
    assert all(0 < x.bid_price < x.ask_price for x in q.values())
    assert "MMM" in exchange.market.states and len(exchange.market.states) < 80


async def test_market_data_by_type_for_futures_options_and_crypto(sdk_session, exchange):
    from tastytrade.market_data import get_market_data_by_type

    front = exchange.instruments.front("ES")
    chain = await get_future_option_chain(sdk_session, "ES")
    fo = chain[min(chain)][0]
    got = await get_market_data_by_type(sdk_session, futures=[front.symbol], future_options=[fo.symbol],
                                        cryptocurrencies=["ETH/USD", "BTC/USD"], indices=["SPX"])
    by = {d.symbol: d for d in got}
    assert set(by) == {front.symbol, fo.symbol, "ETH/USD", "BTC/USD", "SPX"}
    assert by[front.symbol].instrument_type.value == "Future" and by[front.symbol].bid > 1000
    assert by["BTC/USD"].instrument_type.value == "Cryptocurrency" and by["BTC/USD"].ask > 1000
    assert by[fo.symbol].instrument_type.value == "Future Option"


async def test_market_session_knows_holidays_and_early_closes():
    from tastytrade.market_sessions import MarketStatus, get_market_sessions

    from ttai_tui.broker.endpoint import make_session
    from ttai_tui.exchange.clock import NY
    from ttai_tui.exchange.server import ExchangeServer

    thanksgiving = dt.datetime(2026, 11, 26, 11, 0, tzinfo=NY).timestamp()
    black_friday_2pm = dt.datetime(2026, 11, 27, 14, 0, tzinfo=NY).timestamp()
    for ts, want in ((thanksgiving, MarketStatus.CLOSED), (black_friday_2pm, MarketStatus.EXTENDED)):
        async with ExchangeServer(seed=1, market_hours=True, clock=lambda ts=ts: ts) as ex:
            s = make_session("a", "b", base_url=ex.url)
            (sess,) = await get_market_sessions(s, [ExchangeType.NYSE])
            assert sess.status == want
            assert sess.next_session is not None
            assert sess.next_session.session_date not in (dt.date(2026, 11, 26),)
    async with ExchangeServer(seed=1, market_hours=True, clock=lambda: thanksgiving) as ex:
        s = make_session("a", "b", base_url=ex.url)
        (sess,) = await get_market_sessions(s, [ExchangeType.NYSE])
        assert sess.previous_session is not None
        assert sess.previous_session.session_date == dt.date(2026, 11, 25)
        assert sess.next_session.session_date == dt.date(2026, 11, 27)


def test_crypto_moves_around_the_clock_while_the_equity_session_is_closed():
    from ttai_tui.exchange.clock import NY
    from ttai_tui.exchange.market import Market

    saturday = dt.datetime(2026, 6, 6, 12, 0, tzinfo=NY).timestamp()
    m = Market(seed=1, market_hours=True, clock=lambda: saturday)
    btc, spy = m.states["BTC/USD:CXTALP"], m.states["SPY"]
    b0, s0, q0 = btc.price, spy.price, btc.quote_seq
    m.advance(saturday + 60)
    assert btc.price != b0 and btc.quote_seq > q0
    assert spy.price == s0  # equities wait for Monday
