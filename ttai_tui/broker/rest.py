"""Small REST helpers (search, watchlists, market metrics) mapped to core types.

Every call goes through ``SessionManager.call`` (401 refresh + retry, 429 Retry-After, 5xx
backoff) and returns plain core dataclasses, so no SDK type leaks past the broker.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ttai_tui.core.models import Metrics, SymbolMatch, Watchlist

if TYPE_CHECKING:
    from ttai_tui.broker.session import SessionManager

log = logging.getLogger(__name__)


def _f(v: Any) -> float | None:
    if v is None or v == "":
        return None
    try:
        return float(v)
    except (TypeError, ValueError):  # shown as missing, never as 0
        log.debug("not a number from the server: %r", str(v)[:40])
        return None


async def search_symbols(sessions: SessionManager, text: str) -> list[SymbolMatch]:
    from tastytrade.search import symbol_search

    text = text.strip()
    if not text:
        return []
    hits = await sessions.call(symbol_search, text, what="symbol search")
    return [SymbolMatch(h.symbol, h.description) for h in hits]


async def private_watchlists(sessions: SessionManager) -> list[Watchlist]:
    from tastytrade.watchlists import PrivateWatchlist

    lists = await sessions.call(PrivateWatchlist.get, what="watchlists")
    out: list[Watchlist] = []
    for wl in sorted(lists, key=lambda w: (w.order_index, w.name)):
        syms = tuple(
            str(e.get("symbol")) for e in (wl.watchlist_entries or []) if e.get("symbol")
        )
        out.append(Watchlist(wl.name, syms))
    return out


async def market_metrics(sessions: SessionManager, symbols: list[str]) -> list[Metrics]:
    """IV index / rank / percentile (fractions) and beta; 100 symbols per request."""
    from tastytrade.metrics import get_market_metrics

    out: list[Metrics] = []
    uniq = sorted({s for s in symbols if s and not s.startswith(".")})
    for i in range(0, len(uniq), 100):
        infos = await sessions.call(get_market_metrics, uniq[i : i + 100], what="market metrics")
        for m in infos:
            rank = _f(m.tw_implied_volatility_index_rank)
            if rank is None:
                rank = _f(m.implied_volatility_index_rank)
            out.append(
                Metrics(
                    symbol=m.symbol,
                    iv_index=_f(m.implied_volatility_index),
                    iv_rank=rank,
                    iv_percentile=_f(m.implied_volatility_percentile),
                    hv_30=_f(m.historical_volatility_30_day),
                    beta=_f(m.beta),
                    liquidity_rating=_f(m.liquidity_rating),
                )
            )
    return out
