"""Check that symbols exist before streaming them.

DXLink answers an unknown symbol with silence, so a typo would look like a dead feed. The
headless commands ask REST first and fail fast with exit code 1 instead.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ttai_tui.broker.errors import UnknownSymbolError


async def _exists(sessions: Any, symbol: str) -> bool:
    from tastytrade.instruments import Equity
    from tastytrade.search import symbol_search

    if symbol.startswith(("/", ".")):
        return True  # futures and option streamer symbols: not equities, let the feed decide
    try:
        await sessions.call(Equity.get, symbol, what=f"instrument {symbol}")
        return True
    except UnknownSymbolError:
        pass
    hits = await sessions.call(symbol_search, symbol, what="symbol search")
    return any(h.symbol.upper() == symbol for h in hits)


async def check_symbols(sessions: Any, symbols: list[str]) -> None:
    """Raise UnknownSymbolError naming every symbol that does not exist."""
    found = await asyncio.gather(*(_exists(sessions, s) for s in symbols))
    missing = [s for s, ok in zip(symbols, found, strict=True) if not ok]
    if missing:
        raise UnknownSymbolError(f"unknown symbol{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")
