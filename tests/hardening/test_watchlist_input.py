"""Hostile input in the watchlist add box: refused with a readable reason, never added, no crash.

Uses the real AddSymbolScreen over a StaticBridge whose symbol search knows a few symbols, so
the only thing under test is the box's handling of what a user (or a paste) can type.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ttai_tui.core.models import SymbolMatch

CONTROL = ["\x1b[2J", "\x1b]0;pwned\x07", "SPY\x1b[5mQQQ"]
HOSTILE = [
    "",
    "   ",
    "BAD$$",
    "[bold red]SPY[/]",
    "SPY\nQQQ",
    "A" * 200,
    "../../etc/passwd",
    "SPY?X=1",
    "💥",
    "ZZZQ",  # well-formed, unknown to the search
]


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("TTAI_HOME", str(tmp_path / "home"))
    from ttai_tui.config import Settings, Target
    from ttai_tui.ui.app import make_app
    from ttai_tui.ui.bridge import StaticBridge

    bridge = StaticBridge(
        matches=[SymbolMatch("SPY", "SPDR S&P 500"), SymbolMatch("AAPL", "Apple")]
    )
    return make_app(Settings(watchlists={"Default": ["SPY"]}), Target("demo"), bridge=bridge)


async def _refuse_all(app: Any, inputs: list[str]) -> None:
    from ttai_tui.ui.screens.add_symbol import AddSymbolScreen

    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        before = list(app.store.symbols("Default"))
        await pilot.press("a")
        await pilot.pause()
        box = app.screen
        assert isinstance(box, AddSymbolScreen)
        for raw in inputs:
            await box.validate_and_add(raw)
            await pilot.pause()
            assert app.screen is box, f"{raw!r} closed the box (was it added?)"
            error = str(box.query_one("#add-error").render())
            assert error.strip(), f"no reason shown for {raw!r}"
            assert "\x1b" not in error and "\x07" not in error, (
                f"control characters shown for {raw!r}"
            )
        assert app.is_running
        assert app.store.symbols("Default") == before
        # A real symbol still goes through the same path.
        await box.validate_and_add("aapl")
        await pilot.pause()
        assert app.store.symbols("Default") == [*before, "AAPL"]


async def test_hostile_input_is_refused(app: Any) -> None:
    await _refuse_all(app, HOSTILE)


async def test_control_characters_are_refused_without_echo(app: Any) -> None:
    await _refuse_all(app, CONTROL)
