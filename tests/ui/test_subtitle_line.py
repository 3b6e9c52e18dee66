"""A pane's data-age subtitle repaints its bottom border line, not the whole pane."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.geometry import Region
from textual.widgets import Static

from ttai_tui.ui.widgets.subtitle_line import SubtitleLine


class Pane(SubtitleLine, Vertical):
    DEFAULT_CSS = "Pane { border: round white; padding: 0 1; height: 10; width: 40; }"


class PaneApp(App[None]):
    def compose(self) -> ComposeResult:
        with Pane(id="pane"):
            yield Static("row one\nrow two")


async def test_new_subtitle_repaints_the_bottom_border_line_and_shows_there() -> None:
    app = PaneApp()
    async with app.run_test(size=(60, 16)) as pilot:
        pane = app.query_one(Pane)
        await pilot.pause()
        pane._exchange_repaint_regions()  # what the first frame painted
        pane.show_subtitle("SPY updated 2s ago")
        width, height = pane.outer_size
        assert set(pane._exchange_repaint_regions()) == {Region(0, height - 1, width, 1)}
        bottom = "".join(s.text for s in pane.render_lines(Region(0, height - 1, width, 1))[0])
        assert "SPY updated 2s ago" in bottom
        assert bottom.startswith("╰") and bottom.endswith("╯")
        await pilot.pause()
        assert "SPY\xa0updated\xa02s\xa0ago" in app.export_screenshot().replace("&#160;", "\xa0")


async def test_same_subtitle_repaints_nothing_and_other_refreshes_stay_whole() -> None:
    app = PaneApp()
    async with app.run_test(size=(60, 16)) as pilot:
        pane = app.query_one(Pane)
        pane.show_subtitle("QQQ: no data yet")
        await pilot.pause()
        pane._exchange_repaint_regions()
        pane.show_subtitle("QQQ: no data yet")
        assert not pane._exchange_repaint_regions()
        pane.refresh()  # any other full refresh (a restyle, a resize) still repaints everything
        width, height = pane.outer_size
        assert set(pane._exchange_repaint_regions()) == {Region(0, 0, width, height)}
