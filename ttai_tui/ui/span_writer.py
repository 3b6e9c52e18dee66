"""Send a terminal only the changed columns of a line (bytes over ssh).

When part of the screen changes, Textual 8 hands its driver a `ChopsUpdate`: per screen line,
the pieces ("chops") that belong to each widget, and the spans `(y, x1, x2)` that changed.
Textual writes every chop that touches a span from the chop's own left edge, so one changed
cell at column 40 of a watchlist row also re-sends columns 0-39. ttai's tables repaint single
cells, so that left part was about half of the bytes at 120x40 with the chain open.

`write_changed_spans` is ttai's own renderer for that object: for each changed span it writes
only the overlap of each chop with the span, after an absolute cursor move to where the overlap
starts.

The fence: it replaces a method of a private Textual class, so `install()` is called explicitly
by `run_app` (never as a side effect of an import), and only when Textual is exactly the version
it was written for (`WRITTEN_FOR`, the pin in pyproject.toml) *and* `ChopsUpdate`'s source is the
one it was read against (`CHOPS_UPDATE_SHA256`); otherwise Textual's own renderer stays and the
log says why. `tests/ui/test_span_writer.py` fails when either changes, so a Textual upgrade
means re-reading `ChopsUpdate` and updating both constants (or dropping this module).
starts. Styles are written as changes: Textual sends every piece of text with its full SGR
sequence and a reset after it (about 40 bytes around a 9-character price, two thirds of what a
streaming chain writes); here the terminal's current style is tracked through the update, only
what differs (foreground, background, or the attributes) is sent, and one reset ends the update.
It is installed only on Textual 8 (the version pinned in pyproject.toml, whose
`ChopsUpdate` fields it reads); with any other version Textual's own renderer stays.
"""

from __future__ import annotations

import hashlib
import inspect
import linecache
import re
from collections.abc import Iterable

from rich.cells import cell_len
from rich.color import ColorSystem
from rich.console import Console
from rich.control import Control
from rich.segment import Segment
from rich.style import Style
from textual import __version__ as textual_version
from textual._compositor import ChopsUpdate
from textual.strip import Strip

from ttai_tui.ui.textual_fence import fence_open

WRITTEN_FOR = "8.2.8"
CHOPS_UPDATE_SHA256 = "7c7d3e0bf714e8362f3df2b077749e62960178fa84ad516b0c947d2447b5d5fc"
TEXTUAL_RENDERER = ChopsUpdate.render_segments  # Textual's own, restored by uninstall()


def chops_update_digest() -> str:
    """SHA-256 of the source of Textual's `ChopsUpdate` (fields read here + the replaced method).

    The text is what ``inspect.getsource(ChopsUpdate)`` returns (the class with its decorators),
    found from the ``class`` line instead: for a class, getsource parses the whole of
    ``textual/_compositor.py`` to locate it, ~15 ms of every start-up. "" if it is not found.
    """
    path = inspect.getsourcefile(ChopsUpdate)
    lines = linecache.getlines(path) if path else []
    start = next((i for i, line in enumerate(lines) if _CLASS_LINE.match(line)), None)
    if start is None:
        return ""
    while start > 0 and lines[start - 1].lstrip().startswith("@"):
        start -= 1
    return hashlib.sha256("".join(inspect.getblock(lines[start:])).encode()).hexdigest()


_CLASS_LINE = re.compile(r"class ChopsUpdate\b")


_State = tuple[str, str, str]  # SGR codes: attributes, foreground, background ("" = default)
_DEFAULT: _State = ("", "", "")
_STYLE_CODES: dict[tuple[Style, ColorSystem], _State] = {}


def _codes(style: Style, system: ColorSystem) -> _State:
    key = (style, system)
    hit = _STYLE_CODES.get(key)
    if hit is None:
        if len(_STYLE_CODES) > 4096:
            _STYLE_CODES.clear()
        color, bgcolor = style.color, style.bgcolor
        hit = _STYLE_CODES[key] = (
            Strip.render_ansi(style.without_color, system),
            ";".join(color.downgrade(system).get_ansi_codes(True)) if color is not None else "",
            ";".join(bgcolor.downgrade(system).get_ansi_codes(False)) if bgcolor is not None else "",
        )
    return hit


def _transition(old: _State, new: _State) -> str:
    """The SGR sequence that takes the terminal from style ``old`` to ``new`` ("" if none)."""
    if new == old:
        return ""
    attrs, fg, bg = new
    if attrs != old[0] and old[0]:  # attributes cannot be switched off one by one portably
        codes = ["0", *(c for c in new if c)]
    else:
        codes = [attrs] if attrs != old[0] else []
        if fg != old[1]:
            codes.append(fg or "39")
        if bg != old[2]:
            codes.append(bg or "49")
    return f"\x1b[{';'.join(codes)}m"


def _crop(strip: Strip, start: int, end: int) -> Iterable[Segment]:
    """The segments of cells [start, end) of a strip, without building
    Strips: `Strip.crop` makes a new Strip (seven caches) per call, and most changed spans cut
    a piece. Text whose cell width is not its length (wide characters) goes through
    `Strip.crop`, which knows how to cut one in half."""
    out: list[Segment] = []
    pos = 0
    for seg in strip:
        text = seg.text
        n = cell_len(text)
        if n != len(text):
            return strip.crop(start, end)
        nxt = pos + n
        if nxt > start:
            if pos >= end:
                break
            if pos < start or nxt > end:
                text = text[max(0, start - pos) : end - pos]
            out.append(Segment(text, seg.style, seg.control))
        pos = nxt
    return out


def write_changed_spans(update: ChopsUpdate, console: Console) -> str:
    out: list[str] = []
    system = console._color_system or ColorSystem.TRUECOLOR
    state = _DEFAULT
    for y, span_start, span_end in update.spans:
        pieces = update.chops[y]
        for (left, strip), right in zip(pieces.items(), update.chop_ends[y], strict=False):
            lo, hi = max(left, span_start), min(right, span_end)
            if strip is None or lo >= hi:
                continue  # this widget's piece of the line did not change
            segments = strip if (lo, hi) == (left, right) else _crop(strip, lo - left, hi - left)
            out.append(Control.move_to(lo, y).segment.text)
            for text, style, _control in segments:
                if not text:
                    continue
                if style is not None and style.link:  # hyperlinks: Textual's own rendering
                    out.append(_transition(state, _DEFAULT))
                    state = _DEFAULT
                    out.append(Strip.render_style(style, text, system))
                    continue
                new = _codes(style, system) if style is not None else _DEFAULT
                out.append(_transition(state, new))
                state = new
                out.append(text)
    if state != _DEFAULT:
        out.append("\x1b[0m")
    return "".join(out)


def install(version: str = textual_version) -> bool:
    """Use `write_changed_spans` for partial updates. False, and Textual's renderer stays, unless
    Textual is exactly `WRITTEN_FOR` with the `ChopsUpdate` it was written against."""
    if not fence_open("span writer", WRITTEN_FOR, version, chops_update_digest, CHOPS_UPDATE_SHA256):
        return False
    setattr(ChopsUpdate, "render_segments", write_changed_spans)  # noqa: B010 - the fenced patch
    return True


def uninstall() -> None:
    """Put Textual's own renderer back (tests; a no-op when it was never replaced)."""
    setattr(ChopsUpdate, "render_segments", TEXTUAL_RENDERER)  # noqa: B010


def installed() -> bool:
    return ChopsUpdate.render_segments is write_changed_spans
