"""Fault matrix for `ttai quotes --follow --json` (issue 8, item 1), durations scaled down.

Each test starts the simulated exchange in-process with the fault knobs, runs the real `ttai`
command as a child process against it (`--exchange URL`), lets data flow, injects one fault
for a few seconds, ends it and checks the five promises:

* the command stays up (or, for revoked credentials, stops with a clear message and exit 3);
* stderr tells the truth (reconnecting / refused) while the fault lasts;
* quotes resume within 3 s of the fault ending;
* the request rate stays bounded (counters of the exchange, as `/_exchange/stats` reports them);
* no line is stale: every quote printed carries a quote time within 3 s of the wall clock.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.hardening._follow import REFRESH, SECRET, Follow
from ttai_tui.exchange.server import ExchangeServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(90)]

RESUME_S = 3.0
ACCESS_TOKEN = re.compile(r"tt-access-\d+-[0-9a-f]{12}|dxlink-\d+-[0-9a-f]{12}")


class Exchange:
    """The exchange under test, restartable on the same port."""

    def __init__(self) -> None:
        self.server = ExchangeServer(seed=1, client_secret=SECRET, refresh_token=REFRESH)

    async def start(self, port: int = 0, **kw: Any) -> None:
        self.server = ExchangeServer(
            seed=1, port=port, client_secret=SECRET, refresh_token=REFRESH, **kw
        )
        await self.server.start()

    @property
    def url(self) -> str:
        return self.server.url

    def stats(self) -> dict[str, Any]:
        return self.server.stats_json()


@pytest.fixture
async def ex() -> AsyncIterator[Exchange]:
    e = Exchange()
    await e.start()
    try:
        yield e
    finally:
        await e.server.stop()


@pytest.fixture
async def follow(ex: Exchange, tmp_path: Path) -> AsyncIterator[Follow]:
    f = await Follow(ex.url, tmp_path / "home").start()
    try:
        first = await f.first_data_after(0.0, 30)
        assert first is not None, f"no data at start; stderr: {f.stderr_text()}"
        yield f
    finally:
        await f.stop()
        text = f.stderr_text() + "".join(str(q) for _t, q, _w in f.out) + "".join(f.bad_lines)
        assert SECRET not in text and REFRESH not in text
        assert not ACCESS_TOKEN.search(text), "an access/streamer token was printed"
        assert not f.bad_lines, f"non-JSON on stdout: {f.bad_lines[:3]}"


async def _baseline(f: Follow, seconds: float = 1.5) -> float:
    """Let data flow, check it does, return the time the fault starts."""
    t0 = time.monotonic()
    await asyncio.sleep(seconds)
    assert f.lines_between(t0, time.monotonic()), "no data before the fault"
    return time.monotonic()


async def _resumes(f: Follow, t_end: float, within: float = RESUME_S) -> float:
    """Quotes arrive within `within` s of the fault ending and keep coming afterwards."""
    took = await f.first_data_after(t_end, within + 5)
    assert took is not None, f"data never resumed; stderr: {f.stderr_text()[-800:]}"
    assert took <= within, (
        f"data resumed {took:.1f}s after the fault ended (> {within}s); stderr: {f.stderr_between(t_end)[-5:]}"
    )
    await asyncio.sleep(2.0)
    assert f.max_gap(t_end + took, time.monotonic()) < 2.0, (
        "data did not keep flowing after resuming"
    )
    return took


def _no_stale(f: Follow) -> None:
    stale = f.stale_lines()
    assert not stale, (
        f"{len(stale)} stale line(s) printed as live, e.g. {stale[0][1]:.1f}s old: {stale[0][2]}"
    )


async def test_dxlink_dropped_repeatedly(ex: Exchange, follow: Follow) -> None:
    t_fault = await _baseline(follow)
    before = ex.stats()
    ex.server.faults.drop_every = 1.5
    await asyncio.sleep(6.5)
    ex.server.faults.drop_every = None
    t_end = time.monotonic()
    assert follow.alive
    during = follow.stderr_between(t_fault, t_end)
    reconnecting = [line for line in during if "reconnecting" in line]
    assert len(reconnecting) >= 2, during
    assert all(re.search(r"in \d+(\.\d+)?s", line) for line in reconnecting), "no countdown"
    await _resumes(follow, t_end)
    after = ex.stats()
    drops = after["faults-injected"].get("drop", 0) - before["faults-injected"].get("drop", 0)
    conns = after["connections"]["dxlink-total"] - before["connections"]["dxlink-total"]
    tokens = after["quote-tokens"] - before["quote-tokens"]
    assert drops >= 3
    assert conns <= drops + 2 and tokens <= drops + 3, (drops, conns, tokens)  # no storm
    _no_stale(follow)


async def test_dxlink_drops_do_not_escalate_backoff(ex: Exchange, follow: Follow) -> None:
    """Issue 8 says drops every 3 s *for a minute*: each connection worked, so every drop must
    be followed by data within 3 s, however many came before (scaled: 1 s drops for 11 s)."""
    t_fault = await _baseline(follow)
    ex.server.faults.drop_every = 1.0
    await asyncio.sleep(11.0)
    ex.server.faults.drop_every = None
    t_end = time.monotonic()
    assert follow.alive
    gap = follow.max_gap(t_fault, t_end)
    assert gap <= RESUME_S, (
        f"a {gap:.1f}s hole in the data while the exchange was reachable: "
        + " | ".join(follow.stderr_between(t_fault, t_end)[-4:])
    )
    await _resumes(follow, t_end)


async def test_exchange_restarted_on_same_port(ex: Exchange, follow: Follow) -> None:
    t_fault = await _baseline(follow)
    port = ex.server.port
    await ex.server.stop()
    await asyncio.sleep(4.0)
    outage = follow.stderr_between(t_fault)
    assert follow.alive
    assert any("reconnecting in" in line for line in outage), outage
    assert not follow.lines_between(t_fault + 0.5, time.monotonic()), (
        "quotes printed while the exchange was down"
    )
    await ex.start(port=port)
    t_end = time.monotonic()
    await _resumes(follow, t_end)
    # Attempts while down were spaced out (backoff), not a storm.
    assert len([line for line in outage if "reconnecting" in line]) <= 8, outage
    _no_stale(follow)


async def test_short_token_lifetimes(ex: Exchange, tmp_path: Path) -> None:
    ex.server.token_lifetime = 3.0  # scaled from 10 s
    f = await Follow(ex.url, tmp_path / "home").start()
    try:
        assert await f.first_data_after(0.0, 30) is not None, f.stderr_text()
        t0 = time.monotonic()
        r0 = ex.stats()["token-refreshes"]
        await asyncio.sleep(7.0)
        t1 = time.monotonic()
        refreshes = ex.stats()["token-refreshes"] - r0
        assert f.alive
        assert 2 <= refreshes <= 12, refreshes  # renewed ahead of expiry, not in a loop
        assert f.max_gap(t0, t1) < 2.0
        assert not [line for line in f.stderr_between(t0) if "fail" in line or "error" in line], (
            f.stderr_text()
        )
        _no_stale(f)
    finally:
        await f.stop()


async def test_refresh_fails_twice_then_succeeds(ex: Exchange, follow: Follow) -> None:
    ex.server.token_lifetime = 3.0
    ex.server.expire_access_tokens()
    t_fault = await _baseline(follow)
    r0 = ex.stats()["token-refreshes"]
    ex.server.faults.fail_next_refreshes = 2
    # Force REST traffic: a drop makes the client fetch a new quote token.
    await ex.server.drop_connections()
    await asyncio.sleep(6.0)
    t_end = time.monotonic()
    assert ex.server.faults.fail_next_refreshes == 0, "the client never retried the refresh"
    assert ex.stats()["token-refreshes"] > r0, "no successful refresh after the failures"
    assert follow.alive
    await _resumes(follow, t_end, within=RESUME_S)
    assert ex.stats()["refresh-failures"] <= 4
    _no_stale(follow)
    del t_fault


async def test_revoked_refresh_token(ex: Exchange, follow: Follow) -> None:
    t_fault = await _baseline(follow)
    ex.server.revoke_refresh_token()
    ex.server.expire_access_tokens()
    f0 = ex.stats()["refresh-failures"]
    await ex.server.drop_connections()
    await asyncio.sleep(6.0)
    err = follow.stderr_between(t_fault)
    assert any("refused the credentials" in line for line in err), err
    tries = ex.stats()["refresh-failures"] - f0
    assert 1 <= tries <= 3, f"{tries} refresh attempts with a revoked token: a retry storm"
    assert not follow.lines_between(t_fault + 1.0, time.monotonic()), (
        "quotes printed as live after the credentials died"
    )
    if not follow.alive:
        assert follow.proc is not None and follow.proc.returncode == 3


async def test_rest_errors_20_percent(ex: Exchange, follow: Follow) -> None:
    t_fault = await _baseline(follow)
    r0 = ex.stats()["rest-requests"]
    ex.server.faults.error_rate, ex.server.faults.error_codes = 0.2, (500, 503)
    ex.server.faults.drop_every = 1.5  # reconnects need REST (quote tokens), so errors hit them
    await asyncio.sleep(6.0)
    ex.server.faults.error_rate, ex.server.faults.drop_every = 0.0, None
    t_end = time.monotonic()
    assert follow.alive
    requests = ex.stats()["rest-requests"] - r0
    assert requests <= 6.0 * 5, f"{requests} REST requests in 6 s"
    await _resumes(follow, t_end)
    _no_stale(follow)
    del t_fault


async def test_rate_limited_429_honours_retry_after(ex: Exchange, follow: Follow) -> None:
    await _baseline(follow)
    f = ex.server.faults
    f.error_rate, f.error_codes, f.retry_after = 1.0, (429,), 1
    r0 = ex.stats()["rest-requests"]
    await ex.server.drop_connections()
    await asyncio.sleep(5.0)
    requests = ex.stats()["rest-requests"] - r0
    f.error_rate = 0.0
    t_end = time.monotonic()
    assert follow.alive
    # Retry-After: 1 -> about one request a second, not a hammering loop.
    assert 2 <= requests <= 8, f"{requests} REST requests in 5 s under 429 Retry-After: 1"
    await _resumes(follow, t_end)
    _no_stale(follow)


async def test_slow_rest_responses(ex: Exchange, follow: Follow) -> None:
    await _baseline(follow)
    ex.server.faults.delay = 3.0
    await ex.server.drop_connections()
    t_drop = time.monotonic()
    took = await follow.first_data_after(t_drop + 0.2, 12)
    assert took is not None, f"no data with 3 s REST delays; stderr: {follow.stderr_text()[-500:]}"
    ex.server.faults.delay = 0.0
    t_end = time.monotonic()
    assert follow.alive
    await _resumes(follow, t_end)
    _no_stale(follow)


@pytest.mark.parametrize("kind", ["truncated", "garbage", "badvalue"])
async def test_malformed_frames(ex: Exchange, follow: Follow, kind: str) -> None:
    t_fault = await _baseline(follow)
    ex.server.faults.malformed_kind = kind
    ex.server.faults.malformed_every = 1.0
    await asyncio.sleep(3.5)
    ex.server.faults.malformed_every = None
    t_end = time.monotonic()
    assert follow.alive
    assert ex.stats()["faults-injected"].get(f"malformed_{kind}", 0) >= 1
    await _resumes(follow, t_end)
    _no_stale(follow)
    assert "Traceback" not in follow.stderr_text()
    del t_fault


async def test_oversized_frame(ex: Exchange, follow: Follow) -> None:
    await _baseline(follow)
    assert await ex.server.send_oversized() >= 1
    t_end = time.monotonic()
    await _resumes(follow, t_end)
    assert follow.alive
    assert "Traceback" not in follow.stderr_text()
    _no_stale(follow)


async def test_auth_refused(ex: Exchange, follow: Follow) -> None:
    t_fault = await _baseline(follow)
    ex.server.faults.refuse_auth = True
    await ex.server.drop_connections()
    await asyncio.sleep(6.0)
    assert follow.alive
    assert not follow.lines_between(t_fault + 0.5, time.monotonic()), (
        "quotes printed while unauthorised"
    )
    ex.server.faults.refuse_auth = False
    t_end = time.monotonic()
    said = follow.stderr_between(t_fault)
    assert any("reconnecting" in line for line in said), said
    await _resumes(follow, t_end)
    _no_stale(follow)


async def test_server_that_never_answers(ex: Exchange, follow: Follow) -> None:
    t_fault = await _baseline(follow)
    ex.server.faults.silent = True
    await asyncio.sleep(7.0)
    assert follow.alive
    said = follow.stderr_between(t_fault)
    assert any("no data" in line or "reconnecting" in line for line in said), (
        f"stderr did not say the feed stopped: {said}"
    )
    assert not follow.lines_between(t_fault + 0.5, time.monotonic())
    ex.server.faults.silent = False
    t_end = time.monotonic()
    await _resumes(follow, t_end)  # hedged readiness probes (1 s apart) notice the server
    _no_stale(follow)
