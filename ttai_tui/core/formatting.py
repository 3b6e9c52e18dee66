"""Text formatting for prices, sizes, percentages and greeks.

Why one module: every view (watchlist, chain, positions, CLI tables) must render the same value
the same way, and a missing value (None or NaN) must always render as ``MISSING`` ("—"), never
as 0.
"""

from __future__ import annotations

import math
from typing import TypeGuard

MISSING = "—"


def _ok(v: float | None) -> TypeGuard[float]:
    """A real number to show (not None, NaN or infinite)."""
    return v is not None and v == v and v not in (math.inf, -math.inf)


def fmt_price(v: float | None, decimals: int = 2) -> str:
    """``501.23``; thousands separated for big values."""
    if not _ok(v):
        return MISSING
    return f"{v:,.{decimals}f}"


def fmt_change(v: float | None, decimals: int = 2) -> str:
    """Signed change: ``+1.23`` / ``-0.50``."""
    if not _ok(v):
        return MISSING
    return f"{v:+,.{decimals}f}"


def fmt_pct(v: float | None, decimals: int = 2, signed: bool = True) -> str:
    """``v`` is already in percent units: ``1.234`` -> ``+1.23%``."""
    if not _ok(v):
        return MISSING
    return f"{v:+.{decimals}f}%" if signed else f"{v:.{decimals}f}%"


def fmt_ratio_pct(v: float | None, decimals: int = 1) -> str:
    """``v`` is a fraction (IV 0.2345, IV rank 0.5) -> ``23.5%``."""
    if not _ok(v):
        return MISSING
    return f"{v * 100:.{decimals}f}%"


def fmt_size(v: float | None) -> str:
    """Sizes and volumes, compact: ``950``, ``12.3K``, ``4.56M``, ``1.2B``."""
    if not _ok(v):
        return MISSING
    a = abs(v)
    if a < 10_000:
        return f"{v:,.0f}"
    if a < 1_000_000:
        return f"{v / 1_000:.1f}K"
    if a < 1_000_000_000:
        return f"{v / 1_000_000:.2f}M"
    return f"{v / 1_000_000_000:.2f}B"


def fmt_int(v: float | None) -> str:
    """Whole numbers with separators (open interest, quantity)."""
    if not _ok(v):
        return MISSING
    return f"{v:,.0f}"


def fmt_qty(v: float | None) -> str:
    """A position quantity: whole contracts and shares as integers, fractional crypto (0.25
    BTC) with up to 8 decimals, never rounded to 0."""
    if not _ok(v):
        return MISSING
    if float(v).is_integer():
        return f"{v:,.0f}"
    return f"{v:,.8f}".rstrip("0")


def fmt_greek(v: float | None, decimals: int = 3) -> str:
    """Delta/gamma/theta/vega per contract: ``0.523``, ``-0.041``."""
    if not _ok(v):
        return MISSING
    return f"{v:.{decimals}f}"


def fmt_money(v: float | None, decimals: int = 2, signed: bool = False) -> str:
    """``$1,234.56`` (``-$12.00`` / ``+$3.00`` when signed)."""
    if not _ok(v):
        return MISSING
    sign = "-" if v < 0 else ("+" if signed and v > 0 else "")
    return f"{sign}${abs(v):,.{decimals}f}"


def fmt_age(seconds: float | None) -> str:
    """How old data is: ``0s``, ``42s``, ``3m``, ``2h``."""
    if not _ok(seconds):
        return MISSING
    s = max(0.0, seconds)
    if s < 60:
        return f"{s:.0f}s"
    if s < 3600:
        return f"{s // 60:.0f}m"
    return f"{s // 3600:.0f}h"


def fmt_strike(v: float | None) -> str:
    """Strikes drop useless zeros: ``500``, ``502.5``."""
    if not _ok(v):
        return MISSING
    return f"{v:.2f}".rstrip("0").rstrip(".")
