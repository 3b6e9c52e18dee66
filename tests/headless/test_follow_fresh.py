"""`quotes --follow` after a reconnect: a symbol's next line waits for a quote from the new
connection, so the quote held over an outage is never printed as if it were live (seen in the
fault matrix: the snapshot's trade arrived before its quote and the old quote was printed)."""

from __future__ import annotations

from tastytrade.dxfeed import Quote, Trade

from ttai_tui.broker import events as ev
from ttai_tui.broker.apply import apply_quotes, apply_trades
from ttai_tui.core.clock import FrozenClock
from ttai_tui.core.market_state import MarketState
from ttai_tui.headless.commands import _FreshQuotes


def _quote(sym: str, ms: int, bid: float) -> list[Quote]:
    return Quote.from_stream([sym, ms, 0, 0, 0, "Q", 0, "Q", bid, bid + 0.02, 100, 100])


def _trade(sym: str, ms: int, px: float) -> list[Trade]:
    return Trade.from_stream([sym, 0, ms, 0, 1, "Q", 1, "UP", False, px, "NaN", 10, "NaN", "NaN"])


def test_a_trade_after_a_reconnect_does_not_print_the_old_quote() -> None:
    state = MarketState(FrozenClock())
    fresh = _FreshQuotes(state)
    assert not fresh.ready("SPY")  # nothing to print before the first quote
    apply_quotes(state, _quote("SPY", 1_000_000, 500.0), 1.0)
    apply_quotes(state, _quote("QQQ", 1_000_000, 400.0), 1.0)
    assert fresh.ready("SPY") and fresh.ready("QQQ")

    fresh.on_event(ev.Reconnecting(attempt=1, delay=0.5, next_try=2.0, reason="no data for 5.0s"))
    apply_trades(state, _trade("SPY", 1_008_000, 500.5), 9.0)  # the new connection's trade first
    assert not fresh.ready("SPY"), "printed the quote from before the outage as live"
    assert not fresh.ready("QQQ")

    apply_quotes(state, _quote("SPY", 1_008_000, 500.4), 9.1)  # then its quote
    assert fresh.ready("SPY")
    assert state.quotes["SPY"].time == 1_008.0
    assert not fresh.ready("QQQ")  # still waiting for its own
    apply_quotes(state, _quote("QQQ", 1_008_100, 400.1), 9.2)
    assert fresh.ready("QQQ")
    apply_trades(state, _trade("SPY", 1_009_000, 500.6), 10.0)
    assert fresh.ready("SPY")  # once fresh, every change prints again


def test_a_second_outage_before_the_quote_came_back_keeps_holding() -> None:
    state = MarketState(FrozenClock())
    fresh = _FreshQuotes(state)
    apply_quotes(state, _quote("SPY", 1_000_000, 500.0), 1.0)
    for attempt in (1, 2):
        fresh.on_event(ev.Reconnecting(attempt=attempt, delay=0.5, next_try=2.0, reason="drop"))
    assert not fresh.ready("SPY")
    apply_quotes(state, _quote("SPY", 1_009_000, 500.2), 9.0)
    assert fresh.ready("SPY")
