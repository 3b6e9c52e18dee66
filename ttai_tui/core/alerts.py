"""Alert definitions, their one-line syntax, and crossing semantics (pure: no I/O, no clock).

One syntax everywhere (the CLI's ``ttai alert add``, the config's ``[alerts] rules``, the
dashboard form), so an alert reads the same in the list, the file and a script::

    SPY last above 605                      symbol: last | mark | bid | ask | change (% of the
    QQQ change below -2 every rearm 0.5       previous close) | iv (%) | ivrank (0-100)
    SPY 5m close above sma50                chart: close vs a number or sma/ema/wma/hma<N>/vwap,
    SPY 5m rsi14 above 70                     rsi[N] vs a number, close touches level
    SPY 5m close touches level                (a support/resistance level of that timeframe)
    position .SPY260717P500 delta below -30 one position: pnl | daypnl | delta | dte
    strategy SPY pnl below -500             all positions of one underlying: pnl | daypnl | delta
    portfolio bwdelta above 500             portfolio: bwdelta | daypnl | bp (buying power used, %)

Trailing words: ``once`` (default: fire one time, then stay fired) or ``every`` (fire at each
crossing, re-arming only after the value has moved back past the level by the re-arm margin,
so a price hovering on the level does not flap); ``rearm M`` sets that margin (default:
`default_margin`).

Crossing semantics (`step_cross`): an alert needs two successive fresh values on either side:
"above L" fires when the previous value was < L and the new one is >= L (touching L exactly
counts; a gap from far below to far above fires once). The first value seen (at start-up, after
a reconnect) only sets the baseline: a value that is already past the level never fires by
itself, so a reconnect's snapshot cannot invent a crossing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from ttai_tui.core.symbols import normalise_symbol, printable

Scope = Literal["symbol", "chart", "position", "strategy", "portfolio"]
Op = Literal["above", "below", "touches"]

SYMBOL_FIELDS = {
    "last": "last trade price",
    "mark": "mid of bid and ask",
    "bid": "bid price",
    "ask": "ask price",
    "change": "day change in % of the previous close",
    "iv": "implied volatility in %",
    "ivrank": "IV rank, 0-100",
}
POSITION_FIELDS = {
    "pnl": "open P&L in $",
    "daypnl": "day P&L in $",
    "delta": "position delta (shares)",
    "dte": "days to expiration",
}
STRATEGY_FIELDS = {k: v for k, v in POSITION_FIELDS.items() if k != "dte"}
PORTFOLIO_FIELDS = {
    "bwdelta": "beta-weighted delta (SPY shares)",
    "daypnl": "day P&L in $",
    "bp": "buying power used, % of net liquidating value",
}
TIMEFRAMES = ("1m", "5m", "15m", "1h", "1d")
OPS = ("above", "below")
_INDICATOR = re.compile(r"(?:(?:sma|ema|wma|hma)([1-9]\d{0,2})|vwap)\Z")
_RSI = re.compile(r"rsi([1-9]\d{0,2})?\Z")
_PRICE_FIELDS = frozenset({"last", "mark", "bid", "ask", "close"})


class AlertSpecError(ValueError):
    """An alert that cannot be defined; the message names the offending word."""


@dataclass(frozen=True, slots=True)
class AlertSpec:
    """What to watch; `text` is the canonical one-line form (stored, listed, parsed back)."""

    scope: Scope
    target: str  # symbol, position symbol or underlying; "" for the portfolio
    field: str
    op: Op
    level: float | None  # None when compared with `ref`
    ref: str | None = None  # an indicator ("sma50", "vwap") or "level" (support/resistance)
    timeframe: str | None = None
    repeat: bool = False
    rearm: float | None = None

    @property
    def text(self) -> str:
        head = {"position": ["position"], "strategy": ["strategy"], "portfolio": ["portfolio"]}.get(
            self.scope, []
        )
        words = [*head]
        if self.target:
            words.append(self.target)
        if self.timeframe:
            words.append(self.timeframe)
        value = self.ref if self.ref is not None else _num(self.level)
        words += [self.field, self.op, value]
        if self.repeat:
            words.append("every")
        if self.rearm is not None:
            words += ["rearm", _num(self.rearm)]
        return " ".join(words)

    @property
    def unit(self) -> str:
        if self.field in ("change", "iv", "ivrank", "bp"):
            return "%"
        if self.field in ("pnl", "daypnl"):
            return "$"
        return ""


def _num(v: float | None) -> str:
    return "" if v is None else f"{v:g}" if abs(v) < 1e15 else repr(v)


def _number(word: str, what: str) -> float:
    try:
        v = float(word)
    except ValueError:
        raise AlertSpecError(f'{what} "{printable(word)}" is not a number') from None
    if v != v or v in (float("inf"), float("-inf")):
        raise AlertSpecError(f'{what} "{printable(word)}" is not a finite number')
    return v


def _field(word: str, table: dict[str, str], where: str) -> str:
    f = word.lower()
    if f not in table:
        raise AlertSpecError(
            f'unknown field "{printable(word)}" for {where} (use one of: {", ".join(table)})'
        )
    return f


def _op(word: str) -> Op:
    o = word.lower()
    if o == "above":
        return "above"
    if o == "below":
        return "below"
    raise AlertSpecError(f'"{printable(word)}" is not a direction (use above or below)')


def _symbol(word: str) -> str:
    try:
        return normalise_symbol(word)
    except ValueError as e:
        raise AlertSpecError(str(e)) from None


def parse_alert(text: str | Sequence[str]) -> AlertSpec:
    """Parse the one-line syntax (see the module docstring); AlertSpecError names the problem."""
    words = text.split() if isinstance(text, str) else [w for t in text for w in str(t).split()]
    if not words:
        raise AlertSpecError("empty alert (e.g. SPY last above 605)")
    words, repeat, rearm = _options(words)
    head = words[0].lower()
    scope: Scope
    timeframe: str | None = None
    ref: str | None = None
    if head == "portfolio":
        scope, target, rest = "portfolio", "", words[1:]
        table, where = PORTFOLIO_FIELDS, "the portfolio"
    elif head in ("position", "strategy"):
        if len(words) < 2:
            raise AlertSpecError(f"{head} needs a symbol (e.g. {head} SPY pnl below -500)")
        scope = "position" if head == "position" else "strategy"
        target, rest = _symbol(words[1]), words[2:]
        table = POSITION_FIELDS if scope == "position" else STRATEGY_FIELDS
        where = f"a {scope}"
    else:
        target, rest = _symbol(words[0]), words[1:]
        if rest and rest[0].lower() in TIMEFRAMES:
            scope, timeframe, rest = "chart", rest[0].lower(), rest[1:]
        elif rest and re.fullmatch(r"\d+[a-z]+", rest[0].lower()):
            raise AlertSpecError(
                f'unknown timeframe "{printable(rest[0])}" (use one of: {", ".join(TIMEFRAMES)})'
            )
        else:
            scope = "symbol"
        table, where = SYMBOL_FIELDS, "a symbol"
    if len(rest) != 3:
        raise AlertSpecError(
            f'"{printable(" ".join(words))}": expected FIELD above|below VALUE after the '
            "target (e.g. SPY last above 605)"
        )
    fword, oword, vword = rest
    if scope == "chart":
        f = fword.lower()
        m = _RSI.match(f)
        if m:
            field_ = f"rsi{m.group(1) or 14}"
            op = _op(oword)
            level: float | None = _number(vword, "level")
        elif f == "close":
            field_ = "close"
            if oword.lower() == "touches":
                if vword.lower() != "level":
                    raise AlertSpecError('"close touches" takes the word level (close touches level)')
                op, level, ref = "touches", None, "level"
            else:
                op = _op(oword)
                v = vword.lower()
                if _INDICATOR.match(v):
                    level, ref = None, v
                elif re.match(r"[a-z]", v):
                    raise AlertSpecError(
                        f'unknown indicator "{printable(vword)}" (use sma<N>, ema<N>, wma<N>, '
                        "hma<N>, vwap or a number)"
                    )
                else:
                    level = _number(vword, "level")
        else:
            raise AlertSpecError(
                f'unknown chart field "{printable(fword)}" (use close or rsi[N])'
            )
    else:
        field_ = _field(fword, table, where)
        op = _op(oword)
        level = _number(vword, "level")
    return AlertSpec(scope, target, field_, op, level, ref, timeframe, repeat, rearm)


def _options(words: list[str]) -> tuple[list[str], bool, float | None]:
    """Strip the trailing ``once``/``every`` and ``rearm M`` words (any order)."""
    repeat, rearm = False, None
    while words:
        last = words[-1].lower()
        if last in ("once", "every"):
            repeat = last == "every"
            words = words[:-1]
        elif len(words) >= 2 and words[-2].lower() == "rearm":
            rearm = _number(words[-1], "re-arm margin")
            if rearm < 0:
                raise AlertSpecError("the re-arm margin must be >= 0")
            words = words[:-2]
        else:
            break
    return words, repeat, rearm


def default_margin(spec: AlertSpec, value: float) -> float:
    """How far back past the level a repeating alert must go before it can fire again.

    Prices: 0.1 % of the level (at least one cent); percentages and RSI: 0.5 points; P&L:
    1 % of the level (at least $1); deltas and DTE: 1.
    """
    if spec.rearm is not None:
        return spec.rearm
    base = abs(spec.level if spec.level is not None else value)
    if spec.field in _PRICE_FIELDS:
        return max(0.01, 0.001 * base)
    if spec.field in ("pnl", "daypnl"):
        return max(1.0, 0.01 * base)
    if spec.field in ("change", "iv", "ivrank", "bp") or spec.field.startswith("rsi"):
        return 0.5
    return 1.0


# ---- evaluation state -----------------------------------------------------------------------

ARMED, REARMING, FIRED = "armed", "rearming", "fired"


@dataclass(slots=True)
class AlertState:
    """Where one alert stands. ``prev`` is the last fresh value's distance to the level."""

    status: str = ARMED  # armed | rearming (repeating, waiting to move back) | fired (once: done)
    prev: float | None = None
    fires: int = 0
    fired_at: float | None = None
    fired_value: float | None = None
    value: float | None = None  # latest value seen, fresh or not
    value_at: float | None = None
    touched: float | None = None  # the level a touch alert last touched
    extra: dict[str, float] = field(default_factory=dict)

    def reset_baseline(self) -> None:
        """Forget the previous value: the next one only re-establishes the side."""
        self.prev = None
        self.extra.pop("prev_value", None)


def _fire(spec: AlertSpec, st: AlertState, value: float, now: float) -> bool:
    st.fires += 1
    st.fired_at = now
    st.fired_value = value
    st.status = REARMING if spec.repeat else FIRED
    return True


def step_cross(
    spec: AlertSpec, st: AlertState, value: float, ref: float, now: float, baseline: bool = False
) -> bool:
    """Feed one value (compared with ``ref``: the level or the indicator's value).

    Returns True when the alert fires. ``baseline=True`` (a snapshot, the first value after a
    reconnect) records the side without ever firing.
    """
    st.value, st.value_at = value, now
    x = value - ref
    if st.status == FIRED:
        return False
    if st.status == REARMING:
        margin = default_margin(spec, value)
        if (spec.op == "above" and x <= -margin) or (spec.op == "below" and x >= margin):
            st.status = ARMED
            st.prev = x
        return False
    prev, st.prev = st.prev, x
    if baseline or prev is None:
        return False
    if spec.op == "above" and prev < 0.0 <= x:
        return _fire(spec, st, value, now)
    if spec.op == "below" and prev > 0.0 >= x:
        return _fire(spec, st, value, now)
    return False


def step_touch(
    spec: AlertSpec,
    st: AlertState,
    value: float,
    levels: Sequence[float],
    tolerance: float,
    now: float,
    baseline: bool = False,
) -> bool:
    """Price touching a level: within ``tolerance`` of it, or jumping across it (a gap).

    A value already touching a level when first seen is only the baseline; after a touch the
    alert re-arms once the price is ``tolerance + margin`` away from the touched level.
    """
    prev = st.extra.get("prev_value")
    st.value, st.value_at = value, now
    st.extra["prev_value"] = value
    if st.status == FIRED:
        return False
    if st.status == REARMING:
        margin = default_margin(spec, value)
        if st.touched is None or abs(value - st.touched) > tolerance + margin:
            st.status = ARMED
        return False
    if baseline or prev is None:
        return False
    lo, hi = min(prev, value) - tolerance, max(prev, value) + tolerance
    for lv in levels:
        if lo <= lv <= hi and abs(prev - lv) > tolerance:
            st.touched = lv
            return _fire(spec, st, value, now)
    return False
