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


@dataclass(slots=True, frozen=True)
class SessionCalendar:
    """An exchange's non-weekend closures and early closes over ``[first, last]``.

    Why passed in: core is pure, so the data comes from an adapter (``ttai_tui.calendars``,
    which reads the maintained ``exchange_calendars`` package). Outside ``[first, last]`` only
    weekends are known to be closed.
    """

    holidays: frozenset[date] = frozenset()
    early_closes: tuple[tuple[date, int, int], ...] = ()  # (day, hour, minute) New York
    first: date = date.min
    last: date = date.min

    def is_trading_day(self, d: date) -> bool:
        return d.weekday() < 5 and d not in self.holidays

    def close_at(self, d: date) -> tuple[int, int]:
        """Regular-session close (hour, minute) in New York on ``d``."""
        for day, h, m in self.early_closes:
            if day == d:
                return h, m
        return 16, 0

    def previous_trading_day(self, d: date) -> date:
        """``d`` itself when it trades, else the closest earlier trading day."""
        while not self.is_trading_day(d):
            d -= timedelta(days=1)
        return d

    def add_trading_days(self, d: date, n: int) -> date:
        """The trading day ``n`` trading days after (n > 0) or before (n < 0) ``d``."""
        step = 1 if n >= 0 else -1
        left = abs(n)
        while left:
            d += timedelta(days=step)
            if self.is_trading_day(d):
                left -= 1
        return d

    def covers(self, d: date) -> bool:
        return self.first <= d <= self.last


WEEKDAYS_ONLY = SessionCalendar()


@dataclass(slots=True, frozen=True)
class MarketSession:
    """Where the US equity session stands at a moment."""

    state: str  # "open" | "pre" | "post" | "closed"
    ny_time: datetime
    next_change: datetime | None

    @property
    def is_open(self) -> bool:
        return self.state == "open"


def market_session(now: float, calendar: SessionCalendar = WEEKDAYS_ONLY) -> MarketSession:
    """Regular session 09:30-16:00 New York (13:00 on an early close), pre-market from 04:00,
    post-market until 20:00 (17:00 after an early close); holidays from ``calendar``."""
    ny = datetime.fromtimestamp(now, NEW_YORK)
    d = ny.date()
    at = lambda h, m: ny.replace(hour=h, minute=m, second=0, microsecond=0)  # noqa: E731
    if calendar.is_trading_day(d):
        ch, cm = calendar.close_at(d)
        if ny < at(4, 0):
            return MarketSession("closed", ny, at(4, 0))
        if ny < at(9, 30):
            return MarketSession("pre", ny, at(9, 30))
        if ny < at(ch, cm):
            return MarketSession("open", ny, at(ch, cm))
        if ny < at(ch + 4, cm):
            return MarketSession("post", ny, at(ch + 4, cm))
    nxt = d + timedelta(days=1)
    while not calendar.is_trading_day(nxt):
        nxt += timedelta(days=1)
    nxt_open = datetime(nxt.year, nxt.month, nxt.day, 4, 0, tzinfo=NEW_YORK)
    return MarketSession("closed", ny, nxt_open)


def ny_date(now: float) -> date:
    """Today's date in New York (what "days to expiration" counts from)."""
    return datetime.fromtimestamp(now, NEW_YORK).date()
