"""The marks a chart is made of, as cells: candles, braille lines, volume bars, spans.

Vertical precision is half a cell for candles (each cell row is two *half rows*), a quarter
for lines (braille has four dot rows) and an eighth for volume (``▁▂▃▄▅▆▇█``).

A candle is first an exact *occupancy*: for every half row, empty, wick or body
(:func:`candle_halves`, what the unit tests check against the bar's OHLC). Glyphs then draw
the two halves of each cell:

- up candles (close >= open) are *hollow*: a heavy line for the body (``┃ ╹ ╻``), and the
  mixed glyphs ``╽`` (wick above, body below) and ``╿`` (body above, wick below), so every
  half row reads exactly;
- down candles are *filled*: blocks (``█ ▀ ▄``). A cell cannot hold half a block and half a
  line, so where a filled body ends in the middle of a cell the other half shows the body's
  edge block only: a wick shorter than half a row beyond a filled body is not drawn;
- wicks are light lines (``│ ╵ ╷``).

Up and down therefore differ by shape as well as colour, which is what keeps a monochrome or
colour-blind reading right.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "BODY",
    "EMPTY",
    "WICK",
    "braille_bits",
    "candle_glyphs",
    "candle_halves",
    "eighth_bars",
    "half_index",
    "span_halves",
]

EMPTY, WICK, BODY = 0, 1, 2
IntArray = npt.NDArray[np.int64]
CharArray = npt.NDArray[np.uint32]


def _table(glyphs: str) -> CharArray:
    return np.array([ord(g) for g in glyphs], dtype="<u4")


# indexed by upper * 3 + lower, each EMPTY / WICK / BODY
UP_GLYPHS = _table(" ╷╻╵│╽╹╿┃")
DOWN_GLYPHS = _table(" ╷▄╵│▄▀▀█")
EIGHTHS = _table(" ▁▂▃▄▅▆▇█")
# braille dot bits by [sub-column, dot row from the top]
BRAILLE_BITS = np.array([[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]], dtype=np.uint8)


def half_index(prices: npt.ArrayLike, y_lo: float, y_hi: float, rows: int) -> IntArray:
    """The half row (0 = bottom) each price falls in, clipped to the panel."""
    p = np.asarray(prices, dtype=float)
    k = np.floor((p - y_lo) / (y_hi - y_lo) * (2 * rows))
    return np.clip(np.nan_to_num(k, nan=-1.0), 0, 2 * rows - 1).astype(np.int64)


def span_halves(k_lo: IntArray, k_hi: IntArray, rows: int, code: int) -> IntArray:
    """Occupancy (2*rows, n): ``code`` on half rows k_lo..k_hi inclusive of each column."""
    hr = np.arange(2 * rows)[:, None]
    return np.where((hr >= k_lo[None, :]) & (hr <= k_hi[None, :]), code, EMPTY)


def candle_halves(
    o: npt.ArrayLike,
    h: npt.ArrayLike,
    lo: npt.ArrayLike,
    c: npt.ArrayLike,
    y_lo: float,
    y_hi: float,
    rows: int,
) -> IntArray:
    """Occupancy (2*rows, n) of each candle: BODY from open to close, WICK from low to high.

    A body is at least one half row (a doji is a one-half-row body); a wick reaching a half row
    occupies it. Bad bars (high below the body, low above it) are widened to cover the body.
    """
    o, h, lo, c = (np.asarray(a, dtype=float) for a in (o, h, lo, c))
    b0 = half_index(np.minimum(o, c), y_lo, y_hi, rows)
    b1 = half_index(np.maximum(o, c), y_lo, y_hi, rows)
    w0 = np.minimum(half_index(lo, y_lo, y_hi, rows), b0)
    w1 = np.maximum(half_index(h, y_lo, y_hi, rows), b1)
    body = span_halves(b0, b1, rows, BODY)
    return np.maximum(body, span_halves(w0, w1, rows, WICK))


def candle_glyphs(halves: IntArray, up: npt.NDArray[np.bool_]) -> CharArray:
    """Cells (rows, n), top row first, from an occupancy (2*rows, n) and each bar's direction."""
    rows = halves.shape[0] // 2
    flipped = halves[::-1]  # top half row first
    upper, lower = flipped[0::2], flipped[1::2]
    code = upper * 3 + lower
    return np.where(up[None, :], UP_GLYPHS[code], DOWN_GLYPHS[code]).reshape(rows, -1)


def eighth_bars(values: npt.ArrayLike, top: float, rows: int) -> CharArray:
    """Bars (rows, n) rising from the bottom, ``top`` filling all rows; >0 shows at least ▁."""
    v = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)
    eighths = np.round(v / top * rows * 8) if top > 0 else np.zeros_like(v)
    eighths = np.where(v > 0, np.maximum(eighths, 1), 0).astype(np.int64)
    level = (np.arange(rows)[::-1] * 8)[:, None]
    return EIGHTHS[np.clip(eighths[None, :] - level, 0, 8)]


def braille_bits(ys: npt.ArrayLike, y_lo: float, y_hi: float, rows: int) -> npt.NDArray[np.uint8]:
    """Dot bits (rows, columns) of a line through ``ys``, one value per braille sub-column
    (two per cell, NaN = no line). Each sub-column fills the dots from just past the previous
    one's to its own, so steep moves stay connected."""
    y = np.asarray(ys, dtype=float)
    n_sub = y.size
    cols = (n_sub + 1) // 2
    out = np.zeros((rows, cols), dtype=np.uint8)
    if n_sub == 0 or rows <= 0 or y_hi <= y_lo:
        return out
    top = 4 * rows - 1
    d = np.floor((y - y_lo) / (y_hi - y_lo) * (4 * rows))
    prev = np.concatenate(([np.nan], d[:-1]))
    ok = np.isfinite(d)
    joined = ok & np.isfinite(prev) & (np.abs(d - prev) > 1)
    start = np.where(joined, prev + np.sign(d - prev), d)
    lo, hi = np.minimum(start, d), np.maximum(start, d)
    keep = ok & (hi >= 0) & (lo <= top)
    if not keep.any():
        return out
    lo = np.clip(lo[keep], 0, top).astype(np.int64)
    hi = np.clip(hi[keep], 0, top).astype(np.int64)
    sub = np.flatnonzero(keep)
    counts = hi - lo + 1
    firsts = np.cumsum(counts) - counts
    dots = np.repeat(lo, counts) + (np.arange(counts.sum()) - np.repeat(firsts, counts))
    subs = np.repeat(sub, counts)
    row = rows - 1 - dots // 4
    bits = BRAILLE_BITS[subs % 2, 3 - dots % 4]
    # each (cell, dot) occurs once (a sub-column's dots are distinct), so OR is a sum
    flat = np.bincount(row * cols + subs // 2, weights=bits, minlength=rows * cols)
    return flat.astype(np.uint8).reshape(rows, cols)
