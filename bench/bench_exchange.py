"""Exchange benchmarks (issue 3/7/15): delivered capacity to one raw DXLink client, and
nested-chain latency.

- ``exchange_delivered_events_per_s``: the exchange's capacity, found by raising the requested
  rate until delivery falls behind. The exchange runs in its own process in rate mode, where
  every event is fresh (its own event time and sequence number, a Quote its own sizes; built
  and encoded one by one: no repeated copies of one string). One SDK-less aiohttp WebSocket
  client in this process does the DXLink handshake, subscribes Quote/Trade for the equities and
  Quote/Greeks for 200 SPY options, and counts the events it receives by parsing every
  FEED_DATA frame (values / requested fields). The requested rate starts at ``RAMP[0]`` and
  doubles; at each step the client counts for a few seconds. A step *falls behind* when fewer
  than ``BEHIND`` x requested events arrive; the ramp stops at the first such step. The figure
  is the most events per second the client received at any step (at the step that fell behind
  this is what the exchange could do); ``exchange_saturation_requested_per_s`` is the request
  it could not keep up with (0 when it kept up with every step, which
  ``exchange_kept_up_with_ramp`` = 1 also says: then the figure is a lower bound).
  ``exchange_delivered_events_per_cpu_s`` is that step's events per CPU second of the exchange
  process (the same capacity with the machine's other load taken out: on a busy machine the
  exchange gets less than a core). ``exchange_distinct_event_share`` checks the events are fresh: distinct encoded events / all
  received in a sample.
- ``nested_chain_ms``: median wall time of ``GET /option-chains/SPY/nested`` (>= 2,000 options)
  over loopback HTTP; ``nested_chain_cold_ms`` is the first request, which builds the chain.

(The SDK's parse ceiling is measured by ``bench_pipeline``, on the pipeline's event mix, in the
same process and run as the pipeline.)

Run: ``python -m bench.bench_exchange [--quick]`` (prints JSON).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing as mp
import os
import statistics
import sys
import time

import aiohttp

QUOTE_FIELDS = ["eventSymbol", "eventTime", "sequence", "timeNanoPart", "bidTime", "bidExchangeCode",
                "askTime", "askExchangeCode", "bidPrice", "askPrice", "bidSize", "askSize"]


RAMP = (25_000, 50_000, 100_000, 200_000, 400_000, 800_000, 1_600_000)
BEHIND = 0.9  # a step falls behind when fewer than 90% of the requested events arrive


def capacity(steps: list[tuple[float, float]], behind: float = BEHIND) -> tuple[float, float, bool]:
    """(delivered capacity, requested rate that fell behind or 0, kept up with every step) from
    the ramp's (requested, delivered) steps, in the order run. Steps after the first one that fell
    behind are ignored (the ramp stops there)."""
    best, fell = 0.0, 0.0
    for requested, delivered in steps:
        best = max(best, delivered)
        if delivered < behind * requested:
            fell = requested
            break
    return best, fell, fell == 0.0


def _serve(port_q: mp.Queue, rate_q: mp.Queue, rate: float) -> None:  # runs in the child process
    """The exchange in rate mode; each float put on ``rate_q`` becomes the new requested rate."""
    import threading

    from ttai_tui.exchange.server import ExchangeServer

    async def main() -> None:
        server = ExchangeServer(seed=1, rate=rate)
        await server.start()
        loop = asyncio.get_running_loop()

        def control() -> None:
            while True:
                new = rate_q.get()
                loop.call_soon_threadsafe(setattr, server, "rate", float(new))

        threading.Thread(target=control, daemon=True).start()
        port_q.put(server.url)
        await asyncio.Event().wait()

    asyncio.run(main())


async def _auth(http: aiohttp.ClientSession, url: str) -> tuple[str, str]:
    async with http.post(url + "/oauth/token", json={"grant_type": "refresh_token",
                                                    "client_secret": "b", "refresh_token": "b"}) as r:
        return (await r.json())["access_token"], url


async def _subscribe(http: aiohttp.ClientSession, url: str) -> tuple[aiohttp.ClientWebSocketResponse, dict[int, int]]:
    """A raw DXLink client subscribed to the bench mix; returns it and fields per channel."""
    from ttai_tui.exchange.feed import CANON
    from ttai_tui.exchange.universe import UNIVERSE

    access, _ = await _auth(http, url)
    hdr = {"Authorization": f"Bearer {access}"}
    async with http.get(url + "/api-quote-tokens", headers=hdr) as r:
        qt = (await r.json())["data"]
    async with http.get(url + "/option-chains/SPY/nested", headers=hdr) as r:
        chain = (await r.json())["data"]["items"][0]
    opts = [s["call-streamer-symbol"] for e in chain["expirations"][:4] for s in e["strikes"]][:200]
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
        fields[ch] = len(f or CANON[et])
        await ws.send_json({"type": "FEED_SUBSCRIPTION", "channel": ch,
                            "add": [{"type": et, "symbol": s} for s in syms]})
    return ws, fields


async def _count(ws: aiohttp.ClientWebSocketResponse, fields: dict[int, int], seconds: float,
                 sample: list[str] | None = None) -> float:
    """Events received per second over ``seconds``; fills ``sample`` with encoded events."""
    events = 0
    start = time.perf_counter()
    while True:
        msg = await ws.receive()
        if msg.type != aiohttp.WSMsgType.TEXT:
            raise RuntimeError(f"DXLink closed: {msg.type}")
        data = json.loads(msg.data)
        if data.get("type") != "FEED_DATA":
            continue
        values = data["data"][1]
        n = fields[data["channel"]]
        events += len(values) // n
        if sample is not None and len(sample) < 20_000:
            sample.extend(json.dumps(values[i:i + n]) for i in range(0, len(values), n))
        if time.perf_counter() - start >= seconds:
            return events / (time.perf_counter() - start)


async def _ramp(url: str, rate_q: mp.Queue, pid: int, seconds: float, settle: float) -> dict[str, float]:
    import psutil

    exchange = psutil.Process(pid)
    steps: list[tuple[float, float]] = []
    per_cpu: list[float] = []
    sample: list[str] = []
    async with aiohttp.ClientSession() as http:
        ws, fields = await _subscribe(http, url)
        for requested in RAMP:
            rate_q.put(float(requested))
            await _count(ws, fields, settle)  # the new rate reaches the wire; backlog drains
            cpu0, t0 = sum(exchange.cpu_times()[:2]), time.perf_counter()
            delivered = await _count(ws, fields, seconds, sample if not sample else None)
            share = (sum(exchange.cpu_times()[:2]) - cpu0) / (time.perf_counter() - t0)
            steps.append((float(requested), delivered))
            per_cpu.append(delivered / share if share > 0 else 0.0)
            print(f"bench_exchange: requested {requested:>9,} delivered {delivered:>11,.0f} events/s "
                  f"(exchange process {100 * share:.0f}% of a core), "
                  f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())}", file=sys.stderr)
            if delivered < BEHIND * requested:
                break
        await ws.close()
    best, fell, kept_up = capacity(steps)
    return {
        "exchange_delivered_events_per_s": round(best),
        # events delivered per CPU second of the exchange process, at the best step
        "exchange_delivered_events_per_cpu_s": round(per_cpu[[d for _, d in steps].index(best)]),
        "exchange_saturation_requested_per_s": fell,
        "exchange_kept_up_with_ramp": float(kept_up),
        "exchange_distinct_event_share": round(len(set(sample)) / len(sample), 4) if sample else 0.0,
    }


def exchange_capacity(seconds: float = 3.0, settle: float = 0.5) -> dict[str, float]:
    ctx = mp.get_context("spawn")
    port_q: mp.Queue = ctx.Queue()
    rate_q: mp.Queue = ctx.Queue()
    proc = ctx.Process(target=_serve, args=(port_q, rate_q, float(RAMP[0])), daemon=True)
    proc.start()
    try:
        url = port_q.get(timeout=30)
        assert proc.pid is not None
        return asyncio.run(_ramp(url, rate_q, proc.pid, seconds, settle))
    finally:
        proc.terminate()
        proc.join(5)


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
        **exchange_capacity(1.0 if quick else 3.0),
        "nested_chain_ms": round(chain_ms, 2),
        "nested_chain_cold_ms": round(cold_ms, 2),
        "nested_chain_options": float(n_opts),
    }


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
