"""Other instrument types slot into orders, margin, balances and the ledger through
``Tradables.register`` (type + multiplier): the contract the instruments side builds on.

The futures and crypto books here are registered by the test from the exchange's own SPX path
(the instruments side registers its real contracts the same way)."""

from __future__ import annotations

import datetime as dt
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

from ttai_tui.broker.endpoint import make_session
from ttai_tui.exchange.book.margin import FUTURES_MARGIN
from ttai_tui.exchange.book.tradables import Quote, Tradable
from ttai_tui.exchange.clock import NY
from ttai_tui.exchange.server import ExchangeServer

WED_11 = dt.datetime(2026, 6, 3, 11, 0, tzinfo=NY).timestamp()


@pytest.fixture
async def ex() -> AsyncIterator[ExchangeServer]:
    async with ExchangeServer(seed=1, market_hours=True, clock=lambda: WED_11) as server:
        spx = server.market.states["SPX"]
        book = {"BTC/USD": 90_000.0}

        def future(sym: str) -> Tradable | None:
            return Tradable("/MESM6", "Future", "MES", 5.0, price_tick=0.25, product_code="MES",
                            underlying_type="Future") if sym == "/MESM6" else None

        def future_quote(t: Tradable) -> Quote:
            mid = round(spx.mid * 4) / 4
            return Quote(mid - 0.25, mid + 0.25, 50, 50, spx.prev_close)

        def crypto(sym: str) -> Tradable | None:
            return Tradable(sym, "Cryptocurrency", sym, 1.0, price_tick=0.01, fractional=True,
                            underlying_type="Cryptocurrency") if sym in book else None

        def crypto_quote(t: Tradable) -> Quote:
            return Quote(book[t.symbol] - 5, book[t.symbol] + 5, 3.0, 3.0, book[t.symbol])

        server.account.tradables.register("Future", future, future_quote)
        server.account.tradables.register("Cryptocurrency", crypto, crypto_quote)
        yield server


@pytest.fixture
async def sess(ex: ExchangeServer) -> AsyncIterator[Session]:
    s = make_session("a", "b", base_url=ex.url, timeout=10)
    async with s:
        yield s


async def test_a_future_is_margined_per_contract_and_marked_to_market(ex, sess):
    acct = await Account.get(sess, "5WT00001")
    leg = Leg(instrument_type=InstrumentType.FUTURE, symbol="/MESM6", action=OrderAction.BUY_TO_OPEN, quantity=2)
    spx = ex.market.states["SPX"]
    ask = round(spx.mid * 4) / 4 + 0.25
    order = LimitOrder(time_in_force=OrderTimeInForce.DAY, legs=[leg], price=-Decimal(f"{ask + 1:.2f}"))
    dry = await acct.place_order(sess, order, dry_run=True)
    fees = float(-dry.fee_calculation.total_fees)
    # buying power drops by the per-contract margin (+ half the spread paid over the mark + fees)
    assert float(-dry.buying_power_effect.change_in_buying_power) == pytest.approx(
        2 * FUTURES_MARGIN["MES"] + fees + 2 * 5 * 0.25, abs=0.01)
    cash = ex.account.cash
    placed = (await acct.place_order(sess, order, dry_run=False)).order
    assert placed.status.value == "Filled"
    assert ex.account.cash == pytest.approx(cash - fees)  # no premium changes hands for a future
    (pos,) = [p for p in await acct.get_positions(sess) if p.symbol == "/MESM6"]
    assert pos.multiplier == 5 and pos.quantity == 2 and pos.instrument_type == InstrumentType.FUTURE
    bal = await acct.get_balances(sess)
    assert bal.futures_margin_requirement == pytest.approx(Decimal(2 * FUTURES_MARGIN["MES"]))
    nl = bal.net_liquidating_value
    spx.bid += 10
    spx.ask += 10
    spx.quote_seq += 1
    moved = (await acct.get_balances(sess)).net_liquidating_value - nl
    # 2 contracts x 5 x 10 points, give or take the stock legs that did not move
    assert moved == pytest.approx(Decimal(100), abs=Decimal("0.5"))


async def test_crypto_by_dollar_amount(ex, sess):
    acct = await Account.get(sess, "5WT00001")
    leg = Leg(instrument_type=InstrumentType.CRYPTOCURRENCY, symbol="BTC/USD", action=OrderAction.BUY_TO_OPEN)
    order = NotionalOrder(time_in_force=OrderTimeInForce.GTC, legs=[leg], value=Decimal(-1000))
    dry = await acct.place_order(sess, order, dry_run=True)
    assert dry.fee_calculation.commission == Decimal("-10.00")  # 1 %, capped at $10
    placed = (await acct.place_order(sess, order, dry_run=False)).order
    ((fill,),) = [leg.fills for leg in placed.legs]
    assert fill.fill_price == Decimal("90005.0000")
    assert fill.quantity == Decimal("0.01111049")  # $1,000 / 90,005, 8 decimals, rounded down
    (pos,) = [p for p in await acct.get_positions(sess) if p.symbol == "BTC/USD"]
    assert pos.quantity == Decimal("0.01111049")
    bal = await acct.get_balances(sess)
    assert bal.long_cryptocurrency_value == pytest.approx(Decimal("0.01111049") * 90_000, abs=Decimal("0.01"))
