"""The flush skips a streamed row whose inputs did not change: no field a cell shows may be
missing from those inputs, or a real change would never reach the screen."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from ttai_tui.core.market_state import MarketState
from ttai_tui.core.models import Greeks, Metrics, Profile, Quote, Summary, Trade
from ttai_tui.ui.widgets.chain import FIELD_FORMAT, side_inputs, side_values
from ttai_tui.ui.widgets.watchlist import row_inputs, row_values

SYM = "SPY"


def _state() -> MarketState:
    state = MarketState()
    state.quotes[SYM] = Quote(SYM, bid=100.0, ask=100.2, bid_size=3, ask_size=4, time=1.0)
    state.trades[SYM] = Trade(SYM, price=100.1, change=0.5, size=2, day_volume=1e6, time=1.0)
    state.summaries[SYM] = Summary(SYM, open=99, high=101, low=98, close=99.5, prev_close=99.6,
                                   prev_volume=9e5, open_interest=1234)
    state.greeks[SYM] = Greeks(SYM, price=1.2, volatility=0.25, delta=0.5, gamma=0.05, theta=-0.1,
                               vega=0.2, rho=0.01, time=1.0)
    state.profiles[SYM] = Profile(SYM, description="x", beta=1.0, high_52w=120, low_52w=80, shares=1e9)
    state.metrics[SYM] = Metrics(SYM, iv_index=0.2, iv_rank=0.4, iv_percentile=0.5, hv_30=0.18, beta=1.0)
    return state


def _every_numeric_field(state: MarketState) -> list[tuple[str, object, str]]:
    tables = {"quotes": state.quotes, "trades": state.trades, "summaries": state.summaries,
              "greeks": state.greeks, "profiles": state.profiles, "metrics": state.metrics}
    out = []
    for name, table in tables.items():
        record = table[SYM]
        for f in dataclasses.fields(record):
            if f.name not in ("symbol", "updated") and isinstance(getattr(record, f.name), int | float):
                out.append((name, record, f.name))
    return out


CASES: list[tuple[str, Callable[[MarketState], object], Callable[[MarketState], object]]] = [
    ("watchlist", lambda st: row_values(st, SYM, False)[0], lambda st: row_inputs(st, SYM, False)),
    ("chain", lambda st: side_values(st, SYM, list(FIELD_FORMAT)), lambda st: side_inputs(st, SYM)),
]


@pytest.mark.parametrize(("view", "cells", "inputs"), CASES, ids=[c[0] for c in CASES])
def test_any_change_a_cell_shows_changes_the_inputs(view, cells, inputs):
    state = _state()
    for _table, record, field in _every_numeric_field(state):
        before_cells, before_inputs = cells(state), inputs(state)
        old = getattr(record, field)
        for new in (old * 1.37 + 0.51, None):
            setattr(record, field, new)
            if cells(state) != before_cells:
                assert inputs(state) != before_inputs, f"{view}: {type(record).__name__}.{field}"
        setattr(record, field, old)


def test_staleness_is_an_input_of_a_watchlist_row():
    state = _state()
    assert row_inputs(state, SYM, True) != row_inputs(state, SYM, False)
    assert row_values(state, SYM, True)[0] != row_values(state, SYM, False)[0]


def test_sizes_alone_leave_the_inputs_as_they_were():
    """What the skip is for: most streamed quotes change only the sizes (not shown)."""
    state = _state()
    before = row_inputs(state, SYM, False), side_inputs(state, SYM)
    state.quotes[SYM].bid_size = 99
    state.quotes[SYM].time = 2.0
    assert (row_inputs(state, SYM, False), side_inputs(state, SYM)) == before
