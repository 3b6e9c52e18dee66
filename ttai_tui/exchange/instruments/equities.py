"""Every other listed stock and ETF: the S&P 500 and heavily traded ETFs, made on first use.

Symbols, names and sectors come from the committed ``exchange/data/sp500.csv`` and
``etfs.csv``. Prices, volatilities, betas, volumes and dividend yields are generated per symbol
from a hash of the symbol and priors by sector (so they are stable across runs and seeds, and
plausible, not quotes of any day). A name's state (history and live path) is built the first
time anything asks for it (``Market.resolvers``), so start-up pays for none of the 500; it then
moves with the market through its beta (the SPX log-return since the last advance) plus its own
noise, quoted and traded like the hand-tuned names.
"""

from __future__ import annotations

import csv
import math
import zlib
from functools import lru_cache
from importlib import resources

import numpy as np

from ttai_tui.exchange.history import build_one
from ttai_tui.exchange.market import STEP, STEPS_PER_DAY, Market, SymState
from ttai_tui.exchange.universe import BY_SYMBOL, EXTRA, UNIVERSE, Spec

#: (annual vol, beta, dividend yield) priors by sector
SECTOR_PRIORS: dict[str, tuple[float, float, float]] = {
    "Information Technology": (0.33, 1.25, 0.006), "Communication Services": (0.30, 1.10, 0.01),
    "Consumer Discretionary": (0.32, 1.15, 0.01), "Consumer Staples": (0.18, 0.60, 0.028),
    "Health Care": (0.26, 0.80, 0.015), "Financials": (0.24, 1.10, 0.022),
    "Industrials": (0.25, 1.05, 0.016), "Energy": (0.30, 0.90, 0.035),
    "Utilities": (0.18, 0.50, 0.035), "Real Estate": (0.23, 0.85, 0.038),
    "Materials": (0.26, 1.00, 0.02), "Equity Index": (0.15, 1.0, 0.013),
    "Sector": (0.22, 1.05, 0.015), "Thematic": (0.55, 1.6, 0.0), "Leveraged": (0.70, 2.8, 0.0),
    "Volatility": (0.90, -3.5, 0.0), "International": (0.22, 0.85, 0.025),
    "Fixed Income": (0.08, 0.05, 0.04), "Commodity": (0.30, 0.2, 0.0), "Crypto": (0.55, 1.6, 0.0),
}
_ETF_SECTORS = {"Equity Index", "Sector", "Thematic", "Leveraged", "Volatility", "International",
                "Fixed Income", "Commodity", "Crypto"}


def _u(symbol: str, salt: str) -> float:
    """A uniform number in [0, 1) fixed by the symbol."""
    return (zlib.crc32(f"{salt}:{symbol}".encode()) & 0xFFFFFF) / float(0x1000000)


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("ttai_tui.exchange.data").joinpath(name).read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    return list(csv.DictReader(lines))


def make_spec(symbol: str, name: str, sector: str) -> Spec:
    vol0, beta0, div0 = SECTOR_PRIORS.get(sector, (0.28, 1.0, 0.01))
    etf = sector in _ETF_SECTORS
    vol = round(vol0 * math.exp(0.35 * (_u(symbol, "vol") - 0.5)), 3)
    beta = round(beta0 * math.exp(0.4 * (_u(symbol, "beta") - 0.5)), 2) if beta0 > 0 else beta0
    price = round(12.0 * math.exp(_u(symbol, "price") * math.log(50.0)), 2)  # $12 .. $600
    size = _u(symbol, "size")
    return Spec(
        symbol=symbol, description=name, price=price, vol=vol, beta=beta,
        kind="etf" if etf else "stock", div_yield=round(div0 * 2 * _u(symbol, "div"), 4),
        market_cap_bn=0.0 if etf else round(15 * math.exp(4 * size), 1),
        liquidity=3 + int(size * 2.99), adv_m=round(1.0 + 25 * size * size, 2),
        earnings_in_days=None if etf else 1 + int(_u(symbol, "earn") * 90),
        weeklies=etf or size > 0.4, jump_rate=0.5, jump_size=0.004,
        shares_bn=0.0 if etf else round(15 * math.exp(4 * size) / price, 3),
        eps=0.0 if etf else round(price / (12 + 25 * _u(symbol, "pe")), 2),
        sector="" if etf else sector,
    )


@lru_cache(maxsize=1)
def extra_specs() -> dict[str, Spec]:
    """The S&P 500 and ETF names not already hand-tuned in ``universe.UNIVERSE``."""
    known = {s.symbol for s in UNIVERSE}
    out: dict[str, Spec] = {}
    for fname in ("sp500.csv", "etfs.csv"):
        for row in _rows(fname):
            sym = row["symbol"].strip().upper()
            if sym and sym not in known and sym not in out:
                out[sym] = make_spec(sym, row["name"].strip(), row["sector"].strip())
    return out


class ExtraEquities:
    """Makes and moves the states of the lazily listed names of one market."""

    def __init__(self, market: Market) -> None:
        self.market = market
        self.specs = extra_specs()
        EXTRA.update(self.specs)  # the equity routes, chains and search see them from now on
        for sym, spec in self.specs.items():
            BY_SYMBOL.setdefault(sym, spec)
        self.live: dict[str, SymState] = {}
        self._spx_log = math.log(market.states["SPX"].price)
        self.rng = np.random.default_rng([market.seed, 88])
        self._t = market.t
        market.resolvers.append(self.make)
        market.listeners.append(self.update)

    def make(self, symbol: str) -> SymState | None:
        spec = self.specs.get(symbol)
        if spec is None:
            return None
        m = self.market
        h = build_one(spec, m.seed, m.start_time, m.market_hours)
        st = m.state_from(spec, h, m.states["SPX"].day, self.rng.random(2))
        self.live[symbol] = st
        return st

    def update(self) -> None:
        """Follow the market factor (SPX's move since the last advance) with beta, plus noise."""
        m = self.market
        spx = math.log(m.states["SPX"].price)
        dm, self._spx_log = spx - self._spx_log, spx
        if not self.live:
            self._t = m.t
            return
        steps = max(1, round((m.t - self._t) / STEP))  # market steps since the last update
        self._t = m.t
        now_ms = int(m.t * 1000)
        for st in self.live.values():
            sp = st.spec
            idio = math.sqrt(max(sp.vol**2 - (sp.beta * 0.15) ** 2, (0.25 * sp.vol) ** 2)
                             / (252 * STEPS_PER_DAY) * steps)
            u = self.rng.random(4)
            st.price *= math.exp(sp.beta * dm + idio * float(self.rng.standard_normal()))
            if abs(st.price - st.mid) > 0.35 * (st.ask - st.bid) or u[0] < 0.3:
                st.quote_time = now_ms
                m._requote(st, u[1:3])
            if u[3] < 0.05 * sp.liquidity:
                size = 100 * (1 + int(self.rng.exponential(3.0)))
                m._trade(st, st.ask if u[1] < 0.5 else st.bid, size, now_ms)
