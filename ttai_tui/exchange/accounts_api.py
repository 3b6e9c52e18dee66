"""Customer, account, balance, position, order and net-liq-history routes."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from aiohttp import web

from ttai_tui.exchange.clock import iso
from ttai_tui.exchange.envelope import err, items, ok
from ttai_tui.exchange.routes import account as account_routes
from ttai_tui.exchange.routes import orders as order_routes

if TYPE_CHECKING:
    from ttai_tui.exchange.server import ExchangeServer


def account_json(s: ExchangeServer) -> dict[str, object]:
    a = s.account
    return {"account-number": a.number, "opened-at": iso(a.opened_at), "nickname": "Demo Margin",
            "account-type-name": "Individual", "is-closed": False, "day-trader-status": False,
            "is-firm-error": False, "is-firm-proprietary": False, "is-futures-approved": False,
            "margin-or-cash": "Margin", "is-foreign": False, "created-at": iso(a.opened_at),
            "is-test-drive": True, "suitable-options-level": "No Restrictions",
            "investment-objective": "SPECULATION"}


def customer_json(s: ExchangeServer) -> dict[str, object]:
    addr = {"city": "Chicago", "country": "USA", "is-domestic": True, "is-foreign": False,
            "postal-code": "60606", "state-region": "IL", "street-one": "1 Demo Plaza"}
    return {"id": "me", "first-name": "Demo", "last-name": "Trader", "address": addr,
            "mailing-address": addr, "is-foreign": False, "usa-citizenship-type": "Citizen",
            "mobile-phone-number": "555-0100", "birth-date": "1990-01-01",
            "email": "demo@example.invalid", "tax-number-type": "SSN",
            "subject-to-tax-withholding": False, "has-industry-affiliation": False,
            "has-listed-affiliation": False, "has-political-affiliation": False,
            "has-delayed-quotes": False, "has-pending-or-approved-application": True,
            "is-professional": False, "created-at": iso(s.account.opened_at),
            "permitted-account-types": [{"name": "Individual", "description": "Individual",
                                         "is-tax-advantaged": False, "is-publicly-available": True,
                                         "has-multiple-owners": False,
                                         "margin-types": [{"name": "Margin", "is-margin": True}]}]}


def trading_status(s: ExchangeServer) -> dict[str, object]:
    d: dict[str, object] = {k: False for k in ["has-intraday-equities-margin", "is-aggregated-at-clearing", "is-closed", "is-closing-only", "is-cryptocurrency-enabled", "is-frozen", "is-full-equity-margin-required", "is-futures-closing-only", "is-futures-intra-day-enabled", "is-futures-enabled", "is-in-day-trade-equity-maintenance-call", "is-in-margin-call", "is-pattern-day-trader", "is-small-notional-futures-intra-day-enabled", "is-roll-the-day-forward-enabled", "are-far-otm-net-options-restricted", "short-calls-enabled", "is-equity-offering-enabled", "is-equity-offering-closing-only"]}
    d.update({"account-number": s.account.number, "equities-margin-calculation-type": "Reg T",
              "fee-schedule-name": "default", "futures-margin-rate-multiplier": "0.0", "id": 1,
              "options-level": "No Restrictions", "short-calls-enabled": True,
              "small-notional-futures-margin-rate-multiplier": "0.0", "updated-at": iso(s.market.t)})
    return d


async def dispatch(s: ExchangeServer, r: web.Request, p: list[str]) -> web.Response:
    m = r.method
    a = s.account
    if p == ["customers", "me"]:
        return ok(customer_json(s))
    if p == ["customers", "me", "accounts"]:
        return items([{"account": account_json(s), "authority-level": "owner"}])
    if p[:2] == ["margin", "accounts"] and len(p) == 4 and p[2] == a.number:
        v = a.values()
        return ok({"account-number": a.number, "description": "Total", "margin-calculation-type": "Reg T",
                   "option-level": "No Restrictions", "margin-requirement": f"{v['req']:.2f}",
                   "margin-requirement-effect": "Debit", "maintenance-requirement": f"{v['maint']:.2f}",
                   "maintenance-requirement-effect": "Debit", "margin-equity": f"{v['nl']:.2f}",
                   "margin-equity-effect": "Credit", "option-buying-power": f"{v['obp']:.2f}",
                   "option-buying-power-effect": "Credit", "reg-t-margin-requirement": f"{v['req']:.2f}",
                   "reg-t-margin-requirement-effect": "Debit", "reg-t-option-buying-power": f"{v['obp']:.2f}",
                   "reg-t-option-buying-power-effect": "Credit", "maintenance-excess": f"{v['nl'] - v['maint']:.2f}",
                   "maintenance-excess-effect": "Credit", "groups": account_routes.margin_groups(s),
                   "last-state-timestamp": int(s.market.t * 1000)})
    if p[:3] == ["customers", "me", "accounts"] and len(p) == 4:
        p = ["accounts", p[3]]
        if p[1] != a.number:
            return err(404, "record_not_found", f"no account {p[1]}")
        return ok(account_json(s))
    if p[0] != "accounts" or len(p) < 2:
        return err(404, "not_found", "unknown account route")
    if p[1] != a.number:
        return err(404, "record_not_found", f"no account {p[1]}")
    rest = p[2:]
    if not rest:
        return ok(account_json(s))
    if rest == ["trading-status"]:
        return ok(trading_status(s))
    if rest == ["balances"]:
        return ok(a.balances_json())
    if rest == ["position-limit"]:
        return ok(account_routes.position_limit(s))
    if rest[0] == "balances" and len(rest) == 2:
        if rest[1] != "USD":
            return err(404, "record_not_found", f"no balances in {rest[1]}")
        return ok(a.balances_json())
    if rest == ["balance-snapshots"]:
        return items([{**a.balances_json(), "snapshot-date": str(s.book.today()), "time-of-day": "EOD"}],
                     pagination={"per-page": 250, "page-offset": 0, "item-offset": 0,
                                 "total-items": 1, "total-pages": 1})
    if rest == ["positions"]:
        unds = r.query.getall("underlying-symbol[]", [])
        sym = r.query.get("symbol")
        itype = r.query.get("instrument-type")
        out = [a.position_json(pos) for pos in a.positions.values()
               if (not unds or pos.underlying in unds) and (not sym or pos.symbol == sym)
               and (not itype or pos.instrument_type == itype)]
        return items(out)
    if rest[0] == "transactions":
        return account_routes.transactions(s, r, rest[1:])
    if rest[:2] == ["net-liq", "history"]:
        return net_liq_history(s, r)
    if rest[0] in ("orders", "complex-orders"):
        return await order_routes.dispatch(s, r, rest)
    return err(404, "not_found", f"No route for {m} /{'/'.join(p)}")


def net_liq_history(s: ExchangeServer, r: web.Request) -> web.Response:
    """Net liq moves with SPY (the book's beta is ~0.6); ends at today's net liq."""
    tb = r.query.get("time-back")
    start = r.query.get("start-time")
    nl = s.account.values()["nl"]
    spy = s.market.states["SPY"]
    daily = s.market.daily_bars("SPY")
    n = {"1d": 1, "1m": 21, "3m": 63, "6m": 126, "1y": 252, "all": len(daily.t)}.get(tb or "", 21)
    idx = range(max(0, len(daily.t) - n), len(daily.t))
    if start:
        try:
            t0 = dt.datetime.strptime(start[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=dt.UTC).timestamp() * 1000
        except ValueError:
            return err(400, "invalid_parameter", "start-time must be YYYY-MM-DDTHH:MM:SSZ")
        idx = range(next((i for i, t in enumerate(daily.t) if t >= t0), len(daily.t)), len(daily.t))
    out: list[dict[str, object]] = []
    for i in idx:
        def val(px: float) -> float:
            return nl * (1 + 0.6 * (px / spy.last - 1))

        o, h, lo, c = val(daily.o[i]), val(daily.h[i]), val(daily.low[i]), val(daily.c[i])
        day = dt.datetime.fromtimestamp(daily.t[i] / 1000, dt.UTC).date()
        row: dict[str, object] = {"open": f"{o:.2f}", "high": f"{h:.2f}", "low": f"{lo:.2f}", "close": f"{c:.2f}",
               "pending-cash-open": "0.0", "pending-cash-high": "0.0", "pending-cash-low": "0.0",
               "pending-cash-close": "0.0", "total-open": f"{o:.2f}", "total-high": f"{h:.2f}",
               "total-low": f"{lo:.2f}", "total-close": f"{c:.2f}", "time": f"{day} 21:00:00+00"}
        out.append(row)
    return items(out)
