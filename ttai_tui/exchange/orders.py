"""Order handling of the paper account: validation, natural price, fees, buying-power effect,
placement, cancellation, fills and the daily roll (expiries)."""

from __future__ import annotations

import itertools
import math
from typing import Any

from ttai_tui.exchange.clock import iso
from ttai_tui.exchange.market import Market
from ttai_tui.exchange.options import OptionBook, parse_option
from ttai_tui.exchange.positions import Order, OrderError, Position


class OrderDesk:
    """Mixin of PaperAccount: everything that turns an order body into positions and cash."""

    market: Market
    book: OptionBook
    number: str
    cash: float
    positions: dict[str, Position]
    orders: dict[int, Order]
    closed_now: list[Position]
    _ids: itertools.count[int]
    _fill_ids: itertools.count[int]

    def mark(self, symbol: str) -> float:  # provided by PaperAccount
        raise NotImplementedError

    def requirement(self, positions: dict[str, Position] | None = None) -> float:
        raise NotImplementedError

    def values(self) -> dict[str, float]:
        raise NotImplementedError

    def parse_order(self, body: dict[str, object]) -> Order:
        legs_in = body.get("legs")
        if not isinstance(legs_in, list) or not legs_in:
            raise OrderError("order has no legs")
        legs: list[dict[str, object]] = []
        unds: set[str] = set()
        qtys: list[int] = []
        for leg in legs_in:
            if not isinstance(leg, dict):
                raise OrderError("malformed leg")
            sym = str(leg.get("symbol", ""))
            itype = str(leg.get("instrument-type", ""))
            action = str(leg.get("action", ""))
            try:
                qty = int(float(str(leg.get("quantity", "0"))))
            except ValueError as e:
                raise OrderError("quantity must be a number") from e
            if qty <= 0:
                raise OrderError("quantity must be positive")
            if action not in ("Buy to Open", "Sell to Open", "Buy to Close", "Sell to Close", "Buy", "Sell"):
                raise OrderError(f"unknown action {action!r}")
            if itype == "Equity":
                if sym not in self.market.states or self.market.states[sym].spec.is_index:
                    raise OrderError(f"unknown equity symbol {sym!r}")
                unds.add(sym)
            elif itype == "Equity Option":
                oid = parse_option(sym)
                if oid is None or oid.root not in self.market.states or not self.book.listed(oid):
                    raise OrderError(f"unknown option symbol {sym!r}")
                unds.add(oid.root)
                sym = oid.occ
            else:
                raise OrderError(f"unsupported instrument type {itype!r}")
            if action.endswith("to Close"):
                p = self.positions.get(sym)
                want_long = action.startswith("Sell")
                if p is None or (p.quantity > 0) != want_long or abs(p.quantity) < qty:
                    raise OrderError(f"no matching position to close for {sym}")
            legs.append({"instrument-type": itype, "symbol": sym, "action": action, "quantity": qty})
            qtys.append(qty)
        if len(unds) != 1:
            raise OrderError("all legs must share one underlying")
        otype = str(body.get("order-type", "Limit"))
        if otype not in ("Limit", "Market"):
            raise OrderError(f"order type {otype!r} is not supported by the simulated exchange")
        price: float | None = None
        effect = str(body.get("price-effect", "None"))
        if otype == "Limit":
            try:
                price = abs(float(str(body.get("price"))))
            except ValueError as e:
                raise OrderError("limit orders need a price") from e
            if effect not in ("Credit", "Debit"):
                raise OrderError("price-effect must be Credit or Debit")
        size = math.gcd(*qtys)
        return Order(0, legs, otype, str(body.get("time-in-force", "Day")), price, effect,
                     unds.pop(), size, received_at=self.market.t, updated_at=self.market.t)

    def natural(self, order: Order) -> float:
        """Net price per unit of size if filled now against the book: + credit, - debit."""
        net = 0.0
        for leg in order.legs:
            sym = str(leg["symbol"])
            q = int(leg["quantity"]) // order.size  # type: ignore[call-overload]
            st = self.market.states.get(sym)
            if st is not None:
                bid, ask = st.bid, st.ask
            else:
                oq = self.book.quote(parse_option(sym))  # type: ignore[arg-type]
                bid, ask = oq.bid, oq.ask
            net += q * (bid if str(leg["action"]).startswith("Sell") else -ask)
        return round(net, 2)

    def fees(self, order: Order) -> dict[str, object]:
        contracts = sum(int(leg["quantity"]) for leg in order.legs if leg["instrument-type"] == "Equity Option")  # type: ignore[call-overload]
        shares = sum(int(leg["quantity"]) for leg in order.legs if leg["instrument-type"] == "Equity")  # type: ignore[call-overload]
        commission = sum(min(int(leg["quantity"]) * 1.0, 10.0) for leg in order.legs  # type: ignore[call-overload]
                         if leg["instrument-type"] == "Equity Option" and str(leg["action"]).endswith("Open"))
        clearing = contracts * 0.10 + shares * 0.0008
        regulatory = contracts * 0.03 + (shares * 0.000166 if any(str(leg["action"]).startswith("Sell") for leg in order.legs) else 0.0)
        total = commission + clearing + regulatory
        return {"regulatory-fees": f"{regulatory:.4f}", "regulatory-fees-effect": "Debit",
                "clearing-fees": f"{clearing:.4f}", "clearing-fees-effect": "Debit",
                "commission": f"{commission:.2f}", "commission-effect": "Debit",
                "proprietary-index-option-fees": "0.0", "proprietary-index-option-fees-effect": "None",
                "total-fees": f"{total:.4f}", "total-fees-effect": "Debit", "_total": total}

    def _apply(self, positions: dict[str, Position], order: Order, price_per_unit: float) -> float:
        """Apply a fill at ``price_per_unit`` (+credit / -debit per unit of size) to
        ``positions``; returns the cash change. Each leg's own price (for its average open price
        and realized P&L) is its current mid: the order's net price is what moves the cash."""
        for leg in order.legs:
            sym = str(leg["symbol"])
            qty = int(leg["quantity"])  # type: ignore[call-overload]
            sign = -1 if str(leg["action"]).startswith("Sell") else 1
            oid = parse_option(sym) if leg["instrument-type"] == "Equity Option" else None
            mult = 100 if oid else 1
            mid = self.mark(sym)
            p = positions.get(sym) or Position(sym, oid.root if oid else sym, 0, mid, self.market.t, oid)
            newq = p.quantity + sign * qty
            if p.quantity == 0 or (p.quantity > 0) == (sign > 0):  # opening / adding
                avg = (abs(p.quantity) * p.avg_open + qty * mid) / max(abs(newq), 1)
                p = Position(p.symbol, p.underlying, newq, round(avg, 4), p.opened_at, oid, p.realized_today)
            else:  # closing / reducing
                pnl = (mid - p.avg_open) * qty * mult * (1 if p.quantity > 0 else -1)
                p = Position(p.symbol, p.underlying, newq, p.avg_open, p.opened_at, oid,
                             p.realized_today + pnl)
            positions[sym] = p
        mult = 100 if any(leg["instrument-type"] == "Equity Option" for leg in order.legs) else 1
        return price_per_unit * order.size * mult

    def buying_power_effect(self, order: Order) -> dict[str, object]:
        before = self.values()
        px = order.price if order.price is not None else abs(self.natural(order))
        signed = px if order.effect == "Credit" or (order.price is None and self.natural(order) > 0) else -px
        pos = {k: Position(**vars(v)) for k, v in self.positions.items()}
        cash_delta = self._apply(pos, order, signed)
        req_after = self.requirement({k: v for k, v in pos.items() if v.quantity != 0})
        bp_before = before["obp"]
        ld_after = sum(abs(p.quantity) * p.multiplier * self.mark(p.symbol) for p in pos.values() if p.is_derivative and p.quantity > 0)
        nl_after = before["nl"] + cash_delta + sum(
            (p.quantity - (self.positions[k].quantity if k in self.positions else 0)) * p.multiplier * self.mark(k)
            for k, p in pos.items()
        )
        bp_after = max(nl_after - req_after - ld_after, 0.0)
        change = bp_after - bp_before
        dreq = req_after - before["req"]

        def eff(x: float) -> str:
            return "Credit" if x > 0 else "Debit" if x < 0 else "None"

        return {
            "change-in-margin-requirement": f"{abs(dreq):.2f}", "change-in-margin-requirement-effect": eff(-dreq),
            "change-in-buying-power": f"{abs(change):.2f}", "change-in-buying-power-effect": eff(change),
            "current-buying-power": f"{bp_before:.2f}", "current-buying-power-effect": "Credit",
            "new-buying-power": f"{bp_after:.2f}", "new-buying-power-effect": "Credit",
            "isolated-order-margin-requirement": f"{max(dreq, 0):.2f}",
            "isolated-order-margin-requirement-effect": "Debit",
            "is-spread": len(order.legs) > 1, "impact": f"{abs(change):.2f}", "effect": eff(change),
        }

    def order_json(self, o: Order, placed: bool = True) -> dict[str, object]:
        legs: list[dict[str, Any]] = [
            {**leg, "remaining-quantity": 0 if o.status == "Filled" else leg["quantity"],
             "fills": [f for f in o.fills if f["_symbol"] == leg["symbol"]]}
            for leg in o.legs
        ]
        d: dict[str, object] = {
            "account-number": self.number, "time-in-force": o.tif, "order-type": o.order_type,
            "size": str(o.size), "underlying-symbol": o.underlying, "underlying-instrument-type": "Equity",
            "status": o.status if placed else "Received",
            "cancellable": o.status in ("Live", "Received"), "editable": o.status in ("Live", "Received"),
            "edited": False, "received-at": iso(o.received_at), "updated-at": iso(o.updated_at),
            "legs": legs,
        }
        for leg in legs:
            leg["fills"] = [{k: v for k, v in f.items() if not k.startswith("_")} for f in leg["fills"]]
        if o.price is not None:
            d["price"] = f"{o.price:.2f}"
            d["price-effect"] = o.effect
        if placed:
            d["id"] = o.id
            if o.status == "Live":
                d["live-at"] = iso(o.received_at)
            if o.status in ("Filled", "Cancelled"):
                d["terminal-at"] = iso(o.updated_at)
            if o.status == "Cancelled":
                d["cancelled-at"] = iso(o.updated_at)
        return d

    def place(self, order: Order) -> Order:
        order.id = next(self._ids)
        order.status = "Live"
        self.orders[order.id] = order
        return order

    def cancel(self, order_id: int) -> Order | None:
        o = self.orders.get(order_id)
        if o is None:
            return None
        if o.status == "Live":
            o.status = "Cancelled"
            o.updated_at = self.market.t
        return o

    def roll_day(self) -> list[Order]:
        """New trading day: settle expired options at intrinsic value (cash-settled, a
        simplification of assignment), expire Day orders, reset today's realized P&L.
        Returns the orders whose status changed."""
        today = self.book.today()
        for sym, p in list(self.positions.items()):
            p.realized_today = 0.0
            if p.oid is None or p.oid.expiration >= today:
                continue
            spot = self.market.states[p.underlying].prev_close
            k = p.oid.strike
            intrinsic = max(spot - k, 0.0) if p.oid.call else max(k - spot, 0.0)
            self.cash += intrinsic * 100 * p.quantity
            p.realized_today = (intrinsic - p.avg_open) * 100 * p.quantity
            self.closed_now.append(self.positions.pop(sym))
            p.quantity = 0
        changed = []
        for o in self.orders.values():
            if o.status == "Live" and o.tif == "Day":
                o.status = "Expired"
                o.updated_at = self.market.t
                changed.append(o)
        return changed

    def check_fills(self) -> list[Order]:
        """Fill every live order the market has reached; returns the orders that filled."""
        filled: list[Order] = []
        for o in list(self.orders.values()):
            if o.status != "Live":
                continue
            nat = self.natural(o)
            if o.order_type == "Market":
                px = nat
            elif o.price is not None and (
                (o.effect == "Credit" and nat >= o.price - 1e-9) or (o.effect == "Debit" and -nat <= o.price + 1e-9)
            ):
                px = o.price if o.effect == "Credit" else -o.price
            else:
                continue
            fees = float(self.fees(o)["_total"])  # type: ignore[arg-type]
            pos = self.positions
            self.cash += self._apply(pos, o, px) - fees
            for k in [k for k, p in pos.items() if p.quantity == 0]:
                self.closed_now.append(pos.pop(k))
            o.status = "Filled"
            o.updated_at = self.market.t
            o.fill_price = px
            for leg in o.legs:
                o.fills.append({"fill-id": f"F{next(self._fill_ids)}", "quantity": str(leg["quantity"]),
                                "fill-price": f"{abs(self.mark(str(leg['symbol']))):.4f}",
                                "filled-at": iso(self.market.t), "_symbol": leg["symbol"]})
            filled.append(o)
        return filled
