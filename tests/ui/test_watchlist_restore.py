"""A corrupt watchlists file with a good backup: the dashboard offers the backup, and restoring
it shows the user's lists again (issue 15, item 8: restore_backup was offered but never called)."""

from __future__ import annotations

from pathlib import Path

from ttai_tui.config import Settings, Target
from ttai_tui.ui.app import make_app
from ttai_tui.ui.bridge import StaticBridge
from ttai_tui.ui.screens.modals import ConfirmScreen
from ttai_tui.ui.watchlist_store import WatchlistStore

from .conftest import settle, wait_for


def _corrupt_with_backup(path: Path) -> None:
    WatchlistStore(path, {"Default": ["SPY"]}).set_symbols("Default", ["SPY", "TSLA"])
    WatchlistStore(path, {"Default": ["SPY"]}).set_symbols("Default", ["SPY", "TSLA", "NVDA"])
    path.write_text('{"lists": {"Def')


def _app(path: Path):
    settings = Settings(watchlists={"Default": ["SPY"]})
    store = WatchlistStore(path, dict(settings.watchlists))
    return make_app(settings, Target("demo"), bridge=StaticBridge(), store=store)


async def test_the_backup_is_offered_and_restored(tmp_path: Path) -> None:
    path = tmp_path / "watchlists.json"
    _corrupt_with_backup(path)
    app = _app(path)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the offer")
        assert "corrupt" in str(app.screen.query_one("#message-body").render())
        assert app.dashboard.watchlist.symbols == ["SPY"]  # the config's list meanwhile
        await pilot.press("enter")  # "Restore backup" has the focus
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert app.dashboard.watchlist.symbols == ["SPY", "TSLA"]
        assert app.dashboard.watchlist.table.row_keys_in_order() == ["SPY", "TSLA"]
    assert (tmp_path / "watchlists.json.corrupt").exists()


async def test_declining_keeps_the_damaged_file_untouched(tmp_path: Path) -> None:
    path = tmp_path / "watchlists.json"
    _corrupt_with_backup(path)
    app = _app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the offer")
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen) and app.is_running
        assert app.dashboard.watchlist.symbols == ["SPY"]
    assert path.read_text() == '{"lists": {"Def'
