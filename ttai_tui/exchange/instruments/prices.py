"""Futures contract prices: each contract is its source path times a carry factor.

Why derived: a futures position and the ETF it hedges must move together, so /ES and /MES are
SPX with cost of carry (r - q over the time to the contract's expiry), /NQ is QQQ scaled to the
Nasdaq-100, /RTY IWM, /YM DIA; commodity, rate and currency products follow their own root path
in the market process (``universe.ROOTS``) with a per-product carry, so later months sit in
contango or backwardation. A contract's state is made the first time anything asks for it
(``Market.resolvers``) and then quoted in the product's tick on every market advance.
"""

from __future__ import annotations

import datetime as dt
import math
import zlib

import numpy as np

from ttai_tui.core.clock import SessionCalendar
from ttai_tui.exchange.clock import NY, ny_date
from ttai_tui.exchange.history import SESSION_MINUTES, Bars, History, _rv
from ttai_tui.exchange.instruments.futures import Contract, find_contract
from ttai_tui.exchange.market import Market, SymState
from ttai_tui.exchange.universe import Spec


def expiry_ts(c: Contract) -> float:
    """Epoch seconds of the contract's last trade (16:00 New York on the last-trade day)."""
    return dt.datetime.combine(c.last_trade, dt.time(16, 0), NY).timestamp()


def carry_factor(c: Contract, now: float) -> float:
    """Price ratio of the contract to its source path at ``now``."""
    years = max(expiry_ts(c) - now, 0.0) / (365.0 * 86400.0)
    return c.product.ratio * math.exp(c.product.carry * years)


def scaled_history(src: History, k: float, seed: int, adv_m: float) -> History:
    """The source's bars times ``k`` with volumes of the contract's own size (vectorised:
    contracts are made on first use, so this runs while a client waits)."""
    rng = np.random.default_rng([seed, 2000])

    def sc(b: Bars, scale_v: float) -> Bars:
        n = len(b)
        v = np.round(scale_v * rng.lognormal(-0.05, 0.3, n)).tolist() if n else []
        return Bars(list(b.t), _rv(np.asarray(b.o) * k), _rv(np.asarray(b.h) * k),
                    _rv(np.asarray(b.low) * k), _rv(np.asarray(b.c) * k), v)

    return History(daily=sc(src.daily, adv_m * 1e6), minutes=sc(src.minutes, adv_m * 1e6 / SESSION_MINUTES),
                   today_first=src.today_first, iv_daily=list(src.iv_daily),
                   ma_log=src.ma_log + math.log(k), daily_var=src.daily_var)


def round_tick(x: float, tick: float) -> float:
    return round(round(x / tick) * tick, 8)


class FuturePrices:
    """Makes and moves the contract states of one market."""

    def __init__(self, market: Market, calendar: SessionCalendar) -> None:
        self.market = market
        self.calendar = calendar
        self.contracts: dict[str, Contract] = {}  # streamer symbol -> contract
        self.rng = np.random.default_rng([market.seed, 77])
        market.resolvers.append(self.make)
        market.listeners.append(self.update)

    def contract_for(self, symbol: str) -> Contract | None:
        return find_contract(symbol, ny_date(self.market.t), self.calendar)

    def state(self, c: Contract) -> SymState:
        st = self.market.state(c.streamer_symbol)
        assert st is not None  # make() accepts every listed contract
        return st

    def make(self, symbol: str) -> SymState | None:
        if not symbol.startswith("/") or ":" not in symbol:
            return None
        c = self.contract_for(symbol)
        if c is None or c.streamer_symbol != symbol:
            return None
        src = self.market.states[c.product.source]
        k = carry_factor(c, self.market.t)
        p = c.product
        adv = {True: 1.0}.get(p.small, 0.5) * (2.0 if p.source in ("SPX", "QQQ") else 0.3)
        spec = Spec(
            symbol=c.streamer_symbol, description=f"{p.description} {c.month_code}{c.year % 100:02d}",
            price=src.price * k, vol=src.spec.vol, beta=src.spec.beta, kind="future",
            liquidity=5, adv_m=adv, weeklies=False, jump_rate=0.0, sector=p.sector,
        )
        hist = scaled_history(src.hist, k, self.market.seed + zlib.crc32(symbol.encode()) % 1000, adv)
        st = SymState(spec=spec, hist=hist, price=src.price * k, day=src.day)
        st.prev_close = round_tick(src.prev_close * k, p.tick)
        st.prev_volume = float(hist.daily.v[-1]) if hist.daily.v else 0.0
        if src.day_open is not None:
            st.day_open = round_tick(src.day_open * k, p.tick)
            st.day_high = round_tick((src.day_high or src.last) * k, p.tick)
            st.day_low = round_tick((src.day_low or src.last) * k, p.tick)
            m = hist.minutes
            st.day_volume = float(sum(m.v[hist.today_first:]))
        st.last = round_tick(src.last * k, p.tick)
        st.change = st.last - st.prev_close
        st.trade_time = st.quote_time = int(self.market.t * 1000)
        self._requote(st, c)
        self.contracts[symbol] = c
        return st

    def _requote(self, st: SymState, c: Contract) -> None:
        tick = c.product.tick
        width = tick * (1 if c.product.source in ("SPX", "QQQ", "/ZN", "/ZF", "/ZB") else 2)
        bid = math.floor((st.price - width / 2) / tick + 1e-9) * tick
        st.bid = round(bid, 8)
        st.ask = round(bid + width, 8)
        u = self.rng.random(2)
        st.bid_size = 1 + int(u[0] * 60)
        st.ask_size = 1 + int(u[1] * 60)
        st.quote_seq += 1

    def update(self) -> None:
        """Follow the source paths (called after every market advance)."""
        m = self.market
        now_ms = int(m.t * 1000)
        for sym, c in list(self.contracts.items()):
            st = m.states.get(sym)
            if st is None:
                continue
            src = m.states[c.product.source]
            st.price = src.price * carry_factor(c, m.t)
            u = self.rng.random(3)
            if abs(st.price - st.mid) > 0.35 * (st.ask - st.bid) or u[0] < 0.3:
                st.quote_time = now_ms
                self._requote(st, c)
            if u[1] < 0.25:
                px = st.ask if u[2] < 0.5 else st.bid
                size = 1 + int(self.rng.exponential(3.0))
                m._trade(st, px, size, now_ms)
                st.last = round_tick(st.last, c.product.tick)
