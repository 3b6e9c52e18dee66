"""Session refresh/expiry and every fault knob, observed through the unmodified SDK (or a raw
client where the SDK hides the detail, e.g. Retry-After)."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import httpx2
import pytest
from tastytrade import Account, DXLinkStreamer
from tastytrade.dxfeed import Quote
from tastytrade.utils import TastytradeError

from ttai_tui.broker.endpoint import make_session
from ttai_tui.exchange.server import ExchangeServer


def _flatten(eg: BaseException) -> list[BaseException]:
    if isinstance(eg, BaseExceptionGroup):
        return [x for e in eg.exceptions for x in _flatten(e)]
    return [eg]


async def _stream_until_error(session, timeout: float = 6.0) -> list[BaseException]:
    try:
        async with asyncio.timeout(timeout):
            async with DXLinkStreamer(session) as s:
                await s.subscribe(Quote, ["SPY", "AAPL"])
                async for _ in s.listen(Quote):
                    pass
    except BaseException as e:
        return _flatten(e)
    return []


async def test_refresh_then_expiry_then_refresh_again(exchange, sdk_session):
    await Account.get(sdk_session)
    assert exchange.stats.token_refreshes == 1
    assert sdk_session.session_expiration - time.time() == pytest.approx(900, abs=5)
    exchange.expire_access_tokens()
    with pytest.raises(TastytradeError, match="unauthorized"):
        await Account.get(sdk_session)  # SDK still trusts its expiry time; the server says 401
    await sdk_session.refresh(force=True)
    assert exchange.stats.token_refreshes == 2
    assert await Account.get(sdk_session)


async def test_short_token_lifetime_makes_the_sdk_refresh_every_call(exchange, sdk_session):
    exchange.token_lifetime = 30  # < the SDK's 60 s safety margin
    for _ in range(3):
        await Account.get(sdk_session)
    assert exchange.stats.token_refreshes == 3


async def test_wrong_credentials_are_refused():
    async with ExchangeServer(seed=1, client_secret="right", refresh_token="tok") as ex:
        bad = make_session("wrong", "tok", base_url=ex.url)
        with pytest.raises(TastytradeError, match="invalid_grant"):
            await bad.refresh()
        good = make_session("right", "tok", base_url=ex.url)
        await good.refresh()
        assert good.session_token.startswith("tt-access-")


async def test_revoked_refresh_token_and_failing_refreshes(exchange, sdk_session):
    exchange.faults.fail_next_refreshes = 2
    for _ in range(2):
        with pytest.raises(TastytradeError, match="service_unavailable"):
            await sdk_session.refresh(force=True)
    await sdk_session.refresh(force=True)  # the third works
    exchange.revoke_refresh_token()
    with pytest.raises(TastytradeError, match="invalid_grant"):
        await sdk_session.refresh(force=True)
    assert exchange.stats.faults["refresh_failed"] == 2


async def test_error_rate_with_retry_after(exchange, sdk_session):
    await sdk_session.refresh()
    exchange.faults.error_rate = 1.0
    exchange.faults.error_codes = (429,)
    with pytest.raises(TastytradeError, match="rate_limited"):
        await Account.get(sdk_session)
    async with aiohttp.ClientSession() as http, http.get(exchange.url + "/customers/me/accounts") as r:
        assert r.status == 429 and r.headers["Retry-After"] == "1"
        assert (await r.json())["error"]["code"] == "rate_limited"
    exchange.faults.error_rate = 0.5
    exchange.faults.error_codes = (500, 503)
    statuses = []
    async with aiohttp.ClientSession() as http:
        for _ in range(60):
            async with http.get(exchange.url + "/customers/me/accounts",
                                headers={"Authorization": f"Bearer {sdk_session.session_token}"}) as r:
                statuses.append(r.status)
    assert {500, 503, 200} <= set(statuses)
    assert 10 < statuses.count(200) < 50


async def test_delay_slows_every_rest_answer(exchange, sdk_session):
    await sdk_session.refresh()
    exchange.faults.delay = 0.4
    t0 = time.perf_counter()
    await Account.get(sdk_session)
    assert time.perf_counter() - t0 >= 0.4


async def test_silent_exchange_never_answers(exchange):
    exchange.faults.silent = True
    s = make_session("a", "b", base_url=exchange.url, timeout=0.5)
    with pytest.raises(httpx2.TimeoutException):
        await s.refresh()


async def test_drop_every_closes_dxlink_with_1001(exchange, sdk_session):
    exchange.faults.drop_every = 0.5
    t0 = time.perf_counter()
    errs = await _stream_until_error(sdk_session)
    assert time.perf_counter() - t0 < 5
    codes = [getattr(e, "code", None) for e in errs]
    assert 1001 in codes, errs
    assert exchange.stats.faults["drop"] >= 1


async def test_malformed_feed_data_kills_the_sdk_streamer(exchange, sdk_session):
    exchange.faults.malformed_every = 0.3
    errs = await _stream_until_error(sdk_session)
    assert any("multiple of the key size" in str(e) for e in errs), errs
    assert exchange.stats.faults["malformed_truncated"] >= 1


async def test_oversized_frame_makes_the_client_close(exchange, sdk_session):
    async def poke():
        while not await exchange.send_oversized():
            await asyncio.sleep(0.1)

    task = asyncio.create_task(poke())
    errs = await _stream_until_error(sdk_session)
    task.cancel()
    assert any("too long" in str(e) for e in errs), errs


async def test_refuse_auth_hangs_the_sdk_handshake(exchange, sdk_session):
    exchange.faults.refuse_auth = True
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(1.5), DXLinkStreamer(sdk_session):
            pass
    assert exchange.stats.faults["refuse_auth"] >= 1


async def test_stats_report_what_happened(exchange, sdk_session):
    async with DXLinkStreamer(sdk_session) as s:
        await s.subscribe(Quote, ["SPY", "QQQ"])
        await s.get_event(Quote)
        async with aiohttp.ClientSession() as http, http.get(exchange.url + "/_exchange/stats") as r:
            stats = await r.json()
    assert stats["token-refreshes"] == 1
    assert stats["connections"]["dxlink-active"] == 1
    assert stats["subscriptions"] == {"Quote": 2}
    assert stats["events-sent"] >= 1 and stats["events-by-type"]["Quote"] >= 1


async def test_malformed_badvalue_is_dropped_and_streaming_continues(exchange, sdk_session):
    exchange.faults.malformed_every = 0.2
    exchange.faults.malformed_kind = "badvalue"
    async with DXLinkStreamer(sdk_session) as s:
        await s.subscribe(Quote, ["SPY"])
        got = []
        async with asyncio.timeout(5):
            async for q in s.listen(Quote):
                got.append(q)
                if exchange.stats.faults["malformed_badvalue"] >= 3 and len(got) >= 3:
                    break
    assert all(q.bid_price > 0 for q in got)  # the "NaN" events never reached us
