"""The account's positions as strategies with their risk, the what-if grid and the gauges.

Pure: it reads a `MarketState` and plain values, and is called by the risk view (at most a few
times a second) and by `ttai risk`. Conventions:

* a leg's IV is the streamed option IV (DXLink Greeks ``volatility``); spot is the underlying's
  mark, read under its streamer symbol: a future's own contract (``/MESZ26:XCME``), a futures
  option's future, a crypto pair's (``BTC/USD:CXTALP``), from the position's
  ``underlying_streamer``; an equity's underlying is its own streamer symbol. A figure that needs a missing input is None (shown as missing), never 0;
* what-if cells are the *change* in today's P&L from now if the underlying moves by a share of
  its price (the portfolio row: SPY moves by that share and each underlying by beta times it)
  or every IV shifts by a number of volatility points;
* buying power per strategy is an estimate with the standard rules (defined risk: the max loss;
  naked short options: the CBOE formula, 20 % of the underlying less the out-of-the-money
  amount plus the premium, at least 10 % of the strike (put) or the underlying (call) plus the
  premium; stock: the FINRA 25 % / 30 % maintenance); the account's total comes from the broker.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ttai_tui.core.clock import ny_date
from ttai_tui.core.market_state import MarketState
from ttai_tui.core.models import Position
from ttai_tui.core.portfolio import BETA_BENCHMARK as BENCHMARK
from ttai_tui.core.portfolio import beta_of
from ttai_tui.core.risk.engine import RiskProfile, analyze, first_expiry, pnl_today
from ttai_tui.core.risk.legs import Leg, LegKind, MarketInputs
from ttai_tui.core.risk.strategies import Strategy, StrategyKind, group_strategies

MOVES: tuple[float, ...] = (-0.10, -0.05, -0.02, 0.0, 0.02, 0.05, 0.10)
IV_SHIFTS: tuple[float, ...] = (-0.05, -0.02, 0.0, 0.02, 0.05)


@dataclass(frozen=True, slots=True)
class StrategyRisk:
    """One strategy with its live figures (None = not known yet)."""

    strategy: Strategy
    spot: float | None
    profile: RiskProfile | None
    dte: int | None
    beta: float | None
    requirement: float | None  # estimated buying power it uses

    @property
    def market(self) -> str:
        return self.strategy.underlying


def legs_from_positions(positions: Iterable[Position], state: MarketState) -> tuple[list[Leg], list[str]]:
    """Legs for the engine, and one message per position it cannot use (and why)."""
    legs: list[Leg] = []
    skipped: list[str] = []
    for p in positions:
        kind = LegKind.parse(p.instrument_type)
        if kind is None:
            skipped.append(f"{p.symbol}: {p.instrument_type} is not analysed")
            continue
        if p.average_open_price is None:
            skipped.append(f"{p.symbol}: no average open price")
            continue
        if kind.is_option and (p.strike is None or p.expiration is None or p.option_type not in ("C", "P")):
            skipped.append(f"{p.symbol}: option without strike/expiration/type")
            continue
        g = state.greeks.get(p.streamer_symbol)
        iv = g.volatility if g is not None and g.volatility is not None and g.volatility > 0 else None
        legs.append(Leg(kind, p.symbol, p.underlying, p.quantity, abs(p.average_open_price), p.multiplier,
                        p.option_type if kind.is_option else None, p.strike if kind.is_option else None,
                        p.expiration if kind.is_option else None, iv if kind.is_option else None))
    return legs, skipped


def _iv_index(state: MarketState, underlying: str) -> float | None:
    m = state.metrics.get(underlying)
    return None if m is None else m.iv_index


def price_symbols(positions: Iterable[Position]) -> dict[str, str]:
    """Strategy underlying -> the streamer symbol its price is read under, where they differ:
    a future's contract (strategies group futures by contract), a futures option's future and a
    crypto pair, from the positions' ``underlying_streamer``."""
    out: dict[str, str] = {}
    for p in positions:
        if not p.underlying_streamer:
            continue
        key = p.symbol if p.instrument_type == "Future" else p.underlying
        out[key] = p.underlying_streamer
    return out


def beta_symbols(positions: Iterable[Position]) -> dict[str, str]:
    """Strategy underlying -> whose beta weights it when not its own (an index future's ETF)."""
    return {(p.symbol if p.instrument_type == "Future" else p.underlying): p.beta_symbol
            for p in positions if p.beta_symbol}


def assess(strategies: Sequence[Strategy], state: MarketState, now: float, rate: float,
           prices_under: Mapping[str, str] | None = None,
           betas_of: Mapping[str, str] | None = None) -> list[StrategyRisk]:
    """Each strategy priced at its underlying's current mark (``prices_under``: the streamer
    symbol of underlyings whose tastytrade symbol is not one, see ``price_symbols``; ``betas_of``:
    whose beta an underlying takes, see ``beta_symbols``)."""
    today = ny_date(now)
    out: list[StrategyRisk] = []
    under = prices_under or {}
    beta_from = betas_of or {}
    for s in strategies:
        spot = state.mark(under.get(s.underlying, s.underlying))
        profile = None
        if spot is not None and spot > 0:
            profile = analyze(s.legs, MarketInputs(spot, now, rate, 0.0, _iv_index(state, s.underlying)))
        horizon = first_expiry(s.legs)
        dte = None
        if horizon is not None:
            exp = min(leg.expiration for leg in s.legs if leg.expiration is not None)
            dte = (exp - today).days
        req = estimate_requirement(s, spot, profile)
        beta = beta_of(state, beta_from.get(s.underlying, s.underlying))
        out.append(StrategyRisk(s, spot, profile, dte, beta, req))
    return out


def strategies_for(positions: Iterable[Position], state: MarketState, now: float, rate: float
                   ) -> tuple[list[StrategyRisk], list[str]]:
    """Positions -> grouped strategies with their risk, and the positions left out (why)."""
    positions = list(positions)
    legs, skipped = legs_from_positions(positions, state)
    return assess(group_strategies(legs), state, now, rate, price_symbols(positions),
                  beta_symbols(positions)), skipped


# ---------------------------------------------------------------- buying power estimate
def _naked(leg: Leg, spot: float) -> float:
    assert leg.strike is not None
    otm = max(leg.strike - spot, 0.0) if leg.is_call else max(spot - leg.strike, 0.0)
    base = spot if leg.is_call else leg.strike
    prem = leg.entry_price
    return max(0.2 * spot - otm + prem, 0.1 * base + prem) * leg.multiplier * -leg.quantity


def estimate_requirement(s: Strategy, spot: float | None, profile: RiskProfile | None) -> float | None:
    """Buying power the strategy ties up (see the module docstring); None when unknown."""
    if spot is None:
        return None
    kind = s.kind
    if kind in (StrategyKind.STOCK, StrategyKind.COVERED_CALL):
        stock = next(leg for leg in s.legs if leg.kind == LegKind.EQUITY)
        return abs(stock.quantity) * spot * (0.25 if stock.quantity > 0 else 0.30)
    if kind in (StrategyKind.FUTURE, StrategyKind.CRYPTO) or profile is None:
        return None  # exchange-set futures margin / crypto is cash: not estimated here
    if profile.max_loss is not None and not (kind == StrategyKind.SINGLE and s.legs[0].quantity < 0):
        return max(-profile.max_loss, 0.0)
    shorts = [leg for leg in s.legs if leg.is_option and leg.quantity < 0]
    if kind in (StrategyKind.STRANGLE, StrategyKind.STRADDLE):
        per = [_naked(leg, spot) for leg in shorts]
        other = [leg.entry_price * leg.multiplier * -leg.quantity for leg in shorts]
        worst = int(np.argmax(per))
        return per[worst] + sum(o for i, o in enumerate(other) if i != worst)
    return sum(_naked(leg, spot) for leg in shorts) or None


# ---------------------------------------------------------------- what-if grid
@dataclass(frozen=True, slots=True)
class WhatIfRow:
    label: str
    by_move: tuple[float | None, ...]
    by_iv: tuple[float | None, ...]


@dataclass(frozen=True, slots=True)
class WhatIf:
    moves: tuple[float, ...]
    iv_shifts: tuple[float, ...]
    rows: tuple[WhatIfRow, ...]
    portfolio: WhatIfRow
    left_out: tuple[str, ...]  # underlyings missing from the portfolio row's moves (no beta/price)


def whatif(risks: Sequence[StrategyRisk], now: float, rate: float, moves: Sequence[float] = MOVES,
           iv_shifts: Sequence[float] = IV_SHIFTS) -> WhatIf:
    """P&L change per strategy and for the whole portfolio (see the module docstring)."""
    rows: list[WhatIfRow] = []
    port_m = np.zeros(len(moves))
    port_iv = np.zeros(len(iv_shifts))
    left_out: list[str] = []
    seen_m = seen_iv = False
    mv = np.asarray(moves, dtype=float)
    ivs = np.asarray(iv_shifts, dtype=float)
    for r in risks:
        label = f"{r.strategy.underlying} {r.strategy.name}"
        spot = r.spot
        if spot is None or spot <= 0:
            rows.append(WhatIfRow(label, (None,) * len(moves), (None,) * len(iv_shifts)))
            left_out.append(r.strategy.underlying)
            continue
        # one vectorised evaluation per strategy: now, the moves, the IV shifts, the beta moves
        beta = r.beta if r.beta is not None else 0.0
        nm, ni = len(mv), len(ivs)
        prices = np.concatenate(([spot], spot * (1.0 + mv), np.full(ni, spot), spot * (1.0 + beta * mv)))
        shifts = np.concatenate((np.zeros(1 + nm), ivs, np.zeros(nm)))
        vals = pnl_today(r.strategy.legs, prices, MarketInputs(spot, now, rate), iv_shift=shifts)
        if vals is None:
            rows.append(WhatIfRow(label, (None,) * nm, (None,) * ni))
            left_out.append(r.strategy.underlying)
            continue
        delta = vals - vals[0]
        by_move, by_iv, weighted = delta[1:1 + nm], delta[1 + nm:1 + nm + ni], delta[1 + nm + ni:]
        rows.append(WhatIfRow(label, tuple(float(x) for x in by_move), tuple(float(x) for x in by_iv)))
        port_iv += by_iv
        seen_iv = True
        if r.beta is None:
            left_out.append(r.strategy.underlying)
            continue
        port_m += weighted
        seen_m = True
    portfolio = WhatIfRow(
        f"Portfolio (β-weighted to {BENCHMARK})",
        tuple(float(x) for x in port_m) if seen_m else (None,) * len(moves),
        tuple(float(x) for x in port_iv) if seen_iv else (None,) * len(iv_shifts),
    )
    return WhatIf(tuple(moves), tuple(iv_shifts), tuple(rows), portfolio, tuple(dict.fromkeys(left_out)))


# ---------------------------------------------------------------- gauges
@dataclass(frozen=True, slots=True)
class GaugeLimits:
    """The guideline the gauges are held against (from the [risk] config section).

    ``bp_by_vix``: rows (VIX up to, min %, max %) of buying-power usage as a share of net liq,
    ascending by VIX; the last row applies above its bound too.
    """

    bp_by_vix: tuple[tuple[float, float, float], ...] = (
        (15.0, 0.0, 25.0), (20.0, 25.0, 30.0), (30.0, 30.0, 35.0), (40.0, 35.0, 40.0), (1000.0, 40.0, 50.0))
    delta_target: float = 0.0
    delta_band: float = 100.0
    max_position_pct: float = 5.0


@dataclass(frozen=True, slots=True)
class Gauge:
    """A value against its allowed range; ``status`` is "ok", "high", "low" or "unknown"."""

    key: str
    label: str
    value: float | None
    low: float | None
    high: float | None
    status: str
    unit: str


def _status(value: float | None, low: float | None, high: float | None) -> str:
    if value is None or low is None or high is None:
        return "unknown"
    return "high" if value > high else "low" if value < low else "ok"


def bp_range(vix: float, limits: GaugeLimits) -> tuple[float, float]:
    for upto, lo, hi in limits.bp_by_vix:
        if vix <= upto:
            return lo, hi
    _, lo, hi = limits.bp_by_vix[-1]
    return lo, hi


def gauges(net_liq: float | None, bp_used: float | None, vix: float | None, beta_delta: float | None,
           risks: Sequence[StrategyRisk], limits: GaugeLimits) -> tuple[Gauge, ...]:
    """BP usage vs the VIX guideline, beta-weighted delta vs target, largest position share."""
    usage = None if net_liq is None or net_liq <= 0 or bp_used is None else 100.0 * bp_used / net_liq
    lo = hi = None
    if vix is not None:
        lo, hi = bp_range(vix, limits)
    g_bp = Gauge("bp_usage", f"BP used (VIX {vix:.1f})" if vix is not None else "BP used (VIX —)",
                 usage, lo, hi, _status(usage, lo, hi), "%")
    d_lo, d_hi = limits.delta_target - limits.delta_band, limits.delta_target + limits.delta_band
    g_delta = Gauge("beta_delta", f"β-delta ({BENCHMARK})", beta_delta, d_lo, d_hi,
                    _status(beta_delta, d_lo, d_hi), "")
    reqs = [(r.requirement, r) for r in risks if r.requirement is not None]
    largest = None
    label = "Largest position"
    if reqs and net_liq is not None and net_liq > 0:
        req, r = max(reqs, key=lambda x: x[0])
        largest = 100.0 * req / net_liq
        label = f"Largest: {r.strategy.underlying}"
    g_pos = Gauge("largest_position", label, largest, 0.0, limits.max_position_pct,
                  _status(largest, 0.0, limits.max_position_pct), "%")
    return g_bp, g_delta, g_pos
