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


def test_the_patched_textual_class_is_the_one_it_was_written_for():
    """Fails when a Textual upgrade changes `ChopsUpdate` (its fields or `render_segments`):
    re-read it, check `write_changed_spans` still matches, then update both constants."""
    import textual

    from ttai_tui.ui import span_writer

    assert textual.__version__ == span_writer.WRITTEN_FOR
    assert span_writer.chops_update_digest() == span_writer.CHOPS_UPDATE_SHA256


def test_the_digest_is_of_the_class_source_as_inspect_reads_it():
    """The start-up digest finds the class by its line; it must hash exactly the text
    `inspect.getsource` gives (decorators included), so the fence means what it says."""
    import hashlib
    import inspect

    from textual._compositor import ChopsUpdate

    from ttai_tui.ui import span_writer

    expected = hashlib.sha256(inspect.getsource(ChopsUpdate).encode()).hexdigest()
    assert span_writer.chops_update_digest() == expected


def test_installed_only_by_run_app_and_only_on_the_exact_version():
    import subprocess
    import sys

    from ttai_tui.ui import span_writer

    probe = "import ttai_tui.ui.app; from ttai_tui.ui import span_writer; print(span_writer.installed())"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"  # importing the app patches nothing
    span_writer.uninstall()
    try:
        assert not span_writer.install("8.2.9")  # any other version: Textual's renderer stays
        assert not span_writer.installed()
        assert span_writer.install()
        assert span_writer.installed()
    finally:
        span_writer.uninstall()
    assert ChopsUpdate.render_segments is TEXTUAL_RENDERER


def test_a_changed_chops_update_keeps_textuals_renderer(monkeypatch):
    from ttai_tui.ui import span_writer

    monkeypatch.setattr(span_writer, "CHOPS_UPDATE_SHA256", "0" * 64)
    assert not span_writer.install()
    assert ChopsUpdate.render_segments is TEXTUAL_RENDERER


def test_run_app_installs_it(monkeypatch):
    from ttai_tui.ui import app as app_module
    from ttai_tui.ui import span_writer

    seen = []

    class FakeApp:
        return_code = 0

        def run(self):
            seen.append(span_writer.installed())

    monkeypatch.setattr(app_module, "make_app", lambda settings, target: FakeApp())
    try:
        assert app_module.run_app(None, None) == 0
    finally:
        span_writer.uninstall()
    assert seen == [True]
def _cells(output: str, width: int = 30, height: int = 3) -> list[list[tuple[str, str, str, bool, bool]]]:
    screen = pyte.Screen(width, height)
    stream = pyte.Stream(screen)
    stream.feed("\x1b[2J" + "".join(f"\x1b[{r + 1};1H" + "." * width for r in range(height)))
    stream.feed(output)
    stream.feed("\x1b[3;30Hz")  # text written after the update has the default style
    return [[(c.data, c.fg, c.bg, c.bold, c.italics) for c in (screen.buffer[y][x] for x in range(width))]
            for y in range(height)]


def test_styles_are_written_as_changes_and_look_the_same():
    """Same cells (characters, colours, bold) as Textual's renderer, in fewer bytes."""
    grey = Style(color="rgb(224,224,224)", bgcolor="rgb(30,30,30)")
    zebra = Style(color="rgb(224,224,224)", bgcolor="rgb(58,58,58)")
    bold = Style(bold=True, color="rgb(221,237,249)", bgcolor="rgb(1,120,212)")
    italic_red = Style(italic=True, color="red")
    row = Strip([Segment(" 601.25 ", grey), Segment(" 24.24 ", zebra), Segment(" 4.62 ", grey),
                 Segment("9.95", bold), Segment("x", None), Segment("ab", italic_red)], 30)
    row2 = Strip([Segment("12.5", bold), Segment(" 10.45 ", grey), Segment("1", Style(color="red"))], 12)
    chops = [{0: row}, {3: row2}, {}]
    update = ChopsUpdate(chops, [(0, 0, 30), (1, 3, 15)], [[30], [15], []])
    console = Console(width=30, height=3, color_system="truecolor", force_terminal=True, legacy_windows=False)
    ours, textual = write_changed_spans(update, console), TEXTUAL_RENDERER(update, console)
    assert _cells(ours) == _cells(textual)
    assert len(ours) < 0.85 * len(textual)
    assert ours.endswith("\x1b[0m")  # the terminal is left in the default style
    # a background-only change sends only the background
    assert "\x1b[48;2;58;58;58m 24.24 " in ours


def test_a_cut_piece_is_what_textual_would_cut():
    """The writer cuts a changed span out of a piece itself (no Strip per cut): every cut of a
    multi-style line, and of one with wide characters (which Textual's crop pads), matches
    `Strip.crop` cell for cell."""
    from ttai_tui.ui.span_writer import _crop

    blue = Style(color="blue", bold=True)
    plain = Strip([Segment(" SPY    ", RED), Segment("  600.03 ", None), Segment("-0.63% ", blue)])
    wide = Strip([Segment("ab", RED), Segment("株価x", blue), Segment("yz")])
    for strip in (plain, wide):
        n = strip.cell_length
        for start in range(n + 1):
            for end in range(start, n + 1):
                ours = [(s.text, s.style) for s in _crop(strip, start, end) if s.text]
                textual_cut = [(s.text, s.style) for s in strip.crop(start, end) if s.text]
                assert "".join(t for t, _ in ours) == "".join(t for t, _ in textual_cut), (start, end)
                assert [st for t, st in ours for _ in t] == [st for t, st in textual_cut for _ in t], (start, end)
