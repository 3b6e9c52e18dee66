"""Vectorised technical indicators, computed exactly as the textbook definitions state.

Every series function takes 1-D float arrays (or sequences) and returns float arrays of the same
length, with NaN where the indicator is not yet defined (warm-up).

Definitions (the ones traders know from other platforms):

- ``sma``: arithmetic mean of the last ``n`` values.
- ``ema``: ``alpha = 2 / (n + 1)``, seeded with the SMA of the first ``n`` values (first value at
  index ``n - 1``), then ``e[t] = e[t-1] + alpha * (x[t] - e[t-1])``.
- ``wma``: linearly weighted mean, weight ``n`` on the newest value down to ``1`` on the oldest.
- ``hma``: Hull, ``wma(2 * wma(x, n // 2) - wma(x, n), int(sqrt(n)))``; needs ``n >= 2``.
- ``rsi``: Wilder. Changes ``d[t] = x[t] - x[t-1]``; the first averages are the simple means of the
  first ``n`` gains and losses (first RSI at index ``n``), then ``avg = (avg * (n - 1) + g) / n``.
  ``RSI = 100 - 100 / (1 + avg_gain / avg_loss)``; 100 when only gains, 0 when only losses, and 50
  for a perfectly flat window (no momentum either way).
- ``macd``: ``ema(fast) - ema(slow)``; the signal is the EMA (SMA-seeded) of the MACD line;
  histogram = MACD - signal.
- ``bollinger``: SMA middle band, ``+/- k`` *population* standard deviations.
- ``atr``: Wilder average of the true range; the first bar's true range is ``high - low`` (it has
  no previous close), the average is seeded with the mean of the first ``n`` true ranges, so the
  first ATR is at index ``n - 1`` (the TradingView convention).
- ``vwap``: cumulative ``sum(price * volume) / sum(volume)`` restarting whenever ``session_ids``
  changes; NaN while the session's volume is still zero.
- ``historical_volatility``: sample (ddof=1) standard deviation of the last ``n`` log returns times
  ``sqrt(periods_per_year)``; first value at index ``n``.

NaN gaps in the input: a NaN (or, for multi-field indicators, a bar with any NaN field) means
"no data here". The output is NaN at that bar, and the indicator **restarts after the gap** as if
the series began anew: it warms up again on the next ``n`` valid values. Windows never straddle a
gap, and recursive indicators (EMA, RSI, ATR, MACD) never carry a state computed before data that
is unknown. Formally, for single-input indicators, ``f(x)[after gap] == f(x[after gap:])``. This
is what a trader expects from a feed outage: no indicator value pretends to know what happened
during the hole. The incremental classes in :mod:`ttai_tui.analysis.incremental` follow the same
rule. (For ``historical_volatility`` a non-positive price counts as missing, since its log is
undefined.)

Periods must be integers ``>= 1`` (``hma`` and ``historical_volatility`` need ``>= 2``); anything else raises ``ValueError``.
A period longer than the data simply yields all NaN.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "FIB_RATIOS",
    "atr",
    "bollinger",
    "ema",
    "fibonacci_levels",
    "historical_volatility",
    "hma",
    "macd",
    "rsi",
    "sma",
    "true_range",
    "vwap",
    "wma",
]

Array = npt.NDArray[np.float64]
ArrayLike = Sequence[float] | npt.ArrayLike

FIB_RATIOS: tuple[float, ...] = (0.0, 0.236, 0.382, 0.5, 0.618, 0.786, 1.0)


def check_period(n: object, name: str = "n", minimum: int = 1) -> int:
    """Validate a period: an int (not bool) of at least ``minimum``; the error says what was wrong."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {n!r}")
    if n < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {n}")
    return int(n)


def _as_array(x: ArrayLike) -> Array:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"expected a 1-D series, got shape {arr.shape}")
    return arr


def _segments(valid: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """Half-open ranges of consecutive True values: the gap-free runs of the input."""
    if valid.size == 0:
        return []
    padded = np.concatenate(([False], valid, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[0::2].tolist(), edges[1::2].tolist(), strict=True))


def _by_segment(x: Array, fn: Callable[[Array], Array]) -> Array:
    """Apply ``fn`` to each NaN-free run independently (the restart-after-gap rule)."""
    out = np.full(x.shape, np.nan)
    for start, stop in _segments(np.isfinite(x)):
        out[start:stop] = fn(x[start:stop])
    return out


# --- per-segment kernels (input has no NaN) -------------------------------------------------


def _sma_seg(x: Array, n: int) -> Array:
    out = np.full(x.shape, np.nan)
    if x.size >= n:
        out[n - 1 :] = sliding_window_view(x, n).mean(axis=1)
    return out


def _wma_seg(x: Array, n: int) -> Array:
    out = np.full(x.shape, np.nan)
    if x.size >= n:
        weights = np.arange(1, n + 1, dtype=np.float64)
        out[n - 1 :] = sliding_window_view(x, n) @ weights / weights.sum()
    return out


def _recursive(seed: float, inputs: Array, alpha: float) -> Array:
    """``y0 = seed; y[t] = (1 - alpha) * y[t-1] + alpha * inputs[t]`` (one C loop via pandas)."""
    import pandas as pd  # here, not at the top: pandas costs ~0.18 s of start-up before any chart

    series = pd.Series(np.concatenate(([seed], inputs)))
    return series.ewm(alpha=alpha, adjust=False).mean().to_numpy()


def _ema_seg(x: Array, n: int) -> Array:
    out = np.full(x.shape, np.nan)
    if x.size >= n:
        out[n - 1 :] = _recursive(float(x[:n].mean()), x[n:], 2.0 / (n + 1))
    return out


def _wilder(values: Array, n: int) -> Array:
    """Wilder's running average of ``values``, seeded with the mean of the first ``n``."""
    out = np.full(values.shape, np.nan)
    if values.size >= n:
        out[n - 1 :] = _recursive(float(values[:n].mean()), values[n:], 1.0 / n)
    return out


def _rsi_seg(x: Array, n: int) -> Array:
    out = np.full(x.shape, np.nan)
    if x.size <= n:
        return out
    change = np.diff(x)
    gain = _wilder(np.where(change > 0, change, 0.0), n)
    loss = _wilder(np.where(change < 0, -change, 0.0), n)
    g, lo = gain[n - 1 :], loss[n - 1 :]
    with np.errstate(divide="ignore", invalid="ignore"):
        value = 100.0 - 100.0 / (1.0 + g / lo)
    value = np.where(lo == 0.0, np.where(g == 0.0, 50.0, 100.0), value)
    out[n:] = value
    return out


# --- public functions ------------------------------------------------------------------------


def sma(x: ArrayLike, n: int) -> Array:
    """Simple moving average of the last ``n`` values."""
    n = check_period(n)
    return _by_segment(_as_array(x), lambda s: _sma_seg(s, n))


def ema(x: ArrayLike, n: int) -> Array:
    """Exponential moving average, ``alpha = 2/(n+1)``, seeded with the SMA of the first ``n``."""
    n = check_period(n)
    return _by_segment(_as_array(x), lambda s: _ema_seg(s, n))


def wma(x: ArrayLike, n: int) -> Array:
    """Linearly weighted moving average (newest value weighs ``n``)."""
    n = check_period(n)
    return _by_segment(_as_array(x), lambda s: _wma_seg(s, n))


def hma(x: ArrayLike, n: int) -> Array:
    """Hull moving average: ``wma(2*wma(x, n//2) - wma(x, n), int(sqrt(n)))``."""
    n = check_period(n, minimum=2)
    half, root = n // 2, math.isqrt(n)

    def seg(s: Array) -> Array:
        raw = 2.0 * _wma_seg(s, half) - _wma_seg(s, n)
        out = np.full(s.shape, np.nan)
        if s.size >= n:
            out[n - 1 :] = _wma_seg(raw[n - 1 :], root)
        return out

    return _by_segment(_as_array(x), seg)


def rsi(x: ArrayLike, n: int = 14) -> Array:
    """Wilder's relative strength index (0..100); 50 on a perfectly flat window."""
    n = check_period(n)
    return _by_segment(_as_array(x), lambda s: _rsi_seg(s, n))


def macd(
    x: ArrayLike, fast: int = 12, slow: int = 26, signal: int = 9
) -> tuple[Array, Array, Array]:
    """``(macd line, signal line, histogram)``; the signal is the SMA-seeded EMA of the line."""
    fast = check_period(fast, "fast")
    slow = check_period(slow, "slow")
    signal = check_period(signal, "signal")
    arr = _as_array(x)
    line = np.full(arr.shape, np.nan)
    sig = np.full(arr.shape, np.nan)
    for start, stop in _segments(np.isfinite(arr)):
        s = arr[start:stop]
        seg_line = _ema_seg(s, fast) - _ema_seg(s, slow)
        line[start:stop] = seg_line
        first = max(fast, slow) - 1
        if s.size > first:
            sig[start + first : stop] = _ema_seg(seg_line[first:], signal)
    return line, sig, line - sig


def bollinger(x: ArrayLike, n: int = 20, k: float = 2.0) -> tuple[Array, Array, Array]:
    """``(upper, middle, lower)``: SMA ``+/- k`` population standard deviations."""
    n = check_period(n)
    if not math.isfinite(k) or k < 0:
        raise ValueError(f"k must be a finite number >= 0, got {k!r}")
    arr = _as_array(x)

    def std_seg(s: Array) -> Array:
        out = np.full(s.shape, np.nan)
        if s.size >= n:
            out[n - 1 :] = sliding_window_view(s, n).std(axis=1)
        return out

    middle = sma(arr, n)
    width = k * _by_segment(arr, std_seg)
    return middle + width, middle, middle - width


def true_range(high: ArrayLike, low: ArrayLike, close: ArrayLike) -> Array:
    """True range per bar; the first bar of each gap-free run uses ``high - low``."""
    h, lo, c = (_as_array(a) for a in (high, low, close))
    if not h.shape == lo.shape == c.shape:
        raise ValueError("high, low and close must have the same length")
    valid = np.isfinite(h) & np.isfinite(lo) & np.isfinite(c)
    out = np.full(h.shape, np.nan)
    for start, stop in _segments(valid):
        hh, ll, cc = h[start:stop], lo[start:stop], c[start:stop]
        tr = hh - ll
        if tr.size > 1:
            prev = cc[:-1]
            tr[1:] = np.maximum.reduce([tr[1:], np.abs(hh[1:] - prev), np.abs(ll[1:] - prev)])
        out[start:stop] = tr
    return out


def atr(high: ArrayLike, low: ArrayLike, close: ArrayLike, n: int = 14) -> Array:
    """Wilder's average true range, seeded with the mean of the first ``n`` true ranges."""
    n = check_period(n)
    return _by_segment(true_range(high, low, close), lambda s: _wilder(s, n))


def vwap(price: ArrayLike, volume: ArrayLike, session_ids: ArrayLike) -> Array:
    """Volume-weighted average price, restarting at every change of ``session_ids``.

    ``price`` is whatever the caller weighs (close or typical price ``(h+l+c)/3``). VWAP is the
    one exception to the restart-after-gap rule: it is anchored to the session open, so a bar with
    a NaN price or volume is skipped (NaN output, contributes nothing) and the session goes on.
    """
    p, v = _as_array(price), _as_array(volume)
    sessions = np.asarray(session_ids)
    if not p.shape == v.shape == sessions.shape:
        raise ValueError("price, volume and session_ids must have the same length")
    valid = np.isfinite(p) & np.isfinite(v)
    pv = np.where(valid, p * v, 0.0)
    vol = np.where(valid, v, 0.0)
    cuts = [0]
    if p.size > 1:
        cuts += (np.flatnonzero(sessions[1:] != sessions[:-1]) + 1).tolist()
    cuts.append(p.size)
    out = np.full(p.shape, np.nan)
    for a, b in itertools.pairwise(cuts):
        cum_v = np.cumsum(vol[a:b])
        with np.errstate(divide="ignore", invalid="ignore"):
            out[a:b] = np.where(cum_v != 0.0, np.cumsum(pv[a:b]) / cum_v, np.nan)
    out[~valid] = np.nan
    return out


def historical_volatility(close: ArrayLike, n: int = 20, periods_per_year: float = 252) -> Array:
    """Annualised sample standard deviation of the last ``n`` log returns."""
    n = check_period(n, minimum=2)  # a sample std needs two returns
    if not (math.isfinite(periods_per_year) and periods_per_year > 0):
        raise ValueError(f"periods_per_year must be > 0, got {periods_per_year!r}")
    arr = _as_array(close).copy()
    with np.errstate(invalid="ignore"):
        arr[~(arr > 0)] = np.nan
    scale = math.sqrt(periods_per_year)

    def seg(s: Array) -> Array:
        out = np.full(s.shape, np.nan)
        if s.size > n:
            returns = np.diff(np.log(s))
            out[n:] = sliding_window_view(returns, n).std(axis=1, ddof=1) * scale
        return out

    return _by_segment(arr, seg)


def fibonacci_levels(high: float, low: float) -> dict[float, float]:
    """Retracement levels of a move: ratio -> price, 0 % at the high down to 100 % at the low.

    Keys are the ratios 0, 0.236, 0.382, 0.5, 0.618, 0.786 and 1.0 (ordered).
    """
    hi, lo = float(high), float(low)
    if not (math.isfinite(hi) and math.isfinite(lo)):
        raise ValueError(f"high and low must be finite, got {high!r}, {low!r}")
    if hi < lo:
        raise ValueError(f"high ({hi}) must be >= low ({lo})")
    span = hi - lo
    return {ratio: hi - span * ratio for ratio in FIB_RATIOS}
