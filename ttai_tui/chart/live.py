"""Indicator values for a live chart, kept current with the incremental classes.

The chart pane redraws whenever the forming candle ticks. Instead of recomputing every overlay
over the whole history, :class:`IndicatorCache` remembers the bars it has seen and, when only the
last bar changed (a tick) or one bar was appended (the candle closed), feeds just that bar to the
O(1) objects of :mod:`ttai_tui.analysis.incremental`. Anything else (a new symbol, a history
snapshot re-sent after a reconnect, a changed earlier bar) recomputes vectorised and re-primes.
The values equal the vectorised functions either way (tested).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ttai_tui.analysis import incremental as inc
from ttai_tui.analysis import indicators as ind
from ttai_tui.chart.data import ChartData
from ttai_tui.chart.spec import LowerPanel, Overlay

__all__ = ["IndicatorCache", "indicator_inputs", "session_ids"]

Arrays = dict[str, np.ndarray]


def session_ids(times: np.ndarray) -> np.ndarray:
    """New York trading date of each bar (the VWAP session), as days since the epoch."""
    import pandas as pd

    ok = np.isfinite(times)
    out = np.full(times.shape, np.nan)
    if ok.any():
        local = pd.to_datetime(times[ok], unit="s", utc=True).tz_convert("America/New_York")
        out[ok] = (local.tz_localize(None).normalize().asi8 // 86_400_000_000_000).astype(float)
    return out


def indicator_inputs(key: Overlay | LowerPanel, data: ChartData) -> tuple[np.ndarray, ...]:
    """The per-bar inputs an indicator consumes (close, or typical price/volume/session)."""
    if isinstance(key, Overlay) and key.kind == "vwap":
        typical = (data.high + data.low + data.close) / 3.0
        return typical, data.volume, session_ids(data.time)
    return (data.close,)


def vectorised(key: Overlay | LowerPanel, data: ChartData) -> Arrays:
    """``{line name: values}`` over all bars, computed from scratch."""
    c = data.close
    if isinstance(key, LowerPanel):
        if key.kind == "rsi":
            return {key.label: ind.rsi(c, key.n)}
        line, sig, hist = ind.macd(c, *key.macd)
        return {"macd": line, "signal": sig, "hist": hist}
    label = key.label
    if key.kind == "bb":
        up, mid, lo = ind.bollinger(c, key.n, key.k)
        return {label: mid, f"{label}+": up, f"{label}-": lo}
    if key.kind == "vwap":
        return {"vwap": ind.vwap(*indicator_inputs(key, data))}
    fn: Callable[[Any, int], np.ndarray] = {
        "sma": ind.sma,
        "ema": ind.ema,
        "wma": ind.wma,
        "hma": ind.hma,
    }[key.kind]
    return {label: fn(c, key.n)}


def _incremental(key: Overlay | LowerPanel) -> tuple[Any, Callable[[Any], dict[str, float]]]:
    """A fresh incremental object and how to name its outputs."""
    if isinstance(key, LowerPanel):
        if key.kind == "rsi":
            label = key.label
            return inc.RSI(key.n), lambda v: {label: v}
        return inc.MACD(*key.macd), lambda v: {"macd": v[0], "signal": v[1], "hist": v[2]}
    label = key.label
    if key.kind == "bb":
        return inc.Bollinger(key.n, key.k), lambda v: {
            label: v[1],
            f"{label}+": v[0],
            f"{label}-": v[2],
        }
    if key.kind == "vwap":
        return inc.VWAP(), lambda v: {"vwap": v}
    cls = {"sma": inc.SMA, "ema": inc.EMA, "wma": inc.WMA, "hma": inc.HMA}[key.kind]
    return cls(key.n), lambda v: {label: v}


@dataclass
class _Entry:
    obj: Any
    name: Callable[[Any], dict[str, float]]
    inputs: tuple[np.ndarray, ...]
    times: np.ndarray
    values: Arrays = field(default_factory=dict)


class IndicatorCache:
    """Values of the chart's overlays and lower panel; see the module docstring."""

    def __init__(self) -> None:
        self._entries: dict[Overlay | LowerPanel, _Entry] = {}
        self.incremental_steps = 0  # bars fed incrementally (tests, diagnostics)
        self.full_recomputes = 0

    def get(self, key: Overlay | LowerPanel, data: ChartData) -> Arrays:
        inputs = indicator_inputs(key, data)
        entry = self._entries.get(key)
        if entry is None or not self._advance(entry, inputs, data.time):
            entry = self._rebuild(key, data, inputs)
            self._entries[key] = entry
        return entry.values

    def retain(self, keys: set[Overlay | LowerPanel]) -> None:
        """Forget indicators no longer shown."""
        for key in list(self._entries):
            if key not in keys:
                del self._entries[key]

    def _rebuild(self, key: Overlay | LowerPanel, data: ChartData, inputs: tuple) -> _Entry:
        self.full_recomputes += 1
        obj, name = _incremental(key)
        for row in zip(*inputs, strict=True):
            obj.update(*row)
        return _Entry(obj, name, inputs, data.time, vectorised(key, data))

    def _advance(self, entry: _Entry, inputs: tuple[np.ndarray, ...], times: np.ndarray) -> bool:
        """Apply a replaced or appended last bar incrementally; False if history changed."""
        old_n, n = entry.times.size, times.size
        if old_n == 0 or n not in (old_n, old_n + 1):
            return False
        keep = old_n - 1  # bars that must be unchanged
        same = np.array_equal(times[:keep], entry.times[:keep]) and all(
            np.array_equal(a[:keep], b[:keep], equal_nan=True)
            for a, b in zip(inputs, entry.inputs, strict=True)
        )
        if not same or times[keep] != entry.times[keep]:
            return False
        old_last = tuple(a[keep] for a in entry.inputs)
        new_last = tuple(a[keep] for a in inputs)
        values = entry.values
        if not _same_row(old_last, new_last):
            self._write(values, keep, entry.name(entry.obj.replace_last(*new_last)))
            self.incremental_steps += 1
        if n == old_n + 1:
            row = tuple(a[n - 1] for a in inputs)
            values = {k: np.append(v, np.nan) for k, v in values.items()}
            self._write(values, n - 1, entry.name(entry.obj.update(*row)))
            self.incremental_steps += 1
        entry.values, entry.inputs, entry.times = values, inputs, times
        return True

    @staticmethod
    def _write(values: Arrays, i: int, new: dict[str, float]) -> None:
        for k, v in new.items():
            values[k][i] = v


def _same_row(a: tuple, b: tuple) -> bool:
    return all(x == y or (x != x and y != y) for x, y in zip(a, b, strict=True))
