"""A client written against the real tastytrade API's documented shapes, not against ttai.

It speaks plain HTTP and WebSocket (aiohttp), logs in the way the API documents (a username and
password session, then OAuth with a form-encoded refresh), and walks accounts, balances,
positions, transactions, instruments, chains, orders (simple, complex and notional), watchlists,
sessions and both DXLink data formats, checking every reply for the keys the documentation
promises. Only the base URL is configurable, so it runs unchanged against ``api.tastyworks.com``
(given real credentials and an account) and against ``ttai exchange``::

    python -m tests.exchange.real_api_client http://127.0.0.1:8765 LOGIN PASSWORD

``SECTIONS`` is a registry (``@section``): futures, futures options and crypto each have their
own section (instruments, chains, market data, DXLink, an order's dry run, a placed order and its
cancel, positions) and run in the same walk.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import aiohttp


class ApiError(AssertionError):
    pass


@dataclass
class Client:
    base: str
    http: aiohttp.ClientSession
    auth: str = ""
    account: str = ""
    notes: list[str] = field(default_factory=list)

    async def call(self, method: str, path: str, *, params: Any = None, body: Any = None,
                   expect: int | tuple[int, ...] = (200, 201), raw: bool = False) -> Any:
        headers = {"Authorization": self.auth} if self.auth else {}
        async with self.http.request(method, self.base + path, params=params, json=body, headers=headers,
                                     allow_redirects=False) as r:
            text = await r.text()
            want = (expect,) if isinstance(expect, int) else expect
            if r.status not in want:
                raise ApiError(f"{method} {path}: HTTP {r.status} (wanted {want}): {text[:300]}")
            if raw or r.status == 204 or not text:
                return text
            doc = json.loads(text)
            if r.status >= 400:
                return doc
            if "data" not in doc or not doc["data"]:
                raise ApiError(f"{method} {path}: no data in {text[:200]}")
            return doc["data"] if not raw else doc

    async def page(self, path: str, params: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        headers = {"Authorization": self.auth}
        async with self.http.get(self.base + path, params=params, headers=headers) as r:
            doc = await r.json()
            if r.status != 200:
                raise ApiError(f"GET {path}: HTTP {r.status}: {doc}")
        return doc["data"]["items"], doc.get("pagination") or {}


def need(obj: dict[str, Any], *keys: str, where: str = "") -> None:
    missing = [k for k in keys if k not in obj]
    if missing:
        raise ApiError(f"{where or 'object'} lacks {missing}: {sorted(obj)[:30]}")


Section = Callable[[Client], Awaitable[None]]
SECTIONS: list[tuple[str, Section]] = []


def section(name: str) -> Callable[[Section], Section]:
    def deco(fn: Section) -> Section:
        SECTIONS.append((name, fn))
        return fn

    return deco


# --------------------------------------------------------------------------- sessions
@section("sessions")
async def sessions(c: Client, login: str = "", password: str = "") -> None:
    bad = await c.call("POST", "/sessions", body={"login": "", "password": ""}, expect=(400, 401))
    need(bad["error"], "code", "message", where="error")
    data = await c.call("POST", "/sessions", body={"login": login or "demo", "password": password or "demo",
                                                   "remember-me": True}, expect=201)
    need(data, "user", "session-token", "session-expiration", where="session")
    need(data["user"], "email", "username", "external-id", where="user")
    c.auth = data["session-token"]  # sent raw, without "Bearer"
    v = await c.call("POST", "/sessions/validate", expect=201)
    need(v, "email", "username", where="validate")
    # remember-token login and logout
    again = await c.call("POST", "/sessions", body={"login": login or "demo",
                                                    "remember-token": data["remember-token"]}, expect=201)
    other = Client(c.base, c.http, auth=again["session-token"])
    await other.call("DELETE", "/sessions", expect=204)
    await other.call("POST", "/sessions/validate", expect=401)
    # an unknown route is 404 whether or not a token comes with it
    await Client(c.base, c.http).call("GET", "/no-such-route", expect=404)
    await c.call("GET", "/no-such-route", expect=404)
    await Client(c.base, c.http).call("GET", "/customers/me", expect=401)


async def oauth(c: Client, secret: str, refresh: str) -> str:
    """The OAuth refresh as RFC 6749 sends it: form-encoded."""
    async with c.http.post(c.base + "/oauth/token", data={"grant_type": "refresh_token", "refresh_token": refresh,
                                                          "client_secret": secret}) as r:
        doc = await r.json()
        if r.status != 200:
            raise ApiError(f"POST /oauth/token: HTTP {r.status}: {doc}")
    need(doc, "access_token", "token_type", "expires_in", where="token")
    return f"Bearer {doc['access_token']}"


# --------------------------------------------------------------------------- accounts
@section("accounts")
async def accounts(c: Client) -> None:
    me = await c.call("GET", "/customers/me")
    need(me, "id", "first-name", "last-name", "email", where="customer")
    accts = (await c.call("GET", "/customers/me/accounts"))["items"]
    need(accts[0], "account", "authority-level", where="customer account")
    need(accts[0]["account"], "account-number", "margin-or-cash", "opened-at", where="account")
    c.account = accts[0]["account"]["account-number"]
    one = await c.call("GET", f"/customers/me/accounts/{c.account}")
    assert one["account-number"] == c.account
    status = await c.call("GET", f"/accounts/{c.account}/trading-status")
    need(status, "account-number", "options-level", "is-closing-only", where="trading status")
    limit = await c.call("GET", f"/accounts/{c.account}/position-limit")
    need(limit, "account-number", "equity-order-size", "equity-option-order-size", where="position limit")


@section("balances and positions")
async def balances_positions(c: Client) -> None:
    for path in (f"/accounts/{c.account}/balances", f"/accounts/{c.account}/balances/USD"):
        b = await c.call("GET", path)
        need(b, "account-number", "cash-balance", "net-liquidating-value", "derivative-buying-power",
             "equity-buying-power", "maintenance-requirement", where=path)
    snaps, _ = await c.page(f"/accounts/{c.account}/balance-snapshots", {"time-of-day": "EOD"})
    assert snaps, "no balance snapshot"
    positions = (await c.call("GET", f"/accounts/{c.account}/positions"))["items"]
    for p in positions:
        need(p, "symbol", "instrument-type", "underlying-symbol", "quantity", "quantity-direction",
             "average-open-price", "close-price", "multiplier", where="position")
        assert p["quantity-direction"] in ("Long", "Short", "Zero")
    m = await c.call("GET", f"/margin/accounts/{c.account}/requirements")
    need(m, "margin-requirement", "groups", where="margin report")


@section("transactions")
async def transactions(c: Client) -> None:
    path = f"/accounts/{c.account}/transactions"
    first, pag = await c.page(path, {"per-page": 2, "page-offset": 0, "sort": "Desc"})
    need(pag, "page-offset", "total-pages", where="pagination")
    assert first, "no transactions"
    for t in first:
        need(t, "id", "account-number", "transaction-type", "transaction-sub-type", "description",
             "executed-at", "transaction-date", "value", "value-effect", "net-value", "net-value-effect",
             "is-estimated-fee", where="transaction")
    if pag["total-pages"] > 1:
        second, _ = await c.page(path, {"per-page": 2, "page-offset": 1, "sort": "Desc"})
        assert {t["id"] for t in second}.isdisjoint({t["id"] for t in first}), "pages overlap"
    one = await c.call("GET", f"{path}/{first[0]['id']}")
    assert one["id"] == first[0]["id"]
    trades, _ = await c.page(path, {"types[]": "Trade"})
    assert all(t["transaction-type"] == "Trade" for t in trades)
    fees = await c.call("GET", f"{path}/total-fees", params={"date": str(dt.date.today())})
    need(fees, "total-fees", "total-fees-effect", where="total fees")


# --------------------------------------------------------------------------- instruments
@section("instruments")
async def instruments(c: Client) -> None:
    eq = await c.call("GET", "/instruments/equities/AAPL")
    need(eq, "symbol", "instrument-type", "description", "is-etf", "streamer-symbol", where="equity")
    several = (await c.call("GET", "/instruments/equities", params=[("symbol[]", "AAPL"), ("symbol[]", "SPY")]))
    assert {e["symbol"] for e in several["items"]} == {"AAPL", "SPY"}
    found = (await c.call("GET", "/symbols/search/AAP"))["items"]
    assert any(x["symbol"] == "AAPL" for x in found)
    prec = (await c.call("GET", "/instruments/quantity-decimal-precisions"))["items"]
    for p in prec:
        need(p, "instrument-type", "value", "minimum-increment-precision", where="precision")
    warrants = (await c.call("GET", "/instruments/warrants"))["items"]
    for w in warrants:
        need(w, "symbol", "instrument-type", "listed-market", "description", "is-closing-only", "active")
    assert (await c.call("GET", "/instruments/warrants/NKLAW"))["symbol"] == "NKLAW"
    md = (await c.call("GET", "/market-data/by-type", params=[("equity", "SPY"), ("index", "SPX")]))["items"]
    for x in md:
        need(x, "symbol", "instrument-type", "bid", "ask", "bid-size", "ask-size", "last", where="market data")
    metrics = (await c.call("GET", "/market-metrics", params={"symbols": "SPY,AAPL"}))["items"]
    need(metrics[0], "symbol", "implied-volatility-index", "implied-volatility-index-rank", where="metrics")
    sess = (await c.call("GET", "/market-time/sessions/current",
                         params=[("instrument-collections[]", "Equity")]))["items"]
    assert sess[0]["state"] in ("Open", "Closed", "Pre-market", "Extended")


@section("option chains")
async def chains(c: Client) -> None:
    nested = (await c.call("GET", "/option-chains/SPY/nested"))["items"][0]
    need(nested, "underlying-symbol", "root-symbol", "expirations", where="nested chain")
    exp = nested["expirations"][0]
    need(exp, "expiration-date", "days-to-expiration", "strikes", where="expiration")
    need(exp["strikes"][0], "strike-price", "call", "put", "call-streamer-symbol", "put-streamer-symbol")
    compact = (await c.call("GET", "/option-chains/SPY/compact"))["items"][0]
    need(compact, "underlying-symbol", "symbols", "streamer-symbols", where="compact chain")
    assert len(compact["symbols"]) == len(compact["streamer-symbols"]) > 100
    call = exp["strikes"][len(exp["strikes"]) // 2]["call"]
    assert call in set(compact["symbols"])
    opt = await c.call("GET", f"/instruments/equity-options/{quote(call, safe='')}")
    need(opt, "symbol", "strike-price", "expiration-date", "option-type", "streamer-symbol", where="option")


# --------------------------------------------------------------------------- orders
def _leg(sym: str, qty: Any, action: str, itype: str = "Equity") -> dict[str, Any]:
    d = {"instrument-type": itype, "symbol": sym, "action": action}
    if qty is not None:
        d["quantity"] = qty
    return d


@section("orders")
async def orders(c: Client) -> None:
    base = f"/accounts/{c.account}/orders"
    far = {"time-in-force": "GTC", "order-type": "Limit", "price": "1.00", "price-effect": "Debit",
           "legs": [_leg("AAPL", 1, "Buy to Open")]}
    dry = await c.call("POST", f"{base}/dry-run", body=far)
    need(dry, "order", "buying-power-effect", where="dry run")
    need(dry["buying-power-effect"], "change-in-buying-power", "change-in-buying-power-effect",
         "new-buying-power", "isolated-order-margin-requirement", "is-spread", "impact", "effect")
    assert dry["buying-power-effect"]["change-in-buying-power-effect"] != "Credit"
    placed = (await c.call("POST", base, body=far, expect=(200, 201)))["order"]
    need(placed, "id", "status", "legs", "price", "price-effect", where="placed order")
    assert placed["status"] in ("Live", "Received", "Routed")
    live = (await c.call("GET", f"{base}/live"))["items"]
    assert placed["id"] in {o["id"] for o in live}
    replaced = await c.call("PUT", f"{base}/{placed['id']}", body={
        "time-in-force": "GTC", "order-type": "Limit", "price": "1.01", "price-effect": "Debit"})
    need(replaced, "id", "status", where="replacement")
    await c.call("DELETE", f"{base}/{replaced['id']}", expect=(200, 204))
    gone = await c.call("GET", f"{base}/{replaced['id']}")
    assert gone["status"] in ("Cancelled", "Cancel Requested")
    rej = await c.call("POST", base, body={**far, "price": "1.001"}, expect=(400, 422))
    need(rej["error"], "code", "message", where="rejection")
    notional = {"time-in-force": "Day", "order-type": "Notional Market", "value": "10.00",
                "value-effect": "Debit", "legs": [_leg("AAPL", None, "Buy to Open")]}
    nd = await c.call("POST", f"{base}/dry-run", body=notional)
    assert nd["order"]["order-type"] == "Notional Market" and not nd.get("errors"), nd.get("errors")
    history, pag = await c.page(base, {"per-page": 10, "page-offset": 0})
    assert history and "total-pages" in pag


@section("complex orders")
async def complex_orders(c: Client) -> None:
    base = f"/accounts/{c.account}/complex-orders"
    otoco = {"type": "OTOCO",
             "trigger-order": {"time-in-force": "GTC", "order-type": "Limit", "price": "2", "price-effect": "Debit",
                               "legs": [_leg("AAPL", 1, "Buy to Open")]},
             "orders": [{"time-in-force": "GTC", "order-type": "Limit", "price": "400", "price-effect": "Credit",
                         "legs": [_leg("AAPL", 1, "Sell to Close")]},
                        {"time-in-force": "GTC", "order-type": "Stop", "stop-trigger": "1.5",
                         "legs": [_leg("AAPL", 1, "Sell to Close")]}]}
    dry = await c.call("POST", f"{base}/dry-run", body=otoco)
    assert not dry.get("errors"), dry.get("errors")
    need(dry["complex-order"], "type", "orders", "trigger-order", where="unplaced complex order")
    placed = (await c.call("POST", base, body=otoco, expect=(200, 201)))["complex-order"]
    need(placed, "id", "type", "orders", "trigger-order", where="complex order")
    assert all("id" in o for o in [placed["trigger-order"], *placed["orders"]])
    assert {o["status"] for o in placed["orders"]} <= {"Contingent", "Live", "Received"}
    await c.call("DELETE", f"{base}/{placed['id']}", expect=(200, 204))
    live = (await c.call("GET", f"{base}/live"))["items"]
    assert placed["id"] in {x["id"] for x in live}


# --------------------------------------------------------------------------- watchlists
@section("watchlists")
async def watchlists(c: Client) -> None:
    mine = {"name": "real-api-client", "group-name": "default", "order-index": 9999,
            "watchlist-entries": [{"symbol": "MSFT", "instrument-type": "Equity"}]}
    await c.call("DELETE", "/watchlists/real-api-client", expect=(200, 204, 404))
    await c.call("POST", "/watchlists", body=mine, expect=(200, 201))
    got = await c.call("GET", "/watchlists/real-api-client")
    assert [e["symbol"] for e in got["watchlist-entries"]] == ["MSFT"]
    await c.call("DELETE", "/watchlists/real-api-client", expect=(200, 204))
    pub = (await c.call("GET", "/public-watchlists", params={"counts-only": "false"}))["items"]
    assert pub and all("name" in w for w in pub)
    one = await c.call("GET", f"/public-watchlists/{quote(pub[0]['name'])}")
    assert one["name"] == pub[0]["name"]
    pairs = (await c.call("GET", "/pairs-watchlists"))["items"]
    for p in pairs:
        need(p, "name", "order-index", "pairs-equations", where="pairs watchlist")
        for eq in p["pairs-equations"]:
            need(eq, "left-action", "left-symbol", "left-quantity", "right-action", "right-symbol",
                 "right-quantity", where="pair")


# --------------------------------------------------------------------------- streaming
async def _dxlink(c: Client, token_path: str, fmt: str, symbol: str = "SPY",
                  types: tuple[str, ...] = ("Quote", "Trade")) -> list[Any]:
    tok = await c.call("GET", token_path)
    url = tok.get("dxlink-url") or tok.get("websocket-url")
    async with c.http.ws_connect(url) as ws:
        await ws.send_json({"type": "SETUP", "channel": 0, "keepaliveTimeout": 60,
                            "acceptKeepaliveTimeout": 60, "version": "real-api-client"})
        await ws.send_json({"type": "AUTH", "channel": 0, "token": tok["token"]})
        await ws.send_json({"type": "CHANNEL_REQUEST", "channel": 3, "service": "FEED",
                            "parameters": {"contract": "AUTO"}})
        await ws.send_json({"type": "FEED_SETUP", "channel": 3, "acceptAggregationPeriod": 0.1,
                            "acceptDataFormat": fmt,
                            "acceptEventFields": {"Quote": ["eventType", "eventSymbol", "bidPrice", "askPrice"]}})
        await ws.send_json({"type": "FEED_SUBSCRIPTION", "channel": 3, "add": [
            {"type": t, "symbol": symbol} for t in types]})
        seen: list[Any] = []
        authorized = False
        while len(seen) < len(types):
            msg = await asyncio.wait_for(ws.receive_json(), 10)
            if msg["type"] == "AUTH_STATE":
                authorized = authorized or msg["state"] == "AUTHORIZED"
            elif msg["type"] == "ERROR":
                raise ApiError(f"DXLink error: {msg}")
            elif msg["type"] == "FEED_DATA" and msg["channel"] == 3:
                seen.append(msg["data"])
        assert authorized
        return seen


@section("dxlink")
async def dxlink(c: Client) -> None:
    compact = await _dxlink(c, "/api-quote-tokens", "COMPACT")
    assert [d[0] for d in compact] == ["Quote", "Trade"], compact  # the subscription order
    q = compact[0][1]
    assert q[:2] == ["Quote", "SPY"] and q[2] < q[3], q  # fields in the requested order
    full = await _dxlink(c, "/quote-streamer-tokens", "FULL")
    ev = full[0][0]
    assert ev["eventType"] == "Quote" and ev["eventSymbol"] == "SPY" and ev["bidPrice"] < ev["askPrice"]


# --------------------------------------------------------------------------- futures
async def _order_roundtrip(c: Client, leg: dict[str, Any], price: str, effect: str = "Debit") -> dict[str, Any]:
    """Dry run, place (far from the market, so it rests) and cancel one single-leg limit order;
    returns the dry run's buying-power effect."""
    base = f"/accounts/{c.account}/orders"
    order = {"time-in-force": "GTC", "order-type": "Limit", "price": price, "price-effect": effect,
             "legs": [leg]}
    dry = await c.call("POST", f"{base}/dry-run", body=order)
    assert not dry.get("errors"), dry.get("errors")
    need(dry, "order", "buying-power-effect", "fee-calculation", where="dry run")
    bpe = dry["buying-power-effect"]
    need(bpe, "change-in-buying-power", "change-in-buying-power-effect", "isolated-order-margin-requirement",
         where="buying-power effect")
    placed = (await c.call("POST", base, body=order, expect=(200, 201)))["order"]
    assert placed["status"] in ("Live", "Received", "Routed"), placed["status"]
    assert placed["legs"][0]["instrument-type"] == leg["instrument-type"]
    await c.call("DELETE", f"{base}/{placed['id']}", expect=(200, 204))
    return dict(bpe)


async def _position(c: Client, itype: str) -> dict[str, Any] | None:
    positions = (await c.call("GET", f"/accounts/{c.account}/positions"))["items"]
    return next((p for p in positions if p["instrument-type"] == itype), None)


@section("futures")
async def futures(c: Client) -> None:
    products = (await c.call("GET", "/instruments/future-products"))["items"]
    for p in products:
        need(p, "root-symbol", "code", "description", "exchange", "tick-size", "notional-multiplier",
             "listed-months", "active-months", "streamer-exchange-code", where="future product")
    es = next(p for p in products if p["code"] == "ES")
    one = await c.call("GET", f"/instruments/future-products/{es['exchange']}/ES")
    assert one["code"] == "ES"
    listed = (await c.call("GET", "/instruments/futures", params=[("product-code[]", "MES")]))["items"]
    assert listed, "no /MES contracts"
    for f in listed:
        need(f, "symbol", "product-code", "tick-size", "notional-multiplier", "expiration-date",
             "streamer-symbol", "active-month", "is-tradeable", where="future")
    front = next(f for f in listed if f["active-month"])
    sym = front["symbol"]
    again = await c.call("GET", f"/instruments/futures/{sym.lstrip('/')}")
    assert again["symbol"] == sym and again["streamer-symbol"] == front["streamer-symbol"]
    md = (await c.call("GET", "/market-data/by-type", params=[("future", sym)]))["items"]
    need(md[0], "symbol", "bid", "ask", "last", where="future market data")
    bid, ask = float(md[0]["bid"]), float(md[0]["ask"])
    assert 0 < bid < ask
    hol = await c.call("GET", "/market-time/futures/holidays/CME")
    need(hol, "market-holidays", "market-half-days", where="futures holidays")
    (quote_ev, _trade) = await _dxlink(c, "/api-quote-tokens", "FULL", front["streamer-symbol"])
    ev = quote_ev[0]
    assert ev["eventSymbol"] == front["streamer-symbol"] and ev["bidPrice"] < ev["askPrice"]
    # a futures order: far below the market (on the tick), so it rests, then is cancelled
    tick = float(front["tick-size"])
    far = round(round(bid * 0.8 / tick) * tick, 2)
    bpe = await _order_roundtrip(c, _leg(sym, 1, "Buy to Open", "Future"), f"{far:.2f}")
    assert float(bpe["isolated-order-margin-requirement"]) > 0  # the product's margin per contract
    held = await _position(c, "Future")
    if held is not None:  # the demo account holds /MES; a real one may hold none
        need(held, "symbol", "multiplier", "mark-price", "average-open-price", where="future position")
        assert float(held["multiplier"]) > 0


# --------------------------------------------------------------------------- futures options
@section("futures options")
async def futures_options(c: Client) -> None:
    products = (await c.call("GET", "/instruments/future-option-products"))["items"]
    for p in products:
        need(p, "root-symbol", "code", "exchange", "settlement-delay-days", where="future option product")
    doc = await c.call("GET", "/futures-option-chains/ES/nested")
    need(doc, "futures", "option-chains", where="futures option chain")
    chain = doc["option-chains"][0]
    need(chain, "underlying-symbol", "root-symbol", "expirations", where="futures option chain")
    exp = chain["expirations"][0]
    need(exp, "underlying-symbol", "expiration-date", "days-to-expiration", "option-root-symbol",
         "strikes", where="futures option expiration")
    strikes = exp["strikes"]
    need(strikes[0], "strike-price", "call", "put", "call-streamer-symbol", "put-streamer-symbol")
    mid = strikes[len(strikes) // 2]
    fo = await c.call("GET", f"/instruments/future-options/{quote(mid['call'], safe='')}")
    need(fo, "symbol", "underlying-symbol", "strike-price", "option-type", "expiration-date",
         "streamer-symbol", "multiplier", where="future option")
    assert fo["streamer-symbol"] == mid["call-streamer-symbol"] and fo["option-type"] == "C"
    (quote_ev, greeks) = await _dxlink(c, "/api-quote-tokens", "FULL", fo["streamer-symbol"],
                                       ("Quote", "Greeks"))
    ev, g = quote_ev[0], greeks[0]
    assert ev["eventType"] == "Quote" and g["eventType"] == "Greeks"
    assert 0 < float(g["delta"]) < 1, g  # a call's delta
    # buying a call at the minimum price: it rests, ties up no more than its premium
    bpe = await _order_roundtrip(c, _leg(fo["symbol"], 1, "Buy to Open", "Future Option"), "0.05")
    assert bpe["change-in-buying-power-effect"] == "Debit"
    held = await _position(c, "Future Option")
    if held is not None:
        need(held, "symbol", "underlying-symbol", "multiplier", "mark-price", where="futures option position")


# --------------------------------------------------------------------------- crypto
@section("crypto")
async def crypto(c: Client) -> None:
    coins = (await c.call("GET", "/instruments/cryptocurrencies"))["items"]
    for x in coins:
        need(x, "symbol", "instrument-type", "description", "streamer-symbol", "tick-size",
             "destination-venue-symbols", where="cryptocurrency")
    btc = await c.call("GET", f"/instruments/cryptocurrencies/{quote('BTC/USD', safe='')}")
    assert btc["symbol"] == "BTC/USD"
    md = (await c.call("GET", "/market-data/by-type", params=[("cryptocurrency", "BTC/USD")]))["items"]
    need(md[0], "symbol", "bid", "ask", where="crypto market data")
    (quote_ev, _trade) = await _dxlink(c, "/api-quote-tokens", "COMPACT", btc["streamer-symbol"])
    assert quote_ev[0] == "Quote" and quote_ev[1][1] == btc["streamer-symbol"], quote_ev
    # crypto is bought by dollar amount (Notional Market) or in fractional units (Limit)
    base = f"/accounts/{c.account}/orders"
    notional = {"time-in-force": "GTC", "order-type": "Notional Market", "value": "25.00",
                "value-effect": "Debit", "legs": [_leg("BTC/USD", None, "Buy to Open", "Cryptocurrency")]}
    nd = await c.call("POST", f"{base}/dry-run", body=notional)
    assert not nd.get("errors"), nd.get("errors")
    far = float(md[0]["bid"]) * 0.5
    await _order_roundtrip(c, _leg("BTC/USD", "0.001", "Buy to Open", "Cryptocurrency"), f"{far:.2f}")
    held = await _position(c, "Cryptocurrency")
    if held is not None:
        need(held, "symbol", "quantity", "mark-price", "average-open-price", where="crypto position")


# --------------------------------------------------------------------------- runner
async def run(base: str, login: str = "", password: str = "", secret: str = "", refresh: str = "",
              only: list[str] | None = None) -> list[str]:
    """Walk every section; returns the names that passed (raises on the first failure)."""
    passed: list[str] = []
    async with aiohttp.ClientSession(trust_env=False) as http:
        c = Client(base.rstrip("/"), http)
        await sessions(c, login, password)
        passed.append("sessions")
        if secret and refresh:  # the OAuth path replaces the password session
            c.auth = await oauth(c, secret, refresh)
        for name, fn in SECTIONS:
            if name == "sessions" or (only and name not in only):
                continue
            await fn(c)
            passed.append(name)
    return passed


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__)
        return 2
    base, login, password = [*argv, "", ""][1:4]
    names = asyncio.run(run(base, login, password))
    print(json.dumps({"base": base, "passed": names}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
