"""The `a` box: type a symbol, pick from symbol-search matches, get told clearly when it is wrong.

Search goes through the bridge (the broker's REST symbol search), debounced, in a worker that
posts its result; the box never adds a symbol the search cannot confirm, and a malformed entry
gets the same readable reason the config validator gives.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.suggester import Suggester, SuggestionReady
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ttai_tui.broker.errors import BrokerFailure
from ttai_tui.core.models import SymbolMatch
from ttai_tui.core.symbols import normalise_symbol

log = logging.getLogger(__name__)

log = logging.getLogger(__name__)

DEBOUNCE_S = 0.2


class MatchSuggester(Suggester):
    """Inline completion from the latest search matches (no extra requests)."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=False)
        self.matches: list[SymbolMatch] = []

    async def get_suggestion(self, value: str) -> str | None:
        v = value.upper()
        for m in self.matches:
            if m.symbol.startswith(v) and m.symbol != v:
                return m.symbol
        return None


@dataclass
class SearchDone(Message):
    text: str
    matches: list[SymbolMatch]
    error: str | None = None


class AddSymbolScreen(ModalScreen[str | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="add-cancel"),
        Binding("down", "to_matches", "Matches", id="add-matches", show=False),
    ]

    def __init__(self, bridge, list_name: str) -> None:
        super().__init__()
        self.bridge = bridge
        self.list_name = list_name
        self.suggester = MatchSuggester()
        self.matches: list[SymbolMatch] = []
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="add-box"):
            yield Static(f"Add a symbol to [b]{self.list_name}[/b]", id="add-title")
            yield Input(placeholder="symbol, e.g. AAPL", id="add-input", suggester=self.suggester)
            yield Static("", id="add-error", markup=False)
            yield OptionList(id="add-matches")
            yield Static("enter adds · tab/right accepts completion · ↓ matches · escape cancels", id="add-hint")

    def on_mount(self) -> None:
        self.query_one("#add-box").border_title = "Add symbol"
        self.query_one("#add-matches").display = False
        self.query_one("#add-input", Input).focus()

    def _error(self, text: str) -> None:
        self.query_one("#add-error", Static).update(text)

    def on_input_changed(self, event: Input.Changed) -> None:
        self._error("")
        text = event.value.strip()
        if self._timer is not None:
            self._timer.stop()
        if not text:
            self._show_matches([])
            return
        self._timer = self.set_timer(DEBOUNCE_S, lambda: self._search(text))

    @work(group="symbol-search", exclusive=True, exit_on_error=False, description="Symbol search")
    async def _search(self, text: str) -> None:
        try:
            matches = await self.bridge.search(text)
        except Exception as exc:  # shown under the input; the form keeps working
            log.warning("symbol search for %r failed: %s", text, exc, exc_info=not isinstance(exc, BrokerFailure))
            self.post_message(SearchDone(text, [], str(exc) or type(exc).__name__))
            return
        self.post_message(SearchDone(text, list(matches)))

    def on_search_done(self, msg: SearchDone) -> None:
        if msg.error:
            self._error(f"Symbol search failed: {msg.error}")
        current = self.query_one("#add-input", Input).value.strip()
        if msg.text != current:
            return
        self._show_matches(msg.matches)
        # the Input asked for a suggestion before the matches existed: offer it now
        v = current.upper()
        hit = next((m.symbol for m in self.matches if m.symbol.startswith(v) and m.symbol != v), None)
        if hit:
            inp = self.query_one("#add-input", Input)
            inp.post_message(SuggestionReady(inp.value, hit))

    def _show_matches(self, matches: list[SymbolMatch]) -> None:
        self.matches = matches[:20]
        self.suggester.matches = self.matches
        ol = self.query_one("#add-matches", OptionList)
        ol.clear_options()
        ol.add_options([Option(f"{m.symbol:<8} {m.description}", id=m.symbol) for m in self.matches])
        ol.display = bool(self.matches)

    def action_to_matches(self) -> None:
        ol = self.query_one("#add-matches", OptionList)
        if ol.option_count:
            ol.focus()
            ol.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(str(event.option.id))

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        await self.validate_and_add(event.value)

    async def validate_and_add(self, raw: str) -> None:
        if not raw.strip():
            self._error("Type a symbol first (escape cancels).")
            return
        try:
            symbol = normalise_symbol(raw)
        except ValueError as exc:
            self._error(str(exc))
            return
        if "/" in symbol:  # futures (/ES, /ESZ26), futures options, crypto (BTC/USD)
            await self._add_resolved(symbol)
            return
        try:
            matches = await self.bridge.search(symbol)
        except Exception as exc:
            self._error(f"Could not check {symbol}: {exc}")
            return
        if not any(m.symbol.upper() == symbol for m in matches):
            hint = ""
            if matches:
                hint = " Did you mean " + ", ".join(m.symbol for m in matches[:3]) + "?"
            self._error(f'No symbol "{symbol}" found.{hint}')
            self._show_matches(list(matches))
            return
        self.dismiss(symbol)

    async def _add_resolved(self, symbol: str) -> None:
        """Add what the exchange streams: /ES becomes its active contract (/ESZ26:XCME)."""
        from ttai_tui.broker.errors import UnknownSymbolError

        try:
            streamer = await self.bridge.resolve(symbol)
        except UnknownSymbolError:
            self._error(f'No symbol "{symbol}" found.')
            return
        except Exception as exc:
            log.warning("could not resolve %s", symbol, exc_info=True)
            self._error(f"Could not check {symbol}: {exc}")
            return
        self.dismiss(streamer)

    def action_cancel(self) -> None:
        self.dismiss(None)
