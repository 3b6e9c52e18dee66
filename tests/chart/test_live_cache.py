"""IndicatorCache: incremental updates for ticks and new bars, equal to a full recomputation."""

from __future__ import annotations

import numpy as np

from tests.chart.synthetic import candles
from ttai_tui.chart import ChartData
from ttai_tui.chart.live import IndicatorCache, vectorised
from ttai_tui.chart.spec import LowerPanel, Overlay, parse_indicator

KEYS = [
    parse_indicator(s)
    for s in ("sma20", "ema50", "wma10", "hma21", "bb20", "vwap", "rsi14", "macd")
]


def assert_equal_to_vectorised(cache: IndicatorCache, data: ChartData) -> None:
    for key in KEYS:
        got = cache.get(key, data)
        want = vectorised(key, data)
        assert got.keys() == want.keys()
        for name in want:
            np.testing.assert_array_equal(np.isnan(got[name]), np.isnan(want[name]), err_msg=name)
            ok = ~np.isnan(want[name])
            np.testing.assert_allclose(got[name][ok], want[name][ok], rtol=1e-10, atol=1e-10)


def test_ticks_and_new_bars_are_incremental_and_exact() -> None:
    full = candles(400, step=60.0)
    data = ChartData(
        *(getattr(full, f)[:300] for f in ("time", "open", "high", "low", "close", "volume"))
    )
    cache = IndicatorCache()
    assert_equal_to_vectorised(cache, data)
    assert cache.full_recomputes == len(KEYS)
    rng = np.random.default_rng(0)
    for i in range(300, 320):
        t = float(full.time[i])
        for _ in range(3):  # the forming candle ticks
            c = float(full.close[i] + rng.normal(0, 0.2))
            data = data.with_bar(
                t, full.open[i], max(full.high[i], c), min(full.low[i], c), c, 100.0
            )
            assert_equal_to_vectorised(cache, data)
        data = data.with_bar(
            t, full.open[i], full.high[i], full.low[i], full.close[i], full.volume[i]
        )
        assert_equal_to_vectorised(cache, data)
    assert cache.full_recomputes == len(KEYS)  # never rebuilt
    assert cache.incremental_steps >= 20 * 4 * len(KEYS)


def test_changed_history_rebuilds() -> None:
    data = candles(200)
    cache = IndicatorCache()
    assert_equal_to_vectorised(cache, data)
    close = data.close.copy()
    close[50] += 1.0  # a snapshot re-sent with a corrected bar
    changed = ChartData(data.time, data.open, data.high, data.low, close, data.volume)
    assert_equal_to_vectorised(cache, changed)
    assert cache.full_recomputes == 2 * len(KEYS)
    shorter = changed.tail(150)  # a different window of bars
    assert_equal_to_vectorised(cache, shorter)
    assert cache.full_recomputes == 3 * len(KEYS)


def test_gap_in_the_forming_bar() -> None:
    data = candles(100)
    cache = IndicatorCache()
    assert_equal_to_vectorised(cache, data)
    t = float(data.time[-1]) + 300
    data = data.with_bar(t, np.nan, np.nan, np.nan, np.nan, np.nan)
    assert_equal_to_vectorised(cache, data)
    data = data.with_bar(t, 100.0, 101.0, 99.0, 100.5, 10.0)
    assert_equal_to_vectorised(cache, data)
    assert cache.full_recomputes == len(KEYS)


def test_retain_forgets_unused() -> None:
    cache = IndicatorCache()
    data = candles(50)
    sma = Overlay("sma", 5)
    cache.get(sma, data)
    cache.get(LowerPanel("rsi"), data)
    cache.retain({sma})
    cache.get(LowerPanel("rsi"), data)
    assert cache.full_recomputes == 3
