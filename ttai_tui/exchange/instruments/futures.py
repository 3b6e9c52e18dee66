"""Futures products and their listed contracts: specs, expiration rules, front month and roll.

Contract terms (tick, multiplier, listed months, last-trade rules) are the exchanges' published
terms in simplified form; business days are the CME calendar's (``ttai_tui.calendars``). Symbols
follow tastytrade: ``/ESZ6`` (one-digit year) and the streamer symbol ``/ESZ26:XCME``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from ttai_tui.core.clock import SessionCalendar

MONTH_CODES = "FGHJKMNQUVXZ"
QUARTERLY = "HMUZ"


@dataclass(frozen=True, slots=True)
class FutureProductSpec:
    """One futures product (``/ES``)."""

    code: str
    description: str
    exchange: str  # tastytrade's exchange (CME group products are "CME")
    streamer_exchange: str  # XCME, XCBT, XNYM, XCEC
    clearing_exchange: str  # CME, CBT, NYM, CMX
    tick: float
    multiplier: float
    listed_months: str  # month codes
    active_months: str
    n_listed: int  # contracts listed at any time
    rule: str  # last-trade rule, see ``last_trade``
    sector: str
    product_type: str  # "Physical" | "Financial"
    cash_settled: bool
    source: str  # price source: a market path and the ratio to it ("SPX", 1.0)
    ratio: float
    carry: float  # annual carry of later contracts over the source (index: r - q)
    roll_days: int  # business days before last trade (or first notice) the front rolls
    first_notice: bool
    small: bool = False
    option_roots: tuple[str, ...] = ()  # futures-option roots (first is the standard one)

    @property
    def root(self) -> str:
        return "/" + self.code

    @property
    def tick_value(self) -> float:
        return self.tick * self.multiplier


def _p(code: str, desc: str, exch: str, sx: str, clr: str, tick: float, mult: float, listed: str,
       active: str, n: int, rule: str, sector: str, ptype: str, cash: bool, source: str,
       ratio: float, carry: float, roll: int, fn: bool, small: bool = False,
       opts: tuple[str, ...] = ()) -> FutureProductSpec:
    return FutureProductSpec(code, desc, exch, sx, clr, tick, mult, listed, active, n, rule, sector,
                             ptype, cash, source, ratio, carry, roll, fn, small, opts)


ALL = MONTH_CODES
# index futures carry r - q over the index (4.3 % rate less ~1.2 % dividends)
_IDX = 0.031
PRODUCTS: tuple[FutureProductSpec, ...] = (
    _p("ES", "E-mini S&P 500", "CME", "XCME", "CME", 0.25, 50, QUARTERLY, QUARTERLY, 5,
       "third_friday", "Equity Index", "Financial", True, "SPX", 1.0, _IDX, 6, False,
       opts=("ES", "EW")),
    _p("MES", "Micro E-mini S&P 500", "CME", "XCME", "CME", 0.25, 5, QUARTERLY, QUARTERLY, 5,
       "third_friday", "Equity Index", "Financial", True, "SPX", 1.0, _IDX, 6, False,
       small=True, opts=("MES", "EX")),
    _p("NQ", "E-mini Nasdaq-100", "CME", "XCME", "CME", 0.25, 20, QUARTERLY, QUARTERLY, 5,
       "third_friday", "Equity Index", "Financial", True, "QQQ", 41.15, 0.036, 6, False,
       opts=("NQ", "QN")),
    _p("MNQ", "Micro E-mini Nasdaq-100", "CME", "XCME", "CME", 0.25, 2, QUARTERLY, QUARTERLY,
       5, "third_friday", "Equity Index", "Financial", True, "QQQ", 41.15, 0.036, 6, False,
       small=True),
    _p("RTY", "E-mini Russell 2000", "CME", "XCME", "CME", 0.1, 50, QUARTERLY, QUARTERLY, 5,
       "third_friday", "Equity Index", "Financial", True, "IWM", 10.08, 0.032, 6, False),
    _p("M2K", "Micro E-mini Russell 2000", "CME", "XCME", "CME", 0.1, 5, QUARTERLY, QUARTERLY,
       5, "third_friday", "Equity Index", "Financial", True, "IWM", 10.08, 0.032, 6, False,
       small=True),
    _p("YM", "E-mini Dow ($5)", "CME", "XCBT", "CBT", 1.0, 5, QUARTERLY, QUARTERLY, 5,
       "third_friday", "Equity Index", "Financial", True, "DIA", 100.0, 0.028, 6, False),
    _p("CL", "Crude Oil WTI", "CME", "XNYM", "NYM", 0.01, 1000, ALL, ALL, 12, "cl",
       "Energy", "Physical", False, "/CL", 1.0, -0.03, 3, True, opts=("LO",)),
    _p("MCL", "Micro WTI Crude Oil", "CME", "XNYM", "NYM", 0.01, 100, ALL, ALL, 12, "cl",
       "Energy", "Physical", False, "/CL", 1.0, -0.03, 3, True, small=True),
    _p("NG", "Henry Hub Natural Gas", "CME", "XNYM", "NYM", 0.001, 10000, ALL, ALL, 12, "ng",
       "Energy", "Physical", False, "/NG", 1.0, 0.08, 3, True),
    _p("GC", "Gold", "CME", "XCEC", "CMX", 0.1, 100, ALL, "GJMQVZ", 6, "metal", "Metals",
       "Physical", False, "/GC", 1.0, 0.045, 3, True, opts=("OG",)),
    _p("MGC", "Micro Gold", "CME", "XCEC", "CMX", 0.1, 10, ALL, "GJMQVZ", 6, "metal", "Metals",
       "Physical", False, "/GC", 1.0, 0.045, 3, True, small=True),
    _p("SI", "Silver", "CME", "XCEC", "CMX", 0.005, 5000, ALL, "HKNUZ", 5, "metal", "Metals",
       "Physical", False, "/SI", 1.0, 0.045, 3, True),
    _p("ZN", "10-Year T-Note", "CME", "XCBT", "CBT", 0.015625, 1000, QUARTERLY, QUARTERLY, 3,
       "treasury", "Interest Rates", "Financial", False, "/ZN", 1.0, -0.002, 3, True,
       opts=("OZN",)),
    _p("ZB", "30-Year T-Bond", "CME", "XCBT", "CBT", 0.03125, 1000, QUARTERLY, QUARTERLY, 3,
       "treasury", "Interest Rates", "Financial", False, "/ZB", 1.0, -0.003, 3, True),
    _p("ZF", "5-Year T-Note", "CME", "XCBT", "CBT", 0.0078125, 1000, QUARTERLY, QUARTERLY, 3,
       "treasury_eom", "Interest Rates", "Financial", False, "/ZF", 1.0, -0.001, 3, True),
    _p("6E", "Euro FX", "CME", "XCME", "CME", 0.00005, 125000, QUARTERLY, QUARTERLY, 5, "fx",
       "Currencies", "Financial", False, "/6E", 1.0, -0.02, 6, False),
)
BY_CODE: dict[str, FutureProductSpec] = {p.code: p for p in PRODUCTS}


@dataclass(frozen=True, slots=True)
class Contract:
    """One listed futures contract (``/ESZ6``)."""

    product: FutureProductSpec
    year: int
    month: int
    last_trade: dt.date
    first_notice: dt.date | None
    roll_date: dt.date  # from this day the next contract is the active month

    @property
    def month_code(self) -> str:
        return MONTH_CODES[self.month - 1]

    @property
    def symbol(self) -> str:
        return f"/{self.product.code}{self.month_code}{self.year % 10}"

    @property
    def streamer_symbol(self) -> str:
        return f"/{self.product.code}{self.month_code}{self.year % 100:02d}:{self.product.streamer_exchange}"

    @property
    def contract_code(self) -> str:
        return f"{self.product.code}{self.month_code}{self.year % 10}"


def _third_weekday(y: int, m: int, weekday: int) -> dt.date:
    d = dt.date(y, m, 1)
    d += dt.timedelta(days=(weekday - d.weekday()) % 7)
    return d + dt.timedelta(days=14)


def _last_business_day(cal: SessionCalendar, y: int, m: int) -> dt.date:
    nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
    return cal.previous_trading_day(nxt - dt.timedelta(days=1))


def last_trade(p: FutureProductSpec, y: int, m: int, cal: SessionCalendar) -> dt.date:
    """The exchange's last-trade day rule for contract month ``y-m`` (simplified)."""
    if p.rule == "third_friday":
        return cal.previous_trading_day(_third_weekday(y, m, 4))
    if p.rule == "fx":  # two business days before the third Wednesday
        return cal.add_trading_days(_third_weekday(y, m, 2), -2)
    py, pm = (y - 1, 12) if m == 1 else (y, m - 1)
    if p.rule == "cl":  # 3 business days before the 25th of the prior month
        d25 = dt.date(py, pm, 25)
        base = d25 if cal.is_trading_day(d25) else cal.previous_trading_day(d25)
        return cal.add_trading_days(base, -3)
    if p.rule == "ng":  # 3 business days before the first day of the contract month
        return cal.add_trading_days(dt.date(y, m, 1), -3)
    if p.rule == "metal":  # third-last business day of the contract month
        return cal.add_trading_days(_last_business_day(cal, y, m), -2)
    if p.rule == "treasury":  # 7th business day before the month's last business day
        return cal.add_trading_days(_last_business_day(cal, y, m), -7)
    if p.rule == "treasury_eom":
        return _last_business_day(cal, y, m)
    raise ValueError(f"unknown last-trade rule {p.rule}")


def _first_notice(p: FutureProductSpec, y: int, m: int, cal: SessionCalendar) -> dt.date | None:
    if not p.first_notice:
        return None
    py, pm = (y - 1, 12) if m == 1 else (y, m - 1)
    if p.rule in ("cl", "ng"):
        return None  # cash-style: notice follows the last trade; the roll keys off last trade
    return _last_business_day(cal, py, pm)


@lru_cache(maxsize=256)
def contracts(code: str, today: dt.date, cal: SessionCalendar) -> tuple[Contract, ...]:
    """Contracts trading on ``today`` (last trade on or after it), nearest first."""
    p = BY_CODE[code]
    out: list[Contract] = []
    y, m = today.year, today.month
    while len(out) < p.n_listed:
        if MONTH_CODES[m - 1] in p.listed_months and MONTH_CODES[m - 1] in (
            p.active_months if p.n_listed <= 6 else p.listed_months
        ):
            lt = last_trade(p, y, m, cal)
            if lt >= today:
                fn = _first_notice(p, y, m, cal)
                anchor = fn if fn is not None else lt
                out.append(Contract(p, y, m, lt, fn, cal.add_trading_days(anchor, -p.roll_days)))
        m += 1
        if m > 12:
            y, m = y + 1, 1
    return tuple(out)


def active_index(cs: tuple[Contract, ...], today: dt.date) -> int:
    """Index of the active (front) month: the first contract not yet past its roll date."""
    for i, c in enumerate(cs):
        if today < c.roll_date:
            return i
    return len(cs) - 1


def parse_future(symbol: str) -> tuple[str, str, int] | None:
    """``/ESZ6``, ``ESZ6``, ``/ESZ26`` or ``/ESZ26:XCME`` -> (code, month code, year digits)."""
    s = symbol.split(":", 1)[0].lstrip("/").upper()
    for digits in (2, 1):
        if len(s) < digits + 2:
            continue
        code, mc, yy = s[: -digits - 1], s[-digits - 1], s[-digits:]
        if code in BY_CODE and mc in MONTH_CODES and yy.isdigit():
            return code, mc, int(yy)
    return None


def find_contract(symbol: str, today: dt.date, cal: SessionCalendar) -> Contract | None:
    """The listed contract a symbol names (any of the accepted forms), else None."""
    parsed = parse_future(symbol)
    if parsed is None:
        return None
    code, mc, yy = parsed
    mod = 100 if _two_digit(symbol) else 10
    for c in contracts(code, today, cal):
        if c.month_code == mc and c.year % mod == yy:
            return c
    return None


def _two_digit(symbol: str) -> bool:
    s = symbol.split(":", 1)[0].lstrip("/")
    return len(s) >= 2 and s[-2:].isdigit()
