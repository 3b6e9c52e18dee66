"""A one-line footer of key hints that repaints instead of recomposing.

Textual's Footer rebuilds a widget per key on every focus change; on this dashboard that was
most of the cost of a keypress (well over the 100 ms target under load). Here the hints are one
`Content` line with `@click` links, so focus changes cost one small repaint and the mouse still
works: clicking a hint presses its key.

The line never runs off the edge: when it does not fit (80 columns), hints are kept by priority
(help and quit, then the focused pane's own keys, then the dashboard's pane switches, whose
names the tab bar already shows) and `?` reads "More": the help screen lists every key.
"""

from __future__ import annotations

from textual import events
from textual.app import App
from textual.content import Content
from textual.dom import DOMNode
from textual.markup import escape
from textual.screen import Screen
from textual.widgets import Static

PINNED = ("help", "quit")

Hint = tuple[str, str, str, bool, int]  # key, shown key, description, enabled, priority


def fit(hints: list[Hint], width: int) -> list[Hint]:
    """The hints that fit in ``width`` columns, chosen by priority (0 first) and shown in their
    order; when some are left out, the help hint says "More" (they are all in `?`)."""
    def cost(h: Hint) -> int:
        return len(h[1]) + len(h[2]) + 3  # " key desc" plus the separating space

    if width <= 0 or sum(map(cost, hints)) <= width:
        return hints
    more = [(k, s, "More" if d == "Help" else d, e, p) for k, s, d, e, p in hints]
    kept: set[int] = set()
    used = 0
    for i in sorted(range(len(more)), key=lambda i: more[i][4]):
        c = cost(more[i])
        if used + c <= width:
            kept.add(i)
            used += c
    return [h for i, h in enumerate(more) if i in kept]


def _priority(binding_id: str | None, node: DOMNode) -> int:
    """0 help/quit · 1 the focused pane's keys · 2 app and screen keys (pane switches)."""
    if binding_id in PINNED:
        return 0
    return 2 if isinstance(node, App | Screen) else 1


class KeyHints(Static):
    """Shows the active screen's `show=True` bindings as "key description" pairs."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._last: str | None = None
        self._hints: list[Hint] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.call_after_refresh(self._bindings_changed, self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if not screen.is_current:
            return
        hints: list[Hint] = []
        seen: set[str] = set()
        bindings = list(screen.active_bindings.values())
        # help and quit first: they are what a new user needs to find everything else
        bindings.sort(key=lambda item: 0 if item[1].id in PINNED else 1)
        for node, binding, enabled, _tooltip in bindings:
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            key = binding.key.split(",")[0].strip()
            hints.append((key, self.app.get_key_display(binding), binding.description, enabled,
                          _priority(binding.id, node)))
        self._hints = hints
        self._show()

    def on_resize(self, _event: events.Resize) -> None:
        self._show()

    def _show(self) -> None:
        width = self.size.width or self.app.size.width
        shown = fit(self._hints, width)
        signature = repr(shown)
        if signature == self._last:
            return
        self._last = signature
        markup = []
        for key, shown_key, desc, enabled, _prio in shown:
            k, d = escape(shown_key), escape(desc)
            style = "bold $accent" if enabled else "dim"
            markup.append(f"[@click=app.press_key('{key}')][{style}] {k} [/]{d}[/]")
        self.update(Content.from_markup(" ".join(markup)))

    @property
    def plain(self) -> str:
        return str(self.render())
