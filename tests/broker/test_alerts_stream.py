"""Alerts evaluated on the stream, through the real SDK against the exchange on loopback.

The simulated market is moved on purpose (SPY follows SPX's log price in the exchange's market
model), and the connection is dropped with the exchange's fault knob, so every scenario is
deterministic: a crossing that happens on the live stream fires; a reconnect's snapshot that
shows the price past the level (a crossing nobody saw) does not.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

from ttai_tui.broker import events as ev
from ttai_tui.broker.alerts.store import AlertBook
from ttai_tui.core.alerts import parse_alert

from .conftest import wait_for


def shift_spy(exchange: Any, pct: float) -> None:
    """Move the simulated SPY by ``pct`` % from the next market step on."""
    m = exchange.market
    m.log_p[m.i_spx] += math.log(1.0 + pct / 100.0)


def last(b: Any) -> float:
    t = b.state.trades.get("SPY")
    return 0.0 if t is None or t.price is None else float(t.price)


async def _start(make_broker: Any, tmp_path: Path, text: str) -> tuple[Any, Any, list[Any]]:
    b = make_broker()
    book = AlertBook(tmp_path / "alerts.json")
    engine = b.enable_alerts(book)
    seen: list[Any] = []
    b.add_listener(seen.append)
    await b.start(account=False)
    b.subscriptions.declare("test", {("Trade", "SPY")})
    await wait_for(lambda: last(b) > 0, 10.0)
    spec = parse_alert(text.format(level=round(last(b) * 1.005, 2)))
    book.add(spec, 0.0)
    engine.rebuild()
    return b, engine, seen


def fired(seen: list[Any]) -> list[ev.AlertFired]:
    return [e for e in seen if isinstance(e, ev.AlertFired)]


async def test_a_live_crossing_fires_once_with_the_value_and_is_saved(
    make_broker: Any, exchange: Any, tmp_path: Path
) -> None:
    b, engine, seen = await _start(make_broker, tmp_path, "SPY last above {level}")
    alert = next(iter(engine.book.alerts.values()))
    level = alert.spec.level
    await wait_for(lambda: alert.state.prev is not None, 5.0)  # baseline from live data
    assert not fired(seen)
    shift_spy(exchange, 1.0)
    await wait_for(lambda: bool(fired(seen)), 5.0)
    (f,) = fired(seen)
    assert f.alert_id == alert.id and f.value >= level and f.reference == level
    # saved for the other processes (the write runs off the event loop)
    await wait_for(lambda: AlertBook(tmp_path / "alerts.json").alerts[alert.id].state.status == "fired", 5.0)
    shift_spy(exchange, -2.0)
    await wait_for(lambda: last(b) < level * 0.99, 5.0)
    shift_spy(exchange, 3.0)
    await wait_for(lambda: last(b) > level * 1.003, 5.0)
    assert len(fired(seen)) == 1  # "once"


async def test_a_reconnect_snapshot_past_the_level_does_not_fire_but_live_data_does(
    make_broker: Any, exchange: Any, tmp_path: Path
) -> None:
    b, engine, seen = await _start(make_broker, tmp_path, "SPY last above {level} every rearm 0.01")
    alert = next(iter(engine.book.alerts.values()))
    level = alert.spec.level
    await wait_for(lambda: alert.state.prev is not None and alert.state.prev < 0, 5.0)

    shifted: list[bool] = []

    def on_event(e: Any) -> None:
        if isinstance(e, ev.Reconnecting) and not shifted:
            shifted.append(True)
            # while nobody is connected (and kept out), the price jumps past the level
            exchange.faults.drop_every = None
            exchange.faults.refuse_auth = True
            shift_spy(exchange, 1.5)

    b.add_listener(on_event)
    connects = b.stream.connects
    exchange.faults.drop_every = 0.2
    await wait_for(lambda: bool(shifted) and exchange.market.states["SPY"].last > level + 1, 10.0)
    exchange.faults.refuse_auth = False
    await wait_for(lambda: b.stream.connects > connects and last(b) > level, 10.0)
    # the snapshot and the live trades after it are all above: no crossing was seen
    trades_after = b.state.events
    await wait_for(lambda: b.state.events > trades_after + 3 and alert.state.value is not None, 10.0)
    assert alert.state.value is not None and alert.state.value > level
    assert not fired(seen), fired(seen)
    assert alert.state.status == "armed" and alert.state.prev is not None and alert.state.prev >= 0
    # a real crossing afterwards on live data fires
    shift_spy(exchange, -2.0)
    await wait_for(lambda: alert.state.value is not None and alert.state.value < level - 0.5, 5.0)
    shift_spy(exchange, 2.0)
    await wait_for(lambda: bool(fired(seen)), 5.0)
    assert fired(seen)[0].value >= level


async def test_stale_trades_and_data_of_other_symbols_are_ignored(
    make_broker: Any, exchange: Any, tmp_path: Path
) -> None:
    """A trade older than one already seen (e.g. re-sent) never moves an alert."""
    from tastytrade.dxfeed import Trade

    from ttai_tui.broker.apply import apply_trades

    _b, engine, seen = await _start(make_broker, tmp_path, "SPY last above {level}")
    alert = next(iter(engine.book.alerts.values()))
    level = alert.spec.level
    await wait_for(lambda: alert.state.prev is not None, 5.0)
    t_last = engine._last_trade["SPY"]
    old = Trade(
        event_symbol="SPY", event_time=0, time=int(t_last) - 60_000, time_nano_part=0,
        sequence=0, exchange_code="Q", price=level + 10, change=0, size=100, day_id=0,
        day_volume=0, day_turnover=0, tick_direction="UP", extended_trading_hours=False,
    )
    before = alert.state.value
    apply_trades(engine.state, [old], time.time())  # the writer's own path
    assert alert.state.value == before and not fired(seen)
