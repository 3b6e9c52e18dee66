"""Candles drawn cell by cell: each body and wick half-cell matches the bar's OHLC.

The oracle is independent of the renderer's arithmetic: a half row k of a panel spanning
[y_lo, y_hi] in ``rows`` rows covers prices [y_lo + k*h, y_lo + (k+1)*h) with h the half-row
height; a bar's wick occupies the half rows that interval [low, high] touches, its body those
[min(open, close), max(open, close)] touches. Glyphs are decoded back into (upper, lower)
halves with the table documented in ``ttai_tui.chart.marks``.
"""

from __future__ import annotations

import numpy as np
import pytest

from ttai_tui.chart import ChartData, ChartSpec, Viewport, render
from ttai_tui.chart.marks import braille_bits, candle_glyphs, candle_halves, eighth_bars

E, W, B = 0, 1, 2
# glyph -> (upper half, lower half), per family
HOLLOW = {" ": (E, E), "╷": (E, W), "╻": (E, B), "╵": (W, E), "│": (W, W), "╽": (W, B),
          "╹": (B, E), "╿": (B, W), "┃": (B, B)}  # fmt: skip
FILLED = {" ": (E, E), "╷": (E, W), "▄": (E, B), "╵": (W, E), "│": (W, W), "▀": (B, E),
          "█": (B, B)}  # fmt: skip


def oracle(o: float, h: float, lo: float, c: float, y_lo: float, y_hi: float, rows: int) -> list:
    """Occupancy per half row, bottom first, from the definition in the module docstring."""
    step = (y_hi - y_lo) / (2 * rows)

    def touches(p: float, q: float, a: float, z: float) -> bool:
        return max(p, a) < min(q, z) or a <= p < z or a <= q < z

    out = []
    for k in range(2 * rows):
        a, z = y_lo + k * step, y_lo + (k + 1) * step
        if touches(min(o, c), max(o, c), a, z):
            out.append(B)
        elif touches(lo, h, a, z):
            out.append(W)
        else:
            out.append(E)
    return out


def decode(column: list[str], up: bool) -> list[int]:
    """Cells of one candle column (top row first) back to half rows (bottom first)."""
    table = HOLLOW if up else FILLED
    halves: list[int] = []
    for ch in reversed(column):
        upper, lower = table[ch]
        halves += [lower, upper]
    return halves


# (open, high, low, close) on a 0..10 panel of 5 rows: each half row is exactly 1.0
BARS = {
    "up": (2.0, 4.5, 1.5, 3.5),
    "down": (3.5, 4.5, 1.5, 2.0),
    "doji": (2.5, 4.2, 1.2, 2.5),
    "no wicks": (1.0, 6.0, 1.0, 6.0),
    "body ends mid-cell": (2.5, 7.5, 0.5, 5.0),
    "whole panel": (0.0, 9.99, 0.0, 9.99),
    "top": (9.2, 9.9, 9.1, 9.5),
    "body from mid-cell": (3.0, 6.0, 1.0, 5.0),
}


@pytest.mark.parametrize("name", list(BARS))
def test_occupancy_matches_ohlc(name: str) -> None:
    o, h, lo, c = BARS[name]
    halves = candle_halves([o], [h], [lo], [c], 0.0, 10.0, 5)[:, 0].tolist()
    assert halves == oracle(o, h, lo, c, 0.0, 10.0, 5)


def test_glyphs_by_hand() -> None:
    """Every glyph written out for three bars (top row first)."""
    o, h, lo, c = zip(BARS["up"], BARS["down"], BARS["doji"], strict=True)
    halves = candle_halves(o, h, lo, c, 0.0, 10.0, 5)
    up = np.array(c) >= np.array(o)
    cells = candle_glyphs(halves, up)
    cols = ["".join(chr(x) for x in cells[:, j]) for j in range(3)]
    # up: wick 1..4, body 2..3 -> rows (top first) "  ", "  ", (E,W), (B,B), (W,E)
    assert cols[0] == "  ╷┃╵"
    # down: the same halves drawn filled
    assert cols[1] == "  ╷█╵"
    # doji: one body half row (2) inside a wick 1..4; up-coloured (close >= open), hollow
    assert cols[2] == "  ╷╽╵"


@pytest.mark.parametrize("name", list(BARS))
@pytest.mark.parametrize("direction", ["as given", "flipped"])
def test_glyphs_decode_to_the_occupancy(name: str, direction: str) -> None:
    o, h, lo, c = BARS[name]
    if direction == "flipped":
        o, c = c, o
    halves = candle_halves([o], [h], [lo], [c], 0.0, 10.0, 5)
    up = c >= o
    column = [chr(x) for x in candle_glyphs(halves, np.array([up]))[:, 0]]
    expected = oracle(o, h, lo, c, 0.0, 10.0, 5)
    got = decode(column, up)
    if up:
        assert got == expected  # hollow glyphs carry every half row
    else:
        # a filled body's end cell cannot show a wick in its other half (documented limit):
        # that half row alone is left out, beside a body half
        lost = [i for i, (g, e) in enumerate(zip(got, expected, strict=True)) if g != e]
        for i in lost:
            assert expected[i] == W and got[i] == E and expected[i ^ 1] == B
        if name == "body from mid-cell":
            assert lost == [2]


def _frame(bars: list[tuple[float, float, float, float]], height: int = 24, **kw):
    n = len(bars)
    o, h, lo, c = (np.array(x, dtype=float) for x in zip(*bars, strict=True))
    data = ChartData(1_781_700_000 + 300.0 * np.arange(n), o, h, lo, c, np.full(n, 1000.0))
    spec = ChartSpec.build([], symbol="T", timeframe="5m", volume=False)
    return data, render(data, spec, 60, height, **kw)


def _column(frame, x: int) -> list[str]:
    info = frame.info
    rows = frame.lines[info.price_top : info.price_top + info.price_rows]
    return ["".join(t for t, _ in line)[x] for line in rows]


def _check_rendered(data: ChartData, frame) -> None:
    info = frame.info
    y_lo, y_hi = info.y_range
    first = info.plot_width - (info.stop - info.start)
    for i in range(info.start, info.stop):
        o, h, lo, c = (float(a[i]) for a in (data.open, data.high, data.low, data.close))
        if np.isnan([o, h, lo, c]).any():
            assert set(_column(frame, first + i - info.start)) <= {" "}
            continue
        up = c >= o
        got = decode(_column(frame, first + i - info.start), up)
        expected = oracle(o, h, lo, c, y_lo, y_hi, info.price_rows)
        for k, (g, e) in enumerate(zip(got, expected, strict=True)):
            if g != e:  # only the filled-body limit above may differ
                assert not up and e == W and g == E and expected[k ^ 1] == B, (i, k)


def test_rendered_candles_match_their_ohlc_with_gaps_and_a_missing_bar() -> None:
    bars = [
        (100.0, 101.0, 99.5, 100.8),
        (100.8, 101.2, 100.1, 100.2),
        (103.0, 103.6, 102.9, 103.4),  # gap up
        (float("nan"),) * 4,  # a missing bar stays blank
        (99.0, 99.4, 98.0, 98.2),  # gap down
        (98.2, 98.9, 98.1, 98.2),  # doji
    ]
    data, frame = _frame(bars)
    assert frame.info.bars == 6
    _check_rendered(data, frame)


def test_a_single_huge_bar_takes_the_height_and_the_others_still_show() -> None:
    bars = [(100.0 + 0.1 * (i % 3), 100.4, 99.8, 100.1 + 0.1 * (i % 2)) for i in range(20)]
    bars[10] = (100.0, 150.0, 60.0, 140.0)
    data, frame = _frame(bars)
    _check_rendered(data, frame)
    info = frame.info
    first = info.plot_width - info.bars
    huge = _column(frame, first + 10)
    assert all(ch != " " for ch in huge)  # low to high spans the whole panel
    for i in (0, 5, 19):
        drawn = [ch for ch in _column(frame, first + i) if ch != " "]
        assert 1 <= len(drawn) <= 2  # compressed, but drawn


def test_zoomed_bodies_are_wider_and_still_match() -> None:
    bars = [(100.0, 101.0, 99.0, 100.5), (100.5, 100.9, 99.6, 99.8)]
    view = Viewport(zoom=2)  # 4 columns per bar: 3-wide bodies
    _, frame = _frame(bars, view=view)
    info = frame.info
    assert info.cols_per_bar == 4
    first = info.plot_width - 2 * 4
    centre = _column(frame, first + 1)
    side = _column(frame, first)
    assert decode(centre, True) == oracle(100.0, 101.0, 99.0, 100.5, *info.y_range, info.price_rows)
    # side columns carry the body only
    assert {ch for ch in side} <= {" ", "┃", "╹", "╻"} and "┃" in side
    assert set(_column(frame, first + 3)) == {" "}  # the gap between bars


def test_eighth_bars_and_braille() -> None:
    cells = eighth_bars([0.0, 50.0, 100.0, 1.0, float("nan")], 100.0, 2)
    cols = ["".join(chr(x) for x in cells[:, j]) for j in range(5)]
    assert cols == ["  ", " █", "██", " ▁", "  "]
    # a flat line at 0.6 of a 1-row panel: the third dot row from the bottom, both sub-columns
    bits = braille_bits([0.6, 0.6], 0.0, 1.0, 1)
    assert bits.tolist() == [[0x02 | 0x10]]
    # a step from the bottom to the top: the first cell has the bottom dots, the second fills
    # the rise in its left sub-column (dot rows 3, 2, 1 from the bottom) then the top
    bits = braille_bits([0.0, 0.0, 0.99, 0.99], 0.0, 1.0, 1)
    assert bits.tolist() == [[0x40 | 0x80, 0x04 | 0x02 | 0x01 | 0x08]]
    assert braille_bits([np.nan, np.nan], 0.0, 1.0, 1).tolist() == [[0]]
