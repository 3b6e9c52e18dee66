"""What 500 armed alerts cost the pipeline at 10,000 events/s (issue: alerts, "cheap").

One exchange process streams 10k events/s (rate mode) to one Broker in this process, subscribed
to the same mix as ``bench_pipeline`` (Quote + Trade of every listed name, Quote of 200 SPY
options). 500 alerts are armed on those symbols (last / bid / ask / mark / change on the names,
mark on the options; levels far from the price, so they stay armed and are evaluated on every
event without firing). The same connection then alternates windows with the AlertEngine hooked
into the stream and unhooked (off, on, timed; repeated), so every side shares the process, the
run, the feed and the machine load. "On" means both entry points: the per-event watchers the
writer calls (``MarketState.quote_watch`` / ``trade_watch``) and the batch hook.

Figures:

* ``alerts_pipeline_cpu_us_per_event_off`` / ``_on``: the pipeline process's CPU time per event
  applied, without and with the alerts;
* ``alerts_cost_pct``: (on / off - 1) x 100, the share of pipeline throughput the alerts take
  (CPU per event is what bounds throughput; at a fixed 10k/s both sides see the same rate);
* ``alerts_eval_share_pct``: time spent inside the alerts' code as a share of the pipeline's
  CPU time, in "timed" windows where every call is timed (a direct measurement, less noisy
  than the difference, and an upper bound since it includes the timer's own cost);
* ``alerts_events_per_s_on``: events applied per second with the alerts (the requested 10k);
* ``alerts_armed``: alerts evaluated (500) and ``alerts_fired`` (0 expected: levels unreachable).

Run: ``python -m bench.bench_alerts [--quick]`` (prints JSON).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.bench_pipeline import _spawn_exchange

RATE = 10_000.0
ALERTS = 500


def _alerts(book: Any, equities: list[str], options: list[str], state: Any) -> None:
    """ALERTS armed alerts over the subscribed symbols (kept in memory: no 500 file writes)."""
    from ttai_tui.broker.alerts.store import Alert
    from ttai_tui.core.alerts import parse_alert

    texts: list[str] = []
    fields = ("last", "bid", "ask", "mark", "change")
    i = 0
    while len(texts) < ALERTS:
        if i % 2 == 0:
            sym = equities[(i // 2) % len(equities)]
            field = fields[(i // 2 // len(equities)) % len(fields)]
            level = "1000" if field == "change" else "1000000"
            texts.append(f"{sym} {field} above {level} every")
        else:
            texts.append(f"{options[(i // 2) % len(options)]} mark above 100000 every")
        i += 1
    for n, text in enumerate(texts, 1):
        book.alerts[n] = Alert(n, parse_alert(text), 0.0)
    book.next_id = len(texts) + 1


async def _measure(url: str, warmup: float, window: float, pairs: int) -> dict[str, float]:
    from ttai_tui.broker import events as ev
    from ttai_tui.broker.alerts.store import AlertBook
    from ttai_tui.broker.service import Broker
    from ttai_tui.config import Target
    from ttai_tui.core.market_state import MarketState
    from ttai_tui.exchange.universe import UNIVERSE

    state = MarketState()
    broker = Broker(Target(mode="exchange", url=url), None, state)
    fired: list[Any] = []
    broker.add_listener(lambda e: fired.append(e) if isinstance(e, ev.AlertFired) else None)
    with tempfile.TemporaryDirectory() as tmp:
        book = AlertBook(Path(tmp) / "alerts.json")
        async with broker:
            await broker.start(account=False)
            chain = await broker.get_chain("SPY")
            opts = [r.call_streamer for e in chain.expirations[:4] for r in e.strikes][:200]
            equities = [s.symbol for s in UNIVERSE]
            _alerts(book, equities, opts, state)
            engine = broker.enable_alerts(book)  # declares the alerts' own wants too
            hook = engine.on_batch
            spent = [0.0]

            def timed(kind: str, batch: list[Any]) -> None:
                t0 = time.thread_time()
                hook(kind, batch)
                spent[0] += time.thread_time() - t0

            wants = {(t, s) for s in equities for t in ("Quote", "Trade")}
            wants |= {("Quote", s) for s in opts}
            broker.subscriptions.declare("bench", wants)
            t0 = time.monotonic()
            while state.events == 0:
                if time.monotonic() - t0 > 15:
                    raise RuntimeError("no events reached MarketState")
                await asyncio.sleep(0.05)
            qwatch, twatch = dict(state.quote_watch), dict(state.trade_watch)

            def wrap(fn: Any) -> Any:
                def w(record: Any) -> None:
                    t0 = time.thread_time()
                    fn(record)
                    spent[0] += time.thread_time() - t0

                return w

            modes = {
                "off": (None, {}, {}),
                "on": (hook, qwatch, twatch),
                # the same, every call timed: for the share of time spent in alerts (the timer's
                # own cost is included, so this share is an upper bound); thread CPU time, not wall time
                "timed": (timed, {k: wrap(f) for k, f in qwatch.items()}, {k: wrap(f) for k, f in twatch.items()}),
            }

            def use(mode: str) -> None:
                batch_hook, q, t = modes[mode]
                broker.stream.on_batch = batch_hook
                state.quote_watch.clear()
                state.quote_watch.update(q)
                state.trade_watch.clear()
                state.trade_watch.update(t)

            use("on")
            await asyncio.sleep(warmup)
            totals = {m: [0, 0.0, 0.0] for m in modes}  # events, cpu, wall
            timed_spent = 0.0
            for _ in range(pairs):
                for mode in ("off", "on", "timed"):
                    use(mode)
                    await asyncio.sleep(0.2)  # let batches in flight settle into the mode
                    e0, c0, w0, s0 = state.events, time.process_time(), time.perf_counter(), spent[0]
                    await asyncio.sleep(window)
                    t = totals[mode]
                    t[0] += state.events - e0
                    t[1] += time.process_time() - c0
                    t[2] += time.perf_counter() - w0
                    if mode == "timed":
                        timed_spent += spent[0] - s0
            use("on")
            armed = sum(1 for a in book.alerts.values() if a.state.status != "fired")
            evaluated = sum(1 for a in book.alerts.values() if a.state.value is not None)
    off, on, tm = totals["off"], totals["on"], totals["timed"]
    us_off = off[1] / off[0] * 1e6 if off[0] else 0.0
    us_on = on[1] / on[0] * 1e6 if on[0] else 0.0
    return {
        "alerts_armed": float(armed),
        "alerts_evaluated": float(evaluated),
        "alerts_fired": float(len(fired)),
        "alerts_events_per_s_off": round(off[0] / off[2]) if off[2] else 0.0,
        "alerts_events_per_s_on": round(on[0] / on[2]) if on[2] else 0.0,
        "alerts_pipeline_cpu_us_per_event_off": round(us_off, 2),
        "alerts_pipeline_cpu_us_per_event_on": round(us_on, 2),
        "alerts_cost_pct": round((us_on / us_off - 1.0) * 100.0, 2) if us_off else 0.0,
        "alerts_eval_share_pct": round(timed_spent / tm[1] * 100.0, 2) if tm[1] else 0.0,
    }


def run(quick: bool = False) -> dict[str, float]:
    import logging

    logging.disable(logging.DEBUG)  # as the app does: the SDK logs every frame at DEBUG otherwise
    warm, window, pairs = (1.0, 2.0, 2) if quick else (2.0, 5.0, 4)
    proc, url = _spawn_exchange(RATE)
    try:
        return asyncio.run(_measure(url, warm, window, pairs))
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
