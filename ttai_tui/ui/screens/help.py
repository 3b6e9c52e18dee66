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

    def on_mount(self) -> None:
        table = self.query_one("#help-table", DataTable)
        table.add_column("where", key="scope", width=10)
        table.add_column("key", key="key", width=14)
        table.add_column("id", key="id", width=22)
        table.add_column("what it does", key="what", width=40)
        for i, (scope, key, bid, what) in enumerate(self._rows):
            table.add_row(scope, key, bid, what, key=f"{scope}:{bid}:{i}")
        table.focus()

    def on_key(self, event) -> None:
        if event.key in ("q", "question_mark"):
            event.stop()
            self.dismiss()
