"""The stream supervisor against the real SDK and the in-process exchange (fault knobs)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from ttai_tui.broker import events as ev
from ttai_tui.core.models import StreamState

from .conftest import wait_for

WANTS = {("Quote", "SPY"), ("Quote", "QQQ"), ("Trade", "SPY")}


async def _live(make_broker: Any, **kw: Any) -> Any:
    b = make_broker(**kw)
    seen: list[Any] = []
    b.add_listener(seen.append)
    await b.start(account=False)
    b.subscriptions.declare("test", WANTS)
    await wait_for(lambda: {"SPY", "QQQ"} <= set(b.state.quotes))
    return b, seen


async def test_drop_mid_stream_reconnects_resubscribes_and_flows_within_2s(
    make_broker: Any, exchange: Any
) -> None:
    b, seen = await _live(make_broker)
    first = exchange.stats.dxlink_connections
    exchange.faults.drop_every = 0.5  # drop the current connection now
    await wait_for(lambda: any(isinstance(e, ev.Reconnecting) for e in seen), 3.0)
    exchange.faults.drop_every = None
    dropped_at = time.monotonic()
    stamp = {s: b.state.quotes[s].updated for s in ("SPY", "QQQ")}
    took = await wait_for(
        lambda: all(b.state.quotes[s].updated > stamp[s] for s in stamp)
        and b.status.state is StreamState.LIVE,
        2.0,
    )
    assert took <= 2.0
    assert exchange.stats.dxlink_connections > first
    assert b.subscriptions.active() == WANTS  # everything re-sent on the new connection
    assert any(isinstance(e, ev.Connected) and e.attempt > 0 for e in seen)
    assert b.status.reconnects >= 1
    assert time.monotonic() - dropped_at < 2.5


async def test_short_token_lifetime_refreshes_in_background_without_gaps(
    make_broker: Any, exchange: Any
) -> None:
    exchange.token_lifetime = 3
    b, _ = await _live(make_broker)
    base = exchange.stats.token_refreshes
    connections = exchange.stats.dxlink_connections
    worst_gap, last = 0.0, b.status.last_event
    t0 = time.monotonic()
    while time.monotonic() - t0 < 12.0:  # four token lifetimes
        await asyncio.sleep(0.1)
        now = b.status.last_event
        if now is not None and last is not None:
            worst_gap = max(worst_gap, now - last)
        last = now
        assert b.status.state is StreamState.LIVE
    assert worst_gap < 1.5, worst_gap
    # renewed ahead of expiry (30 % early): at least one refresh per lifetime
    assert exchange.stats.token_refreshes - base >= 3
    assert b.token.refreshes >= 4 and b.token.expires_at > time.time()
    assert exchange.stats.dxlink_connections == connections  # no reconnect needed
    # REST still works on a renewed token
    assert await b.search("SPY")


async def test_malformed_frame_is_counted_logged_and_stream_recovers(
    make_broker: Any, exchange: Any, caplog: Any
) -> None:
    caplog.set_level(logging.WARNING, logger="ttai_tui.broker.streaming")
    b, _ = await _live(make_broker)
    exchange.faults.malformed_kind = "truncated"
    exchange.faults.malformed_every = 0.2
    await wait_for(lambda: b.stream.malformed >= 1, 3.0)
    exchange.faults.malformed_every = None
    stamp = b.state.quotes["SPY"].updated
    await wait_for(
        lambda: b.status.state is StreamState.LIVE and b.state.quotes["SPY"].updated > stamp, 3.0
    )
    assert any("malformed" in r.getMessage() for r in caplog.records)


async def test_server_that_never_authorizes_times_out_and_retries(
    make_broker: Any, exchange: Any
) -> None:
    exchange.faults.refuse_auth = True
    b = make_broker()
    seen: list[Any] = []
    b.add_listener(seen.append)
    await b.start(account=False)
    b.subscriptions.declare("test", WANTS)
    await wait_for(lambda: b.stream.auth_timeouts >= 2, 6.0)
    assert b.status.state in (StreamState.RECONNECTING, StreamState.CONNECTING)
    assert any(isinstance(e, ev.Reconnecting) and "AuthTimeout" in e.reason for e in seen)
    exchange.faults.refuse_auth = False
    await wait_for(lambda: "SPY" in b.state.quotes, 5.0)
    assert b.status.state is StreamState.LIVE


async def test_backoff_grows_with_jitter_and_is_capped(make_broker: Any) -> None:
    b = make_broker(stream_options={"backoff_base": 0.5, "backoff_cap": 30.0})
    s = b.stream
    for _ in range(50):  # jittered: every draw stays inside its band
        delays = [s.backoff(a) for a in range(1, 12)]
        for a, d in enumerate(delays, start=1):
            nominal = min(30.0, 0.5 * 2 ** (a - 1))
            assert nominal * 0.7 <= d <= min(30.0, nominal * 1.3), (a, d)
        assert delays[3] > delays[1] > delays[0]  # the bands do not overlap from one to the next


async def test_every_subscribed_type_is_drained(make_broker: Any, exchange: Any) -> None:
    """The SDK's per-type queues are unbounded: nothing may pile up, even for types not stored."""
    exchange.rate = 20000.0  # push hard: an undrained type would pile up ~3,000 events
    b = make_broker()
    await b.start(account=False)
    kinds = ("Quote", "Trade", "Summary", "Profile", "TimeAndSale", "Underlying")
    b.subscriptions.declare("all", {(k, s) for k in kinds for s in ("SPY", "QQQ")})
    await wait_for(lambda: b.status.events > 20000, 30.0)
    from tastytrade.streamer import MAP_EVENTS

    from ttai_tui.broker.sdk_adapter import event_queue

    st = b.stream.streamer
    assert st is not None
    # an undrained queue only grows; a drained one is near empty at least once in a few looks
    backlog = {n: 10**9 for n in MAP_EVENTS}
    for _ in range(5):
        for n, c in MAP_EVENTS.items():
            backlog[n] = min(backlog[n], event_queue(st, c).statistics().current_buffer_used)
        await asyncio.sleep(0.05)
    assert max(backlog.values()) < 1500, backlog  # at most about one frame in flight
    assert {"SPY", "QQQ"} <= set(b.state.profiles) and {"SPY", "QQQ"} <= set(b.state.summaries)
    assert b.state.profiles["SPY"].description


async def test_repeated_drops_of_a_working_feed_do_not_escalate(
    make_broker: Any, exchange: Any
) -> None:
    b, seen = await _live(make_broker, stream_options={})  # production backoff settings
    exchange.faults.drop_every = 0.8
    await asyncio.sleep(5.0)
    exchange.faults.drop_every = None
    recon = [e for e in seen if isinstance(e, ev.Reconnecting)]
    assert len(recon) >= 4
    assert all(e.attempt == 1 and e.delay <= 0.25 * 1.3 for e in recon), recon
    assert b.status.reconnects == len(recon)


async def test_outage_backoff_is_fast_first_then_capped() -> None:
    from ttai_tui.broker.streaming import StreamSupervisor
    from ttai_tui.broker.subscriptions import SubscriptionManager
    from ttai_tui.core.clock import FrozenClock
    from ttai_tui.core.market_state import MarketState

    s = StreamSupervisor(None, MarketState(), SubscriptionManager(), FrozenClock())
    early = [s.backoff(a, outage=10.0) for a in range(1, 20)]
    late = [s.backoff(a, outage=120.0) for a in range(1, 20)]
    assert early[0] <= 0.33 and max(early) <= 2.5
    assert max(late) <= 30.0 and late[-1] >= 20.0


async def test_silent_server_is_detected_by_the_stall_watchdog(
    make_broker: Any, exchange: Any
) -> None:
    b, seen = await _live(make_broker)
    await wait_for(lambda: b.stream.stall_threshold() is not None, 5.0)  # the feed is busy
    t0 = time.monotonic()
    exchange.faults.silent = True
    await wait_for(
        lambda: any(isinstance(e, ev.Reconnecting) and "no data" in e.reason for e in seen), 6.0
    )
    assert time.monotonic() - t0 < 5.0
    assert b.stream.stalls >= 1 and b.status.state is not StreamState.LIVE
    exchange.faults.silent = False
    stamp = b.state.quotes["SPY"].updated
    await wait_for(lambda: b.state.quotes["SPY"].updated > stamp, 10.0)


async def test_credentials_refused_on_reconnect_fail_the_stream_loudly(
    make_broker: Any, exchange: Any
) -> None:
    b, seen = await _live(make_broker)
    exchange.revoke_refresh_token()
    exchange.expire_access_tokens()
    await exchange.drop_connections()
    await wait_for(lambda: b.status.state is StreamState.FAILED, 10.0)
    kinds = [type(e).__name__ for e in seen]
    assert "CredentialsRejected" in kinds and "StreamFailed" in kinds
    assert "refused" in (b.status.reason or "")


async def test_slow_rest_does_not_count_against_the_authorisation_timeout(
    make_broker: Any, exchange: Any
) -> None:
    """The 1.5 s auth timeout covers WebSocket + AUTH only, not a slow quote-token answer."""
    b, _seen = await _live(make_broker)
    exchange.faults.delay = 2.0  # every REST answer takes 2 s
    stamp = b.state.quotes["SPY"].updated
    await exchange.drop_connections()
    await wait_for(lambda: b.state.quotes["SPY"].updated > stamp, 8.0)
    exchange.faults.delay = 0.0
    assert b.stream.auth_timeouts == 0


async def test_new_server_token_refused_once_then_immediate_retry(
    make_broker: Any, exchange: Any
) -> None:
    b, seen = await _live(make_broker)
    exchange.expire_access_tokens()  # like an exchange restart: our token is unknown now
    stamp = b.state.quotes["SPY"].updated
    t0 = time.monotonic()
    await exchange.drop_connections()
    await wait_for(lambda: b.state.quotes["SPY"].updated > stamp, 3.0)
    assert time.monotonic() - t0 < 2.0
    after_401 = [e for e in seen if isinstance(e, ev.Reconnecting) and "401" in e.reason]
    assert after_401 and after_401[0].delay <= 0.05  # renewed token: no backoff wait


async def test_first_data_of_each_connection_is_announced_once_after_it_is_applied(
    make_broker: Any, exchange: Any
) -> None:
    """The UI draws a connection's first prices when this event arrives (not at its next tick),
    so the data must already be in MarketState when it is emitted, once per connection."""
    b = make_broker()
    flowing: list[tuple[ev.DataFlowing, float]] = []  # (event, SPY/QQQ's newest update then)

    def newest() -> float:
        return max(b.state.updated(s) or 0.0 for s in ("SPY", "QQQ"))

    def listen(e: ev.BrokerEvent) -> None:
        if isinstance(e, ev.DataFlowing):
            flowing.append((e, newest()))

    b.add_listener(listen)
    b.subscriptions.declare("test", WANTS)
    await b.start(account=False)
    await wait_for(lambda: {"SPY", "QQQ"} <= set(b.state.quotes))
    await wait_for(lambda: b.state.events > 50)  # many batches later...
    assert len(flowing) == 1  # ...still announced only once
    first, applied = flowing[0]
    assert first.attempt == 0 and applied > 0  # the data was in MarketState when announced
    exchange.faults.drop_every = 0.5
    await wait_for(lambda: b.status.reconnects >= 1, 3.0)
    exchange.faults.drop_every = None
    await wait_for(lambda: len(flowing) >= 2, 3.0)
    assert flowing[1][0].attempt > 0 and flowing[1][1] > applied
