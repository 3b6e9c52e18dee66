"""REST routes for futures, futures options, crypto and the futures holiday calendar.

Shapes are the SDK 13.2.3 models' (reference appendix §1-3, §7): every required key present,
kebab-case, dates as ``YYYY-MM-DD``. ``dispatch`` answers None for a path that is not its own,
so the main dispatcher can fall through to its 404.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from aiohttp import web

from ttai_tui import calendars
from ttai_tui.exchange.clock import NY, iso
from ttai_tui.exchange.envelope import err, items, ok
from ttai_tui.exchange.instruments import fop
from ttai_tui.exchange.instruments.futures import BY_CODE, PRODUCTS, Contract, FutureProductSpec
from ttai_tui.exchange.instruments.prices import expiry_ts
from ttai_tui.exchange.instruments.world import CRYPTO, CRYPTO_PRECISION, Instruments

if TYPE_CHECKING:
    from ttai_tui.exchange.server import ExchangeServer

_SETTLE = {"ES": "CME", "MES": "CME", "NQ": "CME", "MNQ": "CME", "RTY": "CME", "M2K": "CME"}


FOP_DISPLAY_FACTOR = 0.01  # a futures option's display-factor, as the real API sends for ES and MNQ


def _num(x: float) -> str:
    return f"{x:.10f}".rstrip("0").rstrip(".") or "0"


def product_json(p: FutureProductSpec, with_options: bool = True) -> dict[str, object]:
    d: dict[str, object] = {
        "root-symbol": p.root, "code": p.code, "description": p.description,
        "exchange": p.exchange, "product-type": p.product_type,
        "listed-months": list(p.listed_months), "active-months": list(p.active_months),
        "notional-multiplier": _num(p.multiplier), "tick-size": _num(p.tick),
        "display-factor": "0.01" if p.code == "6E" else "1",
        "streamer-exchange-code": p.streamer_exchange, "small-notional": p.small,
        "back-month-first-calendar-symbol": False, "first-notice": p.first_notice,
        "cash-settled": p.cash_settled, "market-sector": p.sector,
        "clearing-code": p.code, "clearing-exchange-code": p.clearing_exchange,
        "security-group": p.code, "true-underlying-code": p.code,
        "roll": {"name": f"{p.code.lower()}_roll", "active-count": 1,
                 "cash-settled": p.cash_settled, "business-days-offset": p.roll_days,
                 "first-notice": p.first_notice},
    }
    if with_options and p.option_roots:
        d["option-products"] = [fop_product_json(p.code, r, with_future=False)
                                for r in p.option_roots[:1]]
    return d


def future_json(ins: Instruments, c: Contract) -> dict[str, object]:
    p = c.product
    front = ins.front(p.code)
    cs = ins.contracts(p.code)
    nxt = cs[min(cs.index(front) + 1, len(cs) - 1)] if front in cs else front
    exp_at = iso(expiry_ts(c))
    d: dict[str, object] = {
        "symbol": c.symbol, "instrument-type": "Future", "product-code": p.code,
        "tick-size": _num(p.tick), "notional-multiplier": _num(p.multiplier),
        "display-factor": "0.01" if p.code == "6E" else "1",
        "last-trade-date": str(c.last_trade), "expiration-date": str(c.last_trade),
        "active": True, "active-month": c == front, "next-active-month": c == nxt and c != front,
        "is-closing-only": False, "stops-trading-at": exp_at, "expires-at": exp_at,
        "product-group": f"{p.clearing_exchange}_{p.code}", "exchange": p.exchange,
        "streamer-exchange-code": p.streamer_exchange, "back-month-first-calendar-symbol": False,
        "streamer-symbol": c.streamer_symbol, "is-tradeable": True,
        "closing-only-date": str(c.roll_date), "contract-size": _num(p.multiplier),
        "roll-target-symbol": nxt.symbol, "true-underlying-symbol": c.symbol,
        "tick-sizes": [{"value": _num(p.tick)}],
        "option-tick-sizes": fop.tick_sizes_json(p) if p.option_roots else [],
        "future-product": product_json(p, with_options=False),
    }
    if c.first_notice is not None:
        d["first-notice-date"] = str(c.first_notice)
    return d


def fop_product_json(code: str, root: str, with_future: bool = True) -> dict[str, object]:
    p = BY_CODE[code]
    d: dict[str, object] = {
        "root-symbol": root, "code": root, "exchange": p.exchange, "cash-settled": p.cash_settled,
        "is-rollover": False, "display-factor": "1", "clearing-price-multiplier": "1",
        "product-type": p.product_type, "expiration-type": "Regular",
        "market-sector": p.sector, "settlement-delay-days": 0, "clearing-code": root,
        "clearing-exchange-code": p.clearing_exchange, "product-subtype": "Standard",
    }
    if with_future:
        d["future-product"] = product_json(p, with_options=False)
    return d


def _fop_fields(ins: Instruments, e: fop.FopExpiration) -> dict[str, object]:
    p = e.product
    at = iso(e.expires_ts())
    return {"underlying-symbol": e.underlying.symbol, "product-code": p.code,
            "root-symbol": p.root, "option-root-symbol": e.root, "exchange": p.exchange,
            "expiration-date": str(e.date), "exercise-style": "European" if p.cash_settled
            else "American", "settlement-type": "Cash" if p.cash_settled else "Future",
            "days-to-expiration": (e.date - ins.today()).days, "stops-trading-at": at,
            "expires-at": at}


def _fop_value(multiplier: float) -> dict[str, str]:
    """A futures option's dollars per 1.00 of premium as the real API states it: notional-value
    over display-factor (ES: "0.5" / "0.01" = 50, MNQ: "0.02" / "0.01" = 2; its "multiplier"
    field is "1.0"), not as one field a client could read alone."""
    return {"notional-value": _num(round(multiplier * FOP_DISPLAY_FACTOR, 10)),
            "display-factor": _num(FOP_DISPLAY_FACTOR)}


def fop_json(ins: Instruments, fid: fop.FopId) -> dict[str, object]:
    e = fid.exp
    p = e.product
    return {
        "symbol": fid.symbol, "instrument-type": "Future Option", **_fop_fields(ins, e),
        "strike-price": fop.strike_text(fid.strike), "streamer-symbol": fid.streamer,
        "option-type": "C" if fid.call else "P", "is-vanilla": True,
        "is-primary-deliverable": True, "is-confirmed": True, "future-price-ratio": "1",
        "multiplier": "1", "underlying-count": "1", **_fop_value(p.multiplier),
        "strike-factor": "1", "maturity-date": str(e.date),
        "is-exercisable-weekly": e.kind == "Weekly", "is-closing-only": False, "active": True,
        "last-trade-time": "0", "exchange-symbol": fid.symbol[2:].replace(" ", ""),
        "security-exchange": p.streamer_exchange[1:], "sx-id": "0",
        "future-option-product": fop_product_json(p.code, p.option_roots[0] if e.kind ==
                                                  "Regular" else e.root, with_future=False),
    }


def nested_json(ins: Instruments, code: str) -> dict[str, object]:
    chain = ins.fop_chain(code)
    p = BY_CODE[code]
    front = ins.front(code)
    futs = sorted({e.underlying for e in chain}, key=lambda c: (c.year, c.month))
    futures = [{"root-symbol": p.root, "symbol": c.symbol,
                "days-to-expiration": (c.last_trade - ins.today()).days,
                "expiration-date": str(c.last_trade), "expires-at": iso(expiry_ts(c)),
                "stops-trading-at": iso(expiry_ts(c)), "active-month": c == front,
                "next-active-month": False, "maturity-date": str(c.last_trade)} for c in futs]
    subchains: dict[str, list[dict[str, object]]] = {}
    for e in chain:
        f = _fop_fields(ins, e)
        strikes = [{"strike-price": fop.strike_text(k), "call": e.symbol(True, k),
                    "put": e.symbol(False, k), "call-streamer-symbol": e.streamer(True, k),
                    "put-streamer-symbol": e.streamer(False, k)} for k in e.strikes]
        subchains.setdefault(e.underlying.symbol, []).append({
            "root-symbol": p.root, "underlying-symbol": e.underlying.symbol,
            **_fop_value(p.multiplier), "strike-factor": "1",
            "days-to-expiration": f["days-to-expiration"], "option-root-symbol": e.root,
            "option-contract-symbol": e.option_code, "asset": p.code,
            "expiration-date": str(e.date), "expires-at": f["expires-at"],
            "stops-trading-at": f["stops-trading-at"], "expiration-type": e.kind,
            "settlement-type": f["settlement-type"], "strikes": strikes,
            "tick-sizes": fop.tick_sizes_json(p),
        })
    return {"futures": futures,
            "option-chains": [{"underlying-symbol": u, "root-symbol": p.root,
                               "exercise-style": "European" if p.cash_settled else "American",
                               "expirations": exps} for u, exps in subchains.items()]}


def fop_market_data(ins: Instruments, sym: str, fid: fop.FopId, now: str) -> dict[str, object]:
    """``/market-data`` item of a futures option (by its tastytrade symbol, as sent)."""
    q = ins.fop_quote(fid)
    mid = (q.bid + q.ask) / 2
    today = str(ins.today())
    return {"symbol": sym, "instrument-type": "Future Option", "updated-at": now,
            "bid": _num(q.bid), "ask": _num(q.ask), "mid": _num(mid), "mark": _num(mid),
            "last": _num(mid), "bid-size": str(q.bid_size), "ask-size": str(q.ask_size),
            "open-interest": str(q.open_interest), "volume": str(q.volume),
            "close-price-type": "Regular", "summary-date": today, "prev-close-date": today,
            "prev-close-price-type": "Final", "halt-start-time": -1, "halt-end-time": -1}


def crypto_json(i: int, pair: str, description: str) -> dict[str, object]:
    qd, tick = CRYPTO_PRECISION.get(pair, (8, 0.01))
    return {"id": i, "symbol": pair, "instrument-type": "Cryptocurrency",
            "short-description": pair.split("/")[0], "description": description,
            "is-closing-only": False, "active": True, "tick-size": _num(tick),
            "streamer-symbol": f"{pair}:CXTALP",
            "destination-venue-symbols": [{"id": i, "symbol": pair, "destination-venue": "CXTALP",
                                           "routable": True, "max-quantity-precision": qd,
                                           "max-price-precision": len(_num(tick).split(".")[-1])}]}


def _cryptos() -> list[dict[str, object]]:
    return [crypto_json(i + 1, s.symbol.split(":")[0], s.description) for i, s in enumerate(CRYPTO)]


def _syms(r: web.Request) -> list[str]:
    return r.query.getall("symbol[]", []) or r.query.getall("symbol", [])


def _page(n: int) -> dict[str, int]:
    return {"per-page": max(n, 1), "page-offset": 0, "item-offset": 0, "total-items": n,
            "total-pages": 1}


async def dispatch(s: ExchangeServer, r: web.Request, p: list[str]) -> web.Response | None:
    """The response for one of this module's routes, or None when the path is not one."""
    if r.method != "GET":
        return None
    ins = s.instruments
    n = len(p)
    if p[:2] == ["instruments", "future-products"]:
        if n == 2:
            return items([product_json(x) for x in PRODUCTS])
        if n == 4:
            prod = BY_CODE.get(p[3].lstrip("/").upper())
            if prod is None:
                return err(404, "record_not_found", f"Future product {p[3]} not found")
            return ok(product_json(prod))
    if p[:2] == ["instruments", "futures"]:
        if n == 3:
            c = ins.contract(p[2])
            if c is None:
                return err(404, "record_not_found", f"Future {p[2]} not found")
            return ok(future_json(ins, c))
        if n == 2:
            found: list[Contract] = []
            syms = _syms(r)
            if syms:
                found = [c for c in (ins.contract(x) for x in syms) if c is not None]
            else:
                for code in r.query.getall("product-code[]", []) or list(BY_CODE):
                    if code.lstrip("/") in BY_CODE:
                        found.extend(ins.contracts(code.lstrip("/")))
            out = [future_json(ins, c) for c in found]
            return items(out, pagination=_page(len(out)))
    if p[:2] == ["instruments", "future-option-products"]:
        all_roots = [(x.code, x.option_roots[0]) for x in PRODUCTS if x.option_roots]
        if n == 2:
            return items([fop_product_json(c, root) for c, root in all_roots])
        if n == 4:
            hit = next(((c, root) for c, root in all_roots if root == p[3].lstrip("/").upper()), None)
            if hit is None:
                return err(404, "record_not_found", f"Future option product {p[3]} not found")
            return ok(fop_product_json(*hit))
    if p[:2] == ["instruments", "future-options"]:
        if n == 3:
            fid = ins.future_option(p[2])
            if fid is None:
                return err(404, "record_not_found", f"Future option {p[2]} not found")
            return ok(fop_json(ins, fid))
        if n == 2:
            fids = [f for f in (ins.future_option(x) for x in _syms(r)) if f is not None]
            return items([fop_json(ins, f) for f in fids])
    if p[:1] == ["futures-option-chains"] and n in (2, 3):
        code = p[1].lstrip("/").upper()
        if code not in fop.OPTION_PRODUCTS:
            return err(404, "record_not_found", f"No futures option chain for {p[1]}")
        if n == 3 and p[2] == "nested":
            return ok(nested_json(ins, code))
        if n == 2:
            return items([fop_json(ins, fop.FopId(e, call, k)) for e in ins.fop_chain(code)
                          for k in e.strikes for call in (True, False)])
    if p[:2] == ["instruments", "cryptocurrencies"]:
        all_c = _cryptos()
        if n == 3:
            hit2 = next((c for c in all_c if c["symbol"] == p[2].upper()), None)
            if hit2 is None:
                return err(404, "record_not_found", f"Cryptocurrency {p[2]} not found")
            return ok(hit2)
        if n == 2:
            want = {x.upper() for x in _syms(r)}
            return items([c for c in all_c if not want or c["symbol"] in want])
    if p[:3] == ["market-time", "futures", "holidays"] and n == 4:
        return holidays_json(s, p[3])
    return None


def holidays_json(s: ExchangeServer, exchange: str) -> web.Response:
    """``MarketCalendar`` for CME, CFE or Equity: full closures and early closes, this year on."""
    name = "NYSE" if exchange.upper() == "EQUITY" else "CME"
    if exchange.upper() not in ("CME", "CFE", "EQUITY", "SMALLS", "CBOED"):
        return err(404, "record_not_found", f"Unknown exchange {exchange}")
    today = dt.datetime.fromtimestamp(s.market.t, NY).date()
    cal = calendars.calendar(name, today)
    start = dt.date(today.year, 1, 1)
    return ok({"market-holidays": sorted(str(d) for d in cal.holidays if d >= start),
               "market-half-days": sorted(str(d) for d, _h, _m in cal.early_closes if d >= start)})
