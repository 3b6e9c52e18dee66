"""MarketState: dirty draining per consumer, derived values, missing stays missing."""

from __future__ import annotations

import math

from ttai_tui.core.clock import FrozenClock
from ttai_tui.core.market_state import MarketState
from ttai_tui.core.models import Metrics


def _quote(state: MarketState, sym: str, bid: float | None, ask: float | None) -> None:
    q = state.record_quote(sym)
    q.bid, q.ask, q.updated = bid, ask, state.clock.now()
    state.pending.add(sym)


def test_each_consumer_drains_independently() -> None:
    s = MarketState(FrozenClock())
    s.take_dirty("watchlist")
    s.take_dirty("chain")
    _quote(s, "SPY", 1.0, 2.0)
    _quote(s, "QQQ", 3.0, 4.0)
    assert s.take_dirty("watchlist") == {"SPY", "QQQ"}
    assert s.take_dirty("watchlist") == set()
    _quote(s, "IWM", 1.0, 1.1)
    assert s.take_dirty("chain") == {"SPY", "QQQ", "IWM"}
    assert s.take_dirty("watchlist") == {"IWM"}
    assert s.take_dirty("chain") == set()


def test_new_consumer_gets_everything_known_first() -> None:
    s = MarketState(FrozenClock())
    _quote(s, "SPY", 1.0, 2.0)
    s.take_dirty("a")
    assert s.take_dirty("late") == {"SPY"}
    assert s.take_dirty("late") == set()


def test_missing_values_stay_missing() -> None:
    s = MarketState(FrozenClock())
    assert s.mark("SPY") is None
    assert s.change("SPY") is None
    assert s.change_pct("SPY") is None
    assert s.iv("SPY") is None
    assert s.age("SPY") is None
    q = s.record_quote("SPY")
    assert q.bid is None and q.bid_size is None
    # a quote without a previous close: no change, not a change of 0
    _quote(s, "SPY", 100.0, 100.2)
    assert s.mark("SPY") == 100.1
    assert s.change("SPY") is None


def test_mark_falls_back_to_last_and_change_math() -> None:
    s = MarketState(FrozenClock())
    t = s.record_trade("X")
    t.price = 51.0
    assert s.mark("X") == 51.0  # no quote: last trade
    _quote(s, "X", 50.0, 49.0)  # crossed: not trusted
    assert s.mark("X") == 51.0
    _quote(s, "X", 0.0, 0.10)  # zero bid is a real bid for a far OTM option
    assert math.isclose(s.mark("X"), 0.05)
    s.record_summary("X").prev_close = 50.0
    assert math.isclose(s.change("X"), 1.0)  # from last trade
    assert math.isclose(s.change_pct("X"), 2.0)


def test_iv_from_greeks_then_metrics() -> None:
    s = MarketState(FrozenClock())
    s.set_metrics([Metrics("SPY", iv_index=0.18, iv_rank=0.3)])
    assert s.iv("SPY") == 0.18 and s.iv_rank("SPY") == 0.3
    g = s.record_greeks(".SPY260717C500")
    g.volatility = 0.22
    assert s.iv(".SPY260717C500") == 0.22


def test_age_uses_injected_clock() -> None:
    clock = FrozenClock(1000.0)
    s = MarketState(clock)
    _quote(s, "SPY", 1.0, 2.0)
    clock.advance(7.5)
    assert s.age("SPY") == 7.5
    assert s.updated("SPY") == 1000.0
