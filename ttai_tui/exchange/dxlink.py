"""The DXLink WebSocket endpoint (``/dxlink``): handshake, channels, subscriptions and the feed.

Protocol as the tastytrade SDK 13.2.3 speaks it (reference §3): SETUP -> SETUP + AUTH_STATE
UNAUTHORIZED, AUTH -> AUTHORIZED exactly once, CHANNEL_REQUEST -> CHANNEL_OPENED (same number),
FEED_SETUP -> FEED_CONFIG, FEED_SUBSCRIPTION add/remove, CHANNEL_CANCEL -> CHANNEL_CLOSED (the
channel may be requested again), KEEPALIVE echoed. FEED_DATA is COMPACT by default, one event type
per frame, values in the client's field order, every frame under 64 KiB.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import WSMsgType, web

from ttai_tui.exchange.feed import CANON, NAN, Row, mapper

if TYPE_CHECKING:
    from ttai_tui.exchange.server import ExchangeServer

log = logging.getLogger(__name__)
MAX_FRAME = 60_000  # bytes; the SDK's client refuses frames over 65,536
OPTION_INTERVAL = 0.5  # seconds between updates of one option's events (natural mode)
SLOW_INTERVAL = {"Summary": 2.0, "Underlying": 5.0, "Profile": 3600.0}
YIELD_EVERY = 5_000  # rate mode: events built between sends (and yields to the event loop)
TICK_CAP_S = 0.25  # rate mode: a tick sends at most this many seconds of the requested rate
_DUMPS = json.JSONEncoder(separators=(",", ":")).encode


@dataclass(slots=True)
class Sub:
    version: int = -1
    last_sent: float = float("-inf")
    interval: float = 0.1
    row_version: int = -2
    tmpl: Template | None = None  # rate mode: the market's row at row_version, encoded with slots
    pending: bool = False  # its snapshot has not gone out yet: the sender leaves it alone


@dataclass
class Channel:
    number: int
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    mappers: dict[str, Callable[[Row], Row] | None] = field(default_factory=dict)  # None: canonical order
    full: bool = False
    aggregation: float = 0.1
    subs: dict[tuple[str, str], Sub] = field(default_factory=dict)  # (type, symbol) -> Sub
    announced: set[str] = field(default_factory=set)  # event types FEED_CONFIG has described
    order: list[tuple[str, str]] = field(default_factory=list)  # round-robin order (rate mode)

    def fields_for(self, event_type: str) -> tuple[str, ...]:
        return self.fields.get(event_type) or CANON[event_type]


class DxLinkConnection:
    """One client connection; a reader (this coroutine) plus a sender task."""

    def __init__(self, server: ExchangeServer, ws: web.WebSocketResponse) -> None:
        self.server = server
        self.ws = ws
        self.channels: dict[int, Channel] = {}
        self.authorized = False
        self.opened_at = time.monotonic()
        self.closed = False
        self._rr = 0
        self._budget = 0.0
        self._seq = 0  # rate mode: running sequence number, one per event sent
        # snapshots of new subscriptions, sent in the order subscribed by one worker, so a
        # large subscription neither blocks the reader nor lets live updates overtake it
        self._snapshots: asyncio.Queue[tuple[Channel, list[tuple[str, str, object, Sub]]]] = asyncio.Queue()

    # ------------------------------------------------------------------ io
    async def send(self, msg: dict[str, object]) -> None:
        if not self.ws.closed:
            await self.ws.send_str(_DUMPS(msg))

    async def run(self) -> None:
        faults = self.server.faults
        sender = asyncio.create_task(self._sender())
        snapper = asyncio.create_task(self._snapshot_worker())
        try:
            async for msg in self.ws:
                if msg.type != WSMsgType.TEXT:
                    if msg.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                        break
                    continue
                if faults.silent:
                    self.server.stats.faults["silent"] += 1
                    continue
                try:
                    data = json.loads(msg.data)
                except ValueError:
                    log.info("DXLink: ignoring a frame that is not JSON: %.80r", msg.data)
                    continue
                if isinstance(data, dict):
                    await self._handle(data)
        finally:
            self.closed = True
            sender.cancel()
            snapper.cancel()
            for name, task in (("snapshot", snapper), ("sender", sender)):
                try:
                    await task
                except asyncio.CancelledError:
                    pass  # cancelled just above: the connection is closing
                except Exception:  # a server bug: the connection is over anyway, keep serving others
                    log.exception("DXLink: the %s task of a closing connection failed", name)

    # ------------------------------------------------------------------ protocol
    async def _handle(self, m: dict[str, object]) -> None:
        kind = m.get("type")
        ch = m.get("channel", 0)
        if kind == "SETUP":
            await self.send({"type": "SETUP", "channel": 0, "keepaliveTimeout": 60,
                             "acceptKeepaliveTimeout": 60, "version": "ttai-exchange/1.0"})
            if not self.authorized:
                await self.send({"type": "AUTH_STATE", "channel": 0, "state": "UNAUTHORIZED"})
        elif kind == "AUTH":
            if self.server.faults.refuse_auth:
                self.server.stats.faults["refuse_auth"] += 1
                return
            if self.authorized:
                return  # AUTHORIZED is sent exactly once per connection
            if m.get("token") not in self.server.quote_tokens:
                await self.send({"type": "ERROR", "channel": 0, "error": "UNAUTHORIZED",
                                 "message": "invalid or expired quote token"})
                await self.ws.close(code=1008)
                return
            self.authorized = True
            await self.send({"type": "AUTH_STATE", "channel": 0, "state": "AUTHORIZED",
                             "userId": "ttai-demo"})
        elif kind == "KEEPALIVE":
            await self.send({"type": "KEEPALIVE", "channel": 0})
        elif not self.authorized or not isinstance(ch, int):
            return
        elif kind == "CHANNEL_REQUEST":
            self.channels[ch] = Channel(ch)
            await self.send({"type": "CHANNEL_OPENED", "channel": ch,
                             "service": m.get("service", "FEED"),
                             "parameters": m.get("parameters", {"contract": "AUTO"})})
        elif kind == "CHANNEL_CANCEL":
            if self.channels.pop(ch, None) is not None:
                await self.send({"type": "CHANNEL_CLOSED", "channel": ch})
        elif kind == "FEED_SETUP" and ch in self.channels:
            await self._feed_setup(self.channels[ch], m)
        elif kind == "FEED_SUBSCRIPTION" and ch in self.channels:
            await self._subscription(self.channels[ch], m)

    async def _feed_setup(self, c: Channel, m: dict[str, object]) -> None:
        fields = m.get("acceptEventFields") or {}
        if isinstance(fields, dict):
            for t, fl in fields.items():
                if t in CANON and isinstance(fl, list):
                    c.fields[t] = tuple(str(f) for f in fl)
                    c.mappers[t] = mapper(t, c.fields[t])
                    for (et, _s), sub in c.subs.items():
                        if et == t:
                            sub.row_version = -2
        c.full = m.get("acceptDataFormat") == "FULL"
        agg = m.get("acceptAggregationPeriod")
        if isinstance(agg, int | float) and agg >= 0:
            c.aggregation = float(agg)
        await self._feed_config(c, {t: list(f) for t, f in c.fields.items()})

    async def _feed_config(self, c: Channel, fields: dict[str, list[str]]) -> None:
        c.announced.update(fields)
        await self.send({"type": "FEED_CONFIG", "channel": c.number, "aggregationPeriod": c.aggregation,
                         "dataFormat": "FULL" if c.full else "COMPACT", "eventFields": fields})

    async def _subscription(self, c: Channel, m: dict[str, object]) -> None:
        feed = self.server.feed
        if m.get("reset"):
            c.subs.clear()
        for item in _list(m.get("remove")):
            if isinstance(item, dict):
                key = (str(item.get("type")), str(item.get("symbol")))
                c.subs.pop(key, None)
        # the current value of each added subscription goes out at once, in the order added
        # (a Quote added before a Candle arrives before the candle history)
        jobs: list[tuple[str, str, object, Sub]] = []
        for item in _list(m.get("add")):
            if not isinstance(item, dict):
                continue
            et, sym = str(item.get("type")), str(item.get("symbol"))
            if et not in CANON or not feed.supports(et, sym):
                continue
            is_opt = sym.startswith(".")
            interval = max(c.aggregation, 0.05)
            if is_opt:
                interval = max(interval, OPTION_INTERVAL)
            interval = max(interval, SLOW_INTERVAL.get(et, 0.0))
            sub = c.subs[(et, sym)] = Sub(interval=interval, pending=True)
            jobs.append((et, sym, item.get("fromTime"), sub))
        c.order = list(c.subs)
        if jobs:
            self._snapshots.put_nowait((c, jobs))

    async def _snapshot_worker(self) -> None:
        feed = self.server.feed
        while True:
            c, jobs = await self._snapshots.get()
            snapshot: list[tuple[str, list[str]]] = []
            sent: list[Sub] = []
            for i, (et, sym, ft, sub) in enumerate(jobs):
                # a subscription removed, or removed and added again (a later job, with its own
                # fromTime, sends that one), or whose channel closed before its snapshot went out
                if c.subs.get((et, sym)) is not sub or self.channels.get(c.number) is not c:
                    continue
                if et == "Candle":
                    if isinstance(ft, int | float):
                        rows = feed.candle_history(sym, int(ft))
                    else:  # no fromTime: the latest bar, then live updates (not the whole history)
                        last = feed.candle_live(sym)
                        rows = [last] if last is not None else []
                else:
                    row = feed.row(et, sym)
                    rows = [row] if row is not None else []
                sub.version = feed.version(et, sym)
                sub.last_sent = time.monotonic()
                sent.append(sub)
                frags = [self._encode(c, et, r) for r in rows]
                if snapshot and snapshot[-1][0] == et:
                    snapshot[-1][1].extend(frags)
                else:
                    snapshot.append((et, frags))
                if i % 200 == 199:
                    await asyncio.sleep(0)  # let other connections and the reader run
            new_types = {et: list(c.fields_for(et)) for et, _f in snapshot if et not in c.announced}
            if new_types:  # announce the default fields of types the client did not configure
                await self._feed_config(c, new_types)
            for et, frags in snapshot:
                await self._send_frags(c, et, frags)
            for sub in sent:  # only these: a subscription added since waits for its own snapshot
                sub.pending = False

    # ------------------------------------------------------------------ sending
    def _encode(self, c: Channel, et: str, row: Row) -> str:
        mp = c.mappers.get(et)
        if mp is not None:
            row = mp(row)
        if c.full:
            return _DUMPS({**dict(zip(c.fields_for(et), row, strict=True)), "eventType": et})
        return _DUMPS(row)[1:-1]

    def _template(self, c: Channel, et: str, row: Row) -> Template:
        """``row`` encoded for this channel with the fields :func:`restamp` changes left as slots,
        so a fresh event costs one format call (``Template.fill(...)`` equals
        ``_encode(c, et, restamp(et, row, ...))``)."""
        marked = list(row)
        marked[1] = _MARK + "E"
        at = _SEQ_AT.get(et)
        if at is not None:
            marked[at] = _MARK + "S"
        sizes = [0, 0]
        if et == "Quote":
            for j, (i, kind) in enumerate(((10, "B"), (11, "A"))):
                size = row[i]
                if type(size) is int:
                    sizes[j] = size
                    marked[i] = _MARK + kind
        parts = _SLOT.split(self._encode(c, et, tuple(marked)))
        # literal text escaped for str.format, each slot replaced by its positional argument
        text = "".join(
            p.replace("{", "{{").replace("}", "}}") if i % 2 == 0 else f"{{{'ESBA'.index(p)}}}"
            for i, p in enumerate(parts)
        )
        return Template(text.format, "B" in parts[1::2] or "A" in parts[1::2], sizes[0], sizes[1])

    async def _send_frags(self, c: Channel, et: str, frags: list[str]) -> None:
        if not frags:
            return
        prefix = f'{{"type":"FEED_DATA","channel":{c.number},"data":'
        prefix += "[" if c.full else f'["{et}",['
        suffix = "]}" if c.full else "]]}"
        base = len(prefix) + len(suffix)
        size = base
        batch: list[str] = []
        stats = self.server.stats
        for f in frags:
            if batch and size + len(f) + 1 > MAX_FRAME:
                await self.ws.send_str(prefix + ",".join(batch) + suffix)
                stats.frames_sent += 1
                batch, size = [], base
            batch.append(f)
            size += len(f) + 1
        if batch:
            await self.ws.send_str(prefix + ",".join(batch) + suffix)
            stats.frames_sent += 1
        stats.events_sent += len(frags)
        stats.events_by_type[et] += len(frags)

    async def _send_rows(self, c: Channel, et: str, rows: list[Row]) -> None:
        await self._send_frags(c, et, [self._encode(c, et, r) for r in rows])

    async def _sender(self) -> None:
        server = self.server
        last = time.monotonic()
        last_bad = last
        while not self.closed and not self.ws.closed:
            rate = server.rate
            await asyncio.sleep(0.01 if rate else 0.05)
            now = time.monotonic()
            dt, last = now - last, now
            faults = server.faults
            if faults.silent or not self.authorized:
                continue
            if faults.drop_every is not None and now - self.opened_at >= faults.drop_every:
                server.stats.faults["drop"] += 1
                await self.ws.close(code=1001, message=b"exchange: scheduled drop")
                return
            if (
                faults.malformed_every is not None
                and now - last_bad >= faults.malformed_every
                and await self._send_malformed()
            ):
                last_bad = now
            try:
                if rate:
                    await self._send_rate(rate * dt)
                else:
                    await self._send_changes(now)
            except ConnectionResetError as e:  # the client went away: this connection is over
                log.debug("DXLink: sender stops, the connection was reset: %r", e)
                return

    async def _send_changes(self, now: float) -> None:
        feed = self.server.feed
        for c in list(self.channels.values()):
            per_type: dict[str, list[str]] = {}
            for (et, sym), sub in list(c.subs.items()):
                if sub.pending or now - sub.last_sent < sub.interval:
                    continue
                v = feed.version(et, sym)
                if v == sub.version:
                    continue
                row = feed.candle_live(sym) if et == "Candle" else feed.row(et, sym)
                sub.version = v
                sub.last_sent = now
                if row is not None:
                    per_type.setdefault(et, []).append(self._encode(c, et, row))
            for et, frags in per_type.items():
                await self._send_frags(c, et, frags)

    async def _send_rate(self, budget: float) -> None:
        """Rate mode: send ``budget`` events (carried over) round-robin over all subscriptions.

        Every event is a fresh one: the subscription's current market row stamped with this
        event's time and running sequence number, and a Quote with this event's bid/ask sizes.
        No two events on the wire are the same string. The row is encoded once per market change
        into a template with slots for those fields (``_template``), filled per event.

        Subscriptions whose value changed since they were last sent go first (a real feed sends
        a change when it happens; the rest of the budget cycles round-robin). A tick sends at
        most ``TICK_CAP_S`` of the requested rate, budget carried over included: when the
        exchange or its client falls behind (a busy machine, a slow reader), the rest is dropped
        and delivery falls below the request, instead of the next tick's budget growing with the
        last tick's length (a runaway that built ever larger ticks and sent nothing for seconds,
        so clients took the feed for stalled). A tick goes out in chunks of ``YIELD_EVERY``
        events, each sent as soon as it is built and stamped with its own time."""
        rate = float(self.server.rate or 0)
        self._budget = min(self._budget + budget, max(TICK_CAP_S * rate, 1.0))
        pairs = [(c, k) for c in self.channels.values() for k in c.order
                 if k in c.subs and not c.subs[k].pending]
        if not pairs:
            return
        feed = self.server.feed
        n = int(self._budget)
        self._budget -= n
        np_ = len(pairs)
        start = self._rr % np_
        rotated = pairs[start:] + pairs[:start]
        if n < np_:  # not everything goes out this tick: the changed ones first
            fresh = [p for p in rotated if p[0].subs[p[1]].row_version != feed.version(*p[1])]
            if fresh and len(fresh) < np_:
                first = {id(p[0].subs[p[1]]) for p in fresh}
                rotated = fresh + [p for p in rotated if id(p[0].subs[p[1]]) not in first]
        self._rr = (start + n) % np_
        done = 0
        while done < n:
            if done:
                await asyncio.sleep(0)  # a big tick must not starve REST and other connections
            count = min(n - done, YIELD_EVERY)
            offset = done % np_
            await self._send_chunk(rotated[offset:] + rotated[:offset], count)
            done += count

    async def _send_chunk(self, ring: list[tuple[Channel, tuple[str, str]]], count: int) -> None:
        """``count`` fresh events cycling through ``ring`` from its start. The market does not
        move while the chunk is built (nothing here awaits), so each subscription's template is
        looked up once per chunk, not once per event."""
        feed = self.server.feed
        reps, rem = divmod(count, len(ring))
        groups: dict[tuple[int, str], list[str]] = {}
        chans: dict[int, Channel] = {}
        plan: list[tuple[Callable[[str], None], Callable[[int, int], str]] | None] = []
        for c, key in ring if reps else ring[:rem]:
            sub = c.subs.get(key)
            if sub is None or self.channels.get(c.number) is not c:
                plan.append(None)  # unsubscribed (or its channel closed) while a tick yielded
                continue
            et, sym = key
            v = feed.version(et, sym)
            tmpl = sub.tmpl
            if sub.row_version != v or tmpl is None:
                row = feed.candle_live(sym) if et == "Candle" else feed.row(et, sym)
                if row is None:
                    plan.append(None)
                    continue
                sub.tmpl = tmpl = self._template(c, et, row)
                sub.row_version = v
            out = groups.get((c.number, et))
            if out is None:
                out = groups[(c.number, et)] = []
                chans[c.number] = c
            plan.append((out.append, tmpl.fill))
        now_ms = int(time.time() * 1000)
        seq = self._seq
        for step in plan * reps + plan[:rem]:
            if step is not None:
                seq += 1
                step[0](step[1](now_ms, seq))
        self._seq = seq
        for (number, et), frags in groups.items():
            await self._send_frags(chans[number], et, frags)

    async def _send_malformed(self) -> bool:
        for c in self.channels.values():
            for et, sym in c.subs:
                kind = self.server.faults.malformed_kind
                self.server.stats.faults[f"malformed_{kind}"] += 1
                if kind == "garbage":
                    await self.ws.send_str('{"type":"FEED_DATA","channel":' + str(c.number) + ',"data":[')
                    return True
                fields = c.fields_for(et)
                if kind == "badvalue":
                    vals: list[object] = [sym, *[NAN] * (len(fields) - 1)]
                else:
                    vals = [sym, *[0] * (len(fields) - 2)]
                await self.ws.send_str(_DUMPS({"type": "FEED_DATA", "channel": c.number,
                                               "data": [et, vals]}))
                return True
        return False

    async def send_oversized(self) -> bool:
        """Send one FEED_DATA frame over 64 KiB on an open channel (clients must close 1009)."""
        for c in self.channels.values():
            for et, sym in c.subs:
                row = self.server.feed.row(et, sym) if et != "Candle" else self.server.feed.candle_live(sym)
                if row is None:
                    continue
                frag = self._encode(c, et, row)
                n = 70_000 // max(len(frag), 1) + 1
                self.server.stats.faults["oversized"] += 1
                await self.ws.send_str(
                    f'{{"type":"FEED_DATA","channel":{c.number},"data":["{et}",['
                    + ",".join([frag] * n) + "]]}"
                )
                return True
        return False


def _list(value: object) -> list[object]:
    """A JSON array from a client message, or [] for anything else."""
    return value if isinstance(value, list) else []


_SEQ_AT = {t: f.index("sequence") for t, f in CANON.items() if "sequence" in f}


_MARK = "\x01"
_SLOT = re.compile(r'"\\u0001([ESBA])"')


@dataclass(slots=True)
class Template:
    """An encoded event with slots for eventTime (E), sequence (S) and a Quote's sizes (B, A):
    ``fmt`` is ``str.format`` of the encoding with ``{0}``..``{3}`` in place of E, S, B, A, so a
    fresh event costs one C call."""

    fmt: Callable[..., str]
    sized: bool = False  # has B/A slots (a Quote with integer sizes)
    bid_size: int = 0
    ask_size: int = 0

    def fill(self, now_ms: int, seq: int) -> str:
        if self.sized:
            return self.fmt(now_ms, seq & 0x3FFFFF, self.bid_size + seq % 7, self.ask_size + (seq // 7) % 7)
        return self.fmt(now_ms, seq & 0x3FFFFF)


def restamp(event_type: str, row: Row, now_ms: int, seq: int) -> Row:
    """A fresh event from a market row (canonical order): eventTime ``now_ms``, sequence ``seq``
    where the type has one, and for a Quote bid/ask sizes that differ from event to event (a
    size-only quote update, the most common kind on a real feed). Prices stay the market's."""
    s = seq & 0x3FFFFF
    if event_type == "Quote":  # sequence is field 2, the sizes the last two
        bs, as_ = row[10], row[11]
        return (row[0], now_ms, s, *row[3:10],
                bs + seq % 7 if type(bs) is int else bs,
                as_ + (seq // 7) % 7 if type(as_) is int else as_)
    at = _SEQ_AT.get(event_type)
    if at is None:
        return (row[0], now_ms, *row[2:])
    return (row[0], now_ms, *row[2:at], s, *row[at + 1:])


def subscription_counts(conns: list[DxLinkConnection]) -> dict[str, int]:
    out: dict[str, int] = {}
    for conn in conns:
        for c in conn.channels.values():
            for et, _sym in c.subs:
                out[et] = out.get(et, 0) + 1
    return out
