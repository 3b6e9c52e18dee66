"""Every REST route the dashboard uses, called through the unmodified SDK and parsed by its own
models against the simulated exchange."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import aiohttp
import pytest
from tastytrade import Account
from tastytrade.instruments import Equity, NestedOptionChain, Option, get_option_chain
from tastytrade.market_data import get_market_data, get_market_data_by_type
from tastytrade.metrics import get_market_metrics
from tastytrade.order import (
    InstrumentType,
    LimitOrder,
    OrderAction,
    OrderStatus,
    OrderTimeInForce,
)
from tastytrade.search import symbol_search
from tastytrade.utils import TastytradeError
from tastytrade.watchlists import PrivateWatchlist, PublicWatchlist

from ttai_tui.exchange.options import parse_option


async def test_accounts_balances_positions(sdk_session):
    accounts = await Account.get(sdk_session)
    assert [a.account_number for a in accounts] == ["5WT00001"]
    acct = await Account.get(sdk_session, "5WT00001")
    bal = await acct.get_balances(sdk_session)
    positions = await acct.get_positions(sdk_session)
    kinds = {p.instrument_type.value for p in positions}
    assert kinds == {"Equity", "Equity Option", "Future", "Future Option", "Cryptocurrency"}
    unds = {p.underlying_symbol for p in positions if p.instrument_type.value == "Equity Option"}
    assert {"TSLA", "SPY", "IWM"} <= unds  # short put, vertical, iron condor
    # net liq = cash + long value - short value, all marked on the same prices
    # (a future counts with its gain since the open, not its notional value)
    marked = sum(
        (p.mark or Decimal(0)) * (1 if p.quantity_direction == "Long" else -1) for p in positions
        if p.instrument_type.value != "Future"
    ) + sum((p.mark_price - p.average_open_price) * p.multiplier * p.quantity
            for p in positions if p.instrument_type.value == "Future")
    # (the two calls are a few ms apart on a moving market: allow a few dollars of drift)
    assert float(bal.net_liquidating_value) == pytest.approx(float(bal.cash_balance + marked), abs=25.0)
    assert bal.maintenance_requirement > 0
    assert 0 < bal.derivative_buying_power < bal.net_liquidating_value
    filtered = await acct.get_positions(sdk_session, underlying_symbols=["IWM"])
    assert {p.underlying_symbol for p in filtered} == {"IWM"} and len(filtered) == 4
    status = await acct.get_trading_status(sdk_session)
    assert status.account_number == "5WT00001"
    hist = await acct.get_net_liquidating_value_history(sdk_session, time_back="1m")
    assert len(hist) >= 15
    assert float(hist[-1].close) == pytest.approx(float(bal.net_liquidating_value), rel=0.01)


async def test_unknown_account_is_an_sdk_error(sdk_session):
    with pytest.raises(TastytradeError, match="record_not_found"):
        await Account.get(sdk_session, "NOPE123")


async def test_nested_and_flat_chain_agree(sdk_session):
    chains = await NestedOptionChain.get(sdk_session, "SPY")
    chain = chains[0]
    today = dt.date.today()
    exps = [e.expiration_date for e in chain.expirations]
    assert exps == sorted(exps)
    assert (exps[-1] - exps[0]).days > 300  # out to about a year
    kinds = {e.expiration_type for e in chain.expirations}
    assert {"Regular", "Weekly"} <= kinds
    near = chain.expirations[0].strikes
    steps = {b.strike_price - a.strike_price for a, b in itertools.pairwise(near)}
    assert min(steps) == 1  # SPY lists $1 strikes near the money
    n_options = 2 * sum(len(e.strikes) for e in chain.expirations)
    assert n_options >= 2000
    flat = await get_option_chain(sdk_session, "SPY")
    assert sum(len(v) for v in flat.values()) == n_options
    first = flat[exps[0]][0]
    assert first.streamer_symbol.startswith(".SPY")
    assert first.days_to_expiration == (exps[0] - today).days or first.days_to_expiration >= 0
    one = await Option.get(sdk_session, first.symbol)
    assert one.streamer_symbol == first.streamer_symbol


async def test_equity_search_metrics_market_data(sdk_session):
    spy = await Equity.get(sdk_session, "SPY")
    assert spy.is_etf and spy.streamer_symbol == "SPY"
    several = await Equity.get(sdk_session, ["AAPL", "MSFT"])
    assert {e.symbol for e in several} == {"AAPL", "MSFT"}
    with pytest.raises(TastytradeError):
        await Equity.get(sdk_session, "ZZZZ")
    hits = await symbol_search(sdk_session, "NV")
    assert hits and hits[0].symbol == "NVDA"
    assert any(h.symbol == "AAPL" for h in await symbol_search(sdk_session, "apple"))
    metrics = await get_market_metrics(sdk_session, ["SPY", "NVDA", "GME"])
    by = {m.symbol: m for m in metrics}
    for m in metrics:
        assert 0 <= float(m.implied_volatility_index_rank) <= 1
        assert 0 <= float(m.implied_volatility_percentile) <= 1
        assert m.implied_volatility_index > 0 and m.liquidity_rating
        assert m.beta is not None
    assert by["GME"].implied_volatility_index > by["SPY"].implied_volatility_index
    assert by["NVDA"].earnings is not None and by["NVDA"].earnings.expected_report_date > dt.date.today()
    md = await get_market_data_by_type(sdk_session, equities=["SPY", "AAPL"], indices=["SPX"])
    assert {x.symbol for x in md} == {"SPY", "AAPL", "SPX"}
    for x in md:
        assert x.bid is not None and x.ask is not None and x.bid < x.ask
    one = await get_market_data(sdk_session, "QQQ", InstrumentType.EQUITY)
    assert one.symbol == "QQQ"


async def test_watchlists_crud(sdk_session):
    lists = await PrivateWatchlist.get(sdk_session)
    assert lists and lists[0].watchlist_entries
    wl = PrivateWatchlist(name="ttai-test", watchlist_entries=[])
    wl.add_symbol("AAPL", InstrumentType.EQUITY)
    await wl.upload(sdk_session)
    got = await PrivateWatchlist.get(sdk_session, "ttai-test")
    assert [e["symbol"] for e in got.watchlist_entries] == ["AAPL"]
    got.add_symbol("TSLA", InstrumentType.EQUITY)
    await got.update(sdk_session)
    again = await PrivateWatchlist.get(sdk_session, "ttai-test")
    assert [e["symbol"] for e in again.watchlist_entries] == ["AAPL", "TSLA"]
    await PrivateWatchlist.remove(sdk_session, "ttai-test")
    with pytest.raises(TastytradeError):
        await PrivateWatchlist.get(sdk_session, "ttai-test")
    pub = await PublicWatchlist.get(sdk_session)
    assert any(w.name == "High IV" for w in pub)


async def test_watchlist_with_a_non_numeric_order_index_is_a_400_not_a_server_error(sdk_session, exchange):
    await sdk_session.refresh()  # the token the SDK holds, valid now
    auth = {"Authorization": f"Bearer {sdk_session.session_token}"}
    async with aiohttp.ClientSession() as http:
        for index, status in (("first", 400), ({"n": 1}, 400), ("7", 201)):
            body = {"name": f"raw-{status}", "order-index": index, "watchlist-entries": []}
            async with http.post(exchange.url + "/watchlists", json=body, headers=auth) as r:
                assert r.status == status, await r.text()
                if status == 400:
                    assert "order-index" in (await r.json())["error"]["message"]
    assert exchange.watchlists["raw-201"]["order-index"] == 7
    assert "raw-400" not in exchange.watchlists


async def test_dry_run_and_placed_order_fill(sdk_session, exchange):
    acct = await Account.get(sdk_session, "5WT00001")
    st = exchange.market.states["AAPL"]
    equity = await Equity.get(sdk_session, "AAPL")
    order = LimitOrder(
        time_in_force=OrderTimeInForce.DAY,
        legs=[equity.build_leg(Decimal(10), OrderAction.BUY_TO_OPEN)],
        price=Decimal(f"-{st.ask + 1:.2f}"),  # marketable debit limit
    )
    dry = await acct.place_order(sdk_session, order, dry_run=True)
    assert dry.buying_power_effect.change_in_buying_power < 0
    assert dry.fee_calculation is not None and dry.fee_calculation.total_fees <= 0
    before = {p.symbol: p.quantity for p in await acct.get_positions(sdk_session)}
    placed = await acct.place_order(sdk_session, order, dry_run=False)
    # a marketable limit fills at once, at the far side (never worse than its limit)
    assert placed.order.id > 0 and placed.order.status == OrderStatus.FILLED
    got = await acct.get_order(sdk_session, placed.order.id)
    assert got.status == OrderStatus.FILLED
    (fill,) = got.legs[0].fills or []
    assert fill.quantity == 10 and fill.fill_price <= Decimal(f"{st.ask + 1:.2f}")
    after = {p.symbol: p.quantity for p in await acct.get_positions(sdk_session)}
    assert after["AAPL"] == before["AAPL"] + 10


async def test_resting_limit_order_cancel(sdk_session):
    acct = await Account.get(sdk_session, "5WT00001")
    equity = await Equity.get(sdk_session, "MSFT")
    order = LimitOrder(
        time_in_force=OrderTimeInForce.GTC,
        legs=[equity.build_leg(Decimal(1), OrderAction.BUY_TO_OPEN)],
        price=Decimal("-1.00"),  # far below the market: rests
    )
    placed = await acct.place_order(sdk_session, order, dry_run=False)
    live = await acct.get_live_orders(sdk_session)
    assert placed.order.id in {o.id for o in live}
    await acct.delete_order(sdk_session, placed.order.id)
    got = await acct.get_order(sdk_session, placed.order.id)
    assert got.status == OrderStatus.CANCELLED


async def test_invalid_order_is_rejected_in_the_error_envelope(sdk_session):
    acct = await Account.get(sdk_session, "5WT00001")
    equity = await Equity.get(sdk_session, "AAPL")
    order = LimitOrder(
        time_in_force=OrderTimeInForce.DAY,
        legs=[equity.build_leg(Decimal(5000), OrderAction.SELL_TO_CLOSE)],  # more than we hold
        price=Decimal("200"),
    )
    with pytest.raises(TastytradeError, match="no matching position"):
        await acct.place_order(sdk_session, order, dry_run=True)


async def test_market_sessions_follow_the_clock():
    import datetime as dt

    from tastytrade.market_sessions import (
        ExchangeType,
        MarketStatus,
        get_market_holidays,
        get_market_sessions,
    )

    from ttai_tui.broker.endpoint import make_session
    from ttai_tui.exchange.clock import NY
    from ttai_tui.exchange.server import ExchangeServer

    saturday = dt.datetime(2026, 6, 6, 12, 0, tzinfo=NY).timestamp()
    wednesday = dt.datetime(2026, 6, 3, 11, 0, tzinfo=NY).timestamp()
    for ts, hours, want in ((saturday, True, MarketStatus.CLOSED), (wednesday, True, MarketStatus.OPEN),
                            (saturday, False, MarketStatus.OPEN)):
        async with ExchangeServer(seed=1, market_hours=hours, clock=lambda ts=ts: ts) as ex:
            s = make_session("a", "b", base_url=ex.url)
            (sess,) = await get_market_sessions(s, [ExchangeType.NYSE])
            assert sess.status == want
            assert sess.next_session is not None and sess.next_session.session_date.weekday() < 5
            hol = await get_market_holidays(s)  # the NYSE calendar from exchange_calendars
            assert dt.date(2026, 6, 19) in hol.holidays and dt.date(2026, 11, 27) in hol.half_days


async def test_other_account_routes_parse(sdk_session):
    acct = await Account.get(sdk_session, "5WT00001")
    snaps = await acct.get_balance_snapshots(sdk_session)
    assert snaps and snaps[0].account_number == "5WT00001"
    hist = await acct.get_history(sdk_session)
    assert hist[-1].transaction_sub_type == "Deposit"  # newest first: the deposit is the oldest
    assert {t.symbol for t in hist if t.transaction_type == "Trade"} >= {"AAPL", "NVDA", "KO"}
    assert isinstance(await acct.get_order_history(sdk_session), list)
    assert (await acct.get_total_fees(sdk_session)).total_fees == 0
    report = await acct.get_margin_requirements(sdk_session)
    groups = {g.underlying_symbol: g for g in report.groups}
    assert {"AAPL", "SPY", "IWM", "TSLA"} <= set(groups)
    # the bull put spread needs at most its width; the naked TSLA put needs much more than zero
    assert 0 < -groups["SPY"].margin_requirement <= 2 * 100 * 10
    assert -groups["TSLA"].margin_requirement > 1000
    customer = await sdk_session.get_customer()
    assert customer.first_name == "Demo"
    assert await sdk_session.validate()


async def test_closing_an_option_position_changes_positions_and_cash(sdk_session, exchange):
    acct = await Account.get(sdk_session, "5WT00001")
    short_put = next(p for p in await acct.get_positions(sdk_session) if p.underlying_symbol == "TSLA")
    option = await Option.get(sdk_session, short_put.symbol)
    ask = exchange.book.quote(parse_option(option.symbol)).ask
    price = Decimal(f"{ask + 0.5:.2f}")
    order = LimitOrder(
        time_in_force=OrderTimeInForce.DAY,
        legs=[option.build_leg(Decimal(1), OrderAction.BUY_TO_CLOSE)],
        price=-price,
    )
    cash_before = (await acct.get_balances(sdk_session)).cash_balance
    dry = await acct.place_order(sdk_session, order, dry_run=True)
    assert dry.fee_calculation is not None
    fees = -dry.fee_calculation.total_fees  # debit, signed negative by the SDK
    placed = await acct.place_order(sdk_session, order, dry_run=False)
    got = await acct.get_order(sdk_session, placed.order.id)
    assert got.status == OrderStatus.FILLED
    (fill,) = got.legs[0].fills or []
    assert fill.fill_price <= price  # marketable: filled at the ask, not at the limit
    symbols = {p.symbol for p in await acct.get_positions(sdk_session)}
    assert short_put.symbol not in symbols
    cash_after = (await acct.get_balances(sdk_session)).cash_balance
    assert cash_after == pytest.approx(cash_before - fill.fill_price * 100 - fees, abs=Decimal("0.01"))
