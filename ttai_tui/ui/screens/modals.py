"""Small modal screens: a message box (errors such as refused credentials)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class MessageScreen(ModalScreen[None]):
    """A titled message with an OK button; escape / enter close it."""

    BINDINGS = [Binding("escape", "dismiss", "Close", id="message-close")]

    def __init__(self, title: str, body: str, *, error: bool = False) -> None:
        super().__init__()
        self._title = title
        self._body = body
        self._error = error

    def compose(self) -> ComposeResult:
        with Vertical(id="message-box", classes="error" if self._error else ""):
            yield Static(f"[b]{self._title}[/b]", id="message-title")
            yield Static(self._body, id="message-body", markup=False)
            with Horizontal(id="message-buttons"):
                yield Button("OK", id="message-ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#message-box").border_title = self._title
        self.query_one("#message-ok", Button).focus()

    def on_button_pressed(self, _event: Button.Pressed) -> None:
        self.dismiss()
