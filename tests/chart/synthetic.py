"""Deterministic synthetic candles for chart tests and benchmarks."""

from __future__ import annotations

import numpy as np

from ttai_tui.chart.data import ChartData

START = 1_763_735_400.0  # 2025-11-21 09:30 New York


def candles(n: int = 500, seed: int = 0, step: float = 300.0, start: float = 100.0) -> ChartData:
    """A range-bound random walk (mean-reverting to ``start``) with plausible OHLCV."""
    rng = np.random.default_rng(seed)
    close = np.empty(n)
    price = start
    for i in range(n):
        price += rng.normal(0, 0.4) + 0.02 * (start - price)
        close[i] = price
    open_ = np.concatenate(([start], close[:-1]))
    wick = np.abs(rng.normal(0, 0.25, (2, n)))
    high = np.maximum(open_, close) + wick[0]
    low = np.minimum(open_, close) - wick[1]
    volume = rng.integers(1_000, 50_000, n).astype(float)
    time = START + step * np.arange(n)
    return ChartData(time, open_, high, low, close, volume)
