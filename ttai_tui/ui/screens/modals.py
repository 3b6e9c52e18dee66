"""Small modal screens: a message box (errors such as refused credentials) and a yes/no
question (restore a backup)."""

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


class ConfirmScreen(ModalScreen[bool]):
    """A question with two buttons; dismissed with True (yes) or False (no / escape)."""

    BINDINGS = [Binding("escape", "answer(False)", "No", id="confirm-no")]

    def __init__(self, title: str, body: str, *, yes: str, no: str) -> None:
        super().__init__()
        self._title = title
        self._body = body
        self._yes = yes
        self._no = no

    def compose(self) -> ComposeResult:
        with Vertical(id="message-box", classes="error"):
            yield Static(f"[b]{self._title}[/b]", id="message-title")
            yield Static(self._body, id="message-body", markup=False)
            with Horizontal(id="message-buttons"):
                yield Button(self._no, id="confirm-no")
                yield Button(self._yes, id="confirm-yes", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#message-box").border_title = self._title
        self.query_one("#confirm-yes", Button).focus()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")
