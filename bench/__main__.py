"""`make bench`: run every benchmark module several times, report medians, write bench/results.json.

Each module in this package exposes `run(quick: bool = False) -> dict[str, float]`. Modules that
cannot run (a missing optional piece) are reported, not hidden. Targets from the performance
issues are checked here and shown next to each figure; they are never asserted in tests.

`--only M ...` runs those modules and merges their figures into the existing results file: the
figures of the modules not run stay as they were, with the commit, time and load average they
were measured at (`modules` in the file), so a partial run never erases a full one. A ratio is
always computed inside one module run (both sides in the same process and run), never here.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

MODULES = ["bench_exchange", "bench_analysis", "bench_pipeline", "bench_ui", "bench_terminal", "bench_startup",
           "bench_memory", "bench_risk", "bench_alerts"]

# key -> (comparison, limit)
TARGETS = {
    "exchange_delivered_events_per_s": (">=", 100_000),
    "nested_chain_ms": ("<", 100),
    "pipeline_events_per_s": (">=", 50_000),
    "pipeline_vs_sdk_parse": (">=", 0.5),
    "ui_flush_p99_ms": ("<=", 25),
    "event_to_screen_p99_ms": ("<=", 100),
    "keypress_to_screen_p99_ms": ("<=", 100),
    "ui_cpu_percent_of_core": ("<=", 35),
    "terminal_bytes_per_s": ("<=", 10_000),
    "terminal_vs_full_repaint": ("<=", 0.05),
    "startup_first_live_frame_s": ("<=", 1.0),
    "version_s": ("<=", 0.3),
    "rss_growth_pct": ("<=", 5),
    "rss_mb_after_warmup": ("<=", 250),
    "indicator_incremental_speedup": (">=", 100),  # median of ten, at the chart's 600-bar window
    "chart_tick_analysis_ms": ("<=", 1.0),
    "chart_redraw_ms": ("<=", 15),
    "risk_update_ms": ("<", 20),
    "alerts_cost_pct": ("<", 5),
}


# key -> (module, how it is measured): the README's Performance table (`python -m bench --table`)
HOW = {
    "exchange_delivered_events_per_s": ("bench_exchange", "events one raw DXLink client received per second, at the step of a doubling rate ramp (25k, 50k, …) where delivery fell below 90% of the request; fresh events (own time, sequence, sizes), exchange in its own process"),
    "exchange_delivered_events_per_cpu_s": ("bench_exchange", "the same step's events per CPU second of the exchange process"),
    "nested_chain_ms": ("bench_exchange", "median of 25 `GET /option-chains/SPY/nested` (~3,800 options) over loopback, cached"),
    "pipeline_events_per_s": ("bench_pipeline", "events applied to MarketState per second over 20 s: exchange (own process, rate mode) → WebSocket → SDK → broker, Quote+Trade mix"),
    "sdk_parse_events_per_cpu_s": ("bench_pipeline", "the SDK's reader alone (json.loads + from_stream) on frames recorded off the same exchange with the same subscriptions, same process and run, per CPU second"),
    "pipeline_vs_sdk_parse": ("bench_pipeline", "pipeline events per CPU second ÷ the SDK parse ceiling above (same mix, process and run)"),
    "ui_flush_p99_ms": ("bench_ui", "p99 of `TtaiApp.flush_market` over 20 s; app headless at 160×48, 50-symbol watchlist + 41-strike chain, exchange at 10,000 events/s"),
    "event_to_screen_p99_ms": ("bench_ui", "p99 from the exchange's timestamp of a new quote to the first frame after the flush that drained it (same setup)"),
    "keypress_to_screen_p99_ms": ("bench_ui", "p99 from a `down`/`up` handed to the driver to the first frame with the moved cursor, every 0.25 s (same setup)"),
    "ui_cpu_percent_of_core": ("bench_ui", "CPU seconds of the app process (SDK, broker, UI) ÷ wall seconds over the window (same setup)"),
    "ui_events_applied_per_s": ("bench_ui", "events the app applied per second in that window: 10,000 when it keeps up (below that, the latencies and CPU above describe an app that fell behind)"),
    "ui_heap_settle_ms": ("bench_ui", "how long the app's full heap settle (unfreeze, collect, freeze; ui/heap.py) held the event loop, after start-up and then every 5 minutes; the window above starts after the first one"),
    "terminal_bytes_per_s": ("bench_terminal", "bytes `ttai --demo` writes to a 120×40 pty in 30 s with SPY's chain open"),
    "full_repaint_bytes_per_s": ("bench_terminal", "the same, measured over 10 s with the whole screen repainted after every UI flush (`bench/_full_repaint.py`)"),
    "terminal_vs_full_repaint": ("bench_terminal", "the two byte rates above, same run"),
    "startup_first_live_frame_s": ("bench_startup", "spawn of `ttai --demo` on a 120×40 pty → the read completing the first screen where SPY's row shows a price; median of 3 after a warm-up"),
    "version_s": ("bench_startup", "wall time of `ttai --version`, median of 7"),
    "rss_mb_after_warmup": ("bench_memory", "RSS of `ttai --exchange URL` on a 160×48 pty at 10,000 events/s, median of the 20 s ending at minute 1"),
    "rss_growth_pct": ("bench_memory", "growth of that median from minute 1 to minute 10"),
    "indicator_incremental_speedup": ("bench_analysis", "median over ten indicators of a vectorised recompute over 600 bars ÷ one incremental `replace_last`, CPU time"),
    "chart_tick_analysis_ms": ("bench_analysis", "one forming-candle tick's indicator work as the chart pane does it (600 bars, sma20/ema50/bb20/rsi14 from `IndicatorCache`), CPU time"),
    "chart_tick_analysis_full_ms": ("bench_analysis", "the same tick with every series recomputed from scratch"),
    "chart_redraw_ms": ("bench_analysis", "median full chart render at 160×48 into the Segments the pane paints (ttai's own renderer): 600 bars, sma20/ema50/bb20 overlays, levels, volume and RSI panels, indicators from scratch, CPU time"),
    "risk_update_ms": ("bench_risk", "median wall time of one Risk-tab recomputation of a 20-strategy portfolio: strategies' figures, the what-if grid and the selected payoff's curves"),
    "risk_update_cpu_ms": ("bench_risk", "the same update in CPU time of the measuring thread"),
    "alerts_cost_pct": ("bench_alerts", "pipeline CPU per event with 500 armed alerts ÷ without, minus 1, in %: the same exchange-to-MarketState pipeline at 10,000 events/s, both halves in one process and run"),
}


def table(report: dict[str, Any]) -> str:
    """The README's Performance table: every figure of ``HOW`` with how it is measured, the
    value, the target, and the commit and load average of the module run it comes from."""
    results, targets, modules = report.get("results", {}), report.get("targets", {}), report.get("modules", {})
    lines = ["| figure | how it is measured | measured | target | run (commit, load avg) |",
             "|---|---|---:|---|---|"]
    for key, (module, how) in HOW.items():
        value = results.get(key)
        shown = "not measured" if value is None else (f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}")
        t = targets.get(key) or ({"op": TARGETS[key][0], "limit": TARGETS[key][1]} if key in TARGETS else None)
        goal = "—" if t is None else f"{t['op'].replace('>=', '≥').replace('<=', '≤')} {t['limit']:,g}"
        if t is not None and "met" in t:
            goal += "" if t["met"] else " (missed)"
        run = modules.get(module)
        where = "—" if not run else f"`{run.get('commit', '?')}`, {min(run.get('loadavg') or [0]):.1f}–{max(run.get('loadavg') or [0]):.1f}"
        lines.append(f"| `{key}` | {how} | {shown} | {goal} | {where} |")
    return "\n".join(lines)


def _meets(op: str, value: float, limit: float) -> bool:
    return {">=": value >= limit, "<=": value <= limit, "<": value < limit}[op]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    ap.add_argument("--runs", type=int, default=3, help="runs per module (median reported)")
    ap.add_argument("--quick", action="store_true", help="shorter runs (for a smoke check)")
    ap.add_argument("--only", nargs="*", help="module names to run")
    ap.add_argument("--out", default=str(Path(__file__).with_name("results.json")))
    ap.add_argument("--table", action="store_true", help="print the README Performance table from --out and exit")
    args = ap.parse_args(argv)
    if args.table:
        print(table(_read(Path(args.out))))
        return 0

    samples: dict[str, list[float]] = {}
    problems: dict[str, str] = {}
    modules: dict[str, dict[str, Any]] = {}
    commit = _commit()
    for name in args.only or MODULES:
        try:
            mod = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            problems[name] = f"not available: {exc}"
            continue
        runs = getattr(mod, "RUNS", args.runs)
        modules[name] = {"commit": commit, "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                         "loadavg": [_loadavg()], "quick": args.quick, "keys": []}
        for i in range(runs):
            t0 = time.perf_counter()
            try:
                figures = mod.run(quick=args.quick)
            except Exception as exc:  # a broken benchmark is reported, the others still run
                problems[name] = f"{type(exc).__name__}: {exc}"
                break
            print(f"  {name} run {i + 1}/{runs}: {time.perf_counter() - t0:.1f}s", file=sys.stderr)
            modules[name]["loadavg"].append(_loadavg())
            for key, value in figures.items():
                samples.setdefault(key, []).append(float(value))
                if key not in modules[name]["keys"]:
                    modules[name]["keys"].append(key)

    fresh = {
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": _cpus()},
        "runs": {k: len(v) for k, v in samples.items()},
        "results": {k: statistics.median(v) for k, v in samples.items()},
        "modules": modules,
        "problems": problems,
    }
    out = Path(args.out)
    report = merge(_read(out), fresh) if args.only else fresh
    results = report["results"]
    report["targets"] = {k: {"op": op, "limit": lim, "met": _meets(op, results[k], lim)}
                         for k, (op, lim) in TARGETS.items() if k in results}
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(report, indent=2) + "\n")
    os.replace(tmp, out)
    print(f"{'figure':34} {'median':>14}  target")
    for key in sorted(results):
        target = report["targets"].get(key)
        mark = "" if target is None else f"{target['op']} {target['limit']:g}  {'ok' if target['met'] else 'MISSED'}"
        print(f"{key:34} {results[key]:14.3f}  {mark}")
    for name, why in problems.items():
        print(f"{name}: {why}")
    print(f"wrote {args.out}")
    return 0


def merge(old: dict[str, Any], fresh: dict[str, Any]) -> dict[str, Any]:
    """``old`` report with the modules run in ``fresh`` replaced: each fresh module's previous
    figures are dropped (also keys it no longer reports), its new ones added; other modules'
    figures, run counts and provenance are kept. Problems of the fresh modules replace theirs."""
    stale: set[str] = set()
    for name in fresh["modules"]:
        stale.update(old.get("modules", {}).get(name, {}).get("keys", []))
    ran = set(fresh["modules"]) | set(fresh["problems"])
    results = {k: v for k, v in old.get("results", {}).items() if k not in stale}
    results.update(fresh["results"])
    runs = {k: v for k, v in old.get("runs", {}).items() if k not in stale}
    runs.update(fresh["runs"])
    modules = {k: v for k, v in old.get("modules", {}).items() if k not in ran}
    modules.update(fresh["modules"])
    problems = {k: v for k, v in old.get("problems", {}).items() if k not in ran}
    problems.update(fresh["problems"])
    return {"machine": fresh["machine"], "runs": runs, "results": results, "modules": modules,
            "problems": problems}


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except ValueError as exc:
        raise SystemExit(f"{path}: not valid JSON ({exc}); move it away or run without --only") from exc
    return data if isinstance(data, dict) else {}


def _loadavg() -> float:
    return round(os.getloadavg()[0], 2)


def _commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                             cwd=Path(__file__).parent, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                                ":!bench/results.json"], capture_output=True, text=True,
                               cwd=Path(__file__).parents[1], timeout=10).stdout.strip()
    except OSError:
        return "unknown"
    return out.stdout.strip() + ("+dirty" if dirty else "") if out.returncode == 0 else "unknown"


def _cpus() -> int:
    return os.cpu_count() or 0


if __name__ == "__main__":
    raise SystemExit(main())
