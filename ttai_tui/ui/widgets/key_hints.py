"""A one-line footer of key hints that repaints instead of recomposing.

Textual's Footer rebuilds a widget per key on every focus change; on this dashboard that was
most of the cost of a keypress (well over the 100 ms target under load). Here the hints are one
`Content` line with `@click` links, so focus changes cost one small repaint and the mouse still
works: clicking a hint presses its key.
"""

from __future__ import annotations

from textual.content import Content
from textual.markup import escape
from textual.widgets import Static

PINNED = ("help", "quit")


class KeyHints(Static):
    """Shows the active screen's `show=True` bindings as "key description" pairs."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._last: str | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.call_after_refresh(self._bindings_changed, self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen) -> None:
        if not screen.is_current:
            return
        hints: list[tuple[str, str, str, bool]] = []
        seen: set[str] = set()
        bindings = list(screen.active_bindings.values())
        # help and quit first: at 80 columns the tail of the line is what gets cut
        bindings.sort(key=lambda item: 0 if item[1].id in PINNED else 1)
        for _node, binding, enabled, _tooltip in bindings:
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            key = binding.key.split(",")[0].strip()
            hints.append((key, self.app.get_key_display(binding), binding.description, enabled))
        signature = repr(hints)
        if signature == self._last:
            return
        self._last = signature
        markup = []
        for key, shown, desc, enabled in hints:
            k, d = escape(shown), escape(desc)
            style = "bold $accent" if enabled else "dim"
            markup.append(f"[@click=app.press_key('{key}')][{style}] {k} [/]{d}[/]")
        self.update(Content.from_markup(" ".join(markup)))

    @property
    def plain(self) -> str:
        return str(self.render())
