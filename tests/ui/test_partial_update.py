"""The partial-update writer sends only the changed span and leaves the rest of the line alone."""

from __future__ import annotations

import pyte
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual._compositor import ChopsUpdate
from textual.strip import Strip

from ttai_tui.ui import partial_update

ROW = [(" SPY    ", Style(bold=True)), ("   600.01 ", Style(color="red")), ("   +4.80 ", Style(color="green")),
       ("   599.99    600.02 ", Style(color="blue"))]


def _update(x0: int, spans: list[tuple[int, int, int]]) -> ChopsUpdate:
    strip = Strip([Segment(t, s) for t, s in ROW])
    return ChopsUpdate([{x0: strip}], spans, [[x0 + strip.cell_length]])


def _screen_after(update_text: str, width: int = 60) -> str:
    screen = pyte.Screen(width, 1)
    stream = pyte.Stream(screen)
    stream.feed("#" * width)
    stream.feed(update_text)
    return screen.display[0]


def _render(update: ChopsUpdate) -> str:
    console = Console(force_terminal=True, color_system="truecolor", width=60)
    return partial_update.render_segments(update, console)


def test_installed_on_this_textual() -> None:
    assert partial_update.install()
    assert ChopsUpdate.render_segments is partial_update.render_segments


def test_only_the_span_is_written() -> None:
    full = "".join(t for t, _ in ROW)
    x0 = 2
    start = x0 + len(" SPY    ") + len("   600.01 ")  # the change column
    end = start + len("   +4.80 ")
    out = _render(_update(x0, [(0, start, end)]))
    assert "SPY" not in out and "600.01" not in out and "599.99" not in out
    assert "+4.80" in out
    shown = _screen_after(out)
    assert shown[start:end] == full[start - x0 : end - x0]
    assert shown[:start] == "#" * start and shown[end:] == "#" * (60 - end)


def test_span_inside_a_segment_and_whole_chop() -> None:
    full = "".join(t for t, _ in ROW)
    x0 = 1
    # a span starting inside the bid/ask segment: from the ask's first cell
    start = x0 + len(full) - 10
    out = _render(_update(x0, [(0, start, x0 + len(full))]))
    assert "599.99" not in out
    shown = _screen_after(out)
    assert shown[start : x0 + len(full)] == full[start - x0 :]
    assert shown[:start] == "#" * start
    # a span covering the chop writes it whole, as Textual does
    out = _render(_update(x0, [(0, 0, 60)]))
    assert _screen_after(out)[x0 : x0 + len(full)] == full


def test_span_static_changed_regions() -> None:
    from rich.text import Text
    from textual.geometry import Region

    from ttai_tui.ui.widgets.span_static import _lines, changed_regions

    def t(s: str, style_at: tuple[int, int, str] | None = None) -> Text:
        text = Text(s)
        if style_at:
            text.stylize(style_at[2], style_at[0], style_at[1])
        return text

    a = t("NY 16:49:26 │ last event 1s", (24, 26, "green"))
    same_len = t("NY 16:49:27 │ last event 2s", (24, 26, "green"))
    # from the first changed character (the clock's last digit) to the last (the age digit)
    assert changed_regions(_lines(a), _lines(same_len), 80) == [Region(10, 0, 16, 1)]
    longer = t("NY 16:49:27 │ last event 12s", (24, 27, "green"))
    assert changed_regions(_lines(a), _lines(longer), 80) == [Region(10, 0, 70, 1)]  # to the end
    restyled = t("NY 16:49:26 │ last event 1s", (24, 26, "yellow"))
    assert changed_regions(_lines(a), _lines(restyled), 80) == [Region(24, 0, 2, 1)]
    assert changed_regions(_lines(a), _lines(a.copy()), 80) == []
    two = t("line one\nas of 4s ago")
    two_b = t("line one\nas of 5s ago")
    assert changed_regions(_lines(two), _lines(two_b), 40) == [Region(6, 1, 1, 1)]
    assert changed_regions(_lines(two), _lines(t("one line")), 40) is None
