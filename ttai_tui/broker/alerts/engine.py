"""Alerts evaluated where the data arrives: right after each batch is written into MarketState.

Price alerts (last, bid, ask, mark, change) are evaluated by the writer itself: `broker.apply`
calls a per-symbol watcher (``MarketState.quote_watch`` / ``trade_watch``) with the record it
just updated, after *each* event, so a spike that crosses and comes back within one batch is
still seen and no float is converted twice. Everything else runs from the stream supervisor's
``on_batch(kind, batch)`` hook after each batch is applied. Either way alerts are evaluated on
every update whether or not any view shows the symbol; the UI timer plays no part. Cheap at tens
of thousands of events per second:

* an event of a symbol no alert watches costs one dict lookup;
* the alerts of one (symbol, field) are sorted by the value at which they can change state
  (`_Group`): an unchanged value costs one comparison, a changed one a bisect, and only the
  alerts whose level lies between the previous and the new value are evaluated;
* fired one-shot alerts leave the index.

Freshness (never fire on a crossing that did not happen): after every (re)connect the first
event of each (type, symbol) is the server's snapshot and only sets the baseline
(`core.alerts.step_cross`); a trade older than one already seen is ignored; a figure computed
from several symbols (positions, strategies, the portfolio) may fire only once every input has
delivered fresh data since the connect *and* its previous value was also computed from fresh
inputs; a chart series still loading its history is baseline only.
"""

from __future__ import annotations

import asyncio
import bisect
import copy
import logging
import math
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from ttai_tui.broker import events as ev
from ttai_tui.broker.alerts.figures import (
    account_inputs,
    account_value,
    chart_value,
    symbol_value,
)
from ttai_tui.broker.alerts.store import Alert, AlertBook
from ttai_tui.core.alerts import ARMED, FIRED, REARMING, default_margin, step_cross, step_touch
from ttai_tui.core.clock import Clock, ny_date
from ttai_tui.core.market_state import MarketState
from ttai_tui.core.models import Balance, Position

log = logging.getLogger(__name__)

OWNER = "alerts"
SYNC_EVERY_S = 1.0
METRICS_EVERY_S = 60.0
CANDLE_LOOKBACK_S = {"1m": 2 * 86400, "5m": 7 * 86400, "15m": 14 * 86400, "1h": 60 * 86400, "1d": 400 * 86400}
_QUOTE_FIELDS = frozenset({"bid", "ask", "mark"})
_TRADE_FIELDS = frozenset({"last", "change"})
_READY = "ready"


def _is_option(symbol: str) -> bool:
    return symbol.startswith(".")


class _Group:
    """The alerts on one (symbol, field), sorted by the value at which each can change state.

    An armed alert can only fire when the value reaches its level; a re-arming one only re-arms
    past ``level -/+ margin``. Between two values of the field, only alerts whose point lies in
    between are evaluated (a bisect), so a busy symbol with many alerts costs little per event;
    an unchanged value costs one comparison.
    """

    __slots__ = ("alerts", "band_hi", "band_lo", "entries", "field", "last", "pending", "points")

    def __init__(self, field: str) -> None:
        self.field = field
        self.alerts: list[Alert] = []
        self.points: list[float] = []
        self.entries: list[Alert] = []
        self.last: float | None = None
        self.pending: list[Alert] = []  # alerts with no baseline yet (just added): next value
        # the nearest points strictly below and above ``last``: a value strictly between them
        # can change no alert (an empty band, lo == hi, forces a full look)
        self.band_lo = 0.0
        self.band_hi = 0.0

    def set_band(self, v: float) -> None:
        points = self.points
        i = bisect.bisect_left(points, v)
        j = bisect.bisect_right(points, v)
        if i != j:  # the value sits exactly on a point: look again at the next value
            self.band_lo = self.band_hi = v
            return
        self.band_lo = points[i - 1] if i else -math.inf
        self.band_hi = points[i] if i < len(points) else math.inf

    def reindex(self) -> None:
        pairs = []
        for a in self.alerts:
            st, spec = a.state, a.spec
            if st.status == FIRED or spec.level is None:
                continue
            point = spec.level
            if st.status == REARMING:
                m = default_margin(spec, spec.level)
                point = spec.level - m if spec.op == "above" else spec.level + m
            pairs.append((point, a.id, a))
        pairs.sort(key=lambda p: (p[0], p[1]))
        self.points = [p[0] for p in pairs]
        self.entries = [p[2] for p in pairs]
        self.pending = [p[2] for p in pairs if p[2].state.prev is None]
        self.band_lo = self.band_hi = 0.0


class AlertEngine:
    """Evaluates the alerts of an `AlertBook` against a MarketState; see the module docstring."""

    def __init__(
        self,
        book: AlertBook,
        state: MarketState,
        clock: Clock,
        emit: Callable[[ev.BrokerEvent], None],
        *,
        positions: Callable[[], list[Position]] = list,
        balance: Callable[[], Balance | None] = lambda: None,
        subscriptions: Any = None,
        fetch_metrics: Callable[[list[str]], Awaitable[object]] | None = None,
    ) -> None:
        self.book = book
        self.state = state
        self.clock = clock
        self.emit = emit
        self.positions = positions
        self.balance = balance
        self.subs = subscriptions
        self.fetch_metrics = fetch_metrics
        self.fired: list[ev.AlertFired] = []  # every firing of this process, oldest first
        self._seen: set[tuple[str, str]] = set()
        self._epoch = [0]  # connection generation, for the per-event watchers
        self._cells: dict[tuple[str, str], list[Any]] = {}
        self._by_event: dict[str, dict[str, list[_Group]]] = {}
        self._group_of: dict[int, _Group] = {}
        self._account: dict[tuple[str, str], list[Alert]] = {}
        self._account_kinds: frozenset[str] = frozenset()
        self._account_inputs: dict[int, set[tuple[str, str]]] = {}
        self._bp: list[Alert] = []
        self._chart: dict[tuple[str, str], list[Alert]] = {}
        self._metric: list[Alert] = []
        self._last_trade: dict[str, float] = {}
        self._candle_owners: set[str] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self.rebuild()

    # ---- index ----------------------------------------------------------------------------

    def rebuild(self) -> None:
        """Re-index the armed alerts and declare the subscriptions they need."""
        by_event: dict[str, dict[str, list[_Group]]] = {}
        groups: dict[tuple[str, str, str], _Group] = {}
        account: dict[tuple[str, str], list[Alert]] = {}
        inputs: dict[int, set[tuple[str, str]]] = {}
        chart: dict[tuple[str, str], list[Alert]] = {}
        metric: list[Alert] = []
        bp: list[Alert] = []
        wants: set[tuple[str, str]] = set()
        positions = self.positions()

        old = {(k, sym, g.field): g for k, per in self._by_event.items() for sym, gs in per.items() for g in gs}

        def put(kind: str, sym: str, a: Alert) -> None:
            key = (kind, sym, a.spec.field)
            g = groups.get(key)
            if g is None:
                g = groups[key] = _Group(a.spec.field)
                prev = old.get(key)
                g.last = None if prev is None else prev.last
                by_event.setdefault(kind, {}).setdefault(sym, []).append(g)
            g.alerts.append(a)

        for a in self.book.alerts.values():
            if a.state.status == FIRED:
                continue
            s = a.spec
            if s.scope == "symbol":
                if s.field in _QUOTE_FIELDS:
                    put("Quote", s.target, a)
                    wants.add(("Quote", s.target))
                elif s.field in _TRADE_FIELDS:
                    put("Trade", s.target, a)
                    wants.update({("Trade", s.target), ("Summary", s.target)})
                elif s.field == "iv" and _is_option(s.target):
                    put("Greeks", s.target, a)
                    wants.add(("Greeks", s.target))
                else:
                    metric.append(a)
            elif s.scope == "chart":
                assert s.timeframe is not None
                chart.setdefault((s.target, s.timeframe), []).append(a)
            elif s.scope == "portfolio" and s.field == "bp":
                bp.append(a)
            else:
                keys = account_inputs(s, positions)
                inputs[a.id] = keys
                wants.update(keys)
                for key in keys:
                    account.setdefault(key, []).append(a)
        for g in groups.values():
            g.reindex()
        self._group_of = {a.id: g for g in groups.values() for a in g.alerts}
        self._watch("Quote", self.state.quote_watch, by_event.pop("Quote", {}))
        self._watch("Trade", self.state.trade_watch, by_event.pop("Trade", {}))
        self._by_event, self._account, self._account_inputs = by_event, account, inputs
        self._account_kinds = frozenset(k for k, _ in account)
        self._chart, self._metric, self._bp = chart, metric, bp
        if self.subs is not None:
            self._declare(wants, set(chart))

    def _watch(self, kind: str, watch: dict[str, Any], groups: dict[str, list[_Group]]) -> None:
        """Ask MarketState's writer to call us with each event of these symbols (in apply)."""
        for sym in [s for s in watch if s not in groups]:
            del watch[sym]
        for sym, gs in groups.items():
            watch[sym] = self._watcher(kind, sym, gs)

    def _watcher(self, kind: str, sym: str, groups: list[_Group]) -> Callable[[Any], None]:
        """The per-event callback for one symbol, kept tight: it returns at once when the prices
        it watches did not change (most quote events only change a size), and a value strictly
        inside its group's band (no level in between) costs two comparisons."""
        epoch = self._epoch  # bumped on every (re)connect: the next value is a snapshot
        # last two watched values and the epoch they were seen in; kept across rebuilds, so
        # adding an alert does not turn the symbol's next value into a baseline
        cell = self._cells.setdefault((kind, sym), [None, None, -1])
        gs = tuple(groups)
        group = self._group
        if kind == "Trade":
            on_trade = self._on_trade

            def trade_watcher(t: Any) -> None:
                price, when = t.price, t.time
                fresh = cell[2] == epoch[0]
                if fresh and price == cell[0] and when == cell[1]:
                    return
                cell[0], cell[1], cell[2] = price, when, epoch[0]
                try:
                    on_trade(t, gs, not fresh)
                except Exception:  # never break the writer's loop (the stream would reconnect)
                    log.exception("alert evaluation failed on Trade %s", sym)

            return trade_watcher

        # a box of (bid, ask) values that can change no alert: both strictly inside their
        # groups' bands (a mark is inside its band when bid and ask both are); empty at first
        box = [0.0, 0.0, 0.0, 0.0]

        def quote_watcher(q: Any) -> None:
            bid, ask = q.bid, q.ask
            fresh = cell[2] == epoch[0]
            if fresh and (
                (box[0] < bid < box[1] and box[2] < ask < box[3]) or (bid == cell[0] and ask == cell[1])
            ):
                return
            cell[0], cell[1], cell[2] = bid, ask, epoch[0]
            try:
                for g in gs:
                    f = g.field
                    if f == "bid":
                        v = bid
                    elif f == "ask":
                        v = ask
                    elif bid is not None and ask is not None and ask > 0 and 0 <= bid <= ask:
                        v = (bid + ask) / 2.0
                    else:
                        continue
                    if fresh and v is not None and g.band_lo < v < g.band_hi:
                        # no point in between: nothing can change, and ``g.last`` (also inside
                        # the band) stands for this value when the next one leaves the band
                        continue
                    group(g, v, not fresh)
                bl, bh, al, ah = -math.inf, math.inf, -math.inf, math.inf
                for g in gs:
                    lo, hi = g.band_lo, g.band_hi
                    if g.field != "ask":
                        bl, bh = max(bl, lo), min(bh, hi)
                    if g.field != "bid":
                        al, ah = max(al, lo), min(ah, hi)
                box[0], box[1], box[2], box[3] = bl, bh, al, ah
            except Exception:  # never break the writer's loop (the stream would reconnect)
                box[0] = box[1] = 0.0
                log.exception("alert evaluation failed on Quote %s", sym)

        return quote_watcher

    def _declare(self, wants: set[tuple[str, str]], series: set[tuple[str, str]]) -> None:
        self.subs.declare(OWNER, wants)
        owners = {f"{OWNER}:{sym}:{tf}": (sym, tf) for sym, tf in series}
        for owner in self._candle_owners - set(owners):
            self.subs.declare_candles(owner, None)
        now = self.clock.now()
        for owner, (sym, tf) in owners.items():
            if owner not in self._candle_owners:
                self.subs.declare_candles(owner, sym, tf, now - CANDLE_LOOKBACK_S.get(tf, 7 * 86400))
        self._candle_owners = set(owners)

    def metric_symbols(self) -> list[str]:
        return sorted({a.spec.target for a in self._metric})

    # ---- the hot path ---------------------------------------------------------------------

    def on_batch(self, kind: str, batch: list[Any]) -> None:
        """Called by the stream supervisor after ``batch`` was applied to MarketState."""
        idx = self._by_event.get(kind)
        if idx is not None:
            seen = self._seen
            for e in batch:
                lst = idx.get(e.event_symbol)
                if lst is not None:
                    key = (kind, e.event_symbol)
                    baseline = key not in seen
                    if baseline:
                        seen.add(key)
                    self._on_event(kind, e, lst, baseline)
        if kind in self._account_kinds:
            self._on_account_batch(kind, batch)
        if kind == "Candle" and self._chart:
            self._on_candles()

    def _on_trade(self, t: Any, groups: Iterable[_Group], baseline: bool) -> None:
        sym, when, price = t.symbol, t.time, t.price
        if when:
            last = self._last_trade.get(sym)
            if last is not None and when < last:
                return  # older than a trade already seen: stale, never a crossing
            self._last_trade[sym] = when
        if price is None:
            return
        for g in groups:
            if g.field == "last":
                if not baseline and g.band_lo < price < g.band_hi:
                    continue  # no point in between (see quote_watcher)
                self._group(g, price, baseline)
            else:
                pc = self.state.prev_close(sym)
                if pc:
                    self._group(g, (price - pc) / pc * 100.0, baseline)

    def _on_event(self, kind: str, e: Any, groups: list[_Group], baseline: bool) -> None:
        """Greeks events (an option's IV), from the batch hook."""
        vol = float(e.volatility)
        for g in groups:
            self._group(g, vol * 100.0, baseline)

    def _group(self, g: _Group, v: float | None, baseline: bool) -> None:
        last = g.last
        if v is None or v != v or (v == last and not baseline):
            return
        g.last = v
        if baseline or last is None:
            now = self.clock.now()
            for a in g.alerts:
                self._cross(a, v, now, True)
        else:
            lo, hi = (last, v) if last < v else (v, last)
            points = g.points
            i = bisect.bisect_left(points, lo)
            j = bisect.bisect_right(points, hi)
            pending, g.pending = g.pending, []
            now = self.clock.now() if i != j or pending else 0.0
            for a in pending:  # added since the last value: this one is their baseline
                self._cross(a, v, now, True)
            for a in g.entries[i:j]:
                if a not in pending:
                    self._cross(a, v, now, False)
        g.pending = []
        g.set_band(v)

    def current(self, a: Alert) -> float | None:
        """The alert's figure now (for the list); per-symbol alerts read MarketState."""
        if a.spec.scope == "symbol" and a.spec.field != "ivrank":
            return symbol_value(self.state, a.spec.field, a.spec.target)
        return a.state.value

    def _cross(self, a: Alert, value: float | None, now: float, baseline: bool) -> None:
        if value is None or value != value or a.spec.level is None:
            return
        before = a.state.status
        if step_cross(a.spec, a.state, value, a.spec.level, now, baseline):
            self._fired(a, value, a.spec.level)
        elif a.state.status != before:
            self._persist(a)
        if a.state.status != before:
            g = self._group_of.get(a.id)
            if g is not None:
                g.reindex()

    def _on_account_batch(self, kind: str, batch: list[Any]) -> None:
        account, seen = self._account, self._seen
        hit: dict[int, Alert] = {}
        for sym in {e.event_symbol for e in batch}:
            key = (kind, sym)
            lst = account.get(key)
            if lst is not None:
                seen.add(key)
                for a in lst:
                    hit[a.id] = a
        if hit:
            self.evaluate_account(hit.values())

    def evaluate_account(self, alerts: Iterable[Alert]) -> None:
        """Recompute position / strategy / portfolio figures (after a batch or a reload)."""
        now = self.clock.now()
        positions = self.positions()
        balance = self.balance()
        today = ny_date(now)
        for a in alerts:
            v = account_value(a.spec, self.state, positions, balance, today)
            if v is None or a.spec.level is None:
                continue
            ready = self._account_inputs.get(a.id, set()) <= self._seen
            was_ready = bool(a.state.extra.get(_READY))
            a.state.extra[_READY] = 1.0 if ready else 0.0
            self._cross(a, v, now, not (ready and was_ready))

    def _on_candles(self) -> None:
        now = self.clock.now()
        for key in self.state.take_dirty_candles(OWNER):
            alerts = self._chart.get(key)
            series = self.state.candles.get(key)
            if alerts is None or series is None:
                continue
            skey = ("Candle", f"{key[0]}@{key[1]}")
            baseline = series.loading or skey not in self._seen
            if not series.loading:
                self._seen.add(skey)
            for a in alerts:
                try:
                    got = chart_value(a.spec, series)
                except Exception:  # a bad series must not stop the stream
                    log.exception("alert %s: chart value failed", a.id)
                    continue
                if got is None:
                    continue
                before = a.state.status
                if len(got) == 3:
                    close, levels, tol = got
                    if step_touch(a.spec, a.state, close, levels, tol, now, baseline):
                        self._fired(a, close, a.state.touched)
                    elif a.state.status != before:
                        self._persist(a)
                else:
                    value, ref = got
                    if step_cross(a.spec, a.state, value, ref, now, baseline):
                        self._fired(a, value, ref)
                    elif a.state.status != before:
                        self._persist(a)

    # ---- less frequent inputs ---------------------------------------------------------------

    def on_metrics(self, fresh: Iterable[str]) -> None:
        """IV index / IV rank were just fetched for ``fresh`` symbols (REST, every minute)."""
        now = self.clock.now()
        fresh = set(fresh)
        for a in self._metric:
            sym = a.spec.target
            if sym not in fresh:
                continue
            key = ("Metrics", sym)
            baseline = key not in self._seen
            self._seen.add(key)
            self._cross(a, symbol_value(self.state, a.spec.field, sym), now, baseline)

    def on_broker_event(self, event: ev.BrokerEvent) -> None:
        if isinstance(event, ev.Connected):
            self.reset_baselines()
        elif isinstance(event, ev.AccountUpdated):
            self.rebuild()  # positions may have changed: other inputs
            now = self.clock.now()
            for a in self._bp:
                key = ("Balance", "")
                baseline = key not in self._seen
                self._seen.add(key)
                self._cross(a, account_value(a.spec, self.state, [], self.balance(), ny_date(now)), now, baseline)

    def reset_baselines(self) -> None:
        """A new connection: its snapshots re-establish every alert's side, never fire."""
        self._seen.clear()
        self._epoch[0] += 1
        for per in self._by_event.values():
            for gs in per.values():
                for g in gs:
                    g.last = None
        for a in self.book.alerts.values():
            a.state.reset_baseline()
            a.state.extra.pop(_READY, None)

    # ---- firing -----------------------------------------------------------------------------

    def _fired(self, a: Alert, value: float, reference: float | None) -> None:
        st = a.state
        event = ev.AlertFired(a.id, a.spec.text, value, reference, st.fired_at or self.clock.now(), st.fires, a.spec.unit)
        self.fired.append(event)
        log.info("alert %d fired: %s (value %g)", a.id, a.spec.text, value)
        if st.status == FIRED:
            self.rebuild()  # a one-shot alert leaves the index
        self._persist(a)
        self.emit(event)

    def _persist(self, a: Alert) -> None:
        """Write the alert's status to the file off the event loop (fsync is slow)."""
        snapshot = copy.deepcopy(a)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._record(snapshot)
            return
        loop.run_in_executor(None, self._record, snapshot)

    def _record(self, a: Alert) -> None:
        try:
            self.book.record(a)
        except Exception:  # the firing was delivered; say that its status was not saved
            log.exception("could not save the status of alert %d", a.id)

    # ---- background: other processes' changes and metrics ----------------------------------

    def start(self) -> None:
        if not self._tasks:
            self._tasks.append(asyncio.create_task(self._sync_loop(), name="ttai-alerts-sync"))
            if self.fetch_metrics is not None:
                self._tasks.append(asyncio.create_task(self._metrics_loop(), name="ttai-alerts-metrics"))

    async def stop(self) -> None:
        from ttai_tui.broker.tasks import cancel_all

        await cancel_all(self._tasks)
        self._tasks.clear()

    def reload(self) -> bool:
        """Pick up the file's changes now (the UI calls it after adding or removing).

        A firing another process recorded (the dashboard, another ``watch``) is passed on as an
        ``AlertFired`` with ``local=False``: shown and printed, but not delivered again (the
        process that saw it sent the webhook and the desktop notification).
        """
        before = {i: (a.spec, a.state.fires) for i, a in self.book.alerts.items()}
        try:
            changed = self.book.sync()
        except Exception:
            log.exception("alerts file sync failed")
            return False
        if changed:
            self.rebuild()
            for i, a in self.book.alerts.items():
                old = before.get(i)
                st = a.state
                if old is None or old[0] != a.spec or st.fires <= old[1] or st.fired_value is None:
                    continue
                event = ev.AlertFired(
                    a.id, a.spec.text, st.fired_value, a.spec.level, st.fired_at or self.clock.now(),
                    st.fires, a.spec.unit, local=False,
                )
                self.fired.append(event)
                self.emit(event)
        return changed

    async def _sync_loop(self) -> None:
        while True:
            await asyncio.sleep(SYNC_EVERY_S)
            self.reload()

    async def _metrics_loop(self) -> None:
        assert self.fetch_metrics is not None
        while True:
            syms = self.metric_symbols()
            if syms:
                try:
                    await self.fetch_metrics(syms)
                    self.on_metrics(syms)
                except Exception as exc:  # keep polling
                    log.warning("alerts: market metrics failed: %s", exc)
            await asyncio.sleep(METRICS_EVERY_S if syms else SYNC_EVERY_S * 5)


__all__ = ["ARMED", "AlertEngine"]
