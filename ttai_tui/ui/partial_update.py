"""Write only the changed span of a line, not everything left of it (bytes over ssh).

Textual 8's ``ChopsUpdate.render_segments`` (what the driver writes for a partial update)
crops each chop, the piece of a line that belongs to one widget, at the right edge of the
changed span but always starts writing at the chop's left edge. A LiveTable repaints only the
cells that changed, yet a changed cell at column 40 of a watchlist row re-sent columns 0-40 as
well: about half of ttai's terminal bytes at 120x40 with the chain open.

This replaces that method with one that also crops at the span's left edge (the same
``Strip.crop`` Textual already uses for the right edge) and moves the cursor there. Everything
else (which chops, spans, line breaks) is unchanged. It is installed only on the Textual
versions it was checked against; on others Textual's own method stays.
"""

from __future__ import annotations

from rich.console import Console
from rich.control import Control
from textual import __version__ as textual_version
from textual._compositor import ChopsUpdate

CHECKED_MAJOR = "8."


def render_segments(self: ChopsUpdate, console: Console) -> str:
    """Textual's method, with the left crop (see the module docstring)."""
    sequences: list[str] = []
    append = sequences.append
    move_to = Control.move_to
    chops = self.chops
    chop_ends = self.chop_ends
    last_y = self.spans[-1][0]
    for y, x1, x2 in self.spans:
        line = chops[y]
        ends = chop_ends[y]
        for end, (x, strip) in zip(ends, line.items()):  # noqa: B905  (as Textual: ends may be longer)
            if strip is None or x > x2 or end <= x1:
                continue
            if x2 > x >= x1 and end <= x2:
                append(move_to(x, y).segment.text)
                append(strip.render(console))
                continue
            start = max(0, x1 - x)
            strip = strip.crop(start, min(end, x2) - x)
            append(move_to(x + start, y).segment.text)
            append(strip.render(console))
        if y != last_y:
            append("\n")
    return "".join(sequences)


_original = ChopsUpdate.render_segments


def install() -> bool:
    """Use the cropping method (idempotent); False when this Textual was not checked."""
    if not textual_version.startswith(CHECKED_MAJOR):
        return False
    ChopsUpdate.render_segments = render_segments  # type: ignore[method-assign]
    return True
