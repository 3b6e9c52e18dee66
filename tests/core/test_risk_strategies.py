"""Strategy recognition on every kind, including partial closes, two strategies on one
underlying, and arrival order (the grouping must not depend on it)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from ttai_tui.core.risk import Leg, LegKind
from ttai_tui.core.risk.strategies import Strategy, StrategyKind, group_strategies, product_of

E1 = dt.date(2026, 12, 18)
E2 = dt.date(2027, 1, 15)


def o(cp: str, k: float, q: float, exp: dt.date = E1, und: str = "X", kind: LegKind = LegKind.EQUITY_OPTION,
      mult: float = 100.0) -> Leg:
    return Leg(kind, f"{und} {exp:%y%m%d}{cp}{k:g}", und, q, 1.0, mult, cp, k, exp, 0.3)


def st(q: float, und: str = "X") -> Leg:
    return Leg(LegKind.EQUITY, und, und, q, 50.0)


def names(strats: list[Strategy]) -> list[tuple[str, str, tuple[tuple[str, float], ...]]]:
    return [(s.kind.value, s.name, tuple(sorted((leg.symbol, leg.quantity) for leg in s.legs))) for s in strats]


def one(legs: list[Leg]) -> Strategy:
    got = group_strategies(legs)
    assert len(got) == 1, names(got)
    return got[0]


@pytest.mark.parametrize(("legs", "kind", "name"), [
    ([st(100)], StrategyKind.STOCK, "Long Stock"),
    ([st(-30)], StrategyKind.STOCK, "Short Stock"),
    ([st(200), o("C", 110, -2)], StrategyKind.COVERED_CALL, "Covered Call"),
    ([o("C", 100, 1)], StrategyKind.SINGLE, "Long Call"),
    ([o("C", 100, -1)], StrategyKind.SINGLE, "Short Call"),
    ([o("P", 100, 3)], StrategyKind.SINGLE, "Long Put"),
    ([o("P", 100, -1)], StrategyKind.SINGLE, "Short Put"),
    ([o("P", 95, -2), o("P", 90, 2)], StrategyKind.VERTICAL, "Bull Put Vertical"),
    ([o("P", 95, 1), o("P", 90, -1)], StrategyKind.VERTICAL, "Bear Put Vertical"),
    ([o("C", 100, 1), o("C", 105, -1)], StrategyKind.VERTICAL, "Bull Call Vertical"),
    ([o("C", 100, -1), o("C", 105, 1)], StrategyKind.VERTICAL, "Bear Call Vertical"),
    ([o("P", 90, -1), o("C", 110, -1)], StrategyKind.STRANGLE, "Short Strangle"),
    ([o("P", 90, 1), o("C", 110, 1)], StrategyKind.STRANGLE, "Long Strangle"),
    ([o("P", 100, -1), o("C", 100, -1)], StrategyKind.STRADDLE, "Short Straddle"),
    ([o("P", 85, 1), o("P", 90, -1), o("C", 110, -1), o("C", 115, 1)], StrategyKind.IRON_CONDOR, "Iron Condor"),
    ([o("P", 95, 1), o("P", 100, -1), o("C", 100, -1), o("C", 105, 1)], StrategyKind.IRON_FLY, "Iron Fly"),
    ([o("C", 95, 1), o("C", 100, -2), o("C", 105, 1)], StrategyKind.BUTTERFLY, "Long Call Butterfly"),
    ([o("P", 95, -1), o("P", 100, 2), o("P", 105, -1)], StrategyKind.BUTTERFLY, "Short Put Butterfly"),
    ([o("C", 100, -1), o("C", 100, 1, E2)], StrategyKind.CALENDAR, "Long Call Calendar"),
    ([o("P", 100, -1), o("P", 95, 1, E2)], StrategyKind.DIAGONAL, "Long Put Diagonal"),
    ([o("C", 100, 1), o("C", 105, -2)], StrategyKind.RATIO, "Call Ratio Spread"),
    ([Leg(LegKind.FUTURE, "/ESZ6", "/ESZ6", 2, 5000.0, 50.0)], StrategyKind.FUTURE, "Long Future"),
    ([Leg(LegKind.CRYPTO, "BTC/USD", "BTC/USD", 0.5, 60000.0)], StrategyKind.CRYPTO, "Long Crypto"),
])
def test_every_kind_is_recognised_in_any_arrival_order(legs: list[Leg], kind: StrategyKind, name: str) -> None:
    for perm in itertools.permutations(legs):
        s = one(list(perm))
        assert (s.kind, s.name) == (kind, name)
        assert sorted((leg.symbol, leg.quantity) for leg in s.legs) == sorted((leg.symbol, leg.quantity) for leg in legs)


def test_futures_options_grouped_by_contract_and_named_by_product() -> None:
    fo = LegKind.FUTURE_OPTION
    legs = [o("P", 5000, -1, und="/ESZ6", kind=fo, mult=50), o("P", 4950, 1, und="/ESZ6", kind=fo, mult=50),
            Leg(LegKind.FUTURE, "/ESZ6", "/ESZ6", 1, 5000.0, 50.0), o("C", 80, -1, und="/CLF7", kind=fo, mult=1000)]
    got = group_strategies(legs)
    assert [(s.product, s.underlying, s.name) for s in got] == [
        ("/CL", "/CLF7", "Short Call"), ("/ES", "/ESZ6", "Bull Put Vertical"), ("/ES", "/ESZ6", "Long Future")]
    assert product_of("/ESZ26") == "/ES" and product_of("SPY") == "SPY"


def test_partial_close_of_iron_condor_wings_leaves_a_strangle() -> None:
    legs = [o("P", 85, 1), o("P", 90, -2), o("C", 110, -2), o("C", 115, 1)]
    got = group_strategies(legs)
    assert names(got) == [
        ("iron_condor", "Iron Condor", tuple(sorted((leg.symbol, leg.quantity / abs(leg.quantity)) for leg in legs))),
        ("strangle", "Short Strangle", ((legs[2].symbol, -1.0), (legs[1].symbol, -1.0))),
    ]


def test_partial_close_of_one_strangle_side_leaves_a_single() -> None:
    got = group_strategies([o("P", 90, -3), o("C", 110, -1)])
    assert [(s.name, sorted(leg.quantity for leg in s.legs)) for s in got] == [
        ("Short Put", [-2.0]), ("Short Strangle", [-1.0, -1.0])]


def test_partial_close_of_a_vertical_is_a_ratio_spread_of_what_is_held() -> None:
    s = one([o("P", 95, -2), o("P", 90, 1)])
    assert s.kind == StrategyKind.RATIO and sorted(leg.quantity for leg in s.legs) == [-2.0, 1.0]


def test_two_strategies_on_one_underlying_and_stock_beside_them() -> None:
    legs = [o("P", 95, -1), o("P", 90, 1), o("P", 95, -1, E2), o("C", 110, -1, E2), st(100), o("C", 120, 1, E2)]
    got = group_strategies(legs)
    assert sorted(s.name for s in got) == ["Bull Put Vertical", "Long Call", "Long Stock", "Short Strangle"]
    vert = next(s for s in got if s.kind == StrategyKind.VERTICAL)
    assert {leg.expiration for leg in vert.legs} == {E1}


def test_stock_partly_covered_and_leftover_shape_is_custom() -> None:
    got = group_strategies([st(150), o("C", 110, -1), o("C", 120, -1, E2), o("P", 80, 1, E2)])
    assert sorted((s.name, sum(leg.quantity for leg in s.legs if not leg.is_option)) for s in got) == [
        ("Covered Call", 100.0), ("Custom", 0.0), ("Long Stock", 50.0)]


def test_every_leg_quantity_is_kept_exactly_once() -> None:
    legs = [o("P", 85, 2), o("P", 90, -3), o("C", 110, -1), o("C", 115, 1), o("C", 100, 1, E2), st(-10)]
    got = group_strategies(legs)
    held: dict[str, float] = {}
    for s in got:
        for leg in s.legs:
            held[leg.symbol] = held.get(leg.symbol, 0.0) + leg.quantity
    assert held == {leg.symbol: leg.quantity for leg in legs}
