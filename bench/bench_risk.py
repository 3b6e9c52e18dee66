"""Risk view speed: one recomputation of a 20-strategy portfolio.

- ``risk_update_ms``: median time of what the Risk tab does on each (throttled) recomputation:
  group 20 strategies' positions (iron condors, verticals, strangles, short puts, covered calls,
  calendars on 20 underlyings, 58 legs) and analyse each (max profit/loss, breakevens, POP,
  greeks), the what-if grid (7 price moves x 5 IV shifts, beta-weighted portfolio row) and the
  selected strategy's payoff curves (240 prices, at expiration and today). Target < 20 ms.
- ``risk_update_cpu_ms``: the same update in CPU time of the measuring thread (what it costs
  this process, without the time the scheduler gives to other processes on a busy machine).
- ``risk_grid_ms``: the what-if grid alone; ``risk_payoff_curves_ms``: the payoff curves alone;
  ``risk_payoff_draw_ms``: drawing and building the payoff diagram with plotext at 66x30.

Inputs are fixed (a seeded portfolio priced in a MarketState filled here); nothing is sent
anywhere. Run alone: ``python -m bench.bench_risk``.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ttai_tui.chart.draw import new_figure
from ttai_tui.chart.payoff import PayoffData, draw_payoff
from ttai_tui.core.market_state import MarketState
from ttai_tui.core.models import Metrics, Position
from ttai_tui.core.risk.engine import pnl_at_expiration, pnl_today, price_range
from ttai_tui.core.risk.legs import MarketInputs, expiry_timestamp
from ttai_tui.core.risk.portfolio import strategies_for, whatif

RATE = 0.04
NOW_EXP = dt.date(2026, 12, 18)
NOW = expiry_timestamp(NOW_EXP) - 30 * 86400.0


def _occ(und: str, exp: dt.date, cp: str, k: float) -> str:
    return f"{und:<6}{exp:%y%m%d}{cp}{round(k * 1000):08d}"


def portfolio(n: int = 20) -> tuple[list[Position], MarketState]:
    """``n`` strategies, one per underlying, cycling through six shapes."""
    rng = np.random.default_rng(3)
    state = MarketState()
    positions: list[Position] = []
    far = NOW_EXP + dt.timedelta(days=28)
    state.record_quote("SPY").bid, state.record_quote("SPY").ask = 599.9, 600.1
    for i in range(n):
        und = f"U{i:02d}"
        spot = float(rng.uniform(40, 500))
        q = state.record_quote(und)
        q.bid, q.ask = spot - 0.01, spot + 0.01
        state.set_metrics([Metrics(und, iv_index=0.3, beta=float(rng.uniform(0.6, 1.8)))])
        step = max(1.0, round(spot * 0.025))
        atm = round(spot / step) * step

        def opt(cp: str, k: float, qty: int, exp: dt.date = NOW_EXP, und: str = und) -> None:
            sym = _occ(und, exp, cp, k)
            iv = float(rng.uniform(0.2, 0.5))
            g = state.record_greeks(sym)
            g.volatility = iv
            px = max(0.05, float(rng.uniform(0.5, 6.0)))
            positions.append(Position("ACC", sym, und, "Equity Option", qty, px, px, 100.0, sym,
                                      expiration=exp, strike=k, option_type=cp))

        shape = i % 6
        if shape == 0:
            opt("P", atm - 2 * step, 1), opt("P", atm - step, -1), opt("C", atm + step, -1), opt("C", atm + 2 * step, 1)
        elif shape == 1:
            opt("P", atm - step, -2), opt("P", atm - 2 * step, 2)
        elif shape == 2:
            opt("P", atm - step, -1), opt("C", atm + step, -1)
        elif shape == 3:
            opt("P", atm - step, -1)
        elif shape == 4:
            positions.append(Position("ACC", und, und, "Equity", 100, spot * 0.95, spot, 1.0, und))
            opt("C", atm + step, -1)
        else:
            opt("C", atm, -1), opt("C", atm, 1, far)
    return positions, state


def _timed(fn: Callable[[], Any], repeat: int, clock: Callable[[], float] = time.perf_counter) -> float:
    """Median milliseconds per call after a warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        t = clock()
        fn()
        times.append(clock() - t)
    return statistics.median(times) * 1000.0


def run(quick: bool = False) -> dict[str, float]:
    positions, state = portfolio(20)
    repeat = 5 if quick else 30
    risks, skipped = strategies_for(positions, state, NOW, RATE)
    assert len(risks) == 20 and not skipped, (len(risks), skipped)
    sel = next(r for r in risks if r.strategy.name == "Iron Condor")
    assert sel.spot is not None

    def curves() -> tuple[Any, Any, Any]:
        assert sel.spot is not None
        mkt = MarketInputs(sel.spot, NOW, RATE)
        xs = price_range(sel.strategy.legs, mkt, 240)
        return xs, pnl_at_expiration(sel.strategy.legs, xs, mkt), pnl_today(sel.strategy.legs, xs, mkt)

    def update() -> None:
        rs, _ = strategies_for(positions, state, NOW, RATE)
        whatif(rs, NOW, RATE)
        curves()

    xs, exp, today = curves()
    assert sel.profile is not None
    data = PayoffData("U00 Iron Condor", xs, exp, today, sel.spot, sel.profile.breakevens)
    fig = new_figure()

    def draw() -> None:
        draw_payoff(fig, data, 66, 30)
        fig._set_size(66, 30)
        fig.build()

    return {
        "risk_update_ms": _timed(update, repeat),
        "risk_update_cpu_ms": _timed(update, repeat, time.thread_time),
        "risk_grid_ms": _timed(lambda: whatif(risks, NOW, RATE), repeat),
        "risk_payoff_curves_ms": _timed(curves, repeat),
        "risk_payoff_draw_ms": _timed(draw, repeat),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
