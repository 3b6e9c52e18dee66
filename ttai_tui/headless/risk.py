"""``ttai risk [--json] [--what-if]``: the account's strategies with max profit, max loss,
breakevens, POP and greeks, the portfolio gauges and, with --what-if, the what-if grid.

Same Broker and the same core.risk code as the dashboard's Risk tab, so a script sees the
figures the screen shows. JSON: null for anything unknown, never 0; an unbounded max profit or
loss is null with ``*_unbounded: true``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ttai_tui.core import formatting as fm
from ttai_tui.core.risk.portfolio import (
    Gauge,
    GaugeLimits,
    StrategyRisk,
    WhatIf,
    gauges,
    strategies_for,
    whatif,
)

if TYPE_CHECKING:
    from ttai_tui.config import Settings, Target

VIX = "VIX"


def limits_from(settings: Settings | None) -> GaugeLimits:
    """The [risk] config section as the gauges' limits (defaults without settings)."""
    if settings is None:
        return GaugeLimits()
    r = settings.risk
    return GaugeLimits(tuple(r.bp_by_vix), r.delta_target, r.delta_band, r.max_position_pct)


def rate_from(settings: Settings | None) -> float:
    return 0.04 if settings is None else float(settings.risk.rate)


def _r(v: float | None, nd: int = 2) -> float | None:
    return None if v is None else round(v, nd)


def strategy_dict(r: StrategyRisk) -> dict[str, Any]:
    s, p = r.strategy, r.profile
    g = None if p is None else p.greeks
    return {
        "underlying": s.underlying,
        "product": s.product,
        "strategy": s.name,
        "kind": s.kind.value,
        "legs": [{
            "symbol": leg.symbol, "instrument_type": leg.kind.value, "quantity": leg.quantity,
            "option_type": leg.option_type, "strike": leg.strike,
            "expiration": None if leg.expiration is None else leg.expiration.isoformat(),
            "multiplier": leg.multiplier, "average_open_price": leg.entry_price, "iv": _r(leg.iv, 4),
        } for leg in s.legs],
        "underlying_price": _r(r.spot, 4),
        "cost": None if p is None else _r(p.cost),
        "max_profit": None if p is None else _r(p.max_profit),
        "max_profit_unbounded": None if p is None else p.max_profit_unbounded,
        "max_loss": None if p is None else _r(p.max_loss),
        "max_loss_unbounded": None if p is None else p.max_loss_unbounded,
        "breakevens": None if p is None else [round(b, 4) for b in p.breakevens],
        "pop": None if p is None else _r(p.pop, 4),
        "delta": None if g is None else _r(g.delta, 3),
        "gamma": None if g is None else _r(g.gamma, 4),
        "theta": None if g is None else _r(g.theta),
        "vega": None if g is None else _r(g.vega),
        "dte": r.dte,
        "beta": _r(r.beta, 3),
        "buying_power_estimate": _r(r.requirement),
        "exact": None if p is None else p.exact,
    }


def gauge_dict(g: Gauge) -> dict[str, Any]:
    return {"key": g.key, "label": g.label, "value": _r(g.value), "low": g.low, "high": g.high,
            "status": g.status, "unit": g.unit}


def whatif_dict(w: WhatIf) -> dict[str, Any]:
    def row(r: Any) -> dict[str, Any]:
        return {"label": r.label, "by_move": [_r(x) for x in r.by_move], "by_iv": [_r(x) for x in r.by_iv]}

    return {"moves_pct": [round(m * 100, 2) for m in w.moves],
            "iv_shifts_points": [round(s * 100, 2) for s in w.iv_shifts],
            "rows": [row(r) for r in w.rows], "portfolio": row(w.portfolio), "left_out": list(w.left_out)}


# ---- text ---------------------------------------------------------------------------------


def fmt_bound(value: float | None, unbounded: bool) -> str:
    return "unlimited" if unbounded else fm.fmt_money(value, 0, signed=True)


def fmt_breakevens(bes: tuple[float, ...] | None) -> str:
    if bes is None:
        return fm.MISSING
    return " / ".join(fm.fmt_price(b) for b in bes) if bes else "none"


def fmt_gauge(g: Gauge) -> str:
    if g.value is None:
        return f"{g.label}: {fm.MISSING}"
    rng = "" if g.low is None or g.high is None else f" [{g.low:g}–{g.high:g}{g.unit}]"
    val = f"{g.value:.1f}{g.unit}" if g.unit else f"{g.value:+.0f}"
    flag = {"high": " ABOVE", "low": " BELOW"}.get(g.status, "")
    return f"{g.label}: {val}{rng}{flag}"


def strategies_table(risks: list[StrategyRisk]) -> Any:
    from rich.table import Table

    t = Table(title="Strategies", header_style="bold")
    for col in ("Underlying", "Strategy", "Max profit", "Max loss", "Breakevens", "POP", "Δ", "Θ", "Vega", "DTE"):
        t.add_column(col, justify="left" if col in ("Underlying", "Strategy", "Breakevens") else "right")
    for r in risks:
        p = r.profile
        g = None if p is None else p.greeks
        t.add_row(
            r.strategy.underlying, r.strategy.name,
            fm.MISSING if p is None else fmt_bound(p.max_profit, p.max_profit_unbounded),
            fm.MISSING if p is None else fmt_bound(p.max_loss, p.max_loss_unbounded),
            fmt_breakevens(None if p is None else p.breakevens),
            fm.MISSING if p is None or p.pop is None else f"{p.pop * 100:.0f}%",
            fm.fmt_greek(None if g is None else g.delta, 1), fm.fmt_money(None if g is None else g.theta, 2, signed=True),
            fm.fmt_money(None if g is None else g.vega, 2, signed=True), fm.fmt_int(r.dte),
        )
    return t


def whatif_tables(w: WhatIf) -> list[Any]:
    from rich.table import Table

    out = []
    for title, heads, pick in (
        ("What-if: P&L change for underlying moves", [f"{m * 100:+g}%" for m in w.moves], "by_move"),
        ("What-if: P&L change for IV shifts (vol points)", [f"{s * 100:+g}" for s in w.iv_shifts], "by_iv"),
    ):
        t = Table(title=title, header_style="bold")
        t.add_column("Strategy")
        for h in heads:
            t.add_column(h, justify="right")
        for r in (*w.rows, w.portfolio):
            t.add_row(r.label, *(fm.fmt_money(x, 0, signed=True) for x in getattr(r, pick)))
        out.append(t)
    return out


# ---- the command --------------------------------------------------------------------------


async def run_risk(settings: Settings, target: Target, as_json: bool, with_whatif: bool) -> int:
    from ttai_tui.headless.commands import (
        EXIT_OK,
        QUOTE_WAIT_S,
        _broker,
        _console,
        _retry_for,
        _wait_until,
    )

    broker = _broker(settings, target)
    async with broker:
        await broker.start(stream=True, account=True, account_required=True,
                           retry_for=_retry_for(settings))
        state = broker.state
        positions = list(broker.positions)
        unds = sorted({p.underlying for p in positions} | {p.beta_symbol for p in positions if p.beta_symbol}
                      | {"SPY"})
        # prices of futures, futures options and crypto come under their streamer symbols
        priced = sorted({p.underlying_streamer or p.underlying for p in positions} | {"SPY"})
        broker.subscriptions.declare("risk", {(t, s) for s in [*priced, VIX] for t in ("Quote", "Trade")})
        try:
            await broker.metrics(unds)
        except Exception as exc:  # beta and IV index then show as missing; the rest still prints
            import logging

            logging.getLogger(__name__).warning("market metrics for %s failed: %s", unds, exc)
        syms = [p.streamer_symbol for p in positions] + priced + [VIX]
        await _wait_until(lambda: all(state.mark(s) is not None for s in syms), QUOTE_WAIT_S)
        await _wait_until(
            lambda: all(p.streamer_symbol in state.greeks for p in positions if p.is_option), 3.0)
        now = broker.clock.now()
        rate = rate_from(settings)
        risks, skipped = strategies_for(positions, state, now, rate)
        from ttai_tui.core.portfolio import totals

        beta_delta = totals(broker.position_views()).beta_delta
        bal = broker.balance
        net_liq = None if bal is None else bal.net_liq
        used = None if bal is None else bal.maintenance_requirement
        gs = gauges(net_liq, used, state.mark(VIX), beta_delta, risks, limits_from(settings))
        w = whatif(risks, now, rate) if with_whatif else None
        if as_json:
            out: dict[str, Any] = {
                "account": None if broker.account is None else broker.account.number,
                "as_of": datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
                "rate": rate,
                "strategies": [strategy_dict(r) for r in risks],
                "gauges": [gauge_dict(g) for g in gs],
                "skipped": skipped,
            }
            if w is not None:
                out["what_if"] = whatif_dict(w)
            print(json.dumps(out))
            return EXIT_OK
        con = _console()
        con.print(strategies_table(risks))
        for g in gs:
            con.print(fmt_gauge(g))
        for msg in skipped:
            con.print(f"skipped: {msg}")
        if w is not None:
            for t in whatif_tables(w):
                con.print(t)
            if w.left_out:
                con.print(f"portfolio row leaves out (no price or beta): {', '.join(w.left_out)}")
        return EXIT_OK
