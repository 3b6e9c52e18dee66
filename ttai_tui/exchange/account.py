"""The paper account: a realistic starting portfolio, balances marked to the live market, margin,
dry-run buying-power effects and fees, and limit orders that fill when the market reaches them.

Margin is a simplified but recognisable tastytrade/Reg-T picture: 25 % maintenance on long stock,
max loss for defined-risk option spreads, the naked formula (20 % of the underlying less the OTM
amount plus premium, floor 10 %) for uncovered short options.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

from ttai_tui.exchange.clock import iso
from ttai_tui.exchange.market import Market
from ttai_tui.exchange.options import OptionBook, OptionId, parse_option

ACCOUNT_NUMBER = "5WT00001"
START_CASH = 62_500.0


class OrderError(Exception):
    """An order the exchange rejects; becomes a 400 validation_error envelope."""


@dataclass
class Position:
    symbol: str  # ticker or OCC symbol
    underlying: str
    quantity: int  # signed: negative is short
    avg_open: float  # per share
    opened_at: float
    oid: OptionId | None = None
    realized_today: float = 0.0

    @property
    def multiplier(self) -> int:
        return 100 if self.oid else 1

    @property
    def instrument_type(self) -> str:
        return "Equity Option" if self.oid else "Equity"


@dataclass
class Order:
    id: int
    legs: list[dict[str, object]]
    order_type: str
    tif: str
    price: float | None  # unsigned, per unit of size
    effect: str  # "Credit" | "Debit" | "None"
    underlying: str
    size: int
    status: str = "Live"
    received_at: float = 0.0
    updated_at: float = 0.0
    fills: list[dict[str, object]] = field(default_factory=list)
    fill_price: float | None = None


class PaperAccount:
    """One margin account; mutated by fills, read by REST routes and the account streamer."""

    def __init__(self, market: Market, book: OptionBook, number: str = ACCOUNT_NUMBER) -> None:
        self.market = market
        self.book = book
        self.number = number
        self.cash = START_CASH
        self.positions: dict[str, Position] = {}
        self.orders: dict[int, Order] = {}
        self._ids = itertools.count(101)
        self._fill_ids = itertools.count(1)
        self.opened_at = market.t - 400 * 86400
        self.closed_now: list[Position] = []  # positions closed by the last fills (for pushes)
        self._seed_portfolio()

    # ------------------------------------------------------------ portfolio
    def _pick(self, root: str, dte: int, moneyness: float, call: bool) -> OptionId:
        today = self.book.today()
        exps = [(e, ks) for e, ks in self.book.chain(root) if e.kind == "Regular"]
        e, ks = min(exps, key=lambda x: abs(x[0].dte(today) - dte))
        target = self.market.states[root].mid * moneyness
        k = min(ks, key=lambda x: abs(x - target))
        return OptionId(root, e.date, call, k)

    def _add_opt(self, oid: OptionId, qty: int, richness: float) -> None:
        q = self.book.quote(oid)
        px = round(max(q.theo * richness, 0.05), 2)
        self.positions[oid.occ] = Position(oid.occ, oid.root, qty, px, self.market.t - 9 * 86400, oid)

    def _seed_portfolio(self) -> None:
        m = self.market
        t0 = m.t - 120 * 86400
        self.positions["AAPL"] = Position("AAPL", "AAPL", 100, round(m.states["AAPL"].mid * 0.91, 2), t0)
        self.positions["NVDA"] = Position("NVDA", "NVDA", 50, round(m.states["NVDA"].mid * 0.84, 2), t0)
        self.positions["KO"] = Position("KO", "KO", 200, round(m.states["KO"].mid * 1.03, 2), t0)
        self._add_opt(self._pick("TSLA", 38, 0.88, False), -1, 1.12)  # short put
        sp = self._pick("SPY", 31, 0.965, False)  # bull put vertical
        ks = [k for e, kk in self.book.chain("SPY") if e.date == sp.expiration for k in kk]
        lp = OptionId("SPY", sp.expiration, False, max(k for k in ks if k <= sp.strike - 5))
        self._add_opt(sp, -2, 1.1)
        self._add_opt(lp, 2, 1.05)
        # iron condor on IWM
        ps = self._pick("IWM", 45, 0.95, False)
        cs = self._pick("IWM", 45, 1.05, True)
        kk = [k for e, ks2 in self.book.chain("IWM") if e.date == ps.expiration for k in ks2]
        pl = OptionId("IWM", ps.expiration, False, max(k for k in kk if k <= ps.strike - 5))
        cl = OptionId("IWM", cs.expiration, True, min(k for k in kk if k >= cs.strike + 5))
        for oid, q, r in ((ps, -1, 1.15), (pl, 1, 1.1), (cs, -1, 1.15), (cl, 1, 1.1)):
            self._add_opt(oid, q, r)

    def mark(self, symbol: str) -> float:
        """Mid price per share of a position's instrument."""
        st = self.market.states.get(symbol)
        if st is not None:
            return st.mid
        oid = parse_option(symbol)
        if oid is None:
            return 0.0
        q = self.book.quote(oid)
        return round((q.bid + q.ask) / 2, 4)

    # ------------------------------------------------------------ margin / balances
    def requirement(self, positions: dict[str, Position] | None = None) -> float:
        pos = self.positions if positions is None else positions
        req = 0.0
        by_und: dict[str, list[Position]] = {}
        for p in pos.values():
            if p.oid is None:
                req += abs(p.quantity) * self.mark(p.symbol) * (0.25 if p.quantity > 0 else 0.3)
            else:
                by_und.setdefault(p.underlying, []).append(p)
        for und, legs in by_und.items():
            req += self._option_requirement(und, legs)
        return req

    def _option_requirement(self, und: str, legs: list[Position]) -> float:
        spot = self.market.states[und].mid
        naked = 0.0
        for p in legs:
            if p.quantity >= 0 or p.oid is None:
                continue
            prem = self.mark(p.symbol)
            k = p.oid.strike
            otm = max(k - spot, 0.0) if p.oid.call else max(spot - k, 0.0)
            base = spot if p.oid.call else k
            naked += max(0.2 * spot - otm + prem, 0.1 * base + prem) * 100 * -p.quantity
        strikes = sorted({p.oid.strike for p in legs if p.oid})
        grid = [0.0, *strikes, strikes[-1] * 3 if strikes else spot * 3]
        worst = 0.0
        for s in grid:
            pay = sum(
                p.quantity * 100 * (max(s - p.oid.strike, 0.0) if p.oid.call else max(p.oid.strike - s, 0.0))
                for p in legs if p.oid
            )
            worst = min(worst, pay)
        calls_net = sum(p.quantity for p in legs if p.oid and p.oid.call)
        if calls_net < 0:  # uncovered calls: unbounded loss, naked formula applies
            return naked
        return min(-worst, naked) if naked > 0 else 0.0

    def values(self) -> dict[str, float]:
        le = se = ld = sd = 0.0
        for p in self.positions.values():
            v = abs(p.quantity) * p.multiplier * self.mark(p.symbol)
            if p.oid is None:
                if p.quantity > 0:
                    le += v
                else:
                    se += v
            elif p.quantity > 0:
                ld += v
            else:
                sd += v
        nl = self.cash + le - se + ld - sd
        req = self.requirement()
        return {"le": le, "se": se, "ld": ld, "sd": sd, "nl": nl, "req": req,
                "obp": max(nl - req - ld, 0.0)}

    def balances_json(self) -> dict[str, object]:
        v = self.values()
        obp = v["obp"]
        d = {k: "0.0" for k in BALANCE_KEYS}
        d.update({
            "account-number": self.number,
            "cash-balance": f"{self.cash:.2f}",
            "long-equity-value": f"{v['le']:.2f}",
            "short-equity-value": f"{v['se']:.2f}",
            "long-derivative-value": f"{v['ld']:.2f}",
            "short-derivative-value": f"{v['sd']:.2f}",
            "long-margineable-value": f"{v['le']:.2f}",
            "margin-equity": f"{v['nl']:.2f}",
            "equity-buying-power": f"{obp * 2:.2f}",
            "derivative-buying-power": f"{obp:.2f}",
            "day-trading-buying-power": f"{obp * 4:.2f}",
            "available-trading-funds": f"{obp:.2f}",
            "maintenance-requirement": f"{v['req']:.2f}",
            "reg-t-margin-requirement": f"{v['req']:.2f}",
            "net-liquidating-value": f"{v['nl']:.2f}",
            "cash-available-to-withdraw": f"{max(min(self.cash, obp), 0):.2f}",
            "maintenance-excess": f"{max(v['nl'] - v['req'], 0):.2f}",
            "used-derivative-buying-power": f"{v['req']:.2f}",
            "effective-cryptocurrency-buying-power": f"{obp:.2f}",
            "snapshot-date": str(self.book.today()),
            "updated-at": iso(self.market.t),
            "pending-cash-effect": "None",
        })
        return d

    def position_json(self, p: Position) -> dict[str, object]:
        mk = self.mark(p.symbol)
        return {
            "account-number": self.number, "symbol": p.symbol, "instrument-type": p.instrument_type,
            "underlying-symbol": p.underlying, "quantity": str(abs(p.quantity)),
            "quantity-direction": "Long" if p.quantity > 0 else "Short" if p.quantity < 0 else "Zero",
            "close-price": f"{self._close_price(p):.4f}", "average-open-price": f"{p.avg_open:.4f}",
            "multiplier": str(p.multiplier), "cost-effect": "Debit" if p.quantity > 0 else "Credit",
            "is-suppressed": False, "is-frozen": False,
            "realized-day-gain": f"{abs(p.realized_today):.2f}",
            "realized-day-gain-effect": "Credit" if p.realized_today >= 0 else "Debit",
            "realized-today": f"{abs(p.realized_today):.2f}",
            "realized-today-effect": "Credit" if p.realized_today >= 0 else "Debit",
            "mark": f"{mk * p.multiplier * abs(p.quantity):.2f}", "mark-price": f"{mk:.4f}",
            "created-at": iso(p.opened_at), "updated-at": iso(self.market.t),
            **({"expires-at": f"{p.oid.expiration}T20:00:00.000+00:00"} if p.oid else {}),
        }

    def _close_price(self, p: Position) -> float:
        if p.oid is None:
            return self.market.states[p.underlying].prev_close
        return float(self.book_prev_close(p.oid))

    def book_prev_close(self, oid: OptionId) -> float:
        from ttai_tui.core.pricing import bs_price
        from ttai_tui.exchange.options import years_to
        from ttai_tui.exchange.universe import RISK_FREE_RATE

        st = self.market.states[oid.root]
        t = years_to(oid.expiration, self.market.t) + 1 / 365
        vol = self.book.surface_vol(oid.root, oid.strike, t, st.prev_close)
        return round(bs_price(st.prev_close, oid.strike, t, vol, RISK_FREE_RATE, st.spec.div_yield, oid.call), 2)

    # ------------------------------------------------------------ orders
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
        ld_after = sum(abs(p.quantity) * p.multiplier * self.mark(p.symbol) for p in pos.values() if p.oid and p.quantity > 0)
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
        d: dict[str, object] = {
            "account-number": self.number, "time-in-force": o.tif, "order-type": o.order_type,
            "size": str(o.size), "underlying-symbol": o.underlying, "underlying-instrument-type": "Equity",
            "status": o.status if placed else "Received",
            "cancellable": o.status in ("Live", "Received"), "editable": o.status in ("Live", "Received"),
            "edited": False, "received-at": iso(o.received_at), "updated-at": iso(o.updated_at),
            "legs": [
                {**leg, "remaining-quantity": 0 if o.status == "Filled" else leg["quantity"],
                 "fills": [f for f in o.fills if f["_symbol"] == leg["symbol"]]}
                for leg in o.legs
            ],
        }
        for leg in d["legs"]:  # type: ignore[union-attr]
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


BALANCE_KEYS = ["cash-balance", "long-equity-value", "short-equity-value", "long-derivative-value", "short-derivative-value", "long-futures-value", "short-futures-value", "long-futures-derivative-value", "short-futures-derivative-value", "long-margineable-value", "short-margineable-value", "margin-equity", "equity-buying-power", "derivative-buying-power", "day-trading-buying-power", "futures-margin-requirement", "available-trading-funds", "maintenance-requirement", "maintenance-call-value", "reg-t-call-value", "day-trading-call-value", "day-equity-call-value", "net-liquidating-value", "cash-available-to-withdraw", "day-trade-excess", "pending-cash", "long-cryptocurrency-value", "short-cryptocurrency-value", "cryptocurrency-margin-requirement", "unsettled-cryptocurrency-fiat-amount", "closed-loop-available-balance", "equity-offering-margin-requirement", "long-bond-value", "bond-margin-requirement", "used-derivative-buying-power", "reg-t-margin-requirement", "futures-overnight-margin-requirement", "futures-intraday-margin-requirement", "maintenance-excess", "pending-margin-interest", "effective-cryptocurrency-buying-power"]
