"""The price panel: levels, Fibonacci, the cursor line, overlays and candles, layered so that
nothing hides a candle, and the price axis with its labels."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ttai_tui.analysis import indicators as ind
from ttai_tui.analysis.levels import Levels, find_levels
from ttai_tui.chart.axes import fmt_price, price_ticks
from ttai_tui.chart.canvas import Canvas
from ttai_tui.chart.data import ChartData
from ttai_tui.chart.layout import (
    AXIS,
    DOWN,
    FIB,
    LEVEL_LOOKBACK,
    MIN_TWO_PANEL_HEIGHT,
    OVERLAY_COLORS,
    UP,
    Bars,
    Layout,
    Part,
)
from ttai_tui.chart.marks import BODY, braille_bits, candle_glyphs, candle_halves
from ttai_tui.chart.spec import ChartSpec


def _y_range(b: Bars, rows: int, tick: float) -> tuple[float, float]:
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


def price_panel(
    canvas: Canvas,
    lay: Layout,
    b: Bars,
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
        return cell_row(price, y_lo, y_hi, rows)

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


def cell_row(price: float, y_lo: float, y_hi: float, rows: int) -> int:
    """The cell row (0 = top) of a price; the scalar twin of ``marks.half_index``."""
    k = math.floor((price - y_lo) / (y_hi - y_lo) * (2 * rows)) if math.isfinite(price) else 0
    return rows - 1 - min(max(k, 0), 2 * rows - 1) // 2


def _candles(
    chars: np.ndarray,
    styles: np.ndarray,
    sid: Callable[[str], int],
    b: Bars,
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
    b: Bars,
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
            ys = at_subcolumns(values[b.start : b.stop], centres, subx)
            bits = braille_bits(ys, y_lo, y_hi, rows)
            style = colour if name == ov.label else f"dim {colour}"
            put = (bits != 0) & ~claimed & ~(drawn & ~_is_level(chars))
            chars[put] = 0x2800 + bits[put].astype("<u4")
            styles[put] = sid(style)
            claimed |= put


def _is_level(chars: np.ndarray) -> np.ndarray:
    return (chars == ord("╌")) | (chars == ord("┈")) | (chars == ord("┊"))


def at_subcolumns(values: np.ndarray, centres: np.ndarray, subx: np.ndarray) -> np.ndarray:
    """A per-bar series sampled at each braille sub-column (linear between bar centres; NaN
    outside the bars and next to a missing value)."""
    if values.size == 0:
        return np.full(subx.size, np.nan)
    if values.size == 1:
        out = np.full(subx.size, np.nan)
        out[(subx >= centres[0] - 0.5) & (subx < centres[0] + 0.5)] = values[0]
        return out
    return np.interp(subx, centres, values, left=np.nan, right=np.nan)


