"""The dashboard freezes its settled heap so full collections stay short, and gives it back.

Why it matters to a user: without it, a full garbage collection stopped the event loop for
55-85 ms every few seconds while quotes streamed (see `ttai_tui/ui/heap.py`).
"""

from __future__ import annotations

import gc
import weakref

import pytest

from tests.ui.conftest import wait_for
from ttai_tui.ui import app as app_module
from ttai_tui.ui import heap


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector can reclaim it


@pytest.fixture(autouse=True)
def _thawed():
    yield
    heap.release()


def test_settle_freezes_survivors_so_collections_skip_them():
    keep = Node()
    heap.settle()
    assert gc.get_freeze_count() > 0
    ref = weakref.ref(keep)
    del keep
    gc.collect()  # a frozen object is not scanned, so its cycle survives a normal collection
    assert ref() is not None


def test_garbage_frozen_earlier_is_reclaimed_at_the_next_settle():
    node = Node()
    heap.settle()
    ref = weakref.ref(node)
    del node
    heap.settle()
    assert ref() is None


def test_release_hands_everything_back():
    heap.settle()
    heap.release()
    assert gc.get_freeze_count() == 0


def test_settle_raises_the_young_threshold_and_release_restores_it():
    before = gc.get_threshold()
    heap.settle()
    heap.settle()  # a re-settle keeps the original thresholds to restore
    assert gc.get_threshold() == (heap.YOUNG_THRESHOLD, before[1], before[2])
    heap.release()
    assert gc.get_threshold() == before


async def test_app_settles_the_heap_after_start_and_releases_it_on_exit(app_factory, monkeypatch):
    monkeypatch.setattr(app_module, "HEAP_SETTLE_S", 0.05)
    heap.release()
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.bridge.state.mark("SPY") is not None, what="a SPY price")
        await wait_for(pilot, lambda: gc.get_freeze_count() > 0, what="the heap to settle")
    assert gc.get_freeze_count() == 0


def test_the_start_up_hold_switches_the_collector_off_until_it_ends():
    heap.hold_collector()
    assert not gc.isenabled()
    heap.end_hold()
    assert gc.isenabled()


def test_ending_a_hold_never_enables_a_collector_someone_else_switched_off():
    gc.disable()
    try:
        heap.hold_collector()  # already off: nothing to hold
        heap.end_hold()
        assert not gc.isenabled()
    finally:
        gc.enable()


async def test_the_app_ends_the_start_up_hold_once_the_first_prices_are_drawn(app_factory, monkeypatch):
    monkeypatch.setattr(app_module, "DEFERRED_AFTER_CONNECT_S", 0.05)
    heap.hold_collector()  # as `ttai` does before the UI's imports
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.bridge.state.mark("SPY") is not None, what="a SPY price")
        await wait_for(pilot, gc.isenabled, what="the collector back on")
        assert not heap.held()


def test_run_app_ends_the_hold_even_when_the_app_cannot_start(monkeypatch):
    def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(app_module, "make_app", broken)
    heap.hold_collector()
    with pytest.raises(RuntimeError):
        app_module.run_app(app_module.Settings(), app_module.Target("demo"))
    assert gc.isenabled()


def _rss_bytes() -> int:
    import os

    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not heap.can_trim(), reason="no glibc malloc_trim on this platform")
def test_trim_returns_freed_allocator_memory_to_the_system():
    # 4 KiB objects bypass Python's small-object allocator and come from glibc's heap; keeping
    # the last one alive pins the top of the heap, so only trimming can give the rest back
    blocks = [bytes(4096) for _ in range(8192)]  # 32 MiB
    keep = blocks[-1]
    del blocks
    before = _rss_bytes()
    assert heap.trim() is True
    assert before - _rss_bytes() > 16 * 2**20
    assert keep


def test_trim_is_harmless_where_unsupported(monkeypatch):
    monkeypatch.setattr(heap, "_malloc_trim", lambda: None)
    assert heap.trim() is False and heap.can_trim() is False
