"""Write batches of SDK events into MarketState: the hot path of the whole app.

Why batches and in-place writes: at tens of thousands of events per second, per-event Python
overhead is the budget. Each function takes a list drained from one SDK queue, updates the
symbol's existing record in place (no new objects besides the floats), and adds the symbol to
``state.pending`` once. Nothing here calls into the UI.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ttai_tui.core.candles import parse_candle_symbol
from ttai_tui.core.market_state import MarketState
from ttai_tui.core.models import Greeks, Profile, Quote, Summary, Trade


def _f(v: Any) -> float | None:
    return None if v is None else float(v)


def _t(ms: int) -> float | None:
    return ms / 1000.0 if ms else None


def apply_quotes(state: MarketState, batch: list[Any], now: float) -> None:
    quotes, pending = state.quotes, state.pending
    watch = state.quote_watch or None
    for e in batch:
        sym = e.event_symbol
        q = quotes.get(sym)
        if q is None:
            q = quotes[sym] = Quote(sym)
        q.bid = float(e.bid_price)
        q.ask = float(e.ask_price)
        # the SDK maps a NaN size to 0; a zero size on a live quote means "not sent"
        bs, as_ = e.bid_size, e.ask_size
        q.bid_size = float(bs) if bs else None
        q.ask_size = float(as_) if as_ else None
        q.time = _t(e.event_time)
        q.updated = now
        pending.add(sym)
        if watch is not None and (w := watch.get(sym)) is not None:
            w(q)


def apply_trades(state: MarketState, batch: list[Any], now: float) -> None:
    trades, pending = state.trades, state.pending
    watch = state.trade_watch or None
    for e in batch:
        sym = e.event_symbol
        t = trades.get(sym)
        if t is None:
            t = trades[sym] = Trade(sym)
        t.price = float(e.price)
        t.change = _f(e.change)
        t.size = _f(e.size)
        t.day_volume = _f(e.day_volume)
        t.time = _t(e.time) or _t(e.event_time)
        t.updated = now
        pending.add(sym)
        if watch is not None and (w := watch.get(sym)) is not None:
            w(t)


def apply_summaries(state: MarketState, batch: list[Any], now: float) -> None:
    summaries, pending = state.summaries, state.pending
    for e in batch:
        sym = e.event_symbol
        s = summaries.get(sym)
        if s is None:
            s = summaries[sym] = Summary(sym)
        s.open = _f(e.day_open_price)
        s.high = _f(e.day_high_price)
        s.low = _f(e.day_low_price)
        s.close = _f(e.day_close_price)
        s.prev_close = _f(e.prev_day_close_price)
        s.prev_volume = _f(e.prev_day_volume)
        s.open_interest = float(e.open_interest)
        s.updated = now
        pending.add(sym)


def apply_greeks(state: MarketState, batch: list[Any], now: float) -> None:
    greeks, pending = state.greeks, state.pending
    for e in batch:
        sym = e.event_symbol
        g = greeks.get(sym)
        if g is None:
            g = greeks[sym] = Greeks(sym)
        g.price = float(e.price)
        g.volatility = float(e.volatility)
        g.delta = float(e.delta)
        g.gamma = float(e.gamma)
        g.theta = float(e.theta)
        g.vega = float(e.vega)
        g.rho = float(e.rho)
        g.time = _t(e.time) or _t(e.event_time)
        g.updated = now
        pending.add(sym)


def apply_profiles(state: MarketState, batch: list[Any], now: float) -> None:
    profiles, pending = state.profiles, state.pending
    for e in batch:
        sym = e.event_symbol
        p = profiles.get(sym)
        if p is None:
            p = profiles[sym] = Profile(sym)
        p.description = e.description or None
        p.beta = _f(e.beta)
        p.high_52w = _f(e.high_52_week_price)
        p.low_52w = _f(e.low_52_week_price)
        p.shares = _f(e.shares)
        p.trading_status = e.trading_status or None
        p.updated = now
        pending.add(sym)


_CANDLE_KEYS: dict[str, tuple[str, str] | None] = {}


def apply_candles(state: MarketState, batch: list[Any], now: float) -> None:
    keys = _CANDLE_KEYS
    for e in batch:
        sym = e.event_symbol
        key = keys.get(sym)
        if key is None:
            if sym in keys:
                continue
            key = keys[sym] = parse_candle_symbol(sym)
            if key is None:
                continue
        state.apply_candle(
            key[0], key[1], e.index, e.event_flags, e.time / 1000.0,
            float(e.open), float(e.high), float(e.low), float(e.close), _f(e.volume),
        )


def ignore(state: MarketState, batch: list[Any], now: float) -> None:
    """Types we drain (unbounded SDK queues!) but do not store."""


APPLIERS: dict[str, Callable[[MarketState, list[Any], float], None]] = {
    "Quote": apply_quotes,
    "Trade": apply_trades,
    "Summary": apply_summaries,
    "Greeks": apply_greeks,
    "Profile": apply_profiles,
    "Candle": apply_candles,
    "TheoPrice": ignore,
    "TimeAndSale": ignore,
    "Underlying": ignore,
}
