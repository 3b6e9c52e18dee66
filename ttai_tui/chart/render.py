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
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rich.color import ColorSystem
from rich.segment import Segment
from rich.style import Style

from ttai_tui.analysis import indicators as ind
from ttai_tui.analysis.levels import Levels, find_levels
from ttai_tui.chart.axes import (
    decimals_for_tick,
    equity_tick,
    fmt_price,
    fmt_volume,
    price_ticks,
    time_label,
    time_labels,
)
from ttai_tui.chart.canvas import Canvas, Line
from ttai_tui.chart.data import ChartData
from ttai_tui.chart.live import IndicatorCache, vectorised
from ttai_tui.chart.marks import (
    BODY,
    braille_bits,
    candle_glyphs,
    candle_halves,
    eighth_bars,
    half_index,
    span_halves,
)
from ttai_tui.chart.palette import ANSI, HEX, OVERLAYS, Palette, resolve
from ttai_tui.chart.spec import ChartSpec, LowerPanel
from ttai_tui.chart.view import ZOOM_LEVELS, Viewport

__all__ = [
    "MIN_TWO_PANEL_HEIGHT",
    "MIN_VOLUME_HEIGHT",
    "OVERLAY_COLORS",
    "DrawInfo",
    "Frame",
    "render",
]

MIN_TWO_PANEL_HEIGHT = 28
MIN_TWO_PANEL_WIDTH = 40
MIN_VOLUME_HEIGHT = 18
LEVEL_LOOKBACK = 1000  # bars searched for levels (bounded cost; older levels rarely matter)
OVERLAY_COLORS = OVERLAYS  # roles, coloured by a Palette
UP, DOWN, FIB, AXIS, RSI, MACD, SIGNAL = "up", "down", "fib", "axis", "rsi", "macd", "signal"
TIMEFRAME_SECONDS = {"1m": 60, "5m": 300, "15m": 900, "30m": 1800, "1h": 3600, "4h": 14400,
                     "1d": 86400}  # fmt: skip

Compute = Callable[[Any, ChartData], dict[str, np.ndarray]]
Part = tuple[str, str]  # (text, style)


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


@dataclass
class _Layout:
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
class _Bars:
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
    last_close = _last_finite(data.close)
    tick = tick if tick and tick > 0 and math.isfinite(tick) else equity_tick(last_close)
    dec = decimals_for_tick(tick)
    canvas = Canvas.blank(width, height)

    layout = _layout(data, spec, width, height, dec)
    cpb = view.cols_per_bar
    capacity = max(1, layout.plot_w // cpb)
    start, stop = view.window(n, capacity)
    bars = _visible(data, start, stop, cpb, layout.plot_w)
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
        found, info_levels, info_fib, y_range = _price_panel(
            canvas, layout, bars, data, spec, series, dec, cursor, forming
        )
        if layout.volume_rows:
            _volume_panel(canvas, layout, bars, cursor)
        if layout.lower_rows:
            _lower_panel(canvas, layout, bars, spec.lower, lower_series, focus, cursor, dec)
        _time_axis(canvas, layout, bars, spec.timeframe, cursor, forming and stop == n)

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


# ---- layout ------------------------------------------------------------------------------------


def _last_finite(a: np.ndarray) -> float:
    ok = np.flatnonzero(np.isfinite(a))
    return float(a[ok[-1]]) if ok.size else math.nan


def _layout(data: ChartData, spec: ChartSpec, width: int, height: int, dec: int) -> _Layout:
    # the axis is as wide as the widest price of the recent bars (an upper bound of what shows)
    recent = slice(max(0, len(data) - 4 * width), None)
    extremes = [x for x in (np.nanmax(np.abs(data.high[recent]), initial=0.0),
                            np.nanmin(data.low[recent], initial=0.0)) if math.isfinite(x)]  # fmt: skip
    price_w = max([5, *(len(fmt_price(x, dec)) for x in extremes)])
    axis_w = min(price_w + 3, max(0, width - 10))
    plot_w = max(1, width - axis_w)
    header_rows = 2 if height >= 8 else 1
    avail = height - header_rows - 1  # the time axis is the last row
    lay = _Layout(width, height, plot_w, axis_w, price_w, header_rows, header_rows, avail)
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


def _visible(data: ChartData, start: int, stop: int, cpb: int, plot_w: int) -> _Bars:
    sl = slice(start, stop)
    o, h, lo, c = data.open[sl], data.high[sl], data.low[sl], data.close[sl]
    ok = np.isfinite(o) & np.isfinite(h) & np.isfinite(lo) & np.isfinite(c)
    n = stop - start
    body_w = 1 if cpb <= 2 else cpb - 1
    x0 = plot_w - n * cpb
    b = _Bars(start, stop, cpb, body_w, x0, o, h, lo, c, data.volume[sl], data.time[sl], ok,
              np.asarray(c >= o))  # fmt: skip
    b.centers = x0 + np.arange(n) * cpb + body_w // 2
    return b


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


def _write_header(canvas: Canvas, lay: _Layout, header: list[Part], legend: list[Part]) -> None:
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


# ---- price panel -------------------------------------------------------------------------------


def _y_range(b: _Bars, rows: int, tick: float) -> tuple[float, float]:
    lo = float(np.min(b.lo[b.ok]))
    hi = float(np.max(b.h[b.ok]))
    if not hi > lo:
        pad = max(abs(hi) * 0.005, 10 * tick, 1e-9)
        lo, hi = lo - pad, hi + pad
    half = (hi - lo) / max(1, 2 * rows - 1)  # half a half-row above and below
    return lo - half / 2, hi + half / 2


@dataclass(frozen=True, slots=True)
class _AxisLabel:
    """A label on the price axis: drawn at its price's row, or moved next to it when taken."""

    priority: int  # 3 last price, 2 level, 1 Fibonacci, 0 round price
    price: float
    parts: list[Part]
    tag: str = ""


def _axis_parts(glyph: str, tag: str, price: str, width: int, style: str) -> list[Part]:
    return [(glyph, style), (f"{tag:<2}{price:>{width}}", style)]


def _price_panel(
    canvas: Canvas,
    lay: _Layout,
    b: _Bars,
    data: ChartData,
    spec: ChartSpec,
    series: dict[Any, dict[str, np.ndarray]],
    dec: int,
    cursor: int | None,
    forming: bool,
) -> tuple[Levels | None, list[str], list[str], tuple[float, float]]:
    """Levels, Fibonacci, the cursor line, overlays and candles, in that order (each later
    layer over the earlier ones), and the price axis. Returns (levels found, level labels
    shown, Fibonacci labels, the y range)."""
    rows, pw = lay.price_rows, lay.plot_w
    tick = 10.0**-dec
    y_lo, y_hi = _y_range(b, rows, tick)
    chars = np.full((rows, pw), ord(" "), dtype="<u4")
    styles = np.zeros((rows, pw), dtype=np.uint16)
    sid = canvas.style
    labels: list[_AxisLabel] = []

    def row_of(price: float) -> int:
        return _row_of(price, y_lo, y_hi, rows)

    def hline(price: float, glyph: str, style: str) -> int:
        r = row_of(price)
        empty = chars[r] == ord(" ")
        chars[r, empty] = ord(glyph)
        styles[r, empty] = sid(style)
        return r

    found: Levels | None = None
    level_tags: list[str] = []
    if spec.levels:
        recent = data.tail(LEVEL_LOOKBACK)
        found = find_levels(recent.high, recent.low, recent.close, recent.volume)
        seen: set[float] = set()
        for lv in (found.nearest_support, found.nearest_resistance, *found.levels):
            if lv is None or lv.price in seen or not (y_lo <= lv.price <= y_hi):
                continue
            if len(level_tags) >= max(2, rows // 5):
                break
            seen.add(lv.price)
            colour, tag = (UP, "S") if lv.kind == "support" else (DOWN, "R")
            hline(lv.price, "╌", f"dim {colour}")
            price = fmt_price(lv.price, dec)
            level_tags.append(f"{tag} {price}")
            parts = _axis_parts("┤", tag, price, lay.price_w, colour)
            labels.append(_AxisLabel(2, lv.price, parts, f"{tag} {price}"))
    fib_tags: list[str] = []
    if spec.fibonacci:
        fib = ind.fibonacci_levels(float(np.max(b.h[b.ok])), float(np.min(b.lo[b.ok])))
        if lay.height < MIN_TWO_PANEL_HEIGHT:
            fib = {r: fib[r] for r in (0.382, 0.5, 0.618)}
        for ratio, value in fib.items():
            r = hline(value, "┈", f"dim {FIB}")
            pct = f"{ratio * 100:.1f}%"
            for k, ch in enumerate(pct[:pw]):  # the ratio at the line's left end, if free
                if chars[r, k] == ord("┈"):
                    chars[r, k] = ord(ch)
            price = fmt_price(value, dec)
            fib_tags.append(f"{pct} {price}")
            labels.append(_AxisLabel(1, value, _axis_parts("┤", "F", price, lay.price_w, FIB)))

    if cursor is not None and b.start <= cursor < b.stop:
        x = int(b.centers[cursor - b.start])
        empty = chars[:, x] == ord(" ")
        chars[empty, x] = ord("┊")
        styles[empty, x] = sid(AXIS)

    _overlays(chars, styles, sid, b, spec, series, y_lo, y_hi, rows, pw)
    _candles(chars, styles, sid, b, y_lo, y_hi, rows, pw, cursor, forming and b.stop == len(data))
    top = lay.price_top
    canvas.chars[top : top + rows, :pw] = chars
    canvas.styles[top : top + rows, :pw] = styles

    last = b.n - 1
    if b.ok[last]:
        close, colour = float(b.c[last]), UP if b.up[last] else DOWN
        parts = [("◀", f"bold {colour}"),
                 (f"  {fmt_price(close, dec):>{lay.price_w}}", f"bold reverse {colour}")]  # fmt: skip
        labels.append(_AxisLabel(3, close, parts, "last"))
    for value in price_ticks(y_lo, y_hi, rows, tick):
        parts = _axis_parts("┤", "", fmt_price(float(value), dec), lay.price_w, AXIS)
        labels.append(_AxisLabel(0, float(value), parts))
    placed = _place_axis_labels(canvas, lay.plot_w, top, rows, labels, row_of)
    return found, [t for t in level_tags if t in placed], fib_tags, (y_lo, y_hi)


def _row_of(price: float, y_lo: float, y_hi: float, rows: int) -> int:
    """The cell row (0 = top) of a price; the scalar twin of ``marks.half_index``."""
    k = math.floor((price - y_lo) / (y_hi - y_lo) * (2 * rows)) if math.isfinite(price) else 0
    return rows - 1 - min(max(k, 0), 2 * rows - 1) // 2


def _candles(
    chars: np.ndarray,
    styles: np.ndarray,
    sid: Callable[[str], int],
    b: _Bars,
    y_lo: float,
    y_hi: float,
    rows: int,
    pw: int,
    cursor: int | None,
    forming: bool,
) -> None:
    """Candles over whatever is drawn: the wick glyphs in a bar's centre column, body-only
    glyphs in the other columns of a wide (zoomed) body."""
    ok = b.ok
    idx = np.flatnonzero(ok)
    halves = candle_halves(b.o[ok], b.h[ok], b.lo[ok], b.c[ok], y_lo, y_hi, rows)
    glyphs = candle_glyphs(halves, b.up[ok])
    body_only = candle_glyphs(np.where(halves == BODY, BODY, 0), b.up[ok])
    colour_ids = np.where(b.up[ok], sid(UP), sid(DOWN)).astype(np.uint16)
    last = b.n - 1
    if forming and ok[last]:
        colour_ids[-1] = sid(f"bold {UP if b.up[last] else DOWN}")
    if cursor is not None and b.start <= cursor < b.stop and ok[cursor - b.start]:
        j = int(np.searchsorted(idx, cursor - b.start))
        colour_ids[j] = sid(f"bold {UP if b.up[cursor - b.start] else DOWN}")
    first_col = b.x0 + idx * b.cpb
    for k in range(b.body_w):
        xs = first_col + k
        inside = (xs >= 0) & (xs < pw)
        g = (glyphs if k == b.body_w // 2 else body_only)[:, inside]
        xs = xs[inside]
        drawn = g != ord(" ")
        chars[:, xs] = np.where(drawn, g, chars[:, xs])
        styles[:, xs] = np.where(drawn, colour_ids[inside][None, :], styles[:, xs])


def _place_axis_labels(
    canvas: Canvas,
    col0: int,
    top: int,
    rows: int,
    labels: list[_AxisLabel],
    row_of: Callable[[float], int],
) -> set[str]:
    """Write axis labels by priority. A special label (>0) whose row is taken moves to the
    nearest free row on its own side of the label there (a resistance above the last price
    stays above it); round prices keep a row's distance from everything. Returns the tags of
    the labels written."""
    for r in range(rows):
        canvas.text(top + r, col0, "│", AXIS)
    taken: dict[int, float] = {}  # row -> price of the label there
    placed: set[str] = set()
    for label in sorted(labels, key=lambda x: -x.priority):
        row = row_of(label.price)
        spot: int | None = row
        if label.priority > 0 and row in taken:
            order = (-1, -2, 1, 2) if label.price > taken[row] else (1, 2, -1, -2)
            spot = next((r for d in order if 0 <= (r := row + d) < rows and r not in taken), None)
        elif label.priority == 0 and any(r in taken for r in (row - 1, row, row + 1)):
            spot = None
        if spot is None:
            continue
        taken[spot] = label.price
        col = col0
        for text, style in label.parts:
            col = canvas.text(top + spot, col, text, style)
        placed.add(label.tag)
    return placed


def _overlays(
    chars: np.ndarray,
    styles: np.ndarray,
    sid: Callable[[str], int],
    b: _Bars,
    spec: ChartSpec,
    series: dict[Any, dict[str, np.ndarray]],
    y_lo: float,
    y_hi: float,
    rows: int,
    pw: int,
) -> None:
    subx = (np.arange(2 * pw) + 0.5) / 2.0  # braille sub-column centres, in columns
    centres = b.centers + 0.5
    drawn = chars != ord(" ")  # what the overlays must not overwrite (levels may be)
    claimed = np.zeros_like(drawn)
    for i, ov in enumerate(spec.overlays):
        colour = OVERLAY_COLORS[i % len(OVERLAY_COLORS)]
        for name, values in series[ov].items():
            ys = _at_subcolumns(values[b.start : b.stop], centres, subx)
            bits = braille_bits(ys, y_lo, y_hi, rows)
            style = colour if name == ov.label else f"dim {colour}"
            put = (bits != 0) & ~claimed & ~(drawn & ~_is_level(chars))
            chars[put] = 0x2800 + bits[put].astype("<u4")
            styles[put] = sid(style)
            claimed |= put


def _is_level(chars: np.ndarray) -> np.ndarray:
    return (chars == ord("╌")) | (chars == ord("┈")) | (chars == ord("┊"))


def _at_subcolumns(values: np.ndarray, centres: np.ndarray, subx: np.ndarray) -> np.ndarray:
    """A per-bar series sampled at each braille sub-column (linear between bar centres; NaN
    outside the bars and next to a missing value)."""
    if values.size == 0:
        return np.full(subx.size, np.nan)
    if values.size == 1:
        out = np.full(subx.size, np.nan)
        out[(subx >= centres[0] - 0.5) & (subx < centres[0] + 0.5)] = values[0]
        return out
    return np.interp(subx, centres, values, left=np.nan, right=np.nan)


# ---- volume and lower panels -------------------------------------------------------------------


def _separator(canvas: Canvas, lay: _Layout, row: int, parts: list[Part]) -> None:
    canvas.text(row, 0, "─" * lay.plot_w, AXIS)
    canvas.text(row, lay.plot_w, "┼" + "─" * (lay.axis_w - 1), AXIS)
    col = 1
    for text, style in parts:
        col = canvas.text(row, col, text, style, stop=lay.plot_w - 1)


def _bar_columns(b: _Bars, pw: int) -> tuple[np.ndarray, np.ndarray]:
    """(column, bar position) pairs of every body column inside the plot."""
    cols = (b.x0 + np.arange(b.n) * b.cpb)[:, None] + np.arange(b.body_w)[None, :]
    pos = np.repeat(np.arange(b.n), b.body_w).reshape(b.n, b.body_w)
    inside = (cols >= 0) & (cols < pw)
    return cols[inside], pos[inside]


def _cursor_column(canvas: Canvas, b: _Bars, cursor: int | None, top: int, rows: int) -> None:
    if cursor is None or not b.start <= cursor < b.stop:
        return
    x = int(b.centers[cursor - b.start])
    for r in range(top, top + rows):
        if canvas.chars[r, x] == ord(" "):
            canvas.text(r, x, "┊", AXIS)


def _volume_panel(canvas: Canvas, lay: _Layout, b: _Bars, cursor: int | None) -> None:
    rows, top = lay.volume_rows, lay.volume_top
    vol = np.where(b.ok, b.v, np.nan)
    peak = float(np.nanmax(vol, initial=0.0)) if np.isfinite(vol).any() else 0.0
    _separator(canvas, lay, top - 1, [(" volume ", AXIS)])
    cols, pos = _bar_columns(b, lay.plot_w)
    if peak > 0 and cols.size:
        bars = eighth_bars(vol, peak, rows)[:, pos]
        up = b.up[pos]
        canvas.chars[top : top + rows, cols] = bars
        ids = np.where(up, canvas.style(f"dim {UP}"), canvas.style(f"dim {DOWN}"))
        canvas.styles[top : top + rows, cols] = np.where(bars != ord(" "), ids[None, :], 0)
    _cursor_column(canvas, b, cursor, top, rows)
    for r in range(rows):
        canvas.text(top + r, lay.plot_w, "│", AXIS)
    canvas.text(top, lay.plot_w, f"┤  {fmt_volume(peak):>{lay.price_w}}", AXIS)


def _lower_panel(
    canvas: Canvas,
    lay: _Layout,
    b: _Bars,
    lower: LowerPanel,
    series: dict[str, np.ndarray],
    focus: int | None,
    cursor: int | None,
    dec: int,
) -> None:
    rows, top, pw = lay.lower_rows, lay.lower_top, lay.plot_w
    sl = slice(b.start, b.stop)
    subx = (np.arange(2 * pw) + 0.5) / 2.0
    centres = b.centers + 0.5

    def at(name: str) -> float:
        return float(series[name][focus]) if focus is not None else math.nan

    def line(values: np.ndarray, lo: float, hi: float, style: str) -> None:
        bits = braille_bits(_at_subcolumns(values[sl], centres, subx), lo, hi, rows)
        block = canvas.chars[top : top + rows, :pw]
        put = (bits != 0) & ((block == ord(" ")) | (block == ord("╌")))
        block[put] = 0x2800 + bits[put].astype("<u4")
        canvas.styles[top : top + rows, :pw][put] = canvas.style(style)

    def guide(value: float, lo: float, hi: float, style: str) -> int:
        r = _row_of(value, lo, hi, rows)
        canvas.text(top + r, 0, "╌" * pw, style)
        return r

    for r in range(rows):
        canvas.text(top + r, pw, "│", AXIS)
    if lower.kind == "rsi":
        value = at(lower.label)
        _separator(canvas, lay, top - 1, [(f" {lower.label} ", RSI),
                                           (_num(value, 1) + " ", RSI)])  # fmt: skip
        for level, colour in ((70.0, DOWN), (30.0, UP)):
            r = guide(level, 0.0, 100.0, f"dim {colour}")
            canvas.text(top + r, pw, f"┤  {level:>{lay.price_w}.0f}", AXIS)
        _cursor_column(canvas, b, cursor, top, rows)
        line(series[lower.label], 0.0, 100.0, RSI)
        return
    macd, sig, hist = (series[k] for k in ("macd", "signal", "hist"))
    _separator(canvas, lay, top - 1, [(" macd ", MACD), (_num(at("macd"), dec + 1) + " ", MACD),
                                       ("signal ", SIGNAL), (_num(at("signal"), dec + 1) + " ",
                                                             SIGNAL),
                                       ("hist ", AXIS), (_num(at("hist"), dec + 1) + " ", AXIS)])  # fmt: skip
    vis = np.concatenate([a[sl] for a in (macd, sig, hist)])
    vis = vis[np.isfinite(vis)]
    if vis.size == 0:
        return
    bound = float(np.max(np.abs(vis))) or 1.0
    lo, hi = -bound * 1.05, bound * 1.05
    zero = guide(0.0, lo, hi, AXIS)
    canvas.text(top + zero, pw, f"┤  {0:>{lay.price_w}}", AXIS)
    h = hist[sl]
    ok = np.isfinite(h)
    cols, pos = _bar_columns(b, pw)
    keep = ok[pos]
    cols, pos = cols[keep], pos[keep]
    if cols.size:
        hv = h[pos]
        k0 = np.full(hv.shape, half_index([0.0], lo, hi, rows)[0])
        kv = half_index(hv, lo, hi, rows)
        halves = span_halves(np.minimum(k0, kv), np.maximum(k0, kv), rows, BODY)
        glyphs = candle_glyphs(halves, np.zeros(hv.shape, dtype=bool))
        block = canvas.chars[top : top + rows]
        sblock = canvas.styles[top : top + rows]
        drawn = glyphs != ord(" ")
        sub = block[:, cols]
        block[:, cols] = np.where(drawn, glyphs, sub)
        ids = np.where(hv >= 0, canvas.style(f"dim {UP}"), canvas.style(f"dim {DOWN}"))
        sblock[:, cols] = np.where(drawn, ids[None, :], sblock[:, cols])
    _cursor_column(canvas, b, cursor, top, rows)
    line(macd, lo, hi, MACD)
    line(sig, lo, hi, SIGNAL)


def _num(value: float, decimals: int) -> str:
    return "—" if not math.isfinite(value) else f"{value:,.{decimals}f}"


# ---- time axis ---------------------------------------------------------------------------------


def _time_axis(
    canvas: Canvas, lay: _Layout, b: _Bars, timeframe: str, cursor: int | None, forming: bool
) -> None:
    row, pw = lay.axis_row, lay.plot_w
    if row < 0 or row >= lay.height:
        return
    used = np.zeros(lay.width + 2, dtype=bool)

    def place(x: int, text: str, style: str, gap: int = 2) -> bool:
        x = max(0, min(x, lay.width - len(text)))
        a, z = x, x + len(text)
        if used[max(0, a - gap) : z + gap].any():
            return False
        canvas.text(row, a, text, style)
        used[a:z] = True
        return True

    if cursor is not None and b.start <= cursor < b.stop:
        text = time_label(float(b.t[cursor - b.start]), timeframe).split(" ", 1)[1]
        place(int(b.centers[cursor - b.start]) - len(text) // 2, text, "reverse", gap=0)
    if forming:
        place(int(b.centers[-1]), "▲", "bold", gap=0)
    candidates = time_labels(b.t, timeframe)
    floor = 1 if timeframe == "1d" else 0
    order = sorted(
        (i for i, (p, _) in enumerate(candidates) if p >= floor),
        key=lambda i: (-candidates[i][0], -i),
    )
    for i in order:
        x = int(b.centers[i])
        if 0 <= x < pw:
            place(x, candidates[i][1], AXIS)



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
