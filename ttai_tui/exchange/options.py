"""Option chains and their prices: listed expirations and strikes, an implied-volatility surface
with skew and term structure, and quotes/greeks/theo/open interest that agree with each other.

Every option is priced from the same inputs (underlying mid, surface vol, rate, dividend yield)
by European Black-Scholes-Merton, and the quote is built around that theoretical value, so mid is
within half a tick of theo, put-call parity holds within the spread and greeks match prices.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zlib
from dataclasses import dataclass
from functools import lru_cache

from ttai_tui import calendars
from ttai_tui.core.pricing import Greeks, bs_greeks
from ttai_tui.exchange.clock import NY, third_friday
from ttai_tui.exchange.market import Market
from ttai_tui.exchange.universe import BY_SYMBOL, RISK_FREE_RATE, Spec

STREAMER_RE = re.compile(r"^\.([A-Z]+)(\d{6})([CP])(\d+(?:\.\d+)?)$")
OCC_RE = re.compile(r"^([A-Z]+)\s*(\d{6})([CP])(\d{8})$")


@dataclass(frozen=True, slots=True)
class OptionId:
    """One listed contract; both tastytrade spellings derive from it."""

    root: str
    expiration: dt.date
    call: bool
    strike: float

    @property
    def underlying(self) -> str:
        return self.root

    @property
    def occ(self) -> str:
        return (
            f"{self.root:<6}{self.expiration:%y%m%d}{'C' if self.call else 'P'}"
            f"{round(self.strike * 1000):08d}"
        )

    @property
    def streamer(self) -> str:
        k = f"{self.strike:.3f}".rstrip("0").rstrip(".")
        return f".{self.root}{self.expiration:%y%m%d}{'C' if self.call else 'P'}{k}"


def parse_option(symbol: str) -> OptionId | None:
    """Accepts a streamer symbol (.SPY260717C500) or an OCC symbol (SPY   260717C00500000)."""
    m = STREAMER_RE.match(symbol)
    if m:
        root, ymd, cp, k = m.groups()
        strike = float(k)
    else:
        m = OCC_RE.match(symbol.strip())
        if not m:
            return None
        root, ymd, cp, k8 = m.groups()
        strike = int(k8) / 1000.0
    try:
        exp = dt.datetime.strptime(ymd, "%y%m%d").date()
    except ValueError:
        return None
    return OptionId(root, exp, cp == "C", strike)


@dataclass(frozen=True, slots=True)
class Expiration:
    date: dt.date
    kind: str  # "Regular" (monthly) | "Weekly"
    settlement: str  # "PM" | "AM"

    def dte(self, today: dt.date) -> int:
        return (self.date - today).days


def strike_step(price: float) -> float:
    for limit, step in ((25, 0.5), (60, 1.0), (250, 2.5), (600, 5.0), (1500, 10.0), (4000, 25.0)):
        if price < limit:
            return step
    return 25.0 if price < 8000 else 50.0


def fine_step(price: float, spec: Spec) -> float:
    """Liquid ETFs list $1 strikes; SPX lists 5-point strikes near the money."""
    if spec.symbol in ("SPY", "QQQ", "IWM", "DIA", "GLD", "TLT"):
        return 1.0
    if spec.symbol == "SPX":
        return 5.0
    return strike_step(price)


@lru_cache(maxsize=256)
def expirations(symbol: str, today: dt.date) -> tuple[Expiration, ...]:
    """Dailies (if listed) for a week, weeklies for ~2 months, monthlies to ~1 year."""
    spec = BY_SYMBOL[symbol]
    am = spec.symbol == "SPX"
    out: dict[dt.date, Expiration] = {}
    for i in range(12 + 1):
        y, m = divmod(today.month - 1 + i, 12)
        d = third_friday(today.year + y, m + 1)
        if today <= d <= today + dt.timedelta(days=380):
            out[d] = Expiration(d, "Regular", "AM" if am else "PM")
    if spec.weeklies:
        d = today + dt.timedelta(days=(4 - today.weekday()) % 7)
        for _ in range(9):
            out.setdefault(d, Expiration(d, "Weekly", "PM"))
            d += dt.timedelta(days=7)
    if spec.dailies:
        d = today
        for _ in range(7):
            if d.weekday() < 5:
                out.setdefault(d, Expiration(d, "Weekly", "PM"))
            d += dt.timedelta(days=1)
    # an expiration on an exchange holiday moves to the business day before (Good Friday's
    # monthlies expire on the Thursday), from the NYSE calendar
    cal = calendars.calendar("NYSE", today)
    moved: dict[dt.date, Expiration] = {}
    for k in sorted(out):
        d = cal.previous_trading_day(k)
        if d >= today and d not in moved:
            moved[d] = Expiration(d, out[k].kind, out[k].settlement)
    return tuple(moved[k] for k in sorted(moved))


_LADDER = (0.5, 1.0, 2.0, 2.5, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0)


@lru_cache(maxsize=4096)
def strikes(symbol: str, ref_price: float, dte: int) -> tuple[float, ...]:
    """Strikes centred on a reference price (the listing day's price), wider for longer dates."""
    spec = BY_SYMBOL[symbol]
    t = max(dte, 1) / 365.0
    width = min(0.9, max(0.08, 3.2 * spec.vol * math.sqrt(t)))
    base = fine_step(ref_price, spec) if dte <= 60 else strike_step(ref_price)
    for step in (x for x in _LADDER if x >= base):  # coarsen the wings until browsable
        lo = max(step, math.floor(ref_price * (1 - width) / step) * step)
        hi = math.ceil(ref_price * (1 + width * 0.8) / step) * step
        n = round((hi - lo) / step) + 1
        if n <= 120:
            break
    out = {round(lo + i * step, 3) for i in range(n)}
    # the listed fine step stays near the money (SPY: $1 strikes within about a standard
    # deviation), as exchanges list them; only the wings use the coarser step
    inner = min(width, max(0.02, 1.0 * spec.vol * math.sqrt(t)))
    if base < step:
        ilo = max(base, math.floor(ref_price * (1 - inner) / step) * step)
        ihi = math.ceil(ref_price * (1 + inner) / step) * step
        out |= {round(ilo + i * base, 3) for i in range(round((ihi - ilo) / base) + 1)}
    return tuple(sorted(out))


def years_to(exp: Expiration | dt.date, now: float, settlement: str = "PM") -> float:
    """Year fraction to the expiry instant (16:00 NY for PM, 09:30 NY for AM settlement)."""
    d = exp.date if isinstance(exp, Expiration) else exp
    if isinstance(exp, Expiration):
        settlement = exp.settlement
    at = dt.time(9, 30) if settlement == "AM" else dt.time(16, 0)
    ts = dt.datetime.combine(d, at, NY).timestamp()
    return max(ts - now, 0.0) / (365.0 * 86400.0)


@dataclass(frozen=True, slots=True)
class OptionQuote:
    """Everything the feed says about one option at one moment."""

    theo: float
    iv: float
    greeks: Greeks
    bid: float
    ask: float
    bid_size: int
    ask_size: int
    underlying: float
    rate: float
    div: float
    open_interest: int
    volume: int


class OptionBook:
    """Prices options off the live market; caches per (symbol, underlying quote version)."""

    def __init__(self, market: Market) -> None:
        self.market = market
        self._cache: dict[str, tuple[int, OptionQuote]] = {}
        self.ref_price: dict[str, float] = {s: st.prev_close for s, st in market.states.items()}
        self._earn: dict[str, dt.date | None] = {}
        today = market.states["SPX"].day
        for sym, spec in BY_SYMBOL.items():
            self._earn[sym] = (
                today + dt.timedelta(days=spec.earnings_in_days)
                if spec.earnings_in_days is not None
                else None
            )

    def today(self) -> dt.date:
        return self.market.states["SPX"].day

    def earnings(self, symbol: str) -> dt.date | None:
        return self._earn.get(symbol)

    def chain(self, symbol: str) -> list[tuple[Expiration, tuple[float, ...]]]:
        """Listed expirations with their strikes (fixed for the day)."""
        spec = BY_SYMBOL.get(symbol)
        if spec is None or not spec.optionable:
            return []
        today = self.today()
        if symbol not in self.ref_price:  # a name listed on first use
            st = self.market.state(symbol)
            if st is None:
                return []
            self.ref_price[symbol] = st.prev_close
        ref = round(self.ref_price[symbol], 2)
        return [(e, strikes(symbol, ref, e.dte(today))) for e in expirations(symbol, today)]

    def listed(self, oid: OptionId) -> bool:
        for e, ks in self.chain(oid.root):
            if e.date == oid.expiration:
                return any(abs(k - oid.strike) < 1e-6 for k in ks)
        return False

    def surface_vol(self, symbol: str, strike: float, t: float, spot: float) -> float:
        """ATM level with term structure, plus skew in standardised moneyness and an earnings
        bump for expirations after the next report."""
        spec = BY_SYMBOL[symbol]
        lvl = self.market.iv_level(symbol)
        long_run = spec.vol * 1.05
        te = max(t, 1.0 / 365.0)
        atm = long_run + (lvl - long_run) * math.exp(-te / 0.25)
        atm *= 1.0 + 0.04 * math.exp(-te / 0.02)  # the front week trades rich
        f = spot * math.exp((RISK_FREE_RATE - spec.div_yield) * te)
        m = math.log(strike / f) / (atm * math.sqrt(te))
        m = max(-3.5, min(3.5, m))
        if spec.jump_rate >= 2:  # meme names: a smile, calls as rich as puts
            skew, curv = -0.03, 0.06
        elif spec.kind in ("index", "etf"):
            skew, curv = -0.16, 0.035
        else:
            skew, curv = -0.09, 0.03
        vol = atm * (1.0 + skew * m + curv * m * m)
        earn = self._earn.get(symbol)
        if earn is not None:
            exp_date = self.today() + dt.timedelta(days=t * 365.0)
            if exp_date >= earn:
                move = spec.vol * 0.09
                vol = math.sqrt(vol * vol + move * move / te)
        return max(0.04, vol)

    def quote(self, oid: OptionId, now: float | None = None) -> OptionQuote:
        st = self.market.states[oid.root]
        key = oid.streamer
        hit = self._cache.get(key)
        version = st.quote_seq
        if hit is not None and hit[0] == version:
            return hit[1]
        now = self.market.t if now is None else now
        spec = st.spec
        settle = "AM" if oid.root == "SPX" and oid.expiration == third_friday(
            oid.expiration.year, oid.expiration.month
        ) else "PM"
        t = years_to(oid.expiration, now, settle)
        spot = st.mid
        vol = self.surface_vol(oid.root, oid.strike, t, spot)
        g = bs_greeks(spot, oid.strike, t, vol, RISK_FREE_RATE, spec.div_yield, oid.call)
        theo = max(g.price, 0.0)
        tick = 0.01 if theo < 3.0 or spec.liquidity >= 5 else 0.05
        rel = {5: 0.004, 4: 0.012, 3: 0.03}.get(spec.liquidity, 0.05)
        half = max(tick / 2, theo * rel / 2, 0.005 * math.sqrt(spot / 100.0))
        bid = math.floor((theo - half) / tick + 1e-9) * tick
        ask = math.ceil((theo + half) / tick - 1e-9) * tick
        if bid < 0:
            bid = 0.0
        if ask <= bid:
            ask = bid + tick
        h = zlib.crc32(key.encode())
        oi = self._open_interest(spec, oid, spot, t, h)
        frac = min(1.0, max(0.05, (now - self.market.start_time) / 23400 + 0.3))
        q = OptionQuote(
            theo=theo, iv=vol, greeks=g, bid=round(bid, 2), ask=round(ask, 2),
            bid_size=1 + (h % 97) * spec.liquidity // 4 + (version % 7),
            ask_size=1 + (h // 97 % 89) * spec.liquidity // 4 + (version % 5),
            underlying=spot, rate=RISK_FREE_RATE, div=spec.div_yield,
            open_interest=oi, volume=int(oi * 0.08 * frac * (1 + (h >> 8) % 5)),
        )
        self._cache[key] = (version, q)
        if len(self._cache) > 50000:
            self._cache.clear()
        return q

    @staticmethod
    def _open_interest(spec: Spec, oid: OptionId, spot: float, t: float, h: int) -> int:
        mny = abs(math.log(oid.strike / spot)) / max(spec.vol * math.sqrt(max(t, 1 / 365)), 1e-3)
        base = {5: 40000, 4: 8000, 3: 2000}.get(spec.liquidity, 500)
        monthly = 1.0 if oid.expiration == third_friday(oid.expiration.year, oid.expiration.month) else 0.4
        round_k = 1.6 if oid.strike % (strike_step(spot) * 2) == 0 else 1.0
        return int(base * monthly * round_k * math.exp(-0.8 * mny) * (0.5 + (h % 1000) / 1000))
