"""A fixed-size one-or-two-line Static that repaints only the columns whose content changed.

`Static.update` marks the whole widget dirty, so a status bar whose clock ticks every second
re-sent its whole line (and the balances strip both of its lines) to the terminal each time.
`SpanStatic.show_text` compares the new text with what is shown, character by character with
styles, and hands Textual only the changed span of each line (to the end of the line when the
line's length changed, since everything after the change moved). The content itself is
re-rendered as usual; only what reaches the terminal is narrower.
"""

from __future__ import annotations

from typing import Any, Self

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Region
from textual.widgets import Static

Line = tuple[str, tuple[str, ...]]  # plain text, one style name per character


def _lines(text: Text) -> list[Line]:
    out: list[Line] = []
    for line in text.split("\n", allow_blank=True):
        styles = [str(line.style)] * len(line.plain)
        for span in line.spans:
            s = str(span.style)
            for i in range(max(0, span.start), min(len(styles), span.end)):
                styles[i] = styles[i] + "+" + s
        out.append((line.plain, tuple(styles)))
    return out


def changed_regions(old: list[Line], new: list[Line], width: int) -> list[Region] | None:
    """Regions (content coordinates) that differ, or None when everything must repaint."""
    if len(old) != len(new):
        return None
    regions: list[Region] = []
    for y, ((op, os_), (np_, ns)) in enumerate(zip(old, new, strict=True)):
        if op == np_ and os_ == ns:
            continue
        i, n = 0, min(len(op), len(np_))
        while i < n and op[i] == np_[i] and os_[i] == ns[i]:
            i += 1
        x1 = cell_len(np_[:i])
        if cell_len(op) != cell_len(np_):
            x2 = width  # the rest of the line moved
        else:
            k = 0
            while k < n - i and op[-1 - k] == np_[-1 - k] and os_[-1 - k] == ns[-1 - k]:
                k += 1
            x2 = cell_len(np_[: len(np_) - k])
        if x2 > x1:
            regions.append(Region(x1, y, x2 - x1, 1))
    return regions


class SpanStatic(Static):
    """Use `show_text` for updates; its height must be fixed (no layout pass is made)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown_lines: list[Line] | None = None
        self._span_regions: list[Region] | None = None

    def show_text(self, text: Text) -> None:
        new = _lines(text)
        regions = None
        if self._shown_lines is not None and self.size.width:
            regions = changed_regions(self._shown_lines, new, self.size.width)
        self._shown_lines = new
        if regions is not None and not regions:
            return
        self._span_regions = regions
        try:
            self.update(text, layout=False)
        finally:
            self._span_regions = None

    def refresh(
        self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False
    ) -> Self:
        if self._span_regions and not regions and not layout and not recompose:
            regions = tuple(self._span_regions)
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def on_resize(self) -> None:
        self._shown_lines = None  # the next update repaints everything
