"""broker.endpoint is the only code that points the SDK elsewhere. If a new tastytrade release
changes how that works, these tests fail loudly instead of the app quietly calling the real API."""

from __future__ import annotations

import pytest
import tastytrade
from tastytrade import Account, Session

from ttai_tui.broker import endpoint, sdk_adapter


def test_pinned_sdk_version():
    # the wire reference and endpoint.py were verified against exactly this release
    assert tastytrade.__version__ == "13.2.3"


def test_sdk_still_rejects_base_url_keyword():
    # if this starts passing, the SDK grew a real option and endpoint.py should use it
    with pytest.raises(TypeError):
        Session("s", "r", base_url="http://127.0.0.1:1")


def test_default_session_still_targets_production():
    s = Session("s", "r")
    assert sdk_adapter.base_url(s) == "https://api.tastyworks.com"
    endpoint.make_session("s", "r", base_url="http://127.0.0.1:9")  # must not leak globally
    assert sdk_adapter.base_url(Session("s", "r")) == "https://api.tastyworks.com"


def test_url_helpers():
    assert endpoint.normalise("127.0.0.1:8765/") == "http://127.0.0.1:8765"
    assert endpoint.notifications_url("http://127.0.0.1:8765") == "ws://127.0.0.1:8765/notifications"
    assert endpoint.notifications_url("https://h.example/api") == "wss://h.example/api/notifications"
    with pytest.raises(ValueError):
        endpoint.normalise("ftp://x")


async def test_pointed_session_reaches_the_exchange(exchange):
    s = endpoint.make_session("s", "r", base_url=exchange.url)
    assert s.client_kwargs["trust_env"] is False  # proxies must not hijack loopback
    accounts = await Account.get(s)
    assert accounts[0].account_number == "5WT00001"
    assert exchange.stats.token_refreshes == 1 and exchange.stats.rest_requests >= 2


async def test_deserialize_resets_the_url_and_point_session_restores_it(exchange):
    s = endpoint.make_session("s", "r", base_url=exchange.url)
    await s.refresh()
    clone = Session.deserialize(s.serialize())
    assert sdk_adapter.base_url(clone) == "https://api.tastyworks.com"
    endpoint.point_session(clone, exchange.url)
    assert (await Account.get(clone))[0].account_number == "5WT00001"


def test_alert_streamer_url():
    s = Session("s", "r")
    st = endpoint.make_alert_streamer(s, "http://127.0.0.1:8765")
    assert st.base_url == "ws://127.0.0.1:8765/notifications"
    assert endpoint.make_alert_streamer(s).base_url == "wss://streamer.tastyworks.com"


async def test_plain_http_session_skips_the_ca_bundle_but_still_verifies(exchange):
    import ssl

    kwargs = endpoint.plain_http_kwargs(exchange.url)
    ctx = kwargs["verify"]
    # trusts no certificate, yet demands one: a TLS server would be refused, not trusted
    assert ctx.cert_store_stats()["x509_ca"] == 0
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    s = endpoint.make_session("s", "r", base_url=exchange.url, **kwargs)
    assert (await Account.get(s))[0].account_number == "5WT00001"  # plain HTTP works
    assert endpoint.plain_http_kwargs("https://api.example.com") == {}  # TLS keeps the default
    assert endpoint.plain_http_kwargs(None) == {}  # the live API too
