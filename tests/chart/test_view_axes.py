"""The viewport (cursor, zoom, following the live bar) and axis arithmetic."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from ttai_tui.chart.axes import (
    TZ,
    decimals_for_tick,
    equity_tick,
    fmt_price,
    fmt_volume,
    price_ticks,
    time_label,
    time_labels,
)
from ttai_tui.chart.view import ZOOM_LEVELS, Viewport

# --- viewport ----------------------------------------------------------------------------------


def test_following_shows_the_last_bars() -> None:
    v = Viewport()
    assert v.window(500, 100) == (400, 500)
    assert v.window(30, 100) == (0, 30)
    assert v.window(0, 100) == (0, 0)
    assert v.focus(500) == 499 and v.focus(0) is None


def test_cursor_moves_pins_the_window_and_end_releases_it() -> None:
    v = Viewport()
    v.move(-1, 500, 100)  # the first move starts from the last bar
    assert v.cursor == 498 and v.window(500, 100) == (400, 500)
    # a new bar arrives: the window stays where the user is reading
    assert v.window(501, 100) == (400, 500) and v.focus(501) == 498
    for _ in range(98):
        v.move(-1, 501, 100)
    assert v.cursor == 400 and v.window(501, 100) == (400, 500)
    v.move(-1, 501, 100)  # past the left edge: the window scrolls with the cursor
    assert v.cursor == 399 and v.window(501, 100) == (399, 499)
    v.move(+5, 501, 100)
    assert v.cursor == 404 and v.window(501, 100) == (399, 499)
    v.end()
    assert v.cursor is None and v.window(501, 100) == (401, 501) and v.focus(501) == 500


def test_cursor_clamps_at_both_ends() -> None:
    v = Viewport()
    v.move(+3, 50, 100)
    assert v.cursor == 49
    v.move(-1000, 50, 100)
    assert v.cursor == 0 and v.window(50, 100) == (0, 50)


def test_home_goes_to_the_first_bar() -> None:
    v = Viewport()
    v.home(500, 100)
    assert v.cursor == 0 and v.window(500, 100) == (0, 100)
    v.move(+150, 500, 100)
    assert v.cursor == 150 and v.window(500, 100) == (51, 151)


def test_zoom_steps_and_keeps_the_cursor_visible() -> None:
    v = Viewport()
    assert v.cols_per_bar == ZOOM_LEVELS[0] == 1
    assert not v.zoom_by(-1)  # already one bar per column
    assert v.zoom_by(+1) and v.cols_per_bar == 2
    v.move(-300, 500, 50)
    assert v.cursor == 199
    for _ in range(10):
        v.zoom_by(+1)
    assert v.cols_per_bar == ZOOM_LEVELS[-1]
    start, stop = v.window(500, 12)
    assert start <= 199 < stop and stop - start == 12


# --- axes --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tick", "decimals"),
    [(0.01, 2), (0.05, 2), (0.25, 2), (0.0001, 4), (1.0, 0), (5.0, 0), (0.1, 1),
     (0.03125, 5), (1e-8, 8), (0.5, 1)],
)  # fmt: skip
def test_decimals_follow_the_tick(tick: float, decimals: int) -> None:
    assert decimals_for_tick(tick) == decimals
    # every multiple of the tick prints exactly with that many decimals
    for k in (1, 3, 7, 1234):
        assert float(fmt_price(k * tick, decimals).replace(",", "")) == pytest.approx(k * tick)


def test_equity_tick_and_formats() -> None:
    assert equity_tick(600.0) == 0.01 and equity_tick(0.42) == 0.0001
    assert fmt_price(4512.25, 2) == "4,512.25" and fmt_price(float("nan"), 2) == "—"
    assert [fmt_volume(v) for v in (950, 12_345, 4_560_000, 1.2e9, float("nan"))] == [
        "950", "12.3K", "4.56M", "1.20B", "—",
    ]  # fmt: skip


def test_price_ticks_are_round_and_inside() -> None:
    ticks = price_ticks(597.13, 603.9, 20, 0.01)
    assert ticks.size >= 3 and ticks[0] >= 597.13 and ticks[-1] <= 603.9
    steps = np.diff(ticks)
    assert np.allclose(steps, steps[0]) and steps[0] in (1.0, 2.0, 2.5, 5.0, 0.5)
    # never finer than the tick: ES futures (0.25) over a tiny range
    es = price_ticks(4500.0, 4500.6, 30, 0.25)
    assert all(abs(t / 0.25 - round(t / 0.25)) < 1e-9 for t in es)


def _ny(*args: int) -> float:
    return datetime(*args, tzinfo=TZ).timestamp()


def test_intraday_time_labels_name_days_and_round_hours() -> None:
    times = np.array([_ny(2026, 6, 16, 15, 50), _ny(2026, 6, 16, 15, 55), _ny(2026, 6, 17, 9, 30),
                      _ny(2026, 6, 17, 9, 35), _ny(2026, 6, 17, 10, 0)])  # fmt: skip
    labels = time_labels(times, "5m")
    assert labels[0] == (3, "06-16")  # the first bar names its day (if no new day is near)
    assert labels[2] == (4, "06-17")  # so does a new day
    assert labels[4] == (2, "10:00") and labels[1][0] < 2
    assert time_label(float(times[4]), "5m") == "Wed 06-17 10:00"


def test_daily_time_labels_name_months_and_years() -> None:
    times = np.array([_ny(2025, 12, 30, 0, 0), _ny(2025, 12, 31), _ny(2026, 1, 2),
                      _ny(2026, 1, 5), _ny(2026, 2, 2)])  # fmt: skip
    labels = time_labels(times, "1d")
    assert labels[0] == (2, "Dec 2025")  # context, below a month change
    assert labels[2] == (4, "2026")
    assert labels[3] == (1, "5")  # a Monday
    assert labels[4] == (3, "Feb 2")
    assert time_label(float(times[4]), "1d") == "Mon 2026-02-02"
