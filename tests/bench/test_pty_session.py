"""PtySession against small scripts: size, environment, SIGWINCH, cleanup, live detection.

Each child is a few lines of Python; nothing here measures speed.
"""

from __future__ import annotations

import re
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

pytest.importorskip("pyte", reason="the terminal emulator is a dev extra")

from bench._pty import PtySession, bench_env, wait_live
from bench.bench_terminal import _drive


def _script(tmp_path: Path, body: str) -> list[str]:
    path = tmp_path / "child.py"
    path.write_text(textwrap.dedent(body))
    return [sys.executable, str(path)]


def test_size_env_and_resize(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("TT_SECRET", "nope")
    argv = _script(
        tmp_path,
        """
        import os, shutil, signal, sys, time
        def winch(*_):
            print("WINCH", shutil.get_terminal_size(), flush=True)
        signal.signal(signal.SIGWINCH, winch)
        print("SIZE", shutil.get_terminal_size(), os.isatty(1), flush=True)
        home_ok = os.environ.get("TTAI_HOME") == sys.argv[1]  # the path may be wider than the screen
        print("ENV", home_ok, os.environ.get("TT_SECRET"), os.environ.get("TERM"), flush=True)
        time.sleep(5)
        """,
    )
    with PtySession([*argv, str(tmp_path)], bench_env(tmp_path), 120, 40) as s:
        assert s.pump(5, until=lambda: "xterm-256color" in s.text())
        text = s.text()
        assert "columns=120, lines=40" in text and "True" in text
        assert "ENV True None xterm-256color" in text
        s.resize(100, 30)
        assert s.pump(5, until=lambda: "columns=100, lines=30" in s.text())
        assert "WINCH" in s.text()


def test_close_kills_the_process_group(tmp_path: Path) -> None:
    argv = _script(
        tmp_path,
        """
        import subprocess, sys, signal, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a stubborn child: needs SIGKILL
        p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        print("GRANDCHILD", p.pid, "", flush=True)
        time.sleep(60)
        """,
    )
    s = PtySession(argv, bench_env(tmp_path), emulate=True)
    with s:
        found = re.compile(r"GRANDCHILD (\d+) ")
        assert s.pump(5, until=lambda: found.search(s.text()) is not None)
        grandchild = int(found.search(s.text()).group(1))  # type: ignore[union-attr]
        child = s.proc.pid
    assert s.proc.poll() is not None
    deadline = time.time() + 5
    while time.time() < deadline and psutil.pid_exists(grandchild):
        try:
            if psutil.Process(grandchild).status() == psutil.STATUS_ZOMBIE:
                break
        except psutil.NoSuchProcess:
            break
        time.sleep(0.05)
    for pid in (child, grandchild):
        if psutil.pid_exists(pid):
            assert psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert s.master == -1


def test_wait_live_sees_the_price_only_once_shown(tmp_path: Path) -> None:
    argv = _script(
        tmp_path,
        """
        import sys, time
        sys.stdout.write("\\x1b[2J\\x1b[3;2H SPY   \\u2014     \\u2014"); sys.stdout.flush()
        time.sleep(0.3)
        sys.stdout.write("\\x1b[3;2H SPY   \\x1b[38;2;0;255;0m601.25\\x1b[0m"); sys.stdout.flush()
        time.sleep(5)
        """,
    )
    with PtySession(argv, bench_env(tmp_path)) as s:
        seconds = wait_live(s, 5)
        assert seconds is not None and seconds >= 0.3
        assert "601.25" in s.lines()[2]


def test_wait_live_gives_up(tmp_path: Path) -> None:
    argv = _script(tmp_path, 'print(" SPY  \\u2014"); import time; time.sleep(5)')
    with PtySession(argv, bench_env(tmp_path)) as s:
        assert wait_live(s, 0.5) is None


def test_drive_counts_the_frames_of_the_chain_screen(tmp_path: Path) -> None:
    """bench_terminal's driver: waits for a live price, opens the chain (enter, `c`), then counts
    the bracketed frames the app writes; only frames after the chain header count."""
    argv = _script(
        tmp_path,
        """
        import os, sys, time, tty
        tty.setraw(0)
        def frame(body):  # bracketed like Textual's frames once sync output is on
            os.write(1, b"\\x1b[?2026h" + body + b"\\x1b[?2026l")
        os.write(1, b" SPY  601.25\\r\\n")
        got = b""
        while b"c" not in got:
            got += os.read(0, 10)
        os.write(1, b" Bid Ask Strike\\r\\n")
        frame(b"X" * 3000)  # before the window: the settle pump swallows it
        time.sleep(2.2)
        while True:
            frame(b"u" * 1000)
            time.sleep(0.05)
        """,
    )
    rate, shown, fps = _drive(argv, bench_env(tmp_path), 0.6)
    assert shown and set(shown) == {1000 + 16}
    assert fps > 0 and rate == pytest.approx(fps * 1016, rel=0.35)
