"""The dashboard under load: flush time, event-to-screen, keypress-to-screen and CPU.

Setup (see `_rig.py`): `ttai exchange --rate 10000` in its own process; the app itself runs in
this process through `App.run_test(size=(160, 48))` (Textual's headless driver) with a 50-symbol
watchlist and SPY's 41-strike chain open (enter on the first watchlist row), connected to that
exchange exactly as `ttai --exchange URL` would be. After a warm-up, a window of 20 s (6 s quick):

- `ui_flush_p99_ms`: p99 duration of `TtaiApp.flush_market`, the one UI timer that drains the
  dirty symbols into the widgets (timed by wrapping the method before mount).
- `event_to_screen_p99_ms`: for each *new* quote (a Quote whose exchange bid/ask time moved
  forward; the exchange stamps them with its wall clock when the simulated market changes them),
  the time from that exchange time to the first frame the compositor produces after the flush
  that drained the symbol. This spans the exchange's send queue, loopback, SDK parsing and
  queueing, the broker, the flush timer and the render. A "frame" is a call of `App._display`
  with an update outside a batch; the headless driver skips the ANSI encoding, so the wrapper
  does it (`render_segments`) to keep the work equal to a real terminal's, with the span writer
  `run_app` installs (ui/span_writer.py), so the encoding and `ui_frame_bytes_per_s` are `ttai`'s.
  `ui_apply_to_screen_p99_ms` is the in-app part only: from the broker's first write of a symbol
  into MarketState since the last drain (stamped by a set subclass installed as
  `MarketState.pending`) to that frame.
- `keypress_to_screen_p99_ms`: every 0.25 s a `down`/`up` key event is handed to the driver like a
  terminal key; the time until the first frame in which the focused table's cursor has moved.
- The window starts once the app's one-time warm-up is over (the deferred imports it runs in a
  thread ~5 s after connecting, and its first full heap settle, see ui/heap.py) plus the warm-up
  below: the figures describe the steady state. `ui_heap_settle_ms` is how long that settle held
  the event loop: the app settles again every 5 minutes, a stall of about that length that a
  20 s window would catch one time in fifteen.
- `ui_cpu_percent_of_core`: this process's CPU time (user + system, all threads) over the window
  divided by wall time: everything the app does (SDK parsing, broker, UI, rendering), exchange
  excluded. `ui_events_applied_per_s` is reported alongside to show the load really arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._rig import exchange_process, prepare_home

SIZE = (160, 48)
KEY_EVERY_S = 0.25
KEY_GIVE_UP_S = 2.0


def p50(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def p99(values: list[float]) -> float:
    """The 99th percentile (nearest rank); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1))
    return ordered[k]


class StampSet(set):
    """`MarketState.pending` that remembers when each symbol was first written since the drain."""

    __slots__ = ("stamps",)

    def __init__(self) -> None:
        super().__init__()
        self.stamps: dict[str, float] = {}

    def add(self, sym: str) -> None:  # type: ignore[override]
        if sym not in self:
            self.stamps[sym] = time.perf_counter()
            set.add(self, sym)


class QuoteClock:
    """Wraps the broker's Quote applier: when did the exchange make each *new* quote?

    A Quote's bid/ask times are the exchange's wall-clock milliseconds of a price change. Rate
    mode also sends quotes whose prices did not change (only their sizes and sequence number
    differ), so only a quote whose time moved forward counts as a new event;
    the earliest new change per symbol since the last drain is kept in `fresh` (seconds).
    """

    def __init__(self, apply: Any) -> None:
        self.apply = apply
        self.fresh: dict[str, float] = {}
        self.seen: dict[str, int] = {}
        self.ages_ms: list[float] = []  # exchange time -> applied, for new quotes (diagnostic)

    def __call__(self, state: Any, batch: list[Any], now: float) -> None:
        seen, fresh, ages = self.seen, self.fresh, self.ages_ms
        wall_ms = time.time() * 1000.0
        for e in batch:
            t = max(e.bid_time, e.ask_time)
            sym = e.event_symbol
            if t > seen.get(sym, 0):
                seen[sym] = t
                ages.append(wall_ms - t)
                if sym not in fresh:
                    fresh[sym] = t / 1000.0
        self.apply(state, batch, now)

    def take(self, symbols: set[str]) -> list[float]:
        fresh = self.fresh
        return [fresh.pop(s) for s in symbols if s in fresh]


class Probe:
    """Collects flush durations, event stamps awaiting a frame, frames and key probes."""

    def __init__(self) -> None:
        self.recording = False
        self.flush_ms: list[float] = []
        self.waiting: list[float] = []  # perf_counter stamps of writes drained, not yet on a frame
        self.waiting_wall: list[float] = []  # exchange times of new quotes drained, not yet shown
        self.apply_ms: list[float] = []
        self.event_ms: list[float] = []
        self.key_ms: list[float] = []
        self.frames = 0
        self.frame_bytes = 0
        self.key: tuple[float, Any, int] | None = None  # (sent at, table, expected cursor row)

    def on_frame(self, now: float, wall: float) -> None:
        if self.recording:
            self.frames += 1
            self.apply_ms.extend((now - t) * 1000.0 for t in self.waiting)
            self.event_ms.extend((wall - t) * 1000.0 for t in self.waiting_wall)
        self.waiting.clear()
        self.waiting_wall.clear()
        if self.key is not None:
            sent, table, row = self.key
            if table.cursor_row == row:
                if self.recording:
                    self.key_ms.append((now - sent) * 1000.0)
                self.key = None


def instrument(app: Any, probe: Probe, quotes: QuoteClock) -> None:
    """Wrap the app's flush and frame output, and stamp MarketState writes."""
    state = app.bridge.state
    state.pending = StampSet()
    take_dirty = state.take_dirty

    def stamped_take_dirty(consumer: str = "default") -> set[str]:
        pend = state.pending
        if pend and isinstance(pend, StampSet):
            probe.waiting.extend(pend.stamps.values())
            probe.waiting_wall.extend(quotes.take(pend))
        out = take_dirty(consumer)
        if not isinstance(state.pending, StampSet):
            state.pending = StampSet()
        return out

    state.take_dirty = stamped_take_dirty

    flush = app.flush_market

    def timed_flush() -> None:
        t0 = time.perf_counter()
        flush()
        if probe.recording:
            probe.flush_ms.append((time.perf_counter() - t0) * 1000.0)

    app.flush_market = timed_flush  # before mount: the timer is made from this attribute

    display = app._display

    def counted_display(screen: Any, renderable: Any) -> None:
        display(screen, renderable)
        if renderable is None or app._batch_count:
            return
        render = getattr(renderable, "render_segments", None)
        if render is not None:  # what the real driver would encode and write
            size = len(render(app.console).encode())
            probe.frame_bytes += size if probe.recording else 0
        probe.on_frame(time.perf_counter(), time.time())

    app._display = counted_display


def _key_event(app: Any, key: str) -> None:
    from textual import events

    ev = events.Key(key, None)
    ev.set_sender(app)
    app._driver.send_message(ev)


async def _wait(cond: Any, timeout: float, what: str) -> None:
    deadline = time.perf_counter() + timeout
    while not cond():
        if time.perf_counter() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def _drive(app: Any, probe: Probe, warmup_s: float, window_s: float) -> dict[str, float]:
    import psutil

    state = app.bridge.state
    async with app.run_test(size=SIZE) as pilot:
        await _wait(lambda: state.mark("SPY") is not None, 30, "a SPY price")
        app.set_focus(app.dashboard.watchlist.table)
        app.dashboard.watchlist.table.move_cursor(row=0)
        await pilot.press("enter")  # open SPY in the chain (and chart)
        chain = app.dashboard.chain
        await _wait(lambda: getattr(chain, "window", None), 30, "the SPY chain")
        app.set_focus(app.dashboard.watchlist.table)
        # steady state: the app's one-time warm-up (deferred imports in a thread, the first full
        # heap settle) is over before the window; the settle's stall is reported on its own
        await _wait(lambda: app.warmed_up, 60, "the app's warm-up")
        await asyncio.sleep(warmup_s)

        proc = psutil.Process()
        cpu0, ev0, t0 = sum(proc.cpu_times()[:2]), state.events, time.perf_counter()
        probe.recording = True
        next_key = t0
        while (now := time.perf_counter()) - t0 < window_s:
            if probe.key is not None and now - probe.key[0] > KEY_GIVE_UP_S:
                probe.key_ms.append((now - probe.key[0]) * 1000.0)  # never shown: count the wait
                probe.key = None
            if probe.key is None and now >= next_key:
                table = app.focused  # any table with a row cursor (DataTable or the app's LiveTable)
                if hasattr(table, "cursor_row") and getattr(table, "row_count", 0) > 1:
                    row = table.cursor_row
                    key, expected = ("down", row + 1) if row == 0 else ("up", row - 1)
                    probe.key = (time.perf_counter(), table, expected)
                    _key_event(app, key)
                next_key = now + KEY_EVERY_S
            await asyncio.sleep(0.01)
        probe.recording = False
        wall = time.perf_counter() - t0
        cpu = sum(proc.cpu_times()[:2]) - cpu0
        events = state.events - ev0
        rows, strikes = app.dashboard.watchlist.table.row_count, len(chain.window)
        await app.action_quit()
    print(
        f"bench_ui: {wall:.1f}s window, {probe.frames} frames, {len(probe.flush_ms)} flushes, "
        f"{len(probe.apply_ms)} symbol updates ({len(probe.event_ms)} new quotes), {len(probe.key_ms)} keys, "
        f"{rows} watchlist rows, {strikes} strikes; {cpu * 1000 / max(1, probe.frames):.0f} ms CPU per frame, "
        f"load average {os.getloadavg()[0]:.1f}",
        file=sys.stderr,
    )
    return {
        "ui_flush_p99_ms": p99(probe.flush_ms),
        "event_to_screen_p99_ms": p99(probe.event_ms),
        "ui_apply_to_screen_p99_ms": p99(probe.apply_ms),
        "keypress_to_screen_p99_ms": p99(probe.key_ms),
        "ui_cpu_percent_of_core": cpu / wall * 100.0,
        "ui_events_applied_per_s": events / wall,
        "ui_frame_bytes_per_s": probe.frame_bytes / wall,
        "ui_heap_settle_ms": app.heap_settle_ms if app.heap_settle_ms is not None else math.nan,
    }


@contextlib.contextmanager
def _ttai_home(home: Path):
    old = os.environ.get("TTAI_HOME")
    os.environ["TTAI_HOME"] = str(home)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("TTAI_HOME", None)
        else:
            os.environ["TTAI_HOME"] = old


def measure(warmup_s: float, window_s: float) -> dict[str, float]:
    from ttai_tui import config
    from ttai_tui.ui.app import make_app

    with tempfile.TemporaryDirectory(prefix="ttai-bench-") as tmp:
        home = Path(tmp)
        with exchange_process(home) as url, _ttai_home(home):
            prepare_home(home, url)
            settings = config.load_settings(home / "config" / "config.toml").settings
            target = config.resolve_target(settings, exchange=url)
            from ttai_tui.broker.apply import APPLIERS

            quotes = QuoteClock(APPLIERS["Quote"])
            APPLIERS["Quote"] = quotes  # looked up when the stream connects
            from ttai_tui.ui import span_writer

            span_writer.install()  # as run_app does: the frames are encoded the way `ttai` encodes them
            try:
                app = make_app(settings, target)
                probe = Probe()
                instrument(app, probe, quotes)
                out = asyncio.run(_drive(app, probe, warmup_s, window_s))
            finally:
                APPLIERS["Quote"] = quotes.apply
                span_writer.uninstall()
            ages = quotes.ages_ms[len(quotes.ages_ms) // 3 :]  # after start-up
            print(
                f"bench_ui: new quote, exchange time -> applied p50 {p50(ages):.0f} ms, "
                f"p99 {p99(ages):.0f} ms; -> screen p50 {p50(probe.event_ms):.0f} ms",
                file=sys.stderr,
            )
            return out


def run(quick: bool = False) -> dict[str, float]:
    return measure(2.0 if quick else 5.0, 6.0 if quick else 20.0)


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
