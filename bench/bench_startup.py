"""Start-up: `ttai --version` and the time to the first frame with a live price in the demo.

`version_s`: median wall time of `ttai --version` as a subprocess (the console script, the way a
user runs it), after one untimed run that warms the OS file cache.

`startup_first_live_frame_s`: `ttai --demo` on a real 120x40 pty (see `_pty.py`), from just before
the process is spawned to the read that completes the first screen on which the watchlist row of
SPY shows a price: the word ``SPY`` followed in the same pane (no box-drawing character between)
by a decimal number with two decimals. Before streamed data arrives that cell shows ``—``, so the
criterion is only met once the in-process exchange, the SDK, the broker and the UI have all run.
Each run uses a fresh TTAI_HOME, so no user file is read or written.

Bytecode: the figures are of an installed ttai, whose modules have bytecode (pip compiles it at
install). An editable install under ``PYTHONDONTWRITEBYTECODE=1`` (set on some machines) never
writes any, so every start would compile ttai's ~200 modules from source, in the app and in the
demo exchange's process (~0.4 s of CPU each). ``run()`` therefore compiles the package first,
as the warm-up run below does where bytecode may be written.
"""

from __future__ import annotations

import compileall
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench._pty import PtySession, bench_env, ttai_command, wait_live

STARTUP_TIMEOUT_S = 30.0


def version_times(repeat: int) -> list[float]:
    """Wall times of `ttai --version` (the first, cache-warming run is dropped)."""
    cmd = [*ttai_command(), "--version"]
    with tempfile.TemporaryDirectory(prefix="ttai-bench-") as home:
        env = bench_env(Path(home))
        times = []
        for _ in range(repeat + 1):
            t0 = time.perf_counter()
            subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
            times.append(time.perf_counter() - t0)
    return times[1:]


def first_live_frame(timeout: float = STARTUP_TIMEOUT_S) -> float:
    """Seconds from spawning `ttai --demo` to the first screen with a live SPY price."""
    with tempfile.TemporaryDirectory(prefix="ttai-bench-") as home:
        session = PtySession([*ttai_command(), "--demo"], bench_env(Path(home)))
        with session:
            seconds = wait_live(session, timeout)
            if seconds is None:
                tail = session.text().strip()[-600:]
                raise RuntimeError(f"no live SPY price on screen within {timeout:.0f}s; screen:\n{tail}")
            return seconds


def compile_package() -> None:
    """Write ttai's bytecode (see the module docstring); a no-op when it is current."""
    import ttai_tui

    compileall.compile_dir(str(Path(ttai_tui.__file__).parent), quiet=1)


def run(quick: bool = False) -> dict[str, float]:
    compile_package()
    versions = version_times(3 if quick else 7)
    # One untimed demo start warms the file cache (bytecode, shared libraries) like versions above.
    if not quick:
        first_live_frame()
    frames = [first_live_frame() for _ in range(1 if quick else 3)]
    return {"version_s": statistics.median(versions), "startup_first_live_frame_s": statistics.median(frames)}


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
