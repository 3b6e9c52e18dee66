"""DXLink at the wire level, with a raw WebSocket client: what any client (not only the SDK)
relies on — the handshake, field order, "NaN" for unknown fields, frame size, one type per frame."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import aiohttp.web
import pytest

QUOTE_REORDERED = ["askPrice", "eventSymbol", "bidPrice", "noSuchField"]


async def _token(session: aiohttp.ClientSession, url: str) -> tuple[str, str]:
    async with session.post(url + "/oauth/token", json={"grant_type": "refresh_token",
                                                        "client_secret": "s", "refresh_token": "r"}) as r:
        access = (await r.json())["access_token"]
    async with session.get(url + "/api-quote-tokens", headers={"Authorization": f"Bearer {access}"}) as r:
        data = (await r.json())["data"]
    return data["token"], data["dxlink-url"]


async def _recv(ws, want_type: str, timeout: float = 5.0) -> dict:
    async def loop():
        while True:
            msg = await ws.receive()
            assert msg.type == aiohttp.WSMsgType.TEXT, msg
            assert len(msg.data.encode()) < 65536
            data = json.loads(msg.data)
            if data["type"] == want_type:
                return data

    return await asyncio.wait_for(loop(), timeout)


async def _open(http, exchange):
    token, url = await _token(http, exchange.url)
    assert url == exchange.ws_url + "/dxlink"
    ws = await http.ws_connect(url)
    await ws.send_json({"type": "SETUP", "channel": 0, "keepaliveTimeout": 60,
                        "acceptKeepaliveTimeout": 60, "version": "test"})
    await _recv(ws, "SETUP")
    assert (await _recv(ws, "AUTH_STATE"))["state"] == "UNAUTHORIZED"
    await ws.send_json({"type": "AUTH", "channel": 0, "token": token})
    assert (await _recv(ws, "AUTH_STATE"))["state"] == "AUTHORIZED"
    return ws


async def test_field_order_nan_and_authorized_once(exchange):
    async with aiohttp.ClientSession() as http:
        ws = await _open(http, exchange)
        await ws.send_json({"type": "CHANNEL_REQUEST", "channel": 3, "service": "FEED",
                            "parameters": {"contract": "AUTO"}})
        opened = await _recv(ws, "CHANNEL_OPENED")
        assert opened["channel"] == 3
        await ws.send_json({"type": "FEED_SETUP", "channel": 3, "acceptAggregationPeriod": 0.1,
                            "acceptDataFormat": "COMPACT", "acceptEventFields": {"Quote": QUOTE_REORDERED}})
        cfg = await _recv(ws, "FEED_CONFIG")
        assert cfg["eventFields"]["Quote"] == QUOTE_REORDERED
        await ws.send_json({"type": "FEED_SUBSCRIPTION", "channel": 3,
                            "add": [{"type": "Quote", "symbol": "AAPL"}]})
        data = (await _recv(ws, "FEED_DATA"))["data"]
        assert data[0] == "Quote"
        ask, sym, bid, unknown = data[1][:4]
        assert sym == "AAPL" and unknown == "NaN" and 0 < bid < ask
        assert len(data[1]) % 4 == 0
        # a second AUTH never yields a second AUTHORIZED (it would kill the SDK's reader)
        await ws.send_json({"type": "AUTH", "channel": 0, "token": "again"})
        await ws.send_json({"type": "KEEPALIVE", "channel": 0})
        while True:
            m = json.loads((await asyncio.wait_for(ws.receive(), 5)).data)
            assert m["type"] != "AUTH_STATE"
            if m["type"] == "KEEPALIVE":
                break
        await ws.close()


async def test_big_history_is_split_under_64k_and_full_format(exchange):
    async with aiohttp.ClientSession() as http:
        ws = await _open(http, exchange)
        await ws.send_json({"type": "CHANNEL_REQUEST", "channel": 1, "service": "FEED",
                            "parameters": {"contract": "AUTO"}})
        await _recv(ws, "CHANNEL_OPENED")
        fields = ["eventSymbol", "time", "eventFlags", "open", "high", "low", "close", "volume"]
        await ws.send_json({"type": "FEED_SETUP", "channel": 1, "acceptDataFormat": "COMPACT",
                            "acceptEventFields": {"Candle": fields}})
        await ws.send_json({"type": "FEED_SUBSCRIPTION", "channel": 1,
                            "add": [{"type": "Candle", "symbol": "SPY{=1m}", "fromTime": 0}]})
        frames = 0
        events = 0
        while True:
            data = (await _recv(ws, "FEED_DATA"))["data"]  # _recv asserts < 64 KiB
            frames += 1
            vals = data[1]
            assert len(vals) % len(fields) == 0
            events += len(vals) // len(fields)
            if vals[-6] & 0x08:  # eventFlags of the last event in the frame: SNAPSHOT_END
                break
        assert frames > 1 and events >= 5 * 390
        await ws.close()


async def test_wrong_quote_token_is_refused(exchange):
    async with aiohttp.ClientSession() as http:
        _token_ok, url = await _token(http, exchange.url)
        ws = await http.ws_connect(url)
        await ws.send_json({"type": "SETUP", "channel": 0, "version": "t"})
        await ws.send_json({"type": "AUTH", "channel": 0, "token": "forged"})
        err = await _recv(ws, "ERROR")
        assert err["error"] == "UNAUTHORIZED"
        await ws.close()


def test_canonical_field_order_is_the_sdks():
    """The fast path sends rows in CANON order unmapped; that must be the SDK's request order."""
    from tastytrade import dxfeed

    from ttai_tui.exchange.feed import CANON

    for name, fields in CANON.items():
        cls = getattr(dxfeed, name)
        assert tuple(cls.model_json_schema()["properties"]) == fields, name


async def test_rate_knob_sets_events_per_second():
    from ttai_tui.exchange.server import ExchangeServer

    async with ExchangeServer(seed=1, rate=3000) as ex, aiohttp.ClientSession() as http:
        ws = await _open(http, ex)
        await ws.send_json({"type": "CHANNEL_REQUEST", "channel": 7, "service": "FEED",
                            "parameters": {"contract": "AUTO"}})
        await ws.send_json({"type": "FEED_SUBSCRIPTION", "channel": 7,
                            "add": [{"type": "Quote", "symbol": s} for s in ("SPY", "QQQ", "AAPL")]})
        await _recv(ws, "FEED_DATA")
        n = 0
        events: list[tuple[object, ...]] = []
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        while loop.time() - t0 < 1.0:
            data = (await _recv(ws, "FEED_DATA"))["data"]  # each frame < 64 KiB
            n += len(data[1]) // 12
            events += [tuple(data[1][i:i + 12]) for i in range(0, len(data[1]), 12)]
        rate = n / (loop.time() - t0)
        prices = {s: (st.bid, st.ask) for s, st in ex.market.states.items()}
        await ws.close()
    assert 1500 < rate < 4500
    # every event is a fresh one (its own sequence number and sizes), never a repeated copy
    assert len(set(events)) == len(events)
    assert len({e[2] for e in events}) == len(events)
    # while the prices are the market's (at most a few steps old)
    spy = [e for e in events if e[0] == "SPY"]
    assert spy and all(abs(e[8] - prices["SPY"][0]) < 0.05 * prices["SPY"][0] for e in spy)


@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("custom", [False, True])
def test_rate_mode_template_is_the_restamped_row(full: bool, custom: bool) -> None:
    """Rate mode's fast encoding (a template with slots) writes exactly the restamped event."""
    from ttai_tui.exchange.dxlink import Channel, DxLinkConnection, restamp
    from ttai_tui.exchange.feed import CANON, mapper
    from ttai_tui.exchange.server import ExchangeServer

    server = ExchangeServer(seed=1)
    conn = DxLinkConnection(server, aiohttp.web.WebSocketResponse())  # encoding needs no socket
    rows = {
        "Quote": server.feed.row("Quote", "SPY"),
        "Trade": server.feed.row("Trade", "AAPL"),
        "Summary": server.feed.row("Summary", "SPY"),
        "Profile": server.feed.row("Profile", "SPY"),
        "Quote-index": server.feed.row("Quote", "SPX"),
    }
    for name, row in rows.items():
        et = name.split("-")[0]
        c = Channel(7, full=full)
        if custom:  # a client asking for its own order (and a field the exchange lacks)
            fields = (*reversed(CANON[et]), "unknownField")
            c.fields[et] = fields
            c.mappers[et] = mapper(et, fields)
        assert row is not None
        tmpl = conn._template(c, et, row)
        for now_ms, seq in ((1_763_735_400_123, 1), (1_763_735_400_124, 8), (5, 0x3FFFFF + 3)):
            assert tmpl.fill(now_ms, seq) == conn._encode(c, et, restamp(et, row, now_ms, seq)), name


async def test_rate_mode_after_a_stall_sends_a_bounded_tick_in_chunks() -> None:
    """A tick that follows a long pause (a starved exchange, a client that stopped reading) sends
    at most TICK_CAP_S of the requested rate, not everything the pause "owed"; and its frames go
    out chunk by chunk while it is built, so the client never waits for a whole tick in silence
    (a runaway of ever larger ticks used to leave the SDK client without data for >3 s, and its
    stall watchdog reconnected)."""
    from ttai_tui.exchange.dxlink import TICK_CAP_S, YIELD_EVERY, Channel, DxLinkConnection, Sub
    from ttai_tui.exchange.server import ExchangeServer

    class Sink:  # stands in for the socket: what was sent, and how far the tick had got
        closed = False

        def __init__(self) -> None:
            self.events = 0
            self.built_at_send: list[int] = []

        async def send_str(self, text: str) -> None:
            self.built_at_send.append(conn._seq)  # events built so far (one sequence number each)
            self.events += len(json.loads(text)["data"][1]) // 12

    rate = 40_000.0
    server = ExchangeServer(seed=1, rate=rate)
    sink = Sink()
    conn = DxLinkConnection(server, sink)  # only send_str and closed are used
    conn.authorized = True
    c = conn.channels[7] = Channel(7)
    for sym in ("SPY", "QQQ", "AAPL"):
        c.subs[("Quote", sym)] = Sub(pending=False)
    c.order = list(c.subs)
    await conn._send_rate(rate * 5.0)  # five seconds' worth of budget at once
    assert sink.events == int(TICK_CAP_S * rate)
    seen = sink.built_at_send
    assert seen[0] <= YIELD_EVERY  # the first frame left before the second chunk was built
    assert len(set(seen)) == -(-sink.events // YIELD_EVERY)  # frames went out after every chunk
