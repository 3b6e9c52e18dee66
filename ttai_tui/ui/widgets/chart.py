"""The chart pane: candles, overlays, levels and an oscillator for the selected symbol.

API for the dashboard (the UI layer mounts this; everything else is internal):

- ``ChartPane(settings=None, *, clock=time.monotonic, id=...)``: ``settings.chart`` supplies the
  initial timeframe, overlays (``indicators``), lower panel, levels and Fibonacci toggles.
- ``set_symbol(symbol)``: show this symbol. With an ``app.bridge`` the pane declares its candle
  subscription itself (``bridge.set_candles("chart", symbol, timeframe)``) and pulls bars from
  ``bridge.state.candle_series`` in :meth:`flush`.
- ``flush(now=None)``: called by the app's UI timer while the pane is visible; redraws when the
  series changed, at most ``MAX_REDRAW_HZ`` (4) times a second.
- ``set_series(symbol, timeframe, data)``: push bars directly (tests, or an app without a bridge);
  ``update_forming(time, open, high, low, close, volume)``: the forming candle ticked (same time:
  replaced; later time: appended), throttled like ``flush``.
- reactive ``timeframe`` (one of ``TIMEFRAMES``); ``ChartPane.TimeframeChanged(symbol,
  timeframe)`` is posted whenever it changes so the app may re-subscribe candles.

Bindings (ids remappable through ``[keys]`` in the config): ``chart-timeframe-next`` (t),
``chart-timeframe-prev`` (T), ``chart-levels`` (l), ``chart-fib`` (f), ``chart-lower`` (i: RSI ->
MACD -> none), ``chart-overlays`` (O: a picker of moving averages and bands).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Label, SelectionList
from textual_plotext import PlotextPlot

from ttai_tui.chart import ChartData, ChartSpec, DrawInfo, draw, parse_indicators
from ttai_tui.chart.live import IndicatorCache
from ttai_tui.chart.spec import OVERLAY_CHOICES, LowerPanel
from ttai_tui.config import ChartSettings, Settings
from ttai_tui.core.candles import CandleSeries
from ttai_tui.ui.bridge import bridge_of

log = logging.getLogger(__name__)

TIMEFRAMES = ("1m", "5m", "15m", "1h", "1d")
LOWER_CYCLE = ("rsi", "macd", "none")
DEFAULT_INDICATORS = ("sma20", "ema50", "bb20")


class ChartPane(Widget, can_focus=True):
    """Candlestick chart of one symbol; see the module docstring for the API."""

    DEFAULT_CSS = """
    ChartPane { height: 1fr; width: 1fr; }
    ChartPane > PlotextPlot { height: 1fr; width: 1fr; }
    ChartPane:focus-within { background-tint: $foreground 3%; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "timeframe(1)", "Timeframe", id="chart-timeframe-next"),
        Binding("T", "timeframe(-1)", "Prev timeframe", id="chart-timeframe-prev", show=False),
        Binding("l", "toggle_levels", "Levels", id="chart-levels"),
        Binding("f", "toggle_fibonacci", "Fib", id="chart-fib"),
        Binding("i", "cycle_lower", "RSI/MACD", id="chart-lower"),
        Binding("O", "pick_overlays", "Overlays", id="chart-overlays"),
    ]
    MAX_REDRAW_HZ: ClassVar[float] = 4.0

    timeframe: reactive[str] = reactive("5m", init=False)

    @dataclass
    class TimeframeChanged(Message):
        """The pane now wants candles of ``timeframe`` for ``symbol`` (None before a symbol)."""

        symbol: str | None
        timeframe: str

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._clock = clock
        cfg = getattr(settings, "chart", None)
        self.spec = _initial_spec(cfg)
        timeframe = getattr(cfg, "timeframe", "5m")
        self.set_reactive(ChartPane.timeframe, timeframe if timeframe in TIMEFRAMES else "5m")
        self.symbol: str | None = None
        self.data = ChartData.empty()
        self.info: DrawInfo | None = None
        self.draws = 0  # redraw counter (tests, diagnostics)
        self.indicators = IndicatorCache()  # forming-candle ticks update indicators in O(1)
        self._dirty = False
        self._last_draw = -1e9
        self._pending: Timer | None = None
        self._version: int | None = None
        self._drawn_size = (0, 0)

    def compose(self) -> ComposeResult:
        yield PlotextPlot(id="chart-plot")

    @property
    def plot(self) -> PlotextPlot:
        return self.query_one("#chart-plot", PlotextPlot)

    # -- data in ---------------------------------------------------------------------------------

    def set_symbol(self, symbol: str) -> None:
        """Show ``symbol`` at the current timeframe (subscribes through the app's bridge)."""
        symbol = symbol.strip().upper()
        if symbol == self.symbol:
            return
        self.symbol = symbol
        self._reset_series()
        self._subscribe()
        self.post_message(self.TimeframeChanged(symbol, self.timeframe))

    def set_series(self, symbol: str, timeframe: str, data: Any) -> None:
        """Replace the bars (anything ``ChartData.from_any`` adapts) and redraw now."""
        self.symbol = symbol
        if timeframe in TIMEFRAMES and timeframe != self.timeframe:
            self.set_reactive(ChartPane.timeframe, timeframe)
        self.data = ChartData.from_any(data)
        self._version = None
        self._dirty = True
        self.redraw()

    def update_forming(
        self,
        time_s: float,
        open_: float,
        high: float,
        low: float,
        close: float,
        volume: float = float("nan"),
    ) -> None:
        """The forming candle changed: replaced if same time, appended if newer; throttled."""
        self.data = self.data.with_bar(time_s, open_, high, low, close, volume)
        self._dirty = True
        self._throttled_redraw()

    def flush(self, now: float | None = None) -> None:
        """Pull the series from the app's bridge when it changed; throttled redraw."""
        series = self._series()
        if series is not None and series.version != self._version:
            self._version = series.version
            self.data = ChartData.from_any(series.arrays())
            self._dirty = True
        if self._dirty:
            self._throttled_redraw()

    def _series(self) -> CandleSeries | None:
        bridge = bridge_of(self)
        if bridge is None or self.symbol is None:
            return None
        return bridge.state.candle_series(self.symbol, self.timeframe)

    def _subscribe(self) -> None:
        bridge = bridge_of(self)
        if bridge is not None:
            bridge.set_candles("chart", self.symbol, self.timeframe)

    def _reset_series(self) -> None:
        self.indicators = IndicatorCache()
        self.data = ChartData.empty()
        self._version = None
        self._dirty = True
        self.redraw()

    def on_unmount(self) -> None:
        bridge = bridge_of(self)
        if bridge is not None:
            bridge.set_candles("chart", None, self.timeframe)

    # -- drawing ---------------------------------------------------------------------------------

    def _throttled_redraw(self) -> None:
        wait = 1.0 / self.MAX_REDRAW_HZ - (self._clock() - self._last_draw)
        if wait <= 0:
            self.redraw()
        elif self._pending is None and self.is_attached:
            self._pending = self.set_timer(wait, self._timer_redraw)

    def _timer_redraw(self) -> None:
        self._pending = None
        if self._dirty:
            self.redraw()

    def redraw(self) -> None:
        """Draw now (unthrottled): data, spec or size changed."""
        if not self.is_mounted:
            return
        plot = self.plot
        width, height = plot.size.width, plot.size.height
        if width < 10 or height < 5:
            return  # not laid out yet; on_resize draws
        self._drawn_size = (width, height)
        spec = self.spec.with_(symbol=self.symbol or "", timeframe=self.timeframe)
        self.info = draw(plot.plt, self.data, spec, width, height, self.indicators)
        plot.refresh()
        self.draws += 1
        self._dirty = False
        self._last_draw = self._clock()

    def on_resize(self) -> None:
        self.call_after_refresh(self._redraw_if_resized)

    def _redraw_if_resized(self) -> None:
        if self.is_mounted and (self.plot.size.width, self.plot.size.height) != self._drawn_size:
            self.redraw()

    # -- reactive / actions ----------------------------------------------------------------------

    def watch_timeframe(self, old: str, new: str) -> None:
        if old == new:
            return
        self._reset_series()
        self._subscribe()
        self.post_message(self.TimeframeChanged(self.symbol, new))

    def action_timeframe(self, step: int) -> None:
        i = TIMEFRAMES.index(self.timeframe) if self.timeframe in TIMEFRAMES else 1
        self.timeframe = TIMEFRAMES[(i + step) % len(TIMEFRAMES)]

    def action_toggle_levels(self) -> None:
        self._set_spec(levels=not self.spec.levels)

    def action_toggle_fibonacci(self) -> None:
        self._set_spec(fibonacci=not self.spec.fibonacci)

    def action_cycle_lower(self) -> None:
        kind = self.spec.lower.kind
        nxt = LOWER_CYCLE[(LOWER_CYCLE.index(kind) + 1) % len(LOWER_CYCLE)]
        self._set_spec(lower=LowerPanel(nxt))  # type: ignore[arg-type]

    def action_pick_overlays(self) -> None:
        current = [o.label for o in self.spec.overlays]

        def chosen(labels: list[str] | None) -> None:
            if labels is not None:
                self.set_overlays(labels)

        self.app.push_screen(OverlayPicker(current), chosen)

    def set_overlays(self, specs: list[str]) -> None:
        """Overlays from spec strings (``["sma20", "bb20"]``); ValueError on a bad spec."""
        overlays, _ = parse_indicators([s for s in specs if s])
        self._set_spec(overlays=overlays)

    def _set_spec(self, **changes: Any) -> None:
        self.spec = self.spec.with_(**changes)
        self._dirty = True
        self.redraw()


class OverlayPicker(ModalScreen[list[str] | None]):
    """Choose the overlays: space toggles, enter applies, escape cancels."""

    DEFAULT_CSS = """
    OverlayPicker { align: center middle; }
    OverlayPicker > Vertical { width: 36; height: auto; max-height: 80%; border: round $accent;
                               background: $surface; padding: 0 1; }
    OverlayPicker SelectionList { height: auto; max-height: 16; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="chart-overlays-cancel"),
        Binding("enter", "apply", "Apply", id="chart-overlays-apply", priority=True),
    ]

    def __init__(self, current: list[str]) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        choices = list(dict.fromkeys([*OVERLAY_CHOICES, *self.current]))
        with Vertical():
            yield Label("Overlays (space toggles, enter applies)")
            yield SelectionList[str](*[(c, c, c in self.current) for c in choices])

    def action_apply(self) -> None:
        self.dismiss(list(self.query_one(SelectionList).selected))

    def action_cancel(self) -> None:
        self.dismiss(None)


def _initial_spec(cfg: ChartSettings | None) -> ChartSpec:
    """The config's chart section as a spec; a bad entry falls back to the defaults."""
    indicators = list(getattr(cfg, "indicators", DEFAULT_INDICATORS))
    lower = getattr(cfg, "lower", "rsi")
    levels = bool(getattr(cfg, "levels", True))
    fibonacci = bool(getattr(cfg, "fibonacci", False))
    try:
        return ChartSpec.build(indicators, lower=lower, levels=levels, fibonacci=fibonacci)
    except ValueError as exc:  # config.py validates these; a spec it let through still draws
        log.warning("chart settings not usable (%s); using the default indicators", exc)
        return ChartSpec.build(DEFAULT_INDICATORS, lower="rsi", levels=levels, fibonacci=fibonacci)
