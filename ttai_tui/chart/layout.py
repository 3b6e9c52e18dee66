"""Where things go: the panels' rows and the visible bars' columns, and the style roles.

Shared by :mod:`.render` (which assembles a frame), :mod:`.price_panel` and :mod:`.panels`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ttai_tui.chart.axes import fmt_price
from ttai_tui.chart.data import ChartData
from ttai_tui.chart.palette import OVERLAYS
from ttai_tui.chart.spec import ChartSpec

MIN_TWO_PANEL_HEIGHT = 28
MIN_TWO_PANEL_WIDTH = 40
MIN_VOLUME_HEIGHT = 18
LEVEL_LOOKBACK = 1000  # bars searched for levels (bounded cost; older levels rarely matter)
OVERLAY_COLORS = OVERLAYS  # roles, coloured by a Palette
UP, DOWN, FIB, AXIS, RSI, MACD, SIGNAL = "up", "down", "fib", "axis", "rsi", "macd", "signal"
TIMEFRAME_SECONDS = {"1m": 60, "5m": 300, "15m": 900, "30m": 1800, "1h": 3600, "4h": 14400,
                     "1d": 86400}  # fmt: skip

Part = tuple[str, str]  # (text, style)


@dataclass
class Layout:
    """Rows and columns of each part of the chart (-1 / 0: the panel is not shown)."""

    width: int
    height: int
    plot_w: int
    axis_w: int
    price_w: int
    header_rows: int
    price_top: int
    price_rows: int
    volume_top: int = -1
    volume_rows: int = 0
    lower_top: int = -1
    lower_rows: int = 0
    axis_row: int = -1


@dataclass
class Bars:
    """The visible bars and where their columns are."""

    start: int
    stop: int
    cpb: int
    body_w: int
    x0: int  # column of the first visible bar
    o: np.ndarray
    h: np.ndarray
    lo: np.ndarray
    c: np.ndarray
    v: np.ndarray
    t: np.ndarray
    ok: np.ndarray
    up: np.ndarray
    centers: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))

    @property
    def n(self) -> int:
        return self.stop - self.start


def last_finite(a: np.ndarray) -> float:
    ok = np.flatnonzero(np.isfinite(a))
    return float(a[ok[-1]]) if ok.size else math.nan


def make_layout(data: ChartData, spec: ChartSpec, width: int, height: int, dec: int) -> Layout:
    # the axis is as wide as the widest price of the recent bars (an upper bound of what shows)
    recent = slice(max(0, len(data) - 4 * width), None)
    extremes = [x for x in (np.nanmax(np.abs(data.high[recent]), initial=0.0),
                            np.nanmin(data.low[recent], initial=0.0)) if math.isfinite(x)]  # fmt: skip
    price_w = max([5, *(len(fmt_price(x, dec)) for x in extremes)])
    axis_w = min(price_w + 3, max(0, width - 10))
    plot_w = max(1, width - axis_w)
    header_rows = 2 if height >= 8 else 1
    avail = height - header_rows - 1  # the time axis is the last row
    lay = Layout(width, height, plot_w, axis_w, price_w, header_rows, header_rows, avail)
    lower = spec.lower.kind != "none" and height >= MIN_TWO_PANEL_HEIGHT
    if lower and width >= MIN_TWO_PANEL_WIDTH:
        lay.lower_rows = min(12, max(4, round(height * 0.18)))
        avail -= lay.lower_rows + 1
    has_volume = bool(np.isfinite(data.volume).any() and np.nanmax(data.volume, initial=0) > 0)
    if spec.volume and has_volume and height >= MIN_VOLUME_HEIGHT:
        lay.volume_rows = min(8, max(3, round(height * 0.1)))
        avail -= lay.volume_rows + 1
    lay.price_rows = max(1, avail)
    row = lay.price_top + lay.price_rows
    if lay.volume_rows:
        lay.volume_top = row + 1  # a separator row first
        row = lay.volume_top + lay.volume_rows
    if lay.lower_rows:
        lay.lower_top = row + 1
        row = lay.lower_top + lay.lower_rows
    lay.axis_row = min(row, height - 1)
    return lay


def visible_bars(data: ChartData, start: int, stop: int, cpb: int, plot_w: int) -> Bars:
    sl = slice(start, stop)
    o, h, lo, c = data.open[sl], data.high[sl], data.low[sl], data.close[sl]
    ok = np.isfinite(o) & np.isfinite(h) & np.isfinite(lo) & np.isfinite(c)
    n = stop - start
    body_w = 1 if cpb <= 2 else cpb - 1
    x0 = plot_w - n * cpb
    b = Bars(start, stop, cpb, body_w, x0, o, h, lo, c, data.volume[sl], data.time[sl], ok,
              np.asarray(c >= o))  # fmt: skip
    b.centers = x0 + np.arange(n) * cpb + body_w // 2
    return b


