"""Fixtures for the exchange tests that drive orders through the SDK: an exchange on a frozen
clock (Wednesday 11:00 New York, market hours on), whose book moves only when a test moves it
(`frozen_book.set_book`), a session and the demo account on it. A module may define its own
fixture of the same name (e.g. another clock); pytest then uses the module's."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from tastytrade import Account, Session

from tests.exchange.frozen_book import WED_11
from ttai_tui.broker.endpoint import make_session
from ttai_tui.exchange.server import ExchangeServer


@pytest.fixture
async def frozen() -> AsyncIterator[ExchangeServer]:
    async with ExchangeServer(seed=1, market_hours=True, clock=lambda: WED_11) as ex:
        yield ex


@pytest.fixture
async def sess(frozen: ExchangeServer) -> AsyncIterator[Session]:
    s = make_session("secret", "refresh", base_url=frozen.url, timeout=10)
    async with s:
        yield s


@pytest.fixture
async def acct(sess: Session) -> Account:
    return await Account.get(sess, "5WT00001")
