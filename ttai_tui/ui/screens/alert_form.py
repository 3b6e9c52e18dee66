"""The `A` form: a new alert prefilled from what is selected (symbol, option, position, chart).

The fields are the words of the one-line alert syntax (README "Alerts"), so what the form saves
is exactly what `ttai alert add` would; the preview line shows that text, or the problem.
Saving checks the symbol with the broker (an unknown symbol is refused, the form stays open).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, Static

from ttai_tui.core.alerts import AlertSpec, AlertSpecError, parse_alert
from ttai_tui.ui.bridge import Bridge, require_bridge

if TYPE_CHECKING:
    from ttai_tui.ui.screens.dashboard import DashboardScreen

FIELDS_HINT = (
    "fields: last mark bid ask change iv ivrank · chart (SPY 5m): close rsi14 · "
    "position SYM / strategy SYM: pnl daypnl delta dte · portfolio: bwdelta daypnl bp"
)


def _round(v: float | None) -> str:
    return "" if v is None else f"{v:.2f}"


def prefill(dash: DashboardScreen) -> tuple[str, str, str]:
    """(target, field, value) for the selected thing of the focused pane."""
    bridge = require_bridge(dash)
    state = bridge.state
    pane = dash.pane
    tab = dash.active_tab
    if pane != "watchlist" and tab == "tab-positions":
        key = dash.positions.table.selected_key
        if key and key.startswith("g:"):
            from ttai_tui.broker.alerts.figures import account_value
            from ttai_tui.core.clock import ny_date

            spec = parse_alert(f"strategy {key[2:]} pnl above 0")
            v = account_value(spec, state, bridge.positions(), None, ny_date(bridge.clock.now()))
            return f"strategy {key[2:]}", "pnl", _round(v)
        if key:
            from ttai_tui.core.portfolio import position_view

            pos = next((p for p in bridge.positions() if f"{p.account}:{p.symbol}" == key), None)
            if pos is not None:
                view = position_view(pos, state)
                return f"position {pos.streamer_symbol}", "pnl", _round(view.open_pnl)
    if pane != "watchlist" and tab == "tab-chart":
        chart = dash.chart()
        sym = None if chart is None else chart.symbol
        if chart is not None and sym:
            tf = chart.timeframe
            close = state.candle_series(sym, tf).last_close()
            return f"{sym} {tf}", "close", _round(close if close is not None else state.price(sym))
    if pane != "watchlist" and tab == "tab-chain":
        chain = dash.chain
        key = chain.table.selected_key
        row = next((r for r in chain.window if _strike_key(r.strike) == key), None)
        if row is not None and row.call_streamer:
            return row.call_streamer, "mark", _round(state.mark(row.call_streamer))
        if chain.symbol:
            return chain.symbol, "last", _round(state.price(chain.symbol))
    sym = dash.watchlist.table.selected_key
    if sym:
        return sym, "last", _round(state.price(sym))
    return "SPY", "last", _round(state.price("SPY"))


def _strike_key(strike: float) -> str:
    from ttai_tui.core.formatting import fmt_strike

    return fmt_strike(strike)


class AlertFormScreen(ModalScreen[int | None]):
    """Returns the new alert's id, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="alert-form-cancel")]

    def __init__(self, bridge: Bridge, target: str, field: str, value: str, op: str = "above") -> None:
        super().__init__()
        self.bridge = bridge
        self.initial = (target, field, op, value)

    def compose(self) -> ComposeResult:
        target, field, op, value = self.initial
        with Vertical(id="alert-box"):
            with Horizontal(classes="alert-row"):
                yield Label("Target", classes="alert-label")
                yield Input(target, id="alert-target", placeholder="SPY · SPY 5m · position SYM · portfolio")
            with Horizontal(classes="alert-row"):
                yield Label("Field", classes="alert-label")
                yield Input(field, id="alert-field", placeholder="last")
            with Horizontal(classes="alert-row"):
                yield Label("When", classes="alert-label")
                yield Input(op, id="alert-op", placeholder="above or below")
            with Horizontal(classes="alert-row"):
                yield Label("Value", classes="alert-label")
                yield Input(value, id="alert-value", placeholder="605 or sma50")
            yield Checkbox("every time (re-arms after moving back)", id="alert-every")
            yield Static("", id="alert-preview", markup=False)
            yield Static(FIELDS_HINT, id="alert-fields", markup=False)
            yield Static("enter saves · tab next field · escape cancels", id="alert-hint")

    def on_mount(self) -> None:
        self.query_one("#alert-box").border_title = "New alert"
        self.query_one("#alert-value", Input).focus()
        self._preview()

    def spec(self) -> AlertSpec:
        words = [self.query_one(f"#alert-{n}", Input).value for n in ("target", "field", "op", "value")]
        if self.query_one("#alert-every", Checkbox).value:
            words.append("every")
        return parse_alert(" ".join(words))

    def _preview(self) -> None:
        box = self.query_one("#alert-preview", Static)
        try:
            box.update(f"→ {self.spec().text}")
            box.remove_class("error")
        except AlertSpecError as e:
            box.update(str(e))
            box.add_class("error")

    def on_input_changed(self, _event: Input.Changed) -> None:
        self._preview()

    def on_checkbox_changed(self, _event: Checkbox.Changed) -> None:
        self._preview()

    async def on_input_submitted(self, _event: Input.Submitted) -> None:
        await self.save()

    async def save(self) -> None:
        box = self.query_one("#alert-preview", Static)
        try:
            spec = self.spec()
        except AlertSpecError as e:
            box.update(str(e))
            box.add_class("error")
            return
        try:
            raw = self.query_one("#alert-value", Input).value
            value = float(raw) if spec.level is not None else None
        except ValueError:
            value = None
        try:
            alert = await self.bridge.add_alert(spec, value)
        except Exception as exc:  # unknown symbol, no such position, not connected: say it
            box.update(f"Not saved: {exc}")
            box.add_class("error")
            return
        self.dismiss(int(alert.id))

    def action_cancel(self) -> None:
        self.dismiss(None)
