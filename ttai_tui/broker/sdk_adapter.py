"""The one module that reaches into the tastytrade SDK's (and anyio's) private attributes.

ttai uses the SDK unmodified, but three things it needs have no public API in 13.2.3:

* the session's HTTP client (``Session._client``): to point REST at a non-default base URL
  (the exchange / demo), to send the stream supervisor's readiness probes with the session's
  auth headers, and to close it;
* the streamer's per-type event queues (``DXLinkStreamer._recv``): to drain every subscribed
  type in batches (the SDK's ``get_event`` hands out one event per await);
* the buffer of such a queue (anyio's ``MemoryObjectReceiveStream._state.buffer``): to take a
  whole backlog in one slice instead of one ``receive_nowait`` per event.

Everything else in ttai goes through these functions, and ``check_sdk_shape()`` (run by
``tests/broker/test_sdk_adapter.py``) fails as soon as an SDK or anyio upgrade moves any of them,
with a message naming what changed. Pinned: tastytrade 13.2.3 (pyproject.toml).
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx2
    from anyio.streams.memory import MemoryObjectReceiveStream
    from tastytrade import DXLinkStreamer, Session

WRITTEN_FOR = "13.2.3"


class SdkChanged(RuntimeError):
    """The SDK no longer has the private attribute ttai relies on (see this module)."""


def http_client(session: Session) -> httpx2.AsyncClient:
    """The session's HTTP client (base URL, auth headers and event hooks already set)."""
    client = getattr(session, "_client", None)
    if client is None or not hasattr(type(client), "base_url"):
        raise SdkChanged("tastytrade SDK changed: Session._client (an httpx2 client) is gone")
    return client


def set_base_url(session: Session, url: str) -> None:
    """Send this session's REST calls to ``url`` (checked: the setter must take effect)."""
    client = http_client(session)
    client.base_url = url
    if str(client.base_url).rstrip("/") != url.rstrip("/"):
        raise SdkChanged("tastytrade SDK changed: setting Session._client.base_url had no effect")


def base_url(session: Session) -> str:
    """Where this session's REST calls go."""
    return str(http_client(session).base_url).rstrip("/")


async def close(session: Session) -> None:
    """Close the session's HTTP client (the SDK only does it in its own ``async with``)."""
    await http_client(session).aclose()


def event_queue(streamer: DXLinkStreamer, event_cls: type) -> MemoryObjectReceiveStream[Any]:
    """The streamer's queue of ``event_cls`` events (what ``get_event`` reads)."""
    queues = getattr(streamer, "_recv", None)
    if not isinstance(queues, dict) or event_cls not in queues:
        raise SdkChanged(f"tastytrade SDK changed: DXLinkStreamer._recv[{event_cls.__name__}] is gone")
    return queues[event_cls]


def queue_buffer(queue: MemoryObjectReceiveStream[Any]) -> deque[Any] | None:
    """The queue's backlog as a deque to slice from, or None (then use ``receive_nowait``)."""
    buf = getattr(getattr(queue, "_state", None), "buffer", None)
    return buf if isinstance(buf, deque) else None


def check_sdk_shape() -> list[str]:
    """Everything this module relies on, checked on real SDK objects (no I/O); [] when intact."""
    import tastytrade
    from tastytrade import DXLinkStreamer, Session
    from tastytrade.streamer import MAP_EVENTS

    problems: list[str] = []
    if tastytrade.__version__ != WRITTEN_FOR:
        problems.append(f"tastytrade is {tastytrade.__version__}, this adapter was written for {WRITTEN_FOR}")
    session = Session("shape-check-secret", "shape-check-refresh")
    try:
        set_base_url(session, "http://127.0.0.1:9")
        if base_url(session) != "http://127.0.0.1:9":
            problems.append("Session._client.base_url does not read back")
        if not callable(getattr(http_client(session), "aclose", None)):
            problems.append("Session._client has no aclose()")
    except SdkChanged as e:
        problems.append(str(e))
    streamer = DXLinkStreamer(session)
    for cls in MAP_EVENTS.values():
        try:
            queue = event_queue(streamer, cls)
        except SdkChanged as e:
            problems.append(str(e))
            continue
        if queue_buffer(queue) is None:
            problems.append(f"anyio memory stream of {cls.__name__} has no _state.buffer deque")
        if not callable(getattr(queue, "receive_nowait", None)):
            problems.append(f"queue of {cls.__name__} has no receive_nowait()")
    return problems
