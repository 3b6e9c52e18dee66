"""Option-chain helpers: pick an expiration, pick the strikes around the money.

The chain view shows a *window* of strikes centred on the underlying price; only the window's
streamer symbols are subscribed, so the window (not the whole chain) decides the feed load.
"""

from __future__ import annotations

import bisect
from datetime import date

from ttai_tui.core.models import Expiration, OptionChain, StrikeRow


def find_expiration(chain: OptionChain, when: date) -> Expiration | None:
    """The expiration on exactly that date, or None."""
    for e in chain.expirations:
        if e.date == when:
            return e
    return None


def nearest_expiration(chain: OptionChain, dte: int, today: date | None = None) -> Expiration | None:
    """The expiration whose days-to-expiration is closest to ``dte`` (ties: the earlier one).

    Days are counted from ``today`` when given (so a cached chain stays right after midnight),
    else the server's days-to-expiration is used.
    """
    best: Expiration | None = None
    best_gap: int | None = None
    for e in chain.expirations:
        d = (e.date - today).days if today is not None else e.days_to_expiration
        if d < 0:
            continue
        gap = abs(d - dte)
        if best_gap is None or gap < best_gap:
            best, best_gap = e, gap
    return best


def days_to(exp: Expiration, today: date) -> int:
    return (exp.date - today).days


def atm_index(strikes: tuple[StrikeRow, ...] | list[StrikeRow], price: float | None) -> int:
    """Index of the strike nearest ``price`` (the middle strike when price is unknown)."""
    n = len(strikes)
    if n == 0:
        return 0
    if price is None:
        return n // 2
    prices = [s.strike for s in strikes]
    i = bisect.bisect_left(prices, price)
    if i == 0:
        return 0
    if i >= n:
        return n - 1
    return i if prices[i] - price < price - prices[i - 1] else i - 1


def atm_window(
    strikes: tuple[StrikeRow, ...] | list[StrikeRow], price: float | None, count: int
) -> list[StrikeRow]:
    """``count`` strikes centred on the money (``count`` is the total shown, not per side).

    Near the ends of the chain the window slides rather than shrinks, so the view keeps its
    height. Unknown price -> the middle of the chain.
    """
    n = len(strikes)
    if count <= 0 or n == 0:
        return []
    if count >= n:
        return list(strikes)
    mid = atm_index(strikes, price)
    lo = max(0, min(mid - (count - 1) // 2, n - count))
    return list(strikes[lo : lo + count])


def window_symbols(rows: list[StrikeRow]) -> set[str]:
    """Streamer symbols of both sides of the rows (what the chain view subscribes)."""
    out: set[str] = set()
    for r in rows:
        out.add(r.call_streamer)
        out.add(r.put_streamer)
    return out


def expected_move(price: float | None, iv: float | None, days: int) -> float | None:
    """One-sigma expected move to expiration: price * IV * sqrt(days / 365)."""
    if price is None or iv is None or days < 0:
        return None
    return price * iv * (max(days, 0) / 365.0) ** 0.5
