"""A child process on a real pseudo-terminal, keeping every byte it writes (for restore checks)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Mapping, Sequence

ALT_ON, ALT_OFF = b"\x1b[?1049h", b"\x1b[?1049l"
# Mouse reporting modes Textual enables; each must be switched off again ("l").
MOUSE_MODES = (b"1000", b"1003", b"1006", b"1015")


class Term:
    """`argv` on a pty of cols x rows; `.out` is everything written to the terminal."""

    def __init__(
        self, argv: Sequence[str], env: Mapping[str, str], cols: int = 100, rows: int = 30
    ) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.before = termios.tcgetattr(slave)
        self.proc = subprocess.Popen(
            list(argv),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=dict(env),
            start_new_session=True,
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
            close_fds=True,
        )
        self.slave = slave  # kept open to read the terminal modes after the child exits
        self.master = master
        os.set_blocking(master, False)
        self.out = b""

    def pump(self, timeout: float, until: bytes | None = None, start: int = 0) -> bool:
        """Read for up to `timeout` s; True as soon as `until` appears after offset `start`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if until is not None and until in self.out[start:]:
                return True
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                try:
                    data = os.read(self.master, 1 << 16)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    break
                if not data:
                    break
                self.out += data
            elif self.proc.poll() is not None:
                # Drain what is left, then stop.
                with contextlib.suppress(OSError):
                    while chunk := os.read(self.master, 1 << 16):
                        self.out += chunk
                break
        return until is not None and until in self.out[start:]

    def wait(self, timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self.pump(0.1)
        self.pump(0.2)
        return self.proc.poll()

    def modes(self) -> list:
        return termios.tcgetattr(self.slave)

    def close(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)


def restored(out: bytes) -> list[str]:
    """What the terminal was left with: problems found after the last alternate-screen entry."""
    problems = []
    start = out.rfind(ALT_ON)
    if start < 0:
        return ["the app never entered the alternate screen"]
    tail = out[start:]
    if ALT_OFF not in tail:
        problems.append("alternate screen not exited")
    for mode in MOUSE_MODES:
        if (
            b"\x1b[?" + mode + b"h" in tail
            and b"\x1b[?" + mode + b"l" not in tail[tail.rfind(b"\x1b[?" + mode + b"h") :]
        ):
            problems.append(f"mouse mode {mode.decode()} left on")
    if b"\x1b[?25l" in tail and b"\x1b[?25h" not in tail[tail.rfind(b"\x1b[?25l") :]:
        problems.append("cursor left hidden")
    return problems
