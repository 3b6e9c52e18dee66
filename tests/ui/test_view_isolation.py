"""Each view fails alone (issue 15, item 4): an exception in one view's flush is reported once
(logged with its traceback, one notification, named in the status bar) while the other views keep
updating, and the report clears when that view updates again."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from .conftest import settle, wait_for


def _row(wl: Any, sym: str) -> tuple[str | None, ...]:
    return tuple(wl.table.shown(sym, c) for c in ("last", "bid", "ask"))


async def test_one_broken_view_does_not_stop_the_others(
    app_factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app = app_factory()
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        dash = app.dashboard
        wl = dash.watchlist
        await wait_for(pilot, lambda: _row(wl, "SPY")[0] not in (None, "—"), what="quotes")
        calls = {"n": 0}

        def broken(*args: Any, **kwargs: Any) -> None:
            calls["n"] += 1
            raise RuntimeError("chain exploded")

        real = dash.chain.flush
        dash.chain.flush = broken  # type: ignore[method-assign]
        with caplog.at_level(logging.ERROR, logger="ttai_tui.ui"):
            seen = {_row(wl, s) for s in wl.symbols}
            # the watchlist keeps changing while the chain fails on every flush
            await wait_for(
                pilot,
                lambda: calls["n"] >= 10 and any(_row(wl, s) not in seen for s in wl.symbols),
                timeout=15, what="watchlist updates while the chain fails",
            )
            app.flush_now()
            await settle(pilot)
        records = [r for r in caplog.records if "chain exploded" in str(r.exc_info and r.exc_info[1])]
        assert len(records) == 1, "reported once, not once per flush"
        assert "chain view" in records[0].getMessage()  # with its context
        notes = [n for n in app._notifications if "chain exploded" in str(n.message)]
        assert len(notes) == 1
        assert "chain view failing" in dash.status_bar._last_plain
        dash.chain.flush = real  # type: ignore[method-assign]
        await wait_for(
            pilot, lambda: "failing" not in (dash.status_bar._last_plain or ""), what="recovery"
        )
        assert app.is_running
