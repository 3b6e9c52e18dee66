"""Futures, futures options and crypto trade through orders, margin, balances and the ledger:
the exchange's real instruments (``exchange/instruments``) are registered with the paper
account's ``Tradables`` (type + multiplier + product), and the SDK trades them on loopback."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from tastytrade import Account, Session
from tastytrade.order import (
    InstrumentType,
    Leg,
    LimitOrder,
    NotionalOrder,
    OrderAction,
    OrderTimeInForce,
)
from tastytrade.utils import TastytradeError

from ttai_tui.broker.endpoint import make_session
from ttai_tui.exchange.book.margin import FUTURES_MARGIN
from ttai_tui.exchange.clock import NY
from ttai_tui.exchange.server import ExchangeServer

WED_11 = dt.datetime(2026, 6, 3, 11, 0, tzinfo=NY).timestamp()


@pytest.fixture
async def ex() -> AsyncIterator[ExchangeServer]:
    async with ExchangeServer(seed=1, market_hours=True, clock=lambda: WED_11) as server:
        yield server


@pytest.fixture
async def sess(ex: ExchangeServer) -> AsyncIterator[Session]:
    s = make_session("a", "b", base_url=ex.url, timeout=10)
    async with s:
        yield s


async def test_a_future_is_margined_per_contract_and_marked_to_market(ex, sess):
    acct = await Account.get(sess, "5WT00001")
    c = ex.instruments.front("MES")
    st = ex.instruments.prices.state(c)
    held = ex.account.positions[c.symbol].quantity  # the paper account starts with 2
    leg = Leg(instrument_type=InstrumentType.FUTURE, symbol=c.symbol, action=OrderAction.BUY_TO_OPEN, quantity=2)
    order = LimitOrder(time_in_force=OrderTimeInForce.DAY, legs=[leg], price=-Decimal(f"{st.ask + 1:.2f}"))
    dry = await acct.place_order(sess, order, dry_run=True)
    fees = float(-dry.fee_calculation.total_fees)
    # buying power drops by the product's margin per contract (+ the spread paid over the mark + fees)
    assert float(-dry.buying_power_effect.change_in_buying_power) == pytest.approx(
        2 * FUTURES_MARGIN["MES"] + fees + 2 * 5 * (st.ask - st.mid), abs=0.01)
    cash = ex.account.cash
    placed = (await acct.place_order(sess, order, dry_run=False)).order
    assert placed.status.value == "Filled"
    assert ex.account.cash == pytest.approx(cash - fees)  # no premium changes hands for a future
    (pos,) = [p for p in await acct.get_positions(sess) if p.symbol == c.symbol]
    assert pos.multiplier == 5 and pos.quantity == held + 2 and pos.instrument_type == InstrumentType.FUTURE
    bal = await acct.get_balances(sess)
    assert bal.futures_margin_requirement == pytest.approx(Decimal((held + 2) * FUTURES_MARGIN["MES"]))
    nl = bal.net_liquidating_value
    st.bid += 10
    st.ask += 10
    st.quote_seq += 1
    moved = (await acct.get_balances(sess)).net_liquidating_value - nl
    # every contract held gains 5 x 10 points (nothing else follows this contract's book)
    assert moved == pytest.approx(Decimal((held + 2) * 5 * 10), abs=Decimal("0.01"))


async def test_a_futures_option_is_paid_in_full_and_ledgered(ex, sess):
    acct = await Account.get(sess, "5WT00001")
    (seeded,) = [p for p in ex.account.positions.values() if p.instrument_type == "Future Option"]
    fid = ex.instruments.future_option(seeded.symbol)
    q = ex.instruments.fop_quote(fid)
    leg = Leg(instrument_type=InstrumentType.FUTURE_OPTION, symbol=seeded.symbol,
              action=OrderAction.BUY_TO_OPEN, quantity=1)
    order = LimitOrder(time_in_force=OrderTimeInForce.DAY, legs=[leg], price=-Decimal(f"{q.ask:.2f}"))
    dry = await acct.place_order(sess, order, dry_run=True)
    fees = float(-dry.fee_calculation.total_fees)
    assert 0 < fees < 10
    cash = ex.account.cash
    placed = (await acct.place_order(sess, order, dry_run=False)).order
    assert placed.status.value == "Filled"
    assert float(placed.legs[0].fills[0].fill_price) == pytest.approx(q.ask)
    # the premium leaves cash: ask x the ES multiplier of 50, plus fees
    assert cash - ex.account.cash == pytest.approx(q.ask * 50 + fees)
    (pos,) = [p for p in await acct.get_positions(sess) if p.symbol == seeded.symbol]
    assert pos.quantity == 2 and pos.multiplier == 50
    assert pos.underlying_symbol == fid.exp.underlying.symbol
    trades = [t for t in await acct.get_history(sess) if t.symbol == seeded.symbol]
    assert sum(t.quantity for t in trades) == 2  # the seeded opening trade and this fill


async def test_crypto_by_dollar_amount(ex, sess):
    acct = await Account.get(sess, "5WT00001")
    btc = ex.market.states["BTC/USD:CXTALP"]
    held = ex.account.positions["BTC/USD"].quantity  # the paper account starts with 0.25
    leg = Leg(instrument_type=InstrumentType.CRYPTOCURRENCY, symbol="BTC/USD", action=OrderAction.BUY_TO_OPEN)
    order = NotionalOrder(time_in_force=OrderTimeInForce.GTC, legs=[leg], value=Decimal(-1000))
    dry = await acct.place_order(sess, order, dry_run=True)
    assert dry.fee_calculation.commission == Decimal("-10.00")  # 1 %, capped at $10
    placed = (await acct.place_order(sess, order, dry_run=False)).order
    ((fill,),) = [leg.fills for leg in placed.legs]
    assert fill.fill_price == Decimal(f"{btc.ask:.4f}")
    units = Decimal(math.floor(1000 / btc.ask * 1e8)) / Decimal(10**8)  # 8 decimals, rounded down
    assert fill.quantity == units
    (pos,) = [p for p in await acct.get_positions(sess) if p.symbol == "BTC/USD"]
    assert pos.quantity == Decimal(str(held)) + units
    bal = await acct.get_balances(sess)
    assert bal.long_cryptocurrency_value == pytest.approx(pos.quantity * Decimal(btc.mid), abs=Decimal("0.01"))


async def test_futures_option_price_increments_follow_the_premium(ex, sess):
    """ES options trade in 0.05 below a premium of 10 and in 0.25 from 10 (CME's rule), judged
    on the order's own price."""
    acct = await Account.get(sess, "5WT00001")
    (seeded,) = [p for p in ex.account.positions.values() if p.instrument_type == "Future Option"]
    leg = Leg(instrument_type=InstrumentType.FUTURE_OPTION, symbol=seeded.symbol,
              action=OrderAction.BUY_TO_OPEN, quantity=1)
    for price in ("0.05", "9.95", "10.25"):
        order = LimitOrder(time_in_force=OrderTimeInForce.GTC, legs=[leg], price=-Decimal(price))
        dry = await acct.place_order(sess, order, dry_run=True)
        assert not dry.errors, (price, dry.errors)
    order = LimitOrder(time_in_force=OrderTimeInForce.GTC, legs=[leg], price=-Decimal("10.05"))
    with pytest.raises(TastytradeError, match="invalid_price_increment"):
        await acct.place_order(sess, order, dry_run=True)
