"""The chart's own candle container: plain float arrays, nothing else.

Why a separate type: the chart is drawn from the CLI (candles fetched once), from the TUI (a live
``CandleSeries``) and from tests and benchmarks (synthetic bars). ``ChartData.from_any`` adapts
each of those at the boundary so the drawing code sees one shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["FIELDS", "ChartData"]

FIELDS = ("time", "open", "high", "low", "close", "volume")
Array = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True, eq=False)
class ChartData:
    """OHLCV bars sorted by time; ``time`` is the bar start in epoch seconds (UTC).

    Missing values are NaN. All arrays have the same length.
    """

    time: Array
    open: Array
    high: Array
    low: Array
    close: Array
    volume: Array

    def __post_init__(self) -> None:
        lengths = {name: np.asarray(getattr(self, name)).shape for name in FIELDS}
        for name in FIELDS:
            object.__setattr__(self, name, np.asarray(getattr(self, name), dtype=np.float64))
            if getattr(self, name).ndim != 1:
                raise ValueError(f"ChartData.{name} must be 1-D, got shape {lengths[name]}")
        if len({a for a in lengths.values()}) != 1:
            raise ValueError(f"ChartData arrays differ in length: {lengths}")

    def __len__(self) -> int:
        return int(self.close.size)

    @classmethod
    def empty(cls) -> ChartData:
        e = np.empty(0)
        return cls(e, e, e, e, e, e)

    @classmethod
    def from_any(cls, source: Any) -> ChartData:
        """Adapt a ChartData, a mapping of field arrays (``CandleSeries.arrays()``), an object
        with an ``arrays()`` method (a ``CandleSeries``), or a sequence of bars with
        ``time/open/high/low/close/volume`` attributes (``core.models.Candle``)."""
        if isinstance(source, ChartData):
            return source
        if hasattr(source, "arrays") and callable(source.arrays):
            source = source.arrays()
        if isinstance(source, Mapping):
            missing = [f for f in FIELDS if f not in source and f != "volume"]
            if missing:
                raise ValueError(f"candle data lacks fields: {', '.join(missing)}")
            n = len(source["close"])
            volume = source.get("volume")
            t, o, h, lo, c = (np.asarray(source[f], dtype=float) for f in FIELDS[:5])
            v = np.full(n, np.nan) if volume is None else np.asarray(volume, dtype=float)
            return cls(t, o, h, lo, c, v)
        bars = list(source)
        cols = {f: [_num(getattr(b, f, None)) for b in bars] for f in FIELDS}
        return cls(*(np.asarray(cols[f], dtype=float) for f in FIELDS))

    def tail(self, n: int) -> ChartData:
        """The last ``n`` bars (views, no copy)."""
        if n >= len(self):
            return self
        return ChartData(*(getattr(self, f)[-n:] for f in FIELDS))

    def with_bar(
        self,
        time: float,
        open: float,
        high: float,
        low: float,
        close: float,
        volume: float = np.nan,
    ) -> ChartData:
        """A copy with this bar replacing the last one (same time) or appended (later time).

        This is how the forming candle reaches a chart that was given history once.
        """
        row = np.array([time, open, high, low, close, volume], dtype=float)
        if len(self) and self.time[-1] == time:
            cols = [getattr(self, f).copy() for f in FIELDS]
            for col, v in zip(cols, row, strict=True):
                col[-1] = v
            return ChartData(*cols)
        if len(self) and time < self.time[-1]:
            raise ValueError(f"bar at {time} is older than the last bar at {self.time[-1]}")
        return ChartData(
            *(np.append(getattr(self, f), v) for f, v in zip(FIELDS, row, strict=True))
        )


def _num(v: Any) -> float:
    return float("nan") if v is None else float(v)
