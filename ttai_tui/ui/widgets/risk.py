"""The Risk tab: the account's strategies (max profit/loss, breakevens, POP, greeks, DTE), the
gauges, the selected strategy's payoff diagram and the portfolio what-if grid.

Why the recomputation is throttled and deferred: the figures come from core.risk (BSM over a
price range per strategy), a few milliseconds for a whole portfolio. The flush only notes that
something the view shows changed; the recomputation runs at most ``MAX_HZ`` times a second in
its own callback after the flush returned, so it never lengthens the flush that keeps the
other views live. Moving the cursor redraws the diagram at once from the last figures.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import ContentSwitcher, Static
from textual_plotext import PlotextPlot

from ttai_tui.chart.payoff import BREAKEVEN_COLOR, PRICE_COLOR, PayoffData, draw_payoff
from ttai_tui.core.formatting import MISSING, fmt_greek, fmt_int
from ttai_tui.core.portfolio import position_view, totals
from ttai_tui.core.risk.engine import pnl_at_expiration, pnl_today, price_range
from ttai_tui.core.risk.legs import MarketInputs
from ttai_tui.core.risk.portfolio import (
    BENCHMARK,
    Gauge,
    StrategyRisk,
    WhatIf,
    gauges,
    strategies_for,
    whatif,
)
from ttai_tui.core.risk.strategies import StrategyKind
from ttai_tui.ui.bridge import Bridge, require_bridge
from ttai_tui.ui.widgets.live_table import Col, LiveTable

if TYPE_CHECKING:
    from ttai_tui.config import Settings
    from ttai_tui.core.models import Position

log = logging.getLogger(__name__)
VIX = "VIX"
SHORT: dict[StrategyKind, str] = {
    StrategyKind.STOCK: "Stock", StrategyKind.FUTURE: "Future", StrategyKind.CRYPTO: "Crypto",
    StrategyKind.COVERED_CALL: "CovCall", StrategyKind.SINGLE: "Single", StrategyKind.VERTICAL: "Vert",
    StrategyKind.STRANGLE: "Strangle", StrategyKind.STRADDLE: "Straddle", StrategyKind.IRON_CONDOR: "IC",
    StrategyKind.IRON_FLY: "IronFly", StrategyKind.BUTTERFLY: "Fly", StrategyKind.CALENDAR: "Calendar",
    StrategyKind.DIAGONAL: "Diagonal", StrategyKind.RATIO: "Ratio", StrategyKind.CUSTOM: "Custom",
}
COLUMNS = [
    Col("name", "Strategy", 24, "left"),
    Col("maxp", "Max P", 8),
    Col("maxl", "Max L", 8),
    Col("be", "Breakevens", 15, "left"),
    Col("pop", "POP", 4),
    Col("delta", "Δ", 6),
    Col("theta", "Θ", 6),
    Col("vega", "Vega", 6),
    Col("dte", "DTE", 4),
]
COMPACT = {"name": 18, "maxp": 6, "maxl": 6, "be": 13, "pop": 4, "dte": 3}


def money_short(v: float | None) -> str:
    """-1234 / +12.3k: fits 6-8 columns."""
    if v is None:
        return MISSING
    a = abs(v)
    body = f"{a / 1000:.1f}k" if a >= 10_000 else f"{a:.0f}"
    return ("-" if v < -0.5 else "+" if v > 0.5 else "") + body


def _bound(v: float | None, unbounded: bool) -> tuple[str, str]:
    if unbounded:
        return "∞", "yellow"
    return money_short(v), "green" if (v or 0) > 0 else "red" if (v or 0) < 0 else ""


def strategy_cells(r: StrategyRisk) -> dict[str, tuple[str, str]]:
    p = r.profile
    g = None if p is None else p.greeks
    name = f"{r.strategy.underlying} {r.strategy.name}"
    if p is None:
        miss = (MISSING, "dim")
        return {"name": (name, ""), "maxp": miss, "maxl": miss, "be": miss, "pop": miss, "delta": miss,
                "theta": miss, "vega": miss, "dte": (fmt_int(r.dte) if r.dte is not None else "", "")}
    be = " ".join(f"{b:.2f}" for b in p.breakevens) or "none"
    return {
        "name": (name, ""),
        "maxp": _bound(p.max_profit, p.max_profit_unbounded),
        "maxl": _bound(p.max_loss, p.max_loss_unbounded),
        "be": (be, ""),
        "pop": (MISSING if p.pop is None else f"{p.pop * 100:.0f}%", "dim" if p.pop is None else ""),
        "delta": (fmt_greek(None if g is None else g.delta, 1), ""),
        "theta": (fmt_greek(None if g is None else g.theta, 1), ""),
        "vega": (fmt_greek(None if g is None else g.vega, 1), ""),
        "dte": (fmt_int(r.dte) if r.dte is not None else "", ""),
    }


def gauges_text(gs: tuple[Gauge, ...]) -> Text:
    """One line per gauge group; a gauge outside its range is red (above) or yellow (below)."""
    t = Text(no_wrap=True, overflow="ellipsis")
    for i, g in enumerate(gs):
        if i:
            t.append(" │ ", "grey42")
        t.append(g.label + " ", "grey62")
        if g.value is None:
            t.append(MISSING, "dim")
            continue
        val = f"{g.value:.1f}{g.unit}" if g.unit else f"{g.value:+.0f}"
        style = {"high": "bold red", "low": "bold yellow"}.get(g.status, "bold green")
        t.append(val, style)
        if g.low is not None and g.high is not None:
            t.append(f" [{g.low:g}–{g.high:g}{g.unit}]", "grey50")
    return t


def whatif_columns(w: WhatIf, label_width: int) -> list[Col]:
    cols = [Col("label", "P&L change", label_width, "left")]
    cols += [Col(f"m{i}", f"{m * 100:+g}%", 6) for i, m in enumerate(w.moves)]
    cols += [Col(f"v{i}", f"IV{s * 100:+g}", 6) for i, s in enumerate(w.iv_shifts)]
    return cols


def _pnl_cell(v: float | None) -> tuple[str, str]:
    if v is None:
        return MISSING, "dim"
    return money_short(v), "green" if v > 0.5 else "red" if v < -0.5 else ""


class RiskView(Vertical):
    """The Risk tab (key `R`); `v` switches the lower area between payoff and what-if."""

    DEFAULT_CSS = """
    RiskView { height: 1fr; }
    RiskView #risk-gauges { height: auto; }
    RiskView #risk-table { height: 4; }
    RiskView #risk-lower { height: 1fr; }
    RiskView #risk-payoff-box { height: 1fr; }
    RiskView #risk-legend { height: 1; }
    RiskView #risk-plot { height: 1fr; }
    RiskView #risk-whatif { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "toggle_lower", "Payoff/What-if", id="risk-toggle",
                tooltip="Risk: switch between the payoff diagram and the what-if grid"),
    ]
    MAX_HZ: ClassVar[float] = 2.0

    def __init__(self, settings: Settings | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        from ttai_tui.headless.risk import limits_from, rate_from

        self.limits = limits_from(settings)
        self.rate = rate_from(settings)
        self.risks: list[StrategyRisk] = []
        self.skipped: list[str] = []
        self.grid: WhatIf | None = None
        self.gauges: tuple[Gauge, ...] = ()
        self.computes = 0
        self.draws = 0
        self.compute_ms: deque[float] = deque(maxlen=500)
        self._positions: list[Position] | None = None
        self._symbols: set[str] = set()
        self._stale = True
        self._scheduled = False
        self._last = -1e9
        self._drawn: tuple[str | None, int, int, int] | None = None
        self._keys: list[str] = []
        self._layout = ""
        self._wi_cols: tuple[str, ...] = ()
        self._metrics_asked = False

    def compose(self) -> ComposeResult:
        yield Static("", id="risk-gauges", markup=False)
        yield LiveTable(COLUMNS, id="risk-table")
        with ContentSwitcher(initial="risk-payoff-box", id="risk-lower"):
            with Vertical(id="risk-payoff-box"):
                yield Static("", id="risk-legend", markup=False)
                yield PlotextPlot(id="risk-plot")
            yield LiveTable([Col("label", "What-if", 20, "left")], id="risk-whatif")

    @property
    def table(self) -> LiveTable:
        return self.query_one("#risk-table", LiveTable)

    @property
    def whatif_table(self) -> LiveTable:
        return self.query_one("#risk-whatif", LiveTable)

    @property
    def plot(self) -> PlotextPlot:
        return self.query_one("#risk-plot", PlotextPlot)

    @property
    def bridge(self) -> Bridge:
        return require_bridge(self)

    @property
    def lower(self) -> str:
        return self.query_one("#risk-lower", ContentSwitcher).current or ""

    def action_toggle_lower(self) -> None:
        sw = self.query_one("#risk-lower", ContentSwitcher)
        sw.current = "risk-whatif" if sw.current == "risk-payoff-box" else "risk-payoff-box"
        self._drawn = None
        self._render_all()

    # -- the flush (cheap) -----------------------------------------------------------------------

    def flush(self, dirty: set[str] | None, now: float, tick_second: bool) -> None:
        """Called by the app's flush timer while the tab is shown: note what changed only."""
        positions = list(self.bridge.positions())
        if positions != self._positions:
            self._positions = positions
            self._publish(positions)
            self._stale = True
        if dirty is None or tick_second or (dirty & self._symbols):
            self._stale = True
        sel = self.table.selected_key
        if self._drawn is not None and self._drawn[0] != sel:
            self._draw_payoff()  # cursor moved: redraw from the last figures at once
        if self._stale and not self._scheduled:
            wait = 1.0 / self.MAX_HZ - (time.monotonic() - self._last)
            self._scheduled = True
            self.set_timer(max(wait, 0.01), self._recompute_guarded, name="risk-recompute")

    def _publish(self, positions: list[Position]) -> None:
        syms = {p.streamer_symbol for p in positions} | {p.underlying for p in positions}
        syms |= {BENCHMARK, VIX}
        if syms != self._symbols:
            self._symbols = syms
            self.bridge.set_subscriptions("risk", syms)
            if not self._metrics_asked:  # betas for the portfolio row without waiting a minute
                self._metrics_asked = True
                self.run_worker(self.bridge.refresh_metrics(), group="risk-metrics", exclusive=True,
                                exit_on_error=False)

    def _recompute_guarded(self) -> None:
        self._scheduled = False
        if not self.is_attached:
            return
        try:
            self.recompute()
        except Exception:  # a bad figure must not take the tab (or the app) down
            log.exception("risk recomputation failed")

    # -- the recomputation (throttled, outside the flush) ----------------------------------------

    def recompute(self) -> None:
        t0 = time.perf_counter()
        self._last = time.monotonic()
        self._stale = False
        bridge = self.bridge
        state = bridge.state
        now = bridge.clock.now()
        positions = self._positions if self._positions is not None else list(bridge.positions())
        self.risks, self.skipped = strategies_for(positions, state, now, self.rate)
        self.grid = whatif(self.risks, now, self.rate)
        from ttai_tui.core.clock import ny_date

        today = ny_date(now)
        beta_delta = totals([position_view(p, state, today) for p in positions]).beta_delta
        bal = bridge.balance()
        self.gauges = gauges(None if bal is None else bal.net_liq,
                             None if bal is None else bal.maintenance_requirement,
                             state.mark(VIX), beta_delta, self.risks, self.limits)
        self.computes += 1
        self._render_all()
        self.compute_ms.append((time.perf_counter() - t0) * 1000.0)

    def _render_all(self) -> None:
        self._render_gauges()
        self._render_table()
        if self.lower == "risk-whatif":
            self._render_whatif()
        else:
            self._draw_payoff()

    def _render_gauges(self) -> None:
        g = self.query_one("#risk-gauges", Static)
        text = gauges_text(self.gauges) if self.gauges else Text("Gauges " + MISSING, "dim")
        if self.skipped:
            text.append(f"  ({len(self.skipped)} positions not analysed)", "yellow")
        if str(g.render()) != text.plain:
            g.update(text)

    def _render_table(self) -> None:
        table = self.table
        width = self.size.width or 80
        layout = "full" if width >= sum(c.width + 2 for c in COLUMNS) + 2 else "compact"
        if layout != self._layout:
            self._layout = layout
            cols = COLUMNS if layout == "full" else [
                Col(c.key, c.label, COMPACT[c.key], c.justify) for c in COLUMNS if c.key in COMPACT]
            table.set_columns(cols)
            self._keys = []
        keys = [f"{i}:{r.strategy.underlying}:{r.strategy.name}" for i, r in enumerate(self.risks)]
        if keys != self._keys:
            selected = table.selected_key
            table.drop_all()
            for i, (k, r) in enumerate(zip(keys, self.risks, strict=True)):
                table.ensure_row(k, strategy_cells(r), order=i)
            self._keys = keys
            if selected in keys:
                table.select_key(selected)
            screen_h = self.screen.size.height or 24
            cap = 4 if screen_h < 30 else 9
            table.styles.height = max(2, min(len(keys) + 1, cap))
        else:
            for k, r in zip(keys, self.risks, strict=True):
                table.set_row(k, strategy_cells(r))

    def selected(self) -> StrategyRisk | None:
        key = self.table.selected_key
        if key is None or key not in self._keys:
            return None
        return self.risks[self._keys.index(key)]

    def _draw_payoff(self) -> None:
        plot = self.plot
        w, h = plot.size.width, plot.size.height
        r = self.selected()
        sel = self.table.selected_key
        legend = self.query_one("#risk-legend", Static)
        if r is None or r.spot is None or r.profile is None or w < 10 or h < 4:
            plot.plt.clear_figure()
            plot.refresh()
            legend.update(Text("No strategy selected" if r is None else f"{r.strategy.underlying}: no live price yet",
                               "dim"))
            self._drawn = (sel, w, h, self.computes)
            return
        legs = r.strategy.legs
        mkt = MarketInputs(r.spot, self.bridge.clock.now(), self.rate)
        xs = price_range(legs, mkt, points=max(40, min(2 * w, 240)))
        exp = pnl_at_expiration(legs, xs, mkt)
        today = pnl_today(legs, xs, mkt)
        if exp is None:
            return
        data = PayoffData(f"{r.strategy.underlying} {r.strategy.name}", xs, exp, today, r.spot,
                          r.profile.breakevens)
        draw_payoff(plot.plt, data, w, h)
        plot.refresh()
        lg = Text(no_wrap=True, overflow="ellipsis")
        lg.append("━ expiration ", "dark_orange")
        lg.append("━ today " if today is not None else "today — (no IV) ",
                  "bright_blue" if today is not None else "dim")
        lg.append(f"│ price {r.spot:.2f} ", PRICE_COLOR)
        bes = " ".join(f"{b:.2f}" for b in r.profile.breakevens) or "none"
        lg.append(f"│ BE {bes}", BREAKEVEN_COLOR)
        legend.update(lg)
        self._drawn = (sel, w, h, self.computes)
        self.draws += 1

    def _render_whatif(self) -> None:
        w = self.grid
        if w is None:
            return
        table = self.whatif_table
        label_w = 14 if (self.size.width or 80) < 100 else 22
        cols = whatif_columns(w, label_w)
        sig = tuple(c.key + c.label for c in cols)
        if sig != self._wi_cols:
            self._wi_cols = sig
            table.set_columns(cols)
        rows = [*w.rows, w.portfolio]
        for i, row in enumerate(rows):
            key = "portfolio" if row is w.portfolio else f"r{i}:{row.label}"
            r = self.risks[i] if i < len(self.risks) else None
            label = row.label if r is None else (
                f"{r.strategy.underlying} {SHORT[r.strategy.kind]}" if label_w < 20 else row.label)
            if r is None:
                label = f"Portfolio β·{BENCHMARK}" if label_w < 20 else row.label
            cells: dict[str, tuple[str, str]] = {"label": (label, "bold" if r is None else "")}
            for j, v in enumerate(row.by_move):
                cells[f"m{j}"] = _pnl_cell(v)
            for j, v in enumerate(row.by_iv):
                cells[f"v{j}"] = _pnl_cell(v)
            if not table.ensure_row(key, cells, order=i):
                table.set_row(key, cells)
        live = {"portfolio", *(f"r{i}:{row.label}" for i, row in enumerate(w.rows))}
        for k in table.row_keys_in_order():
            if k not in live:
                table.drop_row(k)

    def on_resize(self) -> None:
        self._drawn = None
        if self.risks:
            self.call_after_refresh(self._render_all)
