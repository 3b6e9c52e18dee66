"""Pure analysis: indicators (vectorised and incremental), support/resistance, volatility.

Imports numpy and pandas only, never another ttai layer (an import-linter contract keeps it so).
"""

from ttai_tui.analysis.indicators import (
    FIB_RATIOS,
    atr,
    bollinger,
    ema,
    fibonacci_levels,
    historical_volatility,
    hma,
    macd,
    rsi,
    sma,
    true_range,
    vwap,
    wma,
)
from ttai_tui.analysis.levels import Level, Levels, find_levels, swing_points

__all__ = [
    "FIB_RATIOS",
    "Level",
    "Levels",
    "atr",
    "bollinger",
    "ema",
    "fibonacci_levels",
    "find_levels",
    "historical_volatility",
    "hma",
    "macd",
    "rsi",
    "sma",
    "swing_points",
    "true_range",
    "vwap",
    "wma",
]
