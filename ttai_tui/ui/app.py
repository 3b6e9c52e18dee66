"""The Textual app: wiring, workers, the one flush timer and the global bindings.

Data flow (DESIGN.md): the broker writes market data into MarketState from its own tasks; one
UI timer at ``ui.refresh_hz`` drains each visible view's dirty symbols and rewrites only cells
whose text changed, inside ``batch_update()``. Discrete broker happenings arrive through the
listener callback and become Messages. Workers never touch widgets: they post messages.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sys
import time
from collections import deque
from collections.abc import Callable

from textual import work
from textual.app import App, ScreenStackError
from textual.binding import Binding
from textual.command import Provider
from textual.css.query import NoMatches
from textual.worker import Worker, WorkerState

from ttai_tui import paths
from ttai_tui.broker import events as ev
from ttai_tui.config import Settings, Target
from ttai_tui.core.clock import SYSTEM_CLOCK, Clock, ny_date
from ttai_tui.core.portfolio import position_view, totals
from ttai_tui.ui import heap
from ttai_tui.ui.bridge import Bridge, StaticBridge
from ttai_tui.ui.errors import guarded, report
from ttai_tui.ui.messages import (
    AccountDataChanged,
    AccountWatchlists,
    AlertFired,
    AuthFailed,
    BrokerEvent,
    OpenSymbol,
    OrdersChanged,
)
from ttai_tui.ui.prompt_frame import paint_now
from ttai_tui.ui.screens.dashboard import DashboardScreen
from ttai_tui.ui.trading import TradingMixin
from ttai_tui.ui.watchlist_store import FILE_NAME, WatchlistStore
from ttai_tui.ui.widgets.live_table import commit_pending
from ttai_tui.ui.widgets.status_bar import StatusInfo

log = logging.getLogger("ttai_tui.ui")

METRICS_EVERY_S = 60.0
HEAP_SETTLE_S = 5.0  # after the broker starts: start-up garbage gone, first chain loaded
HEAP_RESETTLE_S = 300.0  # then again every 5 minutes (see ui/heap.py)
HEAP_TRIM_S = 30.0  # free C-allocator memory goes back to the system this often
DEFERRED_TABS_S = 5.0  # the Chart and Risk tabs are built by then even if the stream is not up
DEFERRED_AFTER_CONNECT_S = 0.5  # else this long after the stream first connects (first prices drawn)
MODE_LABEL = {"live": "LIVE", "sandbox": "SANDBOX", "demo": "DEMO", "exchange": "DEMO"}


def _ttai_commands() -> type[Provider]:
    """The palette's provider, imported when the palette first opens."""
    from ttai_tui.ui.commands import TtaiCommands

    return TtaiCommands


class TtaiApp(TradingMixin, App[int]):
    COMMANDS = App.COMMANDS | {_ttai_commands}
    CSS_PATH = "styles/app.tcss"
    TITLE = "ttai"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit", tooltip="Quit ttai"),
        Binding("question_mark", "help", "Help", id="help", tooltip="This list of keys"),
        Binding("ctrl+p", "command_palette", "Palette", id="command-palette", priority=True, show=False,
                tooltip="Command palette: symbol search, account, watchlist, theme"),
    ]

    def __init__(
        self,
        settings: Settings,
        target: Target,
        *,
        clock: Clock = SYSTEM_CLOCK,
        bridge: Bridge | None = None,
        store: WatchlistStore | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.target = target
        self.clock = clock
        self.bridge: Bridge = bridge if bridge is not None else StaticBridge(clock=clock)
        self.store = store or WatchlistStore(paths.data_dir() / FILE_NAME, dict(settings.watchlists))
        self.status = StatusInfo(mode=MODE_LABEL.get(target.mode, "DEMO"))
        self.flush_ms: deque[float] = deque(maxlen=2000)
        self._last_second = -1
        self._auth_modal_open = False
        self._bridge_stopped = False
        self._deferred_tabs_built = False
        self.heap_settle_ms: float | None = None  # how long the last heap settle stopped the loop
        self._view_errors: dict[str, str] = {}  # view -> the error it is failing with now
        self.set_keymap(dict(settings.keys))
        theme = settings.ui.theme
        if theme in self.available_themes:
            self.theme = theme
        self.animation_level = "none"

    # -- lifecycle ---------------------------------------------------------------------------

    def get_default_screen(self) -> DashboardScreen:
        return DashboardScreen(self.settings, self.store)

    def on_mount(self) -> None:
        self.status.web = self.is_web  # `ttai serve`: the bar says WEB beside LIVE/SANDBOX/DEMO
        if self.store.load_error:
            self.call_after_refresh(self._offer_watchlist_backup)
        hz = max(1.0, min(60.0, float(self.settings.ui.refresh_hz)))
        self._flush_timer = self.set_interval(1.0 / hz, self._flush_and_paint, name="ui-flush")
        self.call_after_refresh(self.start_broker)
        self.set_timer(DEFERRED_TABS_S, self.build_deferred_tabs, name="deferred-tabs")
        if self.settings.keys:
            self.set_timer(0.5, self._check_keymap)
        self._handle_termination_signals()

    def _offer_watchlist_backup(self) -> None:
        """The watchlists file is corrupt: offer its previous version, or just say so."""
        store = self.store
        if store.backup is None:
            self.notify(store.load_error or "", title="Watchlists", severity="warning", timeout=10)
            return
        from ttai_tui.ui.screens.modals import ConfirmScreen

        body = (
            f"{store.load_error}\n\nRestore the previous version? The damaged file is kept as "
            f"{store.path.name}.corrupt either way. Until then the config's lists are shown."
        )
        self.push_screen(
            ConfirmScreen("Watchlists file damaged", body, yes="Restore backup", no="Not now"),
            self._restore_watchlists,
        )

    def _restore_watchlists(self, restore: bool | None) -> None:
        if not restore:
            return
        from ttai_tui.storage import StorageError

        try:
            self.store.restore_backup()
        except StorageError as exc:
            report(self, "watchlist restore", exc)
            return
        self.dashboard.watchlist.rebuild()
        self.notify("Watchlists restored from the backup", title="Watchlists", timeout=5)

    def _handle_termination_signals(self) -> None:
        """`kill`, a closed ssh session (SIGHUP) or a service manager: exit through Textual so
        the terminal gets its normal screen, cooked mode and mouse state back."""
        import signal

        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGHUP):
            try:
                loop.add_signal_handler(sig, functools.partial(self.exit, return_code=128 + sig))
            except (NotImplementedError, RuntimeError, ValueError) as exc:
                # not the main thread (tests) or a platform without signal handlers
                log.debug("no handler for %s: %s", sig.name, exc)
                return

    def _check_keymap(self) -> None:
        from ttai_tui.ui.keymap_check import all_binding_classes, binding_ids, unknown_key_ids

        for warning in unknown_key_ids(self.settings.keys, binding_ids(all_binding_classes())):
            log.warning("%s", warning)
            self.notify(warning + "; press ? for the list", title="Config", severity="warning", timeout=10)

    @property
    def dashboard(self) -> DashboardScreen:
        for screen in self.screen_stack:
            if isinstance(screen, DashboardScreen):
                return screen
        raise LookupError("dashboard not mounted")

    @work(group="broker", exclusive=True, exit_on_error=False, description="Broker start")
    async def start_broker(self) -> None:
        self._enable_alerts()
        await self.bridge.start(self._broker_listener)
        self.post_message(AccountDataChanged())
        self.load_orders()
        self.load_account_watchlists()
        self.metrics_loop()
        self.set_timer(HEAP_SETTLE_S, self._warm_up, name="warm-up")
        self.set_interval(HEAP_RESETTLE_S, self._settle_heap, name="heap-resettle")
        if heap.can_trim():
            self.set_interval(HEAP_TRIM_S, heap.trim, name="heap-trim")

    @work(group="deferred-tabs", exit_on_error=False, description="Chart and Risk tabs")
    async def build_deferred_tabs(self) -> None:
        """Build the tabs start-up skipped (see ui/screens/dashboard.py): their modules are
        imported in a thread first, so the screen keeps updating meanwhile."""
        from ttai_tui.ui.screens.dashboard import DEFERRED_MODULES

        if self._deferred_tabs_built:
            return
        self._deferred_tabs_built = True
        heap.end_hold()  # start-up is over (see ui/heap.py)
        import importlib

        for name in DEFERRED_MODULES:
            await asyncio.to_thread(importlib.import_module, name)
        self.dashboard.build_deferred_tabs()

    def _enable_alerts(self) -> None:
        engine = self.bridge.enable_alerts(self.settings)
        if engine is not None and engine.book.load_error:
            self.notify(engine.book.load_error, title="Alerts", severity="warning", timeout=15)

    @work(group="warm-up", exclusive=True, exit_on_error=False, description="Warm-up")
    async def _warm_up(self) -> None:
        """Once live: import what start-up skipped (pandas, for the chart's EMA and VWAP
        sessions: ~0.2 s that would otherwise land on the first chart key), then settle.

        The import runs in a thread, so the screen keeps updating (more slowly) instead of
        freezing for it; a chart key pressed meanwhile waits on the same import."""
        import importlib

        t0 = time.perf_counter()
        await asyncio.to_thread(importlib.import_module, "pandas")
        from ttai_tui import calendars  # NYSE holidays and early closes for the status bar

        await asyncio.to_thread(calendars.calendar, "NYSE")
        log.debug("warm-up imports took %.0f ms", (time.perf_counter() - t0) * 1000.0)
        self._settle_heap()  # the warm-up's last step (`warmed_up`)

    @property
    def warmed_up(self) -> bool:
        """The post-start warm-up (deferred imports, then the first heap settle) is done."""
        return self.heap_settle_ms is not None

    def _settle_heap(self) -> None:
        self.heap_settle_ms = heap.settle()
        log.debug("heap settled in %.0f ms", self.heap_settle_ms)

    @work(group="account-watchlists", exclusive=True, exit_on_error=False, description="Account watchlists")
    async def load_account_watchlists(self) -> None:
        lists = await self.bridge.account_watchlists()
        if lists:
            self.post_message(AccountWatchlists([(w.name, tuple(w.symbols)) for w in lists]))

    @work(group="metrics", exclusive=True, exit_on_error=False, description="Market metrics")
    async def metrics_loop(self) -> None:
        """IV rank / beta are REST data: poll them for what is on screen every minute."""
        while True:
            try:
                await self.bridge.refresh_metrics()
            except Exception as exc:  # keep polling; say it once in the log
                log.warning("market metrics failed: %s", exc)
            await asyncio.sleep(METRICS_EVERY_S)

    async def action_quit(self) -> None:
        """Quit; the exit code says when the credentials were refused (3, as the CLI's)."""
        await self._stop_bridge()
        code = 3 if self.status.auth_error else 0
        self.exit(code, return_code=code)

    async def on_unmount(self) -> None:
        heap.release()
        await self._stop_bridge()

    async def _stop_bridge(self) -> None:
        """Close the stream, the session and (demo) the in-process exchange; never blocks quit."""
        if self._bridge_stopped:
            return
        self._bridge_stopped = True
        try:
            await asyncio.wait_for(self.bridge.stop(), timeout=5)
        except Exception as exc:  # quitting must always work
            log.warning("broker stop failed: %s", exc)

    # -- broker events -> messages -------------------------------------------------------------

    def _broker_listener(self, event: ev.BrokerEvent) -> None:
        """Called by the broker (same event loop or not): only posts a message."""
        if isinstance(event, ev.CredentialsRejected):
            self.post_message(AuthFailed(event.message))
        elif isinstance(event, ev.AccountUpdated):
            self.post_message(AccountDataChanged())
        elif isinstance(event, ev.DataFlowing):
            self.post_message(BrokerEvent("data", "first data"))
        elif isinstance(event, ev.Connected):
            self.post_message(BrokerEvent("connected", "reconnected" if event.attempt else "connected"))
        elif isinstance(event, ev.Reconnecting):
            self.post_message(BrokerEvent("reconnecting", event.reason, "warning"))
        elif isinstance(event, ev.Connecting):
            self.post_message(BrokerEvent("connecting", event.reason, "warning"))
        elif isinstance(event, ev.StreamFailed):
            self.post_message(BrokerEvent("stream-failed", event.reason, "error"))
        elif isinstance(event, ev.TokenRefreshed):
            self.post_message(BrokerEvent("token", "refreshed"))
        elif isinstance(event, ev.OrderUpdated):
            self.post_message(OrdersChanged(event.order))
        elif isinstance(event, ev.OrderFilled):
            self.post_message(BrokerEvent("fill", f"Filled: {event.description}", "information"))
        elif isinstance(event, ev.AlertFired):
            self.post_message(AlertFired(event.alert_id, event.text, event.value, event.unit, event.local))
        elif isinstance(event, ev.BrokerError):
            where = f" ({event.where})" if event.where else ""
            self.post_message(BrokerEvent("error", f"{event.message}{where}", "error"))

    @guarded("account watchlists")
    def on_account_watchlists(self, msg: AccountWatchlists) -> None:
        if self.store.add_account_lists(msg.lists):
            self.dashboard.watchlist.rebuild()

    @guarded("broker event")
    def on_broker_event(self, msg: BrokerEvent) -> None:
        if msg.kind == "data":  # a connection's first prices: on screen now, not at the next tick
            self.flush_now()
            return
        if msg.kind in ("fill", "error", "stream-failed") or (msg.kind == "connected" and msg.detail == "reconnected"):
            self.notify(msg.detail, severity=msg.severity, timeout=5)
        if msg.kind == "connected":
            self.status.note = None
            if not self._deferred_tabs_built:
                self.set_timer(DEFERRED_AFTER_CONNECT_S, self.build_deferred_tabs, name="deferred-tabs")
        elif msg.kind == "stream-failed":
            self.status.note = "stream stopped"
        self._render_status(force=True)

    @guarded("alert")
    def on_alert_fired(self, msg: AlertFired) -> None:
        self.notify(f"#{msg.alert_id} {msg.text}: {msg.value:g}{msg.unit}", title="Alert", severity="warning", timeout=10)
        if self.settings.alerts.bell and msg.local:
            self.bell()
        self.dashboard.alerts.refresh_rows()

    @guarded("account update")
    def on_account_data_changed(self, _msg: AccountDataChanged) -> None:
        self.status.account = self.bridge.account()
        self.dashboard.positions.reload()
        self._render_status(force=True)

    def on_auth_failed(self, msg: AuthFailed) -> None:
        self.status.auth_error = msg.reason
        self._render_status(force=True)
        if self._auth_modal_open:
            return
        from ttai_tui.ui.screens.modals import MessageScreen

        self._auth_modal_open = True

        def closed(_: object) -> None:
            self._auth_modal_open = False

        self.push_screen(
            MessageScreen(
                "Credentials refused",
                f"{msg.reason}\n\nCheck the provider secret and refresh token (`ttai login`, or "
                "the TT_SECRET / TT_REFRESH environment variables). The dashboard keeps running "
                "with whatever data it has; `ttai --demo` works without an account.",
                error=True,
            ),
            closed,
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place worker failures become state: status bar + notification, never exit."""
        if event.state is not WorkerState.ERROR:
            return
        worker = event.worker
        error = worker.error
        from ttai_tui.broker.errors import CredentialsRejectedError

        if isinstance(error, CredentialsRejectedError):
            self.post_message(AuthFailed(str(error)))
            return
        report(self, worker.description or worker.group, error or RuntimeError("worker failed"))
        if worker.group == "broker":
            self.status.note = "broker not started"
            self._render_status(force=True)

    def on_open_symbol(self, msg: OpenSymbol) -> None:
        self.dashboard.open_symbol(msg.symbol)

    # -- the flush -------------------------------------------------------------------------------

    def _flush_and_paint(self) -> None:
        """The timer: flush, then paint the frame at once instead of hops of the event loop
        later (ui/prompt_frame.py)."""
        self.flush_market()
        try:
            screen = self.screen
        except ScreenStackError as e:  # shutting down: the screens are gone, nothing to paint
            log.debug("flush timer after the last screen closed: nothing painted (%s)", e)
            return
        paint_now(screen)

    def flush_now(self) -> None:
        self._last_second = -1
        self.flush_market()

    @guarded("screen update")
    def flush_market(self) -> None:
        t0 = time.perf_counter()
        try:
            dash = self.dashboard
        except LookupError:
            return
        if not dash.is_mounted or not dash.children:
            return  # before compose finished, or shutting down
        now = self.clock.now()
        second = int(self.clock.monotonic())
        tick = second != self._last_second
        self._last_second = second
        state = self.bridge.state
        view = self._flush_view
        with self.batch_update():
            if dash.is_current:
                if dash.shows("watchlist"):
                    view("watchlist", lambda: dash.watchlist.flush(state.take_dirty("watchlist"), now, tick))
                if dash.shows("chain"):
                    view("chain", lambda: dash.chain.flush(state.take_dirty("chain"), now, tick))
                if dash.shows("positions"):
                    view("positions", lambda: dash.positions.flush(state.take_dirty("positions"), now, tick))
                if dash.shows("chart"):
                    chart = dash.chart()
                    if chart is not None:
                        view("chart", lambda: chart.flush(now))
                if dash.shows("orders"):
                    view("orders", lambda: dash.orders.flush(now, tick))
                if dash.shows("risk"):
                    view("risk", lambda: dash.risk.flush(state.take_dirty("risk"), now, tick))
            if tick:
                view("status", self._render_status)
                view("balances", lambda: dash.balances.show(self.bridge.balance(), now, self._live_day_pnl(now)))
            commit_pending()
        self.flush_ms.append((time.perf_counter() - t0) * 1000.0)

    def _flush_view(self, name: str, flush: Callable[[], None]) -> None:
        """Flush one view; its exception is reported once and the other views keep updating.

        A view that keeps failing with the same error at the refresh rate is logged (with the
        traceback) and notified once, and named in the status bar until a flush succeeds again.
        """
        try:
            flush()
        except Exception as exc:
            what = f"{type(exc).__name__}: {exc}"
            if self._view_errors.get(name) != what:
                self._view_errors[name] = what
                report(self, f"{name} view", exc)
                self.status.failed_views = tuple(sorted(self._view_errors))
            return
        if name in self._view_errors:
            del self._view_errors[name]
            self.status.failed_views = tuple(sorted(self._view_errors))
            log.info("%s view updates again", name)

    def _live_day_pnl(self, now: float) -> float | None:
        """Sum of the positions' live day P&L (for accounts that do not report one)."""
        positions = self.bridge.positions()
        if not positions:
            return None
        today = ny_date(now)
        return totals([position_view(p, self.bridge.state, today) for p in positions]).day_pnl

    def _render_status(self, force: bool = False) -> None:
        self.status.stream = self.bridge.stream_status()
        self.status.token = self.bridge.token_status()
        if self.status.account is None:
            self.status.account = self.bridge.account()
        try:
            bar = self.dashboard.status_bar
        except (LookupError, NoMatches):  # before the dashboard is composed, or after quit
            return
        bar.show(self.status, self.clock.now())

    # -- global actions --------------------------------------------------------------------------

    async def action_press_key(self, key: str) -> None:
        """A click on a key hint presses that key (mouse users get every binding too)."""
        self.simulate_key(key)

    def action_help(self) -> None:
        from ttai_tui.ui.screens.help import HelpScreen, binding_rows
        from ttai_tui.ui.screens.review import ReviewScreen
        from ttai_tui.ui.screens.ticket import TicketScreen
        from ttai_tui.ui.widgets.chain import ChainView
        from ttai_tui.ui.widgets.live_table import LiveTable
        from ttai_tui.ui.widgets.orders import OrdersView
        from ttai_tui.ui.widgets.positions import PositionsView
        from ttai_tui.ui.widgets.risk import RiskView
        from ttai_tui.ui.widgets.watchlist import WatchlistPane

        owners: list[tuple[str, type]] = [
            ("global", TtaiApp),
            ("dashboard", DashboardScreen),
            ("watchlist", WatchlistPane),
            ("chain", ChainView),
            ("positions", PositionsView),
            ("orders", OrdersView),
            ("ticket", TicketScreen),
            ("review", ReviewScreen),
            ("risk", RiskView),
            ("tables", LiveTable),
        ]
        try:
            dash = self.dashboard
            chart = dash.chart()
            if chart is not None:
                owners.append(("chart", type(chart)))
        except LookupError:
            pass
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
            return
        self.push_screen(HelpScreen(binding_rows(self, owners)))

    @work(group="account-refresh", exclusive=True, exit_on_error=False, description="Account refresh")
    async def refresh_account(self) -> None:
        self.notify("Refreshing account data…", timeout=1.5)
        await self.bridge.refresh_account()
        self.post_message(AccountDataChanged())

    @work(group="account-switch", exclusive=True, exit_on_error=False, description="Account switch")
    async def switch_account(self, number: str) -> None:
        await self.bridge.switch_account(number)
        self.status.account = number
        self.post_message(AccountDataChanged())
        self.load_orders()


def make_app(
    settings: Settings | None = None,
    target: Target | None = None,
    *,
    clock: Clock = SYSTEM_CLOCK,
    bridge: Bridge | None = None,
    store: WatchlistStore | None = None,
) -> TtaiApp:
    """Build the app (tests inject a clock, a bridge over the in-process exchange, a store)."""
    settings = settings if settings is not None else Settings()
    target = target if target is not None else Target("demo")
    if bridge is None:
        from ttai_tui.demo import demo_server
        from ttai_tui.ui.broker_bridge import BrokerBridge

        bridge = BrokerBridge(settings, target, clock=clock, local_server=demo_server(settings, target))
    return TtaiApp(settings, target, clock=clock, bridge=bridge, store=store)


def run_app(settings: Settings, target: Target) -> int:
    """Entry point for `ttai` (cli.py): run the dashboard, return the process exit code."""
    from ttai_tui.ui import span_writer

    span_writer.install()  # partial screen updates send only the changed columns (ssh bytes)
    try:
        app = make_app(settings, target)
        app.run()
    finally:
        heap.end_hold()
    code = int(app.return_code or 0)
    if code == 1:  # Textual's code for an unhandled exception (it printed the traceback)
        from ttai_tui.logsetup import current_log_file

        log.error("the dashboard stopped on an unhandled exception (exit 70)")
        print(f"ttai: internal error: the dashboard stopped (traceback above; log: {current_log_file()})",
              file=sys.stderr)
        return 70
    return code
