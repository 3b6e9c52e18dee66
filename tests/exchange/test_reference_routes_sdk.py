"""Reference, watchlist and session routes through the unmodified SDK (issue 12 point 5), the
way the SDK's own suite calls them."""

from __future__ import annotations

import aiohttp
import pytest
from tastytrade import Account
from tastytrade.instruments import Warrant, get_quantity_decimal_precisions
from tastytrade.watchlists import PairsWatchlist, PublicWatchlist


async def test_warrants_precisions_and_watchlists(sdk_session):
    ws = await Warrant.get(sdk_session)
    assert "NKLAW" in {w.symbol for w in ws}
    nklaw = await Warrant.get(sdk_session, "NKLAW")
    assert nklaw.instrument_type.value == "Warrant" and nklaw.is_closing_only
    prec = await get_quantity_decimal_precisions(sdk_session)
    by_type = {(p.instrument_type.value, p.symbol): p.value for p in prec}
    assert by_type[("Equity Option", None)] == 0 and by_type[("Cryptocurrency", "BTC/USD")] == 8
    pairs = await PairsWatchlist.get(sdk_session)
    stocks = await PairsWatchlist.get(sdk_session, "Stocks")
    assert stocks.name in {p.name for p in pairs} and stocks.pairs_equations
    assert all(e.left_quantity > 0 and e.right_quantity > 0 for e in stocks.pairs_equations)
    crypto = await PublicWatchlist.get(sdk_session, "Crypto")
    assert {e["instrument-type"] for e in crypto.watchlist_entries or []} == {"Cryptocurrency"}


async def test_oauth_session_validates_and_unknown_routes_are_404_without_a_token(sdk_session, exchange):
    assert not await sdk_session.validate()  # no token yet: validate sends none and fails
    await Account.get(sdk_session)  # the SDK refreshes before a call
    assert await sdk_session.validate()
    async with aiohttp.ClientSession() as http:
        async with http.get(exchange.url + "/nope/at/all") as r:
            assert r.status == 404 and (await r.json())["error"]["code"] == "not_found"
        async with http.get(exchange.url + "/accounts/5WT00001/balances") as r:
            assert r.status == 401  # a known route still needs a token
        form = {"grant_type": "refresh_token", "refresh_token": "r", "client_secret": "s"}
        async with http.post(exchange.url + "/oauth/token", data=form) as r:
            assert r.status == 200
            token = (await r.json())["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        async with http.get(exchange.url + "/accounts/5WT00001/balances", headers=auth) as r:
            bare = (await r.json())["data"]
        async with http.get(exchange.url + "/accounts/5WT00001/position-limit", headers=auth) as r:
            limit = (await r.json())["data"]
        async with http.get(exchange.url + "/option-chains/SPY/compact", headers=auth) as r:
            (compact,) = (await r.json())["data"]["items"]
        async with http.get(exchange.url + "/quote-streamer-tokens", headers=auth) as r:
            legacy = (await r.json())["data"]
    acct = await Account.get(sdk_session, "5WT00001")
    usd = await acct.get_balances(sdk_session)
    assert bare["account-number"] == usd.account_number
    assert float(bare["cash-balance"]) == pytest.approx(float(usd.cash_balance))
    assert limit["equity-order-size"] > 0 and limit["account-number"] == "5WT00001"
    nested = exchange.book.chain("SPY")
    assert len(compact["symbols"]) == 2 * sum(len(ks) for _e, ks in nested)
    assert compact["streamer-symbols"][0].startswith(".SPY")
    assert legacy["token"] in exchange.quote_tokens and legacy["websocket-url"].endswith("/dxlink")
