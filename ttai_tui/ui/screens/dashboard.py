"""The dashboard screen: status bar, watchlist | main area (chain / chart / positions), balances.

Wide terminals (>= 120 columns) show the watchlist beside the main area. Narrower ones show one
pane at a time: `w` brings the watchlist, `c` / `g` / `p` the main area on that tab, and the
footer keys are clickable for mouse users. `z` maximises the focused pane at any width.

The Chart and Risk tabs are built after start-up (``DEFERRED``): their modules (the chart
package, numpy, plotext, the risk engine) and widgets cost about a quarter of a second of CPU
that the first live frame would otherwise wait for. The app builds them shortly after the stream
first connects, or 5 s after start (see ``TtaiApp.build_deferred_tabs``); a key that shows one
earlier builds it at once.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import TabbedContent, TabPane

from ttai_tui.ui.bridge import require_bridge
from ttai_tui.ui.messages import OpenSymbol
from ttai_tui.ui.watchlist_store import WatchlistStore
from ttai_tui.ui.widgets.alerts import AlertsView
from ttai_tui.ui.widgets.balances import BalancesStrip
from ttai_tui.ui.widgets.chain import ChainView
from ttai_tui.ui.widgets.key_hints import KeyHints
from ttai_tui.ui.widgets.orders import OrdersView
from ttai_tui.ui.widgets.positions import PositionsView
from ttai_tui.ui.widgets.status_bar import StatusBar
from ttai_tui.ui.widgets.subtitle_line import SubtitleLine
from ttai_tui.ui.widgets.watchlist import WatchlistPane

if TYPE_CHECKING:
    from ttai_tui.config import Settings
    from ttai_tui.ui.app import TtaiApp
    from ttai_tui.ui.widgets.chart import ChartPane
    from ttai_tui.ui.widgets.risk import RiskView

log = logging.getLogger(__name__)

NARROW_BELOW = 120
WATCHLIST_FULL, WATCHLIST_MIN, CHAIN_MIN = 76, 40, 66  # pane widths in columns, borders included
TABS = {"chain": "tab-chain", "chart": "tab-chart", "positions": "tab-positions", "orders": "tab-orders",
        "risk": "tab-risk", "alerts": "tab-alerts"}


#: tabs whose content is mounted after start-up (see the module docstring), and the modules
#: that content needs (the app imports them in a thread first, so the UI never waits on them)
DEFERRED = ("chart", "risk")
DEFERRED_MODULES = ("ttai_tui.ui.widgets.chart", "ttai_tui.ui.widgets.risk")


def make_chart_pane(settings: Settings) -> ChartPane:
    """The chart pane (imported here, not at the top: plotext loads only when composed)."""
    from ttai_tui.ui.widgets.chart import ChartPane

    return ChartPane(settings=settings, id="chart")


def make_risk_view(settings: Settings) -> RiskView:
    """The Risk tab's view (imported here: numpy, plotext and the risk engine load with it)."""
    from ttai_tui.ui.widgets.risk import RiskView

    return RiskView(settings, id="risk-view")


class MainPane(SubtitleLine, Vertical):
    """The chain / chart / positions area (maximisable with `z`)."""

    ALLOW_MAXIMIZE = True


class DashboardScreen(Screen):
    ALLOW_IN_MAXIMIZED_VIEW = "KeyHints, StatusBar"
    BINDINGS = [
        Binding("w", "focus_pane('watchlist')", "Watch", id="focus-watchlist", tooltip="Focus the watchlist"),
        Binding("c", "focus_pane('chain')", "Chain", id="focus-chain", tooltip="Show the option chain"),
        Binding("g", "focus_pane('chart')", "Chart", id="focus-chart", tooltip="Show the chart"),
        Binding("p", "focus_pane('positions')", "Pos", id="focus-positions", tooltip="Show positions"),
        Binding("o", "focus_pane('orders')", "Orders", id="focus-orders",
                tooltip="Show today's orders (working, filled, cancelled)"),
        Binding("R", "focus_pane('risk')", "Risk", id="focus-risk", tooltip="Show the risk view"),
        Binding("b", "focus_pane('balances')", "Balances", id="focus-balances", show=False,
                tooltip="Focus the balances strip"),
        Binding("r", "refresh_account", "Refresh", id="refresh-account", show=False,
                tooltip="Reload balances and positions now"),
        Binding("z", "zoom", "Zoom", id="zoom", show=False, tooltip="Maximise / restore the focused pane"),
        Binding("exclamation_mark", "focus_pane('alerts')", "Alerts", id="focus-alerts", show=False,
                tooltip="Show the alerts list"),
        Binding("A", "new_alert", "Alert", id="new-alert", show=False,
                tooltip="New alert on the selected symbol, option, position or chart"),
    ]

    def __init__(self, settings: Settings, store: WatchlistStore) -> None:
        super().__init__()
        self.settings = settings
        self.store = store
        self.pane = "watchlist"
        self._deferred: set[str] = set(DEFERRED)  # tabs whose content is not mounted yet
        self._mounting: dict[str, asyncio.Task[None]] = {}  # mounted, not yet composed
        self._chart_symbol: str | None = None  # opened before the chart existed

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with Horizontal(id="body"):
            yield WatchlistPane(self.store, id="watchlist-pane")
            with MainPane(id="main-pane"), TabbedContent(id="main-tabs", initial="tab-chain"):
                with TabPane("Chain", id="tab-chain"):
                    yield ChainView(self.settings.chain.strikes, self.settings.chain.dte, id="chain-view")
                yield TabPane("Chart", id="tab-chart")  # content: build_tab("chart")
                with TabPane("Positions", id="tab-positions"):
                    yield PositionsView(id="positions-view")
                with TabPane("Orders", id="tab-orders"):
                    yield OrdersView(id="orders-view")
                yield TabPane("Risk", id="tab-risk")  # content: build_tab("risk")
                with TabPane("Alerts", id="tab-alerts"):
                    yield AlertsView(id="alerts-view")
        yield BalancesStrip(id="balances")
        yield KeyHints(id='key-hints')

    def on_mount(self) -> None:
        self.query_one("#main-pane").border_title = "Chain · Chart · Positions · Orders · Risk · Alerts"
        self.watchlist.flash_enabled = bool(self.settings.ui.flash)
        self.chain.flash_enabled = bool(self.settings.ui.flash)
        self._apply_width(self.size.width)
        self.set_focus(self.watchlist.table)

    def on_resize(self, event) -> None:
        self._apply_width(event.size.width)

    def _apply_width(self, width: int) -> None:
        """Set `.narrow` only when it flips: a class on the screen restyles the whole DOM."""
        narrow = 0 < width < NARROW_BELOW
        pane = self.query_one("#watchlist-pane")
        if narrow != self.has_class("narrow"):
            self.set_class(narrow, "narrow")
            if narrow:
                pane.styles.width = "1fr"
        if not narrow:
            # Side by side, the chain needs ~66 columns for bid/ask/delta on both sides: the
            # watchlist gives up its rightmost columns (it scrolls sideways) until it fits.
            pane.styles.width = max(WATCHLIST_MIN, min(WATCHLIST_FULL, width - CHAIN_MIN))
        self._apply_panes()

    def _apply_panes(self) -> None:
        """Narrow: one pane at a time, switched with inline `display` (no restyle of the DOM)."""
        narrow = self.has_class("narrow")
        show_watch = not narrow or self.pane == "watchlist"
        show_main = not narrow or self.pane != "watchlist"
        wl, main = self.query_one("#watchlist-pane"), self.query_one("#main-pane")
        if wl.display != show_watch:
            wl.display = show_watch
        if main.display != show_main:
            main.display = show_main

    # -- accessors -------------------------------------------------------------------------------

    @property
    def watchlist(self) -> WatchlistPane:
        return self.query_one(WatchlistPane)

    @property
    def chain(self) -> ChainView:
        return self.query_one(ChainView)

    @property
    def positions(self) -> PositionsView:
        return self.query_one(PositionsView)

    @property
    def orders(self) -> OrdersView:
        return self.query_one(OrdersView)

    @property
    def risk(self) -> RiskView:
        from ttai_tui.ui.widgets.risk import RiskView

        return self.query_one(RiskView)

    @property
    def ttai_app(self) -> TtaiApp:
        """The app, typed (the dashboard only runs inside TtaiApp)."""
        from ttai_tui.ui.app import TtaiApp

        app = self.app
        if not isinstance(app, TtaiApp):
            raise LookupError("the dashboard runs inside TtaiApp")
        return app

    @property
    def status_bar(self) -> StatusBar:
        return self.query_one(StatusBar)

    @property
    def balances(self) -> BalancesStrip:
        return self.query_one(BalancesStrip)

    @property
    def alerts(self) -> AlertsView:
        return self.query_one(AlertsView)

    @property
    def tabs(self) -> TabbedContent:
        return self.query_one("#main-tabs", TabbedContent)

    @property
    def active_tab(self) -> str:
        return self.tabs.active

    def chart(self) -> ChartPane | None:
        from ttai_tui.ui.widgets.chart import ChartPane

        try:
            return self.query_one("#chart", ChartPane)
        except NoMatches:  # not composed yet, or being torn down
            return None

    def shows(self, view: str) -> bool:
        """Is this view on screen now? (hidden views do no work in the flush)."""
        if not self.is_current:
            return view in ("status", "balances")
        if view in self._deferred or view in self._mounting:
            return False  # its content is not composed yet
        narrow = self.has_class("narrow")
        if view == "watchlist":
            return not narrow or self.pane == "watchlist"
        if view in TABS:
            return self.active_tab == TABS[view] and (not narrow or self.pane != "watchlist")
        return True

    # -- deferred tabs -------------------------------------------------------------------------

    def build_tab(self, view: str) -> asyncio.Task[None] | None:
        """Mount a deferred tab's content now (once); the task ends when it is composed.

        The widget is in the DOM when this returns (``chart()`` finds it); ``visible(view)``
        stays False until it is composed, so the flush never reaches a half-built view."""
        pending = self._mounting.get(view)
        if pending is not None or view not in self._deferred:
            return pending
        self._deferred.discard(view)
        widget = make_chart_pane(self.settings) if view == "chart" else make_risk_view(self.settings)
        mounted = self.query_one(f"#{TABS[view]}", TabPane).mount(widget)

        async def composed() -> None:
            try:
                await mounted
            finally:
                self._mounting.pop(view, None)
            symbol, self._chart_symbol = self._chart_symbol, None
            chart = self.chart() if view == "chart" else None
            if chart is not None and symbol is not None:
                chart.set_symbol(symbol)

        task = asyncio.get_running_loop().create_task(composed(), name=f"mount-{view}")
        self._mounting[view] = task
        task.add_done_callback(self._mounted)
        return task

    def _mounted(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("building the %s failed", task.get_name(), exc_info=task.exception())

    def build_deferred_tabs(self) -> None:
        """Mount every deferred tab's content (the app calls it once start-up is done)."""
        for view in DEFERRED:
            self.build_tab(view)

    # -- actions ---------------------------------------------------------------------------------

    def action_focus_pane(self, pane: str) -> None:
        task = self.build_tab(pane) if pane in DEFERRED else None
        if task is not None:  # shown before it was built: focus it once it is composed
            task.add_done_callback(lambda _t: self.call_later(self.action_focus_pane, pane))
            if pane in TABS:
                self.tabs.active = TABS[pane]
            return
        self.pane = "watchlist" if pane == "watchlist" else ("balances" if pane == "balances" else "main")
        if self.maximized is not None:
            self.minimize()
        if pane in TABS:
            self.tabs.active = TABS[pane]
        self._apply_width(self.size.width)
        target = {
            "watchlist": lambda: self.watchlist.table,
            "chain": lambda: self.chain.table,
            "positions": lambda: self.positions.table,
            "orders": lambda: self.orders.table,
            "risk": lambda: self.risk.table,
            "balances": lambda: self.query_one(BalancesStrip),
            "chart": self.chart,
            "alerts": lambda: self.alerts.table,
        }[pane]()
        if target is not None and getattr(target, "can_focus", False):
            self.set_focus(target)
        elif pane == "chart":
            self.set_focus(self.tabs.query_one("Tabs"))
        self.ttai_app.flush_now()

    def action_new_alert(self) -> None:
        from ttai_tui.ui.screens.alert_form import AlertFormScreen, prefill

        def saved(alert_id: int | None) -> None:
            if alert_id is not None:
                self.app.notify(f"Alert #{alert_id} added", timeout=3)
                self.alerts.refresh_rows()

        self.app.push_screen(AlertFormScreen(require_bridge(self), *prefill(self)), saved)

    def action_refresh_account(self) -> None:
        self.ttai_app.refresh_account()

    def action_zoom(self) -> None:
        if self.maximized is not None:
            self.minimize()
            return
        node: DOMNode | None = self.focused
        pane: Widget | None = None
        while node is not None:
            if isinstance(node, Widget) and node.id in ("watchlist-pane", "main-pane"):
                pane = node
                break
            node = node.parent
        if pane is not None:
            self.maximize(pane, container=False)

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.tabbed_content.id != "main-tabs":
            return
        for view in DEFERRED:  # a click or an arrow key on the tab bar shows it
            if self.active_tab == TABS[view] and self.build_tab(view) is not None:
                self.call_later(self.ttai_app.flush_now)
        self.query_one("#main-pane").border_subtitle = ""
        if self.active_tab != TABS["chain"]:
            self.chain.release()
        self.ttai_app.flush_now()

    def on_open_symbol(self, msg: OpenSymbol) -> None:
        msg.stop()
        self.open_symbol(msg.symbol)

    def open_symbol(self, symbol: str) -> None:
        """Show the symbol's chain and feed its chart; stays on the chain tab."""
        self.chain.open_symbol(symbol)
        chart = self.chart()
        if chart is None:  # built later (see build_tab), with this symbol
            self._chart_symbol = symbol
        else:
            try:
                chart.set_symbol(symbol)
            except Exception as exc:  # a chart failure must not break the chain
                self.app.log.error(f"chart.set_symbol failed: {exc!r}")
        self.action_focus_pane("chain")
