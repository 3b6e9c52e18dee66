"""Paint the frame right after the market flush instead of waiting for Textual's update timer.

Why: cells rewritten by the flush reach the terminal only when Textual's screen update runs.
Textual schedules it through several hops of the event loop (a table's pending regions are
committed by `call_next`; each refreshed widget, when idle, posts an `Update` to the screen; the
screen adds it to its dirty widgets and, when idle, resumes its update timer, which fires on its
own 60 Hz grid). Under streaming the SDK's reader and the broker's drains run between those
hops, so the frame came 41 ms (median) to 102 ms (p99) after the flush ended (bench_ui,
10,000 events/s): on top of the wait for the flush itself. The flush now ends by committing the
tables' regions and running the screen update at once; the frame's work is the same, only the
wait goes.

`paint_now` does what those hops do, in place: each visible widget that asked for a repaint (and
nothing else: a widget waiting for a layout or a style refresh is left to Textual's own path) is
taken as the widget's idle check and the screen's `Update` handler would take it, then the screen
update the timer would run is run.

The fence: that is Textual's private state (`Widget._repaint_required`, `Screen._dirty_widgets`,
the compositor's visible widgets, `Screen._on_timer_update`), so `paint_now` acts only when
Textual is exactly the version it was read for (`WRITTEN_FOR`) and the three methods it mirrors
or calls have the source that was read (`SOURCES_SHA256`); otherwise it does nothing and
Textual's timer paints the frame as before. `tests/ui/test_prompt_frame.py` fails when either
changes.
"""

from __future__ import annotations

import hashlib
import inspect
from functools import cache

from textual import __version__ as textual_version
from textual.screen import Screen
from textual.widget import Widget

from ttai_tui.ui.textual_fence import fence_open

WRITTEN_FOR = "8.2.8"
SOURCES_SHA256 = "91ab57179d6970bce37482c53c45892a998766dcd7b6fbad4cf5e925ae27a989"


def sources_digest() -> str:
    """SHA-256 of the sources `paint_now` mirrors (the widget's idle check, the screen's `Update`
    handler) and calls (the screen's timer update)."""
    methods = (Widget._check_refresh, Screen._on_update, Screen._on_timer_update)
    return hashlib.sha256("".join(inspect.getsource(m) for m in methods).encode()).hexdigest()


@cache
def enabled(version: str = textual_version) -> bool:
    """Whether `paint_now` may call Textual's screen update (else the timer paints, as before)."""
    return fence_open("prompt frames", WRITTEN_FOR, version, sources_digest, SOURCES_SHA256)


def paint_now(screen: Screen[object]) -> bool:
    """Paint the widgets that asked for a repaint now; False (nothing done) when Textual's own
    path must do it: another version, inside a batch, not the current screen, nothing dirty."""
    if not enabled() or screen.app._batch_count or not screen.is_current:
        return False
    dirty = screen._dirty_widgets
    for widget in screen._compositor.visible_widgets:
        if widget._repaint_required and not widget._layout_required and not widget._refresh_styles_required:
            widget._repaint_required = False  # what its idle check does before posting Update
            dirty.add(widget)  # what the screen's Update handler does
    if not dirty:
        return False
    screen._on_timer_update()
    return True
