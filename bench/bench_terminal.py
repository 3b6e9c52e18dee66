"""Bytes over the wire: what `ttai --demo` writes to a 120x40 terminal with the option chain open.

`terminal_bytes_per_s`: `ttai --demo` on a real pty (see `_pty.py`; TERM=xterm-256color with
COLORTERM=truecolor, as a modern terminal over ssh). Once SPY shows a live price, the bench presses
enter (opens the highlighted watchlist symbol, SPY, in the chain and chart) and `c` (focuses the
chain), waits until a chain header is on screen plus a 2 s settle, then counts every byte the app
writes for 30 s (8 s in quick mode). This is the steady-state cost of watching a streaming chain.

`full_repaint_bytes_per_s`: what the same screen costs when every refresh redraws everything,
measured, not computed. In the same run, a second `ttai --demo` on an identical pty, driven the
same way (enter, `c`, settle), runs through `bench._full_repaint`, which marks the whole screen for
repainting after every UI flush: Textual then writes full frames (every line, every column) at the
app's own `ui.refresh_hz` cadence. Its bytes per second over a 10 s window are the figure;
`full_repaint_frames_per_s` and `full_repaint_frame_bytes` (median frame, BSU..ESU bracketed: the
bench's terminal answers Textual's synchronized-output query, DEC mode 2026, as modern terminals
do) are reported alongside. `terminal_vs_full_repaint` is the ratio of the two byte rates.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench._pty import PtySession, bench_env, default_refresh_hz, ttai_command, wait_live

COLS, ROWS = 120, 40
REPO = Path(__file__).resolve().parents[1]


def chain_visible(lines: list[str]) -> bool:
    """A chain table is on screen: a header naming the strike column."""
    return any("strike" in line.lower() for line in lines)


def open_chain(session: PtySession, timeout: float = 15.0) -> bool:
    """Open SPY's chain (enter on the first watchlist row) and focus it (`c`)."""
    session.send("\r")
    session.pump(0.5)
    session.send("c")
    return session.pump(timeout, until=lambda: chain_visible(session.lines())) or chain_visible(session.lines())


def _drive(argv: list[str], env: dict[str, str], window_s: float) -> tuple[float, list[int], float]:
    """Start `argv` on a COLS x ROWS pty, open SPY's chain, settle 2 s, then count for `window_s`:
    (bytes per second, sizes of the frames in the window, frames per second)."""
    with PtySession(argv, env, COLS, ROWS) as session:
        if wait_live(session, 30.0) is None:
            raise RuntimeError("no live SPY price within 30s:\n" + session.text().strip()[-600:])
        if not open_chain(session):
            print("bench_terminal: no chain header ('strike') seen; measuring anyway", file=sys.stderr)
        session.pump(2.0)
        session.set_emulate(False)  # the emulator's CPU would compete with the app's
        t0 = time.perf_counter()
        session.pump(window_s)
        t1 = time.perf_counter()
        if not session.alive():
            raise RuntimeError("ttai exited during the measurement")
        shown = [n for t, n in session.frames if t0 <= t < t1]
        return session.bytes_between(t0, t1) / (t1 - t0), shown, len(shown) / (t1 - t0)


def measure(window_s: float, full_window_s: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="ttai-bench-") as tmp:
        home = Path(tmp)
        hz = default_refresh_hz(home)
        env = bench_env(home)
        streamed, shown, fps = _drive([*ttai_command(), "--demo"], env, window_s)
        load1 = os.getloadavg()[0]
        full_env = {**env, "PYTHONPATH": str(REPO)}
        full, full_frames, full_fps = _drive([sys.executable, "-m", "bench._full_repaint", "--demo"],
                                             full_env, full_window_s)
    if not full_frames:
        raise RuntimeError("no frame seen while forcing full repaints")
    print(
        f"bench_terminal: {fps:.1f} frames/s, median frame {statistics.median(shown or [0]):.0f} B, "
        f"{streamed:,.0f} B/s (load {load1:.1f}); forced full repaints: {full_fps:.1f} frames/s "
        f"({hz:g} Hz asked), median {statistics.median(full_frames):,.0f} B, {full:,.0f} B/s, "
        f"load average {os.getloadavg()[0]:.1f}",
        file=sys.stderr,
    )
    return {
        "terminal_bytes_per_s": streamed,
        "full_repaint_bytes_per_s": full,
        "full_repaint_frames_per_s": full_fps,
        "full_repaint_frame_bytes": float(statistics.median(full_frames)),
        "terminal_vs_full_repaint": streamed / full if full else float("nan"),
    }


def run(quick: bool = False) -> dict[str, float]:
    return measure(8.0 if quick else 30.0, 5.0 if quick else 10.0)


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
