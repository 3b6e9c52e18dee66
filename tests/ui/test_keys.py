"""Global keys: pane focus, j/k, the command palette, and remapping through settings.keys."""

from __future__ import annotations

from textual.command import CommandList, CommandPalette

from .conftest import settle, ui_settings, wait_for


def _prompts(app) -> list[str]:
    ol = app.screen.query_one(CommandList)
    return [str(ol.get_option_at_index(i).prompt) for i in range(ol.option_count)]


async def test_focus_keys_move_focus_to_each_pane(app_factory):
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        dash = app.dashboard
        await settle(pilot)
        await pilot.press("c")
        assert app.focused is dash.chain.table
        await pilot.press("p")
        assert app.focused is dash.positions.table and dash.tabs.active == "tab-positions"
        await pilot.press("g")
        assert dash.tabs.active == "tab-chart"
        await pilot.press("b")
        assert app.focused is dash.query_one("#balances")
        await pilot.press("w")
        assert app.focused is dash.watchlist.table
        await pilot.press("j", "j")
        assert dash.watchlist.table.cursor_row == 2
        await pilot.press("k")
        assert dash.watchlist.table.cursor_row == 1
        await pilot.press("down")
        assert dash.watchlist.table.cursor_row == 2


async def test_narrow_terminal_switches_whole_panes(app_factory):
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        dash = app.dashboard
        await settle(pilot)
        assert dash.query_one("#watchlist-pane").display and not dash.query_one("#main-pane").display
        await pilot.press("c")
        await settle(pilot)
        assert dash.query_one("#main-pane").display and not dash.query_one("#watchlist-pane").display
        await pilot.press("w")
        await settle(pilot)
        assert dash.query_one("#watchlist-pane").display
        # zoom toggles a maximised pane at any width
        await pilot.press("z")
        assert dash.maximized is not None
        await pilot.press("z")
        assert dash.maximized is None


async def test_palette_switches_watchlist_and_searches_symbols(app_factory):
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        dash = app.dashboard
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"list tech")
        await wait_for(pilot, lambda: _prompts(app), what="palette hits")
        await pilot.press("enter")
        await settle(pilot)
        assert dash.watchlist.current == "Tech"
        # symbol search through the broker: "Open NFLX" opens its chain
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"NFLX")
        await wait_for(
            pilot,
            lambda: any("Open NFLX" in p for p in _prompts(app)),
            what="symbol hit",
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: dash.chain.symbol == "NFLX", what="chain opened from palette")


async def test_keys_remap_from_settings(app_factory):
    app = app_factory(ui_settings(keys={"watchlist-sort": "o", "focus-chain": "C"}))
    async with app.run_test(size=(160, 48)) as pilot:
        dash = app.dashboard
        await settle(pilot)
        await pilot.press("s")
        assert dash.watchlist.sort_key == "manual"  # the old key does nothing now
        await pilot.press("o")
        assert dash.watchlist.sort_key == "symbol"
        await pilot.press("C")
        assert app.focused is dash.chain.table


async def test_mouse_sorts_by_header_and_opens_a_row(app_factory):
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        dash = app.dashboard
        await settle(pilot)
        await pilot.click("#watchlist-table", offset=(2, 0))  # the "Symbol" header
        await settle(pilot)
        assert dash.watchlist.sort_key == "symbol"
        await pilot.click("#watchlist-table", offset=(2, 0))  # again: reversed
        await settle(pilot)
        assert dash.watchlist.sort_reverse is True
        first_two = dash.watchlist.table.row_keys_in_order()[:2]
        await pilot.click("#watchlist-table", offset=(2, 2))  # second row: select...
        await pilot.click("#watchlist-table", offset=(2, 2))  # ...and open it
        await wait_for(pilot, lambda: dash.chain.symbol == first_two[1], what="chain from a click")
        await pilot.click("#main-tabs Tab#--content-tab-tab-positions")
        await settle(pilot)
        assert dash.tabs.active == "tab-positions"
