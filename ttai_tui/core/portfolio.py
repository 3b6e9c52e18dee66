"""Positions joined with live marks: day/open P&L, position greeks, beta-weighted delta.

Conventions (documented because traders check them):

* Greeks are per share from DXLink; a position's greek = greek x quantity x multiplier
  (quantity signed, multiplier 100 for equity options). An equity position has delta = shares
  and zero gamma/theta/vega (genuinely zero, not missing).
* Open P&L = (mark - average open price) x quantity x multiplier.
* Day P&L = (mark - base) x quantity x multiplier + realized day gain, where base is the
  previous close, or the open price for positions opened today.
* Beta-weighted delta (SPY-equivalent shares) = position delta x beta x underlying price /
  SPY price, with beta from market metrics (1 for SPY itself). For futures the delta is
  quantity x multiplier and the "underlying price" is the contract's own price, so the product
  is the notional value (2 /MES at 6,000 = $60,000 = 100 SPY shares at $600); index futures take
  their ETF's beta (``Position.beta_symbol``).
* Anything that depends on an unknown input is None, never 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ttai_tui.core.market_state import MarketState
from ttai_tui.core.models import Position

BETA_BENCHMARK = "SPY"


@dataclass(slots=True)
class PositionView:
    """A position with every live-derived figure (recomputed on each UI tick)."""

    position: Position
    mark: float | None
    day_pnl: float | None
    open_pnl: float | None
    delta: float | None
    gamma: float | None
    theta: float | None
    vega: float | None
    beta_delta: float | None
    dte: int | None


@dataclass(slots=True)
class Totals:
    day_pnl: float | None = None
    open_pnl: float | None = None
    delta: float | None = None
    theta: float | None = None
    beta_delta: float | None = None


def beta_of(state: MarketState, underlying: str) -> float | None:
    """Beta against SPY from market metrics, else the instrument profile (1 for SPY itself)."""
    if underlying == BETA_BENCHMARK:
        return 1.0
    m = state.metrics.get(underlying)
    if m is not None and m.beta is not None:
        return m.beta
    p = state.profiles.get(underlying)
    return None if p is None else p.beta


def position_view(pos: Position, state: MarketState, today: date | None = None) -> PositionView:
    """Join one position with MarketState (see module docstring for the formulas)."""
    mark = state.mark(pos.streamer_symbol)
    if mark is None:
        mark = pos.mark_from_rest
    scale = pos.quantity * pos.multiplier
    open_pnl = None
    if mark is not None and pos.average_open_price is not None:
        open_pnl = (mark - pos.average_open_price) * scale
    base = pos.average_open_price if pos.opened_today else pos.close_price
    day_pnl = None
    if mark is not None and base is not None:
        day_pnl = (mark - base) * scale + (pos.realized_day_gain or 0.0)
    if pos.is_option:
        g = state.greeks.get(pos.streamer_symbol)
        if g is None:
            delta = gamma = theta = vega = None
        else:
            delta = None if g.delta is None else g.delta * scale
            gamma = None if g.gamma is None else g.gamma * scale
            theta = None if g.theta is None else g.theta * scale
            vega = None if g.vega is None else g.vega * scale
    else:
        delta, gamma, theta, vega = scale, 0.0, 0.0, 0.0
    beta_delta = None
    beta = beta_of(state, pos.beta_symbol or pos.underlying)
    # a future's delta is in units of its own price: weighting by that price is its notional
    und = state.mark(pos.underlying_streamer or pos.underlying)
    spy = state.mark(BETA_BENCHMARK)
    if delta is not None and beta is not None and und is not None and spy:
        beta_delta = delta * beta * und / spy
    dte = None
    if pos.expiration is not None and today is not None:
        dte = (pos.expiration - today).days
    return PositionView(pos, mark, day_pnl, open_pnl, delta, gamma, theta, vega, beta_delta, dte)


def _sum(values: Iterable[float | None]) -> float | None:
    total, seen = 0.0, False
    for v in values:
        if v is not None:
            total += v
            seen = True
    return total if seen else None


def totals(views: list[PositionView]) -> Totals:
    """Sums of the known values (None when no row knows the figure)."""
    return Totals(
        day_pnl=_sum(v.day_pnl for v in views),
        open_pnl=_sum(v.open_pnl for v in views),
        delta=_sum(v.delta for v in views),
        theta=_sum(v.theta for v in views),
        beta_delta=_sum(v.beta_delta for v in views),
    )


def group_by_underlying(views: list[PositionView]) -> dict[str, list[PositionView]]:
    """Positions grouped by underlying, groups and rows in a stable order."""
    out: dict[str, list[PositionView]] = {}
    for v in sorted(views, key=lambda v: (v.position.underlying, v.position.symbol)):
        out.setdefault(v.position.underlying, []).append(v)
    return out
