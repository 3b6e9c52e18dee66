"""Declarative, reference-counted market-data subscriptions.

Consumers say *what they show*; this manager owns *what is on the wire*. ``declare`` replaces an
owner's wanted set and is cheap and synchronous (call it from a UI handler); a background
``run()`` diffs desired against active on the current connection and sends only the differences,
chunked so no frame comes near 64 KiB. After a reconnect ``attach()`` starts from an empty active
set, so everything desired is re-sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ttai_tui.core.candles import candle_symbol

log = logging.getLogger(__name__)

EVENT_TYPES = frozenset(
    {"Quote", "Trade", "Summary", "Greeks", "Profile", "TheoPrice", "TimeAndSale", "Underlying"}
)
# one add entry is ~50 bytes ({"symbol": ".SPY260717C500", "type": "Greeks"}); 400 keeps a
# frame near 20 KiB even for long futures-option symbols
CHUNK = 400

Want = tuple[str, str]  # (event type, streamer symbol)


@dataclass(slots=True, frozen=True)
class CandleWant:
    symbol: str
    timeframe: str
    from_time: float  # epoch seconds
    extended_hours: bool = False

    @property
    def key(self) -> str:
        return candle_symbol(self.symbol, self.timeframe, self.extended_hours)


def chunks(items: list[str], size: int = CHUNK) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class SubscriptionManager:
    """Ref-counted wanted set across owners, synced to the live streamer by diff."""

    def __init__(self, chunk: int = CHUNK) -> None:
        self.chunk = chunk
        self._owners: dict[str, frozenset[Want]] = {}
        self._counts: Counter[Want] = Counter()
        self._candle_owners: dict[str, CandleWant] = {}
        self._active: set[Want] = set()
        self._active_candles: dict[str, CandleWant] = {}
        self._streamer: Any = None
        self._changed: asyncio.Event | None = None
        self._lock: asyncio.Lock | None = None
        self.frames_sent = 0  # FEED_SUBSCRIPTION messages (for tests and stats)

    # ---- declaring (sync, any time) -------------------------------------------------------

    def declare(self, owner: str, wants: Iterable[Want]) -> None:
        """Replace what ``owner`` wants with ``wants`` ((event type, streamer symbol) pairs)."""
        new = frozenset(wants)
        bad = {t for t, _ in new if t not in EVENT_TYPES}
        if bad:
            raise ValueError(f"unknown event type(s): {sorted(bad)}")
        old = self._owners.get(owner, frozenset())
        if new == old:
            return
        for w in old - new:
            self._counts[w] -= 1
            if self._counts[w] <= 0:
                del self._counts[w]
        for w in new - old:
            self._counts[w] += 1
        if new:
            self._owners[owner] = new
        else:
            self._owners.pop(owner, None)
        self._poke()

    def declare_candles(
        self,
        owner: str,
        symbol: str | None,
        timeframe: str | None = None,
        from_time: float | None = None,
        extended_hours: bool = False,
    ) -> None:
        """``owner`` wants candles of symbol/timeframe from ``from_time``; None symbol drops it."""
        if symbol is None or timeframe is None:
            if self._candle_owners.pop(owner, None) is not None:
                self._poke()
            return
        want = CandleWant(symbol, timeframe, float(from_time or 0.0), extended_hours)
        if self._candle_owners.get(owner) != want:
            self._candle_owners[owner] = want
            self._poke()

    def release(self, owner: str) -> None:
        """Drop everything ``owner`` declared."""
        self.declare(owner, ())
        self.declare_candles(owner, None)

    def desired(self) -> set[Want]:
        return set(self._counts)

    def desired_candles(self) -> dict[str, CandleWant]:
        """Candle symbol -> want; several owners of one series share the earliest from_time."""
        out: dict[str, CandleWant] = {}
        for w in self._candle_owners.values():
            cur = out.get(w.key)
            if cur is None or w.from_time < cur.from_time:
                out[w.key] = w
        return out

    def active(self) -> set[Want]:
        return set(self._active)

    def owners(self) -> dict[str, frozenset[Want]]:
        return dict(self._owners)

    def _poke(self) -> None:
        if self._changed is not None:
            self._changed.set()

    # ---- the wire (async, supervisor only) ------------------------------------------------

    async def attach(self, streamer: Any) -> None:
        """A new connection: nothing is active on it yet; send everything desired."""
        self._streamer = streamer
        self._active = set()
        self._active_candles = {}
        self._changed = asyncio.Event()
        self._lock = asyncio.Lock()
        await self.sync()

    def detach(self) -> None:
        self._streamer = None
        self._active = set()
        self._active_candles = {}

    async def run(self) -> None:
        """Keep the wire in line with declarations until cancelled (one per connection)."""
        assert self._changed is not None
        while True:
            await self._changed.wait()
            self._changed.clear()
            await self.sync()

    async def sync(self) -> None:
        """Send the differences between desired and active on the current streamer."""
        if self._streamer is None or self._lock is None:
            return
        async with self._lock:
            await self._sync_events()
            await self._sync_candles()

    async def _sync_events(self) -> None:
        from tastytrade.streamer import MAP_EVENTS

        st = self._streamer
        desired = set(self._counts)
        add, remove = desired - self._active, self._active - desired
        for etype, syms in _group(remove).items():
            cls = MAP_EVENTS[etype]
            for part in chunks(sorted(syms), self.chunk):
                await st.unsubscribe(cls, part)
                self.frames_sent += 1
                self._active.difference_update((etype, s) for s in part)
        for etype, syms in _group(add).items():
            cls = MAP_EVENTS[etype]
            for part in chunks(sorted(syms), self.chunk):
                await st.subscribe(cls, part)
                self.frames_sent += 1
                self._active.update((etype, s) for s in part)

    async def _sync_candles(self) -> None:
        st = self._streamer
        desired = self.desired_candles()
        for key, want in list(self._active_candles.items()):
            if desired.get(key) != want:
                await st.unsubscribe_candle(want.symbol, want.timeframe, want.extended_hours)
                self.frames_sent += 1
                del self._active_candles[key]
        for key, want in desired.items():
            if key in self._active_candles:
                continue
            start = datetime.fromtimestamp(want.from_time, UTC) if want.from_time > 0 else None
            await st.subscribe_candle(
                [want.symbol], want.timeframe, start_time=start,
                extended_trading_hours=want.extended_hours,
            )
            self.frames_sent += 1
            self._active_candles[key] = want


def _group(wants: Iterable[Want]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for t, s in wants:
        out.setdefault(t, set()).add(s)
    return out
