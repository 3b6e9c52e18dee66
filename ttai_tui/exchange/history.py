"""Generated price history (daily and one-minute bars) that ends exactly where the live path starts.

Why generate instead of storing: the exchange must be deterministic per seed, work offline and
start in well under a second. The process is the same family as the live one (GARCH variance,
jumps, a market factor shared through beta, U-shaped intraday volatility and volume), so charts,
indicators and volatility statistics computed on history look like those computed live.
"""

from __future__ import annotations

import datetime as dt
import math
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ttai_tui.exchange.clock import (
    SESSION_MINUTES,
    midnight_ms,
    ny_date,
    previous_weekdays,
    session_bounds,
)
from ttai_tui.exchange.universe import PATHS, Spec

DAILY_DAYS = 300  # daily-only bars before the minute-resolution days
MINUTE_DAYS = 5  # full past sessions kept at one-minute resolution
CONTINUOUS_PREFIX_MIN = 150  # minutes of "today" already traded when a continuous demo starts
SV_K = {"index": 4.0, "etf": 3.0, "stock": 2.0}  # spot/vol: IV rises as price falls below its MA


@dataclass(slots=True)
class Bars:
    """Column store of OHLCV bars; times are epoch milliseconds of the bar start."""

    t: list[int] = field(default_factory=list)
    o: list[float] = field(default_factory=list)
    h: list[float] = field(default_factory=list)
    low: list[float] = field(default_factory=list)
    c: list[float] = field(default_factory=list)
    v: list[float] = field(default_factory=list)

    def append(self, t: int, o: float, h: float, low: float, c: float, v: float) -> None:
        self.t.append(t)
        self.o.append(o)
        self.h.append(h)
        self.low.append(low)
        self.c.append(c)
        self.v.append(v)

    def __len__(self) -> int:
        return len(self.t)


@dataclass(slots=True)
class History:
    """Everything the live model needs to continue one symbol's path."""

    daily: Bars  # completed sessions, oldest first (today's bar is live)
    minutes: Bars  # past MINUTE_DAYS sessions + today's traded prefix
    today_first: int  # index in ``minutes`` of today's first bar (== len if none yet)
    iv_daily: list[float]  # 30-day implied-vol level at each daily close (for IV rank)
    ma_log: float  # 20-day mean of log closes before today (anchor of the spot/vol relation)
    daily_var: float  # GARCH daily variance at the end of history


def _market_daily(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Daily market-factor returns with GARCH(1,1) clustering; returns (returns, variances)."""
    sd = 0.15 / math.sqrt(252)
    a, b = 0.09, 0.89
    omega = sd * sd * (1 - a - b)
    h = sd * sd
    r = np.empty(n)
    hs = np.empty(n)
    z = rng.standard_t(6, size=n) / math.sqrt(1.5)
    for i in range(n):
        hs[i] = h
        r[i] = math.sqrt(h) * z[i]
        h = omega + a * r[i] * r[i] + b * h
    return r, hs


def _u_shape(n: int) -> np.ndarray:
    x = np.linspace(0.0, 1.0, n)
    return 0.75 + 1.1 * (x - 0.45) ** 2 * 4 * np.where(x < 0.45, 1.0, 0.7)


@dataclass(slots=True)
class _Context:
    """The calendar grid and market-factor draws every name's history shares."""

    daily_days: list[dt.date]
    past: list[dt.date]
    minute_starts: list[float]
    day_of_minute: list[int]
    n_today: int
    m_daily: np.ndarray
    m_var: np.ndarray
    m_minute: np.ndarray
    #: bar times in epoch ms, the same for every name (copied per name: its bars grow)
    daily_ms: list[int] = field(default_factory=list)
    past_ms: list[int] = field(default_factory=list)
    minute_ms: list[int] = field(default_factory=list)


def _context(seed: int, now: float, market_hours: bool) -> _Context:
    today = ny_date(now)
    past = previous_weekdays(today, MINUTE_DAYS)
    daily_days = previous_weekdays(past[0], DAILY_DAYS)
    # today's already-traded minutes
    minute_now = int(now // 60) * 60
    if market_hours:
        o, c = session_bounds(today)
        if today.weekday() < 5 and now > o:
            today_starts = [o + 60 * i for i in range(int((min(now, c) - o) // 60))]
        else:
            today_starts = []
    else:
        today_starts = [
            minute_now - 60 * (CONTINUOUS_PREFIX_MIN - i) for i in range(CONTINUOUS_PREFIX_MIN)
        ]
    minute_starts: list[float] = []
    day_of_minute: list[int] = []
    for di, d in enumerate(past):
        o, _ = session_bounds(d)
        minute_starts.extend(o + 60 * i for i in range(SESSION_MINUTES))
        day_of_minute.extend([di] * SESSION_MINUTES)
    minute_starts.extend(today_starts)
    day_of_minute.extend([MINUTE_DAYS] * len(today_starts))
    mrng = np.random.default_rng([seed, 1000])
    n_d = len(daily_days) + MINUTE_DAYS
    m_daily, m_var = _market_daily(mrng, n_d + 1)
    m_minute = mrng.standard_normal(len(minute_starts))
    return _Context(daily_days, past, minute_starts, day_of_minute, len(today_starts), m_daily,
                    m_var, m_minute, [midnight_ms(d) for d in daily_days],
                    [midnight_ms(d) for d in past], [int(x * 1000) for x in minute_starts])


def build_histories(seed: int, now: float, market_hours: bool) -> dict[str, History]:
    """History for every symbol; SPY tracks SPX and VIX is SPX's implied-vol level."""
    cx = _context(seed, now, market_hours)
    out: dict[str, History] = {}
    for idx, spec in enumerate(PATHS):
        if spec.symbol in ("SPY", "VIX"):
            continue
        rng = np.random.default_rng([seed, idx, 7])
        out[spec.symbol] = _one(
            spec, rng, cx.daily_days, cx.past, cx.minute_starts, cx.day_of_minute, cx.n_today,
            cx.m_daily, cx.m_var, cx.m_minute, cx,
        )
    spx = out["SPX"]
    out["SPY"] = _scaled(spx, UNIVERSE_PRICE("SPY") / UNIVERSE_PRICE("SPX"), seed, 60.0)
    out["VIX"] = _vix_from(spx)
    return out


def build_one(spec: Spec, seed: int, now: float, market_hours: bool) -> History:
    """History of one more name on the same market-factor path as ``build_histories`` (same
    grid, same factor draws), for names listed on first use."""
    cx = _context(seed, now, market_hours)
    rng = np.random.default_rng([seed, zlib.crc32(spec.symbol.encode()), 7])
    return _one(spec, rng, cx.daily_days, cx.past, cx.minute_starts, cx.day_of_minute,
                cx.n_today, cx.m_daily, cx.m_var, cx.m_minute, cx)


def UNIVERSE_PRICE(symbol: str) -> float:
    return next(s.price for s in PATHS if s.symbol == symbol)


def _one(
    spec: Spec,
    rng: np.random.Generator,
    daily_days: list[dt.date],
    past: list[dt.date],
    minute_starts: list[float],
    day_of_minute: list[int],
    n_today: int,
    m_daily: np.ndarray,
    m_var: np.ndarray,
    m_minute: np.ndarray,
    cx: _Context,
) -> History:
    sd_total = spec.vol / math.sqrt(252)
    sd_m = 0.15 / math.sqrt(252)
    beta = spec.beta
    idio_var = max(sd_total**2 - (beta * sd_m) ** 2, (0.25 * sd_total) ** 2)
    n_d = len(daily_days)
    # --- daily returns: market factor (with its clustering) + idiosyncratic GARCH + jumps
    a, b = 0.07, 0.9
    omega = idio_var * (1 - a - b)
    h = idio_var
    zi = rng.standard_t(5, size=n_d + MINUTE_DAYS + 1) / math.sqrt(5 / 3)
    r_d = np.empty(n_d + MINUTE_DAYS + 1)
    var_d = np.empty_like(r_d)
    for i in range(len(r_d)):
        e = math.sqrt(h) * zi[i]
        r_d[i] = beta * m_daily[i] + e
        var_d[i] = beta * beta * m_var[i] + h
        h = omega + a * e * e + b * h
    jumps = rng.random(len(r_d)) < min(spec.jump_rate * 0.02, 0.1)
    r_d += np.where(jumps, rng.normal(0, spec.jump_size * 5, len(r_d)), 0.0)
    # --- minute returns for the past sessions and today's prefix
    n_m = len(minute_starts)
    dom = np.asarray(day_of_minute)
    day_scale = np.sqrt(var_d[n_d : n_d + MINUTE_DAYS + 1] / sd_total**2) * rng.lognormal(
        0, 0.15, MINUTE_DAYS + 1
    )
    pos_in_day = np.concatenate(
        [np.arange(SESSION_MINUTES)] * MINUTE_DAYS + [np.arange(n_today)]
    ).astype(float)
    u = _u_shape(SESSION_MINUTES)[np.minimum(pos_in_day.astype(int), SESSION_MINUTES - 1)]
    sd_min = sd_total / math.sqrt(SESSION_MINUTES) * day_scale[dom] * np.sqrt(u) / math.sqrt(
        float(np.mean(u))
    )
    mkt_frac = beta * sd_m / sd_total if sd_total else 0.0
    mkt_frac = max(min(mkt_frac, 1.0), -1.0)
    idio_frac = math.sqrt(max(1.0 - mkt_frac * mkt_frac, 0.0))
    z = mkt_frac * m_minute[:n_m] + idio_frac * rng.standard_normal(n_m)
    r_m = sd_min * z
    jm = rng.random(n_m) < spec.jump_rate / SESSION_MINUTES
    r_m += np.where(jm, rng.normal(0, spec.jump_size, n_m), 0.0)
    gaps = rng.normal(0, sd_total * 0.35, MINUTE_DAYS + 1)
    first_of_day = np.r_[True, dom[1:] != dom[:-1]] if n_m else np.zeros(0, bool)
    gap_term = np.where(first_of_day, gaps[dom], 0.0) if n_m else np.zeros(0)
    lc = np.cumsum(r_m + gap_term)
    lo_ = lc - r_m  # the open of a session's first minute is the previous close plus the gap
    # shift so the path ends at the spec price
    shift = math.log(spec.price) - (lc[-1] if n_m else 0.0)
    lc += shift
    lo_ += shift
    spread = np.abs(rng.standard_normal(n_m)) * sd_min * 0.6
    spread2 = np.abs(rng.standard_normal(n_m)) * sd_min * 0.6
    lh = np.maximum(lo_, lc) + spread
    ll = np.minimum(lo_, lc) - spread2
    vol_curve = 0.5 + 2.0 * (np.linspace(0, 1, SESSION_MINUTES) - 0.5) ** 2 * 4
    vol_curve = vol_curve / vol_curve.mean()
    vc = vol_curve[np.minimum(pos_in_day.astype(int), SESSION_MINUTES - 1)]
    per_min = spec.adv_m * 1e6 / SESSION_MINUTES
    vols = np.round(per_min * vc * rng.lognormal(-0.045, 0.3, n_m) * (1 + 40 * np.abs(r_m)))
    minutes = Bars(
        list(cx.minute_ms), _rv(np.exp(lo_)), _rv(np.exp(lh)),
        _rv(np.exp(ll)), _rv(np.exp(lc)), vols.astype(float).tolist(),
    )
    # --- daily bars: earlier days from r_d, ending at the first minute session's open gap
    prior_close_log = (lo_[0] - gaps[0]) if n_m else math.log(spec.price)
    lcd = np.cumsum(r_d[:n_d])
    lcd += prior_close_log - lcd[-1]
    lod = np.r_[lcd[0] - r_d[0], lcd[:-1]] + rng.normal(0, sd_total * 0.3, n_d)
    rng_d = np.sqrt(var_d[:n_d]) * 0.8
    lhd = np.maximum(lod, lcd) + np.abs(rng.standard_normal(n_d)) * rng_d
    lld = np.minimum(lod, lcd) - np.abs(rng.standard_normal(n_d)) * rng_d
    vd = np.round(spec.adv_m * 1e6 * rng.lognormal(-0.06, 0.35, n_d) * (1 + 8 * np.abs(r_d[:n_d])))
    daily = Bars(
        list(cx.daily_ms), _rv(np.exp(lod)), _rv(np.exp(lhd)),
        _rv(np.exp(lld)), _rv(np.exp(lcd)), vd.astype(float).tolist(),
    )
    for di, d_ms in enumerate(cx.past_ms):
        sel = slice(di * SESSION_MINUTES, (di + 1) * SESSION_MINUTES)
        daily.append(
            d_ms, minutes.o[sel.start], max(minutes.h[sel]), min(minutes.low[sel]),
            minutes.c[sel.stop - 1], float(sum(minutes.v[sel])),
        )
    logc = np.log(np.asarray(daily.c))
    k = SV_K.get(spec.kind, 2.0) * (0.3 if spec.jump_rate >= 2 else 1.0)
    ma = np.convolve(logc, np.ones(20) / 20, mode="full")[: len(logc)]
    ma[:20] = np.cumsum(logc[:20]) / np.arange(1, 21)
    garch = np.sqrt(var_d[: len(logc)] / sd_total**2) ** 0.5
    iv = spec.vol * 1.05 * garch * np.exp(-k * (logc - ma))
    return History(
        daily=daily,
        minutes=minutes,
        today_first=MINUTE_DAYS * SESSION_MINUTES,
        iv_daily=[float(x) for x in np.clip(iv, 0.05, 3.0)],
        ma_log=float(ma[-1]),
        daily_var=float(var_d[min(len(var_d) - 1, len(logc))]),
    )


def _rv(x: np.ndarray) -> list[float]:
    """Vectorised ``_r``: cents above $1, four decimals below."""
    return np.where(x >= 1, np.round(x, 2), np.round(x, 4)).tolist()


def _r(x: float) -> float:
    return round(x, 2) if x >= 1 else round(x, 4)


def _scaled(src: History, k: float, seed: int, adv_m: float) -> History:
    rng = np.random.default_rng([seed, 2000])

    def sc(b: Bars, scale_v: float) -> Bars:
        n = len(b)
        v: Any = np.round(np.asarray(b.v) * 0 + scale_v * rng.lognormal(-0.05, 0.3, n)) if n else []
        return Bars(
            list(b.t), [_r(x * k) for x in b.o], [_r(x * k) for x in b.h],
            [_r(x * k) for x in b.low], [_r(x * k) for x in b.c], [float(x) for x in v],
        )

    return History(
        daily=sc(src.daily, adv_m * 1e6),
        minutes=sc(src.minutes, adv_m * 1e6 / SESSION_MINUTES),
        today_first=src.today_first,
        iv_daily=list(src.iv_daily),
        ma_log=src.ma_log + math.log(k),
        daily_var=src.daily_var,
    )


def _vix_from(spx: History) -> History:
    """VIX bars are SPX's implied-vol level (x100) through the spot/vol relation, so a sell-off
    in SPX is a VIX spike on every timeframe."""
    k = SV_K["index"]
    log_end = math.log(spx.minutes.c[-1])
    amp = 16.0 * math.exp(k * (log_end - spx.ma_log))

    def v_of(price: float) -> float:
        return round(amp * math.exp(-k * (math.log(price) - spx.ma_log)), 2)

    minutes = Bars()
    for i in range(len(spx.minutes)):
        o, c = v_of(spx.minutes.o[i]), v_of(spx.minutes.c[i])
        h, low = v_of(spx.minutes.low[i]), v_of(spx.minutes.h[i])
        minutes.append(spx.minutes.t[i], o, max(o, c, h), min(o, c, low), c, 0.0)
    n_old = len(spx.daily) - MINUTE_DAYS
    s = minutes.o[0] / (spx.iv_daily[n_old - 1] * 100.0)
    daily = Bars()
    for i in range(n_old):
        x = round(spx.iv_daily[i] * 100.0 * s, 2)
        rng_ = abs(math.log(spx.daily.h[i] / spx.daily.low[i])) * k * x
        o = round(x * math.exp(k * (math.log(spx.daily.c[i] / spx.daily.o[i]))), 2)
        daily.append(spx.daily.t[i], o, round(max(o, x) + rng_ * 0.4, 2),
                     round(max(min(o, x) - rng_ * 0.3, 5.0), 2), x, 0.0)
    for di in range(MINUTE_DAYS):
        sel = slice(di * SESSION_MINUTES, (di + 1) * SESSION_MINUTES)
        daily.append(spx.daily.t[n_old + di], minutes.o[sel.start], max(minutes.h[sel]),
                     min(minutes.low[sel]), minutes.c[sel.stop - 1], 0.0)
    return History(daily, minutes, spx.today_first, [x / 100 for x in daily.c], spx.ma_log, 0.0)
