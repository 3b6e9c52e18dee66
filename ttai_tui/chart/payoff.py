"""The payoff diagram of one strategy: P&L at expiration and today over the underlying's price,
the current price and the breakevens marked, a zero line. Drawn with plotext into any plotext
figure (textual-plotext's in the Risk tab, a standalone one for text), as the candle chart is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

# the legend is the caller's (a line above the plot): plotext's legend box hides the curve
EXPIRATION_COLOR, TODAY_COLOR, PRICE_COLOR, BREAKEVEN_COLOR = "orange", "blue+", "cyan", "magenta"


@dataclass(frozen=True, slots=True)
class PayoffData:
    """What one diagram shows; ``today`` is None when an IV is missing (then only expiration)."""

    title: str
    prices: np.ndarray
    at_expiration: np.ndarray
    today: np.ndarray | None
    spot: float
    breakevens: tuple[float, ...]


def _money_ticks(lo: float, hi: float, n: int) -> tuple[list[float], list[str]]:
    if hi <= lo:
        hi = lo + 1.0
    ticks = np.linspace(lo, hi, max(n, 2))
    labels = []
    for t in ticks:
        a = abs(t)
        s = f"{a / 1000:.1f}k" if a >= 10_000 else f"{a:.0f}"
        labels.append(("-" if t < 0 else "+" if t > 0 else "") + s)
    return ticks.tolist(), labels


def draw_payoff(plt: Any, d: PayoffData, width: int, height: int) -> None:
    """Draw ``d`` into ``plt`` (a plotext figure) for a ``width`` x ``height`` area."""
    plt.clear_figure()
    plt.plotsize(width, height)
    plt.theme("clear")
    xs = d.prices.tolist()
    exp = d.at_expiration
    lo = float(np.min(exp))
    hi = float(np.max(exp))
    if d.today is not None:
        lo, hi = min(lo, float(np.min(d.today))), max(hi, float(np.max(d.today)))
    pad = max((hi - lo) * 0.08, 1.0)
    lo, hi = min(lo, 0.0) - pad, max(hi, 0.0) + pad
    plt.ylim(lo, hi)
    plt.xlim(xs[0], xs[-1])
    plt.hline(0.0, "gray")
    for be in d.breakevens:
        if xs[0] <= be <= xs[-1]:
            plt.vline(be, BREAKEVEN_COLOR)
    if xs[0] <= d.spot <= xs[-1]:
        plt.vline(d.spot, PRICE_COLOR)
    plt.plot(xs, exp.tolist(), color=EXPIRATION_COLOR, marker="braille")
    if d.today is not None:
        plt.plot(xs, d.today.tolist(), color=TODAY_COLOR, marker="braille")
    ticks, labels = _money_ticks(lo + pad, hi - pad, 5 if height >= 12 else 3)
    plt.yticks(ticks, labels)
    plt.title(d.title)
