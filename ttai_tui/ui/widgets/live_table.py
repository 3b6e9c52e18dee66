"""A streaming table on Textual's Line API: keyed rows, per-row render cache, partial repaints.

Why not DataTable: any `update_cell` bumps DataTable's global update counter, which invalidates
the render cache of the whole table, so every frame re-renders every visible cell. With a
50-symbol watchlist and a 40-strike chain ticking at 15 Hz that was 100-300 ms of rendering per
frame (measured), far over the 25 ms flush / 100 ms keypress budgets. Here a changed cell
invalidates only its row's cached Strip and repaints only that screen line (textual-anchors
§2.1 "Line API", §5.3 rule 7), so the cost of a frame is proportional to what changed.

The rules of textual-anchors §5.3 still hold: fixed column widths, keyed rows, a cell is
rewritten only when its formatted text or style changed, and tick flashes expire inside the one
flush timer (`expire`) rather than through per-cell timers.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

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


@lru_cache(maxsize=512)
def _style(spec: str) -> Style:
    return Style.parse(spec) if spec.strip() else Style()


def _fit(text: str, width: int, justify: str) -> str:
    if len(text) > width:
        if justify == "right" and "," in text and len(text) - text.count(",") <= width:
            return text.replace(",", "").rjust(width)  # 21438.25, not 21,438.…: every digit shown
        return text[: max(0, width - 1)] + "…" if width > 1 else text[:width]
    if justify == "left":
        return text.ljust(width)
    if justify == "center":
        return text.center(width)
    return text.rjust(width)


_uncommitted: weakref.WeakSet[LiveTable] = weakref.WeakSet()  # tables holding queued regions


def commit_pending() -> None:
    """Hand every table's queued cell regions to Textual now (the flush calls this before it
    paints the frame; otherwise each table commits through its own `call_next`)."""
    while _uncommitted:
        _uncommitted.pop()._commit_refresh()


class LiveTable(ScrollView, can_focus=True):
    """Keyed rows of fixed-width cells; see the module docstring for why it exists."""

    COMPONENT_CLASSES = {"live-table--header", "live-table--cursor", "live-table--cursor-blur"}
    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", show=False, id="cursor-down", tooltip="Move down (also ↓)"),
        Binding("k,up", "cursor_up", "Up", show=False, id="cursor-up", tooltip="Move up (also ↑)"),
        Binding("pagedown", "page_down", "Page down", show=False, id="page-down", tooltip="One page down"),
        Binding("pageup", "page_up", "Page up", show=False, id="page-up", tooltip="One page up"),
        Binding("home", "first", "First row", show=False, id="cursor-first", tooltip="First row"),
        Binding("end", "last", "Last row", show=False, id="cursor-last", tooltip="Last row"),
        Binding("left", "scroll_left", "Scroll left", show=False, id="scroll-left", tooltip="Scroll columns left"),
        Binding("right", "scroll_right", "Scroll right", show=False, id="scroll-right",
                tooltip="Scroll columns right"),
    ]

    class RowSelected(Message):
        """A row was double-clicked (enter is bound by the owning pane)."""

        def __init__(self, table: LiveTable, key: str) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> LiveTable:
            return self.table

    class HeaderSelected(Message):
        """A column header was clicked (panes sort on it)."""

        def __init__(self, table: LiveTable, column: str) -> None:
            super().__init__()
            self.table = table
            self.column = column

        @property
        def control(self) -> LiveTable:
            return self.table

    def __init__(self, columns: Sequence[Col], *, id: str | None = None, classes: str = "") -> None:
        super().__init__(id=id, classes=classes)
        self._cols: dict[str, Col] = {}
        self._col_list: list[Col] = []
        self._width = 0
        self._order: list[str] = []
        self._index: dict[str, int] = {}
        self._shown: dict[tuple[str, str], tuple[str, str]] = {}
        self._flashes: dict[tuple[str, str], tuple[float, str]] = {}
        self._strips: dict[str, Strip] = {}
        self._final: dict[str, Strip] = {}  # cropped to the viewport, for the current geometry
        self._geometry: tuple[int, int] = (-1, -1)
        self._base: Style | None = None  # `rich_style` walks the DOM: computed once per restyle
        self._components: dict[str, Style] = {}  # component class -> its style, same reason
        self._pending: list[Region] = []  # cell regions to repaint, flushed in one call
        self._view: tuple[int, int, int, int] | None = None
        self._header: Strip | None = None
        self.cursor_row = 0
        self.cursor_columns: frozenset[str] = frozenset()  # if set: only these cells get the cursor
        self.cell_updates = 0  # cells really rewritten (tests and the bench read it)
        self.set_columns(columns)

    # -- columns ---------------------------------------------------------------------------

    def set_columns(self, columns: Sequence[Col]) -> None:
        """(Re)define the columns; clears rows, so callers re-add them (rare: a layout toggle)."""
        self._cols = {c.key: c for c in columns}
        self._col_list = list(columns)
        self._width = sum(c.width + 2 for c in columns)
        self._col_x: dict[str, int] = {}
        x = 0
        for c in columns:
            self._col_x[c.key] = x
            x += c.width + 2
        self._header = None
        self.drop_all()

    @property
    def column_keys(self) -> list[str]:
        return list(self._cols)

    def column_at(self, x: int) -> str | None:
        """The column under content x (scroll included), for clicks on a cell."""
        edge = 0
        for col in self._col_list:
            edge += col.width + 2
            if x < edge:
                return col.key
        return None

    def set_cursor_columns(self, cols: frozenset[str]) -> None:
        """Highlight only these cells of the cursor row (a cell cursor, e.g. the chain's side)."""
        if cols != self.cursor_columns:
            self.cursor_columns = cols
            self._refresh_cursor()

    # -- rows ------------------------------------------------------------------------------

    def _resize(self) -> None:
        self.virtual_size = Size(self._width, len(self._order) + 1)
        self._clamp_cursor()

    def _reindex(self) -> None:
        self._index = {k: i for i, k in enumerate(self._order)}

    def ensure_row(self, key: str, values: dict[str, tuple[str, str]], order: object = None) -> bool:
        """Append the row if it is new (True); values map column -> (text, style). ``order`` is
        not used: rows keep the order they are added in (sorting is ``set_order``)."""
        if key in self._index:
            return False
        for col in self._cols:
            self._shown[(key, col)] = values.get(col, (MISSING, "dim"))
        self._index[key] = len(self._order)
        self._order.append(key)
        self._resize()
        self._refresh_row(key)
        return True

    def has_row(self, key: str) -> bool:
        return key in self._index

    @property
    def row_count(self) -> int:
        return len(self._order)

    def drop_row(self, key: str) -> None:
        if key not in self._index:
            return
        self._order.remove(key)
        self._reindex()
        for col in self._cols:
            self._shown.pop((key, col), None)
            self._flashes.pop((key, col), None)
        self._strips.pop(key, None)
        self._final.pop(key, None)
        self._resize()
        self.refresh()

    def drop_all(self) -> None:
        self._order.clear()
        self._index.clear()
        self._shown.clear()
        self._flashes.clear()
        self._strips.clear()
        self._final.clear()
        self._resize()
        self.refresh()

    def set_cell(self, key: str, col: str, text: str, style: str = "") -> bool:
        """Rewrite one cell if its text or style changed; returns whether it did."""
        if col not in self._cols or key not in self._index:
            return False
        k = (key, col)
        if self._shown.get(k) == (text, style):
            return False
        self._shown[k] = (text, style)
        self.cell_updates += 1
        self._refresh_cell(key, col)
        return True

    def set_row(self, key: str, values: dict[str, tuple[str, str]]) -> int:
        """Rewrite the row's changed cells; neighbouring changed cells repaint as one region."""
        if key not in self._index:
            return 0
        cols, shown = self._cols, self._shown
        changed: list[str] = []
        for col, v in values.items():
            k = (key, col)
            if col in cols and shown.get(k) != v:
                shown[k] = v
                changed.append(col)
        if changed:
            self.cell_updates += len(changed)
            self._refresh_cells(key, changed)
        return len(changed)

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
        if (key, col) not in self._shown:
            return
        self._flashes[(key, col)] = (now + FLASH_SECONDS, UP_FLASH if up else DOWN_FLASH)
        self.cell_updates += 1
        self._refresh_cell(key, col)

    def is_flashing(self, key: str, col: str) -> bool:
        return (key, col) in self._flashes

    def expire(self, now: float) -> None:
        """Restore cells whose flash ran out (called from the flush timer)."""
        if not self._flashes:
            return
        done = [k for k, (until, _) in self._flashes.items() if until <= now]
        for k in done:
            del self._flashes[k]
            self._refresh_cell(*k)

    # -- order, cursor -------------------------------------------------------------------------

    def set_order(self, order: dict[str, Any], reverse: bool = False) -> None:
        """Reorder rows by `order[row_key]` (stable), keeping the cursor on the same row."""
        selected = self.selected_key
        self._order.sort(key=lambda k: order.get(k, 0), reverse=reverse)
        self._reindex()
        if selected is not None:
            self.cursor_row = self._index[selected]
        self.refresh()

    def row_keys_in_order(self) -> list[str]:
        return list(self._order)

    @property
    def selected_key(self) -> str | None:
        if not self._order:
            return None
        return self._order[min(self.cursor_row, len(self._order) - 1)]

    def select_key(self, key: str) -> None:
        if key in self._index:
            self.move_cursor(row=self._index[key])

    def move_cursor(self, row: int, animate: bool = False) -> None:
        old = self.selected_key
        self.cursor_row = max(0, min(row, len(self._order) - 1))
        if old is not None:
            self._refresh_row(old, keep_cache=True)
        new = self.selected_key
        if new is not None:
            self._refresh_row(new, keep_cache=True)
        self._scroll_cursor_into_view()

    def _clamp_cursor(self) -> None:
        if self.cursor_row >= len(self._order):
            self.cursor_row = max(0, len(self._order) - 1)

    @property
    def _body_height(self) -> int:
        return max(1, self.size.height - 1)

    def _scroll_cursor_into_view(self) -> None:
        top = int(self.scroll_y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False)
        elif self.cursor_row >= top + self._body_height:
            self.scroll_to(y=self.cursor_row - self._body_height + 1, animate=False)

    def visible_row_keys(self) -> list[str]:
        """Row keys inside the viewport (for subscribing only what is on screen)."""
        top = int(self.scroll_y)
        return self._order[top : top + self._body_height]

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor_row + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor_row - 1)

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor_row + self._body_height)

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor_row - self._body_height)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self._order) - 1)

    # -- mouse ------------------------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        x = offset.x + int(self.scroll_x)
        if offset.y == 0:
            edge = 0
            for col in self._col_list:
                edge += col.width + 2
                if x < edge:
                    self.post_message(self.HeaderSelected(self, col.key))
                    break
            return
        row = int(self.scroll_y) + offset.y - 1
        if 0 <= row < len(self._order):
            again = row == self.cursor_row
            self.move_cursor(row)
            if again or event.chain >= 2:
                self.post_message(self.RowSelected(self, self._order[row]))

    def on_focus(self) -> None:
        self._refresh_cursor()

    def on_blur(self) -> None:
        self._refresh_cursor()

    def _refresh_cursor(self) -> None:
        key = self.selected_key
        if key is not None:
            self._refresh_row(key, keep_cache=True)

    # -- rendering ----------------------------------------------------------------------------------

    def _refresh_row(self, key: str, keep_cache: bool = False) -> None:
        if not keep_cache:
            self._strips.pop(key, None)
            self._final.pop(key, None)
        i = self._index.get(key)
        if i is None:
            return
        y = i - int(self.scroll_y) + 1
        if 1 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def _refresh_cell(self, key: str, col: str) -> None:
        """Repaint one cell's screen region only: over ssh, bytes follow what changed."""
        self._refresh_cells(key, [col])

    def _refresh_cells(self, key: str, cols: list[str]) -> None:
        """Repaint the cells of one row that changed: runs of adjacent cells are one region (the
        same screen cells, fewer regions for Textual to translate, merge and crop). Regions are
        collected and handed to Textual in one `refresh(*regions)` call (each call walks the DOM
        for offsets, which at ~200 cells a flush was most of the flush time)."""
        self._strips.pop(key, None)
        self._final.pop(key, None)
        i = self._index.get(key)
        if i is None:
            return
        sx, sy, width, height = self._viewport()
        y = i - sy + 1
        if not 1 <= y < height:
            return
        col_x, cols_by_key = self._col_x, self._cols
        spans = sorted((col_x[c], col_x[c] + cols_by_key[c].width + 2) for c in cols)
        if not self._pending:
            self.call_next(self._commit_refresh)
            _uncommitted.add(self)
        start, end = spans[0]
        for x1, x2 in spans[1:]:
            if x1 > end:
                self._pending_region(start, end, sx, y, width)
                start = x1
            end = max(end, x2)
        self._pending_region(start, end, sx, y, width)

    def _pending_region(self, x1: int, x2: int, sx: int, y: int, width: int) -> None:
        """Queue content columns [x1, x2) of screen line y, clipped to the viewport."""
        a, b = max(0, x1 - sx), min(width, x2 - sx)
        if b > a:
            self._pending.append(Region(a, y, b - a, 1))

    def _viewport(self) -> tuple[int, int, int, int]:
        """(scroll x, scroll y, width, height), cached: `size`/`scroll_*` walk the DOM."""
        if self._view is None:
            self._view = (int(self.scroll_x), int(self.scroll_y), self.size.width, self.size.height)
        return self._view

    def watch_scroll_x(self, old: float, new: float) -> None:
        self._view = None
        super().watch_scroll_x(old, new)

    def watch_scroll_y(self, old: float, new: float) -> None:
        self._view = None
        super().watch_scroll_y(old, new)

    def on_resize(self) -> None:
        self._view = None

    def _commit_refresh(self) -> None:
        _uncommitted.discard(self)
        pending, self._pending = self._pending, []
        if pending:
            self.refresh(*pending)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self._final.clear()
        self._base = None
        self._components.clear()
        self._header = None

    @property
    def _base_style(self) -> Style:
        if self._base is None:
            self._base = self.rich_style
        return self._base

    def _component_style(self, name: str) -> Style:
        """A component class's style, cached until the next restyle (the cursor row is
        rebuilt on most frames while quotes stream, and Textual resolves it from the DOM)."""
        style = self._components.get(name)
        if style is None:
            style = self._components[name] = self.get_component_rich_style(name)
        return style

    def _header_strip(self) -> Strip:
        if self._header is None:
            style = self.get_component_rich_style("live-table--header")
            segs = [Segment(" " + _fit(c.label, c.width, c.justify) + " ", style) for c in self._col_list]
            self._header = Strip(segs, self._width)
        return self._header

    def _row_segments(self, key: str, pad: int = 0) -> list[Segment]:
        """The row's cells as segments, neighbours of the same style merged (one SGR sequence
        instead of one per cell, what `Strip.simplify` did), plus ``pad`` blank cells in the base
        style. Built straight into one Strip per row: a Strip costs three caches to make, and the
        rows of both tables are rebuilt on most frames while quotes stream."""
        base = self._base_style
        shown, flashes = self._shown, self._flashes
        segs: list[Segment] = []
        run_text: list[str] = []
        run_style: Style | None = None
        for c in self._col_list:
            k = (key, c.key)
            text, style = shown.get(k, (MISSING, "dim"))
            flash = flashes.get(k)
            if flash is not None:
                style = flash[1]
            cell = base + _style(style)
            if cell != run_style:
                if run_text:
                    segs.append(Segment("".join(run_text), run_style))
                run_text, run_style = [], cell
            run_text.append(" " + _fit(text, c.width, c.justify) + " ")
        if run_text:
            segs.append(Segment("".join(run_text), run_style))
        if pad > 0:  # kept apart, as `extend_cell_length` adds it: the same segments as before
            segs.append(Segment(" " * pad, base))
        return segs

    def _row_strip(self, key: str) -> Strip:
        strip = self._strips.get(key)
        if strip is None:
            strip = self._strips[key] = Strip(self._row_segments(key), self._width)
        return strip

    def _cell_cursor_strip(self, key: str, over: Style) -> Strip:
        """The cursor row with the cursor style on ``cursor_columns`` only (the rest dimmed
        with the blur style, so the row still reads as selected)."""
        base = self._base_style
        blur = self._component_style("live-table--cursor-blur")
        segs = []
        for c in self._col_list:
            text, style = self._shown.get((key, c.key), (MISSING, "dim"))
            cell = base + _style(style) + (over if c.key in self.cursor_columns else blur)
            segs.append(Segment(" " + _fit(text, c.width, c.justify) + " ", cell))
        return Strip(segs, self._width)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        scroll_x = int(self.scroll_x)
        base = self._base_style
        if (scroll_x, width) != self._geometry:
            self._geometry = (scroll_x, width)
            self._final.clear()
        if y == 0:
            return self._header_strip().crop(scroll_x, scroll_x + width).extend_cell_length(width, base)
        i = int(self.scroll_y) + y - 1
        if i >= len(self._order):
            return Strip.blank(width, base)
        key = self._order[i]
        if i == self.cursor_row:
            cursor = "live-table--cursor" if self.has_focus else "live-table--cursor-blur"
            over = self._component_style(cursor)
            if self.cursor_columns:
                strip = self._cell_cursor_strip(key, over)
            else:
                strip = self._row_strip(key)
                strip = Strip(Segment.apply_style(iter(strip), post_style=over), strip.cell_length)
            return strip.crop(scroll_x, scroll_x + width).extend_cell_length(width, base)
        final = self._final.get(key)
        if final is None:
            if scroll_x == 0 and width >= self._width:  # the usual case: one Strip, no crop
                final = Strip(self._row_segments(key, width - self._width), width)
            else:
                final = self._row_strip(key).crop(scroll_x, scroll_x + width).extend_cell_length(width, base)
            self._final[key] = final
        return final


def cells(pairs: Iterable[tuple[str, str, str]]) -> dict[str, tuple[str, str]]:
    """Build a set_row/ensure_row mapping from (col, text, style) triples."""
    return {c: (t, s) for c, t, s in pairs}
