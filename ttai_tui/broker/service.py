"""The broker facade: the one object the UI and the headless commands talk to.

How the UI uses it (all on the app's asyncio loop; nothing here imports Textual)::

    state = MarketState(clock)
    broker = Broker(target, settings, state, clock=clock)
    broker.add_listener(on_broker_event)        # Connected, Reconnecting, TokenRefreshed,
                                                # AccountUpdated, OrderFilled, BrokerError,
                                                # CredentialsRejected, StreamFailed (broker.events)
    await broker.start()                         # in a worker: session, stream, account poller
    broker.subscriptions.declare("watchlist", {("Quote", "SPY"), ("Trade", "SPY"),
                                               ("Summary", "SPY")})
    broker.subscriptions.declare_candles("chart", "SPY", "5m", from_time=t0)
    ...a timer at ui.refresh_hz: for sym in state.take_dirty("watchlist"): redraw row
    await broker.stop()

* ``start()`` raises ``CredentialsRejectedError`` (and emits ``CredentialsRejected``) when the
  credentials are refused; any other failure of the stream is retried forever in the background
  and reported through ``status`` and listener events, never raised.
* ``subscriptions.declare(owner, wants)`` *replaces* what ``owner`` wants; wants are
  ``(event_type, streamer_symbol)`` with event_type in Quote, Trade, Summary, Greeks, Profile
  (TheoPrice, TimeAndSale, Underlying are accepted and drained but not stored). Reference
  counted across owners; only differences go on the wire; everything is re-sent after a
  reconnect. ``declare(owner, set())`` or ``release(owner)`` drops an owner.
* ``subscriptions.declare_candles(owner, symbol, timeframe, from_time)`` asks for candle history
  from ``from_time`` (epoch seconds) plus live bars; the series is
  ``state.candle_series(symbol, timeframe)`` and changes show up in
  ``state.take_dirty_candles(consumer)``. ``declare_candles(owner, None)`` drops it.
* ``status`` (``StreamStatus``) and ``token`` (``TokenStatus``) are plain objects to read on the
  UI timer; ``status.last_event_age(clock.now())`` is the age of the last event.
* ``accounts`` / ``account`` / ``positions`` / ``balance`` are the latest REST data;
  ``position_views()`` joins positions with live marks (day/open P&L, greeks, beta delta).
  ``positions_wants()`` are the subscriptions positions need; the facade declares them itself
  under the owner ``"positions"``.
* ``get_chain``, ``search``, ``watchlists``, ``metrics``, ``refresh_account``,
  ``candle_history`` are REST helpers with retries; they raise ``BrokerFailure`` subclasses
  (``UnknownSymbolError`` for an unknown symbol) and never leak SDK types.
* Demo mode: the composition root (``ttai_tui.demo.demo_server``, used by the CLI, ``make_app``
  and the headless commands) passes the in-process simulated exchange as ``local_server``;
  ``start()`` starts it on this loop (a free loopback port) and connects to it through the very
  same path as live; ``stop()`` stops it. The broker never imports the exchange.
* ``broker.chains.ChainWindow(broker.subscriptions, broker.state)`` is a ready-made "N strikes
  around the money" window whose subscriptions follow the underlying (``show``/``follow``/
  ``close``); views may use it or declare their own strike sets.
* Threading: call everything on the event loop that ran ``start()`` (Textual's loop). From a
  thread worker, hop back with ``app.call_from_thread``; ``declare`` is not thread-safe.
* Start-up: ``start()`` returns once the token is fetched and, unless ``account=False``, the
  accounts, balances and positions are loaded; the stream connects in parallel, so declare
  the first subscriptions before or right after calling it. If TastyTrade cannot be reached
  at all, ``start()`` keeps retrying with the stream's backoff (``status`` says CONNECTING and
  when the next try is); ``start(retry_for=S)`` gives up after about S s with
  ``ServerUnreachable``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from ttai_tui.broker import events as ev
from ttai_tui.broker.errors import BrokerFailure, CredentialsRejectedError, ServerUnreachable
from ttai_tui.broker.tasks import cancel_all
from ttai_tui.core.clock import SYSTEM_CLOCK, Clock, ny_date
from ttai_tui.core.market_state import MarketState
from ttai_tui.core.models import (
    AccountInfo,
    Balance,
    Metrics,
    OptionChain,
    Position,
    StreamState,
    StreamStatus,
    SymbolMatch,
    TokenStatus,
    Watchlist,
)
from ttai_tui.core.portfolio import BETA_BENCHMARK, PositionView, position_view

if TYPE_CHECKING:
    from ttai_tui.broker.account import AccountService
    from ttai_tui.broker.alerts.engine import AlertEngine
    from ttai_tui.broker.alerts.store import AlertBook
    from ttai_tui.broker.orders import OrderDesk
    from ttai_tui.config import Settings, Target
    from ttai_tui.core.order_risk import OrderRisk
    from ttai_tui.core.orders import OrderRequest

log = logging.getLogger(__name__)

Listener = Callable[[ev.BrokerEvent], Any]


class LocalServer(Protocol):
    """A server the broker runs on its own loop (the demo's in-process exchange)."""

    @property
    def url(self) -> str: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def _import_sdk() -> None:
    """Import the SDK and the session module (in a worker thread; see ``Broker.start``)."""
    try:
        import ttai_tui.broker.endpoint  # noqa: F401  (imports tastytrade, its streamer too)
    except Exception:  # the session's own import reports it where it matters
        log.exception("importing the SDK ahead of the session failed")


class Broker:
    """Session + token refresher + stream supervisor + subscriptions + account data."""

    def __init__(
        self,
        target: Target,
        settings: Settings | None = None,
        state: MarketState | None = None,
        clock: Clock = SYSTEM_CLOCK,
        *,
        stream_options: dict[str, Any] | None = None,  # keyword arguments of StreamSupervisor
        session_options: dict[str, Any] | None = None,  # keyword arguments of SessionManager
        account_poll_s: float = 60.0,
        local_server: LocalServer | None = None,
    ) -> None:
        from ttai_tui.broker.session import SessionManager
        from ttai_tui.broker.streaming import StreamSupervisor
        from ttai_tui.broker.subscriptions import SubscriptionManager

        self.target = target
        self.settings = settings
        self.clock = clock
        self.state = state if state is not None else MarketState(clock)
        self._listeners: list[Listener] = []
        self.local_server = local_server
        self._local_running = False
        self.sessions = SessionManager(target, clock, emit=self.emit, **(session_options or {}))
        self.subscriptions = SubscriptionManager()
        self.stream = StreamSupervisor(
            self.sessions, self.state, self.subscriptions, clock, emit=self.emit,
            **(stream_options or {}),
        )
        self._account_poll_s = account_poll_s
        self._accounts_svc: AccountService | None = None
        self._orders: OrderDesk | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._started = False
        self.alerts: AlertEngine | None = None

    # ---- listeners ---------------------------------------------------------------------

    def add_listener(self, fn: Listener) -> None:
        """``fn(event)`` is called on the loop for every broker event; keep it cheap."""
        self._listeners.append(fn)

    def remove_listener(self, fn: Listener) -> None:
        if fn in self._listeners:
            self._listeners.remove(fn)

    def emit(self, event: ev.BrokerEvent) -> None:
        for fn in list(self._listeners):
            try:
                fn(event)
            except Exception:  # a broken listener must not break the broker
                log.exception("broker listener failed on %s", type(event).__name__)

    # ---- lifecycle -----------------------------------------------------------------------

    async def start(
        self,
        *,
        stream: bool = True,
        account: bool = True,
        account_required: bool = False,
        retry_for: float | None = None,
    ) -> None:
        """Open the session (raises CredentialsRejectedError), then start background work.

        Until the server answers (network down, DNS, timeouts, 5xx) ``start()`` keeps trying
        with the stream's backoff, publishing ``status`` as CONNECTING with the next try and
        emitting ``Connecting``; forever when ``retry_for`` is None (the dashboard,
        ``quotes --follow``), else for about ``retry_for`` seconds, then it raises
        ``ServerUnreachable`` (one-shot commands). Only refused credentials stop it at once.

        ``stream=False`` skips market data (e.g. ``ttai balances``); ``account=False`` skips
        the account poller and streamer (e.g. ``ttai quotes``). If the account data cannot be
        loaded, ``start()`` raises only with ``account_required=True`` (the headless account
        commands); otherwise it emits ``BrokerError`` and the poller keeps trying, so market
        data still streams.
        """
        if self._started:
            return
        self._started = True
        try:
            if self.local_server is not None and not self._local_running:
                # The SDK's import (~0.4 s of CPU) runs while the local exchange starts (the
                # demo's child process is still building its market), not after it.
                sdk = asyncio.create_task(asyncio.to_thread(_import_sdk))
                try:
                    await self.local_server.start()
                finally:
                    await sdk
                self._local_running = True
            await self._open_session(retry_for)
        except BaseException:
            self._started = False  # a later start() tries again from the beginning
            raise
        self._tasks.append(asyncio.create_task(self.sessions.run_refresher(), name="ttai-token"))
        if stream:
            self.stream.start()
        if account:
            from ttai_tui.broker.account import AccountService

            default = self.settings.account if self.settings else None
            svc = self._accounts_svc = AccountService(
                self.sessions, self.state, self.subscriptions, self.clock, self.emit,
                default_account=default, poll_s=self._account_poll_s,
                base_url=self._url(),
            )
            self._orders = self._make_order_desk(svc)
            try:
                await svc.load()
            except CredentialsRejectedError as e:
                self.emit(ev.CredentialsRejected(str(e)))
                raise
            except BrokerFailure as e:
                if account_required:
                    raise
                self.emit(ev.BrokerError(str(e), "account"))
            svc.start()
        if self.alerts is not None:
            self.alerts.rebuild()
            self.alerts.start()

    def enable_alerts(self, book: AlertBook | None = None) -> AlertEngine:
        """Evaluate the alerts of ``book`` (default: the data directory's) on this stream.

        Firings arrive as ``AlertFired`` listener events; see ``broker/alerts/engine.py``.
        """
        if self.alerts is not None:
            return self.alerts
        from ttai_tui.broker.alerts.engine import AlertEngine
        from ttai_tui.broker.alerts.store import AlertBook, default_path

        engine = AlertEngine(
            book if book is not None else AlertBook(default_path()),
            self.state, self.clock, self.emit,
            positions=lambda: self.positions, balance=lambda: self.balance,
            subscriptions=self.subscriptions, fetch_metrics=self.metrics,
        )
        self.alerts = engine
        self.stream.on_batch = engine.on_batch
        self.add_listener(engine.on_broker_event)
        if self._started:
            engine.start()
        return engine

    async def _open_session(self, retry_for: float | None) -> None:
        """``sessions.open`` until it succeeds, with the stream's backoff (see ``start``)."""
        st = self.stream.status
        t0 = time.monotonic()
        attempt = 0
        while True:
            st.state, st.next_try = StreamState.CONNECTING, None
            try:
                await self.sessions.open(self._url())
                st.reason = None
                return
            except CredentialsRejectedError as e:
                st.state, st.reason = StreamState.FAILED, str(e)
                self.emit(ev.CredentialsRejected(str(e)))
                raise
            except ServerUnreachable as e:
                attempt += 1
                elapsed = time.monotonic() - t0
                delay = max(self.stream.backoff(attempt, elapsed), min(e.retry_after or 0.0, 30.0))
                if retry_for is not None:
                    left = retry_for - elapsed
                    if left <= 0:
                        raise ServerUnreachable(
                            f"{e}; gave up after {elapsed:.0f}s ({attempt} attempts)"
                        ) from None
                    delay = min(delay, left)
                st.attempt, st.reason = attempt, str(e)
                st.next_try = self.clock.now() + delay
                log.info("start-up: %s; retry %d in %.1fs", e, attempt, delay)
                self.emit(ev.Connecting(attempt, delay, st.next_try, str(e)))
                await asyncio.sleep(delay)
    def _make_order_desk(self, accounts: AccountService) -> OrderDesk:
        from ttai_tui.broker.orders import OrderDesk, policy_from_settings

        desk = OrderDesk(self.sessions, accounts.sdk_account, self.emit,
                         policy_from_settings(self.settings, self.mode), risk=self._order_risk)
        self.add_listener(desk.on_event)
        self.add_listener(self._on_order_event)
        return desk

    def _order_risk(self, req: OrderRequest, net: float | None) -> OrderRisk:
        """Max profit/loss, breakevens and POP of an order (risk engine) with live data."""
        from ttai_tui.core.order_risk import order_risk

        state = self.state
        ivs = {leg.streamer_symbol: state.greeks[leg.streamer_symbol].volatility
               for leg in req.legs if leg.streamer_symbol in state.greeks}
        rate = 0.04 if self.settings is None else float(self.settings.risk.rate)
        return order_risk(req, net, state.price(req.price_symbol), ivs, self.clock.now(), rate)

    def _on_order_event(self, event: ev.BrokerEvent) -> None:
        """A fill changes positions and balances: reload them even if the account streamer
        is down (the order desk follows its own sends by polling)."""
        if (isinstance(event, ev.OrderUpdated) and event.order.filled_quantity > 0
                and self._accounts_svc is not None):
            self._accounts_svc.kick()

    @property
    def orders(self) -> OrderDesk:
        """The ``OrderDesk`` (dry run, confirm, execute, today's orders); BrokerFailure before
        the account data is started."""
        if self._orders is None:
            raise BrokerFailure("account data is not started")
        return self._orders

    async def stop(self) -> None:
        """Stop everything started by ``start()``; safe to call twice."""
        if self._orders is not None:
            await self._orders.stop()
        if self.alerts is not None:
            await self.alerts.stop()
        if self._accounts_svc is not None:
            await self._accounts_svc.stop()
        await self.stream.stop()
        await cancel_all(self._tasks)
        self._tasks.clear()
        await self.sessions.close()
        if self.local_server is not None and self._local_running:
            await self.local_server.stop()
            self._local_running = False
        self._started = False

    async def __aenter__(self) -> Broker:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _url(self) -> str | None:
        if self.local_server is not None:
            return self.local_server.url
        return self.target.url

    # ---- status --------------------------------------------------------------------------

    @property
    def status(self) -> StreamStatus:
        return self.stream.status

    @property
    def token(self) -> TokenStatus:
        return self.sessions.token_status()

    @property
    def mode(self) -> str:
        return self.target.mode

    # ---- account data ---------------------------------------------------------------------

    @property
    def accounts(self) -> list[AccountInfo]:
        return [] if self._accounts_svc is None else list(self._accounts_svc.accounts)

    @property
    def account(self) -> AccountInfo | None:
        return None if self._accounts_svc is None else self._accounts_svc.account

    @property
    def positions(self) -> list[Position]:
        return [] if self._accounts_svc is None else list(self._accounts_svc.positions)

    @property
    def balance(self) -> Balance | None:
        return None if self._accounts_svc is None else self._accounts_svc.balance

    async def select_account(self, number: str) -> None:
        """Switch the current account and reload its data (emits AccountUpdated)."""
        if self._accounts_svc is None:
            raise BrokerFailure("account data is not started")
        await self._accounts_svc.select(number)

    async def refresh_account(self) -> None:
        """Reload balances and positions now (the `r` key)."""
        if self._accounts_svc is not None:
            await self._accounts_svc.refresh()

    def position_views(self, today: date | None = None) -> list[PositionView]:
        """Positions joined with live marks; cheap enough to call on every UI tick."""
        day = today or ny_date(self.clock.now())
        return [position_view(p, self.state, day) for p in self.positions]

    def positions_wants(self) -> set[tuple[str, str]]:
        from ttai_tui.broker.account import wants_for_positions

        return wants_for_positions(self.positions)

    # ---- REST helpers -----------------------------------------------------------------------

    async def get_chain(self, symbol: str) -> OptionChain:
        """The nested option chain (cached a few minutes). UnknownSymbolError if none."""
        from ttai_tui.broker.chains import fetch_chain

        return await fetch_chain(self.sessions, symbol)

    async def resolve(self, symbol: str) -> str:
        """The streamer symbol of a typed symbol (/ES -> its active month's /ESZ26:XCME,
        BTC/USD -> BTC/USD:CXTALP). UnknownSymbolError when the exchange does not list it."""
        from ttai_tui.broker.validate import resolve_symbols

        return (await resolve_symbols(self.sessions, [symbol]))[symbol]

    async def search(self, text: str) -> list[SymbolMatch]:
        """Symbol search for completion; [] when nothing matches."""
        from ttai_tui.broker.rest import search_symbols

        return await search_symbols(self.sessions, text)

    async def watchlists(self) -> list[Watchlist]:
        """The account's own TastyTrade watchlists (private ones)."""
        from ttai_tui.broker.rest import private_watchlists

        return await private_watchlists(self.sessions)

    async def metrics(self, symbols: Iterable[str]) -> list[Metrics]:
        """IV index/rank/percentile and beta; also stored in ``state.metrics``."""
        from ttai_tui.broker.rest import market_metrics

        out = await market_metrics(self.sessions, list(symbols))
        self.state.set_metrics(out)
        return out

    async def candle_history(
        self, symbol: str, timeframe: str, from_time: float, *, timeout: float = 10.0
    ) -> None:
        """Subscribe candles and wait until the history snapshot has arrived (headless chart)."""
        owner = f"history:{symbol}:{timeframe}"
        series = self.state.candle_series(symbol, timeframe)
        start_version = series.version
        self.subscriptions.declare_candles(owner, symbol, timeframe, from_time)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            if series.version != start_version and not series.loading:
                return
            await asyncio.sleep(0.05)
        if not len(series):
            raise BrokerFailure(f"no candle data for {symbol} {timeframe}")


__all__ = ["BETA_BENCHMARK", "Broker"]
