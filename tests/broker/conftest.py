"""Broker fixtures: a real Broker (real SDK) pointed at the in-process exchange."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from ttai_tui.broker.service import Broker
from ttai_tui.config import Target
from ttai_tui.core.market_state import MarketState

FAST_STREAM = {"auth_timeout": 1.5, "backoff_base": 0.1, "backoff_cap": 1.0, "healthy_after": 1.0}


async def wait_for(pred: Callable[[], bool], timeout: float = 5.0, step: float = 0.02) -> float:
    """Wait until ``pred()``; returns the seconds it took; fails the test on timeout."""
    t0 = time.monotonic()
    while not pred():
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(step)
    return time.monotonic() - t0


@pytest.fixture(autouse=True)
def _quiet_sdk_frames() -> Any:
    """The SDK forces its logger to DEBUG and logs every frame; pytest would format each one.

    ``ttai_tui.logsetup`` switches this off in the app; do the same here so tests stay fast.
    """
    import logging

    sdk = logging.getLogger("tastytrade")
    before = sdk.level
    sdk.setLevel(logging.INFO)
    yield
    sdk.setLevel(before)


@pytest.fixture
async def make_broker(exchange: Any) -> AsyncIterator[Callable[..., Broker]]:
    made: list[Broker] = []

    def factory(**kw: Any) -> Broker:
        target = Target(mode="exchange", url=str(exchange.url))
        kw.setdefault("stream_options", dict(FAST_STREAM))
        b = Broker(target, None, MarketState(), **kw)
        made.append(b)
        return b

    yield factory
    for b in made:
        await b.stop()

