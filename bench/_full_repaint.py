"""`python -m bench._full_repaint ARGS`: `ttai ARGS` that repaints the whole screen at every flush.

For `bench_terminal`'s denominator: what the terminal would receive if every refresh redrew
everything. After each `TtaiApp.flush_market` (the `ui.refresh_hz` timer that drains streamed
data into the widgets) the screen is marked for a full repaint (`Screen.refresh()` with no
region). Textual then renders the whole screen (`render_full_update`: every line, every column)
in the frame that follows, so the bytes on the pty are real full frames at the app's own cadence,
written by Textual's driver. Nothing else changes: same CLI, same config, same data.
"""

from __future__ import annotations

import sys


def main() -> int:
    from ttai_tui.cli import main as ttai_main
    from ttai_tui.ui import app as ui_app

    flush = ui_app.TtaiApp.flush_market

    def flush_and_repaint(self: ui_app.TtaiApp) -> None:
        flush(self)
        self.screen.refresh()

    ui_app.TtaiApp.flush_market = flush_and_repaint  # type: ignore[method-assign]
    return ttai_main(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
