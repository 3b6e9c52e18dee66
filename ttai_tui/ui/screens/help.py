"""The `?` help screen: every binding in the app, with its id and its current key.

Built from the live binding maps (app, dashboard screen, every widget class the dashboard uses)
and the app's keymap, so a key remapped in `[keys]` shows its new key here, and the ids listed
are exactly the ones `[keys]` accepts.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static


def binding_rows(app, owners: Iterable[tuple[str, type]]) -> list[tuple[str, str, str, str]]:
    """(scope, current key, id, description) for every binding with an id, in declaration order."""
    keymap = getattr(app, "_keymap", {}) or {}
    rows: list[tuple[str, str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    for scope, cls in owners:
        for b in getattr(cls, "BINDINGS", []):
            if not isinstance(b, Binding) or not b.id:
                continue
            if (scope, b.id) in seen:
                continue
            seen.add((scope, b.id))
            keys = keymap.get(b.id, b.key)
            shown = ", ".join(app.get_key_display(Binding(k.strip(), "")) for k in keys.split(","))
            rows.append((scope, shown, b.id, b.tooltip or b.description or b.action))
    return rows


class HelpScreen(ModalScreen[None]):
    """Lists every binding; any of escape / q / ? closes it."""

    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="help-close"),
    ]

    def __init__(self, rows: list[tuple[str, str, str, str]]) -> None:
        super().__init__()
        self._rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static(
                "[b]ttai keys[/b] — remap any of them in the config: "
                '[i][keys][/i] "binding-id" = "key"   (escape closes)',
                id="help-title",
            )
            yield DataTable(id="help-table", cursor_type="row", zebra_stripes=True)
            yield Static(
                "Mouse: click rows, tabs, column headers (sort) and the key hints. "
                "Dimmed rows have had no data for 30 s; the status bar shows the age of the last "
                "event. Day P&L with * is the live sum over positions (the account sent none).",
                id="help-notes",
            )

    def on_mount(self) -> None:
        if self.app.size.width < 100:
            self.query_one("#help-box").styles.width = "100%"
        table = self.query_one("#help-table", DataTable)
        width = self.app.size.width
        box = (width if width < 100 else min(100, int(width * 0.9))) - 4
        what_width = max(20, box - (9 + 8 + 22) - 2 * 4 - 1)
        table.add_column("where", key="scope", width=9)
        table.add_column("key", key="key", width=8)
        table.add_column("id", key="id", width=22)
        table.add_column("what it does", key="what", width=what_width)
        for i, (scope, key, bid, what) in enumerate(self._rows):
            table.add_row(scope, key, bid, what, key=f"{scope}:{bid}:{i}")
        table.focus()

    def on_key(self, event) -> None:
        if event.key in ("q", "question_mark"):
            event.stop()
            self.dismiss()
