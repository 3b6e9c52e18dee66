"""Axis arithmetic: price decimals from the instrument's tick, round price ticks, time labels.

Why the tick decides the decimals: a price axis cut to fewer decimals than the tick (the old
chart showed SPY at one decimal) makes two different prices print the same, and one with more
(``512.3000``) is noise. The tick is the instrument's minimum price increment (0.01 for a stock
over $1, 0.0001 under $1, 0.25 for ES futures, 0.01 or finer for crypto); callers pass it, and
:func:`equity_tick` is the default when they do not know it (the stock rule the exchange serves
in ``tick-sizes``).
"""

from __future__ import annotations

import math
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

__all__ = [
    "TZ",
    "decimals_for_tick",
    "equity_tick",
    "fmt_price",
    "fmt_volume",
    "price_ticks",
    "time_label",
    "time_labels",
]

TZ = ZoneInfo("America/New_York")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MAX_DECIMALS = 10


def equity_tick(price: float) -> float:
    """The US equity tick: 0.0001 below one dollar, 0.01 above (Reg NMS rule 612)."""
    return 0.0001 if math.isfinite(price) and abs(price) < 1.0 else 0.01


def decimals_for_tick(tick: float) -> int:
    """The fewest decimals that print every multiple of ``tick`` exactly (0.25 -> 2, 1e-8 -> 8)."""
    if not math.isfinite(tick) or tick <= 0:
        return 2
    for d in range(MAX_DECIMALS + 1):
        scaled = tick * 10**d
        if abs(scaled - round(scaled)) <= 1e-9 * max(1.0, scaled):
            return d
    return MAX_DECIMALS


def fmt_price(value: float, decimals: int) -> str:
    """Thousands separators and the tick's decimals; ``—`` when missing."""
    if not math.isfinite(value):
        return "—"
    return f"{value:,.{decimals}f}"


def fmt_volume(value: float) -> str:
    """Compact volume: 950, 12.3K, 4.56M, 1.2B; ``—`` when missing."""
    if not math.isfinite(value):
        return "—"
    v = abs(value)
    for div, unit in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if v >= div:
            x = value / div
            return f"{x:.{2 if abs(x) < 10 else 1 if abs(x) < 100 else 0}f}{unit}"
    return f"{value:.0f}"


def price_ticks(lo: float, hi: float, rows: int, tick: float) -> np.ndarray:
    """Round prices (1, 2, 2.5 or 5 x 10^k, never finer than ``tick``) inside [lo, hi], about
    one per three rows."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo or rows < 2:
        return np.empty(0)
    want = max(2, rows // 3)
    raw = (hi - lo) / want
    mag = 10 ** math.floor(math.log10(raw))
    step = next((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), 10 * mag)
    if tick > 0 and math.isfinite(tick):
        step = max(tick, round(step / tick) * tick)
    first = math.ceil(lo / step - 1e-9) * step
    return np.arange(first, hi + step * 1e-9, step)


def _local(t: float) -> datetime:
    return datetime.fromtimestamp(t, TZ)


def time_label(t: float, timeframe: str) -> str:
    """The full time of one bar, for the header and the cursor: ``Wed 06-17 10:25`` intraday,
    ``Wed 2026-06-17`` for daily bars."""
    if not math.isfinite(t):
        return "—"
    dt = _local(t)
    return dt.strftime("%a %Y-%m-%d") if timeframe == "1d" else dt.strftime("%a %m-%d %H:%M")


def time_labels(times: np.ndarray, timeframe: str) -> list[tuple[int, str]]:
    """(priority, label) per bar: what a time-axis label at that bar would say, and how much it
    matters. A new year/month/day outranks the first bar's context label, which outranks a round
    hour, which outranks a half hour; the axis places labels by priority so boundaries are
    always named and never crowded out by the first bar's label.

    Intraday (1m..1h): ``06-17`` on the first bar of a day, ``HH:MM`` otherwise. Daily:
    ``Aug 2026`` on the first bar, ``2027`` at a new year, ``Jun 2`` at a new month, the day of
    the month on Mondays.
    """
    out: list[tuple[int, str]] = []
    prev: datetime | None = None
    daily = timeframe == "1d"
    for t in times:
        if not math.isfinite(t):
            out.append((-1, ""))
            continue
        dt = _local(float(t))
        # f-strings, not strftime: this runs for every visible bar on every redraw
        hm = f"{dt.hour:02d}:{dt.minute:02d}"
        if daily:
            if prev is None:  # context for the day numbers, unless a month change needs the room
                item = (2, f"{MONTHS[dt.month - 1]} {dt.year}")
            elif dt.year != prev.year:
                item = (4, str(dt.year))
            elif dt.month != prev.month:
                item = (3, f"{MONTHS[dt.month - 1]} {dt.day}")
            elif dt.weekday() < prev.weekday():
                item = (1, str(dt.day))
            else:
                item = (0, str(dt.day))
        elif prev is None:  # the first bar's date, unless a new day needs the room
            item = (3, f"{dt.month:02d}-{dt.day:02d}")
        elif dt.date() != prev.date():
            item = (4, f"{dt.month:02d}-{dt.day:02d}")
        elif dt.minute == 0 and (timeframe != "1h" or dt.hour % 2 == 0):
            item = (2, hm)
        elif dt.minute in (30, 0):
            item = (1, hm)
        elif dt.minute % 15 == 0:
            item = (0, hm)
        else:
            item = (-1, hm)
        out.append(item)
        prev = dt
    return out
