"""The Alerts tab (`!`): every alert, armed or fired, with its live value and when it fired.

It reads the broker's AlertEngine (which evaluates on the stream, visible or not); this view
only redraws, once a second while shown and at once when an alert fires.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from ttai_tui.ui.bridge import bridge_of, require_bridge

if TYPE_CHECKING:
    from ttai_tui.broker.alerts.engine import AlertEngine
    from ttai_tui.broker.alerts.store import Alert

Cell = str | Text

COLUMNS = (("id", "#"), ("alert", "Alert"), ("status", "Status"), ("now", "Now"), ("fired", "Fired at"), ("value", "Value"))


def _num(v: float | None, unit: str = "") -> str:
    return "—" if v is None else f"{v:,.2f}{unit}"


def _when(t: float | None) -> str:
    return "—" if t is None else time.strftime("%H:%M:%S", time.localtime(t))


class AlertsView(Vertical):
    BINDINGS = [
        Binding("delete,backspace", "remove", "Remove", id="alerts-remove", tooltip="Remove the selected alert"),
    ]

    def compose(self) -> ComposeResult:
        yield Static("", id="alerts-note", markup=False)
        table: DataTable[Cell] = DataTable(id="alerts-table", cursor_type="row", zebra_stripes=True)
        yield table

    @property
    def table(self) -> DataTable[Cell]:
        return self.query_one("#alerts-table", DataTable)

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.table.add_column(label, key=key)
        self.set_interval(1.0, self._tick, name="alerts-view")
        self.refresh_rows()

    def _engine(self) -> AlertEngine | None:
        bridge = bridge_of(self)
        return None if bridge is None else bridge.alerts

    def _tick(self) -> None:
        from ttai_tui.ui.screens.dashboard import DashboardScreen

        screen = self.screen
        if isinstance(screen, DashboardScreen) and screen.shows("alerts"):
            self.refresh_rows()

    def refresh_rows(self) -> None:
        engine = self._engine()
        note = self.query_one("#alerts-note", Static)
        table = self.table
        if engine is None:
            note.update("Alerts need a broker connection.")
            return
        alerts = sorted(engine.book.alerts.values(), key=lambda a: a.id)
        armed = sum(1 for a in alerts if a.state.status != "fired")
        text = f"{len(alerts)} alert{'s' if len(alerts) != 1 else ''}, {armed} armed · A adds · delete removes"
        if not alerts:
            text = "No alerts yet: press A on a symbol, option, position or the chart."
        if engine.book.load_error:
            text = engine.book.load_error + "\n" + text
        note.update(text)
        keys = [str(a.id) for a in alerts]
        existing = [str(k.value) for k in table.rows]
        if keys != existing:
            selected = self.selected_id()
            table.clear()
            for a in alerts:
                table.add_row(*self._cells(a, engine), key=str(a.id))
            if selected is not None and str(selected) in keys:
                table.move_cursor(row=keys.index(str(selected)))
            return
        for a in alerts:
            for (col, _), cell in zip(COLUMNS, self._cells(a, engine), strict=True):
                if str(table.get_cell(str(a.id), col)) != str(cell):
                    table.update_cell(str(a.id), col, cell, update_width=True)

    def _cells(self, a: Alert, engine: AlertEngine) -> list[Cell]:
        st = a.state
        style = {"fired": "bold red", "rearming": "yellow"}.get(st.status, "green")
        status = Text(st.status.upper() if st.status == "fired" else st.status, style=style)
        now = engine.current(a)
        return [str(a.id), a.text, status, _num(now, a.spec.unit), _when(st.fired_at), _num(st.fired_value, a.spec.unit)]

    def selected_id(self) -> int | None:
        t = self.table
        if not t.row_count:
            return None
        key = t.coordinate_to_cell_key(t.cursor_coordinate).row_key.value
        return None if key is None else int(key)

    def action_remove(self) -> None:
        alert_id = self.selected_id()
        if alert_id is None:
            return
        try:
            removed = require_bridge(self).remove_alert(alert_id)
        except Exception as exc:  # from the config file, or the file could not be written
            self.app.notify(str(exc), title="Alerts", severity="warning", timeout=6)
            return
        self.app.notify(f"Removed alert #{alert_id}: {removed.text}", timeout=3)
        self.refresh_rows()
