"""The engine's per-event path (the writer calls it from broker.apply) against exact sequences.

These sequences (a touch to the cent, a gap, hovering on the level) cannot be made to happen on
the simulated market at will, so SDK Trade/Quote events are built with exactly those prices and
go through the real writer (``apply_trades`` / ``apply_quotes``) into the engine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tastytrade.dxfeed import Quote, Trade

from ttai_tui.broker import events as ev
from ttai_tui.broker.alerts.engine import AlertEngine
from ttai_tui.broker.alerts.store import AlertBook
from ttai_tui.broker.apply import apply_quotes, apply_trades
from ttai_tui.core.alerts import parse_alert
from ttai_tui.core.clock import SYSTEM_CLOCK
from ttai_tui.core.market_state import MarketState


def trade(sym: str, price: float, t_ms: int) -> Trade:
    return Trade(
        event_symbol=sym, event_time=0, time=t_ms, time_nano_part=0, sequence=0,
        exchange_code="Q", price=price, change=0, size=100, day_id=0, day_volume=0,
        day_turnover=0, tick_direction="UP", extended_trading_hours=False,
    )


def quote(sym: str, bid: float, ask: float) -> Quote:
    return Quote(
        event_symbol=sym, event_time=0, sequence=0, time_nano_part=0, bid_time=0,
        bid_exchange_code="Q", bid_price=bid, bid_size=100, ask_time=0, ask_exchange_code="Q",
        ask_price=ask, ask_size=100,
    )


def engine(tmp_path: Path, *texts: str) -> tuple[AlertEngine, MarketState, list[ev.AlertFired]]:
    book = AlertBook(tmp_path / "alerts.json")
    for t in texts:
        book.add(parse_alert(t), 0.0)
    state = MarketState()
    fired: list[ev.AlertFired] = []
    eng = AlertEngine(book, state, SYSTEM_CLOCK, lambda e: fired.append(e) if isinstance(e, ev.AlertFired) else None)
    return eng, state, fired


_CLOCK = [1_000]


def feed_trades(state: MarketState, prices: list[float], sym: str = "SPY") -> None:
    """One batch per price, as a slow feed would deliver them (trade times always increase)."""
    for p in prices:
        _CLOCK[0] += 1
        apply_trades(state, [trade(sym, p, _CLOCK[0])], 0.0)


def ids(fired: list[ev.AlertFired]) -> list[tuple[int, float]]:
    return [(f.alert_id, f.value) for f in fired]


def test_many_alerts_on_one_symbol_fire_exactly_where_crossed(tmp_path: Path) -> None:
    eng, state, fired = engine(
        tmp_path, "SPY last above 601", "SPY last above 602", "SPY last above 610",
        "SPY last below 599", "SPY last above 600.5 every rearm 0.25",
    )
    # baseline 600; touch 601 exactly; gap over 602 (and 600.5 re-armed only after 600.25)
    feed_trades(state, [600.0, 600.2, 601.0, 600.4, 603.0, 600.2, 600.9, 598.0])
    assert ids(fired) == [(5, 601.0), (1, 601.0), (2, 603.0), (5, 600.9), (4, 598.0)]
    assert eng.book.alerts[3].state.fires == 0


def test_a_spike_inside_one_batch_is_seen(tmp_path: Path) -> None:
    _eng, state, fired = engine(tmp_path, "SPY last above 601")
    apply_trades(state, [trade("SPY", 600.0, 1)], 0.0)
    # up through the level and back down within one batch: the last value alone would miss it
    apply_trades(state, [trade("SPY", 600.5, 2), trade("SPY", 601.2, 3), trade("SPY", 600.1, 4)], 0.0)
    assert ids(fired) == [(1, 601.2)]


def test_quote_fields_and_a_reconnect_baseline(tmp_path: Path) -> None:
    eng, state, fired = engine(tmp_path, "QQQ bid above 500 every rearm 0.1", "QQQ mark below 499")
    apply_quotes(state, [quote("QQQ", 499.5, 499.7)], 0.0)  # baseline
    apply_quotes(state, [quote("QQQ", 500.0, 500.2)], 0.0)  # bid touches 500
    assert ids(fired) == [(1, 500.0)]
    eng.on_broker_event(ev.Connected(1, 0.0))  # a reconnect: the next quote is a snapshot
    apply_quotes(state, [quote("QQQ", 498.0, 498.2)], 0.0)  # mark 498.1 < 499, but a snapshot
    assert len(fired) == 1
    apply_quotes(state, [quote("QQQ", 499.5, 499.6)], 0.0)  # bid re-arms below 499.9
    apply_quotes(state, [quote("QQQ", 500.5, 500.6)], 0.0)
    assert ids(fired) == [(1, 500.0), (1, 500.5)]
    apply_quotes(state, [quote("QQQ", 498.9, 498.95)], 0.0)  # live this time
    assert ids(fired)[-1][0] == 2


def test_day_change_alert_uses_the_previous_close(tmp_path: Path) -> None:
    from ttai_tui.core.models import Summary

    _eng, state, fired = engine(tmp_path, "SPY change below -1")
    state.summaries["SPY"] = Summary("SPY", prev_close=600.0)
    feed_trades(state, [597.0, 594.0])  # -0.5 %, then -1.0 % exactly
    assert ids(fired) == [(1, -1.0)]  # the value is the change in %


def test_an_alert_error_never_breaks_the_writer(tmp_path: Path, caplog: Any, monkeypatch: Any) -> None:
    eng, state, _fired = engine(tmp_path, "SPY last above 601")

    def broken(*_a: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(eng, "_on_trade", broken)
    eng.rebuild()
    apply_trades(state, [trade("SPY", 600.0, 1), trade("IWM", 200.0, 1)], 0.0)
    assert state.trades["IWM"].price == 200.0  # the rest of the batch was applied
    assert "alert evaluation failed" in caplog.text


def test_an_alert_added_while_streaming_fires_on_the_next_crossing(tmp_path: Path) -> None:
    eng, state, fired = engine(tmp_path, "SPY last above 700")
    feed_trades(state, [600.0, 600.5])
    eng.book.add(parse_alert("SPY last above 601"), 0.0)
    eng.rebuild()  # as the sync loop does when another process adds one
    feed_trades(state, [600.6, 601.5])  # 600.6 is its baseline, 601.5 crosses
    assert ids(fired) == [(2, 601.5)]


def test_a_firing_recorded_by_another_process_is_reported_not_redelivered(tmp_path: Path) -> None:
    from ttai_tui.broker.alerts.store import AlertBook

    eng, _state, fired = engine(tmp_path, "SPY last above 601")
    other = AlertBook(tmp_path / "alerts.json")  # e.g. the dashboard, which saw it first
    a = other.alerts[1]
    a.state.status, a.state.fires, a.state.fired_at, a.state.fired_value = "fired", 1, 5.0, 601.2
    other.record(a)
    assert eng.reload()
    (f,) = fired
    assert (f.alert_id, f.value, f.local) == (1, 601.2, False)
    assert not eng.reload() and len(fired) == 1  # reported once
