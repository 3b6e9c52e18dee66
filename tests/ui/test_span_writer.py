"""Partial screen updates write exactly the changed columns, and the screen ends up right."""

from __future__ import annotations

import pyte
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual._compositor import ChopsUpdate
from textual.strip import Strip

from ttai_tui.ui.span_writer import TEXTUAL_RENDERER, write_changed_spans

RED = Style(color="red")


def _screen_after(output: str, width: int = 30, height: int = 3) -> list[str]:
    screen = pyte.Screen(width, height)
    stream = pyte.Stream(screen)
    stream.feed("\x1b[2J" + "".join(f"\x1b[{r + 1};1H" + "." * width for r in range(height)))
    stream.feed(output)
    return screen.display


def _update() -> ChopsUpdate:
    left = Strip([Segment("A" * 10)], 10)
    right = Strip([Segment("B" * 5, RED), Segment("C" * 5)], 10)
    other = Strip([Segment("x" * 20)], 20)
    chops = [{0: left, 10: right}, {}, {5: other}]
    spans = [(0, 7, 13), (2, 0, 30)]
    ends = [[10, 20], [], [25]]
    return ChopsUpdate(chops, spans, ends)


def test_only_the_changed_columns_are_written():
    console = Console(width=30, height=3, color_system="truecolor", force_terminal=True, legacy_windows=False)
    out = write_changed_spans(_update(), console)
    shown = _screen_after(out)
    # line 0: columns 7-12 come from the two widgets' pieces, the rest is untouched
    assert shown[0] == "......." + "AAA" + "BBB" + "." * 17
    # line 2: a span wider than the piece writes the whole piece, nothing outside it
    assert shown[2] == "....." + "x" * 20 + "....."
    assert out.count("A") == 3 and out.count("B") == 3 and "C" not in out


def test_textual_would_resend_the_left_part():
    """Why this exists: Textual's own renderer writes from each piece's left edge."""
    console = Console(width=30, height=3, color_system="truecolor", force_terminal=True, legacy_windows=False)
    original = TEXTUAL_RENDERER
    out = original(_update(), console)
    assert out.count("A") == 10
