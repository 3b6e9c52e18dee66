"""Order handling of the paper account: validation, natural price, fees, buying-power effect,
placement, fills like a market, replace/cancel, complex orders and expiry.

Fills: a marketable order fills at once at the far side of the book (which is never worse than
its limit); a resting limit fills at its limit once the far side reaches it; a multi-leg order
fills as one at its net price; each fill takes at most the displayed size at the far side (per
leg, in the order's ratio), and the rest waits ``REFILL_S`` for the book to refresh, so large
orders fill in parts. Stop orders trigger when the far side reaches the trigger and then act as
market (Stop) or limit (Stop Limit) orders. Day orders expire at the 16:00 New York close, GTD
orders at the close of their date. Rejections carry the API's error codes (``OrderError``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
from typing import TYPE_CHECKING

from ttai_tui.exchange.book.ledger import Ledger, fmt_price, fmt_qty
from ttai_tui.exchange.book.tradables import (
    MARK_TO_MARKET_TYPES,
    OPTION_TYPES,
    Quote,
    Tradable,
    Tradables,
    on_tick,
)
from ttai_tui.exchange.clock import iso, ny_date, session_bounds
from ttai_tui.exchange.market import Market
from ttai_tui.exchange.options import OptionBook
from ttai_tui.exchange.positions import Order, OrderError, Position

if TYPE_CHECKING:
    from ttai_tui.exchange.book.complex import ComplexOrder

REFILL_S = 1.0  # seconds until the displayed size at the far side refreshes after a partial fill
MIN_NOTIONAL = 5.0  # dollars; the API's minimum for fractional/notional equity orders
ACTIONS = ("Buy to Open", "Sell to Open", "Buy to Close", "Sell to Close", "Buy", "Sell")
ORDER_TYPES = ("Limit", "Market", "Stop", "Stop Limit", "Notional Market")
TIFS = ("Day", "GTC", "GTD", "IOC", "Ext", "GTC Ext")
SESSION_TYPES = frozenset({"Equity", "Equity Option"})  # trade only while the session is open


def _num(x: object, what: str) -> float:
    try:
        v = float(str(x))
    except ValueError as e:
        raise OrderError(f"{what} must be a number", code="invalid_parameter") from e
    if not math.isfinite(v):
        raise OrderError(f"{what} must be a number", code="invalid_parameter")
    return v


def _ext_id(raw: object) -> str | None:
    """The client's own reference for the order (echoed back so a lost answer can be matched)."""
    return None if raw is None else str(raw)


def _is_buy(leg: dict[str, object]) -> bool:
    return str(leg["action"]).startswith("Buy")


def _tradable(leg: dict[str, object]) -> Tradable:
    """The resolved instrument ``parse_order`` stored in the leg."""
    t = leg["_t"]
    if not isinstance(t, Tradable):
        raise TypeError(f"leg {leg.get('symbol')!r} was not resolved by parse_order")
    return t


def _qty(leg: dict[str, object]) -> float | None:
    """The leg's quantity (None: a notional order's leg before it fills)."""
    q = leg["quantity"]
    return None if q is None else float(str(q))


def _money(bp: dict[str, object], key: str) -> float:
    return float(str(bp[key]))


class OrderDesk:
    """Mixin of PaperAccount: everything that turns an order body into positions and cash."""

    market: Market
    book: OptionBook
    number: str
    cash: float
    positions: dict[str, Position]
    orders: dict[int, Order]
    complex: dict[int, ComplexOrder]
    closed_now: list[Position]
    tradables: Tradables
    ledger: Ledger
    _ids: itertools.count[int]
    _fill_ids: itertools.count[int]

    def values(self, positions: dict[str, Position] | None = None,
               cash: float | None = None) -> dict[str, float]:
        raise NotImplementedError

    # ------------------------------------------------------------ parsing
    def parse_order(self, body: dict[str, object], *, contingent: bool = False) -> Order:
        """Validate an order body. ``contingent`` orders (OTO/OTOCO children) may close a
        position their trigger has not opened yet."""
        otype = str(body.get("order-type", "Limit"))
        if otype not in ORDER_TYPES:
            raise OrderError(f"Order type {otype!r} is not supported", code="invalid_order_type")
        legs_in = body.get("legs")
        if not isinstance(legs_in, list) or not legs_in:
            raise OrderError("order has no legs", code="invalid_legs")
        if len(legs_in) > 4:
            raise OrderError("An order has at most 4 legs", code="too_many_legs")
        legs: list[dict[str, object]] = []
        unds: set[str] = set()
        for leg in legs_in:
            if not isinstance(leg, dict):
                raise OrderError("malformed leg", code="invalid_legs")
            sym = str(leg.get("symbol", ""))
            itype = str(leg.get("instrument-type", ""))
            action = str(leg.get("action", ""))
            if action not in ACTIONS:
                raise OrderError(f"unknown action {action!r}", code="invalid_action")
            if itype not in self.tradables.types:
                raise OrderError(f"unsupported instrument type {itype!r}", code="invalid_instrument_type")
            t = self.tradables.resolve(itype, sym)
            if t is None:
                what = {"Equity": "equity", "Equity Option": "option"}.get(itype, itype.lower())
                raise OrderError(f"unknown {what} symbol {sym!r}", code="invalid_symbol")
            if action in ("Buy", "Sell") and t.instrument_type != "Future":
                raise OrderError("Buy/Sell without an open/close effect is for futures only",
                                 code="invalid_action")
            if t.instrument_type == "Cryptocurrency" and action in ("Sell to Open", "Buy to Close"):
                raise OrderError("Cryptocurrencies cannot be sold short: use Buy to Open and Sell to Close",
                                 code="invalid_action")
            raw_q = leg.get("quantity")
            qty: float | None
            if raw_q is None:
                if otype != "Notional Market":
                    raise OrderError("quantity is required", code="invalid_quantity")
                qty = None
            else:
                qty = _num(raw_q, "quantity")
                if qty <= 0:
                    raise OrderError("quantity must be positive", code="invalid_quantity")
                if not t.fractional and not qty.is_integer():
                    raise OrderError(f"{t.symbol} trades in whole units", code="invalid_quantity")
                if not math.isclose(round(qty, t.quantity_decimals), qty, rel_tol=0, abs_tol=1e-12):
                    raise OrderError(f"{t.symbol} quantities have at most {t.quantity_decimals} decimals",
                                     code="invalid_quantity")
            if any(lg["symbol"] == t.symbol for lg in legs):
                raise OrderError("each leg's symbol must be distinct", code="invalid_legs")
            if action.endswith("to Close") and not contingent and qty is not None:
                p = self.positions.get(t.symbol)
                want_long = action.startswith("Sell")
                if p is None or (p.quantity > 0) != want_long or abs(p.quantity) < qty - 1e-9:
                    raise OrderError(f"no matching position to close for {t.symbol}",
                                     code="no_matching_position", preflight=True)
            legs.append({"instrument-type": t.instrument_type, "symbol": t.symbol, "action": action,
                         "quantity": qty, "_t": t})
            unds.add(t.underlying)
        if len(unds) != 1:
            raise OrderError("all legs must share one underlying", code="invalid_legs")
        first = _tradable(legs[0])
        tif = str(body.get("time-in-force", "Day"))
        if tif not in TIFS:
            raise OrderError(f"time in force {tif!r} is not supported", code="invalid_time_in_force")
        gtc_date: dt.date | None = None
        if tif == "GTD":
            try:
                gtc_date = dt.date.fromisoformat(str(body.get("gtc-date")))
            except ValueError as e:
                raise OrderError("GTD orders need a gtc-date (YYYY-MM-DD)", code="invalid_gtc_date") from e
        single = len(legs) == 1
        if otype in ("Market", "Stop", "Stop Limit", "Notional Market") and not single:
            raise OrderError(f"{otype} orders have a single leg", code="invalid_legs")
        if otype == "Market" and tif in ("GTC", "GTD", "GTC Ext"):
            raise OrderError("Market orders must be Day orders", code="invalid_time_in_force")
        price: float | None = None
        effect = str(body.get("price-effect", "None"))
        if otype in ("Limit", "Stop Limit"):
            if body.get("price") is None:
                raise OrderError("limit orders need a price", code="invalid_price")
            price = abs(_num(body.get("price"), "price"))
            # a zero price (an even roll) has no effect: the SDK sends none for it
            if effect not in ("Credit", "Debit") and not (price == 0 and effect == "None"):
                raise OrderError("price-effect must be Credit or Debit", code="invalid_price_effect")
            if single:
                buy = _is_buy(legs[0])
                if buy and effect == "Credit" and price > 0:
                    raise OrderError("You cannot buy for a credit.", code="cant_buy_for_credit", preflight=True)
                if not buy and effect == "Debit" and price > 0:
                    raise OrderError("You cannot sell for a debit.", code="cant_sell_for_debit", preflight=True)
            tick = self.tradables.single_leg_tick(first, price) if single else 0.01
            if not on_tick(price, tick):
                raise OrderError(f"Price {price:g} is not a valid increment: this order's tick is {tick:g}",
                                 code="invalid_price_increment", preflight=True)
        stop: float | None = None
        if otype in ("Stop", "Stop Limit"):
            if body.get("stop-trigger") is None:
                raise OrderError("stop orders need a stop-trigger", code="invalid_stop_trigger")
            stop = abs(_num(body.get("stop-trigger"), "stop-trigger"))
            if stop <= 0:
                raise OrderError("stop-trigger must be positive", code="invalid_stop_trigger")
        value: float | None = None
        value_effect = "None"
        qtys = [q for q in map(_qty, legs) if q is not None]
        if otype == "Notional Market":
            if not first.fractional:
                raise OrderError("Notional orders are for crypto and fractional-eligible equities",
                                 code="invalid_notional_order")
            if body.get("value") is None:
                raise OrderError("notional orders need a value", code="invalid_value")
            value = abs(_num(body.get("value"), "value"))
            value_effect = str(body.get("value-effect", "Debit"))
            if value < MIN_NOTIONAL:
                raise OrderError(f"The minimum notional value is ${MIN_NOTIONAL:.2f}",
                                 code="notional_too_small", preflight=True)
            if str(legs[0]["action"]).endswith("to Close") and not contingent:
                self._check_notional_close(first, str(legs[0]["action"]), value)
            size = 1.0
        elif all(q.is_integer() for q in qtys):
            size = float(math.gcd(*(int(q) for q in qtys)))
        elif single:
            size = qtys[0]
        else:
            raise OrderError("multi-leg orders trade whole units", code="invalid_quantity")
        order = Order(0, legs, otype, tif, price, effect if price is not None else "None", first.underlying, size,
                      received_at=self.market.t, updated_at=self.market.t, stop_trigger=stop, value=value,
                      value_effect=value_effect, gtc_date=gtc_date, underlying_type=first.underlying_type,
                      source=str(body.get("source", "")),
                      external_identifier=_ext_id(body.get("external-identifier")))
        return order

    def _check_notional_close(self, t: Tradable, action: str, value: float) -> None:
        """A closing notional order must be covered by the position at the price it fills at
        (a $50,000 Sell to Close of 0.25 BTC used to sell 0.53 BTC and leave a short)."""
        p = self.positions.get(t.symbol)
        q = self.tradables.quote(t)
        want_long = action.startswith("Sell")
        px = (q.bid if want_long else q.ask) if q is not None else 0.0
        if p is None or (p.quantity > 0) != want_long or value > abs(p.quantity) * px * t.multiplier + 0.005:
            raise OrderError(f"no matching position to close for {t.symbol}: ${value:,.2f} is more than "
                             f"the position is worth", code="no_matching_position", preflight=True)

    def preflight(self, order: Order) -> list[OrderError]:
        """The checks the real API runs before routing (reported as ``errors`` by a dry run)."""
        errs: list[OrderError] = []
        kinds = {str(lg["instrument-type"]) for lg in order.legs}
        if (order.order_type in ("Market", "Notional Market") and order.tif == "Day"
                and kinds & SESSION_TYPES and not self.market.is_trading()):
            errs.append(OrderError("Market orders cannot be placed while the market is closed.",
                                   code="market_closed", preflight=True))
        return errs

    # ------------------------------------------------------------ prices
    def _ratio(self, o: Order, leg: dict[str, object]) -> float:
        q = _qty(leg)
        return 1.0 if q is None else q / o.size

    def _quotes(self, o: Order) -> list[Quote] | None:
        qs = []
        for leg in o.legs:
            q = self.tradables.quote(_tradable(leg))
            if q is None:
                return None
            qs.append(q)
        return qs

    def _natural(self, o: Order, qs: list[Quote]) -> float:
        """Net price per unit of size if filled now against the book: + credit, - debit."""
        return sum(self._ratio(o, leg) * (-q.ask if _is_buy(leg) else q.bid)
                   for leg, q in zip(o.legs, qs, strict=True))

    def _leg_prices(self, o: Order, qs: list[Quote], net: float, base: str) -> list[float]:
        """Per-leg prices that add up to ``net`` per unit: each leg at its far side (``base``
        "far") or mid, with the difference (price improvement) given to the first leg."""
        prices = [(q.ask if _is_buy(leg) else q.bid) if base == "far" else q.mid
                  for leg, q in zip(o.legs, qs, strict=True)]
        cur = sum(self._ratio(o, leg) * (-p if _is_buy(leg) else p)
                  for leg, p in zip(o.legs, prices, strict=True))
        r0 = self._ratio(o, o.legs[0])
        s0 = -1.0 if _is_buy(o.legs[0]) else 1.0
        prices[0] = max(prices[0] + (net - cur) / (r0 * s0), 0.0)
        return prices

    # ------------------------------------------------------------ fees
    def fee_parts(self, order: Order, units: float | None = None) -> dict[str, float]:
        """Fees for ``units`` of the order (default: all of it), by kind, in dollars."""
        u = order.size if units is None else units
        commission = clearing = regulatory = 0.0
        for leg in order.legs:
            t = _tradable(leg)
            q = self._ratio(order, leg) * u
            opening = str(leg["action"]).endswith("Open") or str(leg["action"]) in ("Buy", "Sell")
            sell = not _is_buy(leg)
            k = t.instrument_type
            if k == "Equity Option":
                commission += min(q * 1.0, 10.0) if opening else 0.0
                clearing += q * 0.10
                regulatory += q * 0.03
            elif k == "Equity":
                clearing += q * 0.0008
                regulatory += q * 0.000166 if sell else 0.0
            elif k == "Future":
                commission += q * (0.85 if t.micro else 1.25)
                clearing += q * 0.30
                regulatory += q * 1.40
            elif k == "Future Option":
                commission += q * 2.50 if opening else 0.0
                clearing += q * 0.30
                regulatory += q * 1.40
            elif k == "Cryptocurrency":
                qs = self.tradables.quote(t)
                px = qs.mid if qs is not None else 0.0
                if order.order_type == "Notional Market" and order.value is not None and units is None:
                    notional = order.value
                else:
                    notional = q * px * t.multiplier
                commission += min(0.01 * notional, 10.0)
        return {"commission": commission, "clearing-fees": clearing, "regulatory-fees": regulatory}

    def fees(self, order: Order) -> dict[str, object]:
        parts = self.fee_parts(order)
        total = sum(parts.values())

        def eff(x: float) -> str:
            return "Debit" if x > 0 else "None"

        return {"regulatory-fees": f"{parts['regulatory-fees']:.4f}", "regulatory-fees-effect": eff(parts["regulatory-fees"]),
                "clearing-fees": f"{parts['clearing-fees']:.4f}", "clearing-fees-effect": eff(parts["clearing-fees"]),
                "commission": f"{parts['commission']:.2f}", "commission-effect": eff(parts["commission"]),
                "proprietary-index-option-fees": "0.0", "proprietary-index-option-fees-effect": "None",
                "total-fees": f"{total:.4f}", "total-fees-effect": eff(total), "_total": total}

    # ------------------------------------------------------------ positions and cash
    def _apply_leg(self, positions: dict[str, Position], t: Tradable, action: str, q: float,
                   price: float) -> float:
        """Apply a fill of ``q`` units at ``price`` to ``positions``; returns the cash change
        (premium for cash instruments, realized P&L for marked-to-market futures)."""
        sign = 1.0 if action.startswith("Buy") else -1.0
        mult = t.multiplier
        p = positions.get(t.symbol) or Position(
            t.symbol, t.underlying, 0.0, price, self.market.t, t.oid, itype=t.instrument_type,
            mult=t.multiplier, product_code=t.product_code, underlying_symbol=t.underlying_symbol,
            strike=t.strike, call=t.call, expiration=t.expiration)
        newq = p.quantity + sign * q
        realized = 0.0
        if abs(p.quantity) < 1e-12 or (p.quantity > 0) == (sign > 0):  # opening / adding
            avg = (abs(p.quantity) * p.avg_open + q * price) / max(abs(newq), 1e-12)
        else:  # closing / reducing, possibly flipping
            closing = min(q, abs(p.quantity))
            realized = (price - p.avg_open) * closing * mult * (1 if p.quantity > 0 else -1)
            avg = p.avg_open if q <= abs(p.quantity) + 1e-12 else price
        if abs(newq) < 1e-9:
            newq = 0.0
        positions[t.symbol] = dataclasses.replace(p, quantity=newq, avg_open=round(avg, 6),
                                                  realized_today=p.realized_today + realized)
        if t.instrument_type in MARK_TO_MARKET_TYPES:
            return realized
        return -sign * price * q * mult

    # ------------------------------------------------------------ buying power
    def _order_units(self, o: Order, qs: list[Quote] | None) -> float:
        if o.order_type == "Notional Market":
            return self._notional_qty(o, qs) if qs else 0.0
        return o.remaining_units

    def _notional_qty(self, o: Order, qs: list[Quote]) -> float:
        t = _tradable(o.legs[0])
        px = qs[0].ask if _is_buy(o.legs[0]) else qs[0].bid
        if px <= 0 or o.value is None:
            return 0.0
        d = t.quantity_decimals
        return math.floor(o.value / (px * t.multiplier) * 10**d) / 10**d

    def buying_power_effect(self, order: Order) -> dict[str, object]:
        """The order's effect if it filled entirely now: at the far side if it is marketable (or a
        market order), else at its limit. A price better than the market is not counted as a gain, so a buy
        limit below the market never shows a buying-power credit. Options are left out of that rule:
        buying power never counts an option's marked value (a long option uses its cost, a short
        one gives its premium against its requirement), so an option leg has no such gain to hold
        back; counting one made a call bought at 11.17 under an 11.225 mark use $1,123.63
        instead of its $1,117 cost plus $1.13 of fees."""
        before = self.values()
        qs = self._quotes(order)
        units = self._order_units(order, qs)
        fees = sum(self.fee_parts(order, units if order.order_type != "Notional Market" else None).values())
        pos = {k: dataclasses.replace(v) for k, v in self.positions.items()}
        cash = self.cash - fees
        gain = 0.0
        if qs is not None and units > 0:
            nat = self._natural(order, qs)
            if order.price is not None and order.order_type != "Stop Limit":
                limit = order.price if order.effect == "Credit" else -order.price
                net = nat if nat >= limit else limit  # marketable orders fill at the far side
            elif order.price is not None:
                net = order.price if order.effect == "Credit" else -order.price
            else:
                net = nat
            prices = self._leg_prices(order, qs, net, "mid")
            for leg, px, q_leg in zip(order.legs, prices, qs, strict=True):
                q = units if order.order_type == "Notional Market" else self._ratio(order, leg) * units
                t = _tradable(leg)
                cash += self._apply_leg(pos, t, str(leg["action"]), q, px)
                if t.instrument_type not in OPTION_TYPES:  # value gained by trading away from the mark
                    gain += (q_leg.mid - px) * q * t.multiplier * (1.0 if _is_buy(leg) else -1.0)
        after = self.values({k: v for k, v in pos.items() if v.quantity != 0}, cash)
        bp_after = after["bp"] - max(gain, 0.0)
        change = bp_after - before["bp"]
        dreq = after["req"] - before["req"]

        def eff(x: float) -> str:
            return "Credit" if x > 0.005 else "Debit" if x < -0.005 else "None"

        return {
            "change-in-margin-requirement": f"{abs(dreq):.2f}", "change-in-margin-requirement-effect": eff(-dreq),
            "change-in-buying-power": f"{abs(change):.2f}", "change-in-buying-power-effect": eff(change),
            "current-buying-power": f"{abs(before['bp']):.2f}",
            "current-buying-power-effect": "Credit" if before["bp"] >= 0 else "Debit",
            "new-buying-power": f"{abs(bp_after):.2f}", "new-buying-power-effect": "Credit" if bp_after >= 0 else "Debit",
            "isolated-order-margin-requirement": f"{max(dreq, 0):.2f}",
            "isolated-order-margin-requirement-effect": "Debit" if dreq > 0.005 else "None",
            "is-spread": len(order.legs) > 1, "impact": f"{abs(change):.2f}", "effect": eff(change),
            "_new_bp": bp_after, "_change": change,
        }

    def check_buying_power(self, bp: dict[str, object]) -> OrderError | None:
        if _money(bp, "_new_bp") < 0 and _money(bp, "_change") < 0:
            return OrderError(
                f"This order exceeds your available buying power: it needs "
                f"${-_money(bp, '_change'):,.2f} and ${_money(bp, 'current-buying-power'):,.2f} is available.",
                code="margin_check_failed", preflight=True)
        return None

    # ------------------------------------------------------------ json
    def order_json(self, o: Order, placed: bool = True) -> dict[str, object]:
        working = o.status in ("Live", "Received", "Contingent")
        d: dict[str, object] = {
            "account-number": self.number, "time-in-force": o.tif, "order-type": o.order_type,
            "underlying-symbol": o.underlying, "underlying-instrument-type": o.underlying_type,
            "status": o.status if placed else "Received",
            "cancellable": working, "editable": working and o.complex_id is None,
            "edited": o.replaces is not None, "received-at": iso(o.received_at), "updated-at": iso(o.updated_at),
        }
        legs: list[dict[str, object]] = []
        if o.order_type != "Notional Market" or o.filled_units > 0:
            d["size"] = fmt_qty(o.size)
        for leg in o.legs:
            out: dict[str, object] = {k: v for k, v in leg.items() if not k.startswith("_")}
            q = _qty(leg)
            if q is None:
                out.pop("quantity")
            else:
                out["quantity"] = int(q) if q.is_integer() else fmt_qty(q)
                rem = self._ratio(o, leg) * o.remaining_units if o.status in ("Live", "Contingent", "Received") else 0
                out["remaining-quantity"] = fmt_qty(rem) if placed else out["quantity"]
            out["fills"] = [{k: v for k, v in f.items() if not k.startswith("_")}
                            for f in o.fills if f["_symbol"] == leg["symbol"]]
            legs.append(out)
        d["legs"] = legs
        if o.price is not None:
            d["price"] = fmt_price(o.price)
            d["price-effect"] = o.effect
        if o.stop_trigger is not None:
            d["stop-trigger"] = fmt_price(o.stop_trigger)
        if o.value is not None:
            d["value"] = f"{o.value:.2f}"
            d["value-effect"] = o.value_effect
        if o.gtc_date is not None:
            d["gtc-date"] = str(o.gtc_date)
        if o.source:
            d["source"] = o.source
        if o.external_identifier:
            d["external-identifier"] = o.external_identifier
        if o.complex_id is not None:
            d["complex-order-id"] = o.complex_id
        if o.contingent:
            d["contingent-status"] = "Pending Order"
        if placed:
            d["id"] = o.id
            if o.status == "Live":
                d["live-at"] = iso(o.received_at)
            if o.status in ("Filled", "Cancelled", "Expired", "Rejected"):
                d["terminal-at"] = iso(o.updated_at)
            if o.status == "Cancelled":
                d["cancelled-at"] = iso(o.updated_at)
            if o.replaces is not None:
                d["replaces-order-id"] = str(o.replaces)
            if o.replaced_by is not None:
                d["replacing-order-id"] = str(o.replaced_by)
            if o.reject_reason:
                d["reject-reason"] = o.reject_reason
        return d

    # ------------------------------------------------------------ lifecycle
    def place(self, order: Order) -> list[Order]:
        """Route a validated order; returns every order whose state changed (it, and any
        complex-order siblings a fill activated or cancelled)."""
        order.id = next(self._ids)
        order.status = "Contingent" if order.contingent else "Live"
        order.received_at = order.updated_at = self.market.t
        self.orders[order.id] = order
        changed = [order]
        if not order.contingent:
            changed += self._try_fill(order, self.market.t, fresh=True)
            if order.tif == "IOC" and order.status == "Live":
                order.status = "Cancelled"
                order.updated_at = self.market.t
        return changed

    def cancel(self, order_id: int) -> list[Order]:
        """Cancel a working order; returns the orders whose state changed (none if it was not
        working): it, and the contingent orders of a complex order whose trigger it was."""
        o = self.orders.get(order_id)
        if o is None or not o.working:
            return []
        o.status = "Cancelled"
        o.contingent = False
        o.updated_at = self.market.t
        return [o, *self._complex_after_end(o)]

    def replacement(self, old: Order, body: dict[str, object], patch: bool) -> Order:
        """The order that would replace ``old`` (validated, not placed): the new price/type/time
        in force for the quantity still to fill; the legs stay. ``patch`` merges ``body`` onto
        the old order's fields (PATCH, and the replacement's dry run)."""
        if not old.working or old.complex_id is not None:
            raise OrderError(f"Order {old.id} is {old.status} and cannot be changed",
                             code="cannot_update_order", status=422)
        merged: dict[str, object] = {
            "order-type": old.order_type, "time-in-force": old.tif, "source": old.source,
            **({"price": old.price, "price-effect": old.effect} if old.price is not None else {}),
            **({"stop-trigger": old.stop_trigger} if old.stop_trigger is not None else {}),
            **({"gtc-date": str(old.gtc_date)} if old.gtc_date else {}),
            **({"value": old.value, "value-effect": old.value_effect} if old.value is not None else {}),
            **({"external-identifier": old.external_identifier} if old.external_identifier else {}),
        } if patch else {}
        merged.update({k: v for k, v in body.items() if k != "legs"})
        rem = old.remaining_units
        merged["legs"] = [{"instrument-type": lg["instrument-type"], "symbol": lg["symbol"], "action": lg["action"],
                           "quantity": None if lg["quantity"] is None else self._ratio(old, lg) * rem}
                          for lg in old.legs]
        return self.parse_order(merged)

    def replace(self, old: Order, body: dict[str, object], patch: bool) -> list[Order]:
        """Cancel-replace: ``old`` is cancelled and ``replacement`` (new id) takes its place."""
        new = self.replacement(old, body, patch)
        errs = self.preflight(new)
        bp_err = self.check_buying_power(self.buying_power_effect(new))  # checked like a new order
        if bp_err is not None:
            errs.append(bp_err)
        if errs:
            raise errs[0]
        old.status = "Cancelled"
        old.updated_at = self.market.t
        changed = [old]
        changed += self.place(new)
        old.replaced_by = new.id
        new.replaces = old.id
        return changed

    def _close_of(self, o: Order) -> float:
        """When a working order stops working: Day at the next 16:00 New York close after it was
        received (20:00 for Ext), GTD at the close of its date; GTC never."""
        if o.tif == "GTD" and o.gtc_date is not None:
            return session_bounds(o.gtc_date)[1]
        if o.tif not in ("Day", "Ext"):
            return math.inf
        extra = 4 * 3600 if o.tif == "Ext" else 0
        d = ny_date(o.received_at)
        while True:
            c = session_bounds(d)[1] + extra
            if d.weekday() < 5 and o.received_at < c:
                return c
            d += dt.timedelta(days=1)

    def expire_due(self, now: float) -> list[Order]:
        changed = []
        for o in self.orders.values():
            if o.working and now >= self._close_of(o):
                o.status = "Expired"
                o.contingent = False
                o.updated_at = now
                changed.append(o)
                changed += self._complex_after_end(o)
        return changed

    def check_fills(self) -> list[Order]:
        """One market step: expire what is due, then fill what the market reached. Returns the
        orders whose state changed."""
        now = self.market.t
        changed = self.expire_due(now)
        for o in list(self.orders.values()):
            if o.status == "Live" and not o.contingent:
                changed += self._try_fill(o, now, fresh=False)
        unique: dict[int, Order] = {}
        for o in changed:
            unique.setdefault(o.id, o)
        return list(unique.values())

    def _try_fill(self, o: Order, now: float, fresh: bool) -> list[Order]:
        if o.status != "Live" or o.contingent or now < o.next_fill_at:
            return []
        kinds = {str(lg["instrument-type"]) for lg in o.legs}
        if kinds & SESSION_TYPES and not self.market.is_trading(now):
            return []
        qs = self._quotes(o)
        if qs is None:
            return []
        nat = self._natural(o, qs)
        if o.order_type in ("Stop", "Stop Limit") and not o.triggered:
            q0, buy = qs[0], _is_buy(o.legs[0])
            trig = o.stop_trigger or 0.0
            if not ((q0.ask >= trig) if buy else (0 < q0.bid <= trig)):
                return []
            o.triggered = True
            fresh = True
        if o.order_type in ("Market", "Stop", "Notional Market"):
            px = nat
        else:
            limit = (o.price or 0.0) if o.effect == "Credit" else -(o.price or 0.0)
            if nat < limit - 1e-9:
                return []
            px = nat if fresh else limit
        if o.order_type == "Notional Market":
            units = self._notional_qty(o, qs)
            if str(o.legs[0]["action"]).endswith("to Close"):  # never more than is held
                p = self.positions.get(str(o.legs[0]["symbol"]))
                units = min(units, abs(p.quantity) if p is not None else 0.0)
            if units <= 0:
                return []
            o.size = units
            o.legs[0]["quantity"] = units
        else:
            avail = math.inf
            for leg, q in zip(o.legs, qs, strict=True):
                size = q.ask_size if _is_buy(leg) else q.bid_size
                avail = min(avail, size / self._ratio(o, leg))
            t0 = _tradable(o.legs[0])
            if not (t0.fractional and len(o.legs) == 1):
                avail = math.floor(avail + 1e-9)
            units = min(o.remaining_units, avail)
            if units <= 0:
                return []
            if units < o.remaining_units - 1e-12:
                o.next_fill_at = now + REFILL_S
        return self._execute(o, qs, px, units, now)

    def _execute(self, o: Order, qs: list[Quote], px: float, units: float, now: float) -> list[Order]:
        prices = self._leg_prices(o, qs, px, "far")
        # charged in cents, as the transaction shows them (net value = value - the fees shown)
        parts = {k: round(v, 2) for k, v in self.fee_parts(o, units).items()}
        fees = sum(parts.values())
        cash = 0.0
        for i, (leg, lp) in enumerate(zip(o.legs, prices, strict=True)):
            t = _tradable(leg)
            q = self._ratio(o, leg) * units
            c = self._apply_leg(self.positions, t, str(leg["action"]), q, lp)
            cash += c
            self.ledger.trade(now, order_id=o.id, symbol=t.symbol, instrument_type=t.instrument_type,
                              underlying=t.underlying, action=str(leg["action"]), quantity=q, price=lp,
                              multiplier=t.multiplier, cash=c, fees=parts if i == 0 else {},
                              leg_count=len(o.legs))
            o.fills.append({"fill-id": f"F{next(self._fill_ids)}", "quantity": fmt_qty(q),
                            "fill-price": fmt_price(lp), "filled-at": iso(now), "destination-venue": "TTAI_SIM",
                            "_symbol": leg["symbol"]})
        self.cash += cash - fees
        for k in [k for k, p in self.positions.items() if p.quantity == 0]:
            self.closed_now.append(self.positions.pop(k))
        o.filled_units += units
        o.updated_at = now
        changed = [o]
        if o.remaining_units <= 1e-9:
            o.status = "Filled"
            changed += self._complex_after_fill(o)
        return changed

    def _complex_after_fill(self, o: Order) -> list[Order]:  # provided by ComplexDesk
        return []

    def _complex_after_end(self, o: Order) -> list[Order]:  # provided by ComplexDesk
        return []

    # ------------------------------------------------------------ day roll
    def roll_day(self) -> list[Order]:
        """New trading day: settle expired equity options at intrinsic value (cash-settled, a
        simplification of assignment), expire what is due, reset today's realized P&L.
        Returns the orders whose status changed."""
        today = self.book.today()
        for sym, p in list(self.positions.items()):
            p.realized_today = 0.0
            if p.oid is None or p.oid.expiration >= today:
                continue
            spot = self.market.states[p.underlying].prev_close
            k = p.oid.strike
            intrinsic = max(spot - k, 0.0) if p.oid.call else max(k - spot, 0.0)
            cash = intrinsic * p.multiplier * p.quantity
            self.cash += cash
            p.realized_today = (intrinsic - p.avg_open) * p.multiplier * p.quantity
            self.ledger.expiration(self.market.t, symbol=sym, instrument_type=p.instrument_type,
                                   underlying=p.underlying, quantity=p.quantity, cash=cash)
            self.closed_now.append(self.positions.pop(sym))
            p.quantity = 0
        return self.expire_due(self.market.t)
