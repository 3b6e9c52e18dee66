"""Positions grouped into the strategies a trader would name, per underlying.

Why by quantities and expirations only: positions arrive from REST in no particular order and
a fill can close part of a spread, so the grouping looks only at what is held. Legs are sorted
(expiration, type, strike) before matching, and patterns are tried from the most legs to the
fewest; a pattern takes as many units as all its legs can supply, so an iron condor whose short
legs are held twice becomes an iron condor plus a short strangle.

Order of matching, per underlying (the futures contract for futures and their options):
iron condor / iron fly -> butterfly -> equal-quantity pairs (straddle, strangle, vertical,
calendar, diagonal) -> covered call -> ratio spread (same type and expiration, unequal
quantities) -> pairs taking the smaller quantity -> single legs. Option legs that remain
several together without a shape are one "Custom" strategy.
"""

from __future__ import annotations

import datetime as dt
import enum
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ttai_tui.core.risk.legs import Leg, LegKind

_FUTURE_CODE = re.compile(r"^(/[A-Z0-9]+?)[FGHJKMNQUVXZ]\d{1,2}$")


class StrategyKind(enum.StrEnum):
    STOCK = "stock"
    FUTURE = "future"
    CRYPTO = "crypto"
    COVERED_CALL = "covered_call"
    SINGLE = "single"
    VERTICAL = "vertical"
    STRANGLE = "strangle"
    STRADDLE = "straddle"
    IRON_CONDOR = "iron_condor"
    IRON_FLY = "iron_fly"
    BUTTERFLY = "butterfly"
    CALENDAR = "calendar"
    DIAGONAL = "diagonal"
    RATIO = "ratio_spread"
    CUSTOM = "custom"


@dataclass(frozen=True, slots=True)
class Strategy:
    """A named group of legs on one underlying; ``legs`` carry the quantities it holds."""

    kind: StrategyKind
    name: str
    underlying: str
    legs: tuple[Leg, ...]

    @property
    def product(self) -> str:
        return product_of(self.underlying)


def product_of(symbol: str) -> str:
    """A futures product ("/ES") from a contract ("/ESZ6"); other symbols unchanged."""
    m = _FUTURE_CODE.match(symbol)
    return m.group(1) if m else symbol


# ------------------------------------------------------------------ matching machinery
_Pick = list[tuple[int, float]]  # (index into the working list, signed quantity per unit)


def _sort_key(leg: Leg) -> tuple[bool, dt.date, int, float, str]:
    """Linear legs first, then options by expiration, puts before calls, strike."""
    return (leg.is_option, leg.expiration or dt.date.min, 0 if leg.option_type == "P" else 1,
            leg.strike or 0.0, leg.symbol)


def _units(rem: list[float], pick: _Pick) -> int:
    """How many whole units of a pattern the remaining quantities can supply."""
    n = min(int(round(abs(rem[i]) / abs(r), 9)) for i, r in pick)
    return n if all((rem[i] > 0) == (r > 0) for i, r in pick) else 0


def _same_exp(*legs: Leg) -> bool:
    return len({leg.expiration for leg in legs}) == 1


def _iron(legs: list[Leg], rem: list[float], idx: tuple[int, ...]) -> tuple[StrategyKind, str, _Pick] | None:
    a, b, c, d = (legs[i] for i in idx)
    if not _same_exp(a, b, c, d) or [x.option_type for x in (a, b, c, d)] != ["P", "P", "C", "C"]:
        return None
    assert a.strike is not None and b.strike is not None and c.strike is not None and d.strike is not None
    if not (a.strike < b.strike <= c.strike < d.strike):
        return None
    sa = 1.0 if rem[idx[0]] > 0 else -1.0
    pick = [(idx[0], sa), (idx[1], -sa), (idx[2], -sa), (idx[3], sa)]
    fly = b.strike == c.strike
    kind = StrategyKind.IRON_FLY if fly else StrategyKind.IRON_CONDOR
    name = ("Iron Fly" if fly else "Iron Condor") if sa > 0 else ("Long Iron Fly" if fly else "Long Iron Condor")
    return kind, name, pick


def _butterfly(legs: list[Leg], rem: list[float], idx: tuple[int, ...]) -> tuple[StrategyKind, str, _Pick] | None:
    a, b, c = (legs[i] for i in idx)
    if not _same_exp(a, b, c) or len({a.option_type, b.option_type, c.option_type}) != 1:
        return None
    assert a.strike is not None and b.strike is not None and c.strike is not None
    if not (a.strike < b.strike < c.strike):
        return None
    sa = 1.0 if rem[idx[0]] > 0 else -1.0
    side = "Call" if a.is_call else "Put"
    name = f"{'Long' if sa > 0 else 'Short'} {side} Butterfly"
    return StrategyKind.BUTTERFLY, name, [(idx[0], sa), (idx[1], -2 * sa), (idx[2], sa)]


def _pair(legs: list[Leg], rem: list[float], idx: tuple[int, ...]) -> tuple[StrategyKind, str, _Pick] | None:
    i, j = idx
    a, b = legs[i], legs[j]
    sa, sb = (1.0 if rem[i] > 0 else -1.0), (1.0 if rem[j] > 0 else -1.0)
    pick = [(i, sa), (j, sb)]
    side = "Call" if a.is_call else "Put"
    if a.option_type != b.option_type:
        if sa != sb or not _same_exp(a, b):
            return None
        put, call = (a, b) if a.option_type == "P" else (b, a)
        assert put.strike is not None and call.strike is not None
        lead = "Long" if sa > 0 else "Short"
        if put.strike == call.strike:
            return StrategyKind.STRADDLE, f"{lead} Straddle", pick
        if put.strike < call.strike:
            return StrategyKind.STRANGLE, f"{lead} Strangle", pick
        return None
    if sa == sb:
        return None
    if _same_exp(a, b):
        assert a.strike is not None and b.strike is not None
        long_leg = a if sa > 0 else b
        short_leg = b if sa > 0 else a
        assert long_leg.strike is not None and short_leg.strike is not None
        if a.is_call:
            bias = "Bull" if long_leg.strike < short_leg.strike else "Bear"
        else:
            bias = "Bear" if long_leg.strike > short_leg.strike else "Bull"
        return StrategyKind.VERTICAL, f"{bias} {side} Vertical", pick
    assert a.expiration is not None and b.expiration is not None
    far_long = (sa if a.expiration > b.expiration else sb) > 0
    lead = "Long" if far_long else "Short"
    if a.strike == b.strike:
        return StrategyKind.CALENDAR, f"{lead} {side} Calendar", pick
    return StrategyKind.DIAGONAL, f"{lead} {side} Diagonal", pick


_Matcher = Callable[[list[Leg], list[float], tuple[int, ...]], "tuple[StrategyKind, str, _Pick] | None"]


def _scan(legs: list[Leg], rem: list[float], size: int, match: _Matcher, equal_only: bool,
          out: list[tuple[StrategyKind, str, list[tuple[int, float]]]]) -> None:
    """Take every match of ``match`` over ``size`` legs, most complete first, until none is left."""
    while True:
        live = [i for i in range(len(legs)) if rem[i] != 0 and legs[i].is_option]
        for idx in itertools.combinations(live, size):
            m = match(legs, rem, idx)
            if m is None:
                continue
            kind, name, pick = m
            if equal_only and len({abs(rem[i] / r) for i, r in pick}) != 1:
                continue
            n = _units(rem, pick)
            if n < 1:
                continue
            for i, r in pick:
                rem[i] -= r * n
            out.append((kind, name, [(i, r * n) for i, r in pick]))
            break
        else:
            return


def group_strategies(legs: Sequence[Leg]) -> list[Strategy]:
    """Every leg placed in exactly one strategy; strategies sorted by (product, underlying, name)."""
    by_und: dict[str, list[Leg]] = {}
    for leg in legs:
        if leg.quantity == 0:
            continue
        key = leg.symbol if leg.kind == LegKind.FUTURE else leg.underlying
        by_und.setdefault(key, []).append(leg)
    out: list[Strategy] = []
    for und, group in by_und.items():
        out.extend(_group_one(und, sorted(group, key=_sort_key)))
    return sorted(out, key=lambda s: (s.product, s.underlying, s.name, tuple(leg.symbol for leg in s.legs)))


def _group_one(und: str, legs: list[Leg]) -> list[Strategy]:
    rem = [leg.quantity for leg in legs]
    found: list[tuple[StrategyKind, str, list[tuple[int, float]]]] = []
    _scan(legs, rem, 4, _iron, False, found)
    _scan(legs, rem, 3, _butterfly, False, found)
    _scan(legs, rem, 2, _pair, True, found)
    _covered(legs, rem, found)
    _ratio(legs, rem, found)
    _scan(legs, rem, 2, _pair, False, found)
    out = [Strategy(k, n, und, tuple(legs[i].with_quantity(q) for i, q in pick)) for k, n, pick in found]
    left_opts = [i for i in range(len(legs)) if rem[i] != 0 and legs[i].is_option]
    if len(left_opts) > 1:
        out.append(Strategy(StrategyKind.CUSTOM, "Custom", und,
                            tuple(legs[i].with_quantity(rem[i]) for i in left_opts)))
        for i in left_opts:
            rem[i] = 0.0
    for i, leg in enumerate(legs):
        if rem[i] != 0:
            out.append(_single(und, leg.with_quantity(rem[i])))
    return out


def _covered(legs: list[Leg], rem: list[float], out: list[tuple[StrategyKind, str, list[tuple[int, float]]]]) -> None:
    """Short calls covered by long shares (multiplier shares per contract)."""
    for s in range(len(legs)):
        if legs[s].kind != LegKind.EQUITY or rem[s] <= 0:
            continue
        for c in range(len(legs)):
            leg = legs[c]
            if not (leg.kind == LegKind.EQUITY_OPTION and leg.is_call and rem[c] < 0):
                continue
            n = min(int(rem[s] // leg.multiplier), int(-rem[c]))
            if n < 1:
                continue
            rem[s] -= n * leg.multiplier
            rem[c] += n
            out.append((StrategyKind.COVERED_CALL, "Covered Call", [(s, n * leg.multiplier), (c, -float(n))]))


def _ratio(legs: list[Leg], rem: list[float], out: list[tuple[StrategyKind, str, list[tuple[int, float]]]]) -> None:
    for i, j in itertools.combinations(range(len(legs)), 2):
        a, b = legs[i], legs[j]
        if not (a.is_option and b.is_option and rem[i] and rem[j]):
            continue
        if a.option_type == b.option_type and _same_exp(a, b) and (rem[i] > 0) != (rem[j] > 0) \
                and a.strike != b.strike:
            side = "Call" if a.is_call else "Put"
            out.append((StrategyKind.RATIO, f"{side} Ratio Spread", [(i, rem[i]), (j, rem[j])]))
            rem[i] = rem[j] = 0.0


def _single(und: str, leg: Leg) -> Strategy:
    lead = "Long" if leg.quantity > 0 else "Short"
    if leg.is_option:
        return Strategy(StrategyKind.SINGLE, f"{lead} {'Call' if leg.is_call else 'Put'}", und, (leg,))
    if leg.kind == LegKind.FUTURE:
        return Strategy(StrategyKind.FUTURE, f"{lead} Future", und, (leg,))
    if leg.kind == LegKind.CRYPTO:
        return Strategy(StrategyKind.CRYPTO, f"{lead} Crypto", und, (leg,))
    return Strategy(StrategyKind.STOCK, f"{lead} Stock", und, (leg,))
