"""Colours by role: the renderer names roles (``up``, ``ov1``, ``axis``), a palette says what
colour each role is.

Why roles: the same chart is printed to a terminal, where the standard ANSI names follow the
user's own terminal palette, and painted by Textual, whose built-in ANSI theme (Monokai) maps
red, magenta and bright red to one colour: there an overlay drawn "magenta" would look like a
down candle. The pane therefore paints with explicit colours (candles from the app theme's
success/error colours), ``ttai chart`` with ANSI names.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from rich.style import Style

__all__ = ["ANSI", "HEX", "OVERLAYS", "Palette", "resolve"]

OVERLAYS = ("ov0", "ov1", "ov2", "ov3", "ov4", "ov5")  # one colour per overlay, in order


@dataclass(frozen=True, slots=True)
class Palette:
    """A colour for every role the renderer uses."""

    up: str
    down: str
    axis: str
    fib: str
    rsi: str
    macd: str
    signal: str
    ov0: str
    ov1: str
    ov2: str
    ov3: str
    ov4: str
    ov5: str

    def with_(self, **colours: str) -> Palette:
        return replace(self, **colours)


# the terminal's own colours (ttai chart)
ANSI = Palette(
    up="green", down="red", axis="bright_black", fib="yellow", rsi="yellow", macd="cyan",
    signal="yellow", ov0="cyan", ov1="magenta", ov2="bright_blue", ov3="yellow",
    ov4="bright_magenta", ov5="bright_cyan",
)  # fmt: skip

# explicit colours, distinct from each other and from green/red on dark and light backgrounds
HEX = Palette(
    up="#4ebf71", down="#e0405e", axis="#7f7f7f", fib="#d19a66", rsi="#e5c07b", macd="#56b6c2",
    signal="#d19a66", ov0="#56b6c2", ov1="#c678dd", ov2="#e5c07b", ov3="#61afef",
    ov4="#d19a66", ov5="#98a2b3",
)  # fmt: skip


@lru_cache(maxsize=1024)
def resolve(style: str, palette: Palette) -> Style:
    """A style string whose words may be roles (``"dim ov1"``, ``"bold reverse up"``)."""
    if not style:
        return Style()
    words = [getattr(palette, w) if w in Palette.__slots__ else w for w in style.split()]
    return Style.parse(" ".join(words))
