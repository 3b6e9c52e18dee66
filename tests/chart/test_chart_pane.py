"""The Textual chart pane, driven with App.run_test at fixed sizes."""

from __future__ import annotations

from types import SimpleNamespace

from textual.app import App, ComposeResult
from textual.widgets import SelectionList

from tests.chart.synthetic import candles
from ttai_tui.chart.axes import fmt_price, fmt_volume
from ttai_tui.core.market_state import MarketState
from ttai_tui.ui.widgets.chart import ChartPane, OverlayPicker


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


class FakeBridge:
    """The two things the pane uses from the app's bridge."""

    def __init__(self) -> None:
        self.state = MarketState()
        self.candles: dict[str, tuple[str | None, str]] = {}

    def set_candles(self, owner: str, symbol: str | None, timeframe: str) -> None:
        self.candles[owner] = (symbol, timeframe)


class ChartApp(App[None]):
    def __init__(self, settings: object = None, clock: FakeClock | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.clock = clock or FakeClock()
        self.bridge = FakeBridge()
        self.changes: list[ChartPane.TimeframeChanged] = []

    def compose(self) -> ComposeResult:
        yield ChartPane(self.settings, clock=self.clock, id="chart")

    def on_chart_pane_timeframe_changed(self, msg: ChartPane.TimeframeChanged) -> None:
        self.changes.append(msg)


def settings(**chart: object) -> SimpleNamespace:
    base = {"timeframe": "5m", "indicators": ["sma20", "bb20"], "lower": "rsi", "levels": True,
            "fibonacci": False}  # fmt: skip
    base.update(chart)
    return SimpleNamespace(chart=SimpleNamespace(**base))


async def test_set_series_draws_two_panels_when_tall() -> None:
    app = ChartApp(settings())
    async with app.run_test(size=(140, 44)) as pilot:
        pane = app.query_one(ChartPane)
        pane.set_series("SPY", "5m", candles(400))
        await pilot.pause()
        assert pane.info is not None
        assert pane.info.panels == 3 and pane.info.lower == "rsi14" and pane.info.volume
        assert pane.info.overlays == ("sma20", "bb20")
        assert pane.info.levels  # config turned levels on
        assert pane.info.bars == pane.info.plot_width  # one candle per column
        assert pane.render_line(0).text.startswith("SPY 5m")


async def test_80x24_is_one_panel() -> None:
    app = ChartApp(settings())
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(ChartPane)
        pane.set_series("SPY", "5m", candles(300))
        await pilot.pause()
        assert pane.info is not None and pane.info.panels == 2 and pane.info.lower == "none"
        assert pane.info.volume


async def test_keys_toggle_levels_fib_lower_and_timeframe() -> None:
    app = ChartApp(settings())
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(ChartPane)
        pane.focus()
        pane.set_series("SPY", "5m", candles(300))
        await pilot.pause()
        await pilot.press("l")
        assert not pane.spec.levels and pane.info is not None and pane.info.levels == ()
        await pilot.press("f")
        assert pane.spec.fibonacci and len(pane.info.fibonacci) == 7
        await pilot.press("i")
        assert pane.info.lower == "macd"
        await pilot.press("i")
        assert pane.info.lower == "none" and pane.info.panels == 2
        await pilot.press("V")
        assert not pane.spec.volume and not pane.info.volume and pane.info.panels == 1
        await pilot.press("V")
        assert pane.info.volume
        await pilot.press("i")
        assert pane.info.lower == "rsi14"
        await pilot.press("t")
        await pilot.pause()
        assert pane.timeframe == "15m"
        assert app.changes[-1].timeframe == "15m" and app.changes[-1].symbol == "SPY"
        assert app.bridge.candles["chart"] == ("SPY", "15m")
        assert len(pane.data) == 0  # the 5m bars are not shown as 15m ones
        await pilot.press("T", "T")
        await pilot.pause()
        assert pane.timeframe == "1m"
        await pilot.press("T")
        assert pane.timeframe == "1d"  # wraps around


async def test_binding_ids_exist_for_remapping() -> None:
    ids = {b.id for b in ChartPane.BINDINGS}  # type: ignore[union-attr]
    assert {
        "chart-timeframe-next", "chart-timeframe-prev", "chart-levels", "chart-fib",
        "chart-lower", "chart-overlays", "chart-volume", "chart-cursor-left", "chart-cursor-right",
        "chart-zoom-in", "chart-zoom-out", "chart-cursor-first", "chart-follow",
    } <= ids  # fmt: skip
    keys = {b.id: b.key for b in ChartPane.BINDINGS}  # type: ignore[union-attr]
    assert keys["chart-overlays"] == "O"  # `o` belongs to the dashboard (orders)
    app = ChartApp(settings())
    async with app.run_test(size=(120, 40)) as pilot:
        app.set_keymap({"chart-levels": "x"})
        pane = app.query_one(ChartPane)
        pane.focus()
        pane.set_series("SPY", "5m", candles(100))
        await pilot.press("x")
        assert not pane.spec.levels


async def test_forming_candle_redraws_at_most_four_times_a_second() -> None:
    clock = FakeClock()
    app = ChartApp(settings(), clock)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(ChartPane)
        data = candles(200)
        pane.set_series("SPY", "5m", data)
        start = pane.draws
        t = float(data.time[-1])
        for i in range(50):  # 50 ticks within 0.1 s of fake time
            clock.t += 0.002
            pane.update_forming(t, 100.0, 101.0 + i * 0.01, 99.0, 100.5 + i * 0.01, 10.0)
        assert pane.draws == start  # the first tick came < 0.25 s after set_series
        assert pane.data.close[-1] == 100.5 + 49 * 0.01 and len(pane.data) == 200
        clock.t += 0.3
        await pilot.pause(0.3)  # the pending timer fires once
        assert pane.draws == start + 1
        clock.t += 0.26
        pane.update_forming(t + 300, 100.0, 100.0, 100.0, 100.0)
        assert len(pane.data) == 201 and pane.draws == start + 2  # due: drawn immediately


async def test_flush_pulls_from_the_bridge_series() -> None:
    clock = FakeClock()
    app = ChartApp(settings(timeframe="1m"), clock)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(ChartPane)
        pane.set_symbol("spy")
        await pilot.pause()
        assert app.bridge.candles["chart"] == ("SPY", "1m")
        assert app.changes[-1].symbol == "SPY"
        state = app.bridge.state
        d = candles(120, step=60.0)
        for i in range(len(d)):
            state.apply_candle(
                "SPY", "1m", i, 0, float(d.time[i]), float(d.open[i]), float(d.high[i]),
                float(d.low[i]), float(d.close[i]), float(d.volume[i]),
            )  # fmt: skip
        clock.t += 1.0
        pane.flush(clock.t)
        assert len(pane.data) == 120 and pane.info is not None
        assert pane.info.bars == min(120, pane.info.plot_width)
        draws = pane.draws
        clock.t += 1.0
        pane.flush(clock.t)
        assert pane.draws == draws  # nothing changed: no redraw


async def test_overlay_picker_applies_selection() -> None:
    app = ChartApp(settings(indicators=["sma20"]))
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(ChartPane)
        pane.focus()
        pane.set_series("SPY", "5m", candles(100))
        await pilot.press("O")
        await pilot.pause()
        assert isinstance(app.screen, OverlayPicker)
        selection = app.screen.query_one(SelectionList)
        selection.deselect("sma20")
        selection.select("hma21")
        await pilot.press("enter")
        await pilot.pause()
        assert [o.label for o in pane.spec.overlays] == ["hma21"]
        assert pane.info is not None and pane.info.overlays == ("hma21",)
        await pilot.press("O")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert [o.label for o in pane.spec.overlays] == ["hma21"]


async def test_bad_config_indicators_fall_back_to_defaults() -> None:
    app = ChartApp(settings(indicators=["foo20"], timeframe="7m"))
    async with app.run_test(size=(100, 30)):
        pane = app.query_one(ChartPane)
        assert [o.label for o in pane.spec.overlays] == ["sma20", "ema50", "bb20"]
        assert pane.timeframe == "5m"


def header(pane: ChartPane) -> str:
    return pane.render_line(0).text + pane.render_line(1).text


async def test_cursor_keys_read_bars_and_end_follows_live_again() -> None:
    app = ChartApp(settings(indicators=["sma20"]))
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(ChartPane)
        pane.focus()
        d = candles(300)
        pane.set_series("SPY", "5m", d)
        await pilot.pause()
        assert pane.info is not None and pane.info.cursor is None
        await pilot.press("left")
        i = 298
        assert pane.info.cursor == i
        for name, arr in (("O", d.open), ("H", d.high), ("L", d.low), ("C", d.close)):
            assert f"{name} {fmt_price(arr[i], 2)}" in header(pane)
        assert f"V {fmt_volume(d.volume[i])}" in header(pane)
        await pilot.press("left", "left", "right")
        assert pane.info.cursor == 297
        # a new bar arrives while the cursor is out: the view stays on what is being read
        stop = pane.info.stop
        clock = app.clock
        clock.t += 1.0
        pane.update_forming(float(d.time[-1]) + 300, 100.0, 100.5, 99.5, 100.2, 10.0)
        assert pane.info.stop == stop and pane.info.cursor == 297
        await pilot.press("end")
        assert pane.info.cursor is None and pane.info.stop == 301
        assert "C 100.20" in header(pane)
        await pilot.press("home")
        assert pane.info.cursor == 0 and pane.info.start == 0


async def test_zoom_keys_change_the_bars_shown() -> None:
    app = ChartApp(settings())
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(ChartPane)
        pane.focus()
        pane.set_series("SPY", "5m", candles(300))
        await pilot.pause()
        assert pane.info is not None
        wide = pane.info.bars
        await pilot.press("plus")
        assert pane.info.cols_per_bar == 2 and pane.info.bars == pane.info.plot_width // 2 < wide
        await pilot.press("equals_sign")
        assert pane.info.cols_per_bar == 4
        await pilot.press("minus", "minus", "minus")
        assert pane.info.cols_per_bar == 1 and pane.info.bars == wide


async def test_a_forming_tick_repaints_only_the_lines_that_changed() -> None:
    clock = FakeClock()
    app = ChartApp(settings(indicators=["sma20"], lower="none", levels=False), clock)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(ChartPane)
        d = candles(300)
        pane.set_series("SPY", "5m", d)
        await pilot.pause()
        before = pane.lines_repainted
        assert before == pane.size.height  # the first draw paints everything
        clock.t += 1.0
        t = float(d.time[-1])
        o, h, lo, c = (float(a[-1]) for a in (d.open, d.high, d.low, d.close))
        pane.update_forming(t, o, h, lo, c + 0.01, float(d.volume[-1]))
        changed = pane.lines_repainted - before
        assert 1 <= changed < pane.size.height // 2
