"""Analysis and chart speed at the chart's real window: incremental indicators per tick.

The chart pane computes its indicators over every bar it holds (it *shows* only the last
``width - 12``): the 5m default fetches 7 days, which is ~420 bars from the demo exchange and
~550-600 from a live account (78 regular-hours bars a day, more with extended hours). ``BARS`` =
600 is that window.

- ``chart_tick_analysis_ms``: the analysis part of one forming-candle tick as the pane does it:
  a new ``ChartData`` with the last bar replaced (``with_bar``), then every series of the default
  indicators (``chart.indicators`` = sma20, ema50, bb20, plus rsi14 in the lower panel) from the
  pane's ``IndicatorCache`` (O(1) incremental update after checking that only the last bar
  changed). ``chart_tick_analysis_full_ms`` is the same tick with every series recomputed from
  scratch (vectorised, what the chart would do without the cache), and
  ``chart_tick_analysis_speedup`` their ratio: what the incremental engine saves end to end per
  tick. The drawing (plotext) is not in these; it is ``chart_redraw_ms``.
- ``indicator_incremental_speedup``: for each indicator alone, the time to recompute it over
  ``BARS`` bars (vectorised) divided by the time of one incremental ``replace_last``. The key is
  the median over the ten indicators; ``indicator_incremental_speedup_min`` is the slowest and
  ``speedup_<name>`` gives each.
- ``chart_redraw_ms``: median time to render the full chart at 160x48 into the rich Segments
  the pane paints (600 bars, sma20 + ema50 + bb20 overlays, support/resistance levels, volume
  panel, RSI panel), indicators computed from scratch; ``chart_tick_redraw_ms`` is the same
  redraw for a forming-candle tick with the pane's IndicatorCache (indicators updated
  incrementally).

Timings are CPU time of this (single-threaded) process, best of several batches, so other
processes on the machine do not inflate them.

Run alone: ``python -m bench.bench_analysis``.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ttai_tui.analysis import incremental as inc
from ttai_tui.analysis import indicators as ind
from ttai_tui.chart import ChartData, ChartSpec, render
from ttai_tui.chart.live import IndicatorCache
from ttai_tui.chart.live import vectorised as recompute

BARS = 600
INDICATORS = ["sma20", "ema50", "bb20", "rsi14"]  # chart.indicators defaults + the RSI panel


def _bars(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0, 0.002, n)))
    open_ = np.concatenate(([close[0]], close[:-1]))
    high = np.maximum(open_, close) * (1 + np.abs(rng.normal(0, 0.001, n)))
    low = np.minimum(open_, close) * (1 - np.abs(rng.normal(0, 0.001, n)))
    volume = rng.integers(1_000, 50_000, n).astype(float)
    time_s = 1_763_735_400.0 + 300.0 * np.arange(n)
    return {
        "time": time_s,
        "open": open_,
        "high": high,
        "low": low,
        "close": close,
        "volume": volume,
    }


def _timed(fn: Callable[[], Any], repeat: int, best: bool) -> float:
    """CPU seconds per call of ``fn`` over ``repeat`` calls after a warm-up: the minimum when
    ``best`` (what the code costs, least disturbed by other processes), else the median."""
    fn()
    times = []
    for _ in range(repeat):
        t = time.process_time()
        fn()
        times.append(time.process_time() - t)
    return min(times) if best else statistics.median(times)


def _per_tick(obj: Any, args: Callable[[int], tuple], ticks: int, batches: int) -> float:
    """Seconds of one ``replace_last`` (forming-candle tick): best batch of ``ticks`` calls."""
    replace = obj.replace_last
    pre = [args(i) for i in range(ticks)]

    def batch() -> None:
        for a in pre:
            replace(*a)

    return _timed(batch, batches, best=True) / ticks


def indicator_speedups(quick: bool = False) -> dict[str, float]:
    b = _bars(BARS)
    c, h, lo, v = b["close"], b["high"], b["low"], b["volume"]
    sessions = np.floor(b["time"] / 86400.0)
    last = float(c[-1])
    cases: dict[str, tuple[Callable[[], Any], Any, Callable[[int], tuple]]] = {
        "sma20": (lambda: ind.sma(c, 20), inc.SMA(20), None),
        "ema20": (lambda: ind.ema(c, 20), inc.EMA(20), None),
        "wma20": (lambda: ind.wma(c, 20), inc.WMA(20), None),
        "hma21": (lambda: ind.hma(c, 21), inc.HMA(21), None),
        "rsi14": (lambda: ind.rsi(c, 14), inc.RSI(14), None),
        "macd": (lambda: ind.macd(c), inc.MACD(), None),
        "bb20": (lambda: ind.bollinger(c, 20), inc.Bollinger(20), None),
        "hv20": (lambda: ind.historical_volatility(c, 20), inc.HistoricalVolatility(20), None),
        "atr14": (
            lambda: ind.atr(h, lo, c, 14),
            inc.ATR(14),
            lambda i: (last + 0.3, last - 0.3, last + (i % 7) * 0.01),
        ),
        "vwap": (
            lambda: ind.vwap(c, v, sessions),
            inc.VWAP(),
            lambda i: (last + (i % 7) * 0.01, 1_000.0 + i, sessions[-1]),
        ),
    }
    repeat = 5 if quick else 20
    ticks = 1_000 if quick else 5_000
    out: dict[str, float] = {}
    for name, (vectorised, obj, args) in cases.items():
        # prime the incremental object with the same bars
        if name == "atr14":
            for row in zip(h, lo, c, strict=True):
                obj.update(*row)
        elif name == "vwap":
            for row in zip(c, v, sessions, strict=True):
                obj.update(*row)
        else:
            for x in c:
                obj.update(x)
        tick_args = args or (lambda i: (last + (i % 7) * 0.01,))
        full = _timed(vectorised, repeat, best=True)
        one = _per_tick(obj, tick_args, ticks, batches=5)
        out[f"speedup_{name}"] = full / one
    ratios = list(out.values())
    out["indicator_incremental_speedup"] = statistics.median(ratios)
    out["indicator_incremental_speedup_min"] = min(ratios)
    return out


def chart_tick_analysis(quick: bool = False) -> dict[str, float]:
    """Per forming-candle tick: every indicator series from the pane's cache vs from scratch."""
    data = ChartData.from_any(_bars(BARS, seed=1))
    spec = ChartSpec.build(INDICATORS, symbol="SPY", timeframe="5m", levels=True)
    keys = [*spec.overlays, *([spec.lower] if spec.lower is not None else [])]
    t = float(data.time[-1])
    ticks = 200 if quick else 1000
    closes = [float(data.close[-1]) + (i % 5) * 0.01 for i in range(ticks)]
    cache = IndicatorCache()
    for k in keys:
        cache.get(k, data)

    def incremental() -> None:
        for c in closes:
            tick = data.with_bar(t, data.open[-1], max(data.high[-1], c), data.low[-1], c, 1.0)
            for k in keys:
                cache.get(k, tick)

    def full() -> None:
        for c in closes:
            tick = data.with_bar(t, data.open[-1], max(data.high[-1], c), data.low[-1], c, 1.0)
            for k in keys:
                recompute(k, tick)

    steps0 = cache.incremental_steps
    inc_s = _timed(incremental, 3 if quick else 5, best=True) / ticks
    assert cache.incremental_steps > steps0 and cache.full_recomputes == len(keys)
    full_s = _timed(full, 3 if quick else 5, best=True) / ticks
    return {
        "chart_tick_analysis_ms": inc_s * 1000.0,
        "chart_tick_analysis_full_ms": full_s * 1000.0,
        "chart_tick_analysis_speedup": full_s / inc_s,
        "chart_indicator_bars": float(BARS),
    }


def chart_redraw_ms(quick: bool = False) -> float:
    data = ChartData.from_any(_bars(600, seed=1))
    spec = ChartSpec.build(INDICATORS, symbol="SPY", timeframe="5m", levels=True)

    def redraw() -> None:
        render(data, spec, 160, 48).segments()  # what ChartPane.redraw does before painting

    return _timed(redraw, 5 if quick else 20, best=False) * 1000.0


def chart_tick_redraw_ms(quick: bool = False) -> float:
    """The same chart redrawn for a forming-candle tick, as the pane does (IndicatorCache)."""
    data = ChartData.from_any(_bars(600, seed=1))
    spec = ChartSpec.build(INDICATORS, symbol="SPY", timeframe="5m", levels=True)
    cache = IndicatorCache()
    t = float(data.time[-1])
    state = {"i": 0}

    def redraw() -> None:
        state["i"] += 1
        c = float(data.close[-1]) + (state["i"] % 5) * 0.01
        tick = data.with_bar(t, data.open[-1], max(data.high[-1], c), data.low[-1], c, 1.0)
        render(tick, spec, 160, 48, cache=cache).segments()

    return _timed(redraw, 5 if quick else 20, best=False) * 1000.0


def run(quick: bool = False) -> dict[str, float]:
    out = indicator_speedups(quick)
    out.update(chart_tick_analysis(quick))
    out["chart_redraw_ms"] = chart_redraw_ms(quick)
    out["chart_tick_redraw_ms"] = chart_tick_redraw_ms(quick)
    return out


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
