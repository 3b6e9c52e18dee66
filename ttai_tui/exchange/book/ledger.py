"""Account transactions: the deposit, every fill as a Trade with its fees, expirations.

Shapes follow the SDK's ``Transaction`` model (reference appendix §5.2): unsigned amounts with
``-effect`` keys, ``net-value`` = value minus fees, ``transaction-date`` in New York.
"""

from __future__ import annotations

import datetime as dt
import itertools

from ttai_tui.exchange.clock import iso, ny_date


def _eff(x: float) -> str:
    return "Credit" if x > 0 else "Debit" if x < 0 else "None"


def _px(p: float) -> str:
    s = f"{p:.4f}"
    return s[:-2] if s.endswith("00") else s


def fmt_price(p: float) -> str:
    """A price as exactly as its tick needs (1/64 of a point, $0.00001 for a coin), not cut at 4
    decimals or 6 significant digits."""
    return f"{p:.8f}".rstrip("0").rstrip(".") or "0"


def fmt_qty(q: float) -> str:
    return str(int(q)) if float(q).is_integer() else fmt_price(q)


class Ledger:
    """Append-only list of transactions of one account, newest last."""

    def __init__(self, account_number: str) -> None:
        self.number = account_number
        self.items: list[dict[str, object]] = []
        self.by_id: dict[int, dict[str, object]] = {}
        self._ids = itertools.count(10001)

    def _add(self, t: float, ttype: str, sub: str, desc: str, value: float, fees: float = 0.0,
             extra: dict[str, object] | None = None) -> dict[str, object]:
        """``value`` signed (+ credit to cash), ``fees`` unsigned total charged."""
        net = value - fees
        tid = next(self._ids)
        d: dict[str, object] = {
            "id": tid, "account-number": self.number, "transaction-type": ttype,
            "transaction-sub-type": sub, "description": desc, "executed-at": iso(t),
            "transaction-date": str(ny_date(t)), "value": f"{abs(value):.2f}", "value-effect": _eff(value),
            "net-value": f"{abs(net):.2f}", "net-value-effect": _eff(net), "is-estimated-fee": False,
            "_t": t, "_fees": fees,
        }
        d.update({k: v for k, v in (extra or {}).items() if v is not None})
        self.items.append(d)
        self.by_id[tid] = d
        return d

    def deposit(self, t: float, amount: float) -> dict[str, object]:
        return self._add(t, "Money Movement", "Deposit", "ACH deposit", amount)

    def trade(self, t: float, *, order_id: int | None, symbol: str, instrument_type: str,
              underlying: str, action: str, quantity: float, price: float, multiplier: float,
              cash: float, fees: dict[str, float], leg_count: int = 1) -> dict[str, object]:
        """One leg's fill. ``cash`` is the signed cash effect of the fill before fees."""
        total = sum(fees.values())
        verb = "Bought" if action.startswith("Buy") else "Sold"
        fee_keys: dict[str, object] = {}
        for k in ("commission", "clearing-fees", "regulatory-fees", "proprietary-index-option-fees"):
            v = fees.get(k, 0.0)
            fee_keys[k] = f"{v:.2f}"
            fee_keys[f"{k}-effect"] = "Debit" if v > 0 else "None"
        return self._add(
            t, "Trade", action, f"{verb} {fmt_qty(quantity)} {symbol} @ {_px(price)}",
            cash, total, {"symbol": symbol, "instrument-type": instrument_type, "underlying-symbol": underlying,
                          "action": action, "quantity": fmt_qty(quantity), "price": fmt_price(price),
                          "order-id": order_id, "leg-count": leg_count, "exchange": "TTAI", **fee_keys},
        )

    def expiration(self, t: float, *, symbol: str, instrument_type: str, underlying: str,
                   quantity: float, cash: float) -> dict[str, object]:
        sub = "Expiration" if cash == 0 else "Cash Settled Exercise"
        return self._add(t, "Receive Deliver", sub, f"Removal of {fmt_qty(abs(quantity))} {symbol} due to expiration",
                         cash, extra={"symbol": symbol, "instrument-type": instrument_type,
                                      "underlying-symbol": underlying, "quantity": fmt_qty(abs(quantity))})

    # ------------------------------------------------------------ queries
    def query(self, q: dict[str, list[str]]) -> list[dict[str, object]]:
        """Filter like ``GET /accounts/{n}/transactions``; sorted by ``sort`` (default Desc)."""
        def one(k: str) -> str | None:
            v = q.get(k)
            return v[0] if v else None

        types = set(q.get("types[]", [])) | ({one("type")} if one("type") else set())
        subs = set(q.get("sub-type[]", []))
        sym, und = one("symbol"), one("underlying-symbol")
        itype, action = one("instrument-type"), one("action")
        sd, ed = one("start-date"), one("end-date")
        out = []
        for d in self.items:
            if types and d["transaction-type"] not in types:
                continue
            if subs and d["transaction-sub-type"] not in subs:
                continue
            if sym and d.get("symbol") != sym:
                continue
            if und and d.get("underlying-symbol") != und:
                continue
            if itype and d.get("instrument-type") != itype:
                continue
            if action and d.get("action") != action:
                continue
            if sd and str(d["transaction-date"]) < sd:
                continue
            if ed and str(d["transaction-date"]) > ed:
                continue
            out.append(d)
        out.sort(key=lambda d: (float(str(d["_t"])), int(str(d["id"]))),
                 reverse=(one("sort") or "Desc") != "Asc")
        return out

    def total_fees(self, day: dt.date) -> float:
        return sum(float(str(d["_fees"])) for d in self.items if d["transaction-date"] == str(day))


def public(d: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in d.items() if not k.startswith("_")}
