"""Black-Scholes-Merton option pricing, greeks and implied volatility.

Pure math (the ``math`` module plus optional numpy vectorisation) so that both the simulated
exchange and the UI can price options the same way without importing each other.

Conventions (the ones a trader reads on a tastytrade screen):
- ``t`` is time to expiry in years (ACT/365), ``r`` the continuously compounded risk-free
  rate and ``q`` the continuous dividend yield, all as fractions.
- ``theta`` is per calendar day, ``vega`` per one volatility point (0.01), ``rho`` per one
  percentage point of rate (0.01).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

_SQRT2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
MIN_T = 1e-6  # a tiny positive time keeps d1/d2 finite on expiry day
MIN_VOL = 1e-4


def norm_cdf(x: float) -> float:
    """Standard normal CDF through erfc (accurate in the tails, unlike 0.5*(1+erf))."""
    return 0.5 * math.erfc(-x / _SQRT2)


def norm_pdf(x: float) -> float:
    return _INV_SQRT_2PI * math.exp(-0.5 * x * x)


@dataclass(frozen=True, slots=True)
class Greeks:
    """Price and sensitivities of one option contract (per share, not per contract)."""

    price: float
    delta: float
    gamma: float
    theta: float  # per calendar day
    vega: float  # per 1 vol point
    rho: float  # per 1 rate point


def _d1d2(s: float, k: float, t: float, vol: float, r: float, q: float) -> tuple[float, float]:
    t = max(t, MIN_T)
    vol = max(vol, MIN_VOL)
    sq = vol * math.sqrt(t)
    d1 = (math.log(s / k) + (r - q + 0.5 * vol * vol) * t) / sq
    return d1, d1 - sq


def bs_price(
    s: float, k: float, t: float, vol: float, r: float = 0.0, q: float = 0.0, call: bool = True
) -> float:
    """European BSM price. At or past expiry it is the intrinsic value."""
    if t <= 0.0:
        return max(s - k, 0.0) if call else max(k - s, 0.0)
    d1, d2 = _d1d2(s, k, t, vol, r, q)
    dq = math.exp(-q * t)
    dr = math.exp(-r * t)
    if call:
        return s * dq * norm_cdf(d1) - k * dr * norm_cdf(d2)
    return k * dr * norm_cdf(-d2) - s * dq * norm_cdf(-d1)


def bs_greeks(
    s: float, k: float, t: float, vol: float, r: float = 0.0, q: float = 0.0, call: bool = True
) -> Greeks:
    """Price and all first-order greeks (plus gamma) in one pass."""
    t_eff = max(t, MIN_T)
    vol = max(vol, MIN_VOL)
    d1, d2 = _d1d2(s, k, t_eff, vol, r, q)
    dq = math.exp(-q * t_eff)
    dr = math.exp(-r * t_eff)
    sqt = math.sqrt(t_eff)
    pdf1 = norm_pdf(d1)
    gamma = dq * pdf1 / (s * vol * sqt)
    vega = s * dq * pdf1 * sqt * 0.01
    decay = -s * dq * pdf1 * vol / (2.0 * sqt)
    if call:
        nd1, nd2 = norm_cdf(d1), norm_cdf(d2)
        price = s * dq * nd1 - k * dr * nd2
        delta = dq * nd1
        theta_y = decay - r * k * dr * nd2 + q * s * dq * nd1
        rho = k * t_eff * dr * nd2 * 0.01
    else:
        nmd1, nmd2 = norm_cdf(-d1), norm_cdf(-d2)
        price = k * dr * nmd2 - s * dq * nmd1
        delta = -dq * nmd1
        theta_y = decay + r * k * dr * nmd2 - q * s * dq * nmd1
        rho = -k * t_eff * dr * nmd2 * 0.01
    if t <= 0.0:
        price = max(s - k, 0.0) if call else max(k - s, 0.0)
    return Greeks(price, delta, gamma, theta_y / 365.0, vega, rho)


def implied_vol(
    price: float,
    s: float,
    k: float,
    t: float,
    r: float = 0.0,
    q: float = 0.0,
    call: bool = True,
    lo: float = 1e-4,
    hi: float = 5.0,
    tol: float = 1e-8,
) -> float | None:
    """Volatility that reproduces ``price``; None when no volatility can (outside no-arbitrage
    bounds) so a caller shows "missing" rather than a made-up number.

    Newton steps from a Brenner-Subrahmanyam guess, falling back to bisection whenever a step
    leaves the bracket, so it converges for deep in/out-of-the-money options too.
    """
    if t <= 0.0 or price <= 0.0 or s <= 0.0 or k <= 0.0:
        return None
    dq, dr = math.exp(-q * t), math.exp(-r * t)
    lower = max(s * dq - k * dr, 0.0) if call else max(k * dr - s * dq, 0.0)
    upper = s * dq if call else k * dr
    if price < lower - 1e-12 or price >= upper:
        return None
    f_lo = bs_price(s, k, t, lo, r, q, call) - price
    f_hi = bs_price(s, k, t, hi, r, q, call) - price
    if f_lo > 0.0:
        return lo if abs(f_lo) < tol * 10 else None
    if f_hi < 0.0:
        return None
    vol = min(max(math.sqrt(2.0 * math.pi / t) * price / s, 0.05), 2.0)
    for _ in range(100):
        g = bs_greeks(s, k, t, vol, r, q, call)
        diff = g.price - price
        if abs(diff) < tol:
            return vol
        if diff > 0.0:
            hi = vol
        else:
            lo = vol
        vega = g.vega * 100.0
        step_ok = vega > 1e-12
        nxt = vol - diff / vega if step_ok else lo - 1.0
        if not (lo < nxt < hi):
            nxt = 0.5 * (lo + hi)
        if hi - lo < 1e-12:
            return nxt
        vol = nxt
    return vol


_ERFC_VEC = np.vectorize(math.erfc, otypes=[float])  # built once: building it costs as much as a small call


def _norm_cdf_vec(x: np.ndarray) -> np.ndarray:
    return 0.5 * _ERFC_VEC(-x / _SQRT2)


def bs_price_vec(
    s: float | np.ndarray,
    k: np.ndarray,
    t: float | np.ndarray,
    vol: np.ndarray,
    r: float = 0.0,
    q: float = 0.0,
    call: np.ndarray | bool = True,
) -> np.ndarray:
    """Vectorised European BSM price (for pricing whole chains at once)."""
    s_a = np.asarray(s, dtype=float)
    k_a = np.asarray(k, dtype=float)
    t_a = np.maximum(np.asarray(t, dtype=float), MIN_T)
    v_a = np.maximum(np.asarray(vol, dtype=float), MIN_VOL)
    sq = v_a * np.sqrt(t_a)
    d1 = (np.log(s_a / k_a) + (r - q + 0.5 * v_a * v_a) * t_a) / sq
    d2 = d1 - sq
    n = _norm_cdf_vec
    dq = np.exp(-q * t_a)
    dr = np.exp(-r * t_a)
    c = s_a * dq * n(d1) - k_a * dr * n(d2)
    p = k_a * dr * n(-d2) - s_a * dq * n(-d1)
    return np.where(call, c, p)
