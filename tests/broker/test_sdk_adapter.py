"""broker.sdk_adapter is the only module that touches the SDK's (and anyio's) private attributes.
These tests fail when an SDK or anyio upgrade changes the shape it relies on, naming what moved,
instead of the stream silently draining nothing or REST quietly calling the real API."""

from __future__ import annotations

import asyncio
import pathlib
import re
from collections import deque
from typing import Any

import pytest

from ttai_tui.broker import sdk_adapter


def test_the_sdk_still_has_the_shape_the_adapter_relies_on() -> None:
    assert sdk_adapter.check_sdk_shape() == []


def test_a_missing_private_attribute_is_named() -> None:
    class NotASession:
        pass

    with pytest.raises(sdk_adapter.SdkChanged, match=r"Session\._client"):
        sdk_adapter.http_client(NotASession())  # type: ignore[arg-type]
    with pytest.raises(sdk_adapter.SdkChanged, match="_recv"):
        sdk_adapter.event_queue(NotASession(), int)  # type: ignore[arg-type]


async def test_queue_buffer_is_the_live_backlog() -> None:
    """Slicing the deque takes exactly what receive() would have handed out, in order."""
    from tastytrade import DXLinkStreamer, Session
    from tastytrade.dxfeed import Quote

    streamer = DXLinkStreamer(Session("s", "r"))
    send = streamer._send["Quote"]
    queue = sdk_adapter.event_queue(streamer, Quote)
    buf = sdk_adapter.queue_buffer(queue)
    assert isinstance(buf, deque)
    for i in range(3):
        send.send_nowait(i)  # type: ignore[arg-type]
    assert list(buf) == [0, 1, 2]
    assert await asyncio.wait_for(queue.receive(), 1) == 0  # type: ignore[comparison-overlap]
    assert list(buf) == [1, 2]


def test_no_other_module_touches_sdk_internals() -> None:
    """`_client`, `_recv`, `_state` of SDK / anyio objects appear only in the adapter."""
    root = pathlib.Path(sdk_adapter.__file__).parents[1]
    pattern = re.compile(r"(?<!self)\.(_client|_recv|_send|_state)\b")
    offenders: list[Any] = []
    for path in root.rglob("*.py"):
        if path.name == "sdk_adapter.py" or "exchange" in path.parts:
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(line.split("#", 1)[0]):
                offenders.append(f"{path.relative_to(root)}:{n}: {line.strip()}")
    assert offenders == []
