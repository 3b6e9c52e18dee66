"""Support/resistance on synthetic series whose true levels are known."""

from __future__ import annotations

import numpy as np
import pytest

from ttai_tui.analysis.indicators import atr
from ttai_tui.analysis.levels import find_levels, swing_points


def range_bound(n: int = 600, floor: float = 90.0, ceiling: float = 110.0, seed: int = 0):
    """A triangle wave bouncing between floor and ceiling (period 60 bars) with noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    phase = (t % 60) / 30.0
    tri = np.where(phase <= 1.0, phase, 2.0 - phase)  # 0 -> 1 -> 0
    mid = floor + (ceiling - floor) * (1.0 - tri)  # starts at the ceiling
    close = mid + rng.normal(0, 0.3, n)
    high = np.maximum(close, mid) + np.abs(rng.normal(0, 0.3, n))
    low = np.minimum(close, mid) - np.abs(rng.normal(0, 0.3, n))
    high = np.minimum(high, ceiling + 0.4)
    low = np.maximum(low, floor - 0.4)
    volume = rng.integers(100, 1000, n).astype(float)
    return high, low, close, volume


def test_range_bound_series_finds_floor_and_ceiling() -> None:
    h, lo, c, v = range_bound()
    levels = find_levels(h, lo, c, v, window=5, price=100.0)
    strongest_support = max(levels.supports(), key=lambda lv: lv.strength)
    strongest_resistance = max(levels.resistances(), key=lambda lv: lv.strength)
    assert strongest_support.price == pytest.approx(90.0, abs=levels.tolerance + 0.5)
    assert strongest_resistance.price == pytest.approx(110.0, abs=levels.tolerance + 0.5)
    assert strongest_support.touches >= 8 and strongest_resistance.touches >= 8
    assert levels.nearest_support is not None and levels.nearest_resistance is not None
    assert levels.nearest_support.price < 100.0 < levels.nearest_resistance.price
    assert levels.levels[0].strength == 1.0
    assert all(0 < lv.strength <= 1 for lv in levels.levels)
    assert strongest_support.first_touch < strongest_support.last_touch
    assert strongest_support.volume > 0


def test_kind_follows_the_current_price() -> None:
    h, lo, c, v = range_bound()
    levels = find_levels(h, lo, c, v, price=120.0)
    assert levels.nearest_resistance is None
    assert all(lv.kind == "support" for lv in levels.levels)
    assert levels.nearest_support is not None
    assert levels.nearest_support.price == pytest.approx(110.0, abs=1.0)


def test_tolerance_scales_with_volatility() -> None:
    h, lo, c, v = range_bound()
    quiet = find_levels(h, lo, c, v)
    wild = find_levels(100 + 3 * (h - 100), 100 + 3 * (lo - 100), 100 + 3 * (c - 100), v)
    assert wild.tolerance == pytest.approx(3 * quiet.tolerance, rel=1e-9)
    assert quiet.tolerance == pytest.approx(0.5 * np.median(atr(h, lo, c, 14)[13:]), rel=1e-9)


def test_trending_series() -> None:
    rng = np.random.default_rng(3)
    c = 100 + np.arange(500) * 0.2 + rng.normal(0, 0.5, 500)
    levels = find_levels(c + 0.3, c - 0.3, c)
    assert levels.levels  # the pullbacks leave swing points
    assert all(lv.price < c[-1] + levels.tolerance for lv in levels.levels)
    strictly_up = np.arange(100.0)
    flat = find_levels(strictly_up + 0.5, strictly_up - 0.5, strictly_up)
    assert flat.levels == () and flat.nearest_support is None and flat.nearest_resistance is None


@pytest.mark.parametrize("n", [0, 1, 5, 11])
def test_tiny_inputs(n: int) -> None:
    x = np.linspace(100, 101, n)
    levels = find_levels(x + 0.1, x - 0.1, x)
    assert levels.levels == () and levels.nearest_support is None


def test_recency_raises_strength() -> None:
    """The same floor pattern twice at different prices: the more recent one is stronger."""
    old = range_bound(n=360, floor=70.0, seed=1)
    new = range_bound(n=360, floor=90.0, seed=2)
    for first, second, recent in ((old, new, 9), (new, old, 7)):
        cols = [np.concatenate([a, b]) for a, b in zip(first, second, strict=True)]
        levels = find_levels(*cols, price=100.0)
        by_price = {round(lv.price / 10): lv for lv in levels.supports()}
        other = 7 if recent == 9 else 9
        assert by_price[recent].strength > by_price[other].strength


def test_volume_raises_strength() -> None:
    h, lo, c, v = range_bound()
    plain = find_levels(h, lo, c, v, price=100.0)
    assert plain.nearest_support.strength >= plain.nearest_resistance.strength  # floor touched last
    heavy = v.copy()
    heavy[np.isclose(h, h.max(), atol=1.0)] *= 10  # heavy trading at the ceiling
    levels = find_levels(h, lo, c, heavy, price=100.0)
    assert levels.nearest_resistance.strength > levels.nearest_support.strength


def test_swing_points_flat_top_counts_once() -> None:
    x = np.array([1, 2, 3, 5, 5, 3, 2, 1, 2, 3, 2], dtype=float)
    highs, lows = swing_points(x, x, window=2)
    assert highs.tolist() == [3]
    assert lows.tolist() == [7]


def test_bad_arguments() -> None:
    x = np.arange(50.0)
    with pytest.raises(ValueError):
        find_levels(x, x, x[:-1])
    with pytest.raises(ValueError):
        find_levels(x, x, x, window=0)
    with pytest.raises(ValueError):
        find_levels(x, x, x, tolerance_atr=0)
