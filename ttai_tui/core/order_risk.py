"""Max profit, max loss and breakevens of an order held to expiration.

A small, pure stand-in until the risk engine (core/risk, issue 14) is merged: the payoff of
options and stock at one expiration is piecewise linear in the underlying price with kinks at
the strikes, so evaluating it at 0, at every strike and its slope beyond the last strike gives
the exact extremes and the zero crossings.
"""

from __future__ import annotations

from ttai_tui.core.orders import OrderRequest, signed_net


def _leg_value(leg_type: str, strike: float | None, kind: str | None, s: float) -> float:
    if leg_type == "Equity":
        return s
    assert strike is not None
    return max(s - strike, 0.0) if kind == "C" else max(strike - s, 0.0)


def expiration_risk(req: OrderRequest, net: float | None = None
                    ) -> tuple[float | None, float | None, tuple[float, ...], str]:
    """(max profit, max loss, breakevens, note) in dollars for the whole order.

    ``net`` is the per-unit price (+ credit / - debit) to use when the request has none
    (market orders: the natural price). Max loss is returned as a positive number of dollars
    at risk; None means unlimited (see the note) or not computable.
    """
    if not req.legs:
        return None, None, (), "no legs"
    if all(leg.action.endswith("Close") for leg in req.legs):
        return None, None, (), "closing order: the position's risk goes with it"
    opts = [leg.option for leg in req.legs if leg.instrument_type == "Equity Option"]
    if any(o is None for o in opts):
        return None, None, (), "unknown option symbol"
    exps = {o.expiration for o in opts if o is not None}
    if len(exps) > 1:
        return None, None, (), "legs expire on different dates: not computed"
    if req.price is not None:
        per_unit = signed_net(req.price, req.price_effect)
    elif net is not None:
        per_unit = net
    else:
        return None, None, (), "no price to compute from"
    cash = per_unit * req.size * req.multiplier
    specs = []
    for leg in req.legs:
        o = leg.option
        sign = 1 if leg.is_buy else -1
        specs.append((leg.instrument_type, o.strike if o else None, o.option_type if o else None,
                      sign * leg.quantity * leg.multiplier))

    def pnl(s: float) -> float:
        return cash + sum(q * _leg_value(t, k, c, s) for t, k, c, q in specs)

    strikes = sorted({k for _, k, _, _ in specs if k is not None})
    top = (strikes[-1] if strikes else 1.0) * 2 + 1
    xs = [0.0, *strikes, top]
    ys = [pnl(x) for x in xs]
    slope_up = pnl(top + 1) - ys[-1]
    max_profit: float | None = max(ys)
    max_loss: float | None = max(0.0, -min(ys))
    note = ""
    if slope_up > 1e-9:
        max_profit = None
        note = "profit unlimited above the top strike"
    elif slope_up < -1e-9:
        max_loss = None
        note = "loss unlimited as the underlying rises"
    bes: list[float] = []
    for (x0, y0), (x1, y1) in zip(zip(xs, ys, strict=True), zip(xs[1:], ys[1:], strict=True), strict=False):
        if y0 == 0 and x0 > 0:
            bes.append(x0)
        elif (y0 < 0 < y1) or (y0 > 0 > y1):
            bes.append(x0 + (x1 - x0) * (-y0) / (y1 - y0))
    if abs(slope_up) > 1e-9 and ys[-1] * slope_up < 0:
        bes.append(top - ys[-1] / slope_up)
    return (None if max_profit is None else round(max_profit, 2),
            None if max_loss is None else round(max_loss, 2),
            tuple(sorted({round(b, 2) for b in bes})), note)
