"""Positions grouped by underlying with live marks, P&L, greeks and a totals row.

Rows: one header row per underlying (its subtotal), then its positions, then a grand total.
The row set changes only when the account poll reports new positions; marks and P&L are
recomputed in the flush for positions whose symbols (or underlying, or SPY for beta-weighting)
changed, and only the cells whose text changed are rewritten.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from ttai_tui.core.clock import ny_date
from ttai_tui.core.formatting import (
    MISSING,
    fmt_age,
    fmt_greek,
    fmt_money,
    fmt_price,
    fmt_qty,
)
from ttai_tui.core.models import Position
from ttai_tui.core.orders import (
    CRYPTO,
    EQUITY,
    EQUITY_OPTION,
    FUTURE,
    OrderLeg,
    OrderRequest,
    instrument_type_of,
)
from ttai_tui.core.portfolio import (
    BETA_BENCHMARK,
    PositionView,
    Totals,
    group_by_underlying,
    position_view,
    totals,
)
from ttai_tui.ui.bridge import Bridge, require_bridge
from ttai_tui.ui.messages import OpenSymbol
from ttai_tui.ui.widgets.live_table import Col, LiveTable
from ttai_tui.ui.widgets.subtitle_line import SubtitleLine

log = logging.getLogger("ttai_tui.ui.positions")

TOTAL_KEY = "__total__"
COLUMNS = [
    Col("symbol", "Position", 22, "left"),
    Col("qty", "Qty", 5),
    Col("avg", "Avg", 9),
    Col("mark", "Mark", 9),
    Col("day", "Day P&L", 11),
    Col("open", "Open P&L", 11),
    Col("delta", "Delta", 8),
    Col("theta", "Theta", 7),
    Col("bwd", "β-Δ", 8),
    Col("dte", "DTE", 4),
]
# below ~110 columns: what a trader scans first; `v` shows everything (the table scrolls)
COMPACT = ["symbol", "qty", "mark", "day", "open", "delta", "dte"]
COMPACT_WIDTHS = {"symbol": 18, "day": 10, "open": 10, "delta": 7, "dte": 3}


def columns_for(mode: str) -> list[Col]:
    if mode == "full":
        return COLUMNS
    return [Col(c.key, c.label, COMPACT_WIDTHS.get(c.key, c.width), c.justify) for c in COLUMNS if c.key in COMPACT]


def full_width() -> int:
    return sum(c.width + 2 for c in COLUMNS) + 2


def _pnl(v: float | None) -> tuple[str, str]:
    if v is None:
        return MISSING, "dim"
    return fmt_money(v, signed=True), "green" if v > 0 else "red" if v < 0 else ""


def _num(v: float | None, decimals: int = 1) -> tuple[str, str]:
    return (fmt_greek(v, decimals), "dim" if v is None else "")


def describe(p: Position, short: bool = False) -> str:
    """`  SPY Dec18'26 572P` (the year is dropped in the compact layout; DTE says it)."""
    if p.is_option and p.expiration is not None and p.strike is not None:
        strike = f"{p.strike:g}"
        when = f"{p.expiration:%b%d}" if short else f"{p.expiration:%b%d'%y}"
        return f"  {p.underlying} {when} {strike}{p.option_type}"
    return f"  {p.symbol}"


def view_cells(v: PositionView, short: bool = False) -> dict[str, tuple[str, str]]:
    p = v.position
    return {
        "symbol": (describe(p, short), ""),
        "qty": (fmt_qty(p.quantity), "green" if p.quantity > 0 else "red"),
        "avg": (fmt_price(p.average_open_price), "" if p.average_open_price is not None else "dim"),
        "mark": (fmt_price(v.mark), "" if v.mark is not None else "dim"),
        "day": _pnl(v.day_pnl),
        "open": _pnl(v.open_pnl),
        "delta": _num(v.delta),
        "theta": _num(v.theta, 2),
        "bwd": _num(v.beta_delta),
        "dte": (str(v.dte) if v.dte is not None else ("" if not p.is_option else MISSING), ""),
    }


def total_cells(label: str, t: Totals, style: str) -> dict[str, tuple[str, str]]:
    day, day_s = _pnl(t.day_pnl)
    opn, opn_s = _pnl(t.open_pnl)
    return {
        "symbol": (label, style),
        "qty": ("", ""),
        "avg": ("", ""),
        "mark": ("", ""),
        "day": (day, f"{style} {day_s}"),
        "open": (opn, f"{style} {opn_s}"),
        "delta": (fmt_greek(t.delta, 1), style),
        "theta": (fmt_greek(t.theta, 2), style),
        "bwd": (fmt_greek(t.beta_delta, 1), style),
        "dte": ("", ""),
    }


class PositionsView(Vertical):
    BINDINGS = [
        Binding("enter", "open", "Open underlying", id="positions-open"),
        Binding("v", "cycle_columns", "Cols", id="positions-columns",
                tooltip="Positions: compact / all columns (auto picks by width)"),
        Binding("x", "close_position", "Close", id="positions-close",
                tooltip="Ticket closing the selected position (all legs of its strategy as one order)"),
        Binding("X", "roll_position", "Roll", id="positions-roll",
                tooltip="Ticket rolling the selected position: close it and open the same strikes at the next expiration"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._positions: list[Position] = []
        self._keys: list[str] = []
        self._symbols: set[str] = set()
        self._underlying_of: dict[str, str] = {}
        self.mode = "auto"
        self.layout_mode = "compact"
        self._behind = False  # an account update arrived while the tab was hidden

    def compose(self) -> ComposeResult:
        yield Static("", id="positions-info", markup=False)
        yield LiveTable(columns_for("compact"), id="positions-table")

    @property
    def table(self) -> LiveTable:
        return self.query_one("#positions-table", LiveTable)

    @property
    def bridge(self) -> Bridge:
        return require_bridge(self)

    def _today(self):
        return ny_date(self.bridge.clock.now())

    def _wanted_layout(self) -> str:
        if self.mode != "auto":
            return self.mode
        return "full" if (self.size.width or 80) >= full_width() else "compact"

    def on_resize(self) -> None:
        self._relayout()

    def _relayout(self) -> None:
        layout = self._wanted_layout()
        if layout != self.layout_mode:
            self.layout_mode = layout
            self.table.set_columns(columns_for(layout))
            self._keys = []  # force the rows back in
            self.reload()

    def action_cycle_columns(self) -> None:
        self.mode = {"auto": "full", "full": "compact", "compact": "auto"}[self.mode]
        self._relayout()
        self.app.notify(f"Positions columns: {self.mode}", timeout=1.5)

    def _shown(self) -> bool:
        from ttai_tui.ui.screens.dashboard import DashboardScreen  # the dashboard composes this

        screen = self.screen
        return screen.shows("positions") if isinstance(screen, DashboardScreen) else True

    def reload(self) -> None:
        """Positions changed (account poll / switch): rebuild the row set if it differs.

        While the tab is hidden only the subscriptions follow (the balances strip's live day
        P&L needs the marks); the table, whose row changes relayout the screen, catches up in
        the first flush after the tab is shown.
        """
        positions = list(self.bridge.positions())
        if not self._shown():
            self._publish_symbols(positions)
            self._behind = True
            return
        self._behind = False
        keys = [f"{p.account}:{p.symbol}" for p in positions]
        if keys == self._keys and positions == self._positions:
            self.flush(None, self.bridge.clock.now(), True)
            return
        self._positions = positions
        self._keys = keys
        table = self.table
        selected = table.selected_key
        table.drop_all()
        state = self.bridge.state
        today = self._today()
        views = [position_view(p, state, today) for p in positions]
        groups = group_by_underlying(views)
        order = 0
        self._underlying_of.clear()
        for und, vs in groups.items():
            table.ensure_row(f"g:{und}", total_cells(und, totals(vs), "bold"), order=order)
            order += 1
            for v in vs:
                key = f"{v.position.account}:{v.position.symbol}"
                table.ensure_row(key, view_cells(v, self.layout_mode != "full"), order=order)
                self._underlying_of[key] = und
                order += 1
        if views:
            table.ensure_row(TOTAL_KEY, total_cells("Total", totals(views), "bold reverse"), order=order)
        self._publish_symbols(positions)
        if selected:
            table.select_key(selected)
        self._info(len(positions), len(groups))

    def _publish_symbols(self, positions: list[Position]) -> None:
        syms = {p.streamer_symbol for p in positions} | {p.underlying for p in positions}
        if positions:
            syms.add(BETA_BENCHMARK)
        if syms != self._symbols:
            self._symbols = syms
            self.bridge.set_subscriptions("positions", syms)

    def _info(self, n: int, groups: int) -> None:
        text = "No open positions" if n == 0 else f"{n} positions in {groups} underlyings"
        if text != getattr(self, "_info_text", None):  # a relayout only when the line changed
            self._info_text = text
            self.query_one("#positions-info", Static).update(text)

    def _update_age(self) -> None:
        key = self.table.selected_key
        pos = next((p for p in self._positions if f"{p.account}:{p.symbol}" == key), None)
        text = ""
        if pos is not None:
            age = self.bridge.state.age(pos.streamer_symbol)
            text = f"{pos.symbol.strip()} mark {fmt_age(age)} old" if age is not None else "no live mark yet"
        self.screen.query_one("#main-pane", SubtitleLine).show_subtitle(text)  # the border line only

    def flush(self, dirty: set[str] | None, now: float, tick_second: bool) -> None:
        if self._behind and dirty is not None:  # shown again after updates arrived hidden
            self.reload()
            return
        if tick_second:
            self._update_age()
        if not self._positions:
            return
        if dirty is not None and not (dirty & self._symbols):
            return
        state = self.bridge.state
        today = self._today()
        table = self.table
        views = [position_view(p, state, today) for p in self._positions]
        for v in views:
            key = f"{v.position.account}:{v.position.symbol}"
            table.set_row(key, view_cells(v, self.layout_mode != "full"))
        for und, vs in group_by_underlying(views).items():
            table.set_row(f"g:{und}", total_cells(und, totals(vs), "bold"))
        table.set_row(TOTAL_KEY, total_cells("Total", totals(views), "bold reverse"))

    def on_live_table_row_selected(self, event: LiveTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        key = self.table.selected_key
        if key is None:
            return
        und = key[2:] if key.startswith("g:") else self._underlying_of.get(key)
        if und:
            self.post_message(OpenSymbol(und))

    # -- trading ---------------------------------------------------------------------------------

    def strategy_of(self, key: str | None) -> list[Position]:
        """The positions the selected row stands for: a group row is its underlying's positions;
        an option is every option of its underlying and expiration (the strategy); a stock is
        itself."""
        if key is None or key == TOTAL_KEY:
            return []
        if key.startswith("g:"):
            und = key[2:]
            return [p for p in self._positions if p.underlying == und]
        p = next((x for x in self._positions if f"{x.account}:{x.symbol}" == key), None)
        if p is None:
            return []
        if not p.is_option:
            return [p]
        return [x for x in self._positions
                if x.is_option and x.underlying == p.underlying and x.expiration == p.expiration]

    def action_close_position(self) -> None:
        from ttai_tui.ui.messages import OpenTicket

        legs = closing_legs(self.strategy_of(self.table.selected_key))
        if not legs:
            self.app.notify("Select a position to close", severity="warning", timeout=3)
            return
        if len(legs) > 4:
            self.app.notify("More than 4 legs: select one position (not the group) to close it",
                            severity="warning", timeout=5)
            return
        und = legs[0].underlying
        self.post_message(OpenTicket(legs, f"Close {und}"))

    def action_roll_position(self) -> None:
        chosen = self.strategy_of(self.table.selected_key)
        positions = [p for p in chosen if p.is_option]
        futures = [p for p in chosen if p.instrument_type == FUTURE]
        if not positions and len(futures) == 1:
            self._roll_future(futures[0])
            return
        if not positions and any(p.instrument_type == CRYPTO for p in chosen):
            self.app.notify("Crypto does not expire: there is nothing to roll (x closes it)",
                            severity="warning", timeout=4)
            return
        if not positions:
            self.app.notify("Select an option position to roll", severity="warning", timeout=3)
            return
        if len(positions) > 2:
            self.app.notify("A roll of more than 2 legs exceeds 4 legs per order: close it (x), then open anew",
                            severity="warning", timeout=6)
            return
        self._roll(positions)

    @work(group="positions-roll", exclusive=True, exit_on_error=False, description="Roll")
    async def _roll(self, positions: list[Position]) -> None:
        from ttai_tui.ui.messages import OpenTicket
        from ttai_tui.ui.screens.ticket import TicketContext

        und = positions[0].underlying
        chain = await self.bridge.chain(und)
        exp_now = positions[0].expiration
        later = [e for e in chain.expirations if exp_now is None or e.date > exp_now]
        strikes = {p.strike for p in positions}
        target = next((e for e in later if strikes <= {r.strike for r in e.strikes}), None)
        if target is None:
            self.app.notify(f"No later {und} expiration lists the same strikes", severity="warning", timeout=5)
            return
        legs = closing_legs(positions)
        for p in positions:
            row = next(r for r in target.strikes if r.strike == p.strike)
            occ = row.call if p.option_type == "C" else row.put
            legs.append(OrderLeg("Buy to Open" if p.quantity > 0 else "Sell to Open", abs(int(p.quantity)),
                                 occ, instrument_type_of(occ)))
        ctx = TicketContext(chain, target, positions[0].strike, positions[0].option_type)
        self.post_message(OpenTicket(legs, f"Roll {und} to {target.date}", ctx))


    @work(group="positions-roll", exclusive=True, exit_on_error=False, description="Roll future")
    async def _roll_future(self, p: Position) -> None:
        """Close this contract and open the same size in the next one (a calendar spread)."""
        from ttai_tui.ui.messages import OpenTicket

        close = closing_legs([p])
        if not close:
            return
        try:
            resolved = await self.bridge.order_desk().resolve(OrderRequest(tuple(close)))
        except Exception as e:  # unknown / not connected: say it, nothing is sent
            log.info("roll of %s: contract lookup failed: %s", p.symbol, e)
            self.app.notify(f"Cannot roll {p.symbol}: {e}", severity="error", timeout=6)
            return
        ins = resolved.legs[0].instrument
        target = ins.roll_target if ins is not None else ""
        if not target or target == p.symbol:
            self.app.notify(f"{p.symbol} has no later contract to roll to", severity="warning", timeout=5)
            return
        legs = [*resolved.legs, OrderLeg("Buy to Open" if p.quantity > 0 else "Sell to Open",
                                         close[0].quantity, target, FUTURE)]
        self.post_message(OpenTicket(legs, f"Roll {p.symbol} to {target}"))


def closing_legs(positions: list[Position]) -> list[OrderLeg]:
    """One closing leg per position: sell what is long, buy back what is short (a crypto
    fraction stays a fraction; futures and crypto are looked up by the ticket)."""
    out: list[OrderLeg] = []
    for p in positions:
        if p.instrument_type == CRYPTO:
            frac = Decimal(str(abs(p.quantity))).normalize()
            qty: int | Decimal = int(frac) if frac == frac.to_integral_value() else frac
        else:
            qty = abs(round(p.quantity))
        if qty == 0:
            continue
        itype = p.instrument_type or (EQUITY_OPTION if p.is_option else EQUITY)
        if itype == EQUITY and p.is_option:
            itype = EQUITY_OPTION
        out.append(OrderLeg("Sell to Close" if p.quantity > 0 else "Buy to Close", qty, p.symbol, itype))
    return out
