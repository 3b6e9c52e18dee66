"""A DataTable for streaming data: fixed columns, keyed rows, update only what changed.

Why a subclass: every live view (watchlist, chain, positions) needs the same three rules from
textual-anchors §5.3 — fixed column widths with `update_width=False`, `update_cell` only when
the *formatted* text changed, and tick flashes that expire inside the one flush timer rather
than through per-cell timers. Keeping them here keeps the views small and the rules uniform.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist

from ttai_tui.core.formatting import MISSING

FLASH_SECONDS = 0.6
UP_FLASH = "bold black on green"
DOWN_FLASH = "bold white on red"


@dataclass(frozen=True, slots=True)
class Col:
    """A column: key, header label, fixed width, right-justified numbers by default."""

    key: str
    label: str
    width: int
    justify: str = "right"


class RowText(Text):
    """A cell that knows its row's place in the user's order (sorting without private API)."""

    order: Any = 0


class LiveTable(DataTable):
    """DataTable with diffed cell updates, flashes and vim-style movement."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="cursor-down"),
        Binding("k", "cursor_up", "Up", show=False, id="cursor-up"),
    ]

    def __init__(self, columns: Sequence[Col], *, id: str | None = None, classes: str = "") -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=False)
        self._cols: dict[str, Col] = {}
        self._shown: dict[tuple[str, str], tuple[str, str]] = {}
        self._flashes: dict[tuple[str, str], tuple[float, str]] = {}
        self._initial_columns = list(columns)
        self.cell_updates = 0  # for tests and the bench: how many cells were really rewritten

    def on_mount(self) -> None:
        self.set_columns(self._initial_columns)

    # -- columns ---------------------------------------------------------------------------

    def set_columns(self, columns: Sequence[Col]) -> None:
        """(Re)define the columns; clears rows, so callers re-add them (rare: a layout toggle)."""
        self.clear(columns=True)
        self._shown.clear()
        self._flashes.clear()
        self._cols = {c.key: c for c in columns}
        for c in columns:
            self.add_column(Text(c.label, justify=c.justify), key=c.key, width=c.width)  # type: ignore[arg-type]

    @property
    def column_keys(self) -> list[str]:
        return list(self._cols)

    # -- rows ------------------------------------------------------------------------------

    def _cell(self, col: str, text: str, style: str, order: Any = None) -> Text:
        c = self._cols[col]
        cell = RowText(text, style=style, justify=c.justify, no_wrap=True, overflow="ellipsis")  # type: ignore[arg-type]
        if order is not None:
            cell.order = order
        return cell

    def ensure_row(
        self, key: str, values: dict[str, tuple[str, str]], order: Any = None
    ) -> bool:
        """Add the row if it is new (True) — values map column -> (text, style)."""
        if key in self.rows:
            return False
        cells = []
        first = True
        for col in self._cols:
            text, style = values.get(col, (MISSING, "dim"))
            cells.append(self._cell(col, text, style, order if first else None))
            self._shown[(key, col)] = (text, style)
            first = False
        self.add_row(*cells, key=key)
        return True

    def has_row(self, key: str) -> bool:
        return key in self.rows

    def drop_row(self, key: str) -> None:
        try:
            self.remove_row(key)
        except (RowDoesNotExist, KeyError):
            return
        for col in self._cols:
            self._shown.pop((key, col), None)
            self._flashes.pop((key, col), None)

    def drop_all(self) -> None:
        self.clear()
        self._shown.clear()
        self._flashes.clear()

    def set_cell(self, key: str, col: str, text: str, style: str = "") -> bool:
        """Rewrite one cell if its text or style changed; returns whether it did."""
        k = (key, col)
        if self._shown.get(k) == (text, style):
            return False
        self._shown[k] = (text, style)
        flash = self._flashes.get(k)
        shown_style = flash[1] if flash else style
        try:
            self.update_cell(key, col, self._cell(col, text, shown_style), update_width=False)
        except (CellDoesNotExist, RowDoesNotExist, KeyError):
            return False
        self.cell_updates += 1
        return True

    def set_row(self, key: str, values: dict[str, tuple[str, str]]) -> int:
        return sum(self.set_cell(key, col, t, s) for col, (t, s) in values.items())

    def shown(self, key: str, col: str) -> str | None:
        """The text currently displayed in a cell (tests assert on this)."""
        v = self._shown.get((key, col))
        return None if v is None else v[0]

    def shown_style(self, key: str, col: str) -> str | None:
        v = self._shown.get((key, col))
        return None if v is None else v[1]

    # -- flashes ---------------------------------------------------------------------------

    def flash(self, key: str, col: str, up: bool, now: float) -> None:
        """Highlight a cell for FLASH_SECONDS (green up, red down); expiry is in `expire`."""
        k = (key, col)
        if k not in self._shown:
            return
        style = UP_FLASH if up else DOWN_FLASH
        self._flashes[k] = (now + FLASH_SECONDS, style)
        text, _ = self._shown[k]
        try:
            self.update_cell(key, col, self._cell(col, text, style), update_width=False)
        except (CellDoesNotExist, RowDoesNotExist, KeyError):
            self._flashes.pop(k, None)
            return
        self.cell_updates += 1

    def is_flashing(self, key: str, col: str) -> bool:
        return (key, col) in self._flashes

    def expire(self, now: float) -> None:
        """Restore cells whose flash ran out (called from the flush timer)."""
        if not self._flashes:
            return
        done = [k for k, (until, _) in self._flashes.items() if until <= now]
        for k in done:
            del self._flashes[k]
            text, style = self._shown.get(k, (MISSING, ""))
            try:
                self.update_cell(k[0], k[1], self._cell(k[1], text, style), update_width=False)
            except (CellDoesNotExist, RowDoesNotExist, KeyError):
                continue
            self.cell_updates += 1

    # -- order -----------------------------------------------------------------------------

    def set_order(self, order: dict[str, Any], reverse: bool = False) -> None:
        """Reorder rows by `order[row_key]`, keeping the cursor on the same row."""
        selected = self.selected_key
        first = next(iter(self._cols), None)
        if first is None:
            return
        for key in self.rows:
            k = key.value
            if k is None:
                continue
            try:
                cell = self.get_cell(k, first)
            except (CellDoesNotExist, RowDoesNotExist, KeyError):
                continue
            if isinstance(cell, RowText):
                cell.order = order.get(k, 0)
        self.sort(first, key=lambda cell: getattr(cell, "order", 0), reverse=reverse)
        if selected is not None:
            self.select_key(selected)

    def row_keys_in_order(self) -> list[str]:
        """Row keys as displayed, top to bottom."""
        out: list[str] = []
        for i in range(self.row_count):
            try:
                out.append(str(self.coordinate_to_cell_key((i, 0)).row_key.value))
            except (CellDoesNotExist, RowDoesNotExist, KeyError):
                break
        return out

    @property
    def selected_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)
        except (CellDoesNotExist, RowDoesNotExist, KeyError):
            return None

    def select_key(self, key: str) -> None:
        try:
            self.move_cursor(row=self.get_row_index(key), animate=False)
        except (RowDoesNotExist, KeyError):
            return

    def visible_row_keys(self) -> list[str]:
        """Row keys inside the viewport (for subscribing only what is on screen)."""
        keys = self.row_keys_in_order()
        top = int(self.scroll_y)
        height = max(1, self.size.height - 1)
        return keys[top : top + height]


def cells(pairs: Iterable[tuple[str, str, str]]) -> dict[str, tuple[str, str]]:
    """Build a set_row/ensure_row mapping from (col, text, style) triples."""
    return {c: (t, s) for c, t, s in pairs}


Styler = Callable[[float | None], str]
