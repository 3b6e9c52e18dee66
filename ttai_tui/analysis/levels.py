"""Support and resistance the way a trader draws them: where price turned, more than once.

1. **Swing points.** Bar ``i`` is a swing high when its high is the highest of the ``window`` bars
   on each side (strictly higher than those before it, so a flat top counts once); swing lows
   mirror that on the lows. The last ``window`` bars cannot be confirmed yet and are not pivots.
2. **Clustering.** Swing points (highs and lows together: a broken ceiling becomes a floor) are
   sorted by price and grouped while they stay within ``tolerance`` of the group's mean. The
   tolerance scales with volatility: ``tolerance_atr`` times the median ATR of the series, so a
   quiet stock gets tight levels and a wild one wide ones (a small fraction of the price range
   stands in when the series is too short for an ATR).
3. **Each level** has the group's mean price, the number of touches (swing points), the first and
   last touch (bar indices), the volume traded on the touching bars, and a strength in (0, 1]:
   ``touches * recency * volume`` normalised to the strongest level, where recency decays with
   the bars since the last touch (half-life = half the series) and the volume factor compares the
   touching bars' mean volume with the series' mean. A level below the current price is support,
   above it resistance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from ttai_tui.analysis.indicators import atr, check_period

__all__ = ["Level", "Levels", "find_levels", "swing_points"]

Kind = Literal["support", "resistance"]


@dataclass(frozen=True, slots=True)
class Level:
    """One horizontal level; touches are bar indices into the input."""

    price: float
    kind: Kind
    touches: int
    first_touch: int
    last_touch: int
    volume: float
    strength: float


@dataclass(frozen=True, slots=True)
class Levels:
    """All levels (strongest first) plus the two a trader looks at first."""

    levels: tuple[Level, ...]
    nearest_support: Level | None
    nearest_resistance: Level | None
    tolerance: float
    price: float

    def supports(self) -> list[Level]:
        return [lv for lv in self.levels if lv.kind == "support"]

    def resistances(self) -> list[Level]:
        return [lv for lv in self.levels if lv.kind == "resistance"]


def swing_points(
    high: npt.ArrayLike, low: npt.ArrayLike, window: int = 5
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Indices of swing highs and swing lows (see the module docstring)."""
    window = check_period(window, "window")
    h = np.asarray(high, dtype=float)
    lo = np.asarray(low, dtype=float)
    size = 2 * window + 1
    if h.size < size:
        empty = np.array([], dtype=np.intp)
        return empty, empty

    def pivots(values: npt.NDArray[np.float64], sign: float) -> npt.NDArray[np.intp]:
        v = sign * values
        win = sliding_window_view(v, size)
        centre = win[:, window]
        with np.errstate(invalid="ignore"):
            is_max = (centre >= win.max(axis=1)) & (centre > win[:, :window].max(axis=1))
        return np.flatnonzero(is_max & np.isfinite(centre)) + window

    return pivots(h, 1.0), pivots(lo, -1.0)


def find_levels(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    volume: npt.ArrayLike | None = None,
    *,
    window: int = 5,
    atr_period: int = 14,
    tolerance_atr: float = 0.5,
    max_levels: int = 8,
    price: float | None = None,
) -> Levels:
    """Support/resistance levels of a bar series; ``price`` defaults to the last close."""
    h = np.asarray(high, dtype=float)
    lo = np.asarray(low, dtype=float)
    c = np.asarray(close, dtype=float)
    if not h.shape == lo.shape == c.shape:
        raise ValueError("high, low and close must have the same length")
    vol = np.ones_like(c) if volume is None else np.asarray(volume, dtype=float)
    if vol.shape != c.shape:
        raise ValueError("volume must have the same length as close")
    if tolerance_atr <= 0:
        raise ValueError(f"tolerance_atr must be > 0, got {tolerance_atr}")
    check_period(max_levels, "max_levels")
    if price is None:
        finite = c[np.isfinite(c)]
        price = float(finite[-1]) if finite.size else float("nan")
    tolerance = _tolerance(h, lo, c, atr_period, tolerance_atr)
    highs, lows = swing_points(h, lo, window)
    idx = np.concatenate([highs, lows])
    prices = np.concatenate([h[highs], lo[lows]])
    if idx.size == 0 or not np.isfinite(price):
        return Levels((), None, None, tolerance, price)

    # plain floats from here on: a few dozen swing points, where numpy's per-call overhead
    # (a mean per comparison) cost ~3 ms of every chart redraw
    order = np.argsort(prices, kind="stable").tolist()
    price_of = prices.tolist()
    groups: list[list[int]] = [[order[0]]]
    total = price_of[order[0]]  # running sum of the current group's prices
    for j in order[1:]:
        current = groups[-1]
        if abs(price_of[j] - total / len(current)) <= tolerance:
            current.append(j)
            total += price_of[j]
        else:
            groups.append([j])
            total = price_of[j]

    n_bars = c.size
    mean_vol = float(np.nanmean(vol)) if np.isfinite(vol).any() else 0.0
    half_life = max(n_bars / 2.0, 1.0)
    bar_of = idx.tolist()
    vol_at = np.nan_to_num(vol[idx]).tolist()  # volume of each swing point's bar
    raw: list[tuple[float, float, int, int, int, float]] = []
    for group in groups:
        touches = [bar_of[j] for j in group]
        touch_vol = sum(vol_at[j] for j in group)
        recency = 0.5 ** ((n_bars - 1 - max(touches)) / half_life)
        ratio = touch_vol / len(group) / mean_vol if mean_vol > 0 else 1.0
        vol_factor = min(max(ratio, 0.25), 4.0)
        score = len(group) * recency * (0.5 + 0.5 * vol_factor)
        level_price = sum(price_of[j] for j in group) / len(group)
        raw.append((score, level_price, len(group), min(touches), max(touches), touch_vol))
    best = max(r[0] for r in raw)
    levels = [
        Level(
            price=p,
            kind="support" if p < price else "resistance",
            touches=t,
            first_touch=first,
            last_touch=last,
            volume=v,
            strength=float(score / best),
        )
        for score, p, t, first, last, v in raw
    ]
    levels.sort(key=lambda lv: (-lv.strength, lv.price))
    # nearest are chosen among all levels, not only the strongest max_levels
    below = [lv for lv in levels if lv.kind == "support"]
    above = [lv for lv in levels if lv.kind == "resistance"]
    return Levels(
        levels=tuple(levels[:max_levels]),
        nearest_support=max(below, key=lambda lv: lv.price) if below else None,
        nearest_resistance=min(above, key=lambda lv: lv.price) if above else None,
        tolerance=tolerance,
        price=price,
    )


def _tolerance(
    h: npt.NDArray[np.float64],
    lo: npt.NDArray[np.float64],
    c: npt.NDArray[np.float64],
    atr_period: int,
    tolerance_atr: float,
) -> float:
    """``tolerance_atr`` x median ATR; 1 % of the price range when there is no ATR yet."""
    values = atr(h, lo, c, atr_period)
    values = values[np.isfinite(values)]
    if values.size and float(np.median(values)) > 0:
        return tolerance_atr * float(np.median(values))
    span = float(np.nanmax(h) - np.nanmin(lo)) if np.isfinite(h).any() else 0.0
    return max(span * 0.01, 1e-9)
