"""The client written against the real API's documented shapes (real_api_client.py) runs against
the exchange with only its base URL changed: every section passes, with a password session and
with a form-encoded OAuth refresh."""

from __future__ import annotations

from tests.exchange.real_api_client import SECTIONS, run


async def test_every_section_passes_with_a_password_session(exchange):
    passed = await run(exchange.url, "demo-user", "hunter2")
    assert passed == [name for name, _ in SECTIONS]


async def test_oauth_form_encoded_refresh_and_configured_logins(exchange):
    exchange.user_logins["alice"] = "right"
    import pytest

    from tests.exchange.real_api_client import ApiError

    with pytest.raises(ApiError, match="HTTP 401"):
        await run(exchange.url, "alice", "wrong")
    passed = await run(exchange.url, "alice", "right", secret="s", refresh="r",
                       only=["accounts", "balances and positions", "orders"])
    assert passed == ["sessions", "accounts", "balances and positions", "orders"]
