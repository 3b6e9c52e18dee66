"""Option chains from the exchange, and a strike window whose subscriptions follow the money."""

from __future__ import annotations

from typing import Any

import pytest

from ttai_tui.broker.chains import ChainWindow
from ttai_tui.broker.errors import UnknownSymbolError
from ttai_tui.core.chain import nearest_expiration, window_symbols

from .conftest import wait_for


async def test_nested_chain_maps_to_core_types(make_broker: Any) -> None:
    b = make_broker()
    await b.start(stream=False, account=False)
    chain = await b.get_chain("spy")
    assert chain.underlying == "SPY" and chain.shares_per_contract == 100
    dates = [e.date for e in chain.expirations]
    assert dates == sorted(dates) and len(dates) > 3
    exp = chain.expirations[0]
    strikes = [r.strike for r in exp.strikes]
    assert strikes == sorted(strikes)
    r = exp.strikes[len(strikes) // 2]
    assert r.call_streamer.startswith(".SPY") and "C" in r.call_streamer[4:]
    assert r.call.startswith("SPY") and r.put_streamer.startswith(".SPY")
    assert await b.get_chain("SPY") is chain  # cached
    with pytest.raises(UnknownSymbolError):
        await b.get_chain("NOSUCHX")


async def test_window_subscribes_visible_strikes_and_greeks_arrive(make_broker: Any) -> None:
    b = make_broker()
    await b.start(account=False)
    chain = await b.get_chain("SPY")
    b.subscriptions.declare("underlying", {("Quote", "SPY")})
    await wait_for(lambda: b.state.mark("SPY") is not None)
    exp = nearest_expiration(chain, 30)
    assert exp is not None
    win = ChainWindow(b.subscriptions, b.state)
    rows = win.show(chain, exp, 6)
    assert len(rows) == 6
    price = b.state.mark("SPY")
    assert rows[0].strike <= price <= rows[-1].strike
    wanted = b.subscriptions.owners()["chain"]
    assert {s for _, s in wanted} == window_symbols(rows) | {"SPY"}
    await wait_for(lambda: all(s in b.state.greeks for s in window_symbols(rows)), 5.0)
    await wait_for(lambda: wanted <= b.subscriptions.active())
    win.close()
    assert "chain" not in b.subscriptions.owners()
    await wait_for(lambda: not any(s.startswith(".") for _, s in b.subscriptions.active()))


async def test_window_follows_the_money(make_broker: Any) -> None:
    b = make_broker()
    await b.start(stream=False, account=False)  # prices are written by hand below
    chain = await b.get_chain("SPY")
    exp = nearest_expiration(chain, 30)
    assert exp is not None
    q = b.state.record_quote("SPY")
    mid = exp.strikes[len(exp.strikes) // 2].strike
    q.bid = q.ask = mid
    win = ChainWindow(b.subscriptions, b.state)
    rows = win.show(chain, exp, 5)
    assert rows[2].strike == mid
    assert not win.follow()  # same centre: nothing to do
    higher = exp.strikes[len(exp.strikes) // 2 + 10].strike
    q.bid = q.ask = higher
    assert win.follow()
    assert win.rows[2].strike == higher
    syms = {s for _, s in b.subscriptions.owners()["chain"]}
    assert syms == window_symbols(win.rows) | {"SPY"}
    assert not (window_symbols(rows) & syms)
