"""Crossing semantics of core.alerts: exact touch, gaps, baselines, re-arm without flapping."""

from __future__ import annotations

import pytest

from ttai_tui.core.alerts import (
    ARMED,
    FIRED,
    REARMING,
    AlertSpecError,
    AlertState,
    parse_alert,
    step_cross,
    step_touch,
)


def feed(text: str, values: list[float], baseline_at: set[int] | None = None) -> tuple[list[int], AlertState]:
    """Indices of the values that fired."""
    spec = parse_alert(text)
    st = AlertState()
    fired = []
    for i, v in enumerate(values):
        assert spec.level is not None
        if step_cross(spec, st, v, spec.level, float(i), i in (baseline_at or set())):
            fired.append(i)
    return fired, st


def test_exact_touch_of_the_level_counts_as_crossing_above() -> None:
    fired, st = feed("SPY last above 605", [604.9, 604.99, 605.0, 605.2])
    assert fired == [2]
    assert st.fired_value == 605.0 and st.status == FIRED


def test_exact_touch_counts_for_below_too() -> None:
    assert feed("SPY last below 600", [600.5, 600.0, 599.0])[0] == [1]


def test_a_gap_across_the_level_fires_once() -> None:
    fired, st = feed("SPY last above 605", [600.0, 610.0, 612.0, 611.0])
    assert fired == [1] and st.fires == 1


def test_the_first_value_only_sets_the_baseline_even_past_the_level() -> None:
    assert feed("SPY last above 605", [606.0, 607.0])[0] == []
    # and a crossing after that baseline still fires
    assert feed("SPY last above 605", [606.0, 604.0, 605.5])[0] == [2]


def test_a_baseline_value_never_fires_even_when_it_crossed() -> None:
    # value 1 is a reconnect's snapshot: it re-establishes the side instead of firing
    fired, st = feed("SPY last above 605", [604.0, 606.0, 606.5], baseline_at={1})
    assert fired == [] and st.status == ARMED


def test_once_fires_a_single_time() -> None:
    assert feed("SPY last above 605", [604, 606, 604, 606, 604, 606])[0] == [1]


def test_every_rearms_only_after_moving_back_by_the_margin() -> None:
    # hovering around 605 within the 0.5 margin must not flap
    values = [604.0, 605.1, 604.8, 605.05, 604.6, 605.2, 604.4, 605.0]
    fired, st = feed("SPY last above 605 every rearm 0.5", values)
    assert fired == [1, 7]
    assert st.fires == 2 and st.status == REARMING


def test_every_below_rearms_above_the_level_plus_margin() -> None:
    values = [101.0, 99.0, 100.5, 99.5, 101.0, 99.9]
    assert feed("QQQ change below 100 every rearm 1", values)[0] == [1, 5]


def test_default_margin_for_prices_is_a_tenth_of_a_percent() -> None:
    # 0.1 % of 1000 = 1.0: coming back to 999.5 does not re-arm, 999.0 does
    values = [990.0, 1000.0, 999.5, 1000.5, 999.0, 1001.0]
    assert feed("SPY last above 1000 every", values)[0] == [1, 5]


def test_crossing_a_moving_reference() -> None:
    spec = parse_alert("SPY 5m close above sma50")
    st = AlertState()
    assert not step_cross(spec, st, 100.0, 101.0, 0.0)
    # the close is flat but the average falls through it: that is a crossing too
    assert step_cross(spec, st, 100.0, 99.5, 1.0)


def test_touching_a_level_and_jumping_over_it() -> None:
    spec = parse_alert("SPY 5m close touches level every rearm 0.5")
    st = AlertState()
    levels = [100.0, 110.0]
    assert not step_touch(spec, st, 104.0, levels, 0.2, 0.0)
    assert not step_touch(spec, st, 101.0, levels, 0.2, 1.0)
    assert step_touch(spec, st, 100.1, levels, 0.2, 2.0)  # within the tolerance
    assert st.touched == 100.0
    assert not step_touch(spec, st, 100.5, levels, 0.2, 3.0)  # 0.5 away: not yet re-armed
    assert not step_touch(spec, st, 101.0, levels, 0.2, 4.0)  # 1.0 > 0.2 + 0.5: re-armed
    assert step_touch(spec, st, 112.0, levels, 0.2, 5.0)  # a gap straight over 110
    assert st.touched == 110.0 and st.fires == 2


@pytest.mark.parametrize(
    "text, canonical",
    [
        ("spy last above 605", "SPY last above 605"),
        ("SPY last above 605 every rearm 0.25", "SPY last above 605 every rearm 0.25"),
        ("QQQ change below -2", "QQQ change below -2"),
        ("SPY 5m close above SMA50", "SPY 5m close above sma50"),
        ("SPY 1h rsi above 70", "SPY 1h rsi14 above 70"),
        ("SPY 5m close touches level", "SPY 5m close touches level"),
        ("position .SPY260717P500 delta below -30", "position .SPY260717P500 delta below -30"),
        ("strategy SPY pnl below -500", "strategy SPY pnl below -500"),
        ("portfolio bwdelta above 500 once", "portfolio bwdelta above 500"),
    ],
)
def test_syntax_round_trips(text: str, canonical: str) -> None:
    spec = parse_alert(text)
    assert spec.text == canonical
    assert parse_alert(spec.text) == spec


@pytest.mark.parametrize(
    "text, problem",
    [
        ("SPY lst above 605", 'unknown field "lst"'),
        ("SPY last abov 605", '"abov" is not a direction'),
        ("SPY last above 6o5", 'level "6o5" is not a number'),
        ("SPY last above nan", "not a finite number"),
        ("SPY 7m close above 1", 'unknown timeframe "7m"'),
        ("SPY 5m close above smaa50", 'unknown indicator "smaa50"'),
        ("SPY 5m macd above 1", 'unknown chart field "macd"'),
        ("portfolio dte above 3", 'unknown field "dte" for the portfolio'),
        ("S;Y last above 1", "is not a valid symbol"),
        ("SPY last above", "expected FIELD above|below VALUE"),
        ("SPY last above 1 rearm -1", "re-arm margin must be >= 0"),
        ("", "empty alert"),
    ],
)
def test_bad_alerts_name_the_problem(text: str, problem: str) -> None:
    with pytest.raises(AlertSpecError) as e:
        parse_alert(text)
    assert problem in str(e.value)
