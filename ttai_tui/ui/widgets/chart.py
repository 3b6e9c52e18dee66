"""The chart pane: candles, overlays, levels, volume and an oscillator for the selected symbol.

Drawn by :func:`ttai_tui.chart.render` (shared with ``ttai chart``) into rich Segments and
painted through Textual's Line API: one Strip per screen line, and after a redraw only the
lines whose content changed are repainted (a forming-candle tick usually changes a few lines,
which is what keeps the bytes sent over ssh low).

API for the dashboard (the UI layer mounts this; everything else is internal):

- ``ChartPane(settings=None, *, clock=time.monotonic, id=...)``: ``settings.chart`` supplies the
  initial timeframe, overlays (``indicators``), lower panel, levels, Fibonacci and volume.
- ``set_symbol(symbol, tick_size=None)``: show this symbol; ``tick_size`` is its price increment
  (decimals on the axis; None: the stock rule). With an ``app.bridge`` the pane declares its
  candle subscription itself (``bridge.set_candles("chart", symbol, timeframe)``) and pulls
  bars from ``bridge.state.candle_series`` in :meth:`flush`. ``set_tick_size`` changes the tick
  alone (an instrument's details arriving later).
- ``flush(now=None)``: called by the app's UI timer while the pane is visible; redraws when the
  series changed, at most ``MAX_REDRAW_HZ`` (4) times a second.
- ``set_series(symbol, timeframe, data)``: push bars directly (tests, or an app without a bridge);
  ``update_forming(time, open, high, low, close, volume)``: the forming candle ticked (same time:
  replaced; later time: appended), throttled like ``flush``.
- reactive ``timeframe`` (one of ``TIMEFRAMES``); ``ChartPane.TimeframeChanged(symbol,
  timeframe)`` is posted whenever it changes so the app may re-subscribe candles.

The last bar is marked as forming while the app's clock (``app.clock.now()``) is inside it.

Bindings (ids remappable through ``[keys]`` in the config): ``chart-timeframe-next`` (t),
``chart-timeframe-prev`` (T), ``chart-levels`` (l), ``chart-fib`` (f), ``chart-lower`` (i: RSI ->
MACD -> none), ``chart-overlays`` (O: a picker of moving averages and bands), ``chart-volume``
(V), ``chart-cursor-left`` / ``chart-cursor-right`` (left/right: a cursor over the bars, the
header reads that bar), ``chart-zoom-in`` / ``chart-zoom-out`` (+ or = / -),
``chart-cursor-first`` (home), ``chart-follow`` (end: drop the cursor, follow the live bar).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Unpack

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Label, SelectionList

from ttai_tui.chart import ChartData, ChartSpec, DrawInfo, Frame, Viewport, parse_indicators, render
from ttai_tui.chart.live import IndicatorCache
from ttai_tui.chart.palette import HEX, Palette
from ttai_tui.chart.spec import OVERLAY_CHOICES, LowerKind, LowerPanel, SpecChanges
from ttai_tui.config import ChartSettings, Settings
from ttai_tui.core.candles import CandleSeries
from ttai_tui.ui.bridge import bridge_of

log = logging.getLogger(__name__)

log = logging.getLogger(__name__)

TIMEFRAMES = ("1m", "5m", "15m", "1h", "1d")
LOWER_CYCLE: tuple[LowerKind, ...] = ("rsi", "macd", "none")
DEFAULT_INDICATORS = ("sma20", "ema50", "bb20")


class ChartPane(Widget, can_focus=True):
    """Candlestick chart of one symbol; see the module docstring for the API."""

    DEFAULT_CSS = """
    ChartPane { height: 1fr; width: 1fr; }
    ChartPane:focus-within { background-tint: $foreground 3%; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "timeframe(1)", "Timeframe", id="chart-timeframe-next"),
        Binding("T", "timeframe(-1)", "Prev timeframe", id="chart-timeframe-prev", show=False),
        Binding("l", "toggle_levels", "Levels", id="chart-levels"),
        Binding("f", "toggle_fibonacci", "Fib", id="chart-fib"),
        Binding("i", "cycle_lower", "RSI/MACD", id="chart-lower"),
        Binding("V", "toggle_volume", "Volume", id="chart-volume"),
        Binding("O", "pick_overlays", "Overlays", id="chart-overlays"),
        Binding("left", "cursor(-1)", "Cursor left", id="chart-cursor-left", show=False,
                tooltip="Cursor one bar left: the header shows that bar's time, O/H/L/C, volume"),
        Binding("right", "cursor(1)", "Cursor right", id="chart-cursor-right", show=False,
                tooltip="Cursor one bar right"),
        Binding("plus,equals_sign", "zoom(1)", "Zoom in", id="chart-zoom-in", show=False,
                tooltip="Zoom in: fewer, wider bars"),
        Binding("minus", "zoom(-1)", "Zoom out", id="chart-zoom-out", show=False,
                tooltip="Zoom out: more bars (down to one per column)"),
        Binding("home", "first", "First bar", id="chart-cursor-first", show=False,
                tooltip="Cursor on the first bar"),
        Binding("end", "follow", "Live", id="chart-follow", show=False,
                tooltip="Drop the cursor: the chart follows the live bar again"),
    ]  # fmt: skip
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
        self.tick_size: float | None = None
        self.data = ChartData.empty()
        self.viewport = Viewport()
        self.info: DrawInfo | None = None
        self.draws = 0  # redraw counter (tests, diagnostics)
        self.lines_repainted = 0  # screen lines refreshed by redraws (tests, diagnostics)
        self.indicators = IndicatorCache()  # forming-candle ticks update indicators in O(1)
        self._dirty = False
        self._last_draw = -1e9
        self._pending: Timer | None = None
        self._version: int | None = None
        self._drawn_size = (0, 0)
        self._frame: Frame | None = None
        self._lines: list[list[Segment]] = []
        self._strips: list[Strip] = []
        self._base: Style | None = None
        self._colours: Palette | None = None

    # -- data in ---------------------------------------------------------------------------------

    def set_symbol(self, symbol: str, tick_size: float | None = None) -> None:
        """Show ``symbol`` at the current timeframe (subscribes through the app's bridge)."""
        symbol = symbol.strip().upper()
        if tick_size is not None:
            self.tick_size = tick_size
        if symbol == self.symbol:
            return
        self.symbol = symbol
        self.tick_size = tick_size
        self._reset_series()
        self._subscribe()
        self.post_message(self.TimeframeChanged(symbol, self.timeframe))

    def set_tick_size(self, tick_size: float | None) -> None:
        """The instrument's price increment (None: the stock rule); redraws."""
        self.tick_size = tick_size
        self._dirty = True
        self.redraw()

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
        self.viewport.end()  # another symbol or timeframe: bar indices mean other bars
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
        """Draw now (unthrottled): data, spec, view or size changed."""
        if not self.is_mounted:
            return
        width, height = self.size.width, self.size.height
        if width < 10 or height < 5:
            return  # not laid out yet; on_resize draws
        spec = self.spec.with_(symbol=self.symbol or "", timeframe=self.timeframe)
        frame = render(
            self.data,
            spec,
            width,
            height,
            view=self.viewport,
            tick=self.tick_size,
            now=self._wall_now(),
            cache=self.indicators,
        )
        self._frame = frame
        self.info = frame.info
        lines = frame.segments(self._base_style, self._palette())
        if (width, height) != self._drawn_size or len(lines) != len(self._lines):
            changed = list(range(len(lines)))
            self.refresh()
        else:
            changed = [y for y, (a, b) in enumerate(zip(lines, self._lines, strict=True)) if a != b]
            if changed:
                self.refresh(*(Region(0, y, width, 1) for y in changed))
        self._drawn_size = (width, height)
        self._lines = lines
        self._strips = [Strip(segs, width) for segs in lines]
        self.lines_repainted += len(changed)
        self.draws += 1
        self._dirty = False
        self._last_draw = self._clock()

    def _wall_now(self) -> float | None:
        """The app's wall clock (frozen in tests), for marking the forming bar."""
        now = getattr(getattr(self.app, "clock", None), "now", None)
        return float(now()) if callable(now) else None

    def _palette(self) -> Palette:
        """Explicit colours (Textual's ANSI theme paints red and magenta alike); candles in the
        app theme's success / error colours."""
        if self._colours is None:
            theme = getattr(self.app, "current_theme", None)
            up = getattr(theme, "success", None) or HEX.up
            down = getattr(theme, "error", None) or HEX.down
            self._colours = HEX.with_(up=up, down=down)
        return self._colours

    @property
    def _base_style(self) -> Style:
        if self._base is None:
            self._base = self.rich_style
        return self._base

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base = None
        self._colours = None
        self._drawn_size = (0, 0)  # repaint everything in the new style
        if self.is_mounted:
            self.call_after_refresh(self.redraw)

    def render_line(self, y: int) -> Strip:
        if y < len(self._strips):
            return self._strips[y]
        return Strip.blank(self.size.width, self._base_style)

    def on_resize(self) -> None:
        self.call_after_refresh(self._redraw_if_resized)

    def _redraw_if_resized(self) -> None:
        if self.is_mounted and (self.size.width, self.size.height) != self._drawn_size:
            self.redraw()

    def on_click(self, event: events.Click) -> None:
        """A click on a bar puts the cursor there."""
        if self._frame is None:
            return
        bar = self._frame.bar_at(event.x)
        if bar is not None:
            self.viewport.cursor = bar
            self.viewport.right = self.info.stop - 1 if self.info else None
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
        self._set_spec(lower=LowerPanel(nxt))

    def action_toggle_volume(self) -> None:
        self._set_spec(volume=not self.spec.volume)

    def action_cursor(self, step: int) -> None:
        """Move the cursor ``step`` bars (the first move starts at the last bar)."""
        self.viewport.move(step, len(self.data), self.info.capacity if self.info else 1)
        self.redraw()

    def action_zoom(self, step: int) -> None:
        if self.viewport.zoom_by(step):
            self.redraw()

    def action_first(self) -> None:
        self.viewport.home(len(self.data), self.info.capacity if self.info else 1)
        self.redraw()

    def action_follow(self) -> None:
        self.viewport.end()
        self.redraw()

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

    def _set_spec(self, **changes: Unpack[SpecChanges]) -> None:
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
    volume = bool(getattr(cfg, "volume", True))
    try:
        return ChartSpec.build(
            indicators, lower=lower, levels=levels, fibonacci=fibonacci, volume=volume
        )
    except ValueError as exc:  # config.py validates these; a spec it let through still draws
        log.warning("chart settings not usable (%s); using the default indicators", exc)
        return ChartSpec.build(
            DEFAULT_INDICATORS, lower="rsi", levels=levels, fibonacci=fibonacci, volume=volume
        )
