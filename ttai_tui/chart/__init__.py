"""Chart drawing shared by ``ttai chart`` (text on stdout) and the TUI chart pane (no Textual).

Public API: :class:`ChartData` (the candle container), :class:`ChartSpec` and
:func:`parse_indicators` (what to draw, from strings like ``"sma20,bb20,rsi14"``),
:func:`draw` (into any plotext figure) and :func:`render_text` (a string for stdout).
"""

from ttai_tui.chart.data import ChartData
from ttai_tui.chart.draw import DrawInfo, draw, new_figure, render_text
from ttai_tui.chart.spec import ChartSpec, LowerPanel, Overlay, parse_indicator, parse_indicators

__all__ = [
    "ChartData",
    "ChartSpec",
    "DrawInfo",
    "LowerPanel",
    "Overlay",
    "draw",
    "new_figure",
    "parse_indicator",
    "parse_indicators",
    "render_text",
]
