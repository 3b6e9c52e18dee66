"""Margin rules (issue 12 point 7), each checked against the formula a trader would write down."""

from __future__ import annotations

import datetime as dt

import pytest

from ttai_tui.exchange.book.margin import FUTURES_MARGIN, MLeg, strategies, total

EXP = dt.date(2027, 1, 15)


def opt(sym: str, q: float, k: float, call: bool, mark: float, spot: float = 100.0, t: float = 0.0,
        exp: dt.date = EXP) -> MLeg:
    return MLeg(sym, "Equity Option", "XYZ", q, 100, mark, t, spot=spot, strike=k, call=call, expiration=exp)


def req(legs: list[MLeg]) -> float:
    return total(strategies(legs))[0]


def test_long_and_short_stock_reg_t():
    long = MLeg("XYZ", "Equity", "XYZ", 100, 1, 50.0)
    short = MLeg("XYZ", "Equity", "XYZ", -100, 1, 50.0)
    assert total(strategies([long])) == (pytest.approx(2500.0), pytest.approx(1250.0))  # 50 % / 25 %
    assert total(strategies([short])) == (pytest.approx(2500.0), pytest.approx(1500.0))  # 50 % / 30 %


def test_naked_put_formula_and_floor():
    # 20 % of 100 - 5 OTM + 2 premium = 17 > 10 % of the 95 strike + 2 = 11.5
    assert req([opt("P95", -1, 95, False, 2.0)]) == pytest.approx(1700.0)
    # far out of the money: the 10 % floor (of the strike, for puts) plus the premium
    assert req([opt("P70", -2, 70, False, 0.10)]) == pytest.approx(2 * (7.0 + 0.10) * 100)


def test_naked_call_uses_the_underlying_for_its_floor():
    # 20 % of 100 - 30 OTM + 0.05 < 0 -> floor 10 % of the underlying (100) + 0.05
    assert req([opt("C130", -1, 130, True, 0.05)]) == pytest.approx(1005.0)


def test_verticals_at_their_width_and_debit_spreads_paid():
    credit = [opt("P95", -1, 95, False, 2.0), opt("P90", 1, 90, False, 1.0)]
    assert req(credit) == pytest.approx(500.0)
    debit = [opt("C100", 1, 100, True, 4.0), opt("C105", -1, 105, True, 2.0)]
    assert req(debit) == 0.0
    (s,) = strategies(credit)
    assert s.name == "Vertical"


def test_iron_condor_and_strangle_margin_one_side():
    condor = [opt("P95", -1, 95, False, 2.0), opt("P90", 1, 90, False, 1.0),
              opt("C105", -1, 105, True, 2.0), opt("C115", 1, 115, True, 1.0)]
    assert req(condor) == pytest.approx(1000.0)  # the wider (call) side only
    put, call = opt("P95", -1, 95, False, 2.0), opt("C105", -1, 105, True, 1.5)
    naked_put, naked_call = req([put]), req([call])
    assert req([put, call]) == pytest.approx(max(naked_put, naked_call) + 150.0)  # + the other premium


def test_covered_call_needs_nothing_beyond_the_stock():
    stock = MLeg("XYZ", "Equity", "XYZ", 200, 1, 100.0)
    calls = opt("C110", -2, 110, True, 1.0)
    assert req([stock, calls]) == pytest.approx(req([stock]))
    assert req([stock, opt("C110", -3, 110, True, 1.0)]) > req([stock])  # the third is naked


def test_a_new_naked_option_does_not_remargin_an_existing_spread():
    spread = [opt("P95", -1, 95, False, 2.0, t=1), opt("P90", 1, 90, False, 1.0, t=1)]
    before = {s.name: s.initial for s in strategies(spread)}
    new_put = opt("P85", -1, 85, False, 0.5, t=2)  # opened later, below the long leg
    after = strategies([*spread, new_put])
    by_name = {s.name: s.initial for s in after}
    assert by_name["Vertical"] == before["Vertical"]  # the spread keeps its 500
    assert by_name["Naked Put"] == pytest.approx(max(20 - 15 + 0.5, 8.5 + 0.5) * 100)


def test_futures_per_contract_by_product():
    mes = MLeg("/MESZ6", "Future", "MES", 2, 5, 6000.0, product_code="MES")
    cl = MLeg("/CLZ6", "Future", "CL", -1, 1000, 70.0, product_code="CL")
    assert req([mes]) == pytest.approx(2 * FUTURES_MARGIN["MES"])
    assert req([mes, cl]) == pytest.approx(2 * FUTURES_MARGIN["MES"] + FUTURES_MARGIN["CL"])
    assert FUTURES_MARGIN["ES"] == pytest.approx(10 * FUTURES_MARGIN["MES"])


def test_crypto_is_fully_paid():
    btc = MLeg("BTC/USD", "Cryptocurrency", "BTC/USD", 0.5, 1, 90_000.0)
    assert req([btc]) == pytest.approx(45_000.0)
