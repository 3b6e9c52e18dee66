"""Memory over time: RSS of the running dashboard while the exchange sends 10,000 events/s.

Setup (see `_rig.py`): `ttai exchange --rate 10000` in its own process, and the real app,
`ttai --exchange URL`, on a 160x48 pty (see `_pty.py`) with the 50-symbol watchlist and SPY's
41-strike chain open (enter on the first watchlist row). The RSS of the `ttai` process (psutil)
is sampled every 2 s; the app's output is drained all along as a terminal would.

- `rss_mb_after_warmup`: median RSS (MiB) of the samples in the 20 s ending at minute 1;
- `rss_growth_pct`: median RSS of the last 20 s (ending at minute 10) relative to that, in %.

Ten minutes per run, so `RUNS = 1` (the runner honours it); quick mode uses 20 s and 60 s.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bench._pty import PtySession, bench_env, ttai_command, wait_live
from bench._rig import exchange_process, prepare_home

RUNS = 1
COLS, ROWS = 160, 48
SAMPLE_EVERY_S = 2.0
SPAN_S = 20.0


def window_median(samples: list[tuple[float, float]], end: float, span: float = SPAN_S) -> float:
    """Median of the sample values taken in (end - span, end]; the nearest sample if none."""
    inside = [v for t, v in samples if end - span < t <= end]
    if inside:
        return statistics.median(inside)
    return min(samples, key=lambda s: abs(s[0] - end))[1]


def growth(samples: list[tuple[float, float]], warm_s: float, end_s: float) -> tuple[float, float]:
    """(RSS at warm-up, growth in % from warm-up to the end) from (seconds, MiB) samples."""
    warm = window_median(samples, warm_s)
    last = window_median(samples, end_s)
    return warm, (last - warm) / warm * 100.0


def measure(warm_s: float, end_s: float) -> dict[str, float]:
    import psutil

    with tempfile.TemporaryDirectory(prefix="ttai-bench-") as tmp:
        home = Path(tmp)
        with exchange_process(home) as url:
            prepare_home(home, url)
            argv = [*ttai_command(), "--exchange", url]
            with PtySession(argv, bench_env(home), COLS, ROWS) as session:
                if wait_live(session, 30.0) is None:
                    raise RuntimeError("no live SPY price within 30s:\n" + session.text().strip()[-600:])
                session.send("\r")  # open SPY's chain
                session.pump(1.0)
                session.set_emulate(False)
                proc = psutil.Process(session.proc.pid)  # type: ignore[union-attr]
                samples: list[tuple[float, float]] = []
                t0 = session.t_start
                while (now := time.perf_counter()) - t0 < end_s + 0.5:
                    if not session.alive():
                        raise RuntimeError("ttai exited during the memory run")
                    samples.append((now - t0, proc.memory_info().rss / 2**20))
                    session.pump(SAMPLE_EVERY_S)
    warm, pct = growth(samples, warm_s, end_s)
    return {"rss_mb_after_warmup": warm, "rss_growth_pct": pct}


def run(quick: bool = False) -> dict[str, float]:
    return measure(20.0, 60.0) if quick else measure(60.0, 600.0)


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
