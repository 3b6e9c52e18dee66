"""Session: 401 -> one refresh + retry, 429 honours Retry-After, refused credentials."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from ttai_tui.broker.errors import CredentialsRejectedError
from ttai_tui.broker.service import Broker
from ttai_tui.config import Secret, Target
from ttai_tui.core.market_state import MarketState


async def test_401_on_first_call_refreshes_once_and_retries(make_broker: Any, exchange: Any) -> None:
    b = make_broker()
    await b.start(stream=False, account=False)
    exchange.expire_access_tokens()  # our token is dead: the next call gets 401
    refreshes = exchange.stats.token_refreshes
    # (market metrics need a token; symbol search answers without one, as the real API does)
    hits = await b.metrics(["AAPL"])
    assert any(h.symbol == "AAPL" for h in hits)
    assert b.sessions.stats["retries_401"] == 1
    assert exchange.stats.token_refreshes == refreshes + 1


async def test_429_burst_backs_off_honouring_retry_after(make_broker: Any, exchange: Any) -> None:
    b = make_broker()
    await b.start(stream=False, account=False)
    exchange.faults.retry_after = 1
    exchange.faults.error_codes = (429,)
    exchange.faults.error_rate = 1.0
    t0 = time.monotonic()
    task = asyncio.create_task(b.metrics(["SPY"]))
    await asyncio.sleep(1.5)
    exchange.faults.error_rate = 0.0  # the burst ends
    out = await task
    took = time.monotonic() - t0
    assert out and out[0].symbol == "SPY"
    assert b.sessions.stats["retries_429"] >= 1
    burst = exchange.stats.faults["error_429"]
    # with Retry-After: 1 no more than ~one try per second went out during the burst
    assert burst <= 3, burst
    assert took >= 1.0


async def test_refused_credentials_raise_without_echoing_them(exchange: Any) -> None:
    exchange.client_secret = "the-right-secret"
    target = Target(
        mode="exchange", url=str(exchange.url),
        provider_secret=Secret("wrong-secret-xyz"), refresh_token=Secret("refresh-abc"),
    )
    b = Broker(target, None, MarketState())
    seen: list[Any] = []
    b.add_listener(seen.append)
    with pytest.raises(CredentialsRejectedError) as info:
        await b.start()
    await b.stop()
    msg = str(info.value)
    assert "wrong-secret-xyz" not in msg and "refresh-abc" not in msg
    assert "refused" in msg
    assert seen and type(seen[0]).__name__ == "CredentialsRejected"


async def test_concurrent_refreshes_are_single_flight(make_broker: Any, exchange: Any) -> None:
    b = make_broker()
    await b.start(stream=False, account=False)
    before = exchange.stats.token_refreshes
    await asyncio.gather(*(b.sessions.refresh(force=True) for _ in range(8)))
    assert exchange.stats.token_refreshes == before + 1


async def test_revoked_refresh_token_reports_credentials_rejected(
    make_broker: Any, exchange: Any
) -> None:
    b = make_broker()
    seen: list[Any] = []
    b.add_listener(seen.append)
    await b.start(stream=False, account=False)
    exchange.revoke_refresh_token()
    with pytest.raises(CredentialsRejectedError):
        await b.sessions.refresh(force=True)
    assert b.token.last_error == "credentials rejected"


async def test_a_refused_refresh_token_is_not_asked_again(make_broker: Any, exchange: Any) -> None:
    """After the refusal, callers (stream, poller, metrics, retries) get the answer at once."""
    b = make_broker()
    await b.start(stream=False, account=False)
    exchange.revoke_refresh_token()
    f0 = exchange.stats.refresh_failures
    for _ in range(3):
        results = await asyncio.gather(
            *(b.sessions.refresh(force=True) for _ in range(4)), return_exceptions=True
        )
        assert all(isinstance(r, CredentialsRejectedError) for r in results)
    assert exchange.stats.refresh_failures - f0 == 1


async def test_5xx_errors_are_retried_with_backoff(make_broker: Any, exchange: Any) -> None:
    b = make_broker()
    await b.start(stream=False, account=False)
    exchange.faults.error_codes = (500, 503)
    exchange.faults.error_rate = 0.4
    results = [await b.search("MSFT") for _ in range(6)]
    assert all(any(h.symbol == "MSFT" for h in r) for r in results)
    assert b.sessions.stats["retries_5xx"] >= 1
    assert b.sessions.stats["retries_5xx"] == sum(
        exchange.stats.faults[k] for k in ("error_500", "error_503")
    )
