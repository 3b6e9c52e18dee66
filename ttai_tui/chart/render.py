"""The chart as a grid of styled cells: candles, overlays, levels, volume, an oscillator, axes.

One renderer for the TUI pane (``ui/widgets/chart.py`` turns the lines into Textual Strips)
and ``ttai chart`` (:meth:`Frame.text`, with or without ANSI colour). It never imports Textual.

Layout, top to bottom: a header (the bar under the cursor, or the last one: time, O/H/L/C,
change, volume) and a legend (each overlay's colour and its value at that bar), on one line
when the width allows; the price panel; a volume panel; the RSI or MACD panel; the time axis.
The price axis is on the right: round prices, the last price (``◀``, in the last candle's
colour), and the support/resistance (``R``/``S``) and Fibonacci (``F``) lines' prices at the
rows they are drawn on.

What keeps it readable:

- one candle per column (``cols_per_bar`` > 1 when zoomed in); see :mod:`.marks` for the
  glyphs (hollow up, filled down, half-row precision);
- layers are painted in order levels → cursor line → overlays → candles, each only where
  nothing above it is drawn, so no line ever hides a candle;
- the volume panel needs 18 rows, the lower panel 28 (``MIN_TWO_PANEL_HEIGHT``); below that
  they are dropped and the price panel keeps the height;
- the y range is the visible bars' range; levels outside it are not drawn.

Indicators and levels are computed over all the bars given (warm-up happens off-screen).
This module assembles the frame (layout, header, legend); :mod:`.price_panel` and
:mod:`.panels` draw the panels, :mod:`.marks` the glyphs, :mod:`.canvas` holds the cells.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from rich.color import ColorSystem
from rich.segment import Segment
from rich.style import Style

from ttai_tui.analysis.levels import Levels
from ttai_tui.chart.axes import decimals_for_tick, equity_tick, fmt_price, fmt_volume, time_label
from ttai_tui.chart.canvas import Canvas, Line
from ttai_tui.chart.data import ChartData
from ttai_tui.chart.layout import (
    DOWN,
    MIN_TWO_PANEL_HEIGHT,
    MIN_VOLUME_HEIGHT,
    OVERLAY_COLORS,
    TIMEFRAME_SECONDS,
    UP,
    Layout,
    Part,
    last_finite,
    make_layout,
    visible_bars,
)
from ttai_tui.chart.live import IndicatorCache, vectorised
from ttai_tui.chart.palette import ANSI, HEX, Palette, resolve
from ttai_tui.chart.panels import lower_panel, time_axis, volume_panel
from ttai_tui.chart.price_panel import price_panel
from ttai_tui.chart.spec import ChartSpec
from ttai_tui.chart.view import ZOOM_LEVELS, Viewport

__all__ = [
    "MIN_TWO_PANEL_HEIGHT",
    "MIN_VOLUME_HEIGHT",
    "OVERLAY_COLORS",
    "DrawInfo",
    "Frame",
    "render",
    "render_text",
]

Compute = Callable[[Any, ChartData], dict[str, np.ndarray]]


@dataclass(frozen=True, slots=True)
class DrawInfo:
    """What was drawn (tests, the pane's keys, diagnostics)."""

    bars: int  # bars shown
    panels: int  # price + volume + lower
    overlays: tuple[str, ...]
    levels: tuple[str, ...]  # labels on the axis, e.g. "R 600.31"
    fibonacci: tuple[str, ...]  # e.g. "61.8% 598.20"
    lower: str  # the lower panel's label, or "none"
    volume: bool = False
    cols_per_bar: int = 1
    capacity: int = 0  # bars that fit at this zoom
    plot_width: int = 0  # columns left of the price axis (bars are right-aligned in them)
    start: int = 0  # first bar shown (index into the data)
    stop: int = 0
    cursor: int | None = None
    forming: bool = False
    decimals: int = 2
    price_top: int = 0  # first row of the price panel
    price_rows: int = 0
    y_range: tuple[float, float] = (math.nan, math.nan)  # prices at the panel's bottom and top
    header: str = ""
    found_levels: Levels | None = None


@dataclass(frozen=True, slots=True)
class Frame:
    """The rendered chart: ``lines`` of (text, style) runs, and what was drawn."""

    lines: list[Line]
    info: DrawInfo

    def bar_at(self, x: int) -> int | None:
        """The index of the bar drawn at column ``x`` (mouse clicks), or None."""
        i = self.info
        first = i.plot_width - (i.stop - i.start) * i.cols_per_bar
        if not first <= x < i.plot_width:
            return None
        return i.start + (x - first) // i.cols_per_bar

    def segments(self, base: Style | None = None, palette: Palette = HEX) -> list[list[Segment]]:
        """Each line as rich Segments over ``base`` (the widget's own style: its background)."""
        styles: dict[str, Style] = {}  # a frame uses a few dozen styles: resolve each once
        for name in {style for line in self.lines for _, style in line}:
            styles[name] = resolve(name, palette) if base is None else base + resolve(name, palette)
        return [[Segment(text, styles[style]) for text, style in line] for line in self.lines]

    def text(self, color: bool, palette: Palette = ANSI) -> str:
        """Lines joined for a terminal: ANSI colours, or plain (trailing blanks removed)."""
        out = []
        for line in self.lines:
            if color:
                s = "".join(_ansi(style, text, palette) for text, style in line).rstrip(" ")
            else:
                s = "".join(text for text, _ in line).rstrip()
            out.append(s)
        return "\n".join(out) + "\n"


def _ansi(style: str, text: str, palette: Palette) -> str:
    if not style:
        return text
    return resolve(style, palette).render(text, color_system=ColorSystem.STANDARD)



def render(
    data: ChartData,
    spec: ChartSpec,
    width: int,
    height: int,
    *,
    view: Viewport | None = None,
    tick: float | None = None,
    now: float | None = None,
    cache: IndicatorCache | None = None,
) -> Frame:
    """Draw the whole chart for a ``width`` x ``height`` cell area.

    ``tick`` is the instrument's price increment (decimals of every price shown; default: the
    stock rule for the last price). ``now`` (epoch seconds) decides whether the last bar is
    still forming (it is when ``now`` is inside its timeframe); None: it is not marked. A live
    chart passes the same ``cache`` on every redraw so a tick costs O(1) per indicator.
    """
    view = view or Viewport()
    width, height = max(int(width), 1), max(int(height), 1)
    compute: Compute = cache.get if cache is not None else vectorised
    if cache is not None:
        cache.retain({*spec.overlays, spec.lower})
    n = len(data)
    last_close = last_finite(data.close)
    tick = tick if tick and tick > 0 and math.isfinite(tick) else equity_tick(last_close)
    dec = decimals_for_tick(tick)
    canvas = Canvas.blank(width, height)

    layout = make_layout(data, spec, width, height, dec)
    cpb = view.cols_per_bar
    capacity = max(1, layout.plot_w // cpb)
    start, stop = view.window(n, capacity)
    bars = visible_bars(data, start, stop, cpb, layout.plot_w)
    focus = view.focus(n)
    forming = bool(
        now is not None
        and n
        and math.isfinite(data.time[-1])
        and now < data.time[-1] + TIMEFRAME_SECONDS.get(spec.timeframe, 0)
    )
    cursor = None if view.cursor is None else focus

    series = {ov: compute(ov, data) for ov in spec.overlays}
    lower_series = compute(spec.lower, data) if layout.lower_rows else {}
    header = _header(
        data, spec, focus, dec, forming and focus == n - 1, cursor is not None, width
    )
    legend = _legend(spec, series, focus, dec)
    _write_header(canvas, layout, header, legend)

    info_levels: list[str] = []
    info_fib: list[str] = []
    found: Levels | None = None
    y_range = (math.nan, math.nan)
    if bars.n == 0 or not bars.ok.any():
        msg = "no candles yet"
        row = layout.price_top + layout.price_rows // 2
        canvas.text(row, max(0, (layout.plot_w - len(msg)) // 2), msg, "dim")
    else:
        found, info_levels, info_fib, y_range = price_panel(
            canvas, layout, bars, data, spec, series, dec, cursor, forming
        )
        if layout.volume_rows:
            volume_panel(canvas, layout, bars, cursor)
        if layout.lower_rows:
            lower_panel(canvas, layout, bars, spec.lower, lower_series, focus, cursor, dec)
        time_axis(canvas, layout, bars, spec.timeframe, cursor, forming and stop == n)

    info = DrawInfo(
        bars=bars.n,
        panels=1 + bool(layout.volume_rows) + bool(layout.lower_rows),
        overlays=tuple(ov.label for ov in spec.overlays),
        levels=tuple(info_levels),
        fibonacci=tuple(info_fib),
        lower=spec.lower.label if layout.lower_rows else "none",
        volume=bool(layout.volume_rows),
        cols_per_bar=cpb,
        capacity=capacity,
        plot_width=layout.plot_w,
        start=start,
        stop=stop,
        cursor=cursor,
        forming=forming,
        decimals=dec,
        price_top=layout.price_top,
        price_rows=layout.price_rows,
        y_range=y_range,
        header="".join(t for t, _ in header),
        found_levels=found,
    )
    return Frame(canvas.lines(), info)



# ---- header and legend -------------------------------------------------------------------------


def _header(
    data: ChartData,
    spec: ChartSpec,
    focus: int | None,
    dec: int,
    forming: bool,
    cursor: bool,
    width: int,
) -> list[Part]:
    """The bar under the cursor (or the last one), as long as the width allows: it drops, in
    turn, the weekday and wide spacing, the change, the date, then the symbol, but never a
    price or the volume."""
    name = " ".join(p for p in (spec.symbol, spec.timeframe) if p)
    if focus is None:
        return [(name, "bold"), ("  no candles yet", "dim")]
    o, h, lo, c = (float(a[focus]) for a in (data.open, data.high, data.low, data.close))
    t = float(data.time[focus])
    full = time_label(t, spec.timeframe)  # "Wed 06-17 10:25"
    short = full.split(" ", 1)[1] if " " in full else full  # "06-17 10:25"
    clock = short.split(" ")[-1] if spec.timeframe != "1d" else short  # "10:25"
    mark = "▲" if forming else "◆" if cursor else ""
    colour = UP if c >= o else DOWN
    prev = float(data.close[focus - 1]) if focus > 0 else math.nan
    change = c - prev if math.isfinite(prev) and prev and math.isfinite(c) else math.nan
    vol = float(data.volume[focus])

    def build(sep: str, when: str, label: str, with_name: bool, with_change: bool) -> list[Part]:
        parts: list[Part] = [(name, "bold"), (sep, "")] if with_name and name else []
        parts.append((when, ""))
        if mark:
            parts.append((label, "bold"))
        for key, value in (("O", o), ("H", h), ("L", lo), ("C", c)):
            parts.append((f"{sep}{key} ", "dim"))
            parts.append((fmt_price(value, dec), colour if key == "C" else ""))
        if with_change and math.isfinite(change):
            pct = f"{change / prev * 100:+.2f}%"
            text = f"{change:+,.{dec}f} {pct}" if len(sep) > 1 else pct
            parts.append((sep + text, UP if change >= 0 else DOWN))
        if math.isfinite(vol):
            parts.append((f"{sep}V ", "dim"))
            parts.append((fmt_volume(vol), ""))
        return parts

    word = f" {mark}{'forming' if forming else 'cursor'}" if mark else ""
    variants = (
        ("  ", full, word, True, True),
        (" ", short, mark, True, True),
        (" ", short, mark, True, False),
        (" ", clock, mark, True, False),
        (" ", clock, mark, False, False),
    )
    for variant in variants:
        parts = build(*variant)
        if sum(len(t) for t, _ in parts) <= width:
            return parts
    return parts


def _legend(
    spec: ChartSpec, series: dict[Any, dict[str, np.ndarray]], focus: int | None, dec: int
) -> list[Part]:
    parts: list[Part] = []
    for i, ov in enumerate(spec.overlays):
        colour = OVERLAY_COLORS[i % len(OVERLAY_COLORS)]
        lines = series[ov]
        mid = lines[ov.label] if ov.label in lines else next(iter(lines.values()))
        value = float(mid[focus]) if focus is not None else math.nan
        text = f"{ov.label} {fmt_price(value, dec)}"
        upper = lines.get(f"{ov.label}+")
        if upper is not None and focus is not None and math.isfinite(upper[focus]):
            text += f" ±{float(upper[focus]) - value:,.{dec}f}"
        parts.append(("━ ", colour))
        parts.append((text + "  ", colour))
    return parts


def _fit(parts: list[Part], width: int) -> list[Part]:
    """Whole parts while they fit (a price is never cut in half); then as much as fits."""
    out: list[Part] = []
    used = 0
    for text, style in parts:
        if used + len(text) > width:
            break
        out.append((text, style))
        used += len(text)
    return out


def _write_header(canvas: Canvas, lay: Layout, header: list[Part], legend: list[Part]) -> None:
    head_len = sum(len(t) for t, _ in header)
    leg_len = sum(len(t) for t, _ in legend)
    rows: list[list[Part]]
    if lay.header_rows == 1 or head_len + 3 + leg_len <= lay.width:
        rows = [header + ([("   ", ""), *legend] if legend else [])]
    else:
        rows = [header, legend]
    if lay.header_rows == 2 and len(rows) == 1:
        # one line is enough: give the spare row back to the price panel
        lay.price_top -= 1
        lay.price_rows += 1
    for r, parts in enumerate(rows[: lay.header_rows]):
        col = 0
        for text, style in _fit(parts, lay.width):
            col = canvas.text(r, col, text, style)


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
    volume: bool = True,
    tick: float | None = None,
    now: float | None = None,
) -> str:
    """The chart as text for stdout (``ttai chart``).

    ``data`` is a ChartData or anything :meth:`ChartData.from_any` adapts (``CandleSeries``,
    its ``arrays()`` dict). Pass a ``spec``, or the keyword strings (``indicators`` such as
    ``["sma20", "bb20", "rsi14"]``, ``lower``, ``levels``, ``fibonacci``) and a spec is built;
    bad specs raise ValueError with the offending text. ``color=None`` means ANSI colours only
    when stdout is a terminal and ``NO_COLOR`` is unset. Fewer bars than columns are drawn
    zoomed in (wider candles) so they fill the width.
    """
    if spec is None:
        spec = ChartSpec.build(
            indicators or (),
            symbol=symbol,
            timeframe=timeframe,
            lower=lower,
            levels=levels,
            fibonacci=fibonacci,
            volume=volume,
        )
    if color is None:
        import os
        import sys

        color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    bars = ChartData.from_any(data)
    width, height = max(int(width), 20), max(int(height), 8)
    # a short history is drawn with wider candles rather than in a corner of the width
    room = width - 12  # the plot area, less a price axis
    zoom = max((z for z, cols in enumerate(ZOOM_LEVELS) if len(bars) * cols <= room), default=0)
    frame = render(bars, spec, width, height, view=Viewport(zoom=zoom), tick=tick, now=now)
    return frame.text(color)
