"""Check that symbols exist before streaming them.

DXLink answers an unknown symbol with silence, so a typo would look like a dead feed. The
headless commands ask REST first and fail fast with exit code 1 instead.
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

from ttai_tui.broker.errors import UnknownSymbolError

if TYPE_CHECKING:
    from tastytrade import Session
    from tastytrade.instruments import Future

    from ttai_tui.broker.session import SessionManager


async def _resolve(sessions: SessionManager, symbol: str) -> str | None:
    """The streamer symbol for what a user typed, or None when the exchange does not list it.

    ``/ES`` is the product's active (front) month; ``/ESZ26`` or ``/ESZ6`` one contract;
    ``BTC/USD`` a crypto pair; ``./ESZ6 EW4Z6 261224C6000`` a futures option; anything else
    an equity or index (its symbol is its streamer symbol). Equity-option streamer symbols
    (``.SPY...``) pass through: the feed decides.
    """
    from tastytrade.instruments import Cryptocurrency, Equity, FutureOption
    from tastytrade.search import symbol_search

    if symbol.startswith("./"):
        try:
            fo = await sessions.call(FutureOption.get, symbol, what=f"futures option {symbol}")
        except UnknownSymbolError:
            return None
        return str(fo.streamer_symbol)
    if symbol.startswith("."):
        return symbol
    if symbol.startswith("/"):
        fut = await future_for(sessions, symbol)
        return None if fut is None else str(fut.streamer_symbol) or None
    if "/" in symbol:
        try:
            coin = await sessions.call(Cryptocurrency.get, symbol.split(":", 1)[0],
                                       what=f"cryptocurrency {symbol}")
        except UnknownSymbolError:
            return None
        return str(coin.streamer_symbol)
    try:
        await sessions.call(Equity.get, symbol, what=f"instrument {symbol}")
        return symbol
    except UnknownSymbolError:
        pass
    hits = await sessions.call(symbol_search, symbol, what="symbol search")
    return symbol if any(h.symbol.upper() == symbol for h in hits) else None


async def future_for(sessions: SessionManager, symbol: str) -> Future | None:
    """The SDK ``Future`` a user symbol names (``/ES`` = the active month), or None."""
    from tastytrade.instruments import Future

    async def product_futures(session: Session, code: str) -> list[Future]:
        return await Future.get(session, None, product_codes=[code])  # the list overload

    base = symbol.split(":", 1)[0]
    if FUTURE_ROOT_RE.match(base):  # a product (/ES) lists contracts: its active month
        futures = await sessions.call(product_futures, base[1:], what=f"futures {base}")
        front = [f for f in futures if f.active_month] or list(futures)[:1]
        if front:
            return front[0]
    # a streamer symbol's two-digit year (/ESZ26) is a one-digit one in tastytrade symbols
    m = TWO_DIGIT_YEAR_RE.match(base)
    for name in ([m.group(1) + m.group(2)[1]] if m else []) + [base]:
        try:
            return await sessions.call(Future.get, name, what=f"future {name}")
        except UnknownSymbolError:
            continue
    return None


TWO_DIGIT_YEAR_RE = re.compile(r"^(/[A-Z0-9]+[FGHJKMNQUVXZ])(\d\d)\Z")


#: may be a futures product typed without a contract month (``/ES``, ``/MES``, ``/6E``);
#: ``/ESZ6`` also fits, and is then looked up as a contract when no product has that code
FUTURE_ROOT_RE = re.compile(r"^/[A-Z0-9]{1,4}\Z")


async def resolve_symbols(sessions: SessionManager, symbols: list[str]) -> dict[str, str]:
    """User symbol -> streamer symbol; UnknownSymbolError names every symbol not listed."""
    found = await asyncio.gather(*(_resolve(sessions, s) for s in symbols))
    missing = [s for s, st in zip(symbols, found, strict=True) if st is None]
    if missing:
        raise UnknownSymbolError(f"unknown symbol{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")
    return {s: st for s, st in zip(symbols, found, strict=True) if st is not None}


async def check_symbols(sessions: SessionManager, symbols: list[str]) -> None:
    """Raise UnknownSymbolError naming every symbol that does not exist."""
    await resolve_symbols(sessions, symbols)
