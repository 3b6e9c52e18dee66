"""SDK events -> MarketState: missing stays missing through the SDK's own parsing."""

from __future__ import annotations

import math

from tastytrade.dxfeed import Candle, Greeks, Quote, Summary, Trade

from ttai_tui.broker.apply import (
    apply_candles,
    apply_greeks,
    apply_quotes,
    apply_summaries,
    apply_trades,
)
from ttai_tui.core.clock import FrozenClock
from ttai_tui.core.market_state import MarketState


def test_quote_nan_sizes_are_missing_not_zero() -> None:
    s = MarketState(FrozenClock())
    evs = Quote.from_stream(["SPY", 1_780_000_000_000, 0, 0, 0, "Q", 0, "Q", 500.01, 500.03, "NaN", 300])
    apply_quotes(s, evs, 42.0)
    q = s.quotes["SPY"]
    assert (q.bid, q.ask, q.bid_size, q.ask_size) == (500.01, 500.03, None, 300.0)
    assert q.time == 1_780_000_000.0 and q.updated == 42.0
    assert s.take_dirty("v") == {"SPY"}


def test_trade_and_summary_optional_fields_stay_none() -> None:
    s = MarketState(FrozenClock())
    apply_trades(s, Trade.from_stream(
        ["SPY", 0, 1_780_000_000_000, 0, 1, "Q", 1, "UP", False, 501.5, "NaN", "NaN", "NaN", "NaN"]
    ), 1.0)
    t = s.trades["SPY"]
    assert t.price == 501.5 and t.change is None and t.size is None and t.day_volume is None
    apply_summaries(s, Summary.from_stream(
        ["SPY", 0, 1, "REGULAR", 0, "FINAL", 0, "NaN", "NaN", "NaN", "NaN", 495.0, "NaN"]
    ), 1.0)
    sm = s.summaries["SPY"]
    assert sm.prev_close == 495.0 and sm.open is None and sm.high is None
    assert math.isclose(s.change("SPY"), 6.5)


def test_greeks_and_candles() -> None:
    s = MarketState(FrozenClock())
    apply_greeks(s, Greeks.from_stream(
        [".SPY260717C500", 0, 0, 1, 0, 0, 12.5, 0.21, 0.52, 0.012, -0.2, 0.03, 0.6]
    ), 1.0)
    g = s.greeks[".SPY260717C500"]
    assert (g.delta, g.volatility, g.theta) == (0.52, 0.21, -0.2)
    assert s.iv(".SPY260717C500") == 0.21
    assert s.take_dirty_candles("chart") == set()  # registers the consumer
    # snapshot of two bars (newest first), then an update of the forming bar
    rows = [
        ["SPY{=5m,tho=true}", 0, 0x4, 2, 1_780_000_300_000, 0, 1, 10, "NaN", "NaN", "NaN", "NaN", "NaN", 2.0, 3.0, 1.5, 2.5],
        ["SPY{=5m,tho=true}", 0, 0x8, 1, 1_780_000_000_000, 0, 1, 10, "NaN", "NaN", "NaN", "NaN", "NaN", 1.0, 2.0, 0.5, 1.5],
        ["SPY{=5m,tho=true}", 0, 0, 2, 1_780_000_300_000, 0, 1, 12, "NaN", "NaN", "NaN", "NaN", "NaN", 2.0, 3.5, 1.5, 3.25],
    ]
    apply_candles(s, Candle.from_stream([v for r in rows for v in r]), 1.0)
    a = s.candle_series("SPY", "5m").arrays()
    assert list(a["time"]) == [1_780_000_000.0, 1_780_000_300.0]
    assert list(a["close"]) == [1.5, 3.25] and list(a["volume"]) == [10.0, 12.0]
    assert s.take_dirty_candles("chart") == {("SPY", "5m")}
    assert s.take_dirty_candles("chart") == set()
