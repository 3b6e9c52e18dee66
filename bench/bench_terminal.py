"""Bytes over the wire: what `ttai --demo` writes to a 120x40 terminal with the option chain open.

`terminal_bytes_per_s`: `ttai --demo` on a real pty (see `_pty.py`; TERM=xterm-256color with
COLORTERM=truecolor, as a modern terminal over ssh). Once SPY shows a live price, the bench presses
enter (opens the highlighted watchlist symbol, SPY, in the chain and chart) and `c` (focuses the
chain), waits until a chain header is on screen plus a 2 s settle, then counts every byte the app
writes for 30 s (8 s in quick mode). This is the steady-state cost of watching a streaming chain.

`full_repaint_bytes_per_s`: what the same screen would cost if every refresh redrew everything.
The size of one full repaint is measured from the app itself: shrinking the window by one row and
restoring it makes Textual lay out and write the whole 120x40 screen; the largest frame written in
the 0.8 s after the restore is that repaint. Frames are exact: the bench's terminal answers
Textual's synchronized-output query (DEC mode 2026, as modern terminals do), so every frame comes
bracketed by BSU/ESU (if an app did not bracket, reads less than 20 ms apart would be grouped). The median frame over a few cycles
times the app's refresh rate (`ui.refresh_hz`, default 15) is the figure. `full_repaint_frame_bytes`
is reported alongside for reference.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench._pty import PtySession, bench_env, bursts, default_refresh_hz, ttai_command, wait_live

COLS, ROWS = 120, 40
BURST_GAP_S = 0.02


def chain_visible(lines: list[str]) -> bool:
    """A chain table is on screen: a header naming the strike column."""
    return any("strike" in line.lower() for line in lines)


def open_chain(session: PtySession, timeout: float = 15.0) -> bool:
    """Open SPY's chain (enter on the first watchlist row) and focus it (`c`)."""
    session.send("\r")
    session.pump(0.5)
    session.send("c")
    return session.pump(timeout, until=lambda: chain_visible(session.lines())) or chain_visible(session.lines())


def full_frame_bytes(session: PtySession, cycles: int) -> list[int]:
    """Bytes of the full repaint that follows each restore of the window to COLS x ROWS."""
    frames = []
    for _ in range(cycles):
        session.resize(COLS, ROWS - 1)
        session.pump(0.8)
        t0 = time.perf_counter()
        session.resize(COLS, ROWS)
        session.pump(0.8)
        sizes = [n for t, n in session.frames if t >= t0]  # BSU..ESU-bracketed frames
        if not sizes:  # the app did not bracket its frames: group reads into bursts
            sizes = [n for _, n in bursts([(t, n) for t, n in session.chunks if t >= t0], BURST_GAP_S)]
        if sizes:
            frames.append(max(sizes))
    return frames


def measure(window_s: float, cycles: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="ttai-bench-") as tmp:
        home = Path(tmp)
        hz = default_refresh_hz(home)
        with PtySession([*ttai_command(), "--demo"], bench_env(home), COLS, ROWS) as session:
            if wait_live(session, 30.0) is None:
                raise RuntimeError("no live SPY price within 30s:\n" + session.text().strip()[-600:])
            if not open_chain(session):
                print("bench_terminal: no chain header ('strike') seen; measuring anyway", file=sys.stderr)
            session.pump(2.0)
            session.set_emulate(False)  # the emulator's CPU would compete with the app's
            t0 = time.perf_counter()
            session.pump(window_s)
            t1 = time.perf_counter()
            streamed = session.bytes_between(t0, t1)
            shown = [n for t, n in session.frames if t0 <= t < t1]
            frames = full_frame_bytes(session, cycles)
            if not session.alive():
                raise RuntimeError("ttai exited during the measurement")
    if not frames:
        raise RuntimeError("no repaint seen after a resize")
    frame = statistics.median(frames)
    print(
        f"bench_terminal: {len(shown) / (t1 - t0):.1f} frames/s, median frame {statistics.median(shown or [0]):.0f} B, "
        f"full repaints {frames} B, {hz:g} Hz, load average {os.getloadavg()[0]:.1f}",
        file=sys.stderr,
    )
    return {
        "terminal_bytes_per_s": streamed / (t1 - t0),
        "full_repaint_bytes_per_s": frame * hz,
        "full_repaint_frame_bytes": float(frame),
    }


def run(quick: bool = False) -> dict[str, float]:
    return measure(8.0 if quick else 30.0, 3 if quick else 5)


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
