"""Keep the garbage collector's full passes short while the dashboard streams.

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
"""

from __future__ import annotations

import gc
import time


def settle() -> float:
    """Unfreeze, collect everything, freeze the survivors; returns the milliseconds it took."""
    t0 = time.perf_counter()
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    return (time.perf_counter() - t0) * 1000.0


def release() -> None:
    """Hand every frozen object back to the collector."""
    gc.unfreeze()
