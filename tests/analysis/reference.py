"""Plain-Python reference implementations of the textbook indicator definitions.

Written independently of ``ttai_tui.analysis``: explicit loops over Python floats, no numpy
windows, no pandas. They only handle gap-free input (the tests apply them per gap-free run).
None means "not defined yet".
"""

from __future__ import annotations

import math

Opt = float | None


def sma(x: list[float], n: int) -> list[Opt]:
    out: list[Opt] = []
    for i in range(len(x)):
        if i + 1 < n:
            out.append(None)
        else:
            total = 0.0
            for j in range(i - n + 1, i + 1):
                total += x[j]
            out.append(total / n)
    return out


def ema(x: list[float], n: int) -> list[Opt]:
    alpha = 2.0 / (n + 1)
    out: list[Opt] = [None] * len(x)
    prev: Opt = None
    for i in range(len(x)):
        if i == n - 1:
            prev = sum(x[:n]) / n
        elif prev is not None:
            prev = alpha * x[i] + (1.0 - alpha) * prev
        out[i] = prev
    return out


def ema_of_optional(x: list[Opt], n: int) -> list[Opt]:
    """EMA of a series with a leading run of None (the MACD signal line)."""
    start = next((i for i, v in enumerate(x) if v is not None), len(x))
    tail = ema([v for v in x[start:] if v is not None], n)
    return [None] * start + tail


def wma(x: list[Opt], n: int) -> list[Opt]:
    out: list[Opt] = []
    denom = n * (n + 1) / 2
    for i in range(len(x)):
        window = x[i - n + 1 : i + 1] if i + 1 >= n else []
        if len(window) < n or any(v is None for v in window):
            out.append(None)
            continue
        acc = 0.0
        for weight, v in enumerate(window, start=1):
            acc += weight * v  # type: ignore[operator]
        out.append(acc / denom)
    return out


def hma(x: list[float], n: int) -> list[Opt]:
    half = wma(x, n // 2)  # type: ignore[arg-type]
    full = wma(x, n)  # type: ignore[arg-type]
    raw: list[Opt] = [
        None if (a is None or b is None) else 2 * a - b for a, b in zip(half, full, strict=True)
    ]
    return wma(raw, math.floor(math.sqrt(n)))


def rsi(x: list[float], n: int) -> list[Opt]:
    out: list[Opt] = [None] * len(x)
    if len(x) <= n:
        return out
    gains = [max(x[i] - x[i - 1], 0.0) for i in range(1, len(x))]
    losses = [max(x[i - 1] - x[i], 0.0) for i in range(1, len(x))]
    avg_g = sum(gains[:n]) / n
    avg_l = sum(losses[:n]) / n

    def value(g: float, lo: float) -> float:
        if lo == 0:
            return 50.0 if g == 0 else 100.0
        rs = g / lo
        return 100.0 - 100.0 / (1.0 + rs)

    out[n] = value(avg_g, avg_l)
    for i in range(n + 1, len(x)):
        avg_g = (avg_g * (n - 1) + gains[i - 1]) / n
        avg_l = (avg_l * (n - 1) + losses[i - 1]) / n
        out[i] = value(avg_g, avg_l)
    return out


def macd(x: list[float], fast: int, slow: int, signal: int) -> tuple[list[Opt], ...]:
    ef, es = ema(x, fast), ema(x, slow)
    line: list[Opt] = [
        None if (a is None or b is None) else a - b for a, b in zip(ef, es, strict=True)
    ]
    sig = ema_of_optional(line, signal)
    hist: list[Opt] = [
        None if (a is None or b is None) else a - b for a, b in zip(line, sig, strict=True)
    ]
    return line, sig, hist


def bollinger(x: list[float], n: int, k: float) -> tuple[list[Opt], ...]:
    up: list[Opt] = []
    mid: list[Opt] = []
    lo: list[Opt] = []
    for i in range(len(x)):
        if i + 1 < n:
            up.append(None)
            mid.append(None)
            lo.append(None)
            continue
        window = x[i - n + 1 : i + 1]
        mean = sum(window) / n
        var = sum((v - mean) ** 2 for v in window) / n
        sd = math.sqrt(var)
        up.append(mean + k * sd)
        mid.append(mean)
        lo.append(mean - k * sd)
    return up, mid, lo


def atr(high: list[float], low: list[float], close: list[float], n: int) -> list[Opt]:
    trs: list[float] = []
    for i in range(len(high)):
        if i == 0:
            trs.append(high[0] - low[0])
        else:
            pc = close[i - 1]
            trs.append(max(high[i] - low[i], abs(high[i] - pc), abs(low[i] - pc)))
    out: list[Opt] = [None] * len(high)
    if len(trs) < n:
        return out
    avg = sum(trs[:n]) / n
    out[n - 1] = avg
    for i in range(n, len(trs)):
        avg = (avg * (n - 1) + trs[i]) / n
        out[i] = avg
    return out


def vwap(price: list[float], volume: list[float], sessions: list[object]) -> list[Opt]:
    out: list[Opt] = []
    pv = vol = 0.0
    current: object = object()
    for p, v, s in zip(price, volume, sessions, strict=True):
        if s != current:
            current, pv, vol = s, 0.0, 0.0
        if math.isnan(p) or math.isnan(v):
            out.append(None)
            continue
        pv += p * v
        vol += v
        out.append(pv / vol if vol != 0 else None)
    return out


def historical_volatility(close: list[float], n: int, ppy: float) -> list[Opt]:
    out: list[Opt] = [None] * len(close)
    rets = [math.log(close[i] / close[i - 1]) for i in range(1, len(close))]
    for i in range(n, len(close)):
        window = rets[i - n : i]
        mean = sum(window) / n
        var = sum((r - mean) ** 2 for r in window) / (n - 1)
        out[i] = math.sqrt(var) * math.sqrt(ppy)
    return out
