"""Option chains: the nested chain mapped to core types, and a window that follows the money.

``fetch_chain`` caches each chain for a few minutes (chains change once a day; the chain view
asks again on every symbol switch). ``ChainWindow`` is what the chain view and ``ttai chain`` use:
given an expiration and a strike count it declares exactly the subscriptions of the visible
strikes, and ``follow()`` (call it on the UI timer) re-centres the window when the underlying
moves to a new at-the-money strike.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from ttai_tui.broker.errors import UnknownSymbolError
from ttai_tui.broker.subscriptions import SubscriptionManager
from ttai_tui.core.chain import atm_index, atm_window, window_symbols
from ttai_tui.core.market_state import MarketState
from ttai_tui.core.models import Expiration, OptionChain, StrikeRow

if TYPE_CHECKING:
    from ttai_tui.broker.session import SessionManager

CACHE_S = 300.0
_cache: dict[tuple[int, str], tuple[float, OptionChain]] = {}

OPTION_EVENTS = ("Quote", "Greeks", "Summary", "Trade")
UNDERLYING_EVENTS = ("Quote", "Trade", "Summary")


def to_chain(nested: Any) -> OptionChain:
    """SDK ``NestedOptionChain`` -> core ``OptionChain`` (sorted expirations and strikes)."""
    exps: list[Expiration] = []
    for e in nested.expirations:
        rows = tuple(
            sorted(
                (
                    StrikeRow(
                        float(s.strike_price), s.call, s.put,
                        s.call_streamer_symbol, s.put_streamer_symbol,
                    )
                    for s in e.strikes
                ),
                key=lambda r: r.strike,
            )
        )
        exps.append(
            Expiration(
                date=e.expiration_date,
                days_to_expiration=int(e.days_to_expiration),
                expiration_type=str(e.expiration_type),
                settlement_type=str(e.settlement_type),
                strikes=rows,
            )
        )
    exps.sort(key=lambda x: x.date)
    return OptionChain(
        underlying=nested.underlying_symbol,
        root=nested.root_symbol,
        shares_per_contract=float(nested.shares_per_contract),
        expirations=tuple(exps),
        fetched=datetime.now(UTC),
    )


async def fetch_chain(sessions: SessionManager, symbol: str, *, use_cache: bool = True) -> OptionChain:
    """The chain for ``symbol``; UnknownSymbolError when the symbol has no options."""
    from tastytrade.instruments import NestedOptionChain

    key = (id(sessions), symbol.upper())
    hit = _cache.get(key)
    if use_cache and hit is not None and time.monotonic() - hit[0] < CACHE_S:
        return hit[1]
    if symbol.startswith("/"):
        chain = await fetch_future_chain(sessions, symbol)
        _cache[key] = (time.monotonic(), chain)
        return chain
    try:
        items = await sessions.call(NestedOptionChain.get, symbol.upper(), what=f"chain {symbol}")
    except UnknownSymbolError:
        raise UnknownSymbolError(f"no option chain for {symbol}") from None
    items = [i for i in items if i.expirations]
    if not items:
        raise UnknownSymbolError(f"no option chain for {symbol}")
    # the standard chain first (non-standard deliverable chains come after)
    items.sort(key=lambda i: (i.option_chain_type != "Standard", i.root_symbol != symbol.upper()))
    chain = to_chain(items[0])
    _cache[key] = (time.monotonic(), chain)
    return chain


async def fetch_future_chain(sessions: SessionManager, symbol: str) -> OptionChain:
    """Futures options on one contract: ``/ESH7`` names it, ``/ES`` means the active month.

    The chain's underlying is the contract's streamer symbol (``/ESZ26:XCME``), so the window
    centres on that contract's price; ``shares_per_contract`` is the notional multiplier.
    """
    from tastytrade.instruments import NestedFutureOptionChain

    from ttai_tui.broker.validate import future_for

    fut = await future_for(sessions, symbol)
    if fut is None:
        raise UnknownSymbolError(f"unknown future {symbol}")
    nested = await sessions.call(NestedFutureOptionChain.get, fut.product_code,
                                 what=f"futures option chain {fut.product_code}")
    exps: list[Expiration] = []
    for sub in nested.option_chains:
        if sub.underlying_symbol != fut.symbol:
            continue
        for e in sub.expirations:
            rows = tuple(sorted(
                (StrikeRow(float(s.strike_price), s.call, s.put, s.call_streamer_symbol,
                           s.put_streamer_symbol) for s in e.strikes),
                key=lambda r: r.strike,
            ))
            exps.append(Expiration(date=e.expiration_date, days_to_expiration=int(e.days_to_expiration),
                                   expiration_type=str(e.expiration_type),
                                   settlement_type=str(e.settlement_type), strikes=rows))
    if not exps:
        raise UnknownSymbolError(f"no futures options on {fut.symbol}")
    exps.sort(key=lambda x: x.date)
    return OptionChain(underlying=str(fut.streamer_symbol), root=str(fut.symbol),
                       shares_per_contract=float(fut.notional_multiplier),
                       expirations=tuple(exps), fetched=datetime.now(UTC))


class ChainWindow:
    """The visible strikes of one expiration, with subscriptions that follow them."""

    def __init__(self, subs: SubscriptionManager, state: MarketState, owner: str = "chain") -> None:
        self.subs = subs
        self.state = state
        self.owner = owner
        self.chain: OptionChain | None = None
        self.expiration: Expiration | None = None
        self.count = 10
        self.rows: list[StrikeRow] = []
        self._center: int | None = None

    def show(self, chain: OptionChain, expiration: Expiration, count: int) -> list[StrikeRow]:
        """Switch to ``expiration`` with ``count`` strikes; declares the subscriptions."""
        self.chain, self.expiration, self.count = chain, expiration, max(1, count)
        self._center = None
        self.follow(force=True)
        return self.rows

    def follow(self, force: bool = False) -> bool:
        """Re-centre on the current underlying price; True when the rows changed."""
        if self.chain is None or self.expiration is None:
            return False
        strikes = self.expiration.strikes
        price = self.state.mark(self.chain.underlying)
        center = atm_index(strikes, price)
        if not force and center == self._center:
            return False
        self._center = center
        rows = atm_window(strikes, price, self.count)
        changed = rows != self.rows
        self.rows = rows
        self._declare()
        return changed or force

    def underlying_price(self) -> float | None:
        return None if self.chain is None else self.state.mark(self.chain.underlying)

    def days(self, today: date) -> int | None:
        return None if self.expiration is None else (self.expiration.date - today).days

    def _declare(self) -> None:
        assert self.chain is not None
        wants = {(t, s) for s in window_symbols(self.rows) for t in OPTION_EVENTS}
        wants.update((t, self.chain.underlying) for t in UNDERLYING_EVENTS)
        self.subs.declare(self.owner, wants)

    def close(self) -> None:
        """Drop the window's subscriptions (view hidden / app leaving)."""
        self.subs.release(self.owner)
        self.rows = []
        self.chain = self.expiration = None
