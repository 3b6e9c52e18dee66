"""Complex orders: OTO, OCO and OTOCO (``/accounts/{n}/complex-orders``).

OTO: a trigger order plus one to three orders that stay ``Contingent`` until the trigger fills.
OCO: two working orders; when one fills the other is cancelled. OTOCO: a trigger whose fill
activates an OCO pair (take profit + stop loss). Cancelling the complex order cancels every
working member.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from ttai_tui.exchange.clock import iso, ny_date
from ttai_tui.exchange.orders import OrderDesk
from ttai_tui.exchange.positions import Order, OrderError

KINDS = ("OCO", "OTO", "OTOCO")


@dataclass
class ComplexOrder:
    id: int
    type: str
    trigger_id: int | None
    order_ids: list[int] = field(default_factory=list)
    received_at: float = 0.0
    terminal_at: float | None = None


class ComplexDesk(OrderDesk):
    """Mixin of PaperAccount over OrderDesk."""

    _complex_ids: itertools.count[int]

    def parse_complex(self, body: dict[str, object]) -> tuple[str, Order | None, list[Order]]:
        kind = str(body.get("type", ""))
        if kind not in KINDS:
            raise OrderError(f"complex order type {kind!r} is not supported (OCO, OTO, OTOCO)",
                             code="invalid_complex_order")
        raw_orders = body.get("orders")
        if not isinstance(raw_orders, list) or not all(isinstance(x, dict) for x in raw_orders):
            raise OrderError("a complex order needs a list of orders", code="invalid_complex_order")
        raw_trig = body.get("trigger-order")
        if kind == "OCO":
            if raw_trig is not None or len(raw_orders) != 2:
                raise OrderError("an OCO order has exactly two orders and no trigger",
                                 code="invalid_complex_order")
        elif not isinstance(raw_trig, dict):
            raise OrderError(f"an {kind} order needs a trigger-order", code="invalid_complex_order")
        if kind == "OTO" and not 1 <= len(raw_orders) <= 3:
            raise OrderError("an OTO order has one to three orders", code="invalid_complex_order")
        if kind == "OTOCO" and len(raw_orders) != 2:
            raise OrderError("an OTOCO order has a take-profit and a stop-loss order",
                             code="invalid_complex_order")
        trigger = self.parse_order(raw_trig) if isinstance(raw_trig, dict) else None
        children = [self.parse_order(x, contingent=trigger is not None) for x in raw_orders
                    if isinstance(x, dict)]
        und = {o.underlying for o in children} | ({trigger.underlying} if trigger else set())
        if len(und) != 1:
            raise OrderError("the orders of a complex order share one underlying", code="invalid_complex_order")
        return kind, trigger, children

    def place_complex(self, kind: str, trigger: Order | None, children: list[Order]) -> tuple[ComplexOrder, list[Order]]:
        c = ComplexOrder(next(self._complex_ids), kind, None, received_at=self.market.t)
        self.complex[c.id] = c
        changed: list[Order] = []
        for o in children:  # children first: an immediate trigger fill activates them
            o.complex_id = c.id
            o.contingent = trigger is not None
        if trigger is not None:
            trigger.complex_id = c.id
            for o in children:
                changed += self.place(o)
                c.order_ids.append(o.id)
            changed += self._place_trigger(c, trigger)
        else:
            for o in children:
                o.id = next(self._ids)
                o.status = "Live"
                o.received_at = o.updated_at = self.market.t
                self.orders[o.id] = o
                c.order_ids.append(o.id)
            for o in children:
                changed.append(o)
                changed += self._try_fill(o, self.market.t, fresh=True)
        return c, changed

    def _place_trigger(self, c: ComplexOrder, trigger: Order) -> list[Order]:
        trigger.id = next(self._ids)
        c.trigger_id = trigger.id
        trigger.status = "Live"
        trigger.received_at = trigger.updated_at = self.market.t
        self.orders[trigger.id] = trigger
        return [trigger, *self._try_fill(trigger, self.market.t, fresh=True)]

    def _complex_after_fill(self, o: Order) -> list[Order]:
        c = self.complex.get(o.complex_id) if o.complex_id is not None else None
        if c is None:
            return []
        now = self.market.t
        changed: list[Order] = []
        if c.trigger_id == o.id:
            for oid in c.order_ids:
                child = self.orders[oid]
                if child.status == "Contingent":
                    child.contingent = False
                    child.status = "Live"
                    child.received_at = child.updated_at = now
                    changed.append(child)
            for oid in c.order_ids:
                changed += self._try_fill(self.orders[oid], now, fresh=True)
        elif c.type in ("OCO", "OTOCO"):
            for oid in c.order_ids:
                sib = self.orders[oid]
                if oid != o.id and sib.working:
                    sib.status = "Cancelled"
                    sib.contingent = False
                    sib.updated_at = now
                    changed.append(sib)
        self._complex_settle(c)
        return changed

    def _complex_after_end(self, o: Order) -> list[Order]:
        """``o`` stopped working without filling (cancelled or expired). If it was the trigger,
        its contingent orders can never go live: they are cancelled with it (left Contingent they
        were listed as working for ever)."""
        c = self.complex.get(o.complex_id) if o.complex_id is not None else None
        if c is None:
            return []
        changed: list[Order] = []
        if c.trigger_id == o.id:
            for oid in c.order_ids:
                child = self.orders[oid]
                if child.status == "Contingent":
                    child.status = "Cancelled"
                    child.contingent = False
                    child.updated_at = self.market.t
                    changed.append(child)
        self._complex_settle(c)
        return changed

    def _complex_settle(self, c: ComplexOrder) -> None:
        members = [self.orders[i] for i in [*(c.order_ids), *([c.trigger_id] if c.trigger_id else [])]
                   if i in self.orders]
        if c.terminal_at is None and members and not any(m.working for m in members):
            c.terminal_at = self.market.t

    def cancel_complex(self, cid: int) -> tuple[ComplexOrder, list[Order]]:
        c = self.complex[cid]
        changed: list[Order] = []
        for oid in [*([c.trigger_id] if c.trigger_id else []), *c.order_ids]:
            changed += self.cancel(oid)
        if not changed:
            raise OrderError(f"complex order {cid} has nothing left to cancel",
                             code="cannot_update_order", status=422)
        self._complex_settle(c)
        return c, changed

    def complex_json(self, c: ComplexOrder) -> dict[str, object]:
        d: dict[str, object] = {
            "id": c.id, "account-number": self.number, "type": c.type,
            "orders": [self.order_json(self.orders[i]) for i in c.order_ids],
            "related-orders": [{"id": str(i), "complex-order-id": str(c.id),
                                "complex-order-tag": "ttai", "replacing-order-id": "",
                                "replaces-order-id": "", "status": self.orders[i].status}
                               for i in c.order_ids],
        }
        if c.trigger_id:
            d["trigger-order"] = self.order_json(self.orders[c.trigger_id])
        if c.terminal_at is not None:
            d["terminal-at"] = iso(c.terminal_at)
        return d

    def unplaced_complex_json(self, kind: str, trigger: Order | None, children: list[Order]) -> dict[str, object]:
        d: dict[str, object] = {"account-number": self.number, "type": kind,
                                "orders": [self.order_json(o, placed=False) for o in children]}
        if trigger is not None:
            d["trigger-order"] = self.order_json(trigger, placed=False)
        return d

    def complex_today(self) -> list[ComplexOrder]:
        today = ny_date(self.market.t)
        return [c for c in self.complex.values()
                if ny_date(c.received_at) == today or c.terminal_at is None]
