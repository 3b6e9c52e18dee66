"""The text chart: spec parsing, data adaptation, layout at small and large sizes."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tests.chart.synthetic import candles
from ttai_tui.chart import ChartData, ChartSpec, draw, new_figure, parse_indicators, render_text
from ttai_tui.chart.draw import MIN_TWO_PANEL_HEIGHT
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


def lines_of(text: str) -> list[str]:
    return text.rstrip("\n").split("\n")


def test_large_chart_has_two_panels_labels_and_fits() -> None:
    d = candles(600)
    text = render_text(
        d, width=160, height=48, color=False, symbol="SPY", timeframe="5m",
        indicators=FULL, levels=True,
    )  # fmt: skip
    lines = lines_of(text)
    assert len(lines) <= 48 and max(len(line) for line in lines) <= 160
    assert "SPY  5m" in lines[0]
    assert "rsi14" in text and "sma20" in text and "ema50" in text
    assert re.search(r"[SR] \d+\.\d\d", text)  # level price labels
    assert sum("└" in line for line in lines) == 2  # two panels
    assert "\x1b[" not in text


def test_80x24_drops_to_one_panel() -> None:
    d = candles(300)
    fig = new_figure()
    spec = ChartSpec.build(FULL, symbol="SPY", timeframe="5m", levels=True, fibonacci=True)
    info = draw(fig, d, spec, 80, 24)
    assert info.panels == 1 and info.lower == "none"
    assert len(info.levels) <= 2 and len(info.fibonacci) == 3
    text = render_text(d, spec, 80, 24, color=False)
    lines = lines_of(text)
    assert len(lines) <= 24 and max(len(line) for line in lines) <= 80
    assert sum("└" in line for line in lines) == 1
    info_big = draw(new_figure(), d, spec, 120, MIN_TWO_PANEL_HEIGHT)
    assert info_big.panels == 2 and info_big.lower == "rsi14"


def test_visible_bars_follow_the_width_and_indicators_use_history() -> None:
    d = candles(600)
    info = draw(new_figure(), d, ChartSpec.build(["sma200"]), 100, 30)
    assert info.bars == 100 - 12
    assert info.overlays == ("sma200",)


def test_levels_and_fibonacci_labels() -> None:
    d = candles(600)
    spec = ChartSpec.build([], levels=True, fibonacci=True)
    info = draw(new_figure(), d, spec, 160, 48)
    assert info.found_levels is not None and info.found_levels.levels
    assert info.levels and all(re.fullmatch(r"[SR] [\d,]+\.\d\d", t) for t in info.levels)
    assert [t.split("%")[0] for t in info.fibonacci] == [
        "0.0", "23.6", "38.2", "50.0", "61.8", "78.6", "100.0",
    ]  # fmt: skip
    text = render_text(d, spec, 160, 48, color=False)
    for label in (*info.levels, *info.fibonacci):
        assert label in text
    nearest = info.found_levels.nearest_support
    assert nearest is None or nearest.price < d.close[-1]


def test_macd_lower_panel() -> None:
    text = render_text(candles(300), width=120, height=40, color=False, indicators=["macd"])
    assert "macd" in text and sum("└" in line for line in lines_of(text)) == 2


def test_color_flag() -> None:
    d = candles(100)
    assert "\x1b[" in render_text(d, width=80, height=24, color=True)
    plain = render_text(d, width=80, height=24, color=False)
    assert "\x1b[" not in plain
    assert ANSI.sub("", render_text(d, width=80, height=24, color=True)).split() == plain.split()


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
    assert "┘" in render_text(one, width=60, height=20, color=False, indicators=FULL, levels=True)


def test_flat_series_renders() -> None:
    n = 50
    flat = ChartData(np.arange(n) * 60.0, *(np.full(n, 10.0) for _ in range(4)), np.ones(n))
    text = render_text(flat, width=80, height=24, color=False, indicators=["bb20"], levels=True)
    assert "10" in text


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
    assert "SPY  1d" in text and "rsi14" in text
