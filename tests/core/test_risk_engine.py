"""The risk engine against closed forms written independently from strikes, quantities and
premiums (the way a trader computes them by hand) and against scipy's lognormal distribution."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from scipy.stats import lognorm, norm

from ttai_tui.core.risk import Leg, LegKind, MarketInputs, analyze, pnl_at_expiration, pnl_today
from ttai_tui.core.risk.legs import expiry_timestamp

EXP = dt.date(2026, 12, 18)
NOW = expiry_timestamp(EXP) - 30 * 86400.0  # exactly 30 days before expiry
T = 30 / 365
OPT = LegKind.EQUITY_OPTION


def opt(cp: str, k: float, qty: float, px: float, iv: float | None = 0.25, exp: dt.date = EXP,
        mult: float = 100.0, kind: LegKind = OPT) -> Leg:
    return Leg(kind, f"X {cp}{k}", "X", qty, px, mult, cp, k, exp, iv)


def stock(qty: float, px: float) -> Leg:
    return Leg(LegKind.EQUITY, "X", "X", qty, px)


def lognormal_prob(lo: float, hi: float, spot: float, vol: float, r: float, t: float = T) -> float:
    """P(lo < S_T < hi) from scipy's lognormal (risk-neutral drift, no dividends)."""
    dist = lognorm(s=vol * math.sqrt(t), scale=spot * math.exp((r - 0.5 * vol * vol) * t))
    return float(dist.cdf(hi) - dist.cdf(lo))


def bsm(s: float, k: float, t: float, vol: float, r: float, call: bool) -> float:
    d1 = (math.log(s / k) + (r + vol * vol / 2) * t) / (vol * math.sqrt(t))
    d2 = d1 - vol * math.sqrt(t)
    if call:
        return s * norm.cdf(d1) - k * math.exp(-r * t) * norm.cdf(d2)
    return k * math.exp(-r * t) * norm.cdf(-d2) - s * norm.cdf(-d1)


MKT = MarketInputs(spot=100.0, now=NOW, rate=0.04)


def test_bull_put_vertical_closed_form() -> None:
    legs = [opt("P", 95, -2, 2.10), opt("P", 90, 2, 0.85)]
    credit = (2.10 - 0.85) * 2 * 100
    p = analyze(legs, MKT)
    assert p.exact and p.cost == pytest.approx(-credit)
    assert p.max_profit == pytest.approx(credit)
    assert p.max_loss == pytest.approx(-(5 * 2 * 100 - credit))
    assert not p.max_profit_unbounded and not p.max_loss_unbounded
    assert p.breakevens == pytest.approx((95 - 1.25,))
    assert p.pop == pytest.approx(lognormal_prob(93.75, np.inf, 100.0, 0.25, 0.04), abs=1e-9)


def test_bull_call_debit_vertical_and_bear_call_credit() -> None:
    debit = analyze([opt("C", 100, 1, 3.0), opt("C", 105, -1, 1.2)], MKT)
    assert debit.max_loss == pytest.approx(-180.0)
    assert debit.max_profit == pytest.approx(500.0 - 180.0)
    assert debit.breakevens == pytest.approx((101.8,))
    assert debit.pop == pytest.approx(lognormal_prob(101.8, np.inf, 100.0, 0.25, 0.04), abs=1e-9)
    credit = analyze([opt("C", 105, -3, 1.2), opt("C", 110, 3, 0.4)], MKT)
    assert credit.max_profit == pytest.approx(0.8 * 300)
    assert credit.max_loss == pytest.approx(-(5 - 0.8) * 300)
    assert credit.breakevens == pytest.approx((105.8,))


def test_short_strangle_unbounded_loss_and_two_breakevens() -> None:
    legs = [opt("P", 90, -1, 1.10, iv=0.30), opt("C", 110, -1, 0.90, iv=0.20)]
    p = analyze(legs, MKT)
    assert p.max_profit == pytest.approx(200.0)
    assert p.max_loss is None and p.max_loss_unbounded
    assert p.breakevens == pytest.approx((88.0, 112.0))
    # POP uses the quantity-weighted mean IV of the legs: (0.30 + 0.20) / 2
    assert p.pop == pytest.approx(lognormal_prob(88.0, 112.0, 100.0, 0.25, 0.04), abs=1e-9)


def test_long_strangle_and_straddle() -> None:
    p = analyze([opt("P", 95, 1, 1.5), opt("C", 105, 1, 1.5)], MKT)
    assert p.max_loss == pytest.approx(-300.0) and p.max_profit is None and p.max_profit_unbounded
    assert p.breakevens == pytest.approx((92.0, 108.0))
    s = analyze([opt("P", 100, -1, 2.9), opt("C", 100, -1, 3.1)], MKT)
    assert s.breakevens == pytest.approx((94.0, 106.0)) and s.max_profit == pytest.approx(600.0)


def test_iron_condor_closed_form() -> None:
    legs = [opt("P", 85, 1, 0.40), opt("P", 90, -1, 1.00), opt("C", 110, -1, 0.95), opt("C", 120, 1, 0.25)]
    credit = (1.00 - 0.40 + 0.95 - 0.25) * 100
    p = analyze(legs, MKT)
    assert p.max_profit == pytest.approx(credit)
    assert p.max_loss == pytest.approx(-(10 * 100 - credit))  # the wider (call) side
    assert p.breakevens == pytest.approx((90 - 1.30, 110 + 1.30))
    assert p.pop == pytest.approx(lognormal_prob(88.7, 111.3, 100.0, 0.25, 0.04), abs=1e-9)


def test_iron_fly_and_butterfly() -> None:
    fly = analyze([opt("P", 95, 1, 0.5), opt("P", 100, -1, 2.8), opt("C", 100, -1, 3.0), opt("C", 105, 1, 0.6)], MKT)
    credit = (2.8 + 3.0 - 0.5 - 0.6) * 100
    assert fly.max_profit == pytest.approx(credit) and fly.max_loss == pytest.approx(-(500 - credit))
    assert fly.breakevens == pytest.approx((100 - 4.7, 100 + 4.7))
    bfly = analyze([opt("C", 95, 1, 6.0), opt("C", 100, -2, 3.0), opt("C", 105, 1, 1.0)], MKT)
    assert bfly.max_loss == pytest.approx(-100.0) and bfly.max_profit == pytest.approx(400.0)
    assert bfly.breakevens == pytest.approx((96.0, 104.0))


def test_naked_short_put_is_bounded_at_zero_and_stock() -> None:
    p = analyze([opt("P", 90, -1, 1.5)], MKT)
    assert p.max_loss == pytest.approx(-(90 - 1.5) * 100) and p.max_profit == pytest.approx(150.0)
    assert p.breakevens == pytest.approx((88.5,))
    long_stock = analyze([stock(100, 80.0)], MKT)
    assert long_stock.max_loss == pytest.approx(-8000.0) and long_stock.max_profit_unbounded
    assert long_stock.breakevens == pytest.approx((80.0,)) and long_stock.pop is None
    assert long_stock.greeks is not None and long_stock.greeks.delta == 100.0
    short_stock = analyze([stock(-50, 80.0)], MKT)
    assert short_stock.max_loss_unbounded and short_stock.max_profit == pytest.approx(4000.0)


def test_covered_call() -> None:
    p = analyze([stock(100, 95.0), opt("C", 105, -1, 1.2)], MKT)
    assert p.max_profit == pytest.approx((105 - 95 + 1.2) * 100)
    assert p.max_loss == pytest.approx(-(95 - 1.2) * 100)
    assert p.breakevens == pytest.approx((93.8,))


def test_ratio_spread_naked_side_is_unbounded() -> None:
    p = analyze([opt("C", 100, 1, 3.0), opt("C", 105, -2, 1.2)], MKT)
    assert p.max_loss_unbounded and p.max_profit == pytest.approx((5 - 0.6) * 100)
    assert p.breakevens == pytest.approx((100.6, 109.4))


def test_futures_option_vertical_uses_its_multiplier() -> None:
    fo = LegKind.FUTURE_OPTION
    legs = [opt("P", 5000, -1, 20.0, mult=50, kind=fo), opt("P", 4950, 1, 12.0, mult=50, kind=fo)]
    p = analyze(legs, MarketInputs(5100.0, NOW, 0.04))
    assert p.max_profit == pytest.approx(8 * 50) and p.max_loss == pytest.approx(-(50 - 8) * 50)
    assert p.breakevens == pytest.approx((4992.0,))
    # Black-76: the future has no drift, so the median of F_T is F * exp(-vol^2 t / 2)
    dist = lognorm(s=0.25 * math.sqrt(T), scale=5100.0 * math.exp(-0.5 * 0.25**2 * T))
    assert p.pop == pytest.approx(1 - dist.cdf(4992.0), abs=1e-9)
    fut = analyze([Leg(LegKind.FUTURE, "/ESZ6", "/ESZ6", -2, 5100.0, 50.0)], MarketInputs(5100.0, NOW))
    assert fut.max_loss_unbounded and fut.max_profit == pytest.approx(5100.0 * 100)


def test_today_curve_is_bsm_of_each_leg_and_expiry_curve_is_intrinsic() -> None:
    legs = [opt("P", 95, -2, 2.10, iv=0.3), opt("P", 90, 2, 0.85, iv=0.35)]
    xs = np.array([80.0, 92.5, 100.0, 120.0])
    today = pnl_today(legs, xs, MKT)
    assert today is not None
    want = [(bsm(x, 95, T, 0.3, 0.04, False) * -2 + bsm(x, 90, T, 0.35, 0.04, False) * 2) * 100 + 250 for x in xs]
    assert today == pytest.approx(want, abs=1e-8)
    exp = pnl_at_expiration(legs, xs, MKT)
    assert exp == pytest.approx([-750.0, -250.0, 250.0, 250.0])
    shifted = pnl_today(legs, xs, MKT, iv_shift=0.05)
    assert shifted is not None
    assert shifted[2] == pytest.approx((bsm(100, 95, T, 0.35, 0.04, False) * -2 + bsm(100, 90, T, 0.40, 0.04, False) * 2) * 100 + 250)


def test_greeks_of_the_whole_match_finite_differences_of_the_today_curve() -> None:
    legs = [opt("P", 85, 1, 0.40), opt("P", 90, -1, 1.00), opt("C", 110, -1, 0.95), opt("C", 120, 1, 0.25)]
    g = analyze(legs, MKT).greeks
    assert g is not None
    h = 0.01
    up, mid, dn = (pnl_today(legs, [100 + d], MKT) for d in (h, 0.0, -h))
    assert up is not None and mid is not None and dn is not None
    assert g.delta == pytest.approx((up[0] - dn[0]) / (2 * h), rel=1e-5)
    assert g.gamma == pytest.approx((up[0] - 2 * mid[0] + dn[0]) / (h * h), rel=1e-3)
    vp, vm = pnl_today(legs, [100.0], MKT, iv_shift=0.0001), pnl_today(legs, [100.0], MKT, iv_shift=-0.0001)
    assert vp is not None and vm is not None
    assert g.vega == pytest.approx((vp[0] - vm[0]) / 0.02, rel=1e-4)
    tomorrow = analyze(legs, MarketInputs(100.0, NOW + 86400.0, 0.04))
    later = pnl_today(legs, [100.0], MarketInputs(100.0, NOW + 86400.0, 0.04))
    assert later is not None and tomorrow.greeks is not None
    assert g.theta == pytest.approx(later[0] - mid[0], rel=0.05)


def test_calendar_max_loss_is_the_debit_and_is_numerical() -> None:
    back = dt.date(2027, 1, 15)
    legs = [opt("C", 100, -1, 2.9), opt("C", 100, 1, 4.4, exp=back)]
    p = analyze(legs, MarketInputs(100.0, NOW, 0.0))
    assert not p.exact
    assert p.max_loss == pytest.approx(-150.0, abs=0.5)
    assert p.max_profit is not None and p.max_profit > 0
    assert len(p.breakevens) == 2 and p.breakevens[0] < 100 < p.breakevens[1]
    at_be = pnl_at_expiration(legs, list(p.breakevens), MarketInputs(100.0, NOW, 0.0))
    assert at_be is not None and np.abs(at_be).max() < 1e-3  # under a tenth of a cent


def test_missing_iv_gives_missing_figures_not_zero() -> None:
    legs = [opt("P", 95, -1, 2.0, iv=None)]
    p = analyze(legs, MKT)
    assert p.greeks is None and p.pop is None
    assert p.max_loss == pytest.approx(-9300.0)  # expiration figures need no IV
    assert pnl_today(legs, [100.0], MKT) is None


def test_cost_override_prices_an_order_at_its_limit() -> None:
    legs = [opt("P", 95, -1, 2.10), opt("P", 90, 1, 0.85)]
    p = analyze(legs, MKT, cost=-100.0)  # filled at a 1.00 credit
    assert p.max_profit == pytest.approx(100.0) and p.max_loss == pytest.approx(-400.0)
    assert p.breakevens == pytest.approx((94.0,))


def test_leg_validation() -> None:
    with pytest.raises(ValueError):
        Leg(OPT, "bad", "X", 1, 1.0, 100, "X", 100, EXP)
    with pytest.raises(ValueError):
        Leg(OPT, "bad", "X", 1, 1.0, 100, "C", None, EXP)
