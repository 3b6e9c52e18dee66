"""Exchange benchmarks (issue 3/7): push rate to one raw WebSocket client, SDK parse rate, and
nested-chain latency.

- ``exchange_events_per_s``: the exchange runs in its own process in rate mode; one SDK-less
  aiohttp WebSocket client in this process does the DXLink handshake, subscribes Quote/Trade for
  the equities and Quote/Greeks for 200 SPY options, and counts events by parsing every
  FEED_DATA frame (values / requested fields).
- ``sdk_parse_events_per_s``: the SDK alone turning ready-made COMPACT Quote lists into events
  (``Quote.from_stream``), no network.
- ``nested_chain_ms``: median wall time of ``GET /option-chains/SPY/nested`` (>= 2,000 options)
  over loopback HTTP; ``nested_chain_cold_ms`` is the first request, which builds the chain.

Run: ``python -m bench.bench_exchange [--quick]`` (prints JSON).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing as mp
import statistics
import sys
import time

import aiohttp

QUOTE_FIELDS = ["eventSymbol", "eventTime", "sequence", "timeNanoPart", "bidTime", "bidExchangeCode",
                "askTime", "askExchangeCode", "bidPrice", "askPrice", "bidSize", "askSize"]


def _serve(port_q: mp.Queue, rate: float) -> None:  # runs in the child process
    from ttai_tui.exchange.server import ExchangeServer

    async def main() -> None:
        server = ExchangeServer(seed=1, rate=rate)
        await server.start()
        port_q.put(server.url)
        await asyncio.Event().wait()

    asyncio.run(main())


async def _auth(http: aiohttp.ClientSession, url: str) -> tuple[str, str]:
    async with http.post(url + "/oauth/token", json={"grant_type": "refresh_token",
                                                    "client_secret": "b", "refresh_token": "b"}) as r:
        return (await r.json())["access_token"], url


async def _count_events(url: str, seconds: float) -> float:
    async with aiohttp.ClientSession() as http:
        access, _ = await _auth(http, url)
        hdr = {"Authorization": f"Bearer {access}"}
        async with http.get(url + "/api-quote-tokens", headers=hdr) as r:
            qt = (await r.json())["data"]
        async with http.get(url + "/option-chains/SPY/nested", headers=hdr) as r:
            chain = (await r.json())["data"]["items"][0]
        opts = [s["call-streamer-symbol"] for e in chain["expirations"][:4] for s in e["strikes"]][:200]
        from ttai_tui.exchange.universe import UNIVERSE

        equities = [s.symbol for s in UNIVERSE]
        ws = await http.ws_connect(qt["dxlink-url"], max_msg_size=1 << 20)
        await ws.send_json({"type": "SETUP", "channel": 0, "version": "bench"})
        await ws.send_json({"type": "AUTH", "channel": 0, "token": qt["token"]})
        fields: dict[int, int] = {}
        for ch, et, syms in ((7, "Quote", equities + opts), (15, "Trade", equities), (3, "Greeks", opts)):
            await ws.send_json({"type": "CHANNEL_REQUEST", "channel": ch, "service": "FEED",
                                "parameters": {"contract": "AUTO"}})
            f = QUOTE_FIELDS if et == "Quote" else None
            if f:
                await ws.send_json({"type": "FEED_SETUP", "channel": ch, "acceptDataFormat": "COMPACT",
                                    "acceptEventFields": {et: f}})
            from ttai_tui.exchange.feed import CANON

            fields[ch] = len(f or CANON[et])
            await ws.send_json({"type": "FEED_SUBSCRIPTION", "channel": ch,
                                "add": [{"type": et, "symbol": s} for s in syms]})
        # warm up, then count
        events = 0
        warm_until = time.perf_counter() + 0.5
        start = None
        while True:
            msg = await ws.receive()
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            data = json.loads(msg.data)
            now = time.perf_counter()
            if data.get("type") != "FEED_DATA":
                continue
            if start is None:
                if now < warm_until:
                    continue
                start = now
            events += len(data["data"][1]) // fields[data["channel"]]
            if now - start >= seconds:
                break
        await ws.close()
        return events / (time.perf_counter() - start) if start else 0.0


def exchange_events_per_s(seconds: float = 3.0, rate: float = 1_000_000) -> float:
    ctx = mp.get_context("spawn")
    q: mp.Queue = ctx.Queue()
    proc = ctx.Process(target=_serve, args=(q, rate), daemon=True)
    proc.start()
    try:
        url = q.get(timeout=30)
        return asyncio.run(_count_events(url, seconds))
    finally:
        proc.terminate()
        proc.join(5)


def sdk_parse_events_per_s(n_events: int = 1000, rounds: int = 20) -> float:
    from tastytrade.dxfeed import Quote

    flat: list[object] = []
    for i in range(n_events):
        flat += [f"SYM{i % 50}", 0, 0, 0, 1, "Q", 1, "Q", 100.01 + i % 7, 100.03 + i % 7, 100, 200]
    Quote.from_stream(list(flat))
    t0 = time.perf_counter()
    for _ in range(rounds):
        evs = Quote.from_stream(list(flat))
    dt = time.perf_counter() - t0
    assert len(evs) == n_events
    return n_events * rounds / dt


async def _chain_ms(requests: int) -> tuple[float, float, int]:
    from ttai_tui.exchange.server import ExchangeServer

    async with ExchangeServer(seed=1) as server, aiohttp.ClientSession() as http:
        access, _ = await _auth(http, server.url)
        hdr = {"Authorization": f"Bearer {access}"}
        times = []
        n_opts = 0
        for _ in range(requests):
            t0 = time.perf_counter()
            async with http.get(server.url + "/option-chains/SPY/nested", headers=hdr) as r:
                body = await r.read()
            times.append((time.perf_counter() - t0) * 1000)
            if not n_opts:
                chain = json.loads(body)["data"]["items"][0]
                n_opts = 2 * sum(len(e["strikes"]) for e in chain["expirations"])
        # first request builds the day's chain (cold); later ones are served from the cache
        return statistics.median(times), times[0], n_opts


def run(quick: bool = False) -> dict[str, float]:
    chain_ms, cold_ms, n_opts = asyncio.run(_chain_ms(5 if quick else 25))
    return {
        "exchange_events_per_s": round(exchange_events_per_s(1.5 if quick else 4.0)),
        "sdk_parse_events_per_s": round(sdk_parse_events_per_s(rounds=5 if quick else 20)),
        "nested_chain_ms": round(chain_ms, 2),
        "nested_chain_cold_ms": round(cold_ms, 2),
        "nested_chain_options": float(n_opts),
    }


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
