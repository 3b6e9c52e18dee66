"""The cursor row follows the theme and the focus (LiveTable keeps component styles cached)."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult

from ttai_tui.ui.widgets.live_table import Col, LiveTable

APP_CSS = Path(__file__).resolve().parents[2] / "ttai_tui" / "ui" / "styles" / "app.tcss"


class _TableApp(App[None]):
    CSS_PATH = str(APP_CSS)

    def compose(self) -> ComposeResult:
        yield LiveTable([Col("symbol", "Symbol", 8, "left"), Col("last", "Last", 9)], id="t")

    def on_mount(self) -> None:
        table = self.query_one(LiveTable)
        for sym, last in (("SPY", "600.00"), ("QQQ", "500.00")):
            table.ensure_row(sym, {"symbol": (sym, ""), "last": (last, "")})


def _cursor_background(table: LiveTable) -> object:
    strip = table.render_line(1)  # line 0 is the header; row 0 holds the cursor
    return next(seg.style.bgcolor for seg in strip if "SPY" in seg.text)


async def test_the_cursor_row_takes_the_new_theme_and_the_focus_style():
    app = _TableApp()
    async with app.run_test(size=(40, 6)) as pilot:
        table = app.query_one(LiveTable)
        table.focus()
        await pilot.pause()
        app.theme = "textual-dark"
        await pilot.pause()
        dark = _cursor_background(table)
        app.theme = "textual-light"
        await pilot.pause()
        light = _cursor_background(table)
        assert light != dark
        assert light == table.get_component_rich_style("live-table--cursor").bgcolor
        table.blur()
        await pilot.pause()
        blurred = _cursor_background(table)
        assert blurred == table.get_component_rich_style("live-table--cursor-blur").bgcolor
        assert blurred != light
