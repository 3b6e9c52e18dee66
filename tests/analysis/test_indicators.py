"""Vectorised indicators against the plain-loop references in ``reference.py``."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.analysis import reference as ref
from ttai_tui.analysis import indicators as ind

RTOL = 1e-8


def random_walk(n: int, seed: int, start: float = 100.0, vol: float = 0.01) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return start * np.exp(np.cumsum(rng.normal(0.0, vol, n)))


def ohlc(close: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed + 1000)
    spread = close * np.abs(rng.normal(0.0, 0.004, close.size))
    return close + spread * rng.uniform(0.2, 1.0, close.size), close - spread, close


def assert_matches(got: np.ndarray, want: list, scale: float, warmup: int = 0) -> None:
    """Same definedness everywhere; values equal to RTOL (relative to the series' scale) after
    ``warmup`` bars. ``scale`` floors the tolerance for values that cross zero (MACD)."""
    assert len(got) == len(want)
    want_arr = np.array([np.nan if v is None else v for v in want], dtype=float)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want_arr))
    g, w = got[warmup:], want_arr[warmup:]
    mask = ~np.isnan(w)
    assert mask.any() or warmup >= len(got) or not (~np.isnan(want_arr)).any()
    np.testing.assert_allclose(g[mask], w[mask], rtol=RTOL, atol=RTOL * scale)


# --- long random walks: full agreement after 10x the longest period -------------------------

LONG = 3000


@pytest.mark.parametrize("n", [1, 2, 5, 14, 20, 50, 200])
def test_moving_averages_match_reference_on_random_walk(n: int) -> None:
    x = random_walk(LONG, seed=n)
    xs = x.tolist()
    warm = min(10 * n, LONG - 1)
    assert_matches(ind.sma(x, n), ref.sma(xs, n), 100.0, warm)
    assert_matches(ind.ema(x, n), ref.ema(xs, n), 100.0, warm)
    assert_matches(ind.wma(x, n), ref.wma(xs, n), 100.0, warm)
    if n >= 2:
        assert_matches(ind.hma(x, n), ref.hma(xs, n), 100.0, warm)


@pytest.mark.parametrize("n", [2, 9, 14, 30])
def test_rsi_matches_reference(n: int) -> None:
    x = random_walk(LONG, seed=10 + n)
    assert_matches(ind.rsi(x, n), ref.rsi(x.tolist(), n), 100.0, 10 * n)


@pytest.mark.parametrize(("fast", "slow", "signal"), [(12, 26, 9), (5, 35, 5), (3, 10, 16)])
def test_macd_matches_reference(fast: int, slow: int, signal: int) -> None:
    x = random_walk(LONG, seed=fast * slow)
    got = ind.macd(x, fast, slow, signal)
    want = ref.macd(x.tolist(), fast, slow, signal)
    warm = 10 * max(fast, slow, signal)
    for g, w in zip(got, want, strict=True):
        assert_matches(g, w, 100.0, warm)


@pytest.mark.parametrize(("n", "k"), [(20, 2.0), (10, 1.5), (50, 3.0), (1, 2.0)])
def test_bollinger_matches_reference(n: int, k: float) -> None:
    x = random_walk(LONG, seed=n)
    got = ind.bollinger(x, n, k)
    want = ref.bollinger(x.tolist(), n, k)
    for g, w in zip(got, want, strict=True):
        assert_matches(g, w, 100.0, 10 * n)


@pytest.mark.parametrize("n", [1, 5, 14, 50])
def test_atr_matches_reference(n: int) -> None:
    h, lo, c = ohlc(random_walk(LONG, seed=n), seed=n)
    want = ref.atr(h.tolist(), lo.tolist(), c.tolist(), n)
    assert_matches(ind.atr(h, lo, c, n), want, 1.0, 10 * n)


def test_vwap_matches_reference_and_resets_per_session() -> None:
    x = random_walk(LONG, seed=3)
    rng = np.random.default_rng(4)
    vol = rng.integers(0, 1000, LONG).astype(float)
    vol[:5] = 0.0  # zero volume at the open: undefined, not zero
    sessions = np.repeat(np.arange(LONG // 390 + 1), 390)[:LONG]
    got = ind.vwap(x, vol, sessions)
    assert_matches(got, ref.vwap(x.tolist(), vol.tolist(), sessions.tolist()), 100.0)
    assert np.isnan(got[:5]).all()
    # the first bar of a session is its own price: nothing from yesterday leaks in
    first = 390 if vol[390] else 391
    assert got[first] == pytest.approx(x[first], rel=1e-12)


@pytest.mark.parametrize(("n", "ppy"), [(2, 252), (20, 252), (30, 252 * 78)])
def test_historical_volatility_matches_reference(n: int, ppy: float) -> None:
    x = random_walk(LONG, seed=n, vol=0.02)
    assert_matches(
        ind.historical_volatility(x, n, ppy),
        ref.historical_volatility(x.tolist(), n, ppy),
        1.0,
        10 * n,
    )


def test_historical_volatility_recovers_the_generating_volatility() -> None:
    x = random_walk(4_000, seed=7, vol=0.01)
    hv = ind.historical_volatility(x, 2_000, 252)
    assert hv[-1] == pytest.approx(0.01 * math.sqrt(252), rel=0.05)


def test_fibonacci_levels() -> None:
    levels = ind.fibonacci_levels(110.0, 100.0)
    assert list(levels) == [0.0, 0.236, 0.382, 0.5, 0.618, 0.786, 1.0]
    assert levels[0.0] == 110.0 and levels[1.0] == 100.0
    assert levels[0.618] == pytest.approx(103.82)
    assert levels[0.5] == pytest.approx(105.0)
    assert list(ind.fibonacci_levels(5, 5).values()) == [5.0] * 7
    with pytest.raises(ValueError, match="high"):
        ind.fibonacci_levels(1.0, 2.0)
    with pytest.raises(ValueError, match="finite"):
        ind.fibonacci_levels(float("nan"), 2.0)


# --- edge cases ------------------------------------------------------------------------------

SINGLE: dict[str, Callable[[np.ndarray, int], np.ndarray]] = {
    "sma": ind.sma,
    "ema": ind.ema,
    "wma": ind.wma,
    "hma": ind.hma,
    "rsi": ind.rsi,
    "hv": lambda x, n: ind.historical_volatility(x, n),
    "bb_upper": lambda x, n: ind.bollinger(x, n)[0],
    "macd_signal": lambda x, n: ind.macd(x, n, 2 * n, n)[1],
    "atr": lambda x, n: ind.atr(x + 1, x - 1, x, n),
}


@pytest.mark.parametrize("name", SINGLE)
def test_constant_series(name: str) -> None:
    x = np.full(200, 42.5)
    out = SINGLE[name](x, 10)
    defined = out[~np.isnan(out)]
    assert defined.size > 100
    expected = {
        "rsi": 50.0,
        "hv": 0.0,
        "macd_signal": 0.0,
        "atr": 2.0,
    }.get(name, 42.5)
    np.testing.assert_allclose(defined, expected, atol=1e-9)


@pytest.mark.parametrize("name", SINGLE)
def test_period_longer_than_data_is_all_nan(name: str) -> None:
    x = random_walk(15, seed=1)
    out = SINGLE[name](x, 16)
    assert out.shape == x.shape and np.isnan(out).all()
    assert SINGLE[name](np.array([]), 3).shape == (0,)


@pytest.mark.parametrize("bad", [0, -3, 2.5, "5", None, True])
def test_bad_period_raises(bad: object) -> None:
    x = random_walk(50, seed=2)
    for fn in (ind.sma, ind.ema, ind.wma, ind.hma, ind.rsi, ind.historical_volatility):
        with pytest.raises(ValueError):
            fn(x, bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ind.macd(x, 12, bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ind.atr(x, x, x, bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ind.bollinger(x, bad)  # type: ignore[arg-type]


def test_hma_needs_two_and_hv_needs_two() -> None:
    with pytest.raises(ValueError, match=">= 2"):
        ind.hma([1.0, 2.0, 3.0], 1)
    with pytest.raises(ValueError, match=">= 2"):
        ind.historical_volatility([1.0, 2.0, 3.0], 1)


def test_rsi_extremes() -> None:
    up = np.arange(1.0, 50.0)
    assert np.nanmin(ind.rsi(up, 14)) == 100.0
    assert np.nanmax(ind.rsi(up[::-1], 14)) == 0.0


def test_mismatched_lengths_raise() -> None:
    with pytest.raises(ValueError, match="same length"):
        ind.atr([1.0, 2.0], [1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="same length"):
        ind.vwap([1.0, 2.0], [1.0, 1.0], [1])


# --- NaN gaps: the indicator restarts after the gap --------------------------------------------


def per_run_reference(x: np.ndarray, fn: Callable[[list[float]], list]) -> list:
    """The reference applied to each NaN-free run separately; None at the NaNs."""
    out: list = [None] * len(x)
    i = 0
    while i < len(x):
        if math.isnan(x[i]):
            i += 1
            continue
        j = i
        while j < len(x) and not math.isnan(x[j]):
            j += 1
        out[i:j] = fn(x[i:j].tolist())
        i = j
    return out


def with_gaps(x: np.ndarray, gaps: list[tuple[int, int]]) -> np.ndarray:
    y = x.copy()
    for a, b in gaps:
        y[a:b] = np.nan
    return y


GAP_CASES: dict[
    str, tuple[Callable[[np.ndarray, int], np.ndarray], Callable[[list[float], int], list]]
] = {
    "sma": (ind.sma, ref.sma),
    "ema": (ind.ema, ref.ema),
    "wma": (ind.wma, ref.wma),
    "hma": (ind.hma, ref.hma),
    "rsi": (ind.rsi, ref.rsi),
    "bb_lower": (lambda x, n: ind.bollinger(x, n)[2], lambda x, n: ref.bollinger(x, n, 2.0)[2]),
    "macd_hist": (
        lambda x, n: ind.macd(x, n, 2 * n, 3)[2],
        lambda x, n: ref.macd(x, n, 2 * n, 3)[2],
    ),
    "hv": (ind.historical_volatility, lambda x, n: ref.historical_volatility(x, n, 252)),
}


@pytest.mark.parametrize("name", GAP_CASES)
def test_nan_gap_restarts_the_indicator(name: str) -> None:
    fn, reference = GAP_CASES[name]
    x = with_gaps(
        random_walk(400, seed=5), [(0, 3), (100, 101), (150, 160), (165, 166), (399, 400)]
    )
    got = fn(x, 6)
    assert_matches(got, per_run_reference(x, lambda s: reference(s, 6)), 100.0)
    assert np.isnan(got[100]) and np.isnan(got[101:106]).all()  # warms up again after the gap
    # the values after a gap equal the indicator of the data after the gap alone
    np.testing.assert_allclose(got[166:399], fn(x[166:399], 6), rtol=1e-12)


def test_atr_gap_in_any_field_restarts() -> None:
    h, lo, c = ohlc(random_walk(300, seed=8), seed=8)
    lo[120] = np.nan
    got = ind.atr(h, lo, c, 5)
    assert np.isnan(got[120:125]).all() and not np.isnan(got[125])
    np.testing.assert_allclose(got[121:], ind.atr(h[121:], lo[121:], c[121:], 5), rtol=1e-12)


def test_vwap_skips_a_missing_bar_without_restarting_the_session() -> None:
    price = np.array([10.0, 12.0, np.nan, 14.0])
    vol = np.array([1.0, 1.0, 5.0, 2.0])
    got = ind.vwap(price, vol, [1, 1, 1, 1])
    np.testing.assert_allclose(got, [10.0, 11.0, np.nan, 12.5])


# --- property: any series with gaps, any period ----------------------------------------------

series = st.lists(
    st.one_of(
        st.floats(min_value=1.0, max_value=1000.0, allow_nan=False),
        st.just(float("nan")),
    ),
    min_size=0,
    max_size=120,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=series, n=st.integers(min_value=2, max_value=25), name=st.sampled_from(sorted(GAP_CASES))
)
def test_property_matches_reference_with_gaps(values: list[float], n: int, name: str) -> None:
    fn, reference = GAP_CASES[name]
    x = np.array(values, dtype=float)
    got = fn(x, n)
    want = per_run_reference(x, lambda s: reference(s, n))
    want_arr = np.array([np.nan if v is None else v for v in want], dtype=float)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want_arr))
    mask = ~np.isnan(want_arr)
    np.testing.assert_allclose(got[mask], want_arr[mask], rtol=1e-7, atol=1e-7 * 1000)
