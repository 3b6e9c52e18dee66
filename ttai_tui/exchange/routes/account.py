"""Account routes beyond positions: balances with or without a currency, transactions (paged,
filtered, by id, total fees), the position limit and the margin report by strategy."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from aiohttp import web

from ttai_tui.exchange.book.ledger import public
from ttai_tui.exchange.clock import ny_date
from ttai_tui.exchange.envelope import err, items, ok

if TYPE_CHECKING:
    from ttai_tui.exchange.server import ExchangeServer

#: the account's order and position size limits (what /position-limit reports and orders obey)
POSITION_LIMIT = {"equity-order-size": 500_000, "equity-option-order-size": 2_500,
                  "future-order-size": 500, "future-option-order-size": 500,
                  "underlying-opening-order-limit": 15_000, "equity-position-size": 1_000_000,
                  "equity-option-position-size": 20_000, "future-position-size": 1_000,
                  "future-option-position-size": 1_000}


def position_limit(s: ExchangeServer) -> dict[str, object]:
    return {"id": 1, "account-number": s.account.number, **POSITION_LIMIT}


def margin_groups(s: ExchangeServer) -> list[dict[str, object]]:
    """One group per underlying, its requirement the sum of its strategies'."""
    by_und: dict[str, float] = {}
    for st in s.account.strategies():
        by_und[st.underlying] = by_und.get(st.underlying, 0.0) + st.initial
    out: list[dict[str, object]] = []
    for und, req in sorted(by_und.items()):
        out.append({"description": und, "code": und, "underlying-symbol": und,
                    "underlying-type": "Equity", "margin-calculation-type": "Reg T",
                    "margin-requirement": f"{req:.2f}", "margin-requirement-effect": "Debit",
                    "maintenance-requirement": f"{req:.2f}", "maintenance-requirement-effect": "Debit",
                    "buying-power": f"{req:.2f}", "buying-power-effect": "Debit"})
    return out


def transactions(s: ExchangeServer, r: web.Request, rest: list[str]) -> web.Response:
    led = s.account.ledger
    if rest == ["total-fees"]:
        try:
            day = dt.date.fromisoformat(r.query["date"]) if "date" in r.query else ny_date(s.market.t)
        except ValueError:
            return err(400, "invalid_parameter", "date must be YYYY-MM-DD")
        fees = led.total_fees(day)
        return ok({"total-fees": f"{fees:.2f}", "total-fees-effect": "Debit" if fees > 0 else "None"})
    if len(rest) == 1 and rest[0].isdigit():
        t = led.by_id.get(int(rest[0]))
        return ok(public(t)) if t is not None else err(404, "record_not_found", f"no transaction {rest[0]}")
    if rest:
        return err(404, "not_found", "unknown transactions route")
    q = {k: r.query.getall(k) for k in r.query}
    try:
        per = max(1, min(int(r.query.get("per-page", 250)), 2000))
        off = max(0, int(r.query.get("page-offset", 0)))
    except ValueError:
        return err(400, "invalid_parameter", "per-page and page-offset must be integers")
    xs = led.query(q)
    page = [public(d) for d in xs[off * per:(off + 1) * per]]
    pages = (len(xs) + per - 1) // per
    return items(page, pagination={"per-page": per, "page-offset": off, "item-offset": off * per,
                                   "total-items": len(xs), "total-pages": pages,
                                   "current-item-count": len(page)})
