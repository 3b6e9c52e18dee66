"""What the risk engine reasons about: legs (held positions or a prospective order's legs) and
the market inputs they are priced with.

Why one generic ``Leg``: equities, equity options, futures, futures options and crypto differ
for risk purposes only in how a unit's value depends on its underlying's price (linearly, or as
an option on it) and in the multiplier; the engine needs nothing else, so new instrument types
slot in without touching it.

Conventions:
* ``quantity`` is signed (negative = short) and counts contracts/shares/coins;
* ``entry_price`` is the price per unit (per share for an equity option, per point for a future)
  paid or received, always >= 0; the cost of a leg is ``entry_price * quantity * multiplier``
  (positive = debit paid, negative = credit received);
* the "underlying price" axis of a leg is the price of ``underlying``: the stock for equities and
  equity options, the futures contract for a future and its options, the coin for crypto;
* ``iv`` is the leg's implied volatility as a fraction (0.25 = 25 %), None when unknown.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

_NEW_YORK = ZoneInfo("America/New_York")
_YEAR_SECONDS = 365.0 * 86400.0


class LegKind(enum.StrEnum):
    """Instrument kind of a leg (values match tastytrade's ``instrument-type`` strings)."""

    EQUITY = "Equity"
    EQUITY_OPTION = "Equity Option"
    FUTURE = "Future"
    FUTURE_OPTION = "Future Option"
    CRYPTO = "Cryptocurrency"

    @property
    def is_option(self) -> bool:
        return self in (LegKind.EQUITY_OPTION, LegKind.FUTURE_OPTION)

    @classmethod
    def parse(cls, instrument_type: str) -> LegKind | None:
        """The kind for a tastytrade ``instrument-type`` string, None when not one of these."""
        for k in cls:
            if k.value == instrument_type:
                return k
        return None


@dataclass(frozen=True, slots=True)
class Leg:
    """One position or order leg (see the module docstring for the conventions)."""

    kind: LegKind
    symbol: str
    underlying: str
    quantity: float
    entry_price: float
    multiplier: float = 1.0
    option_type: str | None = None  # "C" or "P" for options
    strike: float | None = None
    expiration: dt.date | None = None
    iv: float | None = None
    settlement: str = "PM"  # "AM" settles at 09:30 New York, "PM" at 16:00

    def __post_init__(self) -> None:
        if self.kind.is_option:
            if self.option_type not in ("C", "P"):
                raise ValueError(f"{self.symbol}: option leg needs option_type 'C' or 'P'")
            if self.strike is None or not self.strike > 0:
                raise ValueError(f"{self.symbol}: option leg needs a positive strike")
            if self.expiration is None:
                raise ValueError(f"{self.symbol}: option leg needs an expiration")
        if self.multiplier <= 0:
            raise ValueError(f"{self.symbol}: multiplier must be positive")
        if self.entry_price < 0:
            raise ValueError(f"{self.symbol}: entry price must be >= 0")

    @property
    def is_option(self) -> bool:
        return self.kind.is_option

    @property
    def is_call(self) -> bool:
        return self.option_type == "C"

    @property
    def cost(self) -> float:
        """Money paid to open (positive = debit) or received (negative = credit)."""
        return self.entry_price * self.quantity * self.multiplier

    def with_quantity(self, quantity: float) -> Leg:
        return replace(self, quantity=quantity)


@dataclass(frozen=True, slots=True)
class MarketInputs:
    """Market data one risk calculation is priced with.

    ``now`` is epoch seconds (from the injectable clock); ``rate`` the continuously compounded
    risk-free rate and ``div_yield`` the underlying's continuous dividend yield (fractions).
    ``vol`` is the volatility used for the probability of profit when the legs carry none of
    their own (a stock-only position, with the underlying's IV index), else ignored.
    """

    spot: float
    now: float
    rate: float = 0.0
    div_yield: float = 0.0
    vol: float | None = None


@functools.lru_cache(maxsize=4096)
def expiry_timestamp(expiration: dt.date, settlement: str = "PM") -> float:
    """Epoch seconds of the expiry instant: 16:00 New York (PM) or 09:30 (AM settlement),
    the convention the simulated exchange prices with."""
    at = dt.time(9, 30) if settlement == "AM" else dt.time(16, 0)
    return dt.datetime.combine(expiration, at, _NEW_YORK).timestamp()


def years_to_expiry(leg: Leg, now: float) -> float:
    """ACT/365 year fraction from ``now`` to the leg's expiry (0 when expired, 0 for non-options)."""
    if leg.expiration is None:
        return 0.0
    return max(expiry_timestamp(leg.expiration, leg.settlement) - now, 0.0) / _YEAR_SECONDS
