"""Send a terminal only the changed columns of a line (bytes over ssh).

When part of the screen changes, Textual 8 hands its driver a `ChopsUpdate`: per screen line,
the pieces ("chops") that belong to each widget, and the spans `(y, x1, x2)` that changed.
Textual writes every chop that touches a span from the chop's own left edge, so one changed
cell at column 40 of a watchlist row also re-sends columns 0-39. ttai's tables repaint single
cells, so that left part was about half of the bytes at 120x40 with the chain open.

`write_changed_spans` is ttai's own renderer for that object: for each changed span it writes
only the overlap of each chop with the span, after an absolute cursor move to where the overlap
starts. It is installed only on Textual 8 (the version pinned in pyproject.toml, whose
`ChopsUpdate` fields it reads); with any other version Textual's own renderer stays.
"""

from __future__ import annotations

from rich.console import Console
from rich.control import Control
from textual import __version__ as textual_version
from textual._compositor import ChopsUpdate

TEXTUAL_RENDERER = ChopsUpdate.render_segments  # kept for comparison in the tests


def write_changed_spans(update: ChopsUpdate, console: Console) -> str:
    out: list[str] = []
    for y, span_start, span_end in update.spans:
        pieces = update.chops[y]
        for (left, strip), right in zip(pieces.items(), update.chop_ends[y], strict=False):
            lo, hi = max(left, span_start), min(right, span_end)
            if strip is None or lo >= hi:
                continue  # this widget's piece of the line did not change
            if (lo, hi) != (left, right):
                strip = strip.crop(lo - left, hi - left)
            out.append(Control.move_to(lo, y).segment.text)
            out.append(strip.render(console))
    return "".join(out)


def install() -> bool:
    """Use `write_changed_spans` for partial updates; False (and no change) off Textual 8."""
    if not textual_version.startswith("8."):
        return False
    ChopsUpdate.render_segments = write_changed_spans  # type: ignore[method-assign,assignment]
    return True
