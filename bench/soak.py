"""Soak test: a whole session of faults against the exchange, watching for leaks.

`make soak` runs ``python -m bench.soak`` (30 minutes); ``--minutes 3`` for a quick check.
It is not part of `make test`.

What it does: starts the simulated exchange in a *subprocess* (so the sockets, tasks and memory
measured here are the client's alone) with a DXLink drop every 30 s and 60 s access tokens,
then runs the broker facade exactly as the dashboard does: a watchlist of quotes/trades/
summaries, option greeks for a few strikes, a 1-minute candle series, the account poller, and a
consumer draining MarketState at 15 Hz. Every ``--sample-every`` seconds it records RSS, the
number of asyncio tasks, open sockets and file descriptors.

Verdict (exit 1 when any holds):
* an unhandled exception (the loop's exception handler was called, or a task died), or an
  ERROR-level log record carrying a traceback;
* after warm-up, RSS, tasks, sockets or fds grow: the median of the last third of the samples
  is compared with the median of the first third after warm-up (RSS may move by
  ``max(8 MiB, 5 %)``; tasks by 2; sockets and fds by 2, since a reconnect in flight holds one
  more). The report also gives the RSS trend after warm-up in MiB per minute (least squares);
* market data stopped: no event for more than 15 s at a sample.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SYMBOLS = ["SPY", "QQQ", "IWM", "AAPL", "MSFT", "NVDA", "TSLA", "AMZN"]
SECRET, REFRESH = "soak-provider-secret", "soak-refresh-token"


@dataclass
class Sample:
    t: float  # seconds since start
    rss_mb: float
    tasks: int
    sockets: int
    fds: int
    events: int
    reconnects: int
    refreshes: int
    last_event_age: float | None
    state: str


@dataclass
class Report:
    minutes: float
    samples: list[Sample] = field(default_factory=list)
    unhandled: list[str] = field(default_factory=list)
    error_logs: list[str] = field(default_factory=list)
    broker_errors: int = 0
    verdicts: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.verdicts


class _ErrorCounter(logging.Handler):
    """Keeps ERROR records that carry a traceback: those are bugs, not expected retries."""

    def __init__(self, report: Report) -> None:
        super().__init__(logging.ERROR)
        self.report = report

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.report.error_logs.append(f"{record.name}: {record.getMessage()[:200]}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_exchange(
    drop_every: float, token_lifetime: float, log_path: Path
) -> tuple[subprocess.Popen[bytes], str]:
    """`ttai exchange` in a child process; returns it and its URL once it answers."""
    port = _free_port()
    cmd = [
        sys.executable,
        "-m",
        "ttai_tui",
        "exchange",
        "--port",
        str(port),
        "--drop-every",
        str(drop_every),
        "--token-lifetime",
        str(token_lifetime),
        "--client-secret",
        SECRET,
        "--refresh-token",
        REFRESH,
    ]
    out = log_path.open("wb")
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"exchange exited early (code {proc.returncode}); see {log_path}")
        try:
            with urllib.request.urlopen(url + "/_exchange/stats", timeout=1):
                return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"exchange did not answer on {url}; see {log_path}")


def exchange_stats(url: str) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(url + "/_exchange/stats", timeout=2) as r:
            return dict(json.load(r))
    except OSError:
        return {}


def _sockets(proc: Any) -> int:
    try:
        return len(proc.net_connections(kind="inet"))
    except Exception:
        return -1


async def _run(args: argparse.Namespace, url: str, report: Report) -> None:
    import psutil

    from ttai_tui.broker.service import Broker
    from ttai_tui.config import Secret, Settings, Target
    from ttai_tui.core.market_state import MarketState

    loop = asyncio.get_running_loop()

    def on_loop_error(_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        report.unhandled.append(
            f"{context.get('message')}: {type(exc).__name__ if exc else ''} {exc or ''}"[:300]
        )

    loop.set_exception_handler(on_loop_error)
    me = psutil.Process()
    state = MarketState()
    target = Target("exchange", url, Secret(SECRET), Secret(REFRESH))
    broker = Broker(target, Settings(), state)

    def on_event(event: Any) -> None:
        if type(event).__name__ == "BrokerError":
            report.broker_errors += 1

    broker.add_listener(on_event)
    await broker.start()
    wants = {(kind, sym) for sym in SYMBOLS for kind in ("Quote", "Trade", "Summary")}
    broker.subscriptions.declare("watchlist", wants)
    try:
        chain = await broker.get_chain("SPY")
        exp = chain.expirations[min(2, len(chain.expirations) - 1)]
        rows = exp.strikes[len(exp.strikes) // 2 - 3 : len(exp.strikes) // 2 + 3]
        greeks = {
            (k, s)
            for r in rows
            for s in (r.call_streamer, r.put_streamer)
            for k in ("Quote", "Greeks")
        }
        broker.subscriptions.declare("chain", greeks)
    except Exception as exc:  # the chain is a nice-to-have for the soak, not the point
        report.error_logs.append(f"chain setup failed: {type(exc).__name__}: {exc}"[:200])
    broker.subscriptions.declare_candles("chart", "SPY", "1m", time.time() - 3 * 3600)

    async def consumer() -> None:
        """What the dashboard's refresh timer does: drain dirty keys at 15 Hz."""
        while True:
            state.take_dirty("watchlist")
            await asyncio.sleep(1 / 15)

    drain = asyncio.create_task(consumer(), name="soak-consumer")
    start = time.monotonic()
    end = start + args.minutes * 60
    try:
        while time.monotonic() < end:
            await asyncio.sleep(min(args.sample_every, max(0.0, end - time.monotonic())))
            st, tok = broker.status, broker.token
            s = Sample(
                t=round(time.monotonic() - start, 1),
                rss_mb=round(me.memory_info().rss / 2**20, 2),
                tasks=len(asyncio.all_tasks()),
                sockets=_sockets(me),
                fds=me.num_fds(),
                events=st.events,
                reconnects=st.reconnects,
                refreshes=tok.refreshes,
                last_event_age=None
                if st.last_event is None
                else round(st.last_event_age(broker.clock.now()), 2),
                state=str(getattr(st.state, "value", st.state)),
            )
            report.samples.append(s)
            if not args.quiet:
                print(_row(s), flush=True)
            if drain.done():
                report.unhandled.append(f"consumer died: {drain.exception()!r}")
                break
    finally:
        drain.cancel()
        await broker.stop()


def _row(s: Sample) -> str:
    age = "-" if s.last_event_age is None else f"{s.last_event_age:.1f}"
    return (
        f"{s.t:7.0f}s rss={s.rss_mb:7.1f}MB tasks={s.tasks:3d} sockets={s.sockets:3d} fds={s.fds:3d} "
        f"events={s.events:9d} reconnects={s.reconnects:3d} refreshes={s.refreshes:3d} age={age:>5} {s.state}"
    )


def judge(report: Report, warmup_s: float) -> None:
    """Fill report.verdicts (empty means pass)."""
    v = report.verdicts
    if report.unhandled:
        v.append(f"{len(report.unhandled)} unhandled exception(s)")
    if report.error_logs:
        v.append(f"{len(report.error_logs)} ERROR log record(s) with a traceback")
    after = [s for s in report.samples if s.t >= warmup_s]
    if len(after) < 6:
        v.append(f"too few samples after warm-up ({len(after)}); run longer")
        return
    third = max(2, len(after) // 3)
    first, last = after[:third], after[-third:]

    def med(xs: list[Sample], attr: str) -> float:
        return float(statistics.median(getattr(s, attr) for s in xs))

    rss0, rss1 = med(first, "rss_mb"), med(last, "rss_mb")
    if rss1 - rss0 > max(8.0, 0.05 * rss0):
        v.append(f"RSS grew after warm-up: {rss0:.1f} -> {rss1:.1f} MB")
    for attr, slack in (("tasks", 2), ("sockets", 2), ("fds", 2)):
        a, b = med(first, attr), med(last, attr)
        if b - a > slack:
            v.append(f"{attr} grew after warm-up: {a:.0f} -> {b:.0f}")
    stale = [s for s in after if s.last_event_age is None or s.last_event_age > 15]
    if stale:
        v.append(f"market data stalled at {len(stale)} sample(s), e.g. t={stale[0].t}s")
    if report.samples[-1].reconnects < 1 and report.minutes * 60 > 2 * 30:
        v.append("no reconnects happened: the drop fault did not apply")


def _slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of ys over xs."""
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return 0.0 if den == 0 else sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=30.0, help="how long to run (default 30)")
    p.add_argument(
        "--drop-every", type=float, default=30.0, help="DXLink drop period, s (default 30)"
    )
    p.add_argument(
        "--token-lifetime", type=float, default=60.0, help="access-token lifetime, s (default 60)"
    )
    p.add_argument(
        "--sample-every",
        type=float,
        default=None,
        help="seconds between samples (default: run/60, 5..30)",
    )
    p.add_argument(
        "--warmup",
        type=float,
        default=None,
        help="warm-up seconds (default: a third of the run, at most 5 min)",
    )
    p.add_argument("--json", type=Path, default=None, help="also write the report to this file")
    p.add_argument("--quiet", action="store_true", help="no per-sample lines")
    args = p.parse_args(argv)
    total = args.minutes * 60
    if args.sample_every is None:
        args.sample_every = min(30.0, max(5.0, total / 60))
    warmup = args.warmup if args.warmup is not None else min(300.0, total / 3)

    import tempfile

    with tempfile.TemporaryDirectory(prefix="ttai-soak-") as tmp:
        os.environ["TTAI_HOME"] = tmp
        os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
        logging.basicConfig(filename=str(Path(tmp) / "soak.log"), level=logging.INFO)
        report = Report(minutes=args.minutes)
        logging.getLogger().addHandler(_ErrorCounter(report))
        proc, url = start_exchange(args.drop_every, args.token_lifetime, Path(tmp) / "exchange.log")
        print(
            f"soak: {args.minutes:g} min against {url} (drop every {args.drop_every:g} s, "
            f"tokens {args.token_lifetime:g} s), warm-up {warmup:.0f} s",
            flush=True,
        )
        try:
            asyncio.run(_run(args, url, report))
        except Exception as exc:
            report.unhandled.append(f"soak run crashed: {type(exc).__name__}: {exc}"[:300])
        finally:
            stats = exchange_stats(url)
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
    judge(report, warmup)
    summary = {
        "ok": report.ok,
        "verdicts": report.verdicts,
        "minutes": args.minutes,
        "warmup_s": warmup,
        "unhandled": report.unhandled[:20],
        "error_logs": report.error_logs[:20],
        "broker_errors": report.broker_errors,
        "exchange": {k: stats.get(k) for k in sorted(stats)} if stats else {},
        "samples": [asdict(s) for s in report.samples],
    }
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    after = [x for x in report.samples if x.t >= warmup]
    if len(after) >= 3:
        summary["rss_trend_mb_per_min"] = round(
            _slope([x.t / 60 for x in after], [x.rss_mb for x in after]), 3
        )
    brief = {k: v for k, v in summary.items() if k != "samples"}
    first_after = next((s for s in report.samples if s.t >= warmup), None)
    if first_after and report.samples:
        last = report.samples[-1]
        brief["after_warmup"] = {
            "rss_mb": [first_after.rss_mb, last.rss_mb],
            "tasks": [first_after.tasks, last.tasks],
            "sockets": [first_after.sockets, last.sockets],
            "fds": [first_after.fds, last.fds],
        }
    print(json.dumps(brief, indent=2, default=str))
    print("soak: PASS" if report.ok else "soak: FAIL: " + "; ".join(report.verdicts))
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
