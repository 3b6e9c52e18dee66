"""The one place that knows how to point the unmodified tastytrade SDK at a non-default URL.

SDK 13.2.3 has no base-URL option (its constructor passes ``base_url`` itself, so a
``base_url=`` keyword is a TypeError, and no environment variable exists). The least invasive
supported route (wire reference §1.2, approach B) is to build the Session normally and then set
its httpx2 client's public ``base_url`` setter (the client itself is private: reached through
``broker.sdk_adapter``, the one module that touches SDK internals). DXLink needs nothing: the server names its own
WebSocket URL in ``/api-quote-tokens``. The account streamer reads the documented
``AlertStreamer.base_url`` attribute, set before ``async with`` (to :func:`notifications_url`).

``trust_env=False`` keeps proxy variables from hijacking loopback (httpx2 does not exempt
127.0.0.1). ``Session.deserialize()`` rebuilds the client, so call :func:`point_session` again
after it. :func:`plain_http_kwargs` spares a plain-``http://`` session (the demo) loading the CA
bundle for TLS it never uses. ``tests/exchange/test_endpoint.py`` fails loudly if a new SDK version breaks this.
"""

from __future__ import annotations

import ssl
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ttai_tui.broker import sdk_adapter
from ttai_tui.broker.lazy_sdk import import_sdk

import_sdk()  # the first SDK import of a process: pandas and the NYSE calendar load on first use
from tastytrade import AlertStreamer, Session  # noqa: E402

DEFAULT_TIMEOUT = 10.0


def normalise(url: str) -> str:
    """``127.0.0.1:8765`` or ``http://127.0.0.1:8765/`` -> ``http://127.0.0.1:8765``."""
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"exchange URL must be http(s)://host:port, got {url!r}")
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def notifications_url(base_url: str) -> str:
    """The account-streamer WebSocket URL served beside a REST base URL."""
    parts = urlsplit(normalise(base_url))
    scheme = "wss" if parts.scheme == "https" else "ws"
    return urlunsplit((scheme, parts.netloc, parts.path + "/notifications", "", ""))


def point_session(session: Session, base_url: str) -> Session:
    """Redirect an existing Session's REST calls to ``base_url`` (returns the same session)."""
    sdk_adapter.set_base_url(session, normalise(base_url))
    return session


def make_session(
    provider_secret: str,
    refresh_token: str,
    base_url: str | None = None,
    is_test: bool = False,
    **client_kwargs: Any,
) -> Session:
    """A Session for the live/sandbox API (``base_url=None``) or for any compatible URL."""
    client_kwargs.setdefault("timeout", DEFAULT_TIMEOUT)
    if base_url is not None:
        client_kwargs.setdefault("trust_env", False)
    session = Session(provider_secret, refresh_token, is_test=is_test, **client_kwargs)
    if base_url is not None:
        point_session(session, base_url)
    return session


def plain_http_kwargs(base_url: str | None) -> dict[str, Any]:
    """Client keywords for a session at ``base_url``: for plain ``http://``, ``verify=`` a
    context with no CA certificates loaded.

    Why: httpx2 builds an SSL context per client (the session's and each streamer's, which
    reuse the session's keywords) and loading the CA bundle costs ~50 ms of start-up each, for
    TLS that a plain-HTTP connection never uses. The context still verifies (hostname and
    certificate required), so it would refuse a TLS server rather than trust it. ``https://``
    and the live API keep httpx2's default. Not JSON-serialisable, like any ``event_hooks``:
    a session made with it cannot ``serialize()``.
    """
    if base_url is None or urlsplit(normalise(base_url)).scheme != "http":
        return {}
    return {"verify": ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)}  # CERT_REQUIRED + check_hostname


def make_alert_streamer(session: Session, base_url: str | None = None) -> AlertStreamer:
    """An AlertStreamer for ``session``; pointed at ``base_url``'s /notifications if given.

    Enter it with ``async with`` as usual; the URL must be set before entering.
    """
    streamer = AlertStreamer(session)
    if base_url is not None:
        if not hasattr(streamer, "base_url"):
            raise RuntimeError("tastytrade SDK changed: AlertStreamer.base_url is gone")
        streamer.base_url = notifications_url(base_url)
    return streamer
