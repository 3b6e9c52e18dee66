"""The volume panel, the RSI / MACD panel and the time axis."""

from __future__ import annotations

import math

import numpy as np

from ttai_tui.chart.axes import fmt_volume, time_label, time_labels
from ttai_tui.chart.canvas import Canvas
from ttai_tui.chart.layout import AXIS, DOWN, MACD, RSI, SIGNAL, UP, Bars, Layout, Part
from ttai_tui.chart.marks import (
    BODY,
    braille_bits,
    candle_glyphs,
    eighth_bars,
    half_index,
    span_halves,
)
from ttai_tui.chart.price_panel import at_subcolumns, cell_row
from ttai_tui.chart.spec import LowerPanel


def _separator(canvas: Canvas, lay: Layout, row: int, parts: list[Part]) -> None:
    canvas.text(row, 0, "─" * lay.plot_w, AXIS)
    canvas.text(row, lay.plot_w, "┼" + "─" * (lay.axis_w - 1), AXIS)
    col = 1
    for text, style in parts:
        col = canvas.text(row, col, text, style, stop=lay.plot_w - 1)


def _bar_columns(b: Bars, pw: int) -> tuple[np.ndarray, np.ndarray]:
    """(column, bar position) pairs of every body column inside the plot."""
    cols = (b.x0 + np.arange(b.n) * b.cpb)[:, None] + np.arange(b.body_w)[None, :]
    pos = np.repeat(np.arange(b.n), b.body_w).reshape(b.n, b.body_w)
    inside = (cols >= 0) & (cols < pw)
    return cols[inside], pos[inside]


def _cursor_column(canvas: Canvas, b: Bars, cursor: int | None, top: int, rows: int) -> None:
    if cursor is None or not b.start <= cursor < b.stop:
        return
    x = int(b.centers[cursor - b.start])
    for r in range(top, top + rows):
        if canvas.chars[r, x] == ord(" "):
            canvas.text(r, x, "┊", AXIS)


def volume_panel(canvas: Canvas, lay: Layout, b: Bars, cursor: int | None) -> None:
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


def lower_panel(
    canvas: Canvas,
    lay: Layout,
    b: Bars,
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
        bits = braille_bits(at_subcolumns(values[sl], centres, subx), lo, hi, rows)
        block = canvas.chars[top : top + rows, :pw]
        put = (bits != 0) & ((block == ord(" ")) | (block == ord("╌")))
        block[put] = 0x2800 + bits[put].astype("<u4")
        canvas.styles[top : top + rows, :pw][put] = canvas.style(style)

    def guide(value: float, lo: float, hi: float, style: str) -> int:
        r = cell_row(value, lo, hi, rows)
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


def time_axis(
    canvas: Canvas, lay: Layout, b: Bars, timeframe: str, cursor: int | None, forming: bool
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



