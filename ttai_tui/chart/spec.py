"""What to draw: overlays and the lower panel parsed from short specs like ``sma20`` or ``rsi14``.

Accepted (case-insensitive):

- overlays: ``sma<N>``, ``ema<N>``, ``wma<N>``, ``hma<N>`` (N >= 2), ``bb<N>`` or ``bb<N>:<k>``
  (Bollinger, k standard deviations, default 2), ``vwap`` (session VWAP of the typical price);
- lower panel: ``rsi`` / ``rsi<N>`` (default 14), ``macd`` / ``macd<F>-<S>-<G>`` (default
  12-26-9), ``none``.

The same strings come from the config (``chart.indicators``, ``chart.lower``), the CLI
(``--indicators sma20,bb20,rsi14``) and the chart pane's picker, so every error names the
offending spec and the accepted forms.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Literal, TypedDict, Unpack

__all__ = [
    "OVERLAY_CHOICES",
    "ChartSpec",
    "LowerPanel",
    "Overlay",
    "SpecChanges",
    "parse_indicator",
    "parse_indicators",
]

FORMS = "sma<N>, ema<N>, wma<N>, hma<N>, bb<N>[:k], vwap, rsi[N], macd[F-S-G], none"
OVERLAY_CHOICES = (
    "sma20",
    "sma50",
    "sma200",
    "ema9",
    "ema21",
    "ema50",
    "wma20",
    "hma21",
    "bb20",
    "vwap",
)

OverlayKind = Literal["sma", "ema", "wma", "hma", "bb", "vwap"]
LowerKind = Literal["rsi", "macd", "none"]

_MA_KINDS: dict[str, OverlayKind] = {"sma": "sma", "ema": "ema", "wma": "wma", "hma": "hma"}
_MA = re.compile(r"^(sma|ema|wma|hma)(\d+)?$")
_BB = re.compile(r"^bb(\d+)?(?::(\d+(?:\.\d+)?))?$")
_RSI = re.compile(r"^rsi(\d+)?$")
_MACD = re.compile(r"^macd(?:(\d+)-(\d+)-(\d+))?$")


@dataclass(frozen=True, slots=True)
class Overlay:
    """One price-panel overlay."""

    kind: OverlayKind
    n: int = 0
    k: float = 2.0

    @property
    def label(self) -> str:
        if self.kind == "vwap":
            return "vwap"
        if self.kind == "bb" and self.k != 2.0:
            return f"bb{self.n}:{self.k:g}"
        return f"{self.kind}{self.n}"


@dataclass(frozen=True, slots=True)
class LowerPanel:
    """The oscillator under the price panel."""

    kind: LowerKind = "none"
    n: int = 14
    macd: tuple[int, int, int] = (12, 26, 9)

    @property
    def label(self) -> str:
        if self.kind == "rsi":
            return f"rsi{self.n}"
        if self.kind == "macd":
            return "macd" if self.macd == (12, 26, 9) else "macd{}-{}-{}".format(*self.macd)
        return "none"


class SpecChanges(TypedDict, total=False):
    """The fields :meth:`ChartSpec.with_` may change (each one optional)."""

    symbol: str
    timeframe: str
    overlays: tuple[Overlay, ...]
    lower: LowerPanel
    levels: bool
    fibonacci: bool
    volume: bool


@dataclass(frozen=True, slots=True)
class ChartSpec:
    """Everything the drawing needs besides the bars."""

    symbol: str = ""
    timeframe: str = ""
    overlays: tuple[Overlay, ...] = ()
    lower: LowerPanel = field(default_factory=LowerPanel)
    levels: bool = False
    fibonacci: bool = False
    volume: bool = True

    @classmethod
    def build(
        cls,
        indicators: str | Iterable[str] = (),
        *,
        symbol: str = "",
        timeframe: str = "",
        lower: str | None = None,
        levels: bool = False,
        fibonacci: bool = False,
        volume: bool = True,
    ) -> ChartSpec:
        """From config/CLI strings; a lower-panel spec in ``indicators`` wins over ``lower``."""
        overlays, lower_panel = parse_indicators(indicators)
        if lower_panel is None:
            lower_panel = _parse_lower(lower) if lower else LowerPanel()
        return cls(symbol, timeframe, overlays, lower_panel, levels, fibonacci, volume)

    def with_(self, **changes: Unpack[SpecChanges]) -> ChartSpec:
        return replace(self, **changes)


def parse_indicator(text: str) -> Overlay | LowerPanel:
    """One spec -> an Overlay or a LowerPanel; ValueError naming the spec when it is wrong."""
    if not isinstance(text, str):
        raise ValueError(f"indicator spec must be a string, got {text!r}")
    s = text.strip().lower()
    if not s:
        raise ValueError(f"empty indicator spec; use one of: {FORMS}")
    if m := _MA.match(s):
        kind, digits = m.group(1), m.group(2)
        minimum = 2 if kind == "hma" else 1
        n = _period(text, digits, minimum, example=f"{kind}20")
        return Overlay(_MA_KINDS[kind], n)
    if m := _BB.match(s):
        n = _period(text, m.group(1), 1, example="bb20")
        k = float(m.group(2)) if m.group(2) else 2.0
        if k <= 0:
            raise ValueError(f"bad indicator {text!r}: k must be > 0")
        return Overlay("bb", n, k)
    if s == "vwap":
        return Overlay("vwap")
    try:
        return _parse_lower(s)
    except ValueError as exc:
        if s.startswith(("rsi", "macd")):
            raise ValueError(f"bad indicator {text!r}: {exc}") from None
    raise ValueError(f"unknown indicator {text!r}; use one of: {FORMS}")


def parse_indicators(specs: str | Iterable[str]) -> tuple[tuple[Overlay, ...], LowerPanel | None]:
    """A comma-separated string or a list -> (overlays in order, deduplicated; lower panel)."""
    items = specs.split(",") if isinstance(specs, str) else list(specs)
    overlays: list[Overlay] = []
    lower: LowerPanel | None = None
    for item in items:
        if isinstance(item, str) and not item.strip() and isinstance(specs, str):
            continue  # "sma20,,bb20" or a trailing comma
        parsed = parse_indicator(item)
        if isinstance(parsed, LowerPanel):
            if lower is not None and lower != parsed:
                raise ValueError(
                    f"only one lower panel fits: got {lower.label!r} and {parsed.label!r}"
                )
            lower = parsed
        elif parsed not in overlays:
            overlays.append(parsed)
    return tuple(overlays), lower


def _parse_lower(s: str) -> LowerPanel:
    s = s.strip().lower()
    if s == "none":
        return LowerPanel("none")
    if m := _RSI.match(s):
        return LowerPanel("rsi", _period(s, m.group(1) or "14", 1, "rsi14"))
    if m := _MACD.match(s):
        if m.group(1) is None:
            return LowerPanel("macd")
        fast, slow, sig = (_period(s, g, 1, "macd12-26-9") for g in m.groups())
        if fast >= slow:
            raise ValueError(f"bad indicator {s!r}: the fast period must be shorter than the slow")
        return LowerPanel("macd", macd=(fast, slow, sig))
    raise ValueError(f"unknown lower panel {s!r}; use rsi[N], macd[F-S-G] or none")


def _period(spec: str, digits: str | None, minimum: int, example: str) -> int:
    if digits is None:
        raise ValueError(f"bad indicator {spec!r}: it needs a period, e.g. {example!r}")
    n = int(digits)
    if n < minimum:
        raise ValueError(f"bad indicator {spec!r}: the period must be >= {minimum}")
    return n
