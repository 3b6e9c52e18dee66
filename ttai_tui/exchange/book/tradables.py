"""What the order desk needs to know about a symbol: its type, multiplier, underlying and book.

``Tradables`` resolves an order leg (instrument type + symbol) to a ``Tradable`` and quotes it.
Equities and equity options are built in; other instrument types slot in with ``register``::

    account.tradables.register("Future", resolve=lambda sym: Tradable(...), quote=lambda t: Quote(...))

so the instruments side adds futures, futures options and crypto without touching order,
margin or ledger code.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass

from ttai_tui.exchange.market import Market
from ttai_tui.exchange.options import OptionBook, OptionId, parse_option

#: instrument types whose position value is only its open P&L (daily settlement), not notional
MARK_TO_MARKET_TYPES = frozenset({"Future"})
#: instrument types margined as options (strike/expiry/premium)
OPTION_TYPES = frozenset({"Equity Option", "Future Option"})


@dataclass(frozen=True, slots=True)
class Tradable:
    """One orderable instrument, as the order desk, margin and ledger see it."""

    symbol: str  # canonical symbol (OCC for equity options)
    instrument_type: str  # the API's instrument-type string
    underlying: str  # strategy/margin group (root for options, product code for futures)
    multiplier: float  # value of a 1.00 price move per unit of quantity
    price_tick: float = 0.01  # minimum price increment of a single-leg order
    fractional: bool = False  # quantities may be fractional (crypto; equities by notional)
    quantity_decimals: int = 0  # fractional instruments: the decimals a quantity may have
    oid: OptionId | None = None  # equity options: strike, expiry, call/put
    product_code: str | None = None  # futures and futures options: the product (ES, CL, ...)
    underlying_type: str = "Equity"  # the order's underlying-instrument-type
    strike: float | None = None  # options of any kind
    call: bool | None = None
    expiration: dt.date | None = None
    underlying_symbol: str | None = None  # priced underlying (the future for a futures option)
    #: price-dependent increment of a single-leg order (futures options: by premium), else price_tick
    tick_rule: Callable[[float], float] | None = None
    micro: bool = False  # a micro futures contract (the lower per-contract commission)


@dataclass(frozen=True, slots=True)
class Quote:
    bid: float
    ask: float
    bid_size: float  # displayed size at the bid, in the instrument's quantity units
    ask_size: float
    prev_close: float

    @property
    def mid(self) -> float:
        return 0.5 * (self.bid + self.ask)


Resolver = Callable[[str], "Tradable | None"]
Quoter = Callable[[Tradable], "Quote | None"]


def option_tick(price: float, penny: bool) -> float:
    """Listed option increments: $0.01 under $3 (and for penny-pilot names), $0.05 above."""
    return 0.01 if penny or price < 3.0 else 0.05


def on_tick(price: float, tick: float) -> bool:
    n = price / tick
    return math.isclose(n, round(n), abs_tol=1e-6)


class Tradables:
    """Resolve and quote order legs; one registry per paper account."""

    def __init__(self, market: Market, book: OptionBook) -> None:
        self.market = market
        self.book = book
        self._resolve: dict[str, Resolver] = {"Equity": self._equity, "Equity Option": self._option}
        self._quote: dict[str, Quoter] = {"Equity": self._equity_quote, "Equity Option": self._option_quote}

    def register(self, instrument_type: str, resolve: Resolver, quote: Quoter) -> None:
        """Add (or replace) an instrument type: ``resolve(symbol)`` -> Tradable or None for an
        unknown symbol; ``quote(tradable)`` -> its current book."""
        self._resolve[instrument_type] = resolve
        self._quote[instrument_type] = quote

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(self._resolve)

    def resolve(self, instrument_type: str, symbol: str) -> Tradable | None:
        fn = self._resolve.get(instrument_type)
        return fn(symbol) if fn is not None else None

    def quote(self, t: Tradable) -> Quote | None:
        fn = self._quote.get(t.instrument_type)
        return fn(t) if fn is not None else None

    def single_leg_tick(self, t: Tradable, price: float) -> float:
        if t.instrument_type == "Equity Option" and t.oid is not None:
            return option_tick(price, self.market.states[t.oid.root].spec.liquidity >= 5)
        if t.tick_rule is not None:
            return t.tick_rule(abs(price))
        return t.price_tick

    # ------------------------------------------------------------ built-ins
    def _equity(self, symbol: str) -> Tradable | None:
        st = self.market.states.get(symbol)
        if st is None or st.spec.is_index:
            return None
        return Tradable(symbol, "Equity", symbol, 1.0, price_tick=0.01 if st.mid >= 1 else 0.0001,
                        fractional=True, quantity_decimals=5)

    def _option(self, symbol: str) -> Tradable | None:
        oid = parse_option(symbol)
        if oid is None or oid.root not in self.market.states or not self.book.listed(oid):
            return None
        return Tradable(oid.occ, "Equity Option", oid.root, 100.0, oid=oid, strike=oid.strike,
                        call=oid.call, expiration=oid.expiration, underlying_symbol=oid.root)

    def _equity_quote(self, t: Tradable) -> Quote | None:
        st = self.market.states.get(t.symbol)
        if st is None:
            return None
        return Quote(st.bid, st.ask, float(st.bid_size), float(st.ask_size), st.prev_close)

    def _option_quote(self, t: Tradable) -> Quote | None:
        if t.oid is None:
            return None
        q = self.book.quote(t.oid)
        return Quote(q.bid, q.ask, float(q.bid_size), float(q.ask_size), q.theo)
