"""Incremental indicators equal the vectorised ones, bar by bar, under replace_last storms."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ttai_tui.analysis import incremental as inc
from ttai_tui.analysis import indicators as ind

TOL = 1e-9


def walk(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, n)))


def drive(
    obj: Any, bars: list[tuple], rng: np.random.Generator, noise: Callable[[tuple], tuple]
) -> list[Any]:
    """Feed ``bars``; each bar is first sent as a perturbed value then corrected 0-3 times with
    ``replace_last`` (the forming candle), the last correction being the true bar."""
    out = []
    for bar in bars:
        k = int(rng.integers(0, 4))
        if k == 0:
            out.append(obj.update(*bar))
            continue
        obj.update(*noise(bar))
        for _ in range(k - 1):
            obj.replace_last(*noise(bar))
        out.append(obj.replace_last(*bar))
    return out


def perturb(rng: np.random.Generator) -> Callable[[tuple], tuple]:
    def noise(bar: tuple) -> tuple:
        if rng.random() < 0.15:
            return tuple(math.nan if isinstance(v, float) else v for v in bar)
        return tuple(v * (1 + rng.normal(0, 0.01)) if isinstance(v, float) else v for v in bar)

    return noise


def assert_same(got: list, want: np.ndarray, scale: float = 100.0) -> None:
    g = np.array(got, dtype=float)
    np.testing.assert_array_equal(np.isnan(g), np.isnan(want))
    m = ~np.isnan(want)
    np.testing.assert_allclose(g[m], want[m], rtol=TOL, atol=TOL * scale)


def with_gaps(x: np.ndarray) -> np.ndarray:
    y = x.copy()
    y[[50, 51, 300, 301, 302, 900]] = np.nan
    y[1400:1410] = np.nan
    return y


SINGLE: dict[str, tuple[Callable[[], Any], Callable[[np.ndarray], Any]]] = {
    "sma": (lambda: inc.SMA(20), lambda x: ind.sma(x, 20)),
    "sma1": (lambda: inc.SMA(1), lambda x: ind.sma(x, 1)),
    "ema": (lambda: inc.EMA(21), lambda x: ind.ema(x, 21)),
    "wma": (lambda: inc.WMA(15), lambda x: ind.wma(x, 15)),
    "hma": (lambda: inc.HMA(21), lambda x: ind.hma(x, 21)),
    "hma2": (lambda: inc.HMA(2), lambda x: ind.hma(x, 2)),
    "rsi": (lambda: inc.RSI(14), lambda x: ind.rsi(x, 14)),
    "hv": (lambda: inc.HistoricalVolatility(20), lambda x: ind.historical_volatility(x, 20)),
}


@pytest.mark.parametrize("gaps", [False, True], ids=["clean", "gaps"])
@pytest.mark.parametrize("name", SINGLE)
def test_single_input_matches_vectorised(name: str, gaps: bool) -> None:
    make, vectorised = SINGLE[name]
    x = walk(2000, seed=len(name))
    if gaps:
        x = with_gaps(x)
    rng = np.random.default_rng(1)
    got = drive(make(), [(v,) for v in x], rng, perturb(rng))
    assert_same(got, vectorised(x))


@pytest.mark.parametrize("gaps", [False, True], ids=["clean", "gaps"])
def test_macd_and_bollinger_match_vectorised(gaps: bool) -> None:
    x = walk(2000, seed=3)
    if gaps:
        x = with_gaps(x)
    rng = np.random.default_rng(2)
    got = drive(inc.MACD(12, 26, 9), [(v,) for v in x], rng, perturb(rng))
    for i, want in enumerate(ind.macd(x, 12, 26, 9)):
        assert_same([g[i] for g in got], want)
    got = drive(inc.Bollinger(20, 2.0), [(v,) for v in x], rng, perturb(rng))
    for i, want in enumerate(ind.bollinger(x, 20, 2.0)):
        assert_same([g[i] for g in got], want)


@pytest.mark.parametrize("gaps", [False, True], ids=["clean", "gaps"])
def test_atr_matches_vectorised(gaps: bool) -> None:
    c = walk(2000, seed=4)
    rng = np.random.default_rng(5)
    h = c * (1 + np.abs(rng.normal(0, 0.003, c.size)))
    lo = c * (1 - np.abs(rng.normal(0, 0.003, c.size)))
    if gaps:
        h[100] = np.nan
        c[700:705] = np.nan
    got = drive(inc.ATR(14), list(zip(h, lo, c, strict=True)), rng, perturb(rng))
    assert_same(got, ind.atr(h, lo, c, 14), scale=1.0)


def test_vwap_matches_vectorised_across_sessions() -> None:
    p = walk(2000, seed=6)
    rng = np.random.default_rng(7)
    v = rng.integers(0, 500, p.size).astype(float)
    p[[10, 500, 501]] = np.nan
    sessions = np.repeat(np.arange(10), 200)
    bars = [(float(a), float(b), int(s)) for a, b, s in zip(p, v, sessions, strict=True)]
    # the noise may also move a bar into the next session and back: replace_last must undo it
    base = perturb(rng)

    def noise(bar: tuple) -> tuple:
        a, b, s = base(bar)
        return a, b, s + int(rng.integers(0, 2))

    got = drive(inc.VWAP(), bars, rng, noise)
    assert_same(got, ind.vwap(p, v, sessions))


def test_constant_series_is_exact() -> None:
    bb = inc.Bollinger(20)
    for _ in range(500):
        upper, middle, lower = bb.update(101.37)
    assert upper == middle == lower == pytest.approx(101.37, abs=1e-12)
    r = inc.RSI(14)
    for _ in range(100):
        value = r.update(5.0)
    assert value == 50.0


def test_replace_last_before_any_update_acts_as_update() -> None:
    s = inc.SMA(1)
    assert s.replace_last(3.0) == 3.0
    assert s.update(5.0) == 5.0


def test_bad_periods_raise() -> None:
    for make in (inc.SMA, inc.EMA, inc.WMA, inc.RSI, inc.ATR):
        with pytest.raises(ValueError):
            make(0)
    with pytest.raises(ValueError):
        inc.HMA(1)
    with pytest.raises(ValueError):
        inc.MACD(12, 0, 9)
    with pytest.raises(ValueError):
        inc.Bollinger(20, -1.0)


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.one_of(st.floats(1.0, 1000.0), st.just(math.nan)), min_size=1, max_size=80),
    n=st.integers(2, 12),
    seed=st.integers(0, 2**16),
    name=st.sampled_from(["sma", "ema", "wma", "hma", "rsi", "hv", "bb"]),
)
def test_property_any_series_any_replace_pattern(
    values: list[float], n: int, seed: int, name: str
) -> None:
    x = np.array(values)
    makers: dict[str, tuple[Any, Any]] = {
        "sma": (inc.SMA, ind.sma),
        "ema": (inc.EMA, ind.ema),
        "wma": (inc.WMA, ind.wma),
        "hma": (inc.HMA, ind.hma),
        "rsi": (inc.RSI, ind.rsi),
        "hv": (inc.HistoricalVolatility, ind.historical_volatility),
        "bb": (lambda n: inc.Bollinger(n), lambda x, n: ind.bollinger(x, n)[2]),
    }
    make, vec = makers[name]
    rng = np.random.default_rng(seed)
    got = drive(make(n), [(v,) for v in values], rng, perturb(rng))
    if name == "bb":
        got = [g[2] for g in got]
    g = np.array(got, dtype=float)
    want = vec(x, n)
    np.testing.assert_array_equal(np.isnan(g), np.isnan(want))
    m = ~np.isnan(want)
    np.testing.assert_allclose(g[m], want[m], rtol=1e-8, atol=1e-8 * 1000)


def test_window_sums_do_not_drift_after_a_level_shift() -> None:
    """Running sums anchored at 1e8 would lose every digit of a later series near 1: the windows
    re-sum (and re-centre) every n bars, so they must not."""
    x = np.concatenate([np.full(50, 1e8) + np.arange(50.0), walk(400, seed=9) / 100.0])
    for make, vec in ((inc.SMA(10), ind.sma), (inc.WMA(10), ind.wma)):
        got = [make.update(v) for v in x]
        assert_same(got, vec(x, 10), scale=1.0)
    bb = inc.Bollinger(10)
    got = [bb.update(v)[0] for v in x]
    assert_same(got, ind.bollinger(x, 10)[0], scale=1.0)


def test_thousands_of_ticks_on_one_forming_bar_do_not_drift() -> None:
    """The in-place replace path re-sums periodically: 5,000 ticks leave no rounding trail."""
    x = walk(300, seed=11)
    rng = np.random.default_rng(12)
    objs = {"sma": inc.SMA(20), "wma": inc.WMA(20), "hma": inc.HMA(21), "bb": inc.Bollinger(20)}
    vecs = {
        "sma": lambda a: ind.sma(a, 20),
        "wma": lambda a: ind.wma(a, 20),
        "hma": lambda a: ind.hma(a, 21),
        "bb": lambda a: ind.bollinger(a, 20)[0],
    }
    for name, obj in objs.items():
        for v in x[:-1]:
            obj.update(v)
        obj.update(x[-1] * 3)
        for tick in rng.normal(x[-1], 5.0, 5_000):
            obj.replace_last(tick)
        got = obj.replace_last(x[-1])
        got = got[0] if isinstance(got, tuple) else got
        assert got == pytest.approx(vecs[name](x)[-1], rel=1e-11), name


def test_forming_bar_level_shift_is_flushed_at_once():
    """A forming bar corrected from 1e8 to ~1 must not leave 1e8-sized rounding in the sums."""
    import numpy as np

    from ttai_tui.analysis import incremental, indicators

    rng = np.random.default_rng(7)
    x = list(1.0 + rng.random(40))
    for cls, vec in ((incremental.WMA, indicators.wma), (incremental.SMA, indicators.sma)):
        ind = cls(10)
        for v in x[:-1]:
            ind.update(v)
        ind.update(1e8)
        ind.replace_last(x[-1])
        want = vec(np.array(x), 10)[-1]
        assert abs(ind.value - want) <= 1e-9 * abs(want)


def test_historical_volatility_forming_bar_corrected_to_a_non_positive_price_is_a_gap() -> None:
    """A forming bar ticked to 0 or below (a bad print) restarts HV like the vectorised rule says,
    instead of taking the log of it; correcting it back restores the value it had."""
    x = walk(40, seed=3)
    hv = inc.HistoricalVolatility(5)
    for v in x[:-1]:
        hv.update(v)
    before = hv.update(x[-1])
    assert math.isnan(hv.replace_last(-1.0))
    assert math.isnan(hv.replace_last(0.0))
    assert hv.replace_last(x[-1]) == pytest.approx(before, rel=1e-12)
    assert before == pytest.approx(ind.historical_volatility(x, 5)[-1], rel=1e-9)
