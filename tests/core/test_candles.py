"""Candle series merge semantics (DXLink indexed events)."""

from __future__ import annotations

import math

from ttai_tui.core.candles import (
    REMOVE_EVENT,
    SNAPSHOT_BEGIN,
    SNAPSHOT_END,
    SNAPSHOT_SNIP,
    TX_PENDING,
    CandleSeries,
    candle_symbol,
    parse_candle_symbol,
)


def bar(s: CandleSeries, idx: int, t: float, c: float, flags: int = 0) -> None:
    s.apply(idx, flags, t, c, c + 1, c - 1, c, 10.0)


def test_snapshot_replaces_history_and_reconnect_does_not_duplicate() -> None:
    s = CandleSeries("SPY", "5m")
    # dxFeed sends snapshots newest first
    bar(s, 3, 600, 3.0, SNAPSHOT_BEGIN)
    bar(s, 2, 300, 2.0)
    assert len(s) == 0 and s.loading  # nothing visible mid-snapshot
    bar(s, 1, 0, 1.0, SNAPSHOT_END)
    a = s.arrays()
    assert list(a["time"]) == [0, 300, 600]
    assert list(a["close"]) == [1.0, 2.0, 3.0]
    # the same history again after a reconnect: still three bars
    bar(s, 3, 600, 3.5, SNAPSHOT_BEGIN)
    bar(s, 2, 300, 2.0)
    bar(s, 1, 0, 1.0, SNAPSHOT_SNIP)
    assert len(s) == 3
    assert s.arrays()["close"][-1] == 3.5


def test_forming_bar_updates_in_place_then_next_bar_appends() -> None:
    s = CandleSeries("SPY", "1m")
    bar(s, 1, 0, 1.0, SNAPSHOT_BEGIN | SNAPSHOT_END)
    v = s.version
    bar(s, 2, 60, 2.0)
    bar(s, 2, 60, 2.5)
    assert len(s) == 2 and s.arrays()["close"][-1] == 2.5
    assert s.version > v
    bar(s, 3, 120, 3.0)
    assert list(s.arrays()["time"]) == [0, 60, 120]


def test_remove_and_tx_pending() -> None:
    s = CandleSeries("SPY", "1m")
    bar(s, 1, 0, 1.0, SNAPSHOT_BEGIN)
    bar(s, 2, 60, 2.0, SNAPSHOT_END)
    v = s.version
    bar(s, 2, 60, 0.0, REMOVE_EVENT | TX_PENDING)
    bar(s, 3, 120, 3.0, TX_PENDING)
    assert s.version == v and len(s) == 2  # held back while pending
    bar(s, 4, 180, 4.0)
    assert list(s.arrays()["time"]) == [0, 120, 180]


def test_empty_snapshot_clears() -> None:
    s = CandleSeries("SPY", "1m")
    bar(s, 1, 0, 1.0)
    bar(s, 0, 0, 0.0, SNAPSHOT_BEGIN | SNAPSHOT_END | REMOVE_EVENT)
    assert len(s) == 0
    assert s.last_close() is None


def test_zero_prices_are_missing_not_zero() -> None:
    s = CandleSeries("SPY", "1m")
    s.apply(1, 0, 0, 0.0, 0.0, 0.0, 0.0, None)
    a = s.arrays()
    assert math.isnan(a["close"][0]) and math.isnan(a["volume"][0])
    assert s.last_close() is None


def test_candle_symbols_round_trip() -> None:
    assert candle_symbol("SPY", "5m") == "SPY{=5m,tho=true}"
    assert candle_symbol("SPY", "1h", extended_hours=True) == "SPY{=1h}"
    assert parse_candle_symbol("SPY{=5m,tho=true}") == ("SPY", "5m")
    assert parse_candle_symbol("SPY{=1h}") == ("SPY", "1h")
    assert parse_candle_symbol("SPY") is None
