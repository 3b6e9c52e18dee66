"""Pipeline throughput: exchange -> WebSocket -> SDK parse -> broker drain -> MarketState.

``pipeline_events_per_s`` is the number of events applied to MarketState per second, sustained
(20 s in full mode, after a 2 s warm-up), with the exchange in its own process pushing as fast
as it can (rate mode, ``bench._exchange_proc``, the exchange helper's rate knob) so the
exchange's CPU is not billed to the pipeline. Everything between the socket and MarketState is
the production code: ``Broker`` with its session, stream supervisor, subscription manager and
batch drains, on the unmodified SDK (which parses every event with pydantic).

Two mixes, because the SDK's parse cost differs ~4x between event types:

* ``pipeline_events_per_s`` -- Quote for every equity of the universe and 200 SPY options,
  Trade for the equities: the same event kind as ``sdk_parse_events_per_s`` (Quote), so their
  ratio (``pipeline_vs_sdk_parse``) measures what the socket, the SDK reader and the broker add.
* ``pipeline_mixed_events_per_s`` -- the same plus Greeks for the 200 options (all-Decimal
  events the SDK parses ~4x slower): what a chain-heavy screen sustains.

``pipeline_events_per_cpu_s`` divides by the pipeline process's CPU time, so it stays
comparable when other work competes for the two cores.

Run: ``python -m bench.bench_pipeline [--quick]`` (prints JSON).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time

RATE = 1_000_000.0  # ask the exchange for more than the pipeline can take


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


async def _measure(
    url: str, warmup: float, seconds: float, greeks: bool = False
) -> dict[str, float]:
    from ttai_tui.broker.service import Broker
    from ttai_tui.config import Target
    from ttai_tui.core.market_state import MarketState
    from ttai_tui.exchange.universe import UNIVERSE

    state = MarketState()
    broker = Broker(Target(mode="exchange", url=url), None, state)
    async with broker:
        await broker.start(account=False)
        chain = await broker.get_chain("SPY")
        opts = [r.call_streamer for e in chain.expirations[:4] for r in e.strikes][:200]
        equities = [s.symbol for s in UNIVERSE]
        wants = {(t, s) for s in equities for t in ("Quote", "Trade")}
        wants |= {("Quote", s) for s in opts}
        if greeks:
            wants |= {("Greeks", s) for s in opts}
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
        return {
            "events_per_s": round(events / dt),
            "events_per_cpu_s": round(events / cpu) if cpu > 0 else 0.0,
            "cpu_percent_of_core": round(100.0 * cpu / dt, 1),
            "subscriptions": float(len(wants)),
            "dirty_symbols": float(dirty),
            "reconnects": float(broker.status.reconnects),
        }


def _sdk_parse_rate() -> float:
    """Quote.from_stream on ready-made COMPACT values (as bench_exchange measures it)."""
    from bench.bench_exchange import sdk_parse_events_per_s

    return sdk_parse_events_per_s(rounds=10)


def run(quick: bool = False) -> dict[str, float]:
    import logging

    # as ttai_tui.logsetup does in the app: the SDK logs every frame at DEBUG otherwise
    logging.disable(logging.DEBUG)
    warm, secs = (1.0, 4.0) if quick else (2.0, 20.0)
    proc, url = _spawn_exchange(RATE)
    try:
        q = asyncio.run(_measure(url, warm, secs))
        m = asyncio.run(_measure(url, warm, secs / 2, greeks=True))
        sdk = _sdk_parse_rate()
        return {
            "pipeline_events_per_s": q["events_per_s"],
            "pipeline_events_per_cpu_s": q["events_per_cpu_s"],
            "pipeline_cpu_percent_of_core": q["cpu_percent_of_core"],
            "pipeline_mixed_events_per_s": m["events_per_s"],
            "pipeline_mixed_events_per_cpu_s": m["events_per_cpu_s"],
            "pipeline_reconnects": q["reconnects"] + m["reconnects"],
            # the SDK's bare Quote parse rate measured in this run, under the same machine load
            "pipeline_sdk_parse_same_run": round(sdk),
            "pipeline_vs_sdk_parse_same_run": round(q["events_per_s"] / sdk, 3) if sdk else 0.0,
        }
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
