"""Deliveries: the webhook (a local aiohttp server on loopback) with timeout and retry."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web

from ttai_tui.broker import events as ev
from ttai_tui.broker.alerts.deliver import Notifier, firing_payload, firing_text

FIRING = ev.AlertFired(3, "SPY last above 605", 605.02, 605.0, 1_790_000_000.25, 1)


@pytest.fixture
async def hook_server() -> AsyncIterator[Callable[[list[Any]], Any]]:
    """Start a server whose answers are scripted: a list of status codes or "slow"."""
    runners: list[web.AppRunner] = []

    async def start(script: list[Any]) -> tuple[str, list[dict[str, Any]]]:
        got: list[dict[str, Any]] = []

        async def handle(request: web.Request) -> web.Response:
            got.append(await request.json())
            step = script.pop(0) if script else 200
            if step == "slow":
                await asyncio.sleep(3.0)
                step = 200
            return web.Response(status=int(step))

        app = web.Application()
        app.router.add_post("/hook/secret-token", handle)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        port = runner.addresses[0][1]
        return f"http://127.0.0.1:{port}/hook/secret-token", got

    yield start
    for r in runners:
        await r.cleanup()


async def test_webhook_posts_the_firing_as_json(hook_server: Any) -> None:
    url, got = await hook_server([200])
    n = Notifier(webhook=url, timeout=2.0, retries=2)
    n.on_event(FIRING)
    n.on_event(ev.Connected(0, 0.0))  # other events are not delivered
    await n.aclose(wait=5.0)
    assert got == [firing_payload(FIRING)]
    assert got[0]["id"] == 3 and got[0]["value"] == 605.02 and got[0]["reference"] == 605.0
    assert got[0]["time"] == "2026-09-21T14:13:20.250+00:00"
    assert n.delivered == 1 and n.failed == 0


async def test_webhook_retries_after_errors_and_timeouts(hook_server: Any, caplog: Any) -> None:
    url, got = await hook_server([500, "slow", 204])
    n = Notifier(webhook=url, timeout=0.5, retries=3)
    assert await n.post(firing_payload(FIRING))
    assert len(got) == 3 and n.delivered == 1
    ours = " ".join(r.getMessage() for r in caplog.records if r.name.startswith("ttai_tui"))
    assert "HTTP 500" in ours and "TimeoutError" in ours
    assert "secret-token" not in ours and "127.0.0.1" not in ours  # the URL is never logged
    await n.aclose()


async def test_webhook_gives_up_after_the_retries(hook_server: Any) -> None:
    url, got = await hook_server([503, 503, 503])
    n = Notifier(webhook=url, timeout=1.0, retries=2)
    assert not await n.post(firing_payload(FIRING))
    assert len(got) == 3 and n.failed == 1 and n.delivered == 0
    await n.aclose()


async def test_an_unreachable_webhook_is_a_logged_failure(caplog: Any) -> None:
    n = Notifier(webhook="http://127.0.0.1:9/hook", timeout=0.5, retries=1)
    assert not await n.post(firing_payload(FIRING))
    assert "webhook try 2/2 failed" in caplog.text
    await n.aclose()


def test_firing_text_names_the_alert_and_value() -> None:
    text = firing_text(FIRING)
    assert "alert #3 fired: SPY last above 605 at 605.02 (reference 605)" in text
