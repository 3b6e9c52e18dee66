"""A flushed price reaches the terminal in the flush timer's own callback (ui/prompt_frame.py)."""

from __future__ import annotations

from typing import Any

import textual

from ttai_tui.core.formatting import MISSING
from ttai_tui.ui import prompt_frame
from ttai_tui.ui.span_writer import TEXTUAL_RENDERER

from .conftest import wait_for


def test_the_textual_code_it_mirrors_is_the_one_it_was_written_for():
    """Fails when a Textual upgrade changes the screen update path `paint_now` mirrors: re-read
    `Widget._check_refresh`, `Screen._on_update` and `Screen._on_timer_update`, check `paint_now`
    still does what they do, then update both constants (or drop the module)."""
    assert textual.__version__ == prompt_frame.WRITTEN_FOR
    assert prompt_frame.sources_digest() == prompt_frame.SOURCES_SHA256
    assert prompt_frame.enabled()


def test_another_textual_version_leaves_painting_to_textual():
    assert not prompt_frame.enabled("0.0.1")


async def test_a_flushed_price_is_on_screen_when_the_flush_timer_returns(app_factory):
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        table = app.dashboard.watchlist.table
        await wait_for(pilot, lambda: table.shown("SPY", "bid") not in (None, MISSING), what="SPY's bid")
        await pilot.pause()
        frames: list[Any] = []
        display = app._display

        def recording_display(screen: Any, update: Any) -> None:
            frames.append(update)
            display(screen, update)

        app._display = recording_display  # type: ignore[method-assign]
        state = app.bridge.state
        quote = state.quotes["SPY"]
        quote.bid = 1111.11  # a bid no simulated SPY quote has, written as the broker writes
        state.pending.add("SPY")
        app._flush_and_paint()  # what the ui.refresh_hz timer calls; no await: no event loop hop
        assert table.shown("SPY", "bid") == "1,111.11"
        written = "".join(TEXTUAL_RENDERER(f, app.console) for f in frames if f is not None)
        assert "1,111.11" in written


def test_the_flush_timer_after_the_screens_are_gone_does_nothing(app_factory):
    """At quit the timer can fire once more after the last screen is popped: no exception (an
    exception in a timer stops the app with an internal error)."""
    app = app_factory()
    assert not app.screen_stack
    app._flush_and_paint()
