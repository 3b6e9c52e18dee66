"""Instrument, chain, market-data, metrics, search and watchlist routes (plus dispatch).

Account and order routes live in ``accounts_api``; this module routes every authenticated path.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
import math
import zlib
from typing import TYPE_CHECKING

from aiohttp import web

from ttai_tui import calendars
from ttai_tui.exchange import accounts_api
from ttai_tui.exchange.clock import iso, ny_date, session_bounds
from ttai_tui.exchange.envelope import err, items, ok, raw_ok
from ttai_tui.exchange.instruments import routes as instrument_routes
from ttai_tui.exchange.options import OptionId, parse_option, third_friday, years_to
from ttai_tui.exchange.routes import reference
from ttai_tui.exchange.universe import BY_SYMBOL, RISK_FREE_RATE, equity_specs

if TYPE_CHECKING:
    from ttai_tui.exchange.server import ExchangeServer

log = logging.getLogger(__name__)


async def dispatch(s: ExchangeServer, r: web.Request, p: list[str]) -> web.Response:
    m = r.method
    n = len(p)
    if p[:1] in (["accounts"], ["customers"], ["margin"]):
        return await accounts_api.dispatch(s, r, p)
    ref = await reference.dispatch(s, r, p)
    if ref is not None:
        return ref
    if p == ["api-quote-tokens"] and m == "GET":
        return quote_token(s)
    if p[:1] == ["option-chains"] and n in (2, 3):
        sym = p[1]
        if BY_SYMBOL.get(sym) is None or not BY_SYMBOL[sym].optionable:
            return err(404, "not_found", f"No option chain for {sym}")
        if n == 3 and p[2] == "nested":
            return raw_ok(s.cached(("nested", sym), lambda: nested_chain(s, sym)))
        if n == 2:
            return raw_ok(s.cached(("flat", sym), lambda: flat_chain(s, sym)))
    if p[:2] == ["instruments", "equities"]:
        if n == 3 and p[2] == "active":
            listed = [sp for sp in equity_specs() if not sp.is_index]
            return items([equity_json(sp.symbol) for sp in listed], pagination=_page(len(listed)))
        if n == 3:
            if p[2] not in BY_SYMBOL or not BY_SYMBOL[p[2]].is_equity_like:
                return err(404, "record_not_found", f"Equity {p[2]} not found")
            return ok(equity_json(p[2]))
        syms = r.query.getall("symbol[]", []) or r.query.getall("symbol", [])
        found = [equity_json(x) for x in syms if x in BY_SYMBOL and BY_SYMBOL[x].is_equity_like]
        return items(found, pagination=_page(len(found)))
    if p[:2] == ["instruments", "equity-options"]:
        if n == 3:
            oid = parse_option(p[2])
            if oid is None or oid.root not in BY_SYMBOL or not s.book.listed(oid):
                return err(404, "record_not_found", f"Option {p[2]} not found")
            return ok(option_json(s, oid))
        syms = r.query.getall("symbol[]", []) or r.query.getall("symbol", [])
        out = []
        for x in syms:
            oid = parse_option(x)
            if oid is not None and oid.root in BY_SYMBOL and s.book.listed(oid):
                out.append(option_json(s, oid))
        return items(out)
    if p[:2] == ["symbols", "search"] and n == 3:
        return items(search(p[2]))
    if p == ["market-metrics"]:
        syms = [x for v in r.query.getall("symbols", []) for x in v.split(",") if x]
        return items([metrics_json(s, x) for x in syms
                      if x in BY_SYMBOL and BY_SYMBOL[x].is_equity_like])
    if p[:2] == ["market-metrics", "historic-corporate-events"] and n == 4:
        return items([])
    if p[:1] == ["market-data"]:
        return market_data(s, r, p)
    if p[:1] in (["watchlists"], ["public-watchlists"], ["pairs-watchlists"]):
        return await watchlists(s, r, p)
    if p == ["market-time", "sessions", "current"]:
        sess = market_session(s)
        return items([{**sess, "instrument-collection": c}
                      for c in r.query.getall("instrument-collections[]", ["Equity"])])
    if p[:2] == ["market-time", "equities"] and p[2:] == ["holidays"]:
        return instrument_routes.holidays_json(s, "Equity")
    if p == ["margin-requirements-public-configuration"]:
        return ok({"risk-free-rate": str(RISK_FREE_RATE)})
    if p == ["sessions", "validate"]:
        return ok({"valid": True})
    hit = await instrument_routes.dispatch(s, r, p)
    if hit is not None:
        return hit
    return err(404, "not_found", f"No route for {m} /{'/'.join(p)}")


def market_session(s: ExchangeServer) -> dict[str, object]:
    """Today's regular session in New York time (NYSE holidays and early closes from the
    calendar); always Open on the continuous clock."""
    now = s.market.t
    today = ny_date(now)
    cal = calendars.calendar("NYSE", today)
    day = cal.previous_trading_day(today)
    nxt = cal.add_trading_days(today, 1)
    prev = cal.add_trading_days(day, -1) if day == today else day  # closed today: the last one

    def bounds(d: dt.date) -> tuple[float, float]:
        o, _c = session_bounds(d)
        h, m = cal.close_at(d)
        return o, o + (h * 60 + m - 9 * 60 - 30) * 60

    o, c = bounds(day)
    no, nc = bounds(nxt)
    po, pc = bounds(prev)
    if not s.market.market_hours or (day == today and o <= now < c):
        state = "Open"
    elif day == today and o - 5.5 * 3600 <= now < o:
        state = "Pre-market"
    elif day == today and c <= now < c + 4 * 3600:
        state = "Extended"
    else:
        state = "Closed"

    def snap(d: dt.date, a: float, b: float) -> dict[str, object]:
        return {"instrument-collection": "Equity", "session-date": str(d), "open-at": iso(a),
                "close-at": iso(b), "close-at-ext": iso(b + 4 * 3600), "start-at": iso(a - 5.5 * 3600)}

    return {"state": state, "open-at": iso(o), "close-at": iso(c), "close-at-ext": iso(c + 4 * 3600),
            "start-at": iso(o - 5.5 * 3600), "next-session": snap(nxt, no, nc),
            "previous-session": snap(prev, po, pc)}


def _page(total: int) -> dict[str, int]:
    return {"per-page": max(total, 1), "page-offset": 0, "item-offset": 0, "total-items": total,
            "total-pages": 1}


def quote_token(s: ExchangeServer) -> web.Response:
    tok = s.issue_quote_token()
    now = s.market.clock()
    return ok({"token": tok, "dxlink-url": s.ws_url + "/dxlink", "level": "api",
               "issued-at": iso(now), "expires-at": iso(now + 86400)},
              context="/api-quote-tokens")


def equity_json(sym: str) -> dict[str, object]:
    sp = BY_SYMBOL[sym]
    return {
        "id": list(BY_SYMBOL).index(sym) + 1, "symbol": sym, "instrument-type": "Equity",
        "is-index": sp.is_index, "description": sp.description, "short-description": sp.description[:20],
        "lendability": "Easy To Borrow", "market-time-instrument-collection": "Equity",
        "is-closing-only": False, "is-options-closing-only": False, "active": True,
        "is-illiquid": False, "is-etf": sp.kind == "etf", "streamer-symbol": sym,
        "listed-market": "XNAS" if sp.kind == "stock" else "ARCX",
        "tick-sizes": [{"value": "0.0001", "threshold": "1.0"}, {"value": "0.01"}],
        "option-tick-sizes": [{"value": "0.01", "threshold": "3.0"}, {"value": "0.05"}],
        "is-fractional-quantity-eligible": sp.kind != "index",
    }


def option_json(s: ExchangeServer, oid: OptionId) -> dict[str, object]:
    exp = oid.expiration
    monthly = exp == third_friday(exp.year, exp.month)
    settle = "AM" if oid.root == "SPX" and monthly else "PM"
    dte = (exp - s.book.today()).days
    return {
        "symbol": oid.occ, "instrument-type": "Equity Option", "active": True,
        "strike-price": f"{oid.strike:.1f}" if oid.strike * 10 == int(oid.strike * 10) else f"{oid.strike}",
        "root-symbol": oid.root, "underlying-symbol": oid.root, "expiration-date": str(exp),
        "exercise-style": "European" if oid.root == "SPX" else "American", "shares-per-contract": 100,
        "option-type": "C" if oid.call else "P", "option-chain-type": "Standard",
        "expiration-type": "Regular" if monthly else "Weekly", "settlement-type": settle,
        "stops-trading-at": f"{exp}T21:00:00.000+00:00", "market-time-instrument-collection": "Equity Option",
        "days-to-expiration": dte, "expires-at": f"{exp}T21:00:00.000+00:00", "is-closing-only": False,
        "streamer-symbol": oid.streamer,
    }


def nested_chain(s: ExchangeServer, sym: str) -> bytes:
    """The nested chain, built with per-expiration string prefixes (it is a few thousand options
    and is rebuilt once a day, then served from the cache)."""
    today = s.book.today()
    exps = []
    occ_root = f"{sym:<6}"
    for e, ks in s.book.chain(sym):
        ymd = e.date.strftime("%y%m%d")
        occ_c, occ_p = f"{occ_root}{ymd}C", f"{occ_root}{ymd}P"
        st_c, st_p = f".{sym}{ymd}C", f".{sym}{ymd}P"
        strikes = []
        for k in ks:
            k8 = f"{round(k * 1000):08d}"
            kk = f"{k:.3f}".rstrip("0").rstrip(".")
            strikes.append({"strike-price": f"{k:.1f}" if k == int(k) else kk,
                            "call": occ_c + k8, "put": occ_p + k8,
                            "call-streamer-symbol": st_c + kk, "put-streamer-symbol": st_p + kk})
        exps.append({"expiration-type": e.kind, "expiration-date": str(e.date),
                     "days-to-expiration": e.dte(today), "settlement-type": e.settlement,
                     "strikes": strikes})
    chain = {"underlying-symbol": sym, "root-symbol": sym, "option-chain-type": "Standard",
             "shares-per-contract": 100,
             "tick-sizes": [{"value": "0.01", "threshold": "3.0"}, {"value": "0.05"}],
             "deliverables": [{"id": 1, "root-symbol": sym, "deliverable-type": "Shares",
                               "description": f"100 shares of {sym}", "amount": "100", "symbol": sym,
                               "instrument-type": "Equity", "percent": "100"}],
             "expirations": exps}
    return json.dumps({"data": {"items": [chain]}, "context": f"/option-chains/{sym}/nested"},
                      separators=(",", ":")).encode()


def flat_chain(s: ExchangeServer, sym: str) -> bytes:
    out = []
    for e, ks in s.book.chain(sym):
        for k in ks:
            for call in (True, False):
                out.append(option_json(s, OptionId(sym, e.date, call, k)))
    return json.dumps({"data": {"items": out}}, separators=(",", ":")).encode()


def search(q: str) -> list[dict[str, object]]:
    qu = q.upper()
    names = equity_specs()
    hits = [sp for sp in names if sp.symbol.startswith(qu)]
    hits += [sp for sp in names if sp not in hits and q.lower() in sp.description.lower()]
    return [{"symbol": sp.symbol, "description": sp.description, "listed-market": "XNAS",
             "price-increments": "0.01", "options": sp.optionable, "instrument-type": "Equity"}
            for sp in hits[:20]]


def _hv(closes: list[float], n: int) -> float:
    c = closes[-(n + 1):]
    rets = [math.log(b / a) for a, b in itertools.pairwise(c) if a > 0 and b > 0]
    if len(rets) < 2:
        return 0.0
    mu = sum(rets) / len(rets)
    return math.sqrt(sum((x - mu) ** 2 for x in rets) / (len(rets) - 1) * 252)


def metrics_json(s: ExchangeServer, sym: str) -> dict[str, object]:
    sp = BY_SYMBOL[sym]
    st = s.market.state(sym)
    assert st is not None  # every BY_SYMBOL name has (or is given) a state
    now = iso(s.market.t)
    closes = [*st.hist.daily.c, st.last]
    iv = s.book.surface_vol(sym, st.mid, 30 / 365, st.mid) if sp.optionable else st.last / 100
    hist = st.hist.iv_daily[-252:]
    lo, hi = min([*hist, iv]), max([*hist, iv])
    rank = (iv - lo) / (hi - lo) if hi > lo else 0.5
    pct = sum(1 for x in hist if x < iv) / max(len(hist), 1)
    hv30, hv60, hv90 = _hv(closes, 30), _hv(closes, 60), _hv(closes, 90)
    spy = s.market.states["SPY"].hist.daily.c
    corr = _corr(closes[-64:], [*spy[-63:], s.market.states["SPY"].last])
    d: dict[str, object] = {
        "symbol": sym, "implied-volatility-index": f"{iv:.4f}",
        "implied-volatility-index-5-day-change": f"{iv - (hist[-5] if len(hist) >= 5 else iv):.4f}",
        "implied-volatility-index-rank": f"{rank:.4f}", "tw-implied-volatility-index-rank": f"{rank:.4f}",
        "tos-implied-volatility-index-rank": f"{rank:.4f}", "implied-volatility-percentile": f"{pct:.4f}",
        "implied-volatility-updated-at": now, "implied-volatility-30-day": f"{iv * 100:.2f}",
        "historical-volatility-30-day": f"{hv30 * 100:.2f}", "historical-volatility-60-day": f"{hv60 * 100:.2f}",
        "historical-volatility-90-day": f"{hv90 * 100:.2f}", "iv-hv-30-day-difference": f"{(iv - hv30) * 100:.2f}",
        "liquidity-rating": sp.liquidity, "liquidity-rank": f"{sp.liquidity / 5:.2f}",
        "liquidity-value": f"{sp.adv_m * st.last / 1000:.2f}", "updated-at": now,
        "beta": f"{sp.beta:.2f}", "beta-updated-at": now, "corr-spy-3month": f"{corr:.2f}",
        "market-cap": f"{sp.market_cap_bn * 1e9:.0f}", "dividend-yield": f"{sp.div_yield:.4f}",
        "lendability": "Easy To Borrow", "borrow-rate": "0.0",
    }
    if sp.eps:
        d["earnings-per-share"] = f"{sp.eps:.2f}"
        if sp.eps > 0:
            d["price-earnings-ratio"] = f"{st.last / sp.eps:.2f}"
    earn = s.book.earnings(sym)
    if earn is not None:
        d["earnings"] = {"visible": True, "expected-report-date": str(earn), "estimated": True,
                         "late-flag": 0, "time-of-day": "AMC" if zlib.crc32(sym.encode()) % 2 else "BMO",
                         "quarter-end-date": str(earn.replace(day=1)), "updated-at": now}
    if sp.optionable:
        today = s.book.today()
        d["option-expiration-implied-volatilities"] = [
            {"expiration-date": str(e.date), "settlement-type": e.settlement, "option-chain-type": "Standard",
             "implied-volatility": f"{s.book.surface_vol(sym, st.mid, max(years_to(e, s.market.t), 1 / 365), st.mid):.4f}"}
            for e, _ks in s.book.chain(sym)[:12] if e.dte(today) >= 0
        ]
    return d


def _corr(a: list[float], b: list[float]) -> float:
    n = min(len(a), len(b))
    ra = [math.log(y / x) for x, y in zip(a[-n:], a[-n + 1:], strict=False)]
    rb = [math.log(y / x) for x, y in zip(b[-n:], b[-n + 1:], strict=False)]
    if len(ra) < 3:
        return 0.0
    ma, mb = sum(ra) / len(ra), sum(rb) / len(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb, strict=False))
    va = sum((x - ma) ** 2 for x in ra)
    vb = sum((y - mb) ** 2 for y in rb)
    return cov / math.sqrt(va * vb) if va > 0 and vb > 0 else 0.0


def md_item(s: ExchangeServer, sym: str, itype: str) -> dict[str, object] | None:
    now = iso(s.market.t)
    st = s.market.state(s.instruments.streamer_symbol(sym) or sym)
    if st is not None:
        d = {"symbol": sym, "instrument-type": itype, "updated-at": now, "bid": f"{st.bid:.2f}",
             "ask": f"{st.ask:.2f}", "mid": f"{st.mid:.3f}", "mark": f"{st.mid:.3f}", "last": f"{st.last:.2f}",
             "bid-size": str(st.bid_size), "ask-size": str(st.ask_size), "open": f"{st.day_open or st.last:.2f}",
             "day-high-price": f"{st.day_high or st.last:.2f}", "day-low-price": f"{st.day_low or st.last:.2f}",
             "prev-close": f"{st.prev_close:.2f}", "volume": f"{st.day_volume:.0f}",
             "beta": f"{st.spec.beta:.2f}", "close-price-type": "Regular", "summary-date": str(st.day),
             "prev-close-date": str(st.day), "prev-close-price-type": "Final",
             "year-high-price": f"{max(st.hist.daily.h[-252:]):.2f}",
             "year-low-price": f"{min(st.hist.daily.low[-252:]):.2f}",
             "halt-start-time": -1, "halt-end-time": -1}
        return d
    fo = s.instruments.future_option(sym)
    if fo is not None:
        return instrument_routes.fop_market_data(s.instruments, sym, fo, now)
    oid = parse_option(sym)
    if oid is None or oid.root not in BY_SYMBOL or not s.book.listed(oid):
        return None
    q = s.book.quote(oid)
    mid = (q.bid + q.ask) / 2
    return {"symbol": oid.occ, "instrument-type": "Equity Option", "updated-at": now,
            "bid": f"{q.bid:.2f}", "ask": f"{q.ask:.2f}", "mid": f"{mid:.3f}", "mark": f"{mid:.3f}",
            "last": f"{mid:.2f}", "bid-size": str(q.bid_size), "ask-size": str(q.ask_size),
            "open-interest": str(q.open_interest), "volume": str(q.volume),
            "close-price-type": "Regular", "summary-date": str(s.book.today()),
            "prev-close-date": str(s.book.today()), "prev-close-price-type": "Final",
            "halt-start-time": -1, "halt-end-time": -1}


TYPE_PARAMS = {"equity": "Equity", "index": "Index", "equity-option": "Equity Option",
               "future": "Future", "future-option": "Future Option",
               "cryptocurrency": "Cryptocurrency"}


def market_data(s: ExchangeServer, r: web.Request, p: list[str]) -> web.Response:
    if p == ["market-data", "by-type"]:
        out = []
        for param, itype in TYPE_PARAMS.items():
            for sym in r.query.getall(param, []) + r.query.getall(param + "[]", []):
                it = md_item(s, sym, itype)
                if it is not None:
                    out.append(it)
        if len(out) > 100:
            return err(400, "too_many_symbols", "at most 100 symbols per request")
        return items(out)
    if len(p) == 3:
        it = md_item(s, p[2], p[1])
        if it is None:
            return err(404, "record_not_found", f"no market data for {p[2]}")
        return ok(it)
    return err(404, "not_found", "unknown market-data route")


async def watchlists(s: ExchangeServer, r: web.Request, p: list[str]) -> web.Response:
    m = r.method
    if p[0] == "public-watchlists":
        pub = s.public_watchlists()
        if len(p) == 1:
            counts = r.query.get("counts-only") == "true"
            return items([{**w, "watchlist-entries": None} if counts else w for w in pub])
        w = next((x for x in pub if x["name"] == p[1]), None)
        return ok(w) if w else err(404, "record_not_found", f"no public watchlist {p[1]}")
    if p[0] == "pairs-watchlists":
        return items([]) if len(p) == 1 else err(404, "record_not_found", "no pairs watchlist")
    wl = s.watchlists
    if len(p) == 1 and m == "GET":
        return items(list(wl.values()))
    if len(p) == 1 and m == "POST":
        body = await _json(r)
        name = str(body.get("name", "")).strip()
        if not name:
            return err(400, "validation_error", "watchlist name is required")
        if name in wl:
            return err(409, "watchlist_exists", f"watchlist {name} already exists")
        try:
            wl[name] = _wl(body)
        except ValueError as exc:
            return err(400, "validation_error", str(exc))
        return ok(wl[name], status=201)
    if len(p) == 2:
        name = p[1]
        if m == "GET":
            return ok(wl[name]) if name in wl else err(404, "record_not_found", f"no watchlist {name}")
        if m == "PUT":
            if name not in wl:
                return err(404, "record_not_found", f"no watchlist {name}")
            body = await _json(r)
            try:
                new = _wl({**body, "name": body.get("name") or name})
            except ValueError as exc:
                return err(400, "validation_error", str(exc))
            wl.pop(name)
            wl[str(new["name"])] = new
            return ok(new)
        if m == "DELETE":
            if wl.pop(name, None) is None:
                return err(404, "record_not_found", f"no watchlist {name}")
            return ok(dict(name=name))
    return err(405, "method_not_allowed", f"{m} not allowed here")


def _order_index(v: object) -> int:
    """A watchlist's ``order-index`` (9999 when absent); ValueError when it is not a number."""
    if v is None or v == "":  # 0 is an index: the first place
        return 9999
    bad = ValueError(f"order-index must be an integer, got {v!r}")
    if not isinstance(v, int | float | str) or isinstance(v, bool):
        raise bad
    try:
        return int(v)
    except ValueError:
        raise bad from None


def _wl(body: dict[str, object]) -> dict[str, object]:
    """A stored watchlist from a request body; ValueError when ``order-index`` is not a number."""
    entries = body.get("watchlist-entries") or []
    clean = [
        {"symbol": str(e.get("symbol")), "instrument-type": str(e.get("instrument-type", "Equity"))}
        for e in (entries if isinstance(entries, list) else []) if isinstance(e, dict) and e.get("symbol")
    ]
    return {"name": str(body.get("name")), "group-name": str(body.get("group-name") or "main"),
            "order-index": _order_index(body.get("order-index")),
            "watchlist-entries": clean}


async def _json(r: web.Request) -> dict[str, object]:
    try:
        body = await r.json()
    except (ValueError, UnicodeDecodeError) as e:
        log.info("exchange: %s %s: the body is not JSON (%s); taken as empty", r.method, r.path, e)
        return {}
    return body if isinstance(body, dict) else {}
