"""Candle symbols (``SPY{=5m,tho=true}``) and bars aggregated from the one-minute and daily series.

History is served the way dxFeed serves a time series snapshot: newest bar first, the first event
flagged SNAPSHOT_BEGIN and the last SNAPSHOT_END; later updates of the forming bar carry flags 0
and the same time/index, so a client replaces its last bar.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from ttai_tui.exchange.clock import NY

if TYPE_CHECKING:
    from ttai_tui.exchange.market import Market

SNAPSHOT_BEGIN = 0x04
SNAPSHOT_END = 0x08
_SYM = re.compile(r"^([^{]+)(?:\{(.*)\})?$")
_PER = re.compile(r"^(\d*)([a-zA-Z]+)$")


def parse_candle_symbol(symbol: str) -> tuple[str, tuple[int, str]]:
    """``SPY{=5m,tho=true}`` -> ("SPY", (5, "m")); unknown periods fall back to one day."""
    m = _SYM.match(symbol)
    if not m:
        return symbol, (1, "d")
    base, attrs = m.group(1), m.group(2) or ""
    period = (1, "d")
    for part in attrs.split(","):
        if part.startswith("="):
            pm = _PER.match(part[1:])
            if pm:
                n = int(pm.group(1) or 1)
                unit = pm.group(2).lower()
                unit = {"min": "m", "hour": "h", "day": "d", "week": "w", "month": "mo",
                        "mo": "mo", "s": "s", "m": "m", "h": "h", "d": "d", "w": "w"}.get(unit, "")
                if unit and n > 0:
                    period = (n, unit)
    return base, period


def trading_hours_only(symbol: str) -> bool:
    """``tho=true`` in the candle attributes: bars follow the regular session."""
    m = _SYM.match(symbol)
    return bool(m and "tho=true" in (m.group(2) or "").replace(" ", "").lower().split(","))


def _session_anchor_ms(t_ms: int) -> int:
    """09:30 New York on the day of ``t_ms`` (the regular session open)."""
    d = dt.datetime.fromtimestamp(t_ms / 1000, NY).date()
    return int(dt.datetime.combine(d, dt.time(9, 30), NY).timestamp() * 1000)


def _index(t_ms: int) -> int:
    return ((t_ms // 1000) << 32) | ((t_ms % 1000) << 22)


def _aggregate(
    t: list[int], o: list[float], h: list[float], low: list[float], c: list[float], v: list[float],
    key_of: Callable[[int], int],
) -> list[tuple[int, float, float, float, float, float, int]]:
    out: list[tuple[int, float, float, float, float, float, int]] = []
    cur_k = None
    for i in range(len(t)):
        k = key_of(t[i])
        if k != cur_k:
            out.append((k, o[i], h[i], low[i], c[i], v[i], 1))
            cur_k = k
        else:
            bt, bo, bh, bl, _bc, bv, n = out[-1]
            out[-1] = (bt, bo, max(bh, h[i]), min(bl, low[i]), c[i], bv + v[i], n + 1)
    return out


def _week_key(t_ms: int) -> int:
    d = dt.datetime.fromtimestamp(t_ms / 1000, NY).date()
    monday = d - dt.timedelta(days=d.weekday())
    return int(dt.datetime.combine(monday, dt.time(0), NY).timestamp() * 1000)


def _month_key(t_ms: int) -> int:
    d = dt.datetime.fromtimestamp(t_ms / 1000, NY).date()
    return int(dt.datetime.combine(d.replace(day=1), dt.time(0), NY).timestamp() * 1000)


def bars_for(market: Market, base: str, period: tuple[int, str], tail: int | None = None,
             tho: bool = False) -> list[tuple[int, float, float, float, float, float, int]]:
    """Aggregated bars oldest first; ``tail`` limits the source minutes scanned (live updates).

    With ``tho`` (trading hours only) hourly bars start at the 09:30 New York open (09:30,
    10:30, ... 15:30) and daily bars are stamped 09:30, as the real feed stamps them."""
    n, unit = period
    st = market.states[base]
    if unit in ("s", "m", "h"):
        span = 60000 * (n * 60 if unit == "h" else max(n, 1) if unit == "m" else 1)
        if tho and unit == "h":
            def key(x: int) -> int:
                a = _session_anchor_ms(x)
                return a + (x - a) // span * span
        else:
            def key(x: int) -> int:
                return x // span * span
        m = st.hist.minutes
        start = 0 if tail is None else max(0, len(m.t) - tail)
        if tail is not None:
            # rewind to the first minute of the last bucket so the forming bar is complete
            last_k = key(m.t[-1])
            while start > 0 and m.t[start] >= last_k:
                start -= 1
            while start < len(m.t) and m.t[start] < last_k:
                start += 1
        sl = slice(start, len(m.t))
        return _aggregate(m.t[sl], m.o[sl], m.h[sl], m.low[sl], m.c[sl], m.v[sl], key)
    d = market.daily_bars(base)
    if unit == "d" and n == 1:
        shift = 9 * 3600_000 + 30 * 60_000 if tho else 0  # midnight -> the 09:30 open
        return [(d.t[i] + shift, d.o[i], d.h[i], d.low[i], d.c[i], d.v[i], 1) for i in range(len(d.t))]
    if unit == "d":
        return _aggregate(d.t, d.o, d.h, d.low, d.c, d.v, lambda x: x // (86400000 * n) * (86400000 * n))
    if unit == "w":
        return _aggregate(d.t, d.o, d.h, d.low, d.c, d.v, _week_key)
    return _aggregate(d.t, d.o, d.h, d.low, d.c, d.v, _month_key)


Bar = tuple[int, float, float, float, float, float, int]


def candle_rows(
    market: Market, symbol: str, base: str, period: tuple[int, str], from_time: int,
    last_only: bool = False, transform: Callable[[list[Bar]], list[Bar]] | None = None,
) -> list[tuple[object, ...]]:
    """Candle events in canonical field order, newest first, with snapshot flags.

    ``transform`` maps the underlying's bars to a derivative's (option candles)."""
    tho = trading_hours_only(symbol)
    if last_only:
        bars = bars_for(market, base, period, tail=400 if period[1] in ("s", "m", "h") else None, tho=tho)
        bars = bars[-1:]
    else:
        bars = [b for b in bars_for(market, base, period, tho=tho) if b[0] >= from_time]
        bars.reverse()
    if transform is not None:
        bars = transform(bars)
    rows: list[tuple[object, ...]] = []
    last = len(bars) - 1
    for i, (t, o, h, low, c, v, cnt) in enumerate(bars):
        flags = 0
        if not last_only:
            if i == 0:
                flags |= SNAPSHOT_BEGIN
            if i == last:
                flags |= SNAPSHOT_END
        vwap = round((h + low + c) / 3, 4)
        rows.append((symbol, 0, flags, _index(t), t, 0, cnt, v if v else "NaN", vwap, "NaN",
                     "NaN", "NaN", "NaN", o, h, low, c))
    return rows
