"""The risk engine: legs, payoff, max profit/loss, breakevens, POP, greeks (pure, no I/O).

Public API (stable; the order review uses it too):

* `Leg`, `LegKind`, `MarketInputs` (legs.py): what is analysed and the market it is priced in;
* `analyze(legs, market, cost=None) -> RiskProfile`: max profit, max loss (None + flag when
  unbounded), breakevens, probability of profit, greeks of the whole;
* `pnl_at_expiration`, `pnl_today`, `pnl` (any time, IV shift), `price_range` (engine.py):
  payoff curves over an array of underlying prices.
"""

from ttai_tui.core.risk.engine import (
    PositionGreeks,
    RiskProfile,
    analyze,
    first_expiry,
    pnl,
    pnl_at_expiration,
    pnl_today,
    position_greeks,
    price_range,
    slope_at_infinity,
    total_cost,
)
from ttai_tui.core.risk.legs import Leg, LegKind, MarketInputs, expiry_timestamp, years_to_expiry

__all__ = [
    "Leg", "LegKind", "MarketInputs", "PositionGreeks", "RiskProfile", "analyze", "expiry_timestamp",
    "first_expiry", "pnl", "pnl_at_expiration", "pnl_today", "position_greeks", "price_range",
    "slope_at_infinity", "total_cost", "years_to_expiry",
]
