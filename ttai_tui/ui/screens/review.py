"""The review (modal): the dry run's answer, then the confirmation step.

Only `y` (or, in LIVE with ``confirm_live = "account-digits"``, the account's last four digits
and enter) goes through the gate (``OrderDesk.confirm``); the screen returns the Confirmation
and the caller sends it. Any other key returns None: back to the ticket, nothing sent.
Also used to confirm a cancel (no review: the order's legs are shown instead).
"""

from __future__ import annotations

import logging
from typing import Any

from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ttai_tui.core.orders import Review, review_rows

log = logging.getLogger("ttai_tui.ui.review")


class ReviewScreen(ModalScreen[Any]):
    AUTO_FOCUS = ""  # keys go to the screen's bindings; inputs are focused on purpose
    BINDINGS = [
        Binding("y", "yes", "Send", id="review-send", tooltip="Send (the only key that does)"),
        Binding("escape", "back", "Back", id="review-back", tooltip="Back to the ticket; nothing is sent"),
    ]

    def __init__(self, review: Review | None, desk: Any, *, live: bool = False,
                 pending: Any = None, lines: list[tuple[str, str]] | None = None, title: str = "Review") -> None:
        super().__init__()
        self.review = review
        self.desk = desk
        self.live = live
        self.pending = pending if pending is not None else desk.pending(review)
        self.lines = lines if lines is not None else (review_rows(review) if review is not None else [])
        self.title_text = title
        self.digits = bool(live and desk.policy.confirm_live == "account-digits")

    def compose(self) -> ComposeResult:
        with Vertical(id="review-box"):
            yield Static("", id="review-banner")
            yield Static("", id="review-body")
            yield Input(id="review-digits", placeholder="last four digits of the account, then enter",
                        max_length=4)
            yield Static("", id="review-prompt")

    def on_mount(self) -> None:
        box = self.query_one("#review-box")
        box.border_title = self.title_text
        banner = self.query_one("#review-banner", Static)
        account = self.pending.account
        if self.live:
            box.add_class("live")
            banner.update(Text(f" LIVE  account {account} — real money ", "bold white on red"))
        else:
            banner.update(Text(f" account {account} (simulated) ", "bold black on yellow"))
        table = Table.grid(padding=(0, 2))
        table.add_column(style="dim", no_wrap=True)
        table.add_column()
        for k, v in self.lines:
            style = "bold red" if k == "Error" else "yellow" if k == "Warning" else ""
            table.add_row(k, Text(v, style))
        self.query_one("#review-body", Static).update(table)
        prompt = self.query_one("#review-prompt", Static)
        digits = self.query_one("#review-digits", Input)
        if self.review is not None and self.review.errors:
            prompt.update(Text("The server would refuse this order. Any key goes back.", "bold red"))
            digits.display = False
            self.sendable = False
            return
        self.sendable = True
        if self.digits:
            prompt.update(Text(f"Type the last four digits of {account} and enter to send; escape goes back.",
                               "bold"))
            digits.focus()
        else:
            digits.display = False
            prompt.update(Text("y sends · any other key goes back", "bold"))

    def _finish(self, result: Any) -> None:
        """Dismiss once (a key can reach both on_key and a binding)."""
        if getattr(self, "_done", False):
            return
        self._done = True
        self.dismiss(result)

    def _confirm(self, answer: str) -> None:
        from ttai_tui.broker.orders import NotConfirmed

        try:
            confirmation = self.desk.confirm(self.pending, answer)
        except NotConfirmed as e:
            log.info("review: %s", e)
            self.app.notify(str(e), title="Not sent", severity="warning", timeout=4)
            self._finish(None)
            return
        self._finish(confirmation)

    def action_yes(self) -> None:
        if not self.sendable or self.digits:
            self._finish(None)
            return
        self._confirm("y")

    def action_back(self) -> None:
        self._finish(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._confirm(event.value)

    def on_key(self, event: events.Key) -> None:
        """Any key other than y goes back (in digits mode the input takes the keys)."""
        if self.digits and self.sendable:
            return
        if event.key != "y":
            event.stop()
            event.prevent_default()
            self._finish(None)
