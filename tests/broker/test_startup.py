"""Start-up recovers from any start (issue 15, item 3): the real Broker and SDK, started before
the exchange exists, against 5xx at start-up, and across a kill + restart of the exchange during
start-up. Only refused credentials stop the retries; a bounded start gives up with
ServerUnreachable (the one-shot commands' exit code 5)."""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

import pytest

from tests.broker.conftest import FAST_STREAM, wait_for
from ttai_tui.broker import events as ev
from ttai_tui.broker.errors import CredentialsRejectedError, ServerUnreachable
from ttai_tui.broker.service import Broker
from ttai_tui.config import Secret, Target
from ttai_tui.core.market_state import MarketState
from ttai_tui.core.models import StreamState
from ttai_tui.exchange.server import ExchangeServer

WANTS = {("Quote", "SPY"), ("Trade", "SPY")}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _broker(url: str, **target: Any) -> tuple[Broker, list[Any]]:
    b = Broker(Target("exchange", url, **target), None, MarketState(), stream_options=dict(FAST_STREAM))
    seen: list[Any] = []
    b.add_listener(seen.append)
    return b, seen


async def test_started_before_the_exchange_exists_connects_once_it_does() -> None:
    port = free_port()
    b, seen = _broker(f"http://127.0.0.1:{port}")
    b.subscriptions.declare("t", WANTS)
    task = asyncio.create_task(b.start(account=False))
    server = ExchangeServer(seed=1, port=port)
    try:
        await wait_for(lambda: sum(isinstance(e, ev.Connecting) for e in seen) >= 3, 10.0)
        st = b.status
        assert st.state is StreamState.CONNECTING and st.next_try is not None
        assert st.attempt >= 3 and "cannot reach" in (st.reason or "")
        assert not task.done()  # still trying, not given up
        tries = [e for e in seen if isinstance(e, ev.Connecting)]
        assert all(e.delay <= FAST_STREAM["backoff_cap"] * 1.01 for e in tries)  # the stream's policy
        await server.start()
        await asyncio.wait_for(task, 10.0)
        await wait_for(lambda: "SPY" in b.state.quotes, 10.0)
        assert b.status.state is StreamState.LIVE
    finally:
        task.cancel()
        await b.stop()
        await server.stop()


async def test_5xx_then_kill_and_restart_during_start_up() -> None:
    server = ExchangeServer(seed=1)
    await server.start()
    port = server.port
    server.faults.error_rate, server.faults.error_codes = 1.0, (503,)
    b, seen = _broker(server.url)
    b.subscriptions.declare("t", WANTS)
    task = asyncio.create_task(b.start(account=False))
    try:
        await wait_for(lambda: any(isinstance(e, ev.Connecting) for e in seen), 10.0)
        assert "HTTP 503" in (b.status.reason or "")
        await server.stop()  # killed while ttai is still starting
        n = len(seen)
        await wait_for(lambda: sum(isinstance(e, ev.Connecting) for e in seen[n:]) >= 2, 10.0)
        assert not task.done()
        server = ExchangeServer(seed=1, port=port)  # restarted, healthy, same port
        await server.start()
        await asyncio.wait_for(task, 10.0)
        await wait_for(lambda: "SPY" in b.state.quotes, 10.0)
    finally:
        task.cancel()
        await b.stop()
        await server.stop()


async def test_bounded_start_gives_up_with_server_unreachable() -> None:
    b, seen = _broker(f"http://127.0.0.1:{free_port()}")
    t0 = time.monotonic()
    with pytest.raises(ServerUnreachable) as info:
        await b.start(account=False, retry_for=1.5)
    took = time.monotonic() - t0
    await b.stop()
    assert "cannot reach" in str(info.value) and "gave up" in str(info.value)
    assert took >= 1.5 and sum(isinstance(e, ev.Connecting) for e in seen) >= 2
    assert not b._started  # a later start() may try again


async def test_refused_credentials_stop_the_retries_at_once(exchange: Any) -> None:
    exchange.client_secret = "right"
    b, seen = _broker(exchange.url, provider_secret=Secret("wrong"), refresh_token=Secret("r"))
    with pytest.raises(CredentialsRejectedError):
        await asyncio.wait_for(b.start(account=False), 10.0)
    await b.stop()
    assert not [e for e in seen if isinstance(e, ev.Connecting)]
    assert exchange.stats.refresh_failures == 1
