"""Drive `ttai --exchange URL quotes SYM... --follow --json` as a child process and watch it.

Every stdout line (a JSON quote) and stderr line is kept with the monotonic time it arrived,
so a fault test can ask: did data stop, when did it resume, what did stderr say meanwhile,
and was any line it printed stale (its quote time far behind the wall clock)?
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

SECRET = "fault-provider-secret-7Hq2"
REFRESH = "fault-refresh-token-Zp91"


def child_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TT_", "TTAI_", "TEXTUAL"))}
    env.update(
        TTAI_HOME=str(home),
        TTAI_KEYRING="0",
        TT_SECRET=SECRET,
        TT_REFRESH=REFRESH,
        NO_PROXY="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def _epoch(iso: str | None) -> float | None:
    if not iso:
        return None
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


@dataclass
class Follow:
    url: str
    home: Path
    symbols: tuple[str, ...] = ("SPY", "QQQ")
    out: list[tuple[float, dict[str, Any], float]] = field(default_factory=list)  # (t, quote, wall)
    err: list[tuple[float, str]] = field(default_factory=list)
    bad_lines: list[str] = field(default_factory=list)
    proc: asyncio.subprocess.Process | None = None
    _readers: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(self) -> Follow:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "ttai_tui",
            "--exchange",
            self.url,
            "quotes",
            *self.symbols,
            "--follow",
            "--json",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=child_env(self.home),
            start_new_session=True,
        )
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self._readers = [
            asyncio.create_task(self._read_out(self.proc.stdout)),
            asyncio.create_task(self._read_err(self.proc.stderr)),
        ]
        return self

    async def _read_out(self, stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            t, wall = time.monotonic(), time.time()
            try:
                self.out.append((t, json.loads(line), wall))
            except ValueError:
                self.bad_lines.append(line.decode(errors="replace"))

    async def _read_err(self, stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            self.err.append((time.monotonic(), line.decode(errors="replace").rstrip()))

    # ---- questions ------------------------------------------------------------------------

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def first_data_after(self, t0: float, timeout: float) -> float | None:
        """Seconds from t0 to the first quote line that arrived after t0 (None: none in time)."""
        deadline = time.monotonic() + timeout
        while True:
            for t, _q, _w in self.out:
                if t > t0:
                    return t - t0
            if time.monotonic() > deadline or not self.alive:
                return None
            await asyncio.sleep(0.02)

    def lines_between(self, t0: float, t1: float) -> list[dict[str, Any]]:
        return [q for t, q, _w in self.out if t0 <= t < t1]

    def max_gap(self, t0: float, t1: float) -> float:
        """Longest stretch in [t0, t1) without a quote line."""
        times = [t0] + [t for t, _q, _w in self.out if t0 <= t < t1] + [t1]
        return max(b - a for a, b in itertools.pairwise(times))

    def stale_lines(self, limit: float = 5.0) -> list[tuple[float, float, dict[str, Any]]]:
        """Lines printed as new although their quote time was > `limit` s behind the clock.

        Measured when this process *read* the line, so a loaded test machine adds delay: the
        limit is 5 s, above any scheduling hiccup seen under `make test`, and below what a
        re-print of pre-fault data would show after the outages these tests inject (>= 4 s
        plus the time to resume).
        """
        bad = []
        for t, q, wall in self.out:
            when = _epoch(q.get("time"))
            if when is None or wall - when > limit:
                bad.append((t, (wall - when) if when is not None else float("inf"), q))
        return bad

    def stderr_between(self, t0: float, t1: float = float("inf")) -> list[str]:
        return [line for t, line in self.err if t0 <= t < t1]

    def stderr_text(self) -> str:
        return "\n".join(line for _t, line in self.err)

    async def stop(self) -> int | None:
        """Ctrl-C the child (as a user would) and collect everything it printed."""
        if self.proc is None:
            return None
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGINT)
            try:
                await asyncio.wait_for(self.proc.wait(), 8)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                await self.proc.wait()
        for r in self._readers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(r, 3)
        return self.proc.returncode
