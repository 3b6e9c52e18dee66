"""The watchlist pane: named lists, live quotes, tick flashes, sort, edit with undo.

Data arrives only through `flush()` (called by the app's one UI timer with the symbols that
changed); the pane never subscribes to anything itself beyond telling the bridge which symbols
it shows. Edits go to `WatchlistStore`, which saves atomically.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from ttai_tui.core.formatting import (
    MISSING,
    fmt_age,
    fmt_change,
    fmt_pct,
    fmt_price,
    fmt_ratio_pct,
    fmt_size,
)
from ttai_tui.core.market_state import MarketState
from ttai_tui.ui.bridge import bridge_of, require_bridge
from ttai_tui.ui.messages import OpenSymbol
from ttai_tui.ui.watchlist_store import WatchlistStore
from ttai_tui.ui.widgets.live_table import Col, LiveTable
from ttai_tui.ui.widgets.subtitle_line import SubtitleLine

log = logging.getLogger(__name__)

STALE_SECONDS = 30.0
RESOLVE_RETRY_S = 5.0  # entries like /ES wait for the broker: ask again this often until it answers

COLUMNS = [
    Col("symbol", "Symbol", 7, "left"),  # /MESZ26, BTC/USD
    Col("last", "Last", 8),
    Col("change", "Chg", 7),
    Col("pct", "%Chg", 7),
    Col("bid", "Bid", 8),
    Col("ask", "Ask", 8),
    Col("volume", "Volume", 7),
    Col("ivr", "IVR", 5),
]
SORTS = ["manual", "symbol", "last", "change", "pct", "bid", "ask", "volume", "ivr"]


def _signed_style(v: float | None) -> str:
    if v is None:
        return "dim"
    return "green" if v > 0 else "red" if v < 0 else ""


def row_values(state: MarketState, sym: str, stale: bool) -> tuple[dict[str, tuple[str, str]], dict[str, float | None]]:
    """Formatted cells and raw sort values for one symbol."""
    q = state.quotes.get(sym)
    bid = None if q is None else q.bid
    ask = None if q is None else q.ask
    last = state.price(sym)
    ch = state.change(sym)
    pct = state.change_pct(sym)
    vol = state.volume(sym)
    ivr = state.iv_rank(sym)
    base = "dim" if stale else ""

    def plain(text: str) -> tuple[str, str]:
        return text, ("dim" if text == MISSING or stale else "")

    cells = {
        # /ESZ26:XCME and BTC/USD:CXTALP show without their venue (the contract still shows)
        "symbol": (sym.split(":", 1)[0], "bold" if not stale else "dim"),
        "last": plain(fmt_price(last)),
        "change": (fmt_change(ch), base or _signed_style(ch)),
        "pct": (fmt_pct(pct), base or _signed_style(pct)),
        "bid": plain(fmt_price(bid)),
        "ask": plain(fmt_price(ask)),
        "volume": plain(fmt_size(vol)),
        "ivr": plain(MISSING if ivr is None else fmt_ratio_pct(ivr, 0).rstrip("%")),
    }
    raw = {"last": last, "change": ch, "pct": pct, "bid": bid, "ask": ask, "volume": vol, "ivr": ivr}
    return cells, raw


def row_inputs(state: MarketState, sym: str, stale: bool) -> tuple[object, ...]:
    """Every value `row_values` formats a row from: equal inputs, equal cells. The flush compares
    these instead of formatting the row again (most streamed quotes change only sizes)."""
    q = state.quotes.get(sym)
    t = state.trades.get(sym)
    s = state.summaries.get(sym)
    m = state.metrics.get(sym)
    return (
        stale,
        None if q is None else (q.bid, q.ask),
        None if t is None else (t.price, t.day_volume),
        None if s is None else s.prev_close,
        None if m is None else m.iv_rank,
    )


@dataclass(slots=True)
class Deleted:
    list_name: str
    symbol: str
    index: int


class WatchlistPane(SubtitleLine, Vertical):
    """List switcher line + LiveTable; bindings live here so they work while the table has focus."""

    ALLOW_MAXIMIZE = True

    BINDINGS = [
        Binding("a", "add", "Add", id="watchlist-add", tooltip="Add a symbol (search with completion)"),
        Binding("d", "delete", "Del", id="watchlist-delete", tooltip="Delete the selected symbol"),
        Binding("u", "undo", "Undo", id="watchlist-undo", show=False, tooltip="Undo the last delete"),
        Binding("J", "move(1)", "Move down", id="watchlist-move-down", show=False,
                tooltip="Move the selected symbol down"),
        Binding("K", "move(-1)", "Move up", id="watchlist-move-up", show=False,
                tooltip="Move the selected symbol up"),
        Binding("left_square_bracket", "switch_list(-1)", "Prev list", id="watchlist-prev", show=False,
                tooltip="Previous watchlist"),
        Binding("right_square_bracket", "switch_list(1)", "Next list", id="watchlist-next", show=False,
                tooltip="Next watchlist"),
        Binding("s", "cycle_sort", "Sort", id="watchlist-sort",
                tooltip="Cycle the sort column (click a header to sort by it)"),
        Binding("enter", "open", "Open", id="watchlist-open", tooltip="Open the symbol in the chain and the chart"),
        Binding("T", "trade", "Trade", id="watchlist-trade", show=False,
                tooltip="Order ticket for the selected symbol (shares)"),
    ]

    def __init__(self, store: WatchlistStore, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.store = store
        self.current = store.names[0]
        self.sort_key = "manual"
        self.sort_reverse = False
        self.undo_stack: list[Deleted] = []
        self._raw: dict[str, dict[str, float | None]] = {}
        self._last_px: dict[str, float | None] = {}
        self._stale: dict[str, bool] = {}
        self._inputs: dict[str, tuple[object, ...]] = {}  # symbol -> row_inputs last shown
        self._resort = False
        self._last_sort_at = 0.0
        self.flash_enabled = True

    def compose(self) -> ComposeResult:
        yield Static("", id="watchlist-tabs", markup=False)
        yield LiveTable(COLUMNS, id="watchlist-table")

    @property
    def table(self) -> LiveTable:
        return self.query_one("#watchlist-table", LiveTable)

    @property
    def symbols(self) -> list[str]:
        return self.store.symbols(self.current)

    def on_mount(self) -> None:
        self.border_title = "Watchlist"
        self.call_after_refresh(self.rebuild)

    # -- building ----------------------------------------------------------------------------

    def _tabs_text(self) -> str:
        parts = []
        for name in self.store.names:
            parts.append(f"[{name}]" if name == self.current else f" {name} ")
        sort = "" if self.sort_key == "manual" else f"  sort:{self.sort_key}{'↓' if self.sort_reverse else '↑'}"
        return " ".join(parts) + sort

    def rebuild(self) -> None:
        """Rebuild rows for the current list (list switch, edits): rare, so a clear is fine."""
        table = self.table
        state = self.app_state
        keep = table.selected_key  # a rebuild (account lists arriving, an edit) keeps the cursor's row
        table.drop_all()
        self._raw.clear()
        self._last_px.clear()
        self._stale.clear()
        self._inputs.clear()
        now = self.now()
        for i, sym in enumerate(self.symbols):
            stale = self._is_stale(state, sym, now)
            cells, raw = row_values(state, sym, stale)
            table.ensure_row(sym, cells, order=i)
            self._raw[sym] = raw
            self._last_px[sym] = raw["last"]
            self._stale[sym] = stale
        self.query_one("#watchlist-tabs", Static).update(self._tabs_text())
        self._apply_sort()
        if keep is not None and table.has_row(keep):
            table.select_key(keep)
        self.publish_subscriptions()
        self.resolve_entries()

    def resolve_entries(self) -> None:
        """Ask the broker what entries like /ES, /ESZ26 or BTC/USD stream as (see WatchlistStore)."""
        if self.store.unresolved() and bridge_of(self) is not None:
            self.run_worker(self._resolve_entries(), group="watchlist-resolve", exclusive=True,
                            exit_on_error=False, description="Watchlist symbols")

    async def _resolve_entries(self) -> None:
        from ttai_tui.broker.errors import BrokerFailure, UnknownSymbolError

        bridge = require_bridge(self)
        changed = False
        for entry in self.store.unresolved():
            try:
                streamer = await bridge.resolve(entry)
            except UnknownSymbolError as exc:
                log.warning("watchlist entry %s is not listed (%s); shown as written", entry, exc)
                streamer = entry  # not asked again this session
            except Exception as exc:  # not connected yet, network: ask again a little later
                log.info("watchlist entry %s not resolved yet (%s); retrying in %.0fs", entry, exc,
                         RESOLVE_RETRY_S, exc_info=not isinstance(exc, BrokerFailure))
                self.set_timer(RESOLVE_RETRY_S, self.resolve_entries, name="watchlist-resolve")
                break
            self.store.set_streamer(entry, streamer)
            changed = True
        if changed:
            self.rebuild()

    def publish_subscriptions(self) -> None:
        bridge = bridge_of(self)
        if bridge is not None:
            bridge.set_subscriptions("watchlist", set(self.symbols))

    @property
    def app_state(self) -> MarketState:
        return require_bridge(self).state

    def now(self) -> float:
        return require_bridge(self).clock.now()

    def _is_stale(self, state: MarketState, sym: str, now: float) -> bool:
        u = state.updated(sym)
        return u is None or now - u > STALE_SECONDS

    # -- the flush (called by the app timer) ---------------------------------------------------

    def flush(self, dirty: set[str], now: float, tick_second: bool) -> None:
        table = self.table
        state = self.app_state
        todo = [s for s in self.symbols if s in dirty]
        if tick_second:  # staleness can change without any event: re-check all once a second
            todo = list(dict.fromkeys(todo + self.symbols))
        inputs = self._inputs
        for sym in todo:
            stale = self._is_stale(state, sym, now)
            if not table.has_row(sym):
                continue
            seen = row_inputs(state, sym, stale)
            if inputs.get(sym) == seen:
                continue  # streamed, but nothing this row shows changed
            inputs[sym] = seen
            cells, raw = row_values(state, sym, stale)
            table.set_row(sym, cells)
            prev = self._last_px.get(sym)
            px = raw["last"]
            if self.flash_enabled and prev is not None and px is not None and px != prev:
                table.flash(sym, "last", px > prev, now)
            self._last_px[sym] = px
            if self.sort_key != "manual" and self._raw.get(sym, {}).get(self.sort_key) != raw.get(self.sort_key):
                self._resort = True
            self._raw[sym] = raw
            self._stale[sym] = stale
        table.expire(now)
        if self._resort and now - self._last_sort_at >= 1.0:  # live sort, at most 1 Hz
            self._apply_sort()
            self._last_sort_at = now
        if tick_second:
            self._update_subtitle(state, now)

    def _update_subtitle(self, state: MarketState, now: float) -> None:
        sym = self.table.selected_key
        if sym is None:
            sub = ""
        else:
            age = state.age(sym)
            sub = f"{sym} updated {fmt_age(age)} ago" if age is not None else f"{sym}: no data yet"
        self.show_subtitle(sub)  # repaints the border line, not the whole pane

    # -- sorting -------------------------------------------------------------------------------

    def _apply_sort(self) -> None:
        self._resort = False
        syms = self.symbols
        if self.sort_key == "manual":
            order = {s: i for i, s in enumerate(syms)}
            self.table.set_order(order)
            return
        key = self.sort_key
        if key == "symbol":
            ranked = sorted(syms, reverse=self.sort_reverse)
        else:
            values = {s: v for s in syms if (v := self._raw.get(s, {}).get(key)) is not None}
            known = sorted(values, key=values.__getitem__, reverse=self.sort_reverse)
            unknown = [s for s in syms if s not in values]
            ranked = known + unknown  # missing values always last
        self.table.set_order({s: i for i, s in enumerate(ranked)})

    def sort_by(self, key: str, reverse: bool | None = None) -> None:
        if reverse is None:
            reverse = key not in ("manual", "symbol")  # numbers: biggest first
        self.sort_key, self.sort_reverse = key, reverse
        self._apply_sort()
        self.query_one("#watchlist-tabs", Static).update(self._tabs_text())

    def action_cycle_sort(self) -> None:
        i = SORTS.index(self.sort_key) if self.sort_key in SORTS else 0
        self.sort_by(SORTS[(i + 1) % len(SORTS)])
        self.app.notify(f"Sorted by {self.sort_key}", timeout=1.5)

    def on_live_table_header_selected(self, event: LiveTable.HeaderSelected) -> None:
        key = event.column
        if key == self.sort_key:
            self.sort_by(key, not self.sort_reverse)
        else:
            self.sort_by(key)

    # -- editing -------------------------------------------------------------------------------

    def add_symbol(self, symbol: str) -> bool:
        syms = list(self.symbols)
        if symbol in syms:
            self.table.select_key(symbol)
            self.app.notify(f"{symbol} is already in {self.current}", timeout=2)
            return False
        syms.append(symbol)
        self.store.set_symbols(self.current, syms)
        self.rebuild()
        self.table.select_key(symbol)
        self.app.notify(f"Added {symbol} to {self.current}", timeout=2)
        return True

    def action_add(self) -> None:
        from ttai_tui.ui.screens.add_symbol import AddSymbolScreen

        def done(symbol: str | None) -> None:
            if symbol:
                self.add_symbol(symbol)

        self.app.push_screen(AddSymbolScreen(require_bridge(self), self.current), done)

    def action_delete(self) -> None:
        sym = self.table.selected_key
        if sym is None or sym not in self.symbols:
            return
        syms = list(self.symbols)
        idx = syms.index(sym)
        syms.remove(sym)
        self.undo_stack.append(Deleted(self.current, sym, idx))
        row = self.table.cursor_row
        self.store.set_symbols(self.current, syms)
        self.rebuild()
        if self.table.row_count:
            self.table.move_cursor(row=min(row, self.table.row_count - 1), animate=False)
        key = self.app.get_key_display(self._binding("watchlist-undo"))
        self.app.notify(f"Removed {sym} from {self.current} — {key} to undo", timeout=4)

    def _binding(self, bid: str) -> Binding:
        keymap = getattr(self.app, "_keymap", {}) or {}
        for b in self.BINDINGS:
            if isinstance(b, Binding) and b.id == bid:
                return Binding(keymap.get(bid, b.key).split(",")[0], b.action)
        raise KeyError(bid)

    def action_undo(self) -> None:
        if not self.undo_stack:
            self.app.notify("Nothing to undo", timeout=1.5)
            return
        d = self.undo_stack.pop()
        syms = list(self.store.symbols(d.list_name))
        if d.symbol not in syms:
            syms.insert(min(d.index, len(syms)), d.symbol)
            self.store.set_symbols(d.list_name, syms)
        if d.list_name != self.current and d.list_name in self.store.names:
            self.current = d.list_name
        self.rebuild()
        self.table.select_key(d.symbol)
        self.app.notify(f"Restored {d.symbol}", timeout=2)

    def action_move(self, step: int) -> None:
        sym = self.table.selected_key
        syms = list(self.symbols)
        if sym is None or sym not in syms:
            return
        if self.sort_key != "manual":
            self.sort_by("manual")
        i = syms.index(sym)
        j = max(0, min(len(syms) - 1, i + step))
        if i == j:
            return
        syms[i], syms[j] = syms[j], syms[i]
        self.store.set_symbols(self.current, syms)
        self._apply_sort()
        self.table.select_key(sym)

    def action_switch_list(self, step: int) -> None:
        names = self.store.names
        i = names.index(self.current) if self.current in names else 0
        self.show_list(names[(i + step) % len(names)])

    def show_list(self, name: str) -> None:
        if name not in self.store.names:
            return
        self.current = name
        self.undo_stack = [d for d in self.undo_stack]  # undo works across lists
        self.rebuild()
        self.app.notify(f"Watchlist: {name}", timeout=1.5)

    def action_open(self) -> None:
        sym = self.table.selected_key
        if sym:
            self.post_message(OpenSymbol(sym))

    def action_trade(self) -> None:
        sym = self.table.selected_key
        if sym:
            from ttai_tui.ui.messages import trade_symbol

            self.post_message(trade_symbol(sym))

    def on_live_table_row_selected(self, event: LiveTable.RowSelected) -> None:
        # a double click (or a click on the selected row) opens it, like enter
        event.stop()
        self.post_message(OpenSymbol(event.key))
