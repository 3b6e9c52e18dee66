"""Payoff curves, max profit and loss, breakevens, probability of profit and greeks of a set of
legs, priced with the Black-Scholes-Merton code the simulated exchange uses (core.pricing).

All money figures are P&L in account currency for the whole set of legs, signed: a loss is
negative. ``max_loss`` is therefore the *lowest* P&L (e.g. -350.0 for a $5-wide put vertical
sold for $1.50), ``max_profit`` the highest; either is None with its ``*_unbounded`` flag set
when it has no bound (a naked short call's loss, a long stock's profit).

"At expiration" means at the first expiration among the option legs: those legs are worth
their intrinsic value, later-dated legs (calendars, diagonals) their BSM value at that time
with their own IV. "Today" means now, every option at its BSM value. With a single expiration
the expiration payoff is piecewise linear in the underlying's price, so max profit, max loss and
breakevens come in closed form from the strikes (``exact``); with several expirations they are
found on a dense price grid and refined by bisection (``exact`` False).

Probability of profit is the probability, under the implied (risk-neutral lognormal)
distribution of the underlying's price at the first expiration, that the P&L at expiration is
above zero. Its volatility is the quantity-weighted mean IV of the legs expiring then, else
``MarketInputs.vol``. Futures and futures options are priced on the future (no drift: Black-76).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ttai_tui.core.pricing import MIN_VOL, bs_greeks, bs_price_vec, norm_cdf
from ttai_tui.core.risk.legs import Leg, LegKind, MarketInputs, expiry_timestamp

_YEAR = 365.0 * 86400.0
_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class PositionGreeks:
    """Greeks of a whole set of legs, in position units: delta in units of the underlying
    (shares, futures contracts x multiplier), theta in money per calendar day, vega in money per
    volatility point, gamma in delta per one unit of the underlying's price."""

    delta: float
    gamma: float
    theta: float
    vega: float


@dataclass(frozen=True, slots=True)
class RiskProfile:
    """Everything `analyze` says about a set of legs (see the module docstring)."""

    cost: float  # paid to open: positive debit, negative credit
    horizon: float | None  # epoch seconds of the first expiration; None without option legs
    max_profit: float | None
    max_profit_unbounded: bool
    max_loss: float | None
    max_loss_unbounded: bool
    breakevens: tuple[float, ...]
    pop: float | None
    greeks: PositionGreeks | None
    exact: bool


def total_cost(legs: Sequence[Leg]) -> float:
    return float(sum(leg.cost for leg in legs))


def first_expiry(legs: Sequence[Leg]) -> float | None:
    """Epoch seconds of the earliest option expiration, None when there is no option leg."""
    times = [expiry_timestamp(leg.expiration, leg.settlement) for leg in legs
             if leg.is_option and leg.expiration is not None]
    return min(times) if times else None


def _carry(legs: Sequence[Leg], market: MarketInputs) -> float:
    """Cost-of-carry yield q: a future is a forward, so its options are priced with q = r."""
    if any(leg.kind in (LegKind.FUTURE, LegKind.FUTURE_OPTION) for leg in legs):
        return market.rate
    return market.div_yield


def pnl(legs: Sequence[Leg], prices: np.ndarray | Sequence[float], market: MarketInputs,
        at: float | None = None, iv_shift: float | np.ndarray = 0.0,
        cost: float | None = None) -> np.ndarray | None:
    """P&L of the legs for each underlying price at epoch time ``at`` (default: now), with every
    IV shifted by ``iv_shift`` (0.01 = one point; a scalar, or one shift per price). ``cost``
    overrides the legs' own cost (a prospective order at a limit price). None when an unexpired
    option leg has no IV.

    All unexpired options of all legs are priced in one vectorised BSM call (per-call overhead,
    not arithmetic, is what a portfolio's worth of small calls costs).
    """
    xs = np.asarray(prices, dtype=float)
    shift = np.broadcast_to(np.asarray(iv_shift, dtype=float), xs.shape)
    when = market.now if at is None else at
    total = np.zeros_like(xs)
    live: list[tuple[float, float, float, bool, float]] = []  # strike, tau, iv, call, scale
    for leg in legs:
        scale = leg.quantity * leg.multiplier
        if not leg.is_option:
            total += xs * scale
            continue
        assert leg.strike is not None and leg.expiration is not None
        tau = (expiry_timestamp(leg.expiration, leg.settlement) - when) / _YEAR
        if tau <= 0.0:
            intrinsic = np.maximum(xs - leg.strike, 0.0) if leg.is_call else np.maximum(leg.strike - xs, 0.0)
            total += intrinsic * scale
            continue
        if leg.iv is None:
            return None
        live.append((leg.strike, tau, leg.iv, leg.is_call, scale))
    if live:
        m, n = len(live), len(xs)
        k, tau_a, iv, call, scale_a = (np.asarray(col) for col in zip(*live, strict=True))
        vol = np.maximum(np.repeat(iv.astype(float), n) + np.tile(shift, m), MIN_VOL)
        values = bs_price_vec(np.tile(np.maximum(xs, _EPS), m), np.repeat(k.astype(float), n),
                              np.repeat(tau_a.astype(float), n), vol, market.rate, _carry(legs, market),
                              np.repeat(call.astype(bool), n))
        total += scale_a.astype(float) @ values.reshape(m, n)
    return total - (total_cost(legs) if cost is None else cost)


def pnl_at_expiration(legs: Sequence[Leg], prices: np.ndarray | Sequence[float], market: MarketInputs,
                      cost: float | None = None) -> np.ndarray | None:
    """P&L at the first expiration (now, for a set without options)."""
    return pnl(legs, prices, market, at=first_expiry(legs), cost=cost)


def pnl_today(legs: Sequence[Leg], prices: np.ndarray | Sequence[float], market: MarketInputs,
              cost: float | None = None, iv_shift: float | np.ndarray = 0.0) -> np.ndarray | None:
    """P&L now for each underlying price (every option at its BSM value with its IV)."""
    return pnl(legs, prices, market, at=market.now, iv_shift=iv_shift, cost=cost)


def slope_at_infinity(legs: Sequence[Leg]) -> float:
    """d(P&L)/d(price) as the price grows without bound: linear legs and calls count fully."""
    return float(sum(leg.quantity * leg.multiplier for leg in legs if not leg.is_option or leg.is_call))


def price_range(legs: Sequence[Leg], market: MarketInputs, points: int = 121) -> np.ndarray:
    """Prices for a payoff diagram: every strike and the spot inside, with a margin of about
    two standard deviations to the first expiration (at least 8 %, at most 60 %)."""
    anchors = [market.spot] + [leg.strike for leg in legs if leg.strike is not None]
    lo, hi = min(anchors), max(anchors)
    horizon = first_expiry(legs)
    vol = _pop_vol(legs, market, horizon)
    pad = 0.10
    if horizon is not None and vol is not None:
        t = max(horizon - market.now, 0.0) / _YEAR
        pad = 2.0 * vol * math.sqrt(t)
    pad = min(max(pad, 0.08), 0.6)
    return np.linspace(max(lo * (1.0 - pad), 0.0), hi * (1.0 + pad), points)


def _pop_vol(legs: Sequence[Leg], market: MarketInputs, horizon: float | None) -> float | None:
    weights = [(abs(leg.quantity), leg.iv) for leg in legs if leg.is_option and leg.iv is not None
               and leg.expiration is not None
               and expiry_timestamp(leg.expiration, leg.settlement) == horizon]
    total = sum(w for w, _ in weights)
    if total > 0:
        return sum(w * iv for w, iv in weights if iv is not None) / total
    return market.vol


def _roots_linear(xs: np.ndarray, vals: np.ndarray, slope: float) -> list[float]:
    """Zeros of the piecewise-linear function through (xs, vals), extended with ``slope``."""
    roots: list[float] = []
    for i in range(len(xs)):
        if vals[i] == 0.0:
            left = vals[i - 1] if i > 0 else 0.0
            right = vals[i + 1] if i + 1 < len(xs) else slope
            if left != 0.0 or right != 0.0:
                roots.append(float(xs[i]))
        if i + 1 < len(xs) and vals[i] * vals[i + 1] < 0.0:
            x0, x1, v0, v1 = xs[i], xs[i + 1], vals[i], vals[i + 1]
            roots.append(float(x0 - v0 * (x1 - x0) / (v1 - v0)))
    if slope != 0.0 and vals[-1] != 0.0 and (vals[-1] > 0.0) != (slope > 0.0):
        roots.append(float(xs[-1] - vals[-1] / slope))
    return roots


def _refine(f: Callable[[np.ndarray], np.ndarray], a: float, b: float, fa: float) -> float:
    """A zero of ``f`` in [a, b] (f(a) = fa and f(b) of opposite signs): each of two rounds
    evaluates 64 intervals in one vectorised call and keeps the one where the sign changes
    (the bracket shrinks 4096-fold), then a secant step inside it; three calls in all instead
    of ~30 of bisection, to well under a cent of P&L."""
    fb = None
    for _ in range(2):
        xs = np.linspace(a, b, 65)
        vals = f(xs)
        vals[0] = fa
        same = (vals > 0.0) == (fa > 0.0)
        i = int(np.argmin(same))  # first point past the sign change
        if i == 0:
            return 0.5 * (a + b)
        a, b, fa, fb = float(xs[i - 1]), float(xs[i]), float(vals[i - 1]), float(vals[i])
    if fb is None or fb == fa:
        return 0.5 * (a + b)
    return a - fa * (b - a) / (fb - fa)


def _prob_between(a: float, b: float, market: MarketInputs, vol: float, t: float, q: float) -> float:
    """P(a < S_T < b) for a lognormal S_T with risk-neutral drift."""
    if t <= 0.0:
        return 1.0 if a < market.spot < b else 0.0
    sd = vol * math.sqrt(t)
    mu = math.log(market.spot) + (market.rate - q - 0.5 * vol * vol) * t

    def cdf(x: float) -> float:
        if x <= 0.0:
            return 0.0
        if math.isinf(x):
            return 1.0
        return norm_cdf((math.log(x) - mu) / sd)

    return max(cdf(b) - cdf(a), 0.0)


def position_greeks(legs: Sequence[Leg], market: MarketInputs) -> PositionGreeks | None:
    """Greeks of the whole at the current price and time; None when an option leg has no IV."""
    q = _carry(legs, market)
    d = g = th = ve = 0.0
    for leg in legs:
        scale = leg.quantity * leg.multiplier
        if not leg.is_option:
            d += scale
            continue
        assert leg.strike is not None and leg.expiration is not None
        if leg.iv is None:
            return None
        t = max(expiry_timestamp(leg.expiration, leg.settlement) - market.now, 0.0) / _YEAR
        gr = bs_greeks(market.spot, leg.strike, t, leg.iv, market.rate, q, leg.is_call)
        d += gr.delta * scale
        g += gr.gamma * scale
        th += gr.theta * scale
        ve += gr.vega * scale
    return PositionGreeks(d, g, th, ve)


def analyze(legs: Sequence[Leg], market: MarketInputs, cost: float | None = None) -> RiskProfile:
    """Max profit, max loss, breakevens, probability of profit and greeks of ``legs``.

    ``cost`` overrides the legs' own cost (positive debit / negative credit), e.g. an order's
    net limit price x quantity x multiplier. Figures that need an IV nobody knows are None.
    """
    if not legs:
        raise ValueError("analyze needs at least one leg")
    c = total_cost(legs) if cost is None else cost
    horizon = first_expiry(legs)
    slope = slope_at_infinity(legs)
    tol = 1e-9 * max(1.0, sum(abs(leg.quantity * leg.multiplier) for leg in legs))
    if abs(slope) < tol:
        slope = 0.0
    strikes = sorted({leg.strike for leg in legs if leg.strike is not None})
    exact = horizon is None or all(
        expiry_timestamp(leg.expiration, leg.settlement) == horizon
        for leg in legs if leg.is_option and leg.expiration is not None)
    greeks = position_greeks(legs, market)

    def f(x: np.ndarray) -> np.ndarray:
        v = pnl(legs, x, market, at=horizon, cost=c)
        assert v is not None  # only called once the grid evaluated (every IV known)
        return v

    if exact:
        xs = np.array([0.0] + [k for k in strikes if k > 0.0])
        vals = pnl(legs, xs, market, at=horizon, cost=c)
        assert vals is not None  # expired options and linear legs need no IV
        breakevens = _roots_linear(xs, vals, slope)
        kinks, kink_vals, tail = xs, vals, slope

        def linear(x: np.ndarray) -> np.ndarray:
            """The expiration P&L is piecewise linear through the strikes: interpolate it."""
            inside = np.interp(x, kinks, kink_vals)
            return np.where(x > kinks[-1], kink_vals[-1] + tail * (x - kinks[-1]), inside)

        sign_at: Callable[[np.ndarray], np.ndarray] = linear
    else:
        hi = 3.0 * max([market.spot, *strikes])
        xs = np.unique(np.concatenate([np.linspace(hi * 1e-6, hi, 241), np.asarray(strikes)]))
        maybe = pnl(legs, xs, market, at=horizon, cost=c)
        if maybe is None:
            return RiskProfile(c, horizon, None, False, None, False, (), None, greeks, False)
        vals = maybe
        breakevens = [_refine(f, float(xs[i]), float(xs[i + 1]), float(vals[i]))
                      for i in range(len(xs) - 1) if vals[i] * vals[i + 1] < 0.0]
        if slope != 0.0 and (vals[-1] > 0.0) != (slope > 0.0):
            far = hi * np.power(2.0, np.arange(1, 21))
            signs = f(far)
            j = int(np.argmax((signs > 0.0) == (slope > 0.0)))
            if (signs[j] > 0.0) == (slope > 0.0):
                lo_b = hi if j == 0 else float(far[j - 1])
                lo_v = float(vals[-1]) if j == 0 else float(signs[j - 1])
                breakevens.append(_refine(f, lo_b, float(far[j]), lo_v))
        sign_at = f
    breakevens = sorted({round(b, 6) for b in breakevens})
    top, bottom = float(np.max(vals)), float(np.min(vals))
    max_profit = None if slope > 0.0 else top
    max_loss = None if slope < 0.0 else bottom
    pop = _pop(legs, market, horizon, breakevens, sign_at)
    return RiskProfile(c, horizon, max_profit, slope > 0.0, max_loss, slope < 0.0,
                       tuple(breakevens), pop, greeks, exact)


def _pop(legs: Sequence[Leg], market: MarketInputs, horizon: float | None, breakevens: list[float],
         at: Callable[[np.ndarray], np.ndarray]) -> float | None:
    """Probability mass of the intervals between breakevens where ``at`` (P&L at the horizon
    for an array of prices) is positive."""
    if horizon is None or market.spot <= 0.0:
        return None
    vol = _pop_vol(legs, market, horizon)
    if vol is None:
        return None
    t = max(horizon - market.now, 0.0) / _YEAR
    q = _carry(legs, market)
    edges = [0.0, *breakevens, math.inf]
    mids = [0.5 * (a + b) if math.isfinite(b) else max(2.0 * a, a + 1.0) for a, b in itertools.pairwise(edges)]
    signs = at(np.asarray(mids))
    total = sum(_prob_between(a, b, market, vol, t, q)
                for (a, b), v in zip(itertools.pairwise(edges), signs, strict=True) if v > 0.0)
    return min(max(total, 0.0), 1.0)
