"""The app shell: mounts at both sizes, `?` lists every binding with its id, `q` quits."""

from __future__ import annotations

import pytest
from textual.binding import Binding

from ttai_tui.core.clock import FrozenClock
from ttai_tui.ui.app import TtaiApp, make_app
from ttai_tui.ui.bridge import StaticBridge
from ttai_tui.ui.screens.dashboard import DashboardScreen
from ttai_tui.ui.screens.help import HelpScreen
from ttai_tui.ui.widgets.chain import ChainView
from ttai_tui.ui.widgets.live_table import LiveTable
from ttai_tui.ui.widgets.positions import PositionsView
from ttai_tui.ui.widgets.watchlist import WatchlistPane


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("TTAI_HOME", str(tmp_path))


def _app() -> TtaiApp:
    clock = FrozenClock()
    return make_app(clock=clock, bridge=StaticBridge(clock=clock))


def all_binding_ids() -> set[str]:
    ids: set[str] = set()
    for cls in (TtaiApp, DashboardScreen, WatchlistPane, ChainView, PositionsView, LiveTable):
        for b in cls.BINDINGS:
            assert isinstance(b, Binding) and b.id, f"{cls.__name__} binding {b} has no id"
            ids.add(b.id)
    return ids


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_mounts_with_every_pane(size):
    app = _app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        dash = app.dashboard
        assert dash.query_one("#status")
        assert dash.query_one("#balances")
        assert dash.watchlist.table.row_count == 8  # the default list
        assert dash.has_class("narrow") is (size[0] < 120)
        # every pane is reachable by key at this size
        for key, tab in (("c", "tab-chain"), ("g", "tab-chart"), ("p", "tab-positions")):
            await pilot.press(key)
            await pilot.pause()
            assert dash.tabs.active == tab
            assert dash.query_one("#main-pane").display
        await pilot.press("w")
        await pilot.pause()
        assert dash.query_one("#watchlist-pane").display
        assert app.focused is dash.watchlist.table


async def test_help_lists_every_binding_with_current_key():
    app = _app()
    app.set_keymap({"watchlist-sort": "o"})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("#help-table")
        ids = {str(table.get_row_at(i)[2]) for i in range(table.row_count)}
        assert all_binding_ids() <= ids
        keys = {str(table.get_row_at(i)[2]): str(table.get_row_at(i)[1]) for i in range(table.row_count)}
        assert keys["watchlist-sort"] == "o"
        assert keys["quit"] == "q"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)


async def test_q_quits():
    app = _app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
