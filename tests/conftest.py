"""Shared fixtures: an in-process simulated exchange and an SDK session pointed at it.

``exchange`` is a fresh ExchangeServer (seed 1) on a free loopback port, started in the test's
event loop and stopped afterwards; its fault knobs (``exchange.faults``) and test hooks
(``revoke_refresh_token()``, ``expire_access_tokens()``, ``send_oversized()``,
``drop_connections()``) are live. ``sdk_session`` is an unmodified ``tastytrade.Session`` whose
REST base URL points at it through ``ttai_tui.broker.endpoint``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ttai_tui.exchange.server import ExchangeServer

TEST_SECRET = "test-client-secret"
TEST_REFRESH = "test-refresh-token"


@pytest.fixture
async def exchange() -> AsyncIterator[ExchangeServer]:
    server = ExchangeServer(seed=1)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def sdk_session(exchange: ExchangeServer):  # -> tastytrade.Session
    from ttai_tui.broker.endpoint import make_session

    session = make_session(TEST_SECRET, TEST_REFRESH, base_url=exchange.url, timeout=10)
    async with session:
        yield session
