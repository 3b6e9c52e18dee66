"""The numbers an alert watches, read from MarketState and the account (no I/O).

Position, strategy and portfolio figures are computed here from positions and balances with
``core.portfolio`` (the same formulas as the positions view). A "strategy" is every position of
one underlying, which is how the positions view groups them; when the risk engine
(``core/risk``) lands, its strategy grouping can replace `strategy_views`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from ttai_tui.core.alerts import AlertSpec
from ttai_tui.core.market_state import MarketState
from ttai_tui.core.models import Balance, Position
from ttai_tui.core.portfolio import BETA_BENCHMARK, PositionView, position_view, totals


def symbol_value(state: MarketState, field: str, symbol: str) -> float | None:
    """last, mark, bid, ask, change (%), iv (%), ivrank (0-100) of one symbol, or None."""
    if field == "last":
        return state.last(symbol)
    if field == "mark":
        return state.mark(symbol)
    if field in ("bid", "ask"):
        q = state.quotes.get(symbol)
        return None if q is None else (q.bid if field == "bid" else q.ask)
    if field == "change":
        return state.change_pct(symbol)
    if field == "iv":
        v = state.iv(symbol)
        return None if v is None else v * 100.0
    if field == "ivrank":
        v = state.iv_rank(symbol)
        return None if v is None else v * 100.0
    raise ValueError(f"not a symbol field: {field}")


def matches(position: Position, target: str) -> bool:
    """A position alert names the position by its streamer or its TastyTrade symbol."""
    return target in (position.streamer_symbol, position.symbol.upper(), " ".join(position.symbol.split()))


def bp_usage_pct(balance: Balance | None) -> float | None:
    """Buying power in use: maintenance requirement as % of net liquidating value."""
    if balance is None or balance.maintenance_requirement is None or not balance.net_liq:
        return None
    return balance.maintenance_requirement / balance.net_liq * 100.0


def _pick(view: PositionView, field: str) -> float | None:
    if field == "pnl":
        return view.open_pnl
    if field == "daypnl":
        return view.day_pnl
    if field == "delta":
        return view.delta
    if field == "dte":
        return None if view.dte is None else float(view.dte)
    raise ValueError(f"not a position field: {field}")


def account_value(
    spec: AlertSpec,
    state: MarketState,
    positions: Iterable[Position],
    balance: Balance | None,
    today: date,
) -> float | None:
    """The figure of a position, strategy or portfolio alert (None when not known)."""
    if spec.scope == "portfolio" and spec.field == "bp":
        return bp_usage_pct(balance)
    if spec.scope == "position":
        chosen = [p for p in positions if matches(p, spec.target)]
    elif spec.scope == "strategy":
        chosen = [p for p in positions if p.underlying == spec.target]
    else:
        chosen = list(positions)
    if not chosen:
        return None
    views = [position_view(p, state, today) for p in chosen]
    if spec.scope == "position":
        return _pick(views[0], spec.field)
    if spec.scope == "portfolio":
        t = totals(views)
        return t.beta_delta if spec.field == "bwdelta" else t.day_pnl
    values = [_pick(v, spec.field) for v in views]
    if any(v is None for v in values):
        return None  # a strategy figure with an unknown leg is unknown, not partial
    return float(sum(v for v in values if v is not None))


def account_inputs(spec: AlertSpec, positions: Iterable[Position]) -> set[tuple[str, str]]:
    """(event type, symbol) whose fresh data an account alert needs before it may fire."""
    if spec.scope == "portfolio" and spec.field == "bp":
        return set()
    out: set[tuple[str, str]] = set()
    for p in positions:
        if spec.scope == "position" and not matches(p, spec.target):
            continue
        if spec.scope == "strategy" and p.underlying != spec.target:
            continue
        out.add(("Quote", p.streamer_symbol))
        if p.is_option and spec.field in ("delta", "bwdelta"):
            out.add(("Greeks", p.streamer_symbol))
        if spec.field == "bwdelta":
            out.add(("Quote", p.underlying))
    if spec.field == "bwdelta" and out:
        out.add(("Quote", BETA_BENCHMARK))
    return out


def chart_value(spec: AlertSpec, series: object) -> tuple[float, float] | tuple[float, list[float], float] | None:
    """(close, reference) for close/RSI alerts, (close, levels, tolerance) for touches.

    Indicators come from the chart's own definitions (``chart.live.vectorised``), so an alert
    on sma50 crosses the very line the chart draws.
    """
    import numpy as np  # here, not at the top: the dashboard's start-up does not load numpy

    from ttai_tui.chart.data import ChartData

    data = ChartData.from_any(series)
    if len(data) == 0 or not np.isfinite(data.close[-1]):
        return None
    close = float(data.close[-1])
    if spec.ref == "level":
        from ttai_tui.analysis.levels import find_levels

        if len(data) < 20:
            return None
        ok = np.isfinite(data.close)
        vol = data.volume[ok]
        lv = find_levels(
            data.high[ok], data.low[ok], data.close[ok],
            None if not np.isfinite(vol).all() else vol,
        )
        return close, [x.price for x in lv.levels], lv.tolerance
    from ttai_tui.chart.live import vectorised
    from ttai_tui.chart.spec import parse_indicator

    if spec.field.startswith("rsi"):
        key = parse_indicator(spec.field)
        values = next(iter(vectorised(key, data).values()))
        v = float(values[-1])
        if not np.isfinite(v) or spec.level is None:
            return None
        return v, spec.level
    if spec.ref is None:
        return (close, spec.level) if spec.level is not None else None
    key = parse_indicator(spec.ref)
    values = next(iter(vectorised(key, data).values()))
    ref = float(values[-1])
    if not np.isfinite(ref):
        return None
    return close, ref
