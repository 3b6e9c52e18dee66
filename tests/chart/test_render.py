"""The text chart: spec parsing, data adaptation, layout at small and large sizes."""

from __future__ import annotations

import re
import sys

import numpy as np
import pytest

from tests.chart.synthetic import candles
from ttai_tui.analysis import indicators as ind
from ttai_tui.chart import (
    ChartData,
    ChartSpec,
    Viewport,
    parse_indicators,
    render,
    render_text,
)
from ttai_tui.chart.axes import fmt_price, fmt_volume
from ttai_tui.chart.render import MIN_TWO_PANEL_HEIGHT, MIN_VOLUME_HEIGHT
from ttai_tui.chart.spec import LowerPanel, Overlay, parse_indicator

ANSI = re.compile(r"\x1b\[[0-9;]*m")

# --- spec parsing ------------------------------------------------------------------------------


def test_parse_overlays_and_lower() -> None:
    overlays, lower = parse_indicators("sma20, EMA50,hma21,wma10,bb20,bb20:2.5,vwap,rsi14,sma20")
    assert [o.label for o in overlays] == [
        "sma20", "ema50", "hma21", "wma10", "bb20", "bb20:2.5", "vwap",
    ]  # fmt: skip
    assert lower == LowerPanel("rsi", 14)
    assert parse_indicator("rsi") == LowerPanel("rsi", 14)
    assert parse_indicator("macd") == LowerPanel("macd")
    assert parse_indicator("macd5-35-5") == LowerPanel("macd", macd=(5, 35, 5))
    assert parse_indicator("none") == LowerPanel("none")
    assert parse_indicators(["sma20", "macd"]) == ((Overlay("sma", 20),), LowerPanel("macd"))
    assert parse_indicators("") == ((), None)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("sma0", "period must be >= 1"),
        ("hma1", "period must be >= 2"),
        ("foo20", "unknown indicator 'foo20'"),
        ("sma", "needs a period"),
        ("bb20:0", "k must be > 0"),
        ("rsi0", "period must be >= 1"),
        ("macd26-12-9", "fast period must be shorter"),
        ("macd12-26", "bad indicator"),
        ("", "empty indicator"),
        ("sma-5", "unknown indicator"),
    ],
)
def test_bad_specs_say_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_indicator(spec)


def test_two_lower_panels_is_an_error() -> None:
    with pytest.raises(ValueError, match="only one lower panel"):
        parse_indicators("rsi14,macd")


def test_chart_spec_build_prefers_the_indicator_list_lower_panel() -> None:
    spec = ChartSpec.build(["sma20", "macd"], lower="rsi", levels=True)
    assert spec.lower.kind == "macd" and spec.levels
    assert ChartSpec.build(["sma20"], lower="rsi").lower == LowerPanel("rsi", 14)
    assert ChartSpec.build(["sma20"]).lower.kind == "none"
    with pytest.raises(ValueError, match="unknown lower panel"):
        ChartSpec.build([], lower="stoch")


# --- data ------------------------------------------------------------------------------------


def test_chart_data_adapts_arrays_dict_and_bar_objects() -> None:
    d = candles(50)
    arrays = {f: getattr(d, f) for f in ("time", "open", "high", "low", "close", "volume")}
    assert np.array_equal(ChartData.from_any(arrays).close, d.close)

    class Bar:
        def __init__(self, t: float, c: float) -> None:
            self.time, self.open, self.high, self.low, self.close = t, c, c + 1, c - 1, c
            self.volume = None

    bars = ChartData.from_any([Bar(1.0, 10.0), Bar(2.0, 11.0)])
    assert bars.close.tolist() == [10.0, 11.0] and np.isnan(bars.volume).all()

    class Series:
        def arrays(self) -> dict:
            return arrays

    assert len(ChartData.from_any(Series())) == 50
    with pytest.raises(ValueError, match="differ in length"):
        ChartData(d.time, d.open, d.high, d.low, d.close[:-1], d.volume)
    with pytest.raises(ValueError, match="lacks fields"):
        ChartData.from_any({"close": [1.0]})


def test_with_bar_replaces_the_forming_bar_or_appends() -> None:
    d = candles(10)
    t = float(d.time[-1])
    replaced = d.with_bar(t, 1.0, 2.0, 0.5, 1.5, 7.0)
    assert len(replaced) == 10 and replaced.close[-1] == 1.5 and d.close[-1] != 1.5
    appended = d.with_bar(t + 300, 1.0, 2.0, 0.5, 1.5)
    assert len(appended) == 11 and appended.close[-1] == 1.5
    with pytest.raises(ValueError, match="older"):
        d.with_bar(t - 600, 1.0, 2.0, 0.5, 1.5)


# --- rendering -------------------------------------------------------------------------------

FULL = ["sma20", "ema50", "bb20", "rsi14"]
HOLLOW = set("┃╹╻╽╿")
FILLED = set("█▀▄")


def lines_of(text: str) -> list[str]:
    return text.rstrip("\n").split("\n")


def plain(frame) -> list[str]:
    return ["".join(t for t, _ in line) for line in frame.lines]


def spec_of(indicators=FULL, **kw) -> ChartSpec:
    kw.setdefault("symbol", "SPY")
    kw.setdefault("timeframe", "5m")
    return ChartSpec.build(indicators, **kw)


@pytest.mark.parametrize(("width", "height"), [(80, 24), (120, 40), (160, 48), (40, 12)])
def test_every_line_fits_the_size(width: int, height: int) -> None:
    frame = render(candles(600), spec_of(levels=True, fibonacci=True), width, height)
    assert len(frame.lines) == height
    for line in frame.lines:
        assert sum(len(t) for t, _ in line) == width


def test_large_chart_has_price_volume_and_rsi_panels() -> None:
    d = candles(600)
    frame = render(d, spec_of(levels=True), 160, 48)
    info = frame.info
    assert info.panels == 3 and info.volume and info.lower == "rsi14"
    assert info.bars == info.capacity == info.plot_width  # one candle per column
    text = plain(frame)
    assert text[0].startswith("SPY 5m")
    assert any(line.startswith("─ volume") for line in text)
    assert any(line.startswith("─ rsi14") for line in text)
    assert info.levels and all(re.fullmatch(r"[SR] [\d,]+\.\d\d", t) for t in info.levels)
    for label in info.levels:  # each level's price at the right edge, with its letter
        assert any(line.rstrip().endswith(label.replace(" ", " " * (1 + info.decimals))) or
                   re.search(label[0] + r" +" + re.escape(label[2:]) + "$", line.rstrip())
                   for line in text)  # fmt: skip


def test_legend_shows_each_overlay_value_at_the_last_bar() -> None:
    d = candles(600)
    frame = render(d, spec_of(), 160, 48)
    head = "\n".join(plain(frame)[:2])
    assert f"sma20 {fmt_price(ind.sma(d.close, 20)[-1], 2)}" in head
    assert f"ema50 {fmt_price(ind.ema(d.close, 50)[-1], 2)}" in head
    up, mid, _ = ind.bollinger(d.close, 20)
    assert f"bb20 {fmt_price(mid[-1], 2)} ±{up[-1] - mid[-1]:.2f}" in head
    rsi = ind.rsi(d.close, 14)[-1]
    assert any(line.startswith(f"─ rsi14 {rsi:.1f}") for line in plain(frame))


def test_last_price_is_marked_on_the_axis() -> None:
    d = candles(300)
    frame = render(d, spec_of([]), 100, 30)
    marked = [line for line in plain(frame) if "◀" in line]
    assert len(marked) == 1 and marked[0].rstrip().endswith(fmt_price(d.close[-1], 2))
    axis = next(line for line in frame.lines if any("◀" in t for t, _ in line))
    style = next(s for t, s in axis if fmt_price(d.close[-1], 2) in t)
    assert "reverse" in style


def test_overlays_levels_and_cursor_never_hide_a_candle() -> None:
    d = candles(400)
    # sma1000 has no value on 400 bars: a legend line (the same layout) and nothing drawn
    bare = render(d, spec_of(["sma1000"], lower="none"), 90, 40)
    busy_spec = spec_of(["sma20", "ema50", "bb20", "vwap"], levels=True, fibonacci=True)
    busy = render(d, busy_spec, 90, 40, view=Viewport(cursor=len(d) - 30, right=len(d) - 1))
    assert bare.info.y_range == busy.info.y_range and bare.info.price_top == busy.info.price_top
    top, rows, w = bare.info.price_top, bare.info.price_rows, bare.info.plot_width
    candle_cells = 0
    for a, b in zip(plain(bare)[top : top + rows], plain(busy)[top : top + rows], strict=True):
        for x in range(w):
            if a[x] != " ":
                assert b[x] == a[x]  # the same candle glyph, whatever else is drawn
                candle_cells += 1
    assert candle_cells > 300
    # and the overlays are drawn in the cells the candles leave free
    assert sum(ch >= "\u2800" and ch <= "\u28ff" for line in plain(busy) for ch in line) > 200


def test_up_and_down_differ_by_shape_in_monochrome() -> None:
    n = 40
    up = np.arange(n) % 2 == 0
    o = np.full(n, 100.0)
    c = np.where(up, 101.0, 99.0)
    d = ChartData(1.7e9 + 300 * np.arange(n), o, np.maximum(o, c) + 0.5, np.minimum(o, c) - 0.5,
                  c, np.full(n, 100.0))  # fmt: skip
    frame = render(d, spec_of([], lower="none", volume=False), 60, 20)
    text = plain(frame)
    info = frame.info
    first = info.plot_width - info.bars
    for i in range(info.bars):
        column = {line[first + i] for line in text[info.price_top : info.price_top + info.price_rows]}
        bar = info.start + i
        if up[bar]:
            assert column & HOLLOW and not column & FILLED
        else:
            assert column & FILLED and not column & HOLLOW


def test_small_sizes_drop_the_lower_panel_then_the_volume() -> None:
    d = candles(300)
    spec = spec_of(levels=True, fibonacci=True)
    info = render(d, spec, 80, 24).info
    assert info.lower == "none" and info.volume and info.panels == 2
    assert len(info.fibonacci) == 3 and len(info.levels) <= 3
    assert render(d, spec, 120, MIN_TWO_PANEL_HEIGHT).info.lower == "rsi14"
    small = render(d, spec, 80, MIN_VOLUME_HEIGHT - 1).info
    assert small.panels == 1 and not small.volume
    assert not render(d, spec.with_(volume=False), 120, 40).info.volume


def test_indicators_use_history_beyond_the_visible_bars() -> None:
    d = candles(600)
    frame = render(d, spec_of(["sma200"]), 100, 30)
    assert frame.info.bars == frame.info.plot_width < 100
    assert f"sma200 {fmt_price(ind.sma(d.close, 200)[-1], 2)}" in plain(frame)[0] + plain(frame)[1]


def test_levels_and_fibonacci_labels() -> None:
    d = candles(600)
    spec = ChartSpec.build([], levels=True, fibonacci=True)
    frame = render(d, spec, 160, 48)
    info = frame.info
    assert info.found_levels is not None and info.found_levels.levels
    assert [t.split("%")[0] for t in info.fibonacci] == [
        "0.0", "23.6", "38.2", "50.0", "61.8", "78.6", "100.0",
    ]  # fmt: skip
    text = "\n".join(plain(frame))
    for label in info.fibonacci:
        assert re.search(r"F +" + re.escape(label.split(" ")[1]), text)
    nearest = info.found_levels.nearest_support
    assert nearest is None or nearest.price < d.close[-1]


def test_macd_lower_panel() -> None:
    d = candles(300)
    frame = render(d, spec_of(["macd"]), 120, 40)
    line, sig, _ = ind.macd(d.close)
    sep = next(s for s in plain(frame) if s.startswith("─ macd"))
    assert f"macd {line[-1]:.3f}" in sep and f"signal {sig[-1]:.3f}" in sep
    assert frame.info.lower == "macd"


def test_cursor_readout_in_the_header() -> None:
    d = candles(300)
    i = 250
    frame = render(d, spec_of(["sma20"]), 120, 40, view=Viewport(cursor=i, right=299))
    head = plain(frame)[0] + plain(frame)[1]
    for name, arr in (("O", d.open), ("H", d.high), ("L", d.low), ("C", d.close)):
        assert f"{name} {fmt_price(arr[i], 2)}" in head
    assert f"V {fmt_volume(d.volume[i])}" in head
    assert "Sat 11-22 06:20" in head  # bar 250 of the synthetic 5-minute series
    assert f"sma20 {fmt_price(ind.sma(d.close, 20)[i], 2)}" in head
    assert frame.info.cursor == i
    # the cursor's time is shown, reversed, on the time axis
    assert any("11-22 06:20" in t and "reverse" in s for t, s in frame.lines[-1])


def test_forming_bar_is_marked_from_the_clock() -> None:
    d = candles(100)
    t = float(d.time[-1])
    live = render(d, spec_of([]), 100, 30, now=t + 120)
    assert live.info.forming and "▲forming" in live.info.header
    assert "▲" in plain(live)[-1]
    closed = render(d, spec_of([]), 100, 30, now=t + 300)
    assert not closed.info.forming and "▲" not in "".join(plain(closed))


@pytest.mark.parametrize(
    ("price", "tick", "label"),
    [(600.0, None, "600.00"), (4512.0, 0.25, "4,512.25"), (0.4321, None, "0.4322"),
     (0.00001234, 1e-8, "0.00001235"), (97_000.0, 0.01, "97,000.01")],
)  # fmt: skip
def test_price_decimals_follow_the_instrument_tick(price: float, tick, label: str) -> None:
    step = tick or (0.0001 if price < 1 else 0.01)
    n = 60
    close = price + step * (np.arange(n) % 3)
    d = ChartData(1.7e9 + 60 * np.arange(n), close, close + step, close - step, close,
                  np.full(n, 10.0))  # fmt: skip
    frame = render(d, spec_of([], lower="none"), 100, 30, tick=tick)
    text = "\n".join(plain(frame))
    assert label in text  # at least one price shows with exactly the tick's decimals
    decimals = len(label.split(".")[1])
    assert frame.info.decimals == decimals
    for number in re.findall(r"[OHLC] ([\d,]+\.\d+)", plain(frame)[0]):
        assert len(number.split(".")[1]) == decimals


def test_daily_time_axis_names_months() -> None:
    n = 120
    d = candles(n, step=86_400.0)
    text = plain(render(d, spec_of([], timeframe="1d"), 120, 30))
    assert re.search(r"\b(Dec|Jan|Feb|Mar) \d", text[-1])


def test_monochrome_output_is_the_colour_output_without_escapes() -> None:
    d = candles(300)
    spec = spec_of(levels=True)
    colour = render_text(d, spec, 120, 40, color=True)
    mono = render_text(d, spec, 120, 40, color=False)
    assert "\x1b[" in colour and "\x1b[" not in mono
    assert [line.rstrip() for line in ANSI.sub("", colour).split("\n")] == mono.split("\n")
    assert "◀" in mono and "▲" not in mono  # shapes, not colours, carry the marks


def test_no_color_env_and_terminal_detection(monkeypatch: pytest.MonkeyPatch) -> None:
    d = candles(100)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert "\x1b[" in render_text(d, width=80, height=24)
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in render_text(d, width=80, height=24)
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False)
    assert "\x1b[" not in render_text(d, width=80, height=24)


def test_empty_and_gappy_data_still_render() -> None:
    text = render_text(ChartData.empty(), width=80, height=24, color=False, symbol="SPY")
    assert "no candles yet" in text and "SPY" in text
    d = candles(200)
    close = d.close.copy()
    close[150:155] = np.nan
    gappy = ChartData(d.time, d.open, d.high, d.low, close, d.volume)
    text = render_text(gappy, width=100, height=30, color=False, indicators=FULL, levels=True)
    assert "sma20" in text
    one = ChartData.from_any(
        {f: getattr(d, f)[:1] for f in ("time", "open", "high", "low", "close")}
    )
    text = render_text(one, width=60, height=20, color=False, indicators=FULL, levels=True)
    assert "◀" in text and f"C {fmt_price(d.close[0], 2)}" in text


def test_flat_series_renders() -> None:
    n = 50
    flat = ChartData(np.arange(n) * 60.0, *(np.full(n, 10.0) for _ in range(4)), np.ones(n))
    text = render_text(flat, width=80, height=24, color=False, indicators=["bb20"], levels=True)
    assert "10.00" in text


def test_bad_spec_raises_value_error_from_render_text() -> None:
    with pytest.raises(ValueError, match="foo20"):
        render_text(candles(10), indicators=["foo20"])


def test_headless_style_call_with_arrays_dict() -> None:
    """The headless command passes CandleSeries.arrays() and keyword strings."""
    d = candles(120)
    arrays = {f: getattr(d, f) for f in ("time", "open", "high", "low", "close", "volume")}
    text = render_text(
        arrays, symbol="SPY", timeframe="1d", indicators=["sma20", "bb20", "rsi14"],
        levels=True, width=100, height=32, color=False,
    )  # fmt: skip
    assert text.startswith("SPY 1d") and "rsi14" in text


def test_render_text_widens_candles_for_a_short_history() -> None:
    text = render_text(candles(20), width=100, height=24, color=False, indicators=[])
    rows = lines_of(text)[1:19]
    used = sorted({x for line in rows for x, ch in enumerate(line[:88]) if ch in "┃█╽╿▀▄╹╻"})
    assert used and used[0] < 30  # spread over the width, not packed into the last 20 columns
    assert used[-1] - used[0] > 60
