"""Alerts evaluated where the data arrives: right after each batch is written into MarketState.

The stream supervisor calls `AlertEngine.on_batch(kind, batch)` after applying every batch it
drains, so alerts are evaluated on every update whether or not any view shows the symbol, and
the UI timer plays no part. To stay cheap at tens of thousands of events per second:

* alerts are indexed by (event type, symbol); a batch of a type no alert uses costs one dict
  lookup, an event of a symbol no alert watches one more;
* price alerts (last, bid, ask, mark, change) read each event's own values, so a spike that
  crosses and comes back within one batch is still seen; other figures are read from
  MarketState once per batch;
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
import copy
import logging
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
from ttai_tui.core.alerts import ARMED, FIRED, step_cross, step_touch
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
        self._by_event: dict[str, dict[str, list[Alert]]] = {}
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
        by_event: dict[str, dict[str, list[Alert]]] = {}
        account: dict[tuple[str, str], list[Alert]] = {}
        inputs: dict[int, set[tuple[str, str]]] = {}
        chart: dict[tuple[str, str], list[Alert]] = {}
        metric: list[Alert] = []
        bp: list[Alert] = []
        wants: set[tuple[str, str]] = set()
        positions = self.positions()

        def put(kind: str, sym: str, a: Alert) -> None:
            by_event.setdefault(kind, {}).setdefault(sym, []).append(a)

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
        self._by_event, self._account, self._account_inputs = by_event, account, inputs
        self._account_kinds = frozenset(k for k, _ in account)
        self._chart, self._metric, self._bp = chart, metric, bp
        if self.subs is not None:
            self._declare(wants, set(chart))

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

    def _on_event(self, kind: str, e: Any, alerts: list[Alert], baseline: bool) -> None:
        sym = e.event_symbol
        now = self.clock.now()
        if kind == "Quote":
            bid, ask = float(e.bid_price), float(e.ask_price)
            for a in alerts:
                f = a.spec.field
                if f == "bid":
                    v: float | None = bid
                elif f == "ask":
                    v = ask
                else:
                    v = (bid + ask) / 2.0 if ask > 0 and 0 <= bid <= ask else None
                self._cross(a, v, now, baseline)
        elif kind == "Trade":
            t = e.time or e.event_time
            if t:
                last = self._last_trade.get(sym)
                if last is not None and t < last:
                    return  # older than a trade already seen: stale, never a crossing
                self._last_trade[sym] = t
            price = float(e.price)
            for a in alerts:
                if a.spec.field == "last":
                    self._cross(a, price, now, baseline)
                else:
                    pc = self.state.prev_close(sym)
                    self._cross(a, None if not pc else (price - pc) / pc * 100.0, now, baseline)
        else:  # Greeks: an option's IV
            vol = float(e.volatility)
            for a in alerts:
                self._cross(a, vol * 100.0, now, baseline)

    def _cross(self, a: Alert, value: float | None, now: float, baseline: bool) -> None:
        if value is None or value != value or a.spec.level is None:
            return
        before = a.state.status
        if step_cross(a.spec, a.state, value, a.spec.level, now, baseline):
            self._fired(a, value, a.spec.level)
        elif a.state.status != before:
            self._persist(a)

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
        """Pick up the file's changes now (the UI calls it after adding or removing)."""
        try:
            changed = self.book.sync()
        except Exception:
            log.exception("alerts file sync failed")
            return False
        if changed:
            self.rebuild()
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
