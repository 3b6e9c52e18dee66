"""Trading calendar helpers in New York time (weekdays 09:30-16:00; holidays are ignored).

The exchange trades continuously by default so a demo is alive at any hour; with
``market_hours=True`` the live path only moves inside the regular session.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

NY = ZoneInfo("America/New_York")
UTC = dt.UTC
SESSION_OPEN = dt.time(9, 30)
SESSION_CLOSE = dt.time(16, 0)
SESSION_MINUTES = 390


def ny_date(ts: float) -> dt.date:
    return dt.datetime.fromtimestamp(ts, NY).date()


def session_bounds(day: dt.date) -> tuple[float, float]:
    """Epoch seconds of the regular session open and close on ``day``."""
    o = dt.datetime.combine(day, SESSION_OPEN, NY).timestamp()
    c = dt.datetime.combine(day, SESSION_CLOSE, NY).timestamp()
    return o, c


def midnight_ms(day: dt.date) -> int:
    """dxFeed stamps daily candles at the start of the day in the exchange's time zone."""
    return int(dt.datetime.combine(day, dt.time(0, 0), NY).timestamp() * 1000)


def previous_weekdays(day: dt.date, n: int) -> list[dt.date]:
    """The ``n`` weekdays strictly before ``day``, oldest first."""
    out: list[dt.date] = []
    d = day
    while len(out) < n:
        d -= dt.timedelta(days=1)
        if d.weekday() < 5:
            out.append(d)
    out.reverse()
    return out


def is_open(ts: float) -> bool:
    d = ny_date(ts)
    if d.weekday() >= 5:
        return False
    o, c = session_bounds(d)
    return o <= ts < c


def day_id(day: dt.date) -> int:
    """dxFeed day id: days since 1970-01-01."""
    return (day - dt.date(1970, 1, 1)).days


def iso(ts: float) -> str:
    """tastytrade's timestamp style: 2026-06-01T14:30:00.000+00:00."""
    return dt.datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{int(ts * 1000) % 1000:03d}+00:00"
    )


def third_friday(year: int, month: int) -> dt.date:
    d = dt.date(year, month, 15)
    return d + dt.timedelta(days=(4 - d.weekday()) % 7)
