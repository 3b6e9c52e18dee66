"""plotext figures for the plots that still use plotext (the risk payoff diagram).

The candle chart no longer does: it has its own renderer (:mod:`ttai_tui.chart.render`),
because plotext's build cost ~30 ms of a 31 ms redraw and could not keep overlays from
covering the candles. plotext stays for simpler line plots, where it serves well.
"""

from __future__ import annotations

from typing import Any

__all__ = ["new_figure"]


def new_figure() -> Any:
    """A standalone plotext figure (no global state), the same class textual-plotext wraps."""
    from plotext._figure import _figure_class

    return _figure_class()
