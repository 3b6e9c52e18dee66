"""The live market: one stochastic path per symbol, advanced in fixed steps of simulated time.

Each step draws a market-factor shock with GARCH(1,1) variance (volatility clustering), adds
each name's beta-loaded share plus its own GARCH residual and rare jumps, then updates quotes
(spread scaling with price and liquidity), random trades (Poisson arrivals, realistic sizes),
day statistics and the forming one-minute candle. SPY tracks SPX exactly and VIX is SPX's
implied-vol level, so the three never disagree. The sequence of shocks is fixed by the seed:
the same seed replays the same path step for step.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ttai_tui.exchange.clock import day_id, is_open, midnight_ms, ny_date
from ttai_tui.exchange.history import SV_K, Bars, History, build_histories
from ttai_tui.exchange.universe import INDEX_OF, PATHS, Spec

STEP = 0.1  # seconds of simulated time per step
STEPS_PER_DAY = 23400 / STEP
MAX_CATCHUP_STEPS = 6000  # after a long stall, skip ahead rather than replay minutes of ticks


def tick_size(price: float) -> float:
    return 0.01 if price >= 1.0 else 0.0001


def spread_for(spec: Spec, price: float) -> float:
    """Quoted width: one tick for liquid names, wider for pricey or thin ones."""
    bps = {5: 0.15, 4: 0.8, 3: 1.5}.get(spec.liquidity, 3.0) * 1e-4
    if spec.is_index:
        bps = 0.4e-4
    t = tick_size(price)
    return max(t, round(price * bps / t) * t)


@dataclass(slots=True)
class SymState:
    """Latest top-of-book, last trade and day statistics of one symbol."""

    spec: Spec
    hist: History
    price: float  # "true" mid of the process
    bid: float = 0.0
    ask: float = 0.0
    bid_size: int = 0
    ask_size: int = 0
    last: float = 0.0
    last_size: int = 0
    change: float = 0.0
    tick_direction: str = "ZERO"
    prev_close: float = 0.0
    prev_volume: float = 0.0
    day_open: float | None = None
    day_high: float | None = None
    day_low: float | None = None
    day_volume: float = 0.0
    day_turnover: float = 0.0
    quote_time: int = 0  # epoch ms
    trade_time: int = 0
    quote_seq: int = 0  # bumps whenever the quote changes
    trade_seq: int = 0  # bumps on every trade
    candle_seq: int = 0  # bumps whenever the forming minute bar changes
    day: dt.date = dt.date.min  # NY date of the current session (set by the first day roll)

    @property
    def mid(self) -> float:
        return 0.5 * (self.bid + self.ask)

    @property
    def symbol(self) -> str:
        return self.spec.symbol


class Market:
    """All symbols' live state; ``advance(now)`` catches the path up to wall-clock ``now``."""

    def __init__(
        self,
        seed: int = 1,
        market_hours: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.seed = seed
        self.market_hours = market_hours
        self.clock = clock
        self.t = clock()
        self.start_time = self.t
        self.steps = 0
        self.histories = build_histories(seed, self.t, market_hours)
        self.rng = np.random.default_rng([seed, 42])
        n = len(PATHS)
        self.n = n
        self.beta = np.array([s.beta for s in PATHS])
        self.jump_p = np.array([s.jump_rate / STEPS_PER_DAY for s in PATHS])
        self.jump_sz = np.array([s.jump_size for s in PATHS])
        sd_m = 0.15 / math.sqrt(252 * STEPS_PER_DAY)
        sd_tot = np.array([s.vol for s in PATHS]) / math.sqrt(252 * STEPS_PER_DAY)
        self.idio_lr = np.maximum(sd_tot**2 - (self.beta * sd_m) ** 2, (0.25 * sd_tot) ** 2)
        self.m_lr = sd_m * sd_m
        self.m_var = self.m_lr
        self.m_var_slow = self.m_lr
        self.i_var = self.idio_lr.copy()
        self.m_ret = 0.0
        self.i_ret = np.zeros(n)
        self.trade_p = np.array(
            [0.0 if s.is_index else {5: 3.0, 4: 1.2, 3: 0.6}.get(s.liquidity, 0.3) * STEP
             for s in PATHS]
        )
        self.states: dict[str, SymState] = {}
        today = ny_date(self.t)
        for spec in PATHS:
            self.states[spec.symbol] = self.state_from(spec, self.histories[spec.symbol], today,
                                                       self.rng.random(2))
        self.log_p = np.log(np.array([self.states[s.symbol].price for s in PATHS]))
        self.i_spx = INDEX_OF["SPX"]
        self.i_spy = INDEX_OF["SPY"]
        self.i_vix = INDEX_OF["VIX"]
        #: paths that trade around the clock (crypto), moved on their own when the
        #: equity session is closed (``market_hours=True``)
        self.i_always = [i for i, sp in enumerate(PATHS) if sp.kind == "crypto"]
        self.spy_ratio = self.states["SPY"].price / self.states["SPX"].price
        self.listeners: list[Callable[[], None]] = []
        #: makers of states that are not paths of their own (futures contracts), asked by
        #: ``state()`` for a symbol it does not hold yet; each returns None when not its symbol
        self.resolvers: list[Callable[[str], SymState | None]] = []
        # anchors of the spot/vol relation, fixed at start (the live bars keep growing)
        self.lp0 = {sym: math.log(st.price) for sym, st in self.states.items()}
        h = self.histories["SPX"]
        self.vix_amp = self.states["VIX"].price * math.exp(
            SV_K["index"] * (self.lp0["SPX"] - h.ma_log)
        )

    # ------------------------------------------------------------------ public
    def state(self, symbol: str) -> SymState | None:
        st = self.states.get(symbol)
        if st is None:
            for make in self.resolvers:
                st = make(symbol)
                if st is not None:
                    self.states[symbol] = st
                    break
        return st

    def price(self, symbol: str) -> float:
        return self.states[symbol].mid

    def iv_level(self, symbol: str) -> float:
        """Current 30-day ATM implied-vol level: the history's last level moved by spot/vol."""
        st = self.states[symbol]
        h = st.hist
        k = SV_K.get(st.spec.kind, 2.0) * (0.3 if st.spec.jump_rate >= 2 else 1.0)
        base = h.iv_daily[-1] if h.iv_daily else st.spec.vol
        lp0 = self.lp0.setdefault(symbol, math.log(st.price))
        i = INDEX_OF.get(symbol)  # names listed on first use have no GARCH state of their own
        garch = 1.0 if i is None else math.sqrt(float(self.i_var[i] / self.idio_lr[i]))
        return max(0.05, base * math.exp(-k * (math.log(st.price) - lp0)) * garch**0.2)

    def is_trading(self, ts: float | None = None) -> bool:
        return (not self.market_hours) or is_open(self.t if ts is None else ts)

    def advance(self, now: float | None = None) -> int:
        """Run the steps between the last call and ``now``; returns how many ran."""
        now = self.clock() if now is None else now
        n = int((now - self.t) / STEP)
        if n <= 0:
            return 0
        if n > MAX_CATCHUP_STEPS:
            self.t += (n - MAX_CATCHUP_STEPS) * STEP
            n = MAX_CATCHUP_STEPS
        ran = 0
        for _ in range(n):
            self.t += STEP
            self._maybe_roll_day()
            if self.is_trading():
                self._step()
                ran += 1
            elif self.i_always:
                self._step_always_on()
        for fn in self.listeners:
            fn()
        return ran

    def daily_bars(self, symbol: str) -> Bars:
        """Completed daily bars plus today's bar built from the live day statistics."""
        st = self.states[symbol]
        b = st.hist.daily
        out = Bars(list(b.t), list(b.o), list(b.h), list(b.low), list(b.c), list(b.v))
        if st.day_open is not None:
            out.append(
                midnight_ms(st.day), st.day_open, st.day_high or st.last, st.day_low or st.last,
                st.last, st.day_volume,
            )
        return out

    def day_id(self, symbol: str) -> int:
        return day_id(self.states[symbol].day)

    # ----------------------------------------------------------------- process
    def _step(self) -> None:
        rng = self.rng
        n = self.n
        a, b = 0.05, 0.94
        z = rng.standard_normal(n + 1)
        self.m_var = self.m_lr * (1 - a - b) + a * self.m_ret**2 + b * self.m_var
        self.m_ret = math.sqrt(self.m_var) * z[0]
        self.m_var_slow += 0.0005 * (self.m_var - self.m_var_slow)
        self.i_var = self.idio_lr * (1 - a - b) + a * self.i_ret**2 + b * self.i_var
        self.i_ret = np.sqrt(self.i_var) * z[1:]
        jumps = rng.random(n) < self.jump_p
        jsz = rng.normal(0.0, 1.0, n) * self.jump_sz
        r = self.beta * self.m_ret + self.i_ret + np.where(jumps, jsz, 0.0)
        r[self.i_spx] = self.m_ret + 0.02 * self.i_ret[self.i_spx]
        self.log_p += r
        self.log_p[self.i_spy] = self.log_p[self.i_spx] + math.log(self.spy_ratio)
        u = rng.random((n, 5))
        now_ms = int(self.t * 1000)
        for i, spec in enumerate(PATHS):
            st = self.states[spec.symbol]
            if i == self.i_vix:
                st.price = self._vix_value()
                self.log_p[i] = math.log(st.price)
            else:
                st.price = math.exp(self.log_p[i])
            moved = abs(st.price - st.mid) > 0.35 * (st.ask - st.bid)
            if moved or u[i, 0] < 0.5:
                st.quote_time = now_ms
                self._requote(st, u[i, 1:3])
            if spec.is_index:
                if abs(st.price - st.last) >= tick_size(st.price):
                    self._trade(st, round(st.price, 2), 0, now_ms)
            elif u[i, 3] < self.trade_p[i]:
                at_ask = u[i, 4] < 0.5 + 20 * r[i] / max(1e-9, math.sqrt(self.idio_lr[i]))
                px = st.ask if at_ask else st.bid
                mean = spec.adv_m * 1e6 / (23400 * self.trade_p[i] / STEP)
                size = max(1, round(mean * rng.lognormal(-0.5, 1.0) / 100.0) * 100
                           if mean > 300 else int(mean * rng.lognormal(-0.5, 1.0)) + 1)
                self._trade(st, px, size, now_ms)
        self.steps += 1

    def _step_always_on(self) -> None:
        """One step of the around-the-clock paths alone (total vol, no market factor)."""
        rng = self.rng
        now_ms = int(self.t * 1000)
        z = rng.standard_normal(len(self.i_always))
        u = rng.random((len(self.i_always), 4))
        for k, i in enumerate(self.i_always):
            st = self.states[PATHS[i].symbol]
            sd = math.sqrt(float(self.idio_lr[i]) + (self.beta[i] ** 2) * self.m_lr)
            self.log_p[i] += sd * z[k]
            st.price = math.exp(self.log_p[i])
            if abs(st.price - st.mid) > 0.35 * (st.ask - st.bid) or u[k, 0] < 0.5:
                st.quote_time = now_ms
                self._requote(st, u[k, 1:3])
            if u[k, 3] < self.trade_p[i]:
                self._trade(st, st.ask if u[k, 1] < 0.5 else st.bid, 1, now_ms)

    def _vix_value(self) -> float:
        spx = self.states["SPX"]
        h = self.histories["SPX"]
        k = SV_K["index"]
        # rising realised variance lifts the level a little (volatility clustering feeds VIX)
        g = (self.m_var_slow / self.m_lr) ** 0.1
        return max(9.0, self.vix_amp * math.exp(-k * (math.log(spx.price) - h.ma_log)) * g)

    def state_from(self, spec: Spec, h: History, day: dt.date, u: np.ndarray) -> SymState:
        """A name's live state where its generated history ends: yesterday's close and volume,
        today's open/high/low/volume/turnover so far, last = the final minute, quoted now (``u``:
        two uniforms for the quote)."""
        st = SymState(spec=spec, hist=h, price=h.minutes.c[-1], day=day)
        st.prev_close = h.minutes.c[h.today_first - 1]
        st.prev_volume = float(h.daily.v[-1])
        m = h.minutes
        if len(m) > h.today_first:
            sel = slice(h.today_first, len(m))
            st.day_open = m.o[h.today_first]
            st.day_high = max(m.h[sel])
            st.day_low = min(m.low[sel])
            st.day_volume = float(sum(m.v[sel]))
            st.day_turnover = float(
                sum(v * (o + c) / 2 for v, o, c in zip(m.v[sel], m.o[sel], m.c[sel], strict=True))
            )
        st.last = st.price
        st.change = st.last - st.prev_close
        st.trade_time = st.quote_time = int(self.t * 1000)
        self._requote(st, u)
        return st

    def _requote(self, st: SymState, u: np.ndarray) -> None:
        p = st.price
        t = tick_size(p)
        w = spread_for(st.spec, p)
        bid = math.floor((p - w / 2) / t + 1e-9) * t
        st.bid = round(bid, 4)
        st.ask = round(bid + w, 4)
        lot = 100 if st.spec.kind in ("stock", "etf") else 1
        st.bid_size = lot * (1 + int(u[0] * 20 * st.spec.liquidity))
        st.ask_size = lot * (1 + int(u[1] * 20 * st.spec.liquidity))
        st.quote_seq += 1

    def _trade(self, st: SymState, px: float, size: int, now_ms: int) -> None:
        px = round(px, 4)
        if px > st.last:
            st.tick_direction = "UP"
        elif px < st.last:
            st.tick_direction = "DOWN"
        else:
            st.tick_direction = "ZERO_UP" if st.tick_direction in ("UP", "ZERO_UP") else "ZERO_DOWN"
        st.last = px
        st.last_size = size
        st.change = px - st.prev_close
        st.trade_time = now_ms
        if st.day_open is None:
            st.day_open = px
        st.day_high = px if st.day_high is None else max(st.day_high, px)
        st.day_low = px if st.day_low is None else min(st.day_low, px)
        st.day_volume += size
        st.day_turnover += size * px
        st.trade_seq += 1
        m = st.hist.minutes
        bucket = now_ms // 60000 * 60000
        if not m.t or bucket > m.t[-1]:
            m.append(bucket, px, px, px, px, float(size))
        else:
            m.h[-1] = max(m.h[-1], px)
            m.low[-1] = min(m.low[-1], px)
            m.c[-1] = px
            m.v[-1] += size
        st.candle_seq += 1

    def _maybe_roll_day(self) -> None:
        today = ny_date(self.t)
        spx = self.states["SPX"]
        if spx.day == today:
            return
        for st in self.states.values():
            if st.day_open is not None:
                st.hist.daily.append(
                    midnight_ms(st.day), st.day_open, st.day_high or st.last,
                    st.day_low or st.last, st.last, st.day_volume,
                )
            st.prev_close = st.last
            st.prev_volume = st.day_volume
            st.day_open = st.day_high = st.day_low = None
            st.day_volume = st.day_turnover = 0.0
            st.change = 0.0
            st.day = today
