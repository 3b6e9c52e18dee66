"""Run `ttai` in a real pseudo-terminal and watch what it writes: shared by the black-box benches.

Why a pty and not a pipe: Textual only draws when its output is a terminal, and the figures that
matter over ssh (bytes per second, time to the first useful frame) are what a terminal receives.
A `pyte` screen (a VT emulator) turns the byte stream back into text so a bench can tell *when*
the screen shows something, e.g. a live SPY price.

Everything is single-threaded: :meth:`PtySession.pump` reads the master side with `select`,
records ``(time, bytes)`` per read and optionally feeds the emulator. The child runs in its own
session (and process group), so :meth:`PtySession.close` can kill it and everything it started,
also when a bench fails half-way.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

#: How a watchlist row of SPY with a price looks: the word SPY, then (in the same pane: no box
#: drawing or bar character between them) a decimal number with two decimals, e.g. ``SPY  601.25``.
#: The first number right of the symbol is the "last" (or bid) column, which only fills from
#: streamed data; before that the row shows ``—``.
PANE_BORDERS = "│┃║▏▕▌▐|┆┇┊┋╎╏"

#: Synchronized output (DEC mode 2026): Textual asks whether the terminal supports it and, if so,
#: brackets every frame with BSU/ESU. Modern terminals (kitty, WezTerm, iTerm2, foot, Windows
#: Terminal, ...) say yes; so does the bench, which then sees exactly where each frame starts and ends.
SYNC_QUERY = b"\x1b[?2026$p"
SYNC_REPLY = b"\x1b[?2026;2$y"
SYNC_START = b"\x1b[?2026h"
SYNC_END = b"\x1b[?2026l"
SPY_PRICE = re.compile(rf"(?<![\w.]){{sym}}(?![\w])[^{PANE_BORDERS}]*?(?<![\d.])\d{{1,6}}\.\d{{2}}(?!\d)")


def live_price_pattern(symbol: str = "SPY") -> re.Pattern[str]:
    """The regex :func:`has_live_price` uses for `symbol` (see ``SPY_PRICE``)."""
    return re.compile(SPY_PRICE.pattern.replace("{sym}", re.escape(symbol)))


def has_live_price(lines: Sequence[str], symbol: str = "SPY") -> bool:
    """True when some screen line shows `symbol` followed, in the same pane, by a price."""
    pat = live_price_pattern(symbol)
    return any(pat.search(line) for line in lines)


def ttai_command() -> list[str]:
    """The installed `ttai` console script next to this interpreter, else `python -m ttai_tui`."""
    script = Path(sys.executable).with_name("ttai")
    if script.exists():
        return [str(script)]
    found = shutil.which("ttai")
    return [found] if found else [sys.executable, "-m", "ttai_tui"]


def bench_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for a benchmarked child: its own TTAI_HOME, a truecolor xterm, no credentials.

    Credentials are removed so `ttai` cannot reach a live account; TEXTUAL_* development switches
    are removed so they cannot change what is drawn. COLUMNS/LINES are removed too: Textual asks
    `shutil.get_terminal_size`, which prefers them to the pty's real size, so a resize (SIGWINCH)
    would go unnoticed.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TEXTUAL", "TT_", "TTAI_")) and k not in ("COLUMNS", "LINES")
    }
    env.update(
        TTAI_HOME=str(home),
        TERM="xterm-256color",
        COLORTERM="truecolor",
        LANG="C.UTF-8",
        LC_ALL="C.UTF-8",
    )
    if extra:
        env.update(extra)
    return env


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1 (for a separately started exchange)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def set_winsize(fd: int, cols: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def _become_tty_owner() -> None:  # runs in the child between fork and exec
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def kill_group(proc: subprocess.Popen[bytes], grace: float = 3.0) -> None:
    """SIGTERM the child's process group, then SIGKILL what is left after `grace` seconds."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(grace)


@dataclass
class PtySession:
    """A child process on a pty of `cols` x `rows`, with a byte log and an optional emulator."""

    argv: Sequence[str]
    env: Mapping[str, str]
    cols: int = 120
    rows: int = 40
    emulate: bool = True
    sync: bool = True
    t_start: float = 0.0
    chunks: list[tuple[float, int]] = field(default_factory=list)
    #: (time the frame ended, bytes from BSU to ESU inclusive), when the app brackets frames
    frames: list[tuple[float, int]] = field(default_factory=list)
    proc: subprocess.Popen[bytes] | None = None
    master: int = -1

    def __post_init__(self) -> None:
        self.screen = None
        self._stream = None
        self._total = 0  # bytes read so far
        self._tail = b""  # last bytes of the previous read (markers may straddle reads)
        self._frame_at: int | None = None  # byte offset of the open frame's BSU
        if self.emulate:
            self._make_screen()

    def _make_screen(self) -> None:
        import pyte

        self.screen = pyte.Screen(self.cols, self.rows)
        self._stream = pyte.ByteStream(self.screen)

    # ---- life cycle ------------------------------------------------------------------

    def start(self) -> PtySession:
        master, slave = os.openpty()
        set_winsize(slave, self.cols, self.rows)
        self.t_start = time.perf_counter()
        try:
            self.proc = subprocess.Popen(
                list(self.argv),
                stdin=slave,
                stdout=slave,
                stderr=slave,
                env=dict(self.env),
                start_new_session=True,
                preexec_fn=_become_tty_owner,
                close_fds=True,
            )
        finally:
            os.close(slave)
        self.master = master
        os.set_blocking(master, False)
        return self

    def close(self) -> None:
        if self.proc is not None:
            # Keep draining while the child shuts down so it never blocks on a full pty.
            with contextlib.suppress(Exception):
                if self.proc.poll() is None:
                    os.killpg(self.proc.pid, signal.SIGTERM)
                    deadline = time.perf_counter() + 3.0
                    while self.proc.poll() is None and time.perf_counter() < deadline:
                        self.pump(0.05)
            kill_group(self.proc, grace=0.5)
        if self.master >= 0:
            with contextlib.suppress(OSError):
                os.close(self.master)
            self.master = -1

    def __enter__(self) -> PtySession:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- I/O ----------------------------------------------------------------------------

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def send(self, data: bytes | str) -> None:
        """Type into the terminal (keys as the terminal would send them: "\\r" is enter)."""
        raw = data.encode() if isinstance(data, str) else data
        os.write(self.master, raw)

    def resize(self, cols: int, rows: int) -> None:
        """Change the window size; the kernel sends SIGWINCH to the child's foreground group."""
        set_winsize(self.master, cols, rows)

    def pump(self, timeout: float, until: Callable[[], bool] | None = None) -> bool:
        """Read for up to `timeout` seconds; stop early (True) once `until()` holds."""
        deadline = time.perf_counter() + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                return False
            try:
                ready, _, _ = select.select([self.master], [], [], min(left, 0.05))
            except (OSError, ValueError):
                return False
            if ready:
                try:
                    data = os.read(self.master, 1 << 16)
                except BlockingIOError:
                    continue
                except OSError:  # EIO: the child closed the terminal
                    return False
                if not data:
                    return False
                now = time.perf_counter()
                self.chunks.append((now, len(data)))
                self._scan(data, now)
                if self._stream is not None:
                    self._stream.feed(data)
                if until is not None and until():
                    return True
            elif self.proc is not None and self.proc.poll() is not None:
                return False

    def _scan(self, data: bytes, now: float) -> None:
        """Answer the sync-output query and cut the byte stream into BSU..ESU frames.

        The previous read's last bytes are searched again (a marker may straddle two reads);
        only matches that end in the new data count, so none is seen twice.
        """
        old = len(self._tail)
        base = self._total - old  # stream offset of buf[0]
        buf = self._tail + data
        self._total += len(data)
        self._tail = buf[-16:]

        def find(marker: bytes, pos: int) -> int:
            i = buf.find(marker, pos)
            while i >= 0 and i + len(marker) <= old:
                i = buf.find(marker, i + 1)
            return i

        if self.sync and find(SYNC_QUERY, 0) >= 0:
            self.send(SYNC_REPLY)
        pos = 0
        while True:
            if self._frame_at is None:
                start = find(SYNC_START, pos)
                if start < 0:
                    return
                self._frame_at = base + start
                pos = start + len(SYNC_START)
            end = find(SYNC_END, pos)
            if end < 0:
                return
            self.frames.append((now, base + end + len(SYNC_END) - self._frame_at))
            self._frame_at = None
            pos = end + len(SYNC_END)

    def lines(self) -> list[str]:
        return list(self.screen.display) if self.screen is not None else []

    def text(self) -> str:
        return "\n".join(self.lines())

    def set_emulate(self, on: bool) -> None:
        """Stop feeding the emulator (saves the bench's CPU during long byte counts), or restart."""
        if on and self._stream is None:
            self._make_screen()
        elif not on:
            self._stream = None

    def bytes_between(self, t0: float, t1: float) -> int:
        return bytes_between(self.chunks, t0, t1)

    def last_arrival(self) -> float:
        return self.chunks[-1][0] if self.chunks else self.t_start


def bytes_between(chunks: Sequence[tuple[float, int]], t0: float, t1: float) -> int:
    """Bytes read at times t with t0 <= t < t1."""
    return sum(n for t, n in chunks if t0 <= t < t1)


def bursts(chunks: Sequence[tuple[float, int]], gap: float) -> list[tuple[float, int]]:
    """Group reads separated by less than `gap` seconds: [(start time, bytes)].

    A frame that Textual writes in one go reaches the pty reader as a few back-to-back reads;
    frames at 15 Hz are ~66 ms apart, so a gap of ~20 ms separates them.
    """
    out: list[tuple[float, int]] = []
    last = None
    for t, n in chunks:
        if last is not None and t - last < gap:
            start, size = out[-1]
            out[-1] = (start, size + n)
        else:
            out.append((t, n))
        last = t
    return out


def write_config(home: Path, text: str) -> Path:
    """Write `home`/config/config.toml (the file `ttai` reads under TTAI_HOME)."""
    path = home / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def default_refresh_hz(home: Path) -> float:
    """The refresh rate the app will use under `home` (config default 15 Hz)."""
    try:
        from ttai_tui.config import load_settings

        return float(load_settings(home / "config" / "config.toml", env={}).settings.ui.refresh_hz)
    except Exception:
        return 15.0


def wait_live(session: PtySession, timeout: float, symbol: str = "SPY") -> float | None:
    """Pump until the emulated screen shows a live `symbol` price; seconds since start, or None."""
    found = session.pump(timeout, until=lambda: has_live_price(session.lines(), symbol))
    return session.last_arrival() - session.t_start if found else None
