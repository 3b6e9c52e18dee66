"""broker.tasks.cancel_all: stopping waits for every task, and never eats its caller's cancel."""

from __future__ import annotations

import asyncio

import pytest

from ttai_tui.broker.tasks import cancel_all


async def _slow_to_stop(stopped: list[str]) -> None:
    try:
        await asyncio.sleep(3600)
    except asyncio.CancelledError:
        await asyncio.sleep(0.2)  # a polite close, e.g. a websocket close handshake
        stopped.append("closed")
        raise


async def test_waits_for_each_task_to_finish() -> None:
    stopped: list[str] = []
    tasks = [asyncio.create_task(_slow_to_stop(stopped)) for _ in range(2)]
    await asyncio.sleep(0)
    await cancel_all([*tasks, None])
    assert stopped == ["closed", "closed"]
    assert all(t.cancelled() for t in tasks)


async def test_a_failing_task_does_not_stop_the_others_being_awaited() -> None:
    async def boom() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            raise RuntimeError("failed while closing") from None

    stopped: list[str] = []
    tasks = [asyncio.create_task(boom()), asyncio.create_task(_slow_to_stop(stopped))]
    await asyncio.sleep(0)
    await cancel_all(tasks)
    assert stopped == ["closed"]


async def test_the_callers_own_cancellation_is_not_swallowed() -> None:
    stopped: list[str] = []
    after: list[str] = []

    async def stopper() -> None:
        t = asyncio.create_task(_slow_to_stop(stopped))
        await asyncio.sleep(0)
        await cancel_all([t])
        after.append("carried on as if not cancelled")

    caller = asyncio.create_task(stopper())
    await asyncio.sleep(0.05)  # the caller now waits in cancel_all for the slow close
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert after == []


async def test_stopping_inside_a_cancelled_callers_finally_still_waits_for_every_task() -> None:
    stopped: list[str] = []

    async def owner() -> None:
        tasks = [asyncio.create_task(_slow_to_stop(stopped)) for _ in range(2)]
        try:
            await asyncio.sleep(3600)
        finally:  # Ctrl-C: the owner is cancelled and stops what it started
            await cancel_all(tasks)
            stopped.append("owner done")

    o = asyncio.create_task(owner())
    await asyncio.sleep(0.05)
    o.cancel()
    with pytest.raises(asyncio.CancelledError):
        await o
    assert stopped == ["closed", "closed", "owner done"]
