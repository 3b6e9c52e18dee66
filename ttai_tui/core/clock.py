"""Injectable clocks and the New York equity session helper.

Why injectable: every "how old is this" and "is the market open" decision must be testable with
a frozen time, and snapshot tests need a stable clock. Production code takes a ``Clock`` and
defaults to ``SYSTEM_CLOCK``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

NEW_YORK = ZoneInfo("America/New_York")


class Clock(Protocol):
    """``now()`` is wall time in epoch seconds; ``monotonic()`` is for durations only."""

    def now(self) -> float: ...

    def monotonic(self) -> float: ...


class SystemClock:
    """The real clock."""

    __slots__ = ()

    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()


SYSTEM_CLOCK = SystemClock()


class FrozenClock:
    """A clock that moves only when told to (tests, snapshots)."""

    __slots__ = ("_mono", "_t")

    def __init__(self, t: float = 1_780_000_000.0) -> None:
        self._t = float(t)
        self._mono = 1000.0

    def now(self) -> float:
        return self._t

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        self._t += seconds
        self._mono += seconds

    def set(self, t: float) -> None:
        self._t = float(t)


# NYSE full-day holidays we know about; weekends are always closed. A missing holiday only
# mislabels the status bar for one day, it never affects data.
_HOLIDAYS: frozenset[date] = frozenset(
    date.fromisoformat(d)
    for d in (
        "2026-01-01", "2026-01-19", "2026-02-16", "2026-04-03", "2026-05-25", "2026-06-19",
        "2026-07-03", "2026-09-07", "2026-11-26", "2026-12-25",
        "2027-01-01", "2027-01-18", "2027-02-15", "2027-03-26", "2027-05-31", "2027-06-18",
        "2027-07-05", "2027-09-06", "2027-11-25", "2027-12-24",
    )
)


@dataclass(slots=True, frozen=True)
class MarketSession:
    """Where the US equity session stands at a moment."""

    state: str  # "open" | "pre" | "post" | "closed"
    ny_time: datetime
    next_change: datetime | None

    @property
    def is_open(self) -> bool:
        return self.state == "open"


def _trading_day(d: date) -> bool:
    return d.weekday() < 5 and d not in _HOLIDAYS


def market_session(now: float) -> MarketSession:
    """Regular session 09:30-16:00 New York, pre-market from 04:00, post until 20:00."""
    ny = datetime.fromtimestamp(now, NEW_YORK)
    d = ny.date()
    at = lambda h, m: ny.replace(hour=h, minute=m, second=0, microsecond=0)  # noqa: E731
    if _trading_day(d):
        if ny < at(4, 0):
            return MarketSession("closed", ny, at(4, 0))
        if ny < at(9, 30):
            return MarketSession("pre", ny, at(9, 30))
        if ny < at(16, 0):
            return MarketSession("open", ny, at(16, 0))
        if ny < at(20, 0):
            return MarketSession("post", ny, at(20, 0))
    nxt = d + timedelta(days=1)
    while not _trading_day(nxt):
        nxt += timedelta(days=1)
    nxt_open = datetime(nxt.year, nxt.month, nxt.day, 4, 0, tzinfo=NEW_YORK)
    return MarketSession("closed", ny, nxt_open)


def ny_date(now: float) -> date:
    """Today's date in New York (what "days to expiration" counts from)."""
    return datetime.fromtimestamp(now, NEW_YORK).date()
