"""Today's orders: working ones first (complex orders grouped under their OCO/OTOCO line), then
filled, cancelled, expired and rejected below.

Rows come from the broker's OrderDesk, which the account streamer keeps current; the view is
rebuilt on each order event (rare) and only the age column ticks. Keys: `x` cancel (confirm),
`e` replace the price (ticket: step by tick, review, confirm), `enter` the underlying's chain.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from ttai_tui.core.formatting import fmt_age
from ttai_tui.core.orders import OrderInfo, price_words
from ttai_tui.ui.bridge import Bridge, require_bridge
from ttai_tui.ui.messages import OpenSymbol
from ttai_tui.ui.widgets.live_table import Col, LiveTable

if TYPE_CHECKING:
    from ttai_tui.broker.orders import Confirmation, OrderDesk

log = logging.getLogger("ttai_tui.ui.orders")

SEPARATOR = "__today__"
COLUMNS = [
    Col("id", "Order", 7, "left"),
    Col("status", "Status", 9, "left"),
    Col("price", "Price", 13, "left"),
    Col("filled", "Fill", 5),
    Col("legs", "Legs", 44, "left"),
    Col("tif", "TIF", 4, "left"),
    Col("age", "Age", 5),
]
BLANK = {c.key: ("", "") for c in COLUMNS}
STATUS_STYLE = {"Filled": "green", "Rejected": "bold red", "Cancelled": "dim", "Expired": "dim",
                "Live": "bold yellow", "Received": "yellow"}


def _legs_text(o: OrderInfo) -> str:
    from ttai_tui.core.orders import parse_option_symbol

    parts = []
    for leg in o.legs:
        opt = parse_option_symbol(leg.symbol)
        name = opt.label if opt is not None else leg.symbol.strip()
        short = {"Buy to Open": "BTO", "Sell to Open": "STO", "Buy to Close": "BTC", "Sell to Close": "STC"}
        parts.append(f"{short.get(leg.action, leg.action)} {leg.quantity:g} {name}")
    return "; ".join(parts)


def order_cells(o: OrderInfo, now: float, indent: bool = False) -> dict[str, tuple[str, str]]:
    price = "market" if o.order_type == "Market" else price_words(o.price, o.price_effect)
    if o.order_type in ("Stop", "Stop Limit") and o.stop_trigger is not None:
        price = f"stop {o.stop_trigger:.2f}" + ("" if o.order_type == "Stop" else f" {price}")
    age = fmt_age(now - o.received_at) if o.received_at else "—"
    status = o.status + (f": {o.reject_reason}" if o.reject_reason and o.status == "Rejected" else "")
    return {
        "id": (("  " if indent else "") + o.id, ""),
        "status": (status, STATUS_STYLE.get(o.status, "")),
        "filled": (f"{o.filled_quantity:g}/{o.quantity:g}", ""),
        "price": (price, ""),
        "tif": (o.tif, ""),
        "age": (age, "dim"),
        "legs": (_legs_text(o), ""),
    }


class OrdersView(Vertical):
    BINDINGS = [
        Binding("x", "cancel_order", "Cancel", id="orders-cancel", tooltip="Cancel the selected order (confirm)"),
        Binding("e", "replace_order", "Replace", id="orders-replace",
                tooltip="Change the selected order's price (step by tick, review, confirm)"),
        Binding("enter", "open", "Chain", id="orders-open", tooltip="Open the order's underlying in the chain"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._orders: dict[str, OrderInfo] = {}
        self._keys: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="orders-info", markup=False)
        yield LiveTable(COLUMNS, id="orders-table")

    @property
    def table(self) -> LiveTable:
        return self.query_one("#orders-table", LiveTable)

    @property
    def bridge(self) -> Bridge:
        return require_bridge(self)

    def _desk(self) -> OrderDesk | None:
        try:
            return self.bridge.order_desk()
        except Exception as e:  # not connected yet: the view says so
            log.debug("orders view: no desk yet (%s)", e)
            return None

    def reload(self) -> None:
        """Rebuild the rows from the desk (order events are rare; ages tick in ``flush``)."""
        desk = self._desk()
        info = self.query_one("#orders-info", Static)
        if desk is None:
            info.update("Orders appear once connected.")
            return
        orders = desk.list()
        now = self.bridge.clock.now()
        working = [o for o in orders if o.working]
        done = [o for o in orders if not o.working]
        table = self.table
        selected = table.selected_key
        table.drop_all()
        self._orders = {o.id: o for o in orders}
        order = 0
        groups: dict[str, list[OrderInfo]] = {}
        for o in working:
            if o.complex_order_id:
                groups.setdefault(o.complex_order_id, []).append(o)
        shown_groups: set[str] = set()
        for o in working:
            cid = o.complex_order_id
            if cid:
                if cid in shown_groups:
                    continue
                shown_groups.add(cid)
                tag = o.complex_order_tag or "complex"
                table.ensure_row(f"g:{cid}", {**BLANK, "id": (f"{tag} {cid}", "bold"), "legs": (
                    f"{len(groups[cid])} orders", "dim")}, order=order)
                order += 1
                for m in groups[cid]:
                    table.ensure_row(m.id, order_cells(m, now, indent=True), order=order)
                    order += 1
                continue
            table.ensure_row(o.id, order_cells(o, now), order=order)
            order += 1
        if done:
            table.ensure_row(SEPARATOR, {**BLANK, "id": ("Today", "bold"),
                                         "status": ("done:", "dim"), "price": ("filled, cancelled…", "dim")},
                             order=order)
            order += 1
            for o in done:
                table.ensure_row(o.id, order_cells(o, now), order=order)
                order += 1
        if selected:
            table.select_key(selected)
        text = (f"{len(working)} working · {len(done)} done today" if orders
                else "No orders today. Trade from the chain (enter), positions (x) or the watchlist (T).")
        info.update(text)

    def flush(self, now: float, tick_second: bool) -> None:
        if not tick_second:
            return
        table = self.table
        for oid, o in self._orders.items():
            if o.received_at and table.has_row(oid):
                table.set_cell(oid, "age", fmt_age(now - o.received_at), "dim")

    def selected(self) -> OrderInfo | None:
        key = self.table.selected_key
        return None if key is None else self._orders.get(key)

    def action_open(self) -> None:
        o = self.selected()
        if o is not None:
            self.post_message(OpenSymbol(o.underlying))

    def action_cancel_order(self) -> None:
        o = self.selected()
        desk = self._desk()
        if o is None or desk is None or not o.working:
            self.app.notify("Select a working order to cancel", severity="warning", timeout=3)
            return
        from ttai_tui.ui.screens.review import ReviewScreen

        lines = [("Cancel", f"order {o.id} ({o.status})"), ("Legs", _legs_text(o)),
                 ("Price", price_words(o.price, o.price_effect))]
        live = self.bridge.trading_mode() == "live"

        def done(confirmation: Confirmation | None) -> None:
            from ttai_tui.ui.trading import TradingMixin

            app = self.app
            if confirmation is not None and isinstance(app, TradingMixin):
                app.execute_order(confirmation, f"cancel {o.id}")

        self.app.push_screen(ReviewScreen(None, desk, live=live, pending=desk.pending_cancel(o.id),
                                          lines=lines, title=f"Cancel order {o.id}"), done)

    def action_replace_order(self) -> None:
        o = self.selected()
        if o is None or not o.working or not o.editable:
            self.app.notify("Select a working order to replace", severity="warning", timeout=3)
            return
        from ttai_tui.ui.screens.ticket import TicketScreen

        req = o.request()
        self.app.push_screen(TicketScreen(list(req.legs), title=f"Replace order {o.id}", replaces=o))

    def on_live_table_row_selected(self, event: LiveTable.RowSelected) -> None:
        event.stop()
        self.action_open()
