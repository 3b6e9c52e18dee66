"""Declarative subscriptions: ref counting, diffs only, chunked frames (real exchange)."""

from __future__ import annotations

from typing import Any

from ttai_tui.broker.subscriptions import SubscriptionManager

from .conftest import wait_for


def _exchange_subs(exchange: Any) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for conn in exchange.dx_conns:
        for c in conn.channels.values():
            out.update(c.subs)
    return out


async def test_ref_counted_diffs_reach_the_exchange(make_broker: Any, exchange: Any) -> None:
    b = make_broker()
    await b.start(account=False)
    subs = b.subscriptions
    await wait_for(lambda: b.stream.streamer is not None)
    subs.declare("watchlist", {("Quote", "SPY"), ("Quote", "QQQ")})
    subs.declare("chain", {("Quote", "SPY"), ("Trade", "SPY")})
    want = {("Quote", "SPY"), ("Quote", "QQQ"), ("Trade", "SPY")}
    await wait_for(lambda: _exchange_subs(exchange) == want)
    frames = subs.frames_sent
    subs.declare("watchlist", {("Quote", "QQQ"), ("Quote", "SPY")})  # same set: no traffic
    subs.release("watchlist")  # SPY quote still wanted by "chain"
    await wait_for(lambda: _exchange_subs(exchange) == {("Quote", "SPY"), ("Trade", "SPY")})
    assert subs.frames_sent == frames + 1  # exactly one remove frame (QQQ)
    subs.release("chain")
    await wait_for(lambda: _exchange_subs(exchange) == set())


async def test_big_symbol_lists_are_chunked_under_64k(make_broker: Any, exchange: Any) -> None:
    b = make_broker()
    await b.start(account=False)
    await wait_for(lambda: b.stream.streamer is not None)
    chain = await b.get_chain("SPY")
    syms = {s for e in chain.expirations for r in e.strikes for s in (r.call_streamer, r.put_streamer)}
    assert len(syms) > 400
    b.subscriptions.declare("big", {("Quote", s) for s in syms})
    await wait_for(lambda: len(_exchange_subs(exchange)) == len(syms), 10.0)
    assert b.subscriptions.frames_sent >= len(syms) // b.subscriptions.chunk


async def test_candle_subscriptions_carry_timeframe_and_from_time(
    make_broker: Any, exchange: Any
) -> None:
    import time

    b = make_broker()
    await b.start(account=False)
    t0 = time.time() - 3600 * 6
    b.subscriptions.declare_candles("chart", "SPY", "5m", t0)
    series = b.state.candle_series("SPY", "5m")
    await wait_for(lambda: len(series) > 10 and not series.loading, 5.0)
    times = series.arrays()["time"]
    assert times[0] >= t0 - 300 and (times[1:] > times[:-1]).all()
    assert ("Candle", "SPY{=5m,tho=true}") in _exchange_subs(exchange)
    b.subscriptions.declare_candles("chart", None)
    await wait_for(lambda: not any(k[0] == "Candle" for k in _exchange_subs(exchange)))


def test_unknown_event_type_is_refused() -> None:
    import pytest

    with pytest.raises(ValueError):
        SubscriptionManager().declare("x", {("Bogus", "SPY")})
