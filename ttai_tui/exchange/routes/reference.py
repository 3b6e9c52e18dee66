"""Reference-data routes real clients call: quantity decimal precisions, warrants, the compact
option chain, the legacy ``/quote-streamer-tokens`` and pairs watchlists."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from ttai_tui.exchange.clock import iso
from ttai_tui.exchange.envelope import err, items, ok

if TYPE_CHECKING:
    from ttai_tui.exchange.server import ExchangeServer

PRECISIONS = [
    {"instrument-type": "Equity", "value": 5, "minimum-increment-precision": 0},
    {"instrument-type": "Equity Option", "value": 0, "minimum-increment-precision": 0},
    {"instrument-type": "Future", "value": 0, "minimum-increment-precision": 0},
    {"instrument-type": "Future Option", "value": 0, "minimum-increment-precision": 0},
    {"instrument-type": "Cryptocurrency", "value": 8, "minimum-increment-precision": 8,
     "symbol": "BTC/USD"},
    {"instrument-type": "Cryptocurrency", "value": 8, "minimum-increment-precision": 8,
     "symbol": "ETH/USD"},
    {"instrument-type": "Cryptocurrency", "value": 8, "minimum-increment-precision": 2},
]

#: listed warrants (not tradable here; served for reference lookups)
WARRANTS = {
    "NKLAW": "Nikola Corp - Warrant", "SPCEW": "Virgin Galactic Holdings - Warrant",
    "LCIDW": "Lucid Group Inc - Warrant", "DWACW": "Digital World Acquisition Corp - Warrant",
}

PAIRS = {
    "Stocks": [("Buy", "SPY", 1, "Sell", "QQQ", 1), ("Buy", "AAPL", 1, "Sell", "MSFT", 1),
               ("Buy", "XOM", 2, "Sell", "TSLA", 1), ("Buy", "KO", 3, "Sell", "WMT", 1)],
    "ETFs": [("Buy", "GLD", 1, "Sell", "TLT", 1), ("Buy", "IWM", 2, "Sell", "SPY", 1),
             ("Buy", "XLF", 10, "Sell", "SPY", 1)],
}


def warrant_json(sym: str) -> dict[str, object]:
    return {"symbol": sym, "instrument-type": "Warrant", "listed-market": "XNAS",
            "description": WARRANTS[sym], "is-closing-only": True, "active": True}


def pairs_json(name: str, i: int) -> dict[str, object]:
    return {"name": name, "order-index": i, "pairs-equations": [
        {"left-action": la, "left-symbol": ls, "left-quantity": lq,
         "right-action": ra, "right-symbol": rs, "right-quantity": rq}
        for la, ls, lq, ra, rs, rq in PAIRS[name]]}


def compact_chain(s: ExchangeServer, sym: str) -> dict[str, object]:
    """All options of one underlying as symbol lists (the compact chain's shape)."""
    occ, streamer = [], []
    exps = s.book.chain(sym)
    for e, ks in exps:
        ymd = e.date.strftime("%y%m%d")
        for k in ks:
            k8 = f"{round(k * 1000):08d}"
            kk = f"{k:.3f}".rstrip("0").rstrip(".")
            for cp in "CP":
                occ.append(f"{sym:<6}{ymd}{cp}{k8}")
                streamer.append(f".{sym}{ymd}{cp}{kk}")
    return {"underlying-symbol": sym, "root-symbol": sym, "option-chain-type": "Standard",
            "settlement-type": "PM", "shares-per-contract": 100, "expiration-type": "Mixed",
            "deliverables": [{"id": 1, "root-symbol": sym, "deliverable-type": "Shares",
                              "description": f"100 shares of {sym}", "amount": "100", "symbol": sym,
                              "instrument-type": "Equity", "percent": "100"}],
            "symbols": occ, "streamer-symbols": streamer}


async def dispatch(s: ExchangeServer, r: web.Request, p: list[str]) -> web.Response | None:
    """The response for a route served here, or None to let the caller route it."""
    n = len(p)
    if r.method != "GET":
        return None
    if p == ["instruments", "quantity-decimal-precisions"]:
        return items(PRECISIONS)
    if p[:2] == ["instruments", "warrants"]:
        if n == 3:
            return ok(warrant_json(p[2])) if p[2] in WARRANTS else err(404, "record_not_found",
                                                                      f"Warrant {p[2]} not found")
        syms = r.query.getall("symbol[]", []) or list(WARRANTS)
        return items([warrant_json(x) for x in syms if x in WARRANTS])
    if p[:1] == ["option-chains"] and n == 3 and p[2] == "compact":
        if not s.book.chain(p[1]):
            return err(404, "not_found", f"No option chain for {p[1]}")
        return items([compact_chain(s, p[1])])
    if p == ["quote-streamer-tokens"]:  # the pre-DXLink name: same token, both URL keys
        tok = s.issue_quote_token()
        now = s.market.clock()
        url = s.ws_url + "/dxlink"
        return ok({"token": tok, "streamer-url": url, "websocket-url": url, "dxlink-url": url,
                   "level": "api", "issued-at": iso(now), "expires-at": iso(now + 86400)})
    if p[:1] == ["pairs-watchlists"]:
        names = list(PAIRS)
        if n == 1:
            return items([pairs_json(x, i) for i, x in enumerate(names)])
        if n == 2:
            return ok(pairs_json(p[1], names.index(p[1]))) if p[1] in PAIRS else err(
                404, "record_not_found", f"no pairs watchlist {p[1]}")
    return None
