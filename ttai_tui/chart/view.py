"""Which bars the chart shows: zoom (columns per bar), a cursor, and following the live bar.

Pure state, no Textual: the pane's keys call these methods and the renderer asks
:meth:`Viewport.window` which bars fit. Without a cursor the window ends at the last bar, so a
new bar scrolls the chart (live). Moving the cursor pins the window where it is (new bars do
not move what the user is reading); :meth:`Viewport.end` drops the cursor and follows again.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ZOOM_LEVELS", "Viewport"]

ZOOM_LEVELS = (1, 2, 4, 6, 8)  # columns per bar; bodies are 1, 1, 3, 5, 7 wide


@dataclass(slots=True)
class Viewport:
    """``cursor`` and ``right`` are bar indices into the data (None: follow the last bar)."""

    zoom: int = 0
    cursor: int | None = None
    right: int | None = None

    @property
    def cols_per_bar(self) -> int:
        return ZOOM_LEVELS[self.zoom]

    @property
    def following(self) -> bool:
        return self.cursor is None and self.right is None

    def window(self, n: int, capacity: int) -> tuple[int, int]:
        """[start, stop) of the bars shown when ``capacity`` bars fit; the cursor is inside."""
        if n <= 0:
            return 0, 0
        cap = max(1, capacity)
        if self.following:
            stop = n
        else:
            right = n - 1 if self.right is None else min(self.right, n - 1)
            if self.cursor is not None:
                cur = min(max(self.cursor, 0), n - 1)
                right = max(right, cur)
                if cur < right - cap + 1:
                    right = cur + cap - 1
            stop = min(n, right + 1)
        return max(0, stop - cap), stop

    def focus(self, n: int) -> int | None:
        """The bar the header describes: the cursor's, else the last one."""
        if n <= 0:
            return None
        return n - 1 if self.cursor is None else min(max(self.cursor, 0), n - 1)

    def move(self, delta: int, n: int, capacity: int) -> None:
        """Cursor ``delta`` bars right (negative: left); the first move starts at the last bar."""
        if n <= 0:
            return
        start = n - 1 if self.cursor is None else self.cursor
        self.right = self.window(n, capacity)[1] - 1
        self.cursor = min(max(start + delta, 0), n - 1)
        self.right = self.window(n, capacity)[1] - 1

    def home(self, n: int, capacity: int) -> None:
        """Cursor on the first bar, the window at the start of the data."""
        if n <= 0:
            return
        self.cursor = 0
        self.right = min(n, max(1, capacity)) - 1

    def end(self) -> None:
        """Drop the cursor: the window follows the last (live) bar again."""
        self.cursor = None
        self.right = None

    def zoom_by(self, step: int) -> bool:
        """More columns per bar (step > 0: fewer bars) or fewer; False at either limit."""
        z = min(max(self.zoom + step, 0), len(ZOOM_LEVELS) - 1)
        changed = z != self.zoom
        self.zoom = z
        return changed
