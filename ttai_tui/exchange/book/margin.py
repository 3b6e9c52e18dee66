"""Margin a trader recognises: Reg-T for stock and equity options, per-contract for futures.

Requirements are computed per *strategy*. Positions of one underlying are decomposed, oldest
short first, into spreads, covered options, combined strangles/condors and naked legs; each
strategy gets its own requirement, so opening a naked option never re-margins a spread that is
already on, and the same positions always decompose the same way.

Rules (gross requirement, before the premium received is applied):

- long stock 50 % initial (Reg-T), 25 % maintenance; short stock 50 % initial, 30 % maintenance;
- long options: paid in full (no loan value, so no requirement beyond the premium);
- naked short equity options: 20 % of the underlying (15 % for broad-based indices) minus the
  out-of-the-money amount plus the premium, at least 10 % of the underlying (calls) or of the
  strike (puts) plus the premium, times the multiplier;
- verticals (same type, long leg expiring on or after the short): the width if the spread can
  lose (credit spreads), nothing if it cannot (debit spreads, paid in full);
- a put side and a call side of one underlying (iron condor, short strangle/straddle): only the
  larger side, plus the other side's premium for naked pairs, since both cannot lose at once;
- a short call against 100 long shares per contract (or a short put against short shares) is
  covered: no option requirement;
- futures: a per-contract amount by product (``FUTURES_MARGIN``); futures options: long paid in
  full, short at the product's per-contract margin plus the premium; crypto: its full value
  (cash only, no loan value).

Buying power (``derivative-buying-power``) is then net liquidating value minus these gross
requirements minus the value of long options plus the value of short options: premium paid on a
long option is spent, premium received on a short one is applied to its requirement. That makes
a credit spread cost its width minus the credit and a naked put the formula minus its premium,
as a tastytrade trader reads the buying-power effect.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

#: Per-contract initial margin by futures product code, in USD. Ballpark exchange levels (CME
#: publishes them and moves them with volatility); illustrative, not a quote of any given day.
FUTURES_MARGIN: dict[str, float] = {
    "ES": 22_000.0, "MES": 2_200.0, "NQ": 31_000.0, "MNQ": 3_100.0, "RTY": 9_000.0,
    "M2K": 900.0, "YM": 11_000.0, "MYM": 1_100.0, "CL": 6_000.0, "MCL": 600.0, "NG": 4_000.0,
    "GC": 10_000.0, "MGC": 1_000.0, "SI": 15_000.0, "ZN": 2_200.0, "ZB": 4_200.0, "ZF": 1_500.0,
    "ZT": 1_100.0, "6E": 2_600.0,
}
#: products not in the table: this share of one contract's notional value
UNKNOWN_FUTURES_RATE = 0.08

LONG_STOCK_INITIAL, LONG_STOCK_MAINT = 0.50, 0.25
SHORT_STOCK_INITIAL, SHORT_STOCK_MAINT = 0.50, 0.30
NAKED_RATE, NAKED_INDEX_RATE, NAKED_FLOOR = 0.20, 0.15, 0.10


@dataclass(frozen=True, slots=True)
class MLeg:
    """One position as margin sees it. ``quantity`` is signed (negative = short)."""

    symbol: str
    instrument_type: str
    underlying: str
    quantity: float
    multiplier: float
    mark: float  # price per unit (per share / per contract point)
    opened_at: float = 0.0
    spot: float | None = None  # underlying price, options only
    strike: float | None = None
    call: bool | None = None
    expiration: dt.date | None = None
    product_code: str | None = None
    broad_index: bool = False


@dataclass
class Strategy:
    name: str
    underlying: str
    legs: list[str]
    initial: float  # gross requirement, USD
    maintenance: float
    detail: dict[str, float] = field(default_factory=dict)


def futures_margin(product: str | None, notional: float) -> float:
    if product is not None and product in FUTURES_MARGIN:
        return FUTURES_MARGIN[product]
    return UNKNOWN_FUTURES_RATE * abs(notional)


def naked_requirement(leg: MLeg, contracts: float) -> float:
    """The standard uncovered-option formula, for ``contracts`` (> 0) short contracts."""
    if leg.instrument_type == "Future Option":
        return (futures_margin(leg.product_code, (leg.spot or 0) * leg.multiplier)
                + leg.mark * leg.multiplier) * contracts
    spot = leg.spot or 0.0
    k = leg.strike or 0.0
    otm = max(k - spot, 0.0) if leg.call else max(spot - k, 0.0)
    rate = NAKED_INDEX_RATE if leg.broad_index else NAKED_RATE
    floor_base = spot if leg.call else k
    per = max(rate * spot - otm + leg.mark, NAKED_FLOOR * floor_base + leg.mark)
    return per * leg.multiplier * contracts


def _loss_width(short: MLeg, long: MLeg) -> float:
    """What a vertical can lose at expiration per unit (0 for a debit spread)."""
    ks, kl = short.strike or 0.0, long.strike or 0.0
    return max(kl - ks, 0.0) if short.call else max(ks - kl, 0.0)


@dataclass
class _Piece:
    kind: str  # "spread" | "naked"
    side_call: bool
    qty: float
    per_unit: float  # requirement per unit
    premium: float  # premium per unit (naked only)
    legs: list[str]
    expiration: dt.date | None


def _option_strategies(und: str, legs: list[MLeg], shares: float) -> list[Strategy]:
    shorts = sorted((lg for lg in legs if lg.quantity < 0), key=lambda x: (x.opened_at, x.symbol))
    longs_left = {lg.symbol: lg.quantity for lg in legs if lg.quantity > 0}
    by_sym = {lg.symbol: lg for lg in legs}
    pieces: list[_Piece] = []
    out: list[Strategy] = []
    shares_left = shares
    for s in shorts:
        need = -s.quantity
        while need > 1e-9:
            cands = [by_sym[k] for k, q in longs_left.items() if q > 1e-9
                     and by_sym[k].call == s.call and by_sym[k].instrument_type == s.instrument_type
                     and (by_sym[k].expiration or dt.date.max) >= (s.expiration or dt.date.min)]
            if not cands:
                break
            best = min(cands, key=lambda lg: (_loss_width(s, lg), lg.opened_at, lg.symbol))
            q = min(need, longs_left[best.symbol])
            longs_left[best.symbol] -= q
            need -= q
            w = _loss_width(s, best)
            pieces.append(_Piece("spread", bool(s.call), q, w * s.multiplier, 0.0,
                                 [s.symbol, best.symbol], s.expiration))
        if need > 1e-9 and s.instrument_type == "Equity Option":
            per_contract = s.multiplier
            if s.call and shares_left > 0:
                q = min(need, shares_left // per_contract)
                if q > 0:
                    shares_left -= q * per_contract
                    need -= q
                    out.append(Strategy("Covered Call", und, [s.symbol], 0.0, 0.0))
            elif not s.call and shares_left < 0:
                q = min(need, -shares_left // per_contract)
                if q > 0:
                    shares_left += q * per_contract
                    need -= q
                    out.append(Strategy("Covered Put", und, [s.symbol], 0.0, 0.0))
        if need > 1e-9:
            per = naked_requirement(s, 1.0)
            pieces.append(_Piece("naked", bool(s.call), need, per, s.mark * s.multiplier,
                                 [s.symbol], s.expiration))
    # pair put-side with call-side pieces of the same kind and expiration: only one side can lose
    calls = [p for p in pieces if p.side_call]
    puts = [p for p in pieces if not p.side_call]
    for p in puts:
        for c in calls:
            if p.qty <= 1e-9:
                break
            if c.qty <= 1e-9 or c.kind != p.kind or c.expiration != p.expiration:
                continue
            q = min(p.qty, c.qty)
            if p.kind == "spread":
                per, name = max(p.per_unit, c.per_unit), "Iron Condor"
            else:
                big, small = (p, c) if p.per_unit >= c.per_unit else (c, p)
                per, name = big.per_unit + small.premium, "Strangle"
            out.append(Strategy(name, und, p.legs + c.legs, per * q, per * q))
            p.qty -= q
            c.qty -= q
    for p in pieces:
        if p.qty <= 1e-9:
            continue
        if p.kind == "spread":
            name = "Vertical" if p.per_unit > 0 else "Debit Spread"
        else:
            name = "Naked Call" if p.side_call else "Naked Put"
        out.append(Strategy(name, und, p.legs, p.per_unit * p.qty, p.per_unit * p.qty))
    for sym, q in longs_left.items():
        if q > 1e-9:
            out.append(Strategy("Long Option", und, [sym], 0.0, 0.0))
    return out


def strategies(legs: list[MLeg]) -> list[Strategy]:
    """Decompose positions into strategies with their requirements (deterministic)."""
    out: list[Strategy] = []
    by_und: dict[str, list[MLeg]] = {}
    for lg in legs:
        by_und.setdefault(lg.underlying, []).append(lg)
    for und in sorted(by_und):
        group = by_und[und]
        shares = 0.0
        for lg in group:
            value = abs(lg.quantity) * lg.multiplier * lg.mark
            t = lg.instrument_type
            if t == "Equity":
                shares += lg.quantity
                if lg.quantity > 0:
                    out.append(Strategy("Long Stock", und, [lg.symbol], LONG_STOCK_INITIAL * value,
                                        LONG_STOCK_MAINT * value))
                elif lg.quantity < 0:
                    out.append(Strategy("Short Stock", und, [lg.symbol], SHORT_STOCK_INITIAL * value,
                                        SHORT_STOCK_MAINT * value))
            elif t == "Future":
                req = futures_margin(lg.product_code, lg.mark * lg.multiplier) * abs(lg.quantity)
                out.append(Strategy("Future", und, [lg.symbol], req, req))
            elif t == "Cryptocurrency":
                # cash only: the full value is held (no loan value, no shorting)
                out.append(Strategy("Crypto", und, [lg.symbol], value, value))
        opts = [lg for lg in group if lg.instrument_type in ("Equity Option", "Future Option")]
        if opts:
            out.extend(_option_strategies(und, opts, shares))
    return out


def total(strats: list[Strategy]) -> tuple[float, float]:
    """(initial, maintenance) of all strategies."""
    return sum(s.initial for s in strats), sum(s.maintenance for s in strats)
