"""Send a terminal only the changed columns of a line (bytes over ssh).

When part of the screen changes, Textual 8 hands its driver a `ChopsUpdate`: per screen line,
the pieces ("chops") that belong to each widget, and the spans `(y, x1, x2)` that changed.
Textual writes every chop that touches a span from the chop's own left edge, so one changed
cell at column 40 of a watchlist row also re-sends columns 0-39. ttai's tables repaint single
cells, so that left part was about half of the bytes at 120x40 with the chain open.

`write_changed_spans` is ttai's own renderer for that object: for each changed span it writes
only the overlap of each chop with the span, after an absolute cursor move to where the overlap
starts. Styles are written as changes: Textual sends every piece of text with its full SGR
sequence and a reset after it (about 40 bytes around a 9-character price, two thirds of what a
streaming chain writes); here the terminal's current style is tracked through the update, only
what differs (foreground, background, or the attributes) is sent, and one reset ends the update.
It is installed only on Textual 8 (the version pinned in pyproject.toml, whose
`ChopsUpdate` fields it reads); with any other version Textual's own renderer stays.
"""

from __future__ import annotations

from rich.color import ColorSystem
from rich.console import Console
from rich.control import Control
from rich.style import Style
from textual import __version__ as textual_version
from textual._compositor import ChopsUpdate
from textual.strip import Strip

TEXTUAL_RENDERER = ChopsUpdate.render_segments  # kept for comparison in the tests


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
            if (lo, hi) != (left, right):
                strip = strip.crop(lo - left, hi - left)
            out.append(Control.move_to(lo, y).segment.text)
            for text, style, _control in strip:
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


def install() -> bool:
    """Use `write_changed_spans` for partial updates; False (and no change) off Textual 8."""
    if not textual_version.startswith("8."):
        return False
    ChopsUpdate.render_segments = write_changed_spans  # type: ignore[method-assign,assignment]
    return True
