"""Pickers: the expiration list (with days to expiration)."""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ttai_tui.core.models import Expiration, OptionChain


class ExpirationPicker(ModalScreen[Expiration | None]):
    """All expirations of the chain: date, DTE, type; enter picks, escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="picker-cancel")]

    def __init__(self, chain: OptionChain, current: Expiration | None, today: date) -> None:
        super().__init__()
        self.chain = chain
        self.current = current
        self.today = today

    def compose(self) -> ComposeResult:
        with Vertical(id="add-box"):
            yield Static(f"[b]{self.chain.underlying}[/b] expirations (enter picks, escape cancels)")
            options = []
            for i, e in enumerate(self.chain.expirations):
                dte = (e.date - self.today).days
                label = f"{e.date.isoformat()}  {dte:>4}d  {e.expiration_type:<9} {len(e.strikes)} strikes"
                options.append(Option(label, id=str(i)))
            yield OptionList(*options, id="expiration-list")

    def on_mount(self) -> None:
        ol = self.query_one(OptionList)
        if self.current is not None and self.current in self.chain.expirations:
            ol.highlighted = self.chain.expirations.index(self.current)
        ol.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.chain.expirations[int(event.option.id or 0)])

    def action_cancel(self) -> None:
        self.dismiss(None)
