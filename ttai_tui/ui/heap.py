"""Keep the heap from pausing the screen or growing while the dashboard streams.

Measured in `bench_ui` (10,000 events/s, 160x48): a full (generation 2) collection walks the
whole heap (Textual's widgets and caches, the SDK, the loaded chains: ~175,000 objects) and stops
the event loop for 55-85 ms, about every 2.5 s, because streamed events that sit in a queue during
a young collection are promoted to the old generation. Those stalls were the tail of
event-to-screen (p99 167 ms) and keypress-to-screen (p99 96 ms).

`settle()` collects once and then freezes what survives (`gc.freeze()`): frozen objects are never
scanned again, so later full passes only walk what was allocated since (3-4 ms). The price is that
a frozen object that later becomes part of unreachable cyclic garbage is not reclaimed until the
next `settle()`, which unfreezes everything first; the app settles again every few minutes, so
that memory is bounded and returned. `release()` unfreezes on exit, leaving the process (and any
test run in it) as it was.

`settle()` also raises the young generation's threshold from 700 to 20,000 allocations (the
older generations keep theirs): at 10,000 events/s each quote and greeks event allocates its
model, dicts and floats, so the collector ran a young pass every few events' worth of work.
Measured back to back with `bench_ui --quick` (two rounds each, load ~3): the app's CPU went from
77 % / 74 % of a core to 66 % / 70 %; the pipeline profile had put the collector at 5-9 % of its
CPU. Young objects are short-lived here; the larger threshold only delays their cyclic garbage by a
few milliseconds. `release()` puts the thresholds back.

`hold_collector()` switches the cyclic collector off for the dashboard's start-up, from before
the UI's imports to the end of start-up (`end_hold()`: the app calls it when it builds its
deferred tabs, just after the first prices are drawn, and on exit). Start-up allocates hundreds of
thousands of objects that all live on (modules, classes, pydantic schemas, widgets, styles): the
collector ran ~170 young and ~15 older passes over them, finding next to nothing, ~10 % of the
CPU from process start to the first live frame. Reference counting still frees everything
that is not in a cycle; the few cycles left over are collected when the hold ends.

`trim()` hands memory that the C allocator holds free back to the operating system (glibc's
`malloc_trim`; a no-op elsewhere). Measured at 10,000 events/s: Python's allocated block count
stayed flat, yet the resident size grew ~0.5 MB a minute for as long as it ran (+13 MB in 25
minutes): memory freed to glibc (most likely the larger, short-lived buffers of received frames,
which bypass Python's small-object allocator) was kept, not reused. Trimming every 30 s costs
0.2-0.4 ms and kept the resident size flat (+0.6 MB in 4.5 minutes, versus +2.6 MB without).
"""

from __future__ import annotations

import ctypes
import gc
import logging
import sys
import time
from collections.abc import Callable
from functools import cache


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None (not Linux, or a C library without it, such as musl)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError) as exc:  # musl and others: memory is not trimmed
        logging.getLogger(__name__).info("no malloc_trim in this C library: %s", exc)
        return None
    fn.argtypes = [ctypes.c_size_t]
    fn.restype = ctypes.c_int
    return fn


def can_trim() -> bool:
    return _malloc_trim() is not None


def trim() -> bool:
    """Return the allocator's free memory to the system; True if any was released."""
    fn = _malloc_trim()
    return bool(fn(0)) if fn is not None else False


YOUNG_THRESHOLD = 20_000
_saved_thresholds: tuple[int, int, int] | None = None


def settle() -> float:
    """Unfreeze, collect everything, freeze the survivors, trim; returns the milliseconds taken."""
    global _saved_thresholds
    t0 = time.perf_counter()
    if _saved_thresholds is None:
        _saved_thresholds = gc.get_threshold()
        gc.set_threshold(YOUNG_THRESHOLD, _saved_thresholds[1], _saved_thresholds[2])
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    trim()
    return (time.perf_counter() - t0) * 1000.0


_held = False


def hold_collector() -> None:
    """Start-up: no cyclic collection until `end_hold()` (a no-op if the collector is off)."""
    global _held
    if gc.isenabled():
        gc.disable()
        _held = True


def end_hold() -> None:
    """Switch the collector back on if `hold_collector()` switched it off (else a no-op)."""
    global _held
    if _held:
        _held = False
        gc.enable()


def held() -> bool:
    return _held


def release() -> None:
    """Hand every frozen object back to the collector and restore the collector's thresholds
    (and end a start-up hold)."""
    global _saved_thresholds
    end_hold()
    gc.unfreeze()
    if _saved_thresholds is not None:
        gc.set_threshold(*_saved_thresholds)
        _saved_thresholds = None
