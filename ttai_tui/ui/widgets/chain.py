"""The option chain: calls | strike | puts around the money, live greeks, ATM line, expected move.

Only the strikes in the window (``2 * strikes + 1`` centred on the underlying) are rows, and only
the rows in the viewport (plus a small margin and the ATM strike) are subscribed: scrolling or a
move of the underlying changes the subscription, which the bridge diffs. Column sets shrink
with the pane width (minimal / compact / standard / full, `v` cycles); the table scrolls sideways for the
rest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from ttai_tui.broker.errors import BrokerFailure
from ttai_tui.core.chain import atm_index, atm_window, days_to, expected_move, nearest_expiration
from ttai_tui.core.clock import ny_date
from ttai_tui.core.formatting import (
    MISSING,
    fmt_age,
    fmt_change,
    fmt_greek,
    fmt_int,
    fmt_pct,
    fmt_price,
    fmt_ratio_pct,
    fmt_strike,
)
from ttai_tui.core.market_state import MarketState
from ttai_tui.core.models import Expiration, OptionChain, StrikeRow
from ttai_tui.ui.bridge import Bridge, require_bridge
from ttai_tui.ui.widgets.live_table import Col, LiveTable
from ttai_tui.ui.widgets.span_static import SpanStatic
from ttai_tui.ui.widgets.subtitle_line import SubtitleLine

log = logging.getLogger(__name__)

ATM_KEY = "__atm__"
ITM_STYLE = "on grey23"
SIDE_FIELDS: dict[str, tuple[str, int]] = {
    "bid": ("Bid", 7),
    "ask": ("Ask", 7),
    "mark": ("Mark", 7),
    "delta": ("Delta", 6),
    "gamma": ("Gamma", 6),
    "theta": ("Theta", 6),
    "vega": ("Vega", 6),
    "iv": ("IV", 6),
    "oi": ("OI", 7),
    "volume": ("Vol", 7),
}
COLUMN_SETS: dict[str, list[str]] = {
    "minimal": ["bid", "ask", "delta"],
    "compact": ["bid", "ask", "delta", "iv"],
    "standard": ["bid", "ask", "mark", "delta", "theta", "iv", "oi"],
    "full": ["bid", "ask", "mark", "delta", "gamma", "theta", "vega", "iv", "oi", "volume"],
}
MODES = ["auto", "minimal", "compact", "standard", "full"]


def side_width(fields: list[str]) -> int:
    return sum(SIDE_FIELDS[f][1] + 2 for f in fields)


def columns_for(fields: list[str]) -> list[Col]:
    """Calls mirrored (bid/ask nearest the strike), strike in the middle, puts after."""
    calls = [Col(f"c_{f}", "C " + SIDE_FIELDS[f][0] if f == "bid" else SIDE_FIELDS[f][0], SIDE_FIELDS[f][1]) for f in reversed(fields)]
    puts = [Col(f"p_{f}", "P " + SIDE_FIELDS[f][0] if f == "bid" else SIDE_FIELDS[f][0], SIDE_FIELDS[f][1]) for f in fields]
    return [*calls, Col("strike", "Strike", 8, "center"), *puts]


FIELD_FORMAT = {
    "bid": lambda q, g, s, t, st, sym: fmt_price(None if q is None else q.bid),
    "ask": lambda q, g, s, t, st, sym: fmt_price(None if q is None else q.ask),
    "mark": lambda q, g, s, t, st, sym: fmt_price(st.mark(sym)),
    "delta": lambda q, g, s, t, st, sym: fmt_greek(None if g is None else g.delta, 2),
    "gamma": lambda q, g, s, t, st, sym: fmt_greek(None if g is None else g.gamma, 3),
    "theta": lambda q, g, s, t, st, sym: fmt_greek(None if g is None else g.theta, 2),
    "vega": lambda q, g, s, t, st, sym: fmt_greek(None if g is None else g.vega, 2),
    "iv": lambda q, g, s, t, st, sym: fmt_ratio_pct(None if g is None else g.volatility),
    "oi": lambda q, g, s, t, st, sym: fmt_int(None if s is None else s.open_interest),
    "volume": lambda q, g, s, t, st, sym: fmt_int(None if t is None else t.day_volume),
}


def side_values(state: MarketState, sym: str, fields: list[str] | None = None) -> dict[str, str]:
    """Formatted values of one option for the fields on screen (all of them by default)."""
    q = state.quotes.get(sym)
    g = state.greeks.get(sym)
    s = state.summaries.get(sym)
    t = state.trades.get(sym)
    return {f: FIELD_FORMAT[f](q, g, s, t, state, sym) for f in (fields or FIELD_FORMAT)}


def side_inputs(state: MarketState, sym: str) -> tuple[object, ...]:
    """Every value a side's cells are formatted from (any column set): equal inputs, equal cells.
    The flush compares these instead of formatting the side again; at 10,000 events/s two in
    three streamed rows had nothing new on screen (sizes or sequence numbers changed)."""
    q = state.quotes.get(sym)
    t = state.trades.get(sym)
    g = state.greeks.get(sym)
    s = state.summaries.get(sym)
    return (
        None if q is None else (q.bid, q.ask),
        None if t is None else (t.price, t.day_volume),
        None if g is None else (g.delta, g.gamma, g.theta, g.vega, g.volatility),
        None if s is None else s.open_interest,
    )


@dataclass
class ChainLoaded(Message):
    """A chain fetch finished (posted by the fetch worker; handled on the main loop)."""

    symbol: str
    chain: OptionChain | None
    error: str | None = None


class ChainView(Vertical):
    BINDINGS = [
        Binding("plus,equals_sign", "widen(1)", "Widen", id="chain-widen", tooltip="One more strike each side"),
        Binding("minus", "widen(-1)", "Narrow", id="chain-narrow", tooltip="One strike fewer each side"),
        Binding("full_stop", "expiration(1)", "Next exp", id="chain-next-expiration", show=False,
                tooltip="Next expiration"),
        Binding("comma", "expiration(-1)", "Prev exp", id="chain-prev-expiration", show=False,
                tooltip="Previous expiration"),
        Binding("e", "pick_expiration", "Exp", id="chain-pick-expiration",
                tooltip="Pick an expiration from the list (with DTE)"),
        Binding("v", "cycle_columns", "Cols", id="chain-columns",
                tooltip="Cycle the column set: auto / minimal / compact / standard / full"),
        Binding("h", "side('C')", "Calls", id="chain-side-call", show=False,
                tooltip="Cursor on the call side (a click on a call cell too)"),
        Binding("l", "side('P')", "Puts", id="chain-side-put", show=False,
                tooltip="Cursor on the put side (a click on a put cell too)"),
        Binding("enter", "ticket", "Trade", id="chain-ticket",
                tooltip="Order ticket for the option under the cursor (adds a leg to a parked ticket)"),
    ]

    def __init__(self, strikes: int = 10, dte: int = 30, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.strikes = strikes
        self.target_dte = dte
        self.symbol: str | None = None
        self.chain: OptionChain | None = None
        self.expiration: Expiration | None = None
        self.window: list[StrikeRow] = []
        self.mode = "auto"
        self.fields: list[str] = COLUMN_SETS["compact"]
        self.error: str | None = None
        self._atm: int | None = None
        self._atm_strike: float | None = None
        self._scroll_y: float = -1
        self._subscribed: set[str] = set()
        self._mark_prev: dict[str, float | None] = {}
        self._inputs: dict[str, tuple[object, ...]] = {}  # option -> side_inputs last shown
        self._info_inputs: tuple[object, ...] | None = None  # what the info line was built from
        self.flash_enabled = True
        self.side = "C"  # the side cursor: "C" calls, "P" puts

    def compose(self) -> ComposeResult:
        yield Static("", id="chain-header", markup=False)
        yield SpanStatic("", id="chain-info", markup=False)
        yield LiveTable(columns_for(self.fields), id="chain-table")

    @property
    def table(self) -> LiveTable:
        return self.query_one("#chain-table", LiveTable)

    @property
    def bridge(self) -> Bridge:
        return require_bridge(self)

    def on_mount(self) -> None:
        self._show_side()
        self._render_header()
        self._set_info(Text("Open a symbol from the watchlist (enter) to see its chain.", "dim"))

    # -- loading -----------------------------------------------------------------------------

    def open_symbol(self, symbol: str) -> None:
        if symbol == self.symbol and self.chain is not None:
            return
        self.symbol = symbol
        self.chain = None
        self.expiration = None
        self.error = None
        self.table.drop_all()
        self.window = []
        self._publish(set())
        self._set_info(Text(f"Loading the {symbol} chain…", "dim"))
        self._render_header()
        self._fetch(symbol)

    @work(group="chain-fetch", exclusive=True, exit_on_error=False, description="Option chain fetch")
    async def _fetch(self, symbol: str) -> None:
        try:
            chain = await self.bridge.chain(symbol)
        except Exception as exc:  # shown in the view; the app keeps running
            log.warning("option chain for %s failed: %s", symbol, exc, exc_info=not isinstance(exc, BrokerFailure))
            self.post_message(ChainLoaded(symbol, None, str(exc) or type(exc).__name__))
            return
        self.post_message(ChainLoaded(symbol, chain))

    def on_chain_loaded(self, msg: ChainLoaded) -> None:
        if msg.symbol != self.symbol:
            return
        if msg.chain is None or not msg.chain.expirations:
            self.error = msg.error or f"{msg.symbol} has no options"
            self._set_info(Text(self.error, "red"))
            self._publish({msg.symbol})
            return
        self.chain = msg.chain
        # a futures product (/ES) opens its active contract's options: follow that contract
        self.symbol = msg.chain.underlying
        today = ny_date(self.bridge.clock.now())
        self.expiration = nearest_expiration(msg.chain, self.target_dte, today) or msg.chain.expirations[0]
        self._rebuild()

    # -- layout --------------------------------------------------------------------------------

    def _choose_fields(self) -> list[str]:
        if self.mode != "auto":
            return COLUMN_SETS[self.mode]
        width = (self.size.width or 80) - 2
        for name in ("full", "standard", "compact", "minimal"):
            if 2 * side_width(COLUMN_SETS[name]) + 10 <= width:
                return COLUMN_SETS[name]
        return COLUMN_SETS["minimal"]

    def on_resize(self) -> None:
        fields = self._choose_fields()
        if fields != self.fields:
            self.fields = fields
            self.table.set_columns(columns_for(fields))
            self._rebuild(keep_columns=True)
        elif self.table.has_row(ATM_KEY):  # keep the money in view after a zoom / resize
            self.call_after_refresh(self._scroll_to_atm)

    def _scroll_to_atm(self) -> None:
        table = self.table
        keys = table.row_keys_in_order()
        if ATM_KEY in keys:
            i = keys.index(ATM_KEY)
            table.scroll_to(y=max(0, i - max(1, table.size.height - 1) // 2), animate=False)

    def _show_side(self) -> None:
        prefix = "c_" if self.side == "C" else "p_"
        self.table.set_cursor_columns(frozenset(prefix + f for f in self.fields) | {"strike"})

    def _rebuild(self, keep_columns: bool = False) -> None:
        """Recompute the strike window and re-add rows (expiration switch, widen, columns)."""
        table = self.table
        if not keep_columns:
            fields = self._choose_fields()
            if fields != self.fields:
                self.fields = fields
                table.set_columns(columns_for(fields))
        table.drop_all()
        self._show_side()
        self._mark_prev.clear()
        self._inputs.clear()
        self._atm = None
        self._render_header()
        if self.expiration is None or self.symbol is None:
            self._publish(set() if self.symbol is None else {self.symbol})
            return
        price = self.bridge.state.price(self.symbol)
        self.window = atm_window(self.expiration.strikes, price, 2 * self.strikes + 1)
        for row in self.window:
            table.ensure_row(fmt_strike(row.strike), self._row_cells(row, price), order=row.strike)
        self._place_atm(price, force=True)
        self._scroll_y = -1
        self._update_info()
        self._subscribe_visible(force=True)

    def _row_cells(self, row: StrikeRow, price: float | None) -> dict[str, tuple[str, str]]:
        state = self.bridge.state
        call = side_values(state, row.call_streamer, self.fields)
        put = side_values(state, row.put_streamer, self.fields)
        call_itm = price is not None and row.strike < price
        put_itm = price is not None and row.strike > price
        out: dict[str, tuple[str, str]] = {}
        for f in self.fields:
            v = call[f]
            out[f"c_{f}"] = (v, (ITM_STYLE if call_itm else "") + (" dim" if v == MISSING else ""))
            v = put[f]
            out[f"p_{f}"] = (v, (ITM_STYLE if put_itm else "") + (" dim" if v == MISSING else ""))
        out["strike"] = (fmt_strike(row.strike), "bold")
        return out

    def _place_atm(self, price: float | None, force: bool = False) -> None:
        """Keep the ATM line between the strikes around the underlying price."""
        table = self.table
        if price is None or not self.window:
            table.drop_row(ATM_KEY)
            return
        label = fmt_price(price)
        if not table.has_row(ATM_KEY):
            cells = {c.key: ("─" * c.width, "yellow") for c in columns_for(self.fields)}
            cells["strike"] = (label, "bold black on yellow")
            table.ensure_row(ATM_KEY, cells, order=price)
            force = True
        else:
            table.set_cell(ATM_KEY, "strike", label, "bold black on yellow")
        idx = atm_index(self.window, price)
        strikes = [r.strike for r in self.window]
        # the line's position only changes when the price crosses a strike
        below = sum(1 for s in strikes if s < price)
        if force or below != self._atm:
            self._atm = below
            # order by index, the line between the last strike below and the first above:
            # no ties with a strike, and a re-sort only when the price crosses one
            order: dict[str, float] = {fmt_strike(s): float(i) for i, s in enumerate(strikes)}
            order[ATM_KEY] = below - 0.5
            table.set_order(order)
            if force:
                self.call_after_refresh(self._center, idx)
        self._atm_strike = self.window[idx].strike

    def _center(self, idx: int) -> None:
        table = self.table
        table.move_cursor(row=min(idx + 1, max(0, table.row_count - 1)), animate=False)
        table.scroll_to(y=max(0, idx - table.size.height // 2 + 1), animate=False)

    # -- header / info ---------------------------------------------------------------------------

    def _render_header(self) -> None:
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append(self.symbol or "—", "bold")
        t.append("  ")
        if self.expiration is not None:
            today = ny_date(self.bridge.clock.now())
            t.append(", ◀ ", "grey62")
            t.append(self.expiration.date.isoformat(), "bold cyan")
            t.append(f" {days_to(self.expiration, today)}d", "cyan")
            t.append(" ▶ .", "grey62")
            if self.chain is not None:
                n = len(self.chain.expirations)
                i = self.chain.expirations.index(self.expiration) + 1
                t.append(f" ({i}/{n})", "grey50")
        t.append("  CALLS ◀" if self.side == "C" else "  ▶ PUTS", "bold green" if self.side == "C" else "bold red")
        t.append(f"  strikes ±{self.strikes}", "grey62")
        t.append(f"  cols {self.mode}", "grey50")
        header = self.query_one("#chain-header", Static)
        if getattr(self, "_header_plain", None) != t.plain:
            self._header_plain = t.plain
            header.update(t, layout=False)  # fixed one-line height: no screen relayout

    def atm_iv(self) -> float | None:
        if self._atm_strike is None:
            return None
        state = self.bridge.state
        row = next((r for r in self.window if r.strike == self._atm_strike), None)
        if row is None:
            return None
        found = (state.greeks[s].volatility for s in (row.call_streamer, row.put_streamer) if s in state.greeks)
        ivs = [v for v in found if v is not None]
        return sum(ivs) / len(ivs) if ivs else None

    def expected_move(self) -> float | None:
        if self.expiration is None or self.symbol is None:
            return None
        price = self.bridge.state.price(self.symbol)
        today = ny_date(self.bridge.clock.now())
        return expected_move(price, self.atm_iv(), days_to(self.expiration, today))

    def _update_info(self, force: bool = True) -> None:
        """The info line; unless ``force``d (a rebuild, once a second for the date) it is built
        only when its streamed inputs changed (the flush calls it on every frame)."""
        if self.symbol is None or self.chain is None:
            return
        state = self.bridge.state
        price = state.price(self.symbol)
        ch, pct = state.change(self.symbol), state.change_pct(self.symbol)
        iv = self.atm_iv()
        inputs = (self.symbol, self.expiration, price, ch, pct, iv)
        if not force and inputs == self._info_inputs:
            return
        self._info_inputs = inputs
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append(f"{self.symbol} ", "bold")
        t.append(fmt_price(price), "bold")
        style = "dim" if ch is None else "green" if ch > 0 else "red" if ch < 0 else ""
        t.append(f" {fmt_change(ch)} ({fmt_pct(pct)})", style)
        t.append("  ATM IV ", "grey62")
        t.append(fmt_ratio_pct(iv))
        em = self.expected_move()
        t.append("  exp. move ", "grey62")
        if em is None or price is None:
            t.append(MISSING, "dim")
        else:
            t.append(f"±{fmt_price(em)}", "bold magenta")
            t.append(f" ({fmt_price(price - em)}–{fmt_price(price + em)})", "magenta")
        self._set_info(t)

    def _set_info(self, t: Text) -> None:
        """#chain-info is one fixed-height line: repaint it only when its text changed, and
        without a layout pass (Static.update relayouts the whole screen by default, which was
        most of the UI's CPU under streaming)."""
        if getattr(self, "_info_plain", None) != t.plain:
            self._info_plain = t.plain
            self.query_one("#chain-info", SpanStatic).show_text(t)

    # -- subscriptions ---------------------------------------------------------------------------

    def _publish(self, symbols: set[str]) -> None:
        if symbols != self._subscribed:
            self._subscribed = symbols
            self.bridge.set_subscriptions("chain", symbols)

    def _subscribe_visible(self, force: bool = False) -> None:
        table = self.table
        y = table.scroll_y
        if not force and y == self._scroll_y:
            return
        self._scroll_y = y
        visible = set(table.visible_row_keys())
        top = int(y)
        keys = table.row_keys_in_order()
        margin = set(keys[max(0, top - 2) : top]) | set(keys[top + table.size.height : top + table.size.height + 2])
        wanted = visible | margin
        if not table.size.height:  # not laid out yet: the whole window
            wanted = set(keys)
        syms: set[str] = {self.symbol} if self.symbol else set()
        for row in self.window:
            if fmt_strike(row.strike) in wanted or row.strike == self._atm_strike:
                syms.add(row.call_streamer)
                syms.add(row.put_streamer)
        self._publish(syms)

    def release(self) -> None:
        """The view was hidden: keep only the underlying subscribed."""
        self._scroll_y = -1
        self._publish({self.symbol} if self.symbol else set())

    # -- the flush -------------------------------------------------------------------------------

    def flush(self, dirty: set[str], now: float, tick_second: bool) -> None:
        if self.symbol is None or self.expiration is None:
            return
        state = self.bridge.state
        price = state.price(self.symbol)
        table = self.table
        moneyness_moved = False
        if self.symbol in dirty:
            before = self._atm
            if self.window and price is not None:
                idx = atm_index(self.expiration.strikes, price)
                lo, hi = self.window[0].strike, self.window[-1].strike
                centre = self.expiration.strikes[idx].strike
                span = [r.strike for r in self.window]
                # re-centre the window when the money walks off its middle third
                pos = span.index(centre) if centre in span else -1
                if pos < len(span) // 3 or pos > 2 * len(span) // 3 or not lo <= centre <= hi:
                    new = atm_window(self.expiration.strikes, price, 2 * self.strikes + 1)
                    if [r.strike for r in new] != span:
                        self._rebuild(keep_columns=True)
                        return
            self._place_atm(price)
            moneyness_moved = self._atm != before  # ITM shading changes only on a strike cross
        inputs = self._inputs
        columns = set(table.column_keys)
        for row in self.window:
            call, put = row.call_streamer, row.put_streamer
            if moneyness_moved or call in dirty or put in dirty:
                ci, pi = side_inputs(state, call), side_inputs(state, put)
                if not moneyness_moved and inputs.get(call) == ci and inputs.get(put) == pi:
                    continue  # streamed, but nothing on this row's screen changed
                inputs[call], inputs[put] = ci, pi
                key = fmt_strike(row.strike)
                table.set_row(key, self._row_cells(row, price))
                for side, sym in (("c", row.call_streamer), ("p", row.put_streamer)):
                    m = state.mark(sym)
                    prev = self._mark_prev.get(sym)
                    if (self.flash_enabled and m is not None and prev is not None and m != prev
                            and f"{side}_mark" in columns):
                        table.flash(key, f"{side}_mark", m > prev, now)
                    self._mark_prev[sym] = m
        table.expire(now)
        self._subscribe_visible()
        if dirty or tick_second:
            self._update_info(force=tick_second)
        if tick_second:
            self._update_age(now)

    def _update_age(self, now: float) -> None:
        """The selected strike's data age, in the pane's bottom border (every row can say it)."""
        key = self.table.selected_key
        row = next((r for r in self.window if fmt_strike(r.strike) == key), None)
        text = ""
        if row is not None:
            state = self.bridge.state
            ages = [a for a in (state.age(row.call_streamer), state.age(row.put_streamer)) if a is not None]
            text = f"{key} updated {fmt_age(max(ages))} ago" if ages else f"{key}: no data yet"
        self.screen.query_one("#main-pane", SubtitleLine).show_subtitle(text)  # the border line only

    # -- actions ---------------------------------------------------------------------------------

    def action_widen(self, step: int) -> None:
        self.strikes = max(1, min(50, self.strikes + step))
        self._rebuild(keep_columns=True)

    def action_expiration(self, step: int) -> None:
        if self.chain is None or self.expiration is None:
            return
        exps = self.chain.expirations
        i = exps.index(self.expiration)
        j = max(0, min(len(exps) - 1, i + step))
        if j != i:
            self.set_expiration(exps[j])

    def set_expiration(self, exp: Expiration) -> None:
        self.expiration = exp
        self._rebuild(keep_columns=True)

    def action_pick_expiration(self) -> None:
        if self.chain is None:
            return
        from ttai_tui.ui.screens.pickers import ExpirationPicker

        today = ny_date(self.bridge.clock.now())

        def done(exp: Expiration | None) -> None:
            if exp is not None:
                self.set_expiration(exp)

        self.app.push_screen(ExpirationPicker(self.chain, self.expiration, today), done)

    def action_cycle_columns(self) -> None:
        self.mode = MODES[(MODES.index(self.mode) + 1) % len(MODES)]
        self.fields = self._choose_fields()
        self.table.set_columns(columns_for(self.fields))
        self._rebuild(keep_columns=True)
        self.app.notify(f"Chain columns: {self.mode}", timeout=1.5)

    def on_click(self, event) -> None:
        if event.widget is not None and getattr(event.widget, "id", None) == "chain-header":
            self.action_pick_expiration()
            return
        if event.widget is self.table:
            offset = event.get_content_offset(self.table)
            if offset is None or offset.y == 0:
                return
            col = self.table.column_at(offset.x + int(self.table.scroll_x))
            if col is not None and col[:2] in ("c_", "p_"):
                self.action_side("C" if col.startswith("c_") else "P")

    # -- trading ---------------------------------------------------------------------------------

    def action_side(self, side: str) -> None:
        if side != self.side:
            self.side = side
            self._show_side()
            self._render_header()

    def selected_row(self) -> StrikeRow | None:
        key = self.table.selected_key
        if key == ATM_KEY:  # the price line stands for the strike at the money
            return next((r for r in self.window if r.strike == self._atm_strike), None)
        return next((r for r in self.window if fmt_strike(r.strike) == key), None)

    def action_ticket(self) -> None:
        """A ticket for the option under the cursor (buy to open; `b` in the ticket sells)."""
        from ttai_tui.core.orders import OrderLeg, instrument_type_of
        from ttai_tui.ui.messages import OpenTicket
        from ttai_tui.ui.screens.ticket import TicketContext

        row = self.selected_row()
        if row is None or self.chain is None or self.expiration is None:
            self.app.notify("Put the cursor on a strike first (open a symbol with enter in the watchlist)",
                            severity="warning", timeout=3)
            return
        occ = row.call if self.side == "C" else row.put
        # an equity option (OCC) or a futures option (./ESZ6 EW4Z6 ...: the ticket looks it up)
        leg = OrderLeg("Buy to Open", 1, occ, instrument_type_of(occ))
        ctx = TicketContext(self.chain, self.expiration, row.strike, self.side)
        self.post_message(OpenTicket([leg], f"{self.symbol} option", ctx))
