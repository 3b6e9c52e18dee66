"""Black-Scholes-Merton maths checked against an independent closed form (scipy) and
against its own identities (put-call parity, finite differences, IV round trip)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from ttai_tui.core.pricing import bs_greeks, bs_price, bs_price_vec, implied_vol

CASES = [
    # s, k, t, vol, r, q
    (100.0, 100.0, 0.5, 0.2, 0.05, 0.0),
    (500.0, 450.0, 30 / 365, 0.15, 0.043, 0.013),
    (25.0, 40.0, 1.0, 0.9, 0.03, 0.0),
    (180.0, 150.0, 2 / 365, 0.35, 0.04, 0.005),
    (5000.0, 5600.0, 0.25, 0.12, 0.045, 0.015),
]


def scipy_bsm(s, k, t, vol, r, q, call):
    d1 = (math.log(s / k) + (r - q + vol * vol / 2) * t) / (vol * math.sqrt(t))
    d2 = d1 - vol * math.sqrt(t)
    if call:
        return s * math.exp(-q * t) * norm.cdf(d1) - k * math.exp(-r * t) * norm.cdf(d2)
    return k * math.exp(-r * t) * norm.cdf(-d2) - s * math.exp(-q * t) * norm.cdf(-d1)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("call", [True, False])
def test_price_matches_scipy_closed_form(case, call):
    s, k, t, vol, r, q = case
    assert bs_price(s, k, t, vol, r, q, call) == pytest.approx(
        scipy_bsm(s, k, t, vol, r, q, call), rel=1e-10, abs=1e-10
    )
    assert bs_greeks(s, k, t, vol, r, q, call).price == pytest.approx(
        bs_price(s, k, t, vol, r, q, call), rel=1e-12, abs=1e-12
    )


@pytest.mark.parametrize("case", CASES)
def test_put_call_parity(case):
    s, k, t, vol, r, q = case
    c = bs_price(s, k, t, vol, r, q, True)
    p = bs_price(s, k, t, vol, r, q, False)
    assert c - p == pytest.approx(s * math.exp(-q * t) - k * math.exp(-r * t), abs=1e-9)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("call", [True, False])
def test_greeks_match_finite_differences(case, call):
    s, k, t, vol, r, q = case
    g = bs_greeks(s, k, t, vol, r, q, call)
    hs = s * 1e-4
    up = bs_price(s + hs, k, t, vol, r, q, call)
    dn = bs_price(s - hs, k, t, vol, r, q, call)
    mid = bs_price(s, k, t, vol, r, q, call)
    assert g.delta == pytest.approx((up - dn) / (2 * hs), rel=1e-5, abs=1e-7)
    assert g.gamma == pytest.approx((up - 2 * mid + dn) / hs**2, rel=1e-3, abs=1e-6)
    hv = 1e-5
    fd_vega = (
        bs_price(s, k, t, vol + hv, r, q, call) - bs_price(s, k, t, vol - hv, r, q, call)
    ) / (2 * hv)
    assert g.vega == pytest.approx(fd_vega * 0.01, rel=1e-5, abs=1e-8)
    hr = 1e-6
    fd_rho = (bs_price(s, k, t, vol, r + hr, q, call) - bs_price(s, k, t, vol, r - hr, q, call)) / (
        2 * hr
    )
    assert g.rho == pytest.approx(fd_rho * 0.01, rel=1e-4, abs=1e-8)
    ht = 1e-6
    fd_theta = -(
        bs_price(s, k, t + ht, vol, r, q, call) - bs_price(s, k, t - ht, vol, r, q, call)
    ) / (2 * ht)
    assert g.theta == pytest.approx(fd_theta / 365, rel=1e-4, abs=1e-8)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("call", [True, False])
def test_implied_vol_round_trip(case, call):
    s, k, t, vol, r, q = case
    price = bs_price(s, k, t, vol, r, q, call)
    if price < 1e-6:
        pytest.skip("price below a cent fraction carries no vol information")
    iv = implied_vol(price, s, k, t, r, q, call)
    assert iv is not None
    assert bs_price(s, k, t, iv, r, q, call) == pytest.approx(price, abs=1e-7)
    if bs_greeks(s, k, t, vol, r, q, call).vega > 1e-3:  # vol is only identifiable with vega
        assert iv == pytest.approx(vol, abs=1e-6)


def test_implied_vol_rejects_arbitrage_prices():
    # a call worth more than the stock, or less than its discounted intrinsic, has no vol
    assert implied_vol(150.0, 100.0, 100.0, 0.5, 0.0, 0.0, True) is None
    assert implied_vol(5.0, 120.0, 100.0, 0.5, 0.0, 0.0, True) is None
    assert implied_vol(0.0, 100.0, 100.0, 0.5) is None


def test_expiry_is_intrinsic():
    assert bs_price(110.0, 100.0, 0.0, 0.3, call=True) == 10.0
    assert bs_price(110.0, 100.0, 0.0, 0.3, call=False) == 0.0
    assert bs_greeks(90.0, 100.0, 0.0, 0.3, call=False).price == 10.0


def test_vectorised_price_matches_scalar():
    k = np.array([90.0, 100.0, 110.0, 120.0])
    vol = np.array([0.3, 0.25, 0.22, 0.21])
    calls = np.array([True, False, True, False])
    got = bs_price_vec(100.0, k, 0.3, vol, 0.04, 0.01, calls)
    want = [
        bs_price(100.0, kk, 0.3, vv, 0.04, 0.01, bool(cc))
        for kk, vv, cc in zip(k, vol, calls, strict=True)
    ]
    assert got == pytest.approx(want, rel=1e-10)
