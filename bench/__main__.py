"""`make bench`: run every benchmark module several times, report medians, write bench/results.json.

Each module in this package exposes `run(quick: bool = False) -> dict[str, float]`. Modules that
cannot run (a missing optional piece) are reported, not hidden. Targets from the performance
issue are checked here and shown next to each figure; they are never asserted in tests.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import statistics
import sys
import time
from pathlib import Path

MODULES = ["bench_exchange", "bench_analysis", "bench_pipeline", "bench_ui", "bench_terminal", "bench_startup", "bench_memory", "bench_alerts"]

# key -> (comparison, limit or a function of the results)
TARGETS = {
    "exchange_events_per_s": (">=", 100_000),
    "nested_chain_ms": ("<", 100),
    "pipeline_events_per_s": (">=", 50_000),
    "pipeline_vs_sdk_parse": (">=", 0.5),
    "ui_flush_p99_ms": ("<=", 25),
    "event_to_screen_p99_ms": ("<=", 150),
    "keypress_to_screen_p99_ms": ("<=", 100),
    "ui_cpu_percent_of_core": ("<=", 60),
    "terminal_bytes_per_s": ("<=", 30_000),
    "terminal_vs_full_repaint": ("<=", 0.05),
    "startup_first_live_frame_s": ("<=", 1.5),
    "version_s": ("<=", 0.3),
    "rss_growth_pct": ("<=", 5),
    "rss_mb_after_warmup": ("<=", 250),
    "indicator_incremental_speedup": (">=", 100),
    "chart_redraw_ms": ("<", 50),
    "alerts_cost_pct": ("<", 5),
}


def _meets(op: str, value: float, limit: float) -> bool:
    return {">=": value >= limit, "<=": value <= limit, "<": value < limit}[op]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    ap.add_argument("--runs", type=int, default=3, help="runs per module (median reported)")
    ap.add_argument("--quick", action="store_true", help="shorter runs (for a smoke check)")
    ap.add_argument("--only", nargs="*", help="module names to run")
    ap.add_argument("--out", default=str(Path(__file__).with_name("results.json")))
    args = ap.parse_args(argv)

    samples: dict[str, list[float]] = {}
    problems: dict[str, str] = {}
    for name in args.only or MODULES:
        try:
            mod = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            problems[name] = f"not available: {exc}"
            continue
        runs = getattr(mod, "RUNS", args.runs)
        for i in range(runs):
            t0 = time.perf_counter()
            try:
                figures = mod.run(quick=args.quick)
            except Exception as exc:  # a broken benchmark is reported, the others still run
                problems[name] = f"{type(exc).__name__}: {exc}"
                break
            print(f"  {name} run {i + 1}/{runs}: {time.perf_counter() - t0:.1f}s", file=sys.stderr)
            for key, value in figures.items():
                samples.setdefault(key, []).append(float(value))

    results = {k: statistics.median(v) for k, v in samples.items()}
    if "pipeline_events_per_s" in results and results.get("sdk_parse_events_per_s"):
        results["pipeline_vs_sdk_parse"] = results["pipeline_events_per_s"] / results["sdk_parse_events_per_s"]
    if "terminal_bytes_per_s" in results and results.get("full_repaint_bytes_per_s"):
        results["terminal_vs_full_repaint"] = results["terminal_bytes_per_s"] / results["full_repaint_bytes_per_s"]

    report = {
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": _cpus()},
        "runs": {k: len(v) for k, v in samples.items()},
        "results": results,
        "targets": {k: {"op": op, "limit": lim, "met": _meets(op, results[k], lim)}
                    for k, (op, lim) in TARGETS.items() if k in results},
        "problems": problems,
    }
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(f"{'figure':34} {'median':>14}  target")
    for key in sorted(results):
        target = report["targets"].get(key)
        mark = "" if target is None else f"{target['op']} {target['limit']:g}  {'ok' if target['met'] else 'MISSED'}"
        print(f"{key:34} {results[key]:14.3f}  {mark}")
    for name, why in problems.items():
        print(f"{name}: {why}")
    print(f"wrote {args.out}")
    return 0


def _cpus() -> int:
    import os

    return os.cpu_count() or 0


if __name__ == "__main__":
    raise SystemExit(main())
