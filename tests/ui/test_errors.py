"""Failures stay inside the app: refused credentials -> a modal, a dropped stream -> reconnect
countdown in the status bar, an exception in a view -> logged + notified, app keeps working."""

from __future__ import annotations

import logging

from ttai_tui.config import Secret, Target
from ttai_tui.core.models import StreamState
from ttai_tui.exchange.server import ExchangeServer
from ttai_tui.ui.app import make_app
from ttai_tui.ui.broker_bridge import BrokerBridge
from ttai_tui.ui.screens.modals import MessageScreen

from .conftest import settle, ui_settings, wait_for


async def test_refused_credentials_show_a_modal_without_secrets():
    server = ExchangeServer(seed=7, client_secret="the-right-secret", refresh_token="the-right-token")
    await server.start()
    try:
        settings = ui_settings()
        target = Target("exchange", url=server.url, provider_secret=Secret("wrong-secret-123"),
                        refresh_token=Secret("wrong-token-456"))
        app = make_app(settings, target, bridge=BrokerBridge(settings, target))
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, MessageScreen), what="credentials modal")
            body = str(app.screen.query_one("#message-body").render())
            assert "refused" in body.lower()
            assert "wrong-secret-123" not in body and "wrong-token-456" not in body
            await pilot.press("enter")
            await settle(pilot)
            assert not isinstance(app.screen, MessageScreen)
            assert app.is_running
            assert "auth" in app.dashboard.query_one("#status")._last_plain  # the bar says so too
            await pilot.press("q")
            await pilot.pause()
        assert app.return_code == 3  # the CLI's "credentials refused" code
    finally:
        await server.stop()


async def test_dropped_stream_reconnects_and_the_bar_counts_down(app_factory, exchange):
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        bar = app.dashboard.query_one("#status")
        await wait_for(pilot, lambda: "streaming" in (bar._last_plain or ""), what="stream up")
        exchange.faults.drop_every = 0.2  # every DXLink connection dies after 0.2 s
        await wait_for(pilot, lambda: app.bridge.stream_status().reconnects > 0, what="a reconnect")
        seen_states = set()
        await wait_for(
            pilot,
            lambda: seen_states.add(app.bridge.stream_status().state) or "reconnecting in" in bar._last_plain,
            timeout=10, what="countdown in the status bar",
        )
        exchange.faults.drop_every = None
        await wait_for(pilot, lambda: app.bridge.stream_status().state is StreamState.LIVE, timeout=15,
                       what="live again")
        assert app.is_running


async def test_exception_in_a_view_is_reported_and_the_app_keeps_going(app_factory, caplog):
    app = app_factory()
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        dash = app.dashboard
        await settle(pilot)
        original = dash.watchlist.flush

        def broken(*args, **kwargs):
            raise RuntimeError("boom in the watchlist")

        dash.watchlist.flush = broken  # type: ignore[method-assign]
        with caplog.at_level(logging.ERROR, logger="ttai_tui.ui"):
            await settle(pilot)
        assert any("boom in the watchlist" in r.getMessage() for r in caplog.records)
        assert any("boom in the watchlist" in str(n.message) for n in app._notifications)
        dash.watchlist.flush = original  # type: ignore[method-assign]
        await pilot.press("s")  # still responsive
        await settle(pilot)
        assert dash.watchlist.sort_key == "symbol"
        assert app.is_running
