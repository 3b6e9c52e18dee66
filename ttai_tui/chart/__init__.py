"""Chart drawing shared by ``ttai chart`` (text on stdout) and the TUI chart pane (no Textual).

Public API: :class:`ChartData` (the candle container), :class:`ChartSpec` and
:func:`parse_indicators` (what to draw, from strings like ``"sma20,bb20,rsi14"``),
:class:`Viewport` (zoom and cursor), :func:`render` (a :class:`Frame` of styled cell runs)
and :func:`render_text` (a string for stdout).
"""

from ttai_tui.chart.data import ChartData
from ttai_tui.chart.render import DrawInfo, Frame, render, render_text
from ttai_tui.chart.spec import ChartSpec, LowerPanel, Overlay, parse_indicator, parse_indicators
from ttai_tui.chart.view import Viewport

__all__ = [
    "ChartData",
    "ChartSpec",
    "DrawInfo",
    "Frame",
    "LowerPanel",
    "Overlay",
    "Viewport",
    "parse_indicator",
    "parse_indicators",
    "render",
    "render_text",
]
