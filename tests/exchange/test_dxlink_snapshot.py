"""DXLink as the real feed behaves on subscription (issue 12 point 6): the current value of each
subscribed event goes out at once and in the order subscribed, FEED_CONFIG announces the default
fields of types the client did not configure, COMPACT frames name their event type, a Candle
without fromTime sends the latest bar only, and tho=true hourly/daily bars start at 09:30 New York."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import aiohttp
from tastytrade import DXLinkStreamer
from tastytrade.dxfeed import Candle, Quote, Trade

from tests.exchange.test_dxlink_wire import _open, _recv
from ttai_tui.exchange.clock import NY
from ttai_tui.exchange.feed import CANON


async def _frames(ws, n: int, timeout: float = 5.0) -> list[dict]:
    out: list[dict] = []

    async def loop() -> None:
        while len(out) < n:
            msg = await ws.receive()
            assert msg.type == aiohttp.WSMsgType.TEXT, msg
            out.append(json.loads(msg.data))

    await asyncio.wait_for(loop(), timeout)
    return out


async def test_quote_subscribed_before_candle_arrives_first_and_unconfigured_types_are_announced(exchange):
    async with aiohttp.ClientSession() as http:
        ws = await _open(http, exchange)
        await ws.send_json({"type": "CHANNEL_REQUEST", "channel": 5, "service": "FEED",
                            "parameters": {"contract": "AUTO"}})
        await _recv(ws, "CHANNEL_OPENED")
        # COMPACT with no acceptEventFields at all: the server must say which fields it sends
        await ws.send_json({"type": "FEED_SETUP", "channel": 5, "acceptAggregationPeriod": 10,
                            "acceptDataFormat": "COMPACT"})
        await _recv(ws, "FEED_CONFIG")
        start = int((dt.datetime.now(dt.UTC) - dt.timedelta(days=20)).timestamp() * 1000)
        await ws.send_json({"type": "FEED_SUBSCRIPTION", "channel": 5, "add": [
            {"type": "Quote", "symbol": "SPY"}, {"type": "Trade", "symbol": "AAPL"},
            {"type": "Candle", "symbol": "SPY{=1d}", "fromTime": start}]})
        frames = await _frames(ws, 4)  # FEED_CONFIG, then Quote, Trade, Candle history at once
    cfg, *data = frames
    assert cfg["type"] == "FEED_CONFIG"
    assert cfg["eventFields"] == {t: list(CANON[t]) for t in ("Quote", "Trade", "Candle")}
    assert [f["type"] for f in data] == ["FEED_DATA"] * 3
    assert [f["data"][0] for f in data] == ["Quote", "Trade", "Candle"]  # the real eventType
    quote = data[0]["data"][1]
    assert len(quote) == len(CANON["Quote"]) and quote[0] == "SPY"
    candles = data[2]["data"][1]
    n = len(CANON["Candle"])
    assert len(candles) % n == 0 and len(candles) // n >= 10  # the history from fromTime


async def test_candle_without_from_time_sends_only_the_latest_bar(exchange):
    async with aiohttp.ClientSession() as http:
        ws = await _open(http, exchange)
        await ws.send_json({"type": "CHANNEL_REQUEST", "channel": 1, "service": "FEED",
                            "parameters": {"contract": "AUTO"}})
        await _recv(ws, "CHANNEL_OPENED")
        await ws.send_json({"type": "FEED_SETUP", "channel": 1, "acceptAggregationPeriod": 10,
                            "acceptDataFormat": "FULL", "acceptEventFields": {"Candle": list(CANON["Candle"])}})
        await _recv(ws, "FEED_CONFIG")
        await ws.send_json({"type": "FEED_SUBSCRIPTION", "channel": 1,
                            "add": [{"type": "Candle", "symbol": "QQQ{=5m}"}]})
        (frame,) = await _frames(ws, 1)
    assert frame["type"] == "FEED_DATA"
    (bar,) = frame["data"]  # FULL: one dict per event, and exactly one bar
    assert bar["eventType"] == "Candle" and bar["eventSymbol"] == "QQQ{=5m}"
    bars = exchange.market.states["QQQ"].hist.minutes
    assert bar["time"] == bars.t[-1] // 300_000 * 300_000  # the forming (latest) 5-minute bar


async def test_trading_hours_candles_start_at_the_0930_open(exchange):
    async with aiohttp.ClientSession() as http:
        ws = await _open(http, exchange)
        await ws.send_json({"type": "CHANNEL_REQUEST", "channel": 1, "service": "FEED",
                            "parameters": {"contract": "AUTO"}})
        await _recv(ws, "CHANNEL_OPENED")
        await ws.send_json({"type": "FEED_SETUP", "channel": 1, "acceptAggregationPeriod": 10,
                            "acceptDataFormat": "FULL", "acceptEventFields": {"Candle": list(CANON["Candle"])}})
        await _recv(ws, "FEED_CONFIG")
        start = int((dt.datetime.now(dt.UTC) - dt.timedelta(days=6)).timestamp() * 1000)
        await ws.send_json({"type": "FEED_SUBSCRIPTION", "channel": 1, "add": [
            {"type": "Candle", "symbol": "SPY{=1h,tho=true}", "fromTime": start},
            {"type": "Candle", "symbol": "SPY{=1d,tho=true}", "fromTime": start}]})
        frames = await _frames(ws, 1)
    bars = frames[0]["data"]
    for sym in ("SPY{=1h,tho=true}", "SPY{=1d,tho=true}"):
        times = [dt.datetime.fromtimestamp(b["time"] / 1000, NY) for b in bars if b["eventSymbol"] == sym]
        assert len(times) >= 3
        assert all(t.minute == 30 for t in times), sym
        if sym.startswith("SPY{=1d"):
            assert all((t.hour, t.minute) == (9, 30) for t in times)
        else:
            assert any((t.hour, t.minute) == (9, 30) for t in times)


async def test_sdk_streamer_sees_the_quote_before_the_candles(sdk_session):
    """The SDK's own test_dxlink_streamer: after reading two candles a Quote must be waiting."""
    async with DXLinkStreamer(sdk_session) as streamer:
        await streamer.subscribe(Quote, ["SPY", "AAPL"])
        await streamer.subscribe(Trade, ["QQQQ"])  # unknown symbol: no events, no error
        await streamer.subscribe_candle(["SPY", "AAPL"], "1d", dt.datetime.now() - dt.timedelta(days=30))
        await asyncio.wait_for(streamer.get_event(Candle), 5)
        await asyncio.wait_for(streamer.get_event(Candle), 5)
        assert streamer.get_event_nowait(Quote) is not None
