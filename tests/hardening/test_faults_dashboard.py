"""Fault matrix, dashboard half (issue 8, item 1): the real app, headless (Pilot), real exchange.

The app runs against the in-process exchange through the real BrokerBridge; the test injects a
fault, then reads what the user would read: the status bar's text (must say reconnecting with a
countdown / token refused while it is true, and "streaming" again after), the watchlist cells
(must update again within 3 s of the fault ending), and the app must keep running throughout.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.hardening._follow import REFRESH, SECRET
from ttai_tui.config import ChainSettings, Secret, Settings, Target, UISettings
from ttai_tui.exchange.server import ExchangeServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(90)]

RESUME_S = 3.0
SYMS = ["SPY", "QQQ", "AAPL"]


@pytest.fixture
async def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[ExchangeServer]:
    monkeypatch.setenv("TTAI_HOME", str(tmp_path / "home"))
    s = ExchangeServer(seed=3, client_secret=SECRET, refresh_token=REFRESH)
    await s.start()
    try:
        yield s
    finally:
        await s.stop()


def _app(url: str) -> Any:
    from ttai_tui.ui.app import make_app
    from ttai_tui.ui.broker_bridge import BrokerBridge

    settings = Settings(
        watchlists={"Default": list(SYMS)},
        chain=ChainSettings(strikes=3, dte=30),
        ui=UISettings(refresh_hz=15.0, theme="textual-dark", flash=False),
    )
    target = Target("exchange", url, Secret(SECRET), Secret(REFRESH))
    return make_app(settings, target, bridge=BrokerBridge(settings, target))


def _status(app: Any) -> str:
    bar = app.dashboard.query_one("#status")
    return str(getattr(bar, "_last_plain", "") or "")


def _spy_time(app: Any) -> float | None:
    q = app.bridge.state.quote("SPY")
    return None if q is None else (q.updated or q.time)


async def _until(pilot: Any, cond: Callable[[], Any], timeout: float) -> float | None:
    """Pump the app until cond() holds; seconds it took, or None."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        pilot.app.flush_now()
        await pilot.pause()
        if cond():
            return time.monotonic() - t0
        await asyncio.sleep(0.05)
    return None


async def _watch(pilot: Any, seconds: float) -> list[str]:
    """Status-bar texts seen while waiting `seconds`."""
    seen: list[str] = []
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        pilot.app.flush_now()
        await pilot.pause()
        text = _status(pilot.app)
        if not seen or seen[-1] != text:
            seen.append(text)
        await asyncio.sleep(0.1)
    return seen


async def _live(pilot: Any) -> None:
    app = pilot.app
    took = await _until(
        pilot, lambda: _spy_time(app) is not None and "streaming" in _status(app), 30
    )
    assert took is not None, f"the dashboard never went live: {_status(app)!r}"


async def _resumes(pilot: Any) -> float:
    """Fresh data and "streaming" within 3 s of the fault ending."""
    app = pilot.app
    wall_end = time.time()
    took = await _until(
        pilot,
        lambda: (_spy_time(app) or 0) > wall_end and "streaming" in _status(app),
        RESUME_S + 6,
    )
    assert took is not None, f"no fresh data after the fault: {_status(app)!r}"
    assert app.is_running
    assert took <= RESUME_S, (
        f"data resumed {took:.1f}s after the fault ended; status {_status(app)!r}"
    )
    return took


async def test_dashboard_rides_through_drops(server: ExchangeServer) -> None:
    app = _app(server.url)
    async with app.run_test(size=(120, 30)) as pilot:
        await _live(pilot)
        server.faults.drop_every = 1.5
        seen = await _watch(pilot, 7.0)
        server.faults.drop_every = None
        assert app.is_running
        assert any("reconnecting in" in s and "(try" in s for s in seen), seen
        await _resumes(pilot)
        await app.action_quit()


async def test_dashboard_exchange_restart(server: ExchangeServer) -> None:
    app = _app(server.url)
    async with app.run_test(size=(120, 30)) as pilot:
        await _live(pilot)
        port = server.port
        await server.stop()
        seen = await _watch(pilot, 4.0)
        assert app.is_running
        assert any("reconnecting in" in s for s in seen), seen
        assert "streaming" not in _status(app)
        server.port = port
        await server.start()
        await _resumes(pilot)
        await app.action_quit()


async def _revoke(pilot: Any, server: ExchangeServer) -> int:
    """Revoke the refresh token mid-session and force the client to need a new token."""
    await _live(pilot)
    f0 = server.stats.refresh_failures
    server.revoke_refresh_token()
    server.expire_access_tokens()
    await server.drop_connections()
    return f0


def _notes(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_dashboard_revoked_credentials_clear_message_no_storm(server: ExchangeServer) -> None:
    app = _app(server.url)
    async with app.run_test(size=(120, 30)) as pilot:
        f0 = await _revoke(pilot, server)
        took = await _until(
            pilot, lambda: any("refused the credentials" in n for n in _notes(app)), 8
        )
        assert took is not None, f"no clear message; notes {_notes(app)}, status {_status(app)!r}"
        await _watch(pilot, 3.0)
        assert app.is_running
        assert "streaming" not in _status(app), "shown as live with dead credentials"
        assert server.stats.refresh_failures - f0 <= 3, "retry storm with a revoked token"
        assert not any(SECRET in n or REFRESH in n for n in _notes(app))
        screen = app.export_screenshot()  # everything on screen, modal included
        issued = [*server.access_tokens, *server.quote_tokens]
        assert not [x for x in (SECRET, REFRESH, *issued) if x in screen], (
            "a credential is on screen"
        )
        await app.action_quit()


async def test_dashboard_revoked_credentials_status_and_dialog(server: ExchangeServer) -> None:
    from ttai_tui.ui.screens.modals import MessageScreen

    app = _app(server.url)
    async with app.run_test(size=(120, 30)) as pilot:
        await _revoke(pilot, server)
        await _until(pilot, lambda: isinstance(app.screen, MessageScreen), 8)
        assert isinstance(app.screen, MessageScreen), f"no dialog; status {_status(app)!r}"
        assert "refused" in _status(app), _status(app)
        await app.action_quit()


async def test_dashboard_malformed_and_oversized_frames(server: ExchangeServer) -> None:
    app = _app(server.url)
    async with app.run_test(size=(120, 30)) as pilot:
        await _live(pilot)
        server.faults.malformed_every = 1.0
        await _watch(pilot, 3.5)
        server.faults.malformed_every = None
        await server.send_oversized()
        await _watch(pilot, 0.5)
        assert app.is_running
        await _resumes(pilot)
        await app.action_quit()


async def test_dashboard_silent_server_is_not_shown_live(server: ExchangeServer) -> None:
    app = _app(server.url)
    async with app.run_test(size=(120, 30)) as pilot:
        await _live(pilot)
        server.faults.silent = True
        seen = await _watch(pilot, 7.0)
        assert app.is_running
        assert any("reconnecting" in x or "stalled" in x or "no data" in x for x in seen), seen
        assert "streaming" not in _status(app), f"silent feed shown as live: {_status(app)!r}"
        server.faults.silent = False
        await _resumes(pilot)
        await app.action_quit()
