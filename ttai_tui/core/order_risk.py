"""Max profit, max loss, breakevens and probability of profit of an order, from the risk engine
(core.risk, issue 14): the order's legs as engine legs, its net price as their cost.

Pure: the caller passes the underlying's price, the legs' implied volatilities and the time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from ttai_tui.core.orders import OrderRequest, signed_net
from ttai_tui.core.risk import Leg, LegKind, MarketInputs, analyze


@dataclass(frozen=True, slots=True)
class OrderRisk:
    max_profit: float | None  # None: unlimited or unknown (see note)
    max_loss: float | None  # dollars at risk, >= 0; None: unlimited or unknown
    breakevens: tuple[float, ...]
    pop: float | None
    note: str


def engine_legs(req: OrderRequest, ivs: Mapping[str, float | None]) -> list[Leg]:
    """Order legs as risk-engine legs (signed quantity; the order's cost is passed separately)."""
    out = []
    for leg in req.legs:
        kind = LegKind.parse(leg.instrument_type)
        if kind is None:
            raise ValueError(f"{leg.instrument_type} legs are not analysed")
        o, ins = leg.option, leg.instrument
        cp: str | None
        strike: float | None
        exp: dt.date | None
        if o is not None:
            cp, strike, exp = o.option_type, o.strike, o.expiration
        elif ins is not None and ins.option_type is not None:  # a futures option
            cp, strike, exp = ins.option_type, ins.strike, ins.expiration
        else:
            cp, strike, exp = None, None, None
        out.append(Leg(kind, leg.symbol, leg.underlying, leg.units * (1 if leg.is_buy else -1), 0.0,
                       float(leg.multiplier), cp, strike, exp, ivs.get(leg.streamer_symbol)))
    return out


def order_risk(req: OrderRequest, net: float | None, spot: float | None, ivs: Mapping[str, float | None],
               now: float, rate: float = 0.04) -> OrderRisk:
    """The order held to (the first) expiration at its limit price, or at ``net`` (per unit,
    + credit / - debit: the natural price) for a market order."""
    if not req.legs:
        return OrderRisk(None, None, (), None, "no legs")
    if all(leg.action.endswith("Close") for leg in req.legs):
        return OrderRisk(None, None, (), None, "closing order: the position's risk goes with it")
    futures = [leg for leg in req.legs if leg.instrument_type == "Future"]
    if len(futures) > 1:  # a roll or calendar: one spot price cannot value two delivery months
        return OrderRisk(None, None, (), None, "futures spread (roll or calendar): max profit and loss "
                                               "are not modelled")
    if req.price is not None:
        per_unit = signed_net(req.price, req.price_effect)
    elif net is not None:
        per_unit = net
    else:
        return OrderRisk(None, None, (), None, "no price to compute from")
    if spot is None:
        return OrderRisk(None, None, (), None, f"no price for {req.underlying} yet")
    if req.order_type == "Notional Market":
        return OrderRisk(None, None, (), None, "a dollar-amount order: the quantity is known once it fills")
    try:
        legs = engine_legs(req, ivs)
    except ValueError as e:
        return OrderRisk(None, None, (), None, str(e))
    cost = -per_unit * float(req.size) * req.multiplier  # engine: + debit paid, - credit received
    prof = analyze(legs, MarketInputs(spot=spot, now=now, rate=rate), cost=cost)
    notes = []
    if prof.max_profit_unbounded:
        notes.append("profit unlimited")
    if prof.max_loss_unbounded:
        notes.append("loss unlimited")
    if not prof.exact:
        notes.append("legs expire on different dates: figures at the first expiration, by model")
    max_loss = None if prof.max_loss is None else round(max(0.0, -prof.max_loss), 2)
    max_profit = None if prof.max_profit is None else round(prof.max_profit, 2)
    return OrderRisk(max_profit, max_loss, tuple(round(b, 2) for b in prof.breakevens), prof.pop,
                     "; ".join(notes))
