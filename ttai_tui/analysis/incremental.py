"""Incremental indicators for the live chart: O(1) per bar, same numbers as the vectorised ones.

Every class has:

- ``update(...)``: a new bar was appended; returns the indicator value at that bar.
- ``replace_last(...)``: the last bar changed (the forming candle ticked); returns the new value.
  Any number of ``replace_last`` calls may follow an ``update``; the result is always what
  ``update`` would have returned had it been called with the final value.
- ``value``: the current value (NaN while warming up). Two- and three-output indicators return
  tuples, like their vectorised counterparts.

The numbers equal :mod:`ttai_tui.analysis.indicators` on the same series (to ~1e-12 relative),
including its NaN rule: a NaN bar (any NaN field for ATR; a non-positive price for historical
volatility) yields NaN and restarts the indicator, except VWAP, which skips the bar.

How O(1) is kept honest: window sums are updated by add/subtract and re-summed from the window
every ``n`` bars (amortised O(1)) so rounding never drifts; the last bar's contribution can be
undone exactly because each push remembers what it replaced (one level of undo is all that
``replace_last`` needs). talipp was evaluated for this job and not used; see the README section
"Chart and indicators".
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

from ttai_tui.analysis.indicators import check_period

__all__ = [
    "ATR",
    "EMA",
    "HMA",
    "MACD",
    "RSI",
    "SMA",
    "VWAP",
    "WMA",
    "Bollinger",
    "HistoricalVolatility",
]

NAN = math.nan
X = TypeVar("X")  # what a core accumulates per bar
Bar = TypeVar("Bar")  # what an indicator receives per bar
Out = TypeVar("Out")  # what an indicator returns: a float, or a tuple for multi-line ones
HLC = tuple[float, float, float]  # ATR's bar: high, low, close
VWAPBar = tuple[float, float, object]  # VWAP's bar: price, volume, session id


# --- cores: the gap-free state machine of each indicator, with one level of undo --------------


class _Core(Generic[X]):
    """A gap-free accumulator. ``pop`` undoes the most recent ``push`` (once)."""

    def push(self, x: X) -> None:
        raise NotImplementedError

    def pop(self) -> None:
        raise NotImplementedError

    def replace(self, x: X) -> None:
        """Change the most recent pushed value (the forming bar); cores may do it cheaper."""
        self.pop()
        self.push(x)


class _WindowCore(_Core[float]):
    """The last ``n`` values with a sum (shifted by ``k`` for precise variances) and sum of squares.

    Re-sums from the window every ``n`` pushes so add/subtract rounding cannot accumulate.
    """

    def __init__(self, n: int, weighted: bool = False) -> None:
        self.n = n
        self.weighted = weighted
        self.denom = n * (n + 1) / 2.0
        self.buf: deque[float] = deque()
        self.k = 0.0  # shift: sums are of (x - k), k re-centred at each re-sum
        self.s1 = 0.0
        self.s2 = 0.0
        self.w = 0.0  # sum of i * x_i (1 = oldest) when weighted, unshifted
        self.since = 0
        # A new bar re-sums every n pushes (a level shift is flushed within one window); a
        # forming bar's ticks re-sum every max(n, 64) replaces: a few dozen ulps at most, while
        # tiny windows (HMA's sqrt(n) window is 4 wide) stop paying an O(n) sum every 4 ticks.
        self.resum_every = max(n, 64)
        self._undo: tuple[float | None, float, float, float, float, int] | None = None

    @property
    def full(self) -> bool:
        return len(self.buf) == self.n

    def push(self, x: float) -> None:
        evicted = self.buf.popleft() if self.full else None
        self._undo = (evicted, self.k, self.s1, self.s2, self.w, self.since)
        s_before = self.s1 + self.k * (len(self.buf) + (evicted is not None))
        self.buf.append(x)
        self.since += 1
        if self.since >= self.n or (evicted is None and self.full):
            self._resum()
            return
        if evicted is not None:
            d_old = evicted - self.k
            self.s1 -= d_old
            self.s2 -= d_old * d_old
            if self.weighted:
                self.w += self.n * x - s_before
        d = x - self.k
        self.s1 += d
        self.s2 += d * d

    def _resum(self) -> None:
        buf = self.buf
        self.k = buf[-1]
        self.s1 = math.fsum(v - self.k for v in buf)
        self.s2 = math.fsum((v - self.k) ** 2 for v in buf)
        if self.weighted:
            self.w = math.fsum(i * v for i, v in enumerate(buf, start=1))
        self.since = 0

    def replace(self, x: float) -> None:
        """O(1) in place: only the newest value changes (its weight is ``n`` when full).

        Counts towards the periodic re-sum, so a forming bar ticked thousands of times cannot
        accumulate rounding either. The undo snapshot (taken before the push) stays valid.
        """
        buf = self.buf
        old = buf[-1]
        buf[-1] = x
        k = self.k
        d_new, d_old = x - k, old - k
        self.s1 += d_new - d_old
        self.s2 += d_new * d_new - d_old * d_old
        if self.weighted:
            self.w += len(buf) * (x - old)
        self.since += 1
        # a huge jump (a bad tick corrected, a level shift) is flushed at once, not 64 ticks later
        if len(buf) == self.n and (self.since >= self.resum_every or abs(x - old) > 0.5 * abs(old)):
            self._resum()

    def pop(self) -> None:
        assert self._undo is not None, "pop without push"
        evicted, self.k, self.s1, self.s2, self.w, self.since = self._undo
        self.buf.pop()
        if evicted is not None:
            self.buf.appendleft(evicted)
        self._undo = None

    def mean(self) -> float:
        return self.k + self.s1 / self.n if len(self.buf) == self.n else NAN

    def variance(self, ddof: int = 0) -> float:
        if not self.full or self.n - ddof <= 0:
            return NAN
        m = self.s1 / self.n
        return max(self.s2 - self.n * m * m, 0.0) / (self.n - ddof)

    def wmean(self) -> float:
        return self.w / self.denom if len(self.buf) == self.n else NAN


class _SeededCore(_Core[float]):
    """``y = seed mean of the first n, then y += alpha * (x - y)`` (EMA and Wilder)."""

    def __init__(self, n: int, alpha: float) -> None:
        self.n, self.alpha = n, alpha
        self.count, self.acc, self.value = 0, 0.0, NAN
        self._undo: tuple[int, float, float] | None = None

    def push(self, x: float) -> None:
        self._undo = (self.count, self.acc, self.value)
        self.count += 1
        if self.count < self.n:
            self.acc += x
        elif self.count == self.n:
            self.acc += x
            self.value = self.acc / self.n
        else:
            self.value = (1.0 - self.alpha) * self.value + self.alpha * x

    def pop(self) -> None:
        assert self._undo is not None, "pop without push"
        self.count, self.acc, self.value = self._undo
        self._undo = None


# --- the public wrapper: gaps and replace_last --------------------------------------------------


class _Incremental(Generic[Bar, Out]):
    """Turns a core into the update/replace_last API with the restart-after-gap rule.

    Each indicator narrows ``_core`` to the core class its ``_new_core`` builds, which is the
    only place a core comes from (a gap swaps in a fresh one and keeps the old one to undo).
    """

    _core: _Core[Bar]

    def __init__(self) -> None:
        self._core = self._new_core()
        self._saved: _Core[Bar] | None = None  # the core a gap replaced, for replace_last
        self._last: str | None = None  # "push" | "gap" | None (no bar yet)

    def _new_core(self) -> _Core[Bar]:
        raise NotImplementedError

    def _valid(self, bar: Bar) -> bool:
        raise NotImplementedError

    @property
    def value(self) -> Out:
        raise NotImplementedError

    def _push(self, bar: Bar) -> None:
        self._core.push(bar)

    def _apply(self, bar: Bar) -> None:
        if self._valid(bar):
            self._push(bar)
            self._last = "push"
        else:
            self._saved, self._core = self._core, self._new_core()
            self._last = "gap"

    def _update(self, bar: Bar) -> None:
        self._apply(bar)

    def _replace_last(self, bar: Bar) -> None:
        if self._last == "push" and self._valid(bar):
            self._core.replace(bar)  # the cheap in-place path
            return
        if self._last == "push":
            self._core.pop()
        elif self._last == "gap":
            assert self._saved is not None
            self._core, self._saved = self._saved, None
        self._apply(bar)


class _Single(_Incremental[float, Out]):
    """One float per bar; NaN (or non-finite) is a gap."""

    def _valid(self, bar: float) -> bool:
        return math.isfinite(bar)

    def update(self, value: float) -> Out:
        """Append a bar; returns the value at it."""
        self._update(float(value))
        return self.value

    def replace_last(self, value: float) -> Out:
        """Change the last (forming) bar; returns the new value."""
        v = float(value)
        if self._last == "push" and v - v == 0.0:  # finite: the in-place path, inlined
            self._core.replace(v)
        else:
            self._replace_last(v)
        return self.value


class SMA(_Single[float]):
    """Incremental :func:`~ttai_tui.analysis.indicators.sma`."""

    _core: _WindowCore

    def __init__(self, n: int) -> None:
        self.n = check_period(n)
        super().__init__()

    def _new_core(self) -> _WindowCore:
        return _WindowCore(self.n)

    @property
    def value(self) -> float:
        return self._core.mean()


class WMA(_Single[float]):
    """Incremental :func:`~ttai_tui.analysis.indicators.wma`."""

    _core: _WindowCore

    def __init__(self, n: int) -> None:
        self.n = check_period(n)
        super().__init__()

    def _new_core(self) -> _WindowCore:
        return _WindowCore(self.n, weighted=True)

    @property
    def value(self) -> float:
        return self._core.wmean()


class EMA(_Single[float]):
    """Incremental :func:`~ttai_tui.analysis.indicators.ema` (SMA-seeded)."""

    _core: _SeededCore

    def __init__(self, n: int) -> None:
        self.n = check_period(n)
        super().__init__()

    def _new_core(self) -> _SeededCore:
        return _SeededCore(self.n, 2.0 / (self.n + 1))

    @property
    def value(self) -> float:
        return self._core.value


class _Chain(_Core[float]):
    """Cores fed in series: ``stage2`` receives ``feed(stage1 outputs)`` once that is defined.

    Used for MACD (two EMAs into the signal EMA).
    """

    def __init__(
        self, firsts: list[_SeededCore], second: _SeededCore, feed: Callable[[], float]
    ) -> None:
        self.firsts, self.second, self.feed = firsts, second, feed
        self.fed = False  # whether the last push reached ``second``

    def push(self, x: float) -> None:
        for core in self.firsts:
            core.push(x)
        y = self.feed()
        self.fed = math.isfinite(y)
        if self.fed:
            self.second.push(y)

    def pop(self) -> None:
        for core in self.firsts:
            core.pop()
        if self.fed:
            self.second.pop()
        self.fed = False

    def replace(self, x: float) -> None:
        for core in self.firsts:
            core.replace(x)
        y = self.feed()
        fed = math.isfinite(y)
        if self.fed and fed:
            self.second.replace(y)
        elif self.fed:
            self.second.pop()
        elif fed:
            self.second.push(y)
        self.fed = fed


class _HMACore(_Core[float]):
    """``wma(2*wma(x, n//2) - wma(x, n), isqrt(n))`` as three O(1) windows.

    The raw series is defined exactly when the ``n`` window is full (the half window is then
    full too), so whether a bar reaches the outer window depends only on the bar count and a
    replace never changes it: that keeps the forming-bar path short.
    """

    def __init__(self, n: int) -> None:
        self.half = _WindowCore(n // 2, weighted=True)
        self.full = _WindowCore(n, weighted=True)
        self.root = _WindowCore(math.isqrt(n), weighted=True)
        self.fed = False

    def _raw(self) -> float:
        h, f = self.half, self.full
        return 2.0 * h.w / h.denom - f.w / f.denom

    def push(self, x: float) -> None:
        self.half.push(x)
        self.full.push(x)
        self.fed = len(self.full.buf) == self.full.n
        if self.fed:
            self.root.push(self._raw())

    def pop(self) -> None:
        self.half.pop()
        self.full.pop()
        if self.fed:
            self.root.pop()
        self.fed = False

    def replace(self, x: float) -> None:
        self.half.replace(x)
        self.full.replace(x)
        if self.fed:
            self.root.replace(self._raw())


class HMA(_Single[float]):
    """Incremental :func:`~ttai_tui.analysis.indicators.hma` (three O(1) WMAs)."""

    _core: _HMACore

    def __init__(self, n: int) -> None:
        self.n = check_period(n, minimum=2)
        super().__init__()

    def _new_core(self) -> _HMACore:
        return _HMACore(self.n)

    @property
    def value(self) -> float:
        return self._core.root.wmean()


class MACD(_Single[tuple[float, float, float]]):
    """Incremental :func:`~ttai_tui.analysis.indicators.macd`; ``value`` is ``(line, signal, hist)``."""

    _core: _Chain

    def __init__(self, fast: int = 12, slow: int = 26, signal: int = 9) -> None:
        self.fast = check_period(fast, "fast")
        self.slow = check_period(slow, "slow")
        self.signal = check_period(signal, "signal")
        super().__init__()

    def _new_core(self) -> _Chain:
        f = _SeededCore(self.fast, 2.0 / (self.fast + 1))
        s = _SeededCore(self.slow, 2.0 / (self.slow + 1))
        sig = _SeededCore(self.signal, 2.0 / (self.signal + 1))
        return _Chain([f, s], sig, lambda: f.value - s.value)

    @property
    def value(self) -> tuple[float, float, float]:
        core = self._core
        f, s = core.firsts
        line = f.value - s.value
        sig = core.second.value
        return line, sig, line - sig


class Bollinger(_Single[tuple[float, float, float]]):
    """Incremental :func:`~ttai_tui.analysis.indicators.bollinger`; ``value`` is ``(upper, middle, lower)``."""

    _core: _WindowCore

    def __init__(self, n: int = 20, k: float = 2.0) -> None:
        self.n = check_period(n)
        if not math.isfinite(k) or k < 0:
            raise ValueError(f"k must be a finite number >= 0, got {k!r}")
        self.k = float(k)
        super().__init__()

    def _new_core(self) -> _WindowCore:
        return _WindowCore(self.n)

    @property
    def value(self) -> tuple[float, float, float]:
        core = self._core
        mid = core.mean()
        width = self.k * math.sqrt(core.variance()) if core.full else NAN
        return mid + width, mid, mid - width


class _RSICore(_Core[float]):
    def __init__(self, n: int) -> None:
        self.prev = NAN
        self.gain = _SeededCore(n, 1.0 / n)
        self.loss = _SeededCore(n, 1.0 / n)
        self._undo: tuple[float, bool] = (NAN, True)  # (previous close, was the first bar)

    def push(self, x: float) -> None:
        first = math.isnan(self.prev)
        self._undo = (self.prev, first)
        if not first:
            d = x - self.prev
            self.gain.push(d if d > 0 else 0.0)
            self.loss.push(-d if d < 0 else 0.0)
        self.prev = x

    def pop(self) -> None:
        prev, first = self._undo
        if not first:
            self.gain.pop()
            self.loss.pop()
        self.prev = prev


class RSI(_Single[float]):
    """Incremental :func:`~ttai_tui.analysis.indicators.rsi` (Wilder)."""

    _core: _RSICore

    def __init__(self, n: int = 14) -> None:
        self.n = check_period(n)
        super().__init__()

    def _new_core(self) -> _RSICore:
        return _RSICore(self.n)

    @property
    def value(self) -> float:
        core = self._core
        g, lo = core.gain.value, core.loss.value
        if math.isnan(g):
            return NAN
        if lo == 0.0:
            return 50.0 if g == 0.0 else 100.0
        return 100.0 - 100.0 / (1.0 + g / lo)


class _HVCore(_Core[float]):
    def __init__(self, n: int) -> None:
        self.prev = NAN
        self.window = _WindowCore(n)
        self._undo: tuple[float, bool] = (NAN, True)  # (previous close, was the first bar)

    def push(self, x: float) -> None:
        first = math.isnan(self.prev)
        self._undo = (self.prev, first)
        if not first:
            self.window.push(math.log(x) - math.log(self.prev))
        self.prev = x

    def pop(self) -> None:
        prev, first = self._undo
        if not first:
            self.window.pop()
        self.prev = prev


class HistoricalVolatility(_Single[float]):
    """Incremental :func:`~ttai_tui.analysis.indicators.historical_volatility`."""

    _core: _HVCore

    def __init__(self, n: int = 20, periods_per_year: float = 252) -> None:
        self.n = check_period(n, minimum=2)
        if not (math.isfinite(periods_per_year) and periods_per_year > 0):
            raise ValueError(f"periods_per_year must be > 0, got {periods_per_year!r}")
        self.scale = math.sqrt(periods_per_year)
        super().__init__()

    def _valid(self, bar: float) -> bool:
        return math.isfinite(bar) and bar > 0

    def _new_core(self) -> _HVCore:
        return _HVCore(self.n)

    def replace_last(self, value: float) -> float:
        """Change the last (forming) bar; a non-positive price is a gap here, not just NaN."""
        self._replace_last(float(value))
        return self.value

    @property
    def value(self) -> float:
        return math.sqrt(self._core.window.variance(ddof=1)) * self.scale


class _ATRCore(_Core[HLC]):
    def __init__(self, n: int) -> None:
        self.prev_close = NAN
        self.avg = _SeededCore(n, 1.0 / n)
        self._undo = NAN

    def push(self, x: HLC) -> None:
        high, low, close = x
        tr = high - low
        if not math.isnan(self.prev_close):
            tr = max(tr, abs(high - self.prev_close), abs(low - self.prev_close))
        self._undo = self.prev_close
        self.avg.push(tr)
        self.prev_close = close

    def pop(self) -> None:
        self.avg.pop()
        self.prev_close = self._undo


class ATR(_Incremental[HLC, float]):
    """Incremental :func:`~ttai_tui.analysis.indicators.atr`; bars are ``(high, low, close)``."""

    _core: _ATRCore

    def __init__(self, n: int = 14) -> None:
        self.n = check_period(n)
        super().__init__()

    def _new_core(self) -> _ATRCore:
        return _ATRCore(self.n)

    def _valid(self, bar: HLC) -> bool:
        return all(math.isfinite(v) for v in bar)

    @property
    def value(self) -> float:
        return self._core.avg.value

    def update(self, high: float, low: float, close: float) -> float:
        """Append a bar; returns the ATR at it."""
        self._update((float(high), float(low), float(close)))
        return self.value

    def replace_last(self, high: float, low: float, close: float) -> float:
        """Change the forming bar; returns the new ATR."""
        self._replace_last((float(high), float(low), float(close)))
        return self.value


class _VWAPCore(_Core[VWAPBar]):
    def __init__(self) -> None:
        self.session: object = _NO_SESSION
        self.pv = self.vol = 0.0
        self.bar_valid = False
        self._undo: tuple[object, float, float, bool] | None = None

    def push(self, x: VWAPBar) -> None:
        price, volume, session = x
        self._undo = (self.session, self.pv, self.vol, self.bar_valid)
        if session != self.session:
            self.session, self.pv, self.vol = session, 0.0, 0.0
        self.bar_valid = math.isfinite(price) and math.isfinite(volume)
        if self.bar_valid:
            self.pv += price * volume
            self.vol += volume

    def pop(self) -> None:
        assert self._undo is not None
        self.session, self.pv, self.vol, self.bar_valid = self._undo
        self._undo = None


_NO_SESSION = object()


class VWAP(_Incremental[VWAPBar, float]):
    """Incremental :func:`~ttai_tui.analysis.indicators.vwap`; a NaN bar is skipped, not a restart."""

    _core: _VWAPCore

    def _new_core(self) -> _VWAPCore:
        return _VWAPCore()

    def _valid(self, bar: VWAPBar) -> bool:
        return True  # the core skips NaN bars itself: VWAP is anchored to the session

    @property
    def value(self) -> float:
        core = self._core
        if not core.bar_valid or core.vol == 0.0:
            return NAN
        return core.pv / core.vol

    def update(self, price: float, volume: float, session_id: object) -> float:
        """Append a bar; returns the session VWAP at it."""
        self._update((float(price), float(volume), session_id))
        return self.value

    def replace_last(self, price: float, volume: float, session_id: object) -> float:
        """Change the forming bar; returns the new VWAP."""
        self._replace_last((float(price), float(volume), session_id))
        return self.value
