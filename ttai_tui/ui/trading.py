"""The app's trading wiring (a mixin of TtaiApp): opening tickets, the parked ticket while a leg
is picked in the chain, order events into the orders view and notifications, and the one worker
that executes a confirmed cancel from the orders view. Widgets never send: they ask for a ticket
or a confirmation, and the send happens in a worker with a Confirmation from the gate.
"""

from __future__ import annotations

import logging
from typing import Any

from textual import work

from ttai_tui.ui.errors import guarded
from ttai_tui.ui.messages import OpenTicket, OrdersChanged

log = logging.getLogger("ttai_tui.ui.trading")


class TradingMixin:
    """Mixed into TtaiApp (which provides notify, push_screen, bridge, dashboard)."""

    _parked: dict[str, Any] | None = None

    # -- tickets ---------------------------------------------------------------------------------

    def on_open_ticket(self, msg: OpenTicket) -> None:
        from ttai_tui.ui.screens.ticket import TicketScreen

        app: Any = self
        parked, self._parked = self._parked, None
        if parked is not None and msg.context is not None:
            legs = list(parked["legs"])
            for leg in msg.legs:
                if all(x.symbol != leg.symbol for x in legs):
                    legs.append(leg)
            ticket = TicketScreen(legs, title=parked["title"], context=parked["context"] or msg.context,
                                  order_type=parked["order_type"])
            ticket.tif, ticket.gtd = parked["tif"], parked["gtd"]
            app.push_screen(ticket)
            return
        app.push_screen(TicketScreen(list(msg.legs), title=msg.title, context=msg.context,
                                     order_type=msg.order_type))

    def park_ticket(self, ticket: Any) -> None:
        """`a` in the ticket: hide it, let the user pick a strike in the chain (enter adds it)."""
        app: Any = self
        req = ticket.request()
        self._parked = {"legs": list(req.legs), "title": ticket.title_text, "context": ticket.context,
                        "order_type": ticket.order_type, "tif": ticket.tif, "gtd": ticket.gtd}
        ticket.dismiss(None)
        try:
            app.dashboard.action_focus_pane("chain")
        except LookupError:
            log.debug("no dashboard to pick a leg in")
        app.notify("Pick a strike (h/l for the side) and press enter to add it to the ticket",
                   title="Add a leg", timeout=6)

    # -- order events ------------------------------------------------------------------------------

    @work(group="orders-load", exclusive=True, exit_on_error=False, description="Orders load")
    async def load_orders(self) -> None:
        app: Any = self
        desk = app.bridge.order_desk()
        await desk.refresh()
        app.post_message(OrdersChanged())

    @guarded("orders update")
    def on_orders_changed(self, msg: OrdersChanged) -> None:
        app: Any = self
        o = msg.order
        if o is not None and o.status == "Rejected":
            reason = f": {o.reject_reason}" if o.reject_reason else ""
            app.notify(f"order {o.id} rejected{reason}", title="Order rejected", severity="error", timeout=8)
        try:
            app.dashboard.orders.reload()
        except LookupError:
            return

    @work(group="order-send", exclusive=False, exit_on_error=False, description="Order change")
    async def execute_order(self, confirmation: Any, what: str) -> None:
        """Carry out a confirmed cancel (the ticket sends its own orders the same way)."""
        app: Any = self
        try:
            info = await app.bridge.order_desk().execute(confirmation)
        except Exception as e:  # refused or unknown: say it; the view shows the server's state
            log.info("%s failed: %s", what, e)
            app.notify(f"{what}: {e}", title="Not done", severity="error", timeout=8)
            return
        app.notify(f"order {info.id}: {info.status}", title=what.capitalize(), timeout=5)
        app.post_message(OrdersChanged(info))
