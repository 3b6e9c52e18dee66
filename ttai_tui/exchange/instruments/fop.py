"""Futures options: listed expirations per product, strikes, symbols and Black-76 quotes.

Rules (simplified from the CME's): equity-index products (ES, MES, NQ) list Friday weeklies for
eight weeks (roots EW1-EW4 / EX1-EX4 / QN1-QN4 by week of the month) and quarterly options on
the contract month's third Friday (root = the product code); crude (LO) expires the business
day before its future's last trade; gold (OG) four business days before the end of the month
before the option month; 10-year notes (OZN) on the last Friday at least two business days
before the end of the month before. An expiration that would fall on a holiday moves to the
business day before (as Good Friday expirations do).

Pricing is Black-76: ``bs_greeks`` with the future as the spot and the dividend yield equal to
the rate. The volatility is the source path's surface at the same moneyness, so an /ES option
and the SPX option at the same strike (in index points) show the same implied volatility.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zlib
from dataclasses import dataclass
from functools import lru_cache

from ttai_tui.core.clock import SessionCalendar
from ttai_tui.core.pricing import bs_greeks
from ttai_tui.exchange.clock import NY
from ttai_tui.exchange.instruments.futures import (
    BY_CODE,
    MONTH_CODES,
    Contract,
    FutureProductSpec,
    contracts,
)
from ttai_tui.exchange.options import OptionQuote
from ttai_tui.exchange.universe import RISK_FREE_RATE

#: products with options: code -> (strike step, weekly root prefix or "")
OPTION_PRODUCTS: dict[str, tuple[float, str]] = {
    "ES": (5.0, "EW"), "MES": (5.0, "EX"), "NQ": (25.0, "QN"),
    "CL": (0.5, ""), "GC": (5.0, ""), "ZN": (0.25, ""),
}
STREAMER_RE = re.compile(r"^\./([A-Z0-9]+?)([FGHJKMNQUVXZ])(\d{2})([CP])(\d+(?:\.\d+)?):(X[A-Z]+)$")


@dataclass(frozen=True, slots=True)
class FopExpiration:
    """One futures-option expiration of one root."""

    product: FutureProductSpec
    root: str  # option root, e.g. "EW4" or "LO"
    date: dt.date
    month: int  # the option's contract month (its code's month)
    year: int
    underlying: Contract
    kind: str  # "Regular" | "Weekly"
    strikes: tuple[float, ...]

    @property
    def option_code(self) -> str:
        """Contract code in the symbol: root + month + one-digit year (``EW4X6``)."""
        return f"{self.root}{MONTH_CODES[self.month - 1]}{self.year % 10}"

    @property
    def streamer_code(self) -> str:
        return f"{self.root}{MONTH_CODES[self.month - 1]}{self.year % 100:02d}"

    def symbol(self, call: bool, strike: float) -> str:
        fut = self.underlying.contract_code
        return (f"./{fut:<5}{self.option_code:<6}{self.date:%y%m%d}{'C' if call else 'P'}"
                f"{strike_text(strike)}")

    def streamer(self, call: bool, strike: float) -> str:
        return (f"./{self.streamer_code}{'C' if call else 'P'}{strike_text(strike)}"
                f":{self.product.streamer_exchange}")

    def expires_ts(self) -> float:
        at = dt.time(9, 30) if self.kind == "Regular" and self.product.cash_settled else dt.time(16, 0)
        return dt.datetime.combine(self.date, at, NY).timestamp()


@dataclass(frozen=True, slots=True)
class FopId:
    """One listed futures option."""

    exp: FopExpiration
    call: bool
    strike: float

    @property
    def symbol(self) -> str:
        return self.exp.symbol(self.call, self.strike)

    @property
    def streamer(self) -> str:
        return self.exp.streamer(self.call, self.strike)


def strike_text(k: float) -> str:
    return f"{k:.6f}".rstrip("0").rstrip(".")


def _fridays(today: dt.date, weeks: int) -> list[dt.date]:
    d = today + dt.timedelta(days=(4 - today.weekday()) % 7)
    return [d + dt.timedelta(days=7 * i) for i in range(weeks)]


def _third_friday(y: int, m: int) -> dt.date:
    d = dt.date(y, m, 15)
    return d + dt.timedelta(days=(4 - d.weekday()) % 7)


def _eom_business(cal: SessionCalendar, y: int, m: int) -> dt.date:
    nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
    return cal.previous_trading_day(nxt - dt.timedelta(days=1))


def _prev_month(y: int, m: int) -> tuple[int, int]:
    return (y - 1, 12) if m == 1 else (y, m - 1)


def _underlying_for(cs: tuple[Contract, ...], y: int, m: int, expiry: dt.date) -> Contract | None:
    for c in cs:
        if (c.year, c.month) >= (y, m) and c.last_trade >= expiry:
            return c
    return None


def _raw_expirations(code: str, today: dt.date, cal: SessionCalendar
                     ) -> list[tuple[str, dt.date, int, int, Contract, str]]:
    p = BY_CODE[code]
    cs = contracts(code, today, cal)
    out: list[tuple[str, dt.date, int, int, Contract, str]] = []
    _step, weekly = OPTION_PRODUCTS[code]
    if weekly:
        seen: set[dt.date] = set()
        for c in cs:  # quarterlies within a year
            d = cal.previous_trading_day(_third_friday(c.year, c.month))
            if today <= d <= today + dt.timedelta(days=370):
                out.append((code, d, c.month, c.year, c, "Regular"))
                seen.add(d)
        for f in _fridays(today, 8):
            n = (f.day - 1) // 7 + 1
            d = cal.previous_trading_day(f)
            if n > 4 or d < today or d in seen:
                continue
            u = _underlying_for(cs, f.year, f.month, d)
            if u is not None:
                out.append((f"{weekly}{n}", d, f.month, f.year, u, "Weekly"))
    else:
        root = p.option_roots[0]
        y, m = today.year, today.month
        for _ in range(8):
            m += 1
            if m > 12:
                y, m = y + 1, 1
            py, pm = _prev_month(y, m)
            if code == "CL":
                u = next((c for c in cs if (c.year, c.month) == (y, m)), None)
                if u is None:
                    continue
                d = cal.add_trading_days(u.last_trade, -1)
            elif code == "GC":
                d = cal.add_trading_days(_eom_business(cal, py, pm), -4)
                u = _underlying_for(cs, y, m, d)
            else:  # ZN: last Friday at least 2 business days before the prior month's end
                limit = cal.add_trading_days(_eom_business(cal, py, pm), -2)
                d = limit - dt.timedelta(days=(limit.weekday() - 4) % 7)
                d = cal.previous_trading_day(d)
                u = _underlying_for(cs, y, m, d)
            if u is not None and d >= today:
                out.append((root, d, m, y, u, "Regular"))
    out.sort(key=lambda x: (x[1], x[0]))
    return out


@lru_cache(maxsize=64)
def expirations(code: str, today: dt.date, cal: SessionCalendar,
                refs: tuple[tuple[str, float], ...], vol: float) -> tuple[FopExpiration, ...]:
    """Listed expirations of a product with strikes centred on each underlying's reference
    price (``refs``: contract symbol -> the listing day's price)."""
    ref = dict(refs)
    step, _ = OPTION_PRODUCTS[code]
    p = BY_CODE[code]
    out = []
    for root, d, m, y, u, kind in _raw_expirations(code, today, cal):
        f = ref[u.symbol]
        t = max((d - today).days, 1) / 365.0
        half = min(0.5, max(0.03, 3.0 * vol * math.sqrt(t)))
        inner = min(half, max(0.02, 1.0 * vol * math.sqrt(t)))
        st = step  # the listed step near the money (ES: 5 points) ...
        while (f * inner) / st > 60:
            st *= 2
        wide = st * 4  # ... and wider steps in the wings
        lo = max(wide, math.floor(f * (1 - half) / wide) * wide)
        hi = math.ceil(f * (1 + half) / wide) * wide
        ilo = math.floor(f * (1 - inner) / wide) * wide
        ihi = math.ceil(f * (1 + inner) / wide) * wide
        ks_set = {round(lo + i * wide, 6) for i in range(round((hi - lo) / wide) + 1)}
        ks_set |= {round(ilo + i * st, 6) for i in range(round((ihi - ilo) / st) + 1)}
        ks = tuple(sorted(ks_set))
        out.append(FopExpiration(p, root, d, m, y, u, kind, ks))
    return tuple(out)


def parse_streamer(symbol: str) -> tuple[str, int, int, bool, float, str] | None:
    """``./EW4X26C6000:XCME`` -> (root, month, 2-digit year, call, strike, exchange)."""
    m = STREAMER_RE.match(symbol)
    if m is None:
        return None
    root, mc, yy, cp, k, ex = m.groups()
    return root, MONTH_CODES.index(mc) + 1, int(yy), cp == "C", float(k), ex


def product_of_root(root: str) -> str | None:
    for code, (_s, weekly) in OPTION_PRODUCTS.items():
        if root == BY_CODE[code].option_roots[0] or (weekly and root[:-1] == weekly
                                                      and root[-1:].isdigit()):
            return code
    return None


def price(fid: FopId, fut: float, vol: float, now: float, version: int) -> OptionQuote:
    """Black-76 value and a quoted market around it, in the product's option ticks.

    The same quote record as an equity option's: Black-76 is Black-Scholes with the carry equal
    to the rate, so ``div`` is the rate.
    """
    t = max(fid.exp.expires_ts() - now, 0.0) / (365.0 * 86400.0)
    g = bs_greeks(fut, fid.strike, t, vol, RISK_FREE_RATE, RISK_FREE_RATE, fid.call)
    theo = max(g.price, 0.0)
    tick = option_tick(fid.exp.product, theo)
    half = max(tick, theo * 0.01)
    bid = max(0.0, math.floor((theo - half) / tick + 1e-9) * tick)
    ask = math.ceil((theo + half) / tick - 1e-9) * tick
    if ask <= bid:
        ask = bid + tick
    h = zlib.crc32(fid.streamer.encode())
    mny = abs(math.log(fid.strike / fut)) / max(vol * math.sqrt(max(t, 1 / 365)), 1e-3)
    oi = int(5000 * math.exp(-0.8 * mny) * (0.5 + (h % 1000) / 1000))
    return OptionQuote(theo, vol, g, round(bid, 6), round(ask, 6), 1 + (h % 50) + version % 7,
                       1 + (h // 50 % 50) + version % 5, fut, RISK_FREE_RATE, RISK_FREE_RATE,
                       oi, int(oi * 0.1))


def option_tick_sizes(p: FutureProductSpec) -> tuple[tuple[float, float | None], ...]:
    """Option price increments by product as the API lists them: (tick, below this premium),
    the last without a threshold (cabinet and reduced ticks left out)."""
    if p.code in ("ES", "MES"):
        return ((0.05, 10.0), (0.25, None))
    if p.code == "NQ":
        return ((0.05, 5.0), (0.25, None))
    if p.code == "CL":
        return ((0.01, None),)
    if p.code == "GC":
        return ((0.1, None),)
    return ((1 / 64, None),)


def option_tick(p: FutureProductSpec, premium: float) -> float:
    """The increment of an option of ``p`` priced at ``premium``."""
    for tick, below in option_tick_sizes(p):
        if below is None or premium < below:
            return tick
    return option_tick_sizes(p)[-1][0]


def tick_sizes_json(p: FutureProductSpec) -> list[dict[str, str]]:
    """``tick-sizes`` / ``option-tick-sizes`` entries ({value, threshold})."""
    out = []
    for tick, below in option_tick_sizes(p):
        d = {"value": f"{tick:g}"}
        if below is not None:
            d["threshold"] = f"{below:g}"
        out.append(d)
    return out
