"""Draw candlesticks, overlays, levels, Fibonacci and an oscillator panel with plotext.

``draw(plt, data, spec, width, height)`` takes any plotext-like figure: a fresh
``plotext._figure._figure_class`` for the CLI (:func:`render_text`) or textual-plotext's
``PlotextPlot.plt`` in the TUI, so both show the same chart. It never imports Textual.

Layout rules that keep it readable at 80x24 over ssh:

- one candle per column: only the last ``width - 12`` bars are shown, but indicators and levels
  are computed on all the bars given, so their warm-up happens off-screen;
- below ``MIN_TWO_PANEL_HEIGHT`` rows (or 40 columns) the lower panel is dropped and the price
  panel gets the whole height; labels (levels, Fibonacci) are thinned out on small charts;
- the y-range is the visible bars' range, and only levels/Fibonacci lines inside it are drawn.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from ttai_tui.analysis import indicators as ind
from ttai_tui.analysis.levels import Levels, find_levels
from ttai_tui.chart.data import ChartData
from ttai_tui.chart.live import IndicatorCache, vectorised
from ttai_tui.chart.spec import ChartSpec, LowerPanel, Overlay

__all__ = [
    "MIN_TWO_PANEL_HEIGHT",
    "DrawInfo",
    "compute_overlay",
    "draw",
    "new_figure",
    "render_text",
]

MIN_TWO_PANEL_HEIGHT = 28
MIN_TWO_PANEL_WIDTH = 40
Y_AXIS_COLUMNS = 12  # y tick labels + frame
LEVEL_LOOKBACK = 1000  # bars searched for levels (bounded cost; older levels rarely matter)
OVERLAY_COLORS = ("cyan", "yellow", "magenta", "blue", "orange", "white")
TZ = ZoneInfo("America/New_York")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True, slots=True)
class DrawInfo:
    """What was drawn (for tests, the status line and the pane's footer)."""

    bars: int
    panels: int
    overlays: tuple[str, ...]
    levels: tuple[str, ...]
    fibonacci: tuple[str, ...]
    lower: str
    found_levels: Levels | None = None


def new_figure() -> Any:
    """A standalone plotext figure (no global state), the same class textual-plotext wraps."""
    from plotext._figure import _figure_class

    return _figure_class()


def render_text(
    data: Any,
    spec: ChartSpec | None = None,
    width: int = 100,
    height: int = 30,
    color: bool | None = None,
    *,
    symbol: str = "",
    timeframe: str = "",
    indicators: Any = None,
    lower: str | None = None,
    levels: bool = False,
    fibonacci: bool = False,
) -> str:
    """The chart as text for stdout (``ttai chart``).

    ``data`` is a ChartData or anything :meth:`ChartData.from_any` adapts (``CandleSeries``,
    its ``arrays()`` dict). Pass a ``spec``, or the keyword strings (``indicators`` such as
    ``["sma20", "bb20", "rsi14"]``, ``lower``, ``levels``, ``fibonacci``) and a spec is built;
    bad specs raise ValueError with the offending text. ``color=None`` means ANSI colours only
    when stdout is a terminal and ``NO_COLOR`` is unset.
    """
    if spec is None:
        spec = ChartSpec.build(
            indicators or (),
            symbol=symbol,
            timeframe=timeframe,
            lower=lower,
            levels=levels,
            fibonacci=fibonacci,
        )
    if color is None:
        import os
        import sys

        color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    width, height = max(int(width), 20), max(int(height), 8)
    fig = new_figure()
    draw(fig, ChartData.from_any(data), spec, width, height)
    fig.plotsize(width, height)
    fig._set_size(width, height)  # bypass plotext's clamp to the (unknown) terminal size
    fig.theme("clear")
    text = fig.build()
    if not color:
        text = ANSI.sub("", text)
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def compute_overlay(ov: Overlay, data: ChartData) -> dict[str, np.ndarray]:
    """The overlay's line(s) over all bars, from scratch: ``{name: values}``."""
    return vectorised(ov, data)


def draw(
    plt: Any,
    data: ChartData,
    spec: ChartSpec,
    width: int,
    height: int,
    cache: IndicatorCache | None = None,
) -> DrawInfo:
    """Draw the whole chart into ``plt`` for a ``width`` x ``height`` character area.

    A live chart passes the same ``cache`` on every redraw so a forming-candle tick costs O(1)
    per indicator instead of a recomputation over the whole history.
    """
    values = cache.get if cache is not None else vectorised
    if cache is not None:
        cache.retain({*spec.overlays, spec.lower})
    plt.clear_figure()
    two_panels = (
        spec.lower.kind != "none"
        and height >= MIN_TWO_PANEL_HEIGHT
        and width >= MIN_TWO_PANEL_WIDTH
    )
    n_vis = max(1, min(len(data), width - Y_AXIS_COLUMNS))
    vis = data.tail(n_vis)
    xs = np.arange(len(vis), dtype=float)
    lower_h = max(6, round(height * 0.3))
    if two_panels:
        plt.subplots(2, 1)
        main = plt.subplot(1, 1)
        main.plotsize(width, height - lower_h)
        low_panel = plt.subplot(2, 1)
        low_panel.plotsize(width, lower_h)
    else:
        main = plt
    main.title(_title(spec, data))
    if len(vis) == 0:
        main.text("no candles yet", 0.5, 0.5, alignment="center")
        main.xlim(0, 1)
        main.ylim(0, 1)
        return DrawInfo(0, 1 + two_panels, (), (), (), spec.lower.label if two_panels else "none")

    ok = (
        np.isfinite(vis.open)
        & np.isfinite(vis.high)
        & np.isfinite(vis.low)
        & np.isfinite(vis.close)
    )
    lo = float(np.nanmin(vis.low[ok])) if ok.any() else 0.0
    hi = float(np.nanmax(vis.high[ok])) if ok.any() else 1.0
    main_rows = height - (lower_h if two_panels else 0)
    span = hi - lo if hi > lo else max(abs(hi) * 0.01, 1.0)
    y_lo, y_hi = lo - span * 0.03, hi + span * 0.03
    if ok.any():
        _draw_candles(
            main,
            xs[ok],
            vis.open[ok],
            vis.high[ok],
            vis.low[ok],
            vis.close[ok],
            (y_hi - y_lo) / (2.0 * main_rows),
        )
    overlay_labels = _draw_overlays(main, data, spec.overlays, xs, n_vis, values)
    level_labels: list[str] = []
    found: Levels | None = None
    if spec.levels:
        found, level_labels = _draw_levels(main, data, xs, y_lo, y_hi, height)
    fib_labels = _draw_fibonacci(main, lo, hi, height) if spec.fibonacci else []
    main.ylim(y_lo, y_hi)
    main.xlim(-0.5, max(len(vis) - 0.5, 0.5))
    ticks, labels = _time_ticks(vis.time, spec.timeframe, width)
    if two_panels:
        main.xticks([], [])
        _draw_lower(low_panel, values(spec.lower, data), spec.lower, xs, n_vis)
        low_panel.xlim(-0.5, max(len(vis) - 0.5, 0.5))
        low_panel.xticks(ticks, labels)
    else:
        main.xticks(ticks, labels)
    return DrawInfo(
        bars=len(vis),
        panels=2 if two_panels else 1,
        overlays=tuple(overlay_labels),
        levels=tuple(level_labels),
        fibonacci=tuple(fib_labels),
        lower=spec.lower.label if two_panels else "none",
        found_levels=found,
    )


def _title(spec: ChartSpec, data: ChartData) -> str:
    parts = [p for p in (spec.symbol, spec.timeframe) if p]
    if len(data):
        last = data.close[-1]
        if math.isfinite(last):
            parts.append(f"{last:,.2f}")
            prev = data.close[-2] if len(data) > 1 else math.nan
            if math.isfinite(prev) and prev:
                parts.append(f"{(last - prev) / prev * 100:+.2f}%")
    return "  ".join(parts)


def _draw_candles(
    plt: Any,
    xs: np.ndarray,
    o: np.ndarray,
    h: np.ndarray,
    lo: np.ndarray,
    c: np.ndarray,
    step: float,
) -> None:
    """Candles as four scatter signals (up/down x wick/body) sampled every ``step`` in price.

    plotext's own ``candlestick`` issues three line signals per candle, which made a 160x48
    redraw cost ~30 ms; sampling each candle's cells at half-row resolution draws the same
    picture (wick ``│``, body block, green up / red down) in a few ms.
    """
    up = c >= o
    body_lo, body_hi = np.minimum(o, c), np.maximum(o, c)
    for mask, color in ((up, "green"), (~up, "red")):
        if not mask.any():
            continue
        for start, stop, marker in ((lo, h, "│"), (body_lo, body_hi, "sd")):
            px, py = _sample(xs[mask], start[mask], stop[mask], step)
            plt.scatter(px.tolist(), py.tolist(), color=color, marker=marker)


def _sample(
    xs: np.ndarray, start: np.ndarray, stop: np.ndarray, step: float
) -> tuple[np.ndarray, np.ndarray]:
    """Points every ``step`` from start to stop (inclusive) for each x, vectorised."""
    counts = np.floor((stop - start) / step).astype(np.int64) + 1
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    py = np.repeat(start, counts) + offsets * step
    py = np.minimum(py, np.repeat(stop, counts))
    # always include the exact top (the close of a doji, the high of a wick)
    return np.concatenate([np.repeat(xs, counts), xs]), np.concatenate([py, stop])


def _finite_runs(xs: np.ndarray, ys: np.ndarray) -> list[tuple[list[float], list[float]]]:
    """Split a line at NaNs: plotext would otherwise draw through them."""
    ok = np.isfinite(ys)
    if ok.all():
        return [(xs.tolist(), ys.tolist())]
    runs = []
    edges = np.flatnonzero(np.diff(np.concatenate(([0], ok.astype(np.int8), [0]))))
    for a, b in zip(edges[0::2], edges[1::2], strict=True):
        runs.append((xs[a:b].tolist(), ys[a:b].tolist()))
    return runs


def _draw_overlays(
    plt: Any,
    data: ChartData,
    overlays: tuple[Overlay, ...],
    xs: np.ndarray,
    n_vis: int,
    compute: Callable[[Overlay, ChartData], dict[str, np.ndarray]],
) -> list[str]:
    drawn: list[str] = []
    for i, ov in enumerate(overlays):
        color = OVERLAY_COLORS[i % len(OVERLAY_COLORS)]
        for name, values in compute(ov, data).items():
            runs = _finite_runs(xs, values[-n_vis:])
            for j, (rx, ry) in enumerate(runs):
                label = name if (j == 0 and name == ov.label) else None
                plt.plot(rx, ry, color=color, marker="braille", label=label)
        drawn.append(ov.label)
    return drawn


def _draw_levels(
    plt: Any, data: ChartData, xs: np.ndarray, y_lo: float, y_hi: float, height: int
) -> tuple[Levels, list[str]]:
    recent = data.tail(LEVEL_LOOKBACK)
    found = find_levels(recent.high, recent.low, recent.close, recent.volume)
    wanted = [found.nearest_support, found.nearest_resistance, *found.levels]
    budget = max(2, height // 10)
    labels: list[str] = []
    seen: set[float] = set()
    x_right = float(xs[-1])
    for lv in wanted:
        if lv is None or lv.price in seen or not (y_lo <= lv.price <= y_hi):
            continue
        if len(labels) >= budget:
            break
        seen.add(lv.price)
        color = "green" if lv.kind == "support" else "red"
        tag = f"{'S' if lv.kind == 'support' else 'R'} {lv.price:,.2f}"
        plt.hline(lv.price, color)
        plt.text(tag, x_right, lv.price, color=color, alignment="right")
        labels.append(tag)
    return found, labels


def _draw_fibonacci(plt: Any, lo: float, hi: float, height: int) -> list[str]:
    levels = ind.fibonacci_levels(hi, lo)
    keep = levels if height >= MIN_TWO_PANEL_HEIGHT else {r: levels[r] for r in (0.382, 0.5, 0.618)}
    labels = []
    for ratio, price in keep.items():
        tag = f"{ratio * 100:.1f}% {price:,.2f}"
        plt.hline(price, "orange")
        plt.text(tag, 0.0, price, color="orange", alignment="left")
        labels.append(tag)
    return labels


def _draw_lower(
    plt: Any, series: dict[str, np.ndarray], lower: LowerPanel, xs: np.ndarray, n_vis: int
) -> None:
    if lower.kind == "rsi":
        values = series[lower.label][-n_vis:]
        for rx, ry in _finite_runs(xs, values):
            plt.plot(rx, ry, color="magenta", marker="braille")
        plt.hline(70.0, "red")
        plt.hline(30.0, "green")
        plt.ylim(0, 100)
        plt.yticks([30, 70])
        plt.title(lower.label)
        return
    line, sig, hist = (series[k][-n_vis:] for k in ("macd", "signal", "hist"))
    ok = np.isfinite(hist)
    if ok.any():
        plt.bar(xs[ok].tolist(), hist[ok].tolist(), color="gray", width=0.4, marker="▌")
    for values, color in ((line, "cyan"), (sig, "orange")):
        for rx, ry in _finite_runs(xs, values):
            plt.plot(rx, ry, color=color, marker="braille")
    plt.hline(0.0, "white")
    plt.title(lower.label)


def _time_ticks(times: np.ndarray, timeframe: str, width: int) -> tuple[list[float], list[str]]:
    """About one label per 14 columns; intraday shows HH:MM and the date when it changes."""
    n = times.size
    if n == 0:
        return [], []
    count = max(2, min(n, (width - Y_AXIS_COLUMNS) // 14))
    idx = np.unique(np.linspace(0, n - 1, count).round().astype(int))
    ticks: list[float] = []
    labels: list[str] = []
    prev_day = None
    for i in idx:
        t = times[i]
        if not math.isfinite(t):
            continue
        dt = datetime.fromtimestamp(float(t), TZ)
        if timeframe == "1d":
            label = dt.strftime("%m-%d")
        else:
            day = dt.date()
            label = dt.strftime("%H:%M") if day == prev_day else dt.strftime("%m-%d %H:%M")
            prev_day = day
        ticks.append(float(i))
        labels.append(label)
    return ticks, labels
