"""Crash safety (issue 8, item 5): failures inside the app are contained, the terminal is restored.

* In-process (Pilot): an exception in a widget's update, in a message handler and in a worker is
  logged with its context, shown as a notification, and the app keeps running and recovers.
* In a real pseudo-terminal: however `ttai --demo` ends (q, SIGTERM), the terminal is handed
  back as it was: alternate screen left, mouse reporting off, cursor shown, cooked mode.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import termios
from pathlib import Path
from typing import Any

import pytest
from textual.worker import WorkerFailed

from tests.hardening._term import ALT_ON, Term, restored


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TT_", "TTAI_", "TEXTUAL"))}
    env.update(
        TTAI_HOME=str(home),
        TTAI_KEYRING="0",
        TERM="xterm-256color",
        LANG="C.UTF-8",
        NO_PROXY="127.0.0.1",
    )
    return env


def _start_demo(home: Path) -> Term:
    term = Term([sys.executable, "-m", "ttai_tui", "--demo"], _env(home))
    assert term.pump(30, until=ALT_ON), f"the app did not start: {term.out[-500:]!r}"
    assert term.pump(30, until=b"SPY", start=term.out.find(ALT_ON)), "no watchlist drawn"
    term.pump(1.0)  # let the first data arrive: the app is fully running
    return term


def _cooked(term: Term) -> bool:
    lflag = term.modes()[3]
    return bool(lflag & termios.ECHO) and bool(lflag & termios.ICANON)


@pytest.mark.slow
@pytest.mark.timeout(90)
def test_quit_restores_terminal(tmp_path: Path) -> None:
    term = _start_demo(tmp_path / "home")
    try:
        assert not _cooked(term), "the app should run the terminal in raw mode"
        term.pump(0.2)
        os.write(term.master, b"q")
        assert term.wait(20) == 0
        assert restored(term.out) == []
        assert _cooked(term)
    finally:
        term.close()


@pytest.mark.slow
@pytest.mark.timeout(90)
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_signal_restores_terminal(tmp_path: Path, sig: signal.Signals) -> None:
    """`kill PID`, a closed ssh session or a service manager: the terminal is handed back."""
    term = _start_demo(tmp_path / "home")
    try:
        term.proc.send_signal(sig)
        code = term.wait(20)
        assert code is not None, f"{sig.name} did not stop the app"
        problems = restored(term.out)
        assert problems == [], problems
        assert _cooked(term), "terminal left in raw mode"
    finally:
        term.close()


# --- in-process: contained failures ---------------------------------------------------------


@pytest.fixture
def static_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("TTAI_HOME", str(tmp_path / "home"))
    from ttai_tui.config import Settings, Target
    from ttai_tui.ui.app import make_app
    from ttai_tui.ui.bridge import StaticBridge

    return make_app(Settings(), Target("demo"), bridge=StaticBridge())


def _notes(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_widget_exception_is_contained(
    static_app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    async with static_app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        pane = static_app.dashboard.watchlist
        calls = {"n": 0}

        def broken(*args: Any, **kwargs: Any) -> None:
            calls["n"] += 1
            raise RuntimeError("widget exploded")

        real = pane.flush
        pane.flush = broken
        with caplog.at_level(logging.ERROR):
            for _ in range(5):  # a failure repeating at the refresh rate
                static_app.flush_now()
                await pilot.pause()
        assert calls["n"] >= 5
        assert static_app.is_running
        notes = [n for n in _notes(static_app) if "widget exploded" in n]
        assert len(notes) == 1, "one notification, not one per frame"
        records = [
            r
            for r in caplog.records
            if "widget exploded" in r.getMessage()
            or (r.exc_info and "widget exploded" in str(r.exc_info[1]))
        ]
        assert records and records[0].exc_info is not None, "logged with its traceback"
        pane.flush = real
        static_app.flush_now()  # and it recovers once the cause is gone
        await pilot.pause()
        assert static_app.is_running


async def test_worker_exception_is_contained(
    static_app: Any, caplog: pytest.LogCaptureFixture
) -> None:

    async def failing() -> None:
        raise ConnectionError("account service unreachable")

    async with static_app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        static_app.bridge.refresh_account = failing
        with caplog.at_level(logging.ERROR):
            worker = static_app.refresh_account()
            with contextlib.suppress(WorkerFailed):  # the worker did fail; the app must not
                await worker.wait()
            for _ in range(5):
                await pilot.pause()
        assert static_app.is_running
        assert any("account service unreachable" in n for n in _notes(static_app)), _notes(
            static_app
        )
        assert any(r.exc_info for r in caplog.records if r.levelno >= logging.ERROR)
        await pilot.press("question_mark")  # still responsive to keys
        await pilot.pause()
        assert static_app.is_running
