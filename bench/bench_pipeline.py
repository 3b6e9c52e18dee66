"""Pipeline throughput against the SDK's own parse ceiling, same event mix, same process, same run.

``pipeline_events_per_s`` is the number of events applied to MarketState per second, sustained
(20 s in full mode, after a 2 s warm-up), with the exchange in its own process pushing more than
the pipeline can take (rate mode, fresh events, ``bench._exchange_proc``) so the exchange's CPU
is not billed to the pipeline. Everything between the socket and MarketState is the production
code: ``Broker`` with its session, stream supervisor, subscription manager and batch drains, on
the unmodified SDK (which parses every event with pydantic).

``sdk_parse_events_per_cpu_s`` is the ceiling for that: the SDK's own per-frame work and nothing
else, on the *same* event mix. A raw DXLink client in this process subscribes exactly what the
pipeline subscribes, with the fields the SDK requests, and records a few seconds of FEED_DATA
frames as they arrive; the ceiling is those frames put through what the SDK's reader does with
each (``json.loads`` of the text, then ``EventType.from_stream`` of the values), back to back,
no network, timed in CPU seconds of this process (parsing is single-threaded, so that is its cost
without the waits other processes cause). It is timed just before and just after the pipeline
window; the mean of the two is the figure. ``pipeline_vs_sdk_parse`` is the pipeline's events
per CPU second (``pipeline_events_per_cpu_s``, all threads of this process) divided by it: the
share of the ceiling left once the socket, the SDK's reader and the broker are paid for (it must
be below 1). Both sides are CPU-time rates so the ratio does not move with the machine's load;
``pipeline_vs_sdk_parse_wall`` divides the wall-clock rates of the same run for reference (the
pipeline's wall rate also depends on the exchange process getting its share of the cores).

Two mixes, because the SDK's parse cost differs ~4x between event types:

* ``pipeline_events_per_s`` -- Quote for every equity of the universe and 200 SPY options,
  Trade for the equities (``sdk_parse_events_per_cpu_s`` and the ratio are for this mix).
* ``pipeline_mixed_events_per_s`` -- the same plus Greeks for the 200 options (all-Decimal
  events the SDK parses ~4x slower): what a chain-heavy screen sustains; with
  ``sdk_parse_mixed_events_per_cpu_s`` and ``pipeline_mixed_vs_sdk_parse`` likewise.

``pipeline_events_per_cpu_s`` divides by the pipeline process's CPU time, so it stays
comparable when other work competes for the two cores.

Run: ``python -m bench.bench_pipeline [--quick]`` (prints JSON).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ttai_tui.core.models import OptionChain

RATE = 300_000.0  # more than the pipeline can take (~100k/s on a quiet machine), not so much
# that the exchange spends its ticks building events nobody reads


def _spawn_exchange(rate: float) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench._exchange_proc", "0", str(rate)],
        stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    if not url.startswith("http"):
        proc.terminate()
        raise RuntimeError("exchange process did not start")
    return proc, url


def _wants(chain: OptionChain, greeks: bool) -> set[tuple[str, str]]:
    from ttai_tui.exchange.universe import UNIVERSE

    opts = [r.call_streamer for e in chain.expirations[:4] for r in e.strikes][:200]
    equities = [s.symbol for s in UNIVERSE]
    wants = {(t, s) for s in equities for t in ("Quote", "Trade")}
    wants |= {("Quote", s) for s in opts}
    if greeks:
        wants |= {("Greeks", s) for s in opts}
    return wants


async def record_frames(url: str, wants: set[tuple[str, str]], seconds: float) -> list[tuple[str, str]]:
    """(event type, frame text) of every FEED_DATA frame a raw client subscribed to ``wants``
    (one channel per type, the SDK's canonical fields) receives in ``seconds`` after the first."""
    import aiohttp

    from ttai_tui.exchange.feed import CANON

    frames: list[tuple[str, str]] = []
    async with aiohttp.ClientSession() as http:
        async with http.post(url + "/oauth/token", json={"grant_type": "refresh_token",
                                                        "client_secret": "b", "refresh_token": "b"}) as r:
            access = (await r.json())["access_token"]
        async with http.get(url + "/api-quote-tokens", headers={"Authorization": f"Bearer {access}"}) as r:
            qt = (await r.json())["data"]
        ws = await http.ws_connect(qt["dxlink-url"], max_msg_size=1 << 20)
        await ws.send_json({"type": "SETUP", "channel": 0, "version": "bench"})
        await ws.send_json({"type": "AUTH", "channel": 0, "token": qt["token"]})
        types = sorted({t for t, _ in wants})
        by_channel = {}
        for i, et in enumerate(types):
            ch = 3 + 2 * i
            by_channel[ch] = et
            await ws.send_json({"type": "CHANNEL_REQUEST", "channel": ch, "service": "FEED",
                                "parameters": {"contract": "AUTO"}})
            await ws.send_json({"type": "FEED_SETUP", "channel": ch, "acceptDataFormat": "COMPACT",
                                "acceptEventFields": {et: list(CANON[et])}})
            await ws.send_json({"type": "FEED_SUBSCRIPTION", "channel": ch,
                                "add": [{"type": et, "symbol": s} for t, s in sorted(wants) if t == et]})
        start = None
        while start is None or time.perf_counter() - start < seconds:
            msg = await ws.receive()
            if msg.type != aiohttp.WSMsgType.TEXT:
                raise RuntimeError(f"DXLink closed: {msg.type}")
            if '"FEED_DATA"' not in msg.data[:40]:
                continue
            if start is None:
                start = time.perf_counter()
            ch = json.loads(msg.data)["channel"]
            frames.append((by_channel[ch], msg.data))
        await ws.close()
    return frames


def sdk_parse_rate(frames: list[tuple[str, str]], rounds: int = 3) -> tuple[float, dict[str, int]]:
    """Events per CPU second the SDK's reader parses from ``frames`` (json.loads + from_stream per
    frame, as ``DXLinkStreamer`` does), best of ``rounds``; and the events per type."""
    from tastytrade.dxfeed import Greeks, Quote, Trade

    classes = {"Quote": Quote, "Trade": Trade, "Greeks": Greeks}
    work = [(classes[et], text) for et, text in frames]
    loads = json.loads
    events = 0
    per_type: dict[str, int] = {}
    for et, text in frames:
        n = len(loads(text)["data"][1]) // len(classes[et].model_fields)
        per_type[et] = per_type.get(et, 0) + n
        events += n
    best = float("inf")
    for _ in range(rounds):
        t0 = time.process_time()
        for cls, text in work:
            cls.from_stream(loads(text)["data"][1])
        best = min(best, time.process_time() - t0)
    return (events / best if best > 0 else 0.0), per_type


async def _measure(
    url: str, warmup: float, seconds: float, greeks: bool = False, record_s: float = 2.0
) -> dict[str, float]:
    from ttai_tui.broker.service import Broker
    from ttai_tui.config import Target
    from ttai_tui.core.market_state import MarketState

    state = MarketState()
    broker = Broker(Target(mode="exchange", url=url), None, state)
    async with broker:
        await broker.start(account=False)
        wants = _wants(await broker.get_chain("SPY"), greeks)
    # the ceiling's input: the same subscriptions, recorded off the same exchange
    frames = await record_frames(url, wants, record_s)
    sdk_before, per_type = sdk_parse_rate(frames)
    state = MarketState()
    broker = Broker(Target(mode="exchange", url=url), None, state)
    async with broker:
        await broker.start(account=False)
        broker.subscriptions.declare("bench", wants)
        t0 = time.monotonic()
        while state.events == 0:
            if time.monotonic() - t0 > 15:
                raise RuntimeError("no events reached MarketState")
            await asyncio.sleep(0.05)
        await asyncio.sleep(warmup)
        e0, c0 = state.events, time.process_time()
        t0 = time.perf_counter()
        await asyncio.sleep(seconds)
        dt = time.perf_counter() - t0
        events = state.events - e0
        cpu = time.process_time() - c0
        # a consumer draining like the UI would, to prove the dirty set stays bounded
        dirty = len(state.take_dirty("bench"))
        reconnects = broker.status.reconnects
    sdk_after, _ = sdk_parse_rate(frames)
    sdk = (sdk_before + sdk_after) / 2
    rate = events / dt
    per_cpu = events / cpu if cpu > 0 else 0.0
    print(
        f"bench_pipeline: {'mixed' if greeks else 'quote'} mix {per_type}: pipeline {rate:,.0f}/s, "
        f"{per_cpu:,.0f}/CPU s; SDK parse {sdk_before:,.0f} before / {sdk_after:,.0f} after /CPU s, load "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        file=sys.stderr,
    )
    return {
        "events_per_s": round(rate),
        "events_per_cpu_s": round(per_cpu),
        "cpu_percent_of_core": round(100.0 * cpu / dt, 1),
        "subscriptions": float(len(wants)),
        "dirty_symbols": float(dirty),
        "reconnects": float(reconnects),
        "sdk_parse_events_per_cpu_s": round(sdk),
        "vs_sdk_parse": round(per_cpu / sdk, 3) if sdk else 0.0,
        "vs_sdk_parse_wall": round(rate / sdk, 3) if sdk else 0.0,
    }


def run(quick: bool = False) -> dict[str, float]:
    import logging

    # as ttai_tui.logsetup does in the app: the SDK logs every frame at DEBUG otherwise
    logging.disable(logging.DEBUG)
    warm, secs = (1.0, 4.0) if quick else (2.0, 20.0)
    proc, url = _spawn_exchange(RATE)
    try:
        q = asyncio.run(_measure(url, warm, secs))
        m = asyncio.run(_measure(url, warm, secs / 2, greeks=True))
        return {
            "pipeline_events_per_s": q["events_per_s"],
            "pipeline_events_per_cpu_s": q["events_per_cpu_s"],
            "pipeline_cpu_percent_of_core": q["cpu_percent_of_core"],
            "sdk_parse_events_per_cpu_s": q["sdk_parse_events_per_cpu_s"],
            "pipeline_vs_sdk_parse": q["vs_sdk_parse"],
            "pipeline_vs_sdk_parse_wall": q["vs_sdk_parse_wall"],
            "pipeline_mixed_events_per_s": m["events_per_s"],
            "pipeline_mixed_events_per_cpu_s": m["events_per_cpu_s"],
            "sdk_parse_mixed_events_per_cpu_s": m["sdk_parse_events_per_cpu_s"],
            "pipeline_mixed_vs_sdk_parse": m["vs_sdk_parse"],
            "pipeline_reconnects": q["reconnects"] + m["reconnects"],
        }
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
