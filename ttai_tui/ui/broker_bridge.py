"""Adapts `ttai_tui.broker.service.Broker` to the UI's `Bridge` interface.

Kept separate so the widgets speak in "symbols this view shows" while the broker speaks in
(event type, streamer symbol) wants; the mapping of which event types each view needs lives
here and nowhere else.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from ttai_tui.broker.errors import BrokerFailure
from ttai_tui.broker.events import BrokerEvent
from ttai_tui.core.clock import SYSTEM_CLOCK, Clock
from ttai_tui.core.market_state import MarketState
from ttai_tui.core.models import (
    AccountInfo,
    Balance,
    OptionChain,
    Position,
    StreamStatus,
    SymbolMatch,
    TokenStatus,
    Watchlist,
)

if TYPE_CHECKING:
    from ttai_tui.broker.alerts.engine import AlertEngine
    from ttai_tui.broker.alerts.store import Alert
    from ttai_tui.broker.orders import OrderDesk
    from ttai_tui.broker.service import Broker, LocalServer
    from ttai_tui.config import Settings, Target
    from ttai_tui.core.alerts import AlertSpec

log = logging.getLogger(__name__)

READY_TIMEOUT_S = 20.0
UNDERLYING_TYPES = ("Quote", "Trade", "Summary")
OPTION_TYPES = ("Quote", "Trade", "Summary", "Greeks")
CANDLE_LOOKBACK_S = {"1m": 2 * 86400, "5m": 7 * 86400, "15m": 14 * 86400, "1h": 60 * 86400, "1d": 400 * 86400}


def wants_for(symbols: set[str]) -> set[tuple[str, str]]:
    """Options (streamer symbols start with '.') need greeks; underlyings do not."""
    out: set[tuple[str, str]] = set()
    for s in symbols:
        for t in OPTION_TYPES if s.startswith(".") else UNDERLYING_TYPES:
            out.add((t, s))
    return out


class BrokerBridge:
    """The live / sandbox / demo data source for the dashboard."""

    def __init__(
        self,
        settings: Settings,
        target: Target,
        clock: Clock = SYSTEM_CLOCK,
        broker: Broker | None = None,
        *,
        local_server: LocalServer | None = None,
    ) -> None:
        from ttai_tui.broker.service import Broker

        self.clock = clock
        self.state = MarketState(clock) if broker is None else broker.state
        self.broker = broker if broker is not None else Broker(
            target, settings, self.state, clock=clock, local_server=local_server
        )
        self._shown: dict[str, set[str]] = {}
        self._ready: asyncio.Event | None = None

    def _ready_event(self) -> asyncio.Event:
        if self._ready is None:
            self._ready = asyncio.Event()
        return self._ready

    async def ready(self, timeout: float = READY_TIMEOUT_S) -> None:
        """Wait until the session is open (a key pressed during start-up just waits a moment)."""
        try:
            await asyncio.wait_for(self._ready_event().wait(), timeout)
        except TimeoutError:
            raise BrokerFailure("not connected yet (still starting or the connection failed)") from None

    # -- status ------------------------------------------------------------------------------

    def account(self) -> str | None:
        a = self.broker.account
        return None if a is None else a.number

    def accounts(self) -> list[AccountInfo]:
        return self.broker.accounts

    def stream_status(self) -> StreamStatus | None:
        return self.broker.status

    def token_status(self) -> TokenStatus | None:
        return self.broker.token

    # -- subscriptions -----------------------------------------------------------------------

    def set_subscriptions(self, owner: str, symbols: set[str]) -> None:
        self._shown[owner] = set(symbols)
        self.broker.subscriptions.declare(f"ui-{owner}", wants_for(set(symbols)))

    def set_candles(self, owner: str, symbol: str | None, timeframe: str) -> None:
        if symbol is None:
            self.broker.subscriptions.declare_candles(f"ui-{owner}", None)
            return
        start = self.clock.now() - CANDLE_LOOKBACK_S.get(timeframe, 7 * 86400)
        self.broker.subscriptions.declare_candles(f"ui-{owner}", symbol, timeframe, start)

    def underlyings_shown(self) -> list[str]:
        out: set[str] = set()
        for syms in self._shown.values():
            out.update(s for s in syms if not s.startswith("."))
        return sorted(out)

    # -- account -----------------------------------------------------------------------------

    def positions(self) -> list[Position]:
        return self.broker.positions

    def balance(self) -> Balance | None:
        return self.broker.balance

    async def refresh_account(self) -> None:
        await self.ready()
        await self.broker.refresh_account()

    async def switch_account(self, number: str) -> None:
        await self.ready()
        await self.broker.select_account(number)

    # -- alerts ------------------------------------------------------------------------------

    @property
    def alerts(self) -> AlertEngine | None:
        """The broker's AlertEngine once `enable_alerts` ran (None before)."""
        return self.broker.alerts

    def enable_alerts(self, settings: Settings) -> AlertEngine:
        """Evaluate the data directory's alerts (plus the config's rules) on this broker."""
        import time

        from ttai_tui.broker.alerts.deliver import Notifier
        from ttai_tui.broker.alerts.store import AlertBook, default_path
        from ttai_tui.core.alerts import parse_alert

        book = AlertBook(default_path())
        rules = [parse_alert(r) for r in settings.alerts.rules]
        if rules:
            book.ensure(rules, time.time())
        engine = self.broker.enable_alerts(book)
        self.notifier = Notifier.from_settings(settings.alerts)
        self.broker.add_listener(self.notifier.on_event)
        return engine

    async def add_alert(self, spec: AlertSpec, value: float | None) -> Alert:
        """Check the alert's symbol (or position) with the broker, then store and arm it."""
        from ttai_tui.broker.alerts.figures import matches
        from ttai_tui.broker.errors import UnknownSymbolError
        from ttai_tui.broker.validate import check_symbols

        engine = self.alerts
        if engine is None:
            raise BrokerFailure("alerts are not running")
        await self.ready()
        if spec.scope in ("symbol", "chart", "strategy"):
            await check_symbols(self.broker.sessions, [spec.target])
        elif spec.scope == "position" and not any(matches(p, spec.target) for p in self.broker.positions):
            raise UnknownSymbolError(f"no position {spec.target} in the account")
        alert = await asyncio.to_thread(engine.book.add, spec, self.clock.now(), value)
        engine.rebuild()
        return alert

    def remove_alert(self, alert_id: int) -> Alert:
        engine = self.alerts
        if engine is None:
            raise BrokerFailure("alerts are not running")
        a = engine.book.alerts.get(alert_id)
        if a is not None and a.origin == "config":
            raise BrokerFailure(f"alert #{alert_id} comes from the config file's [alerts] rules; remove it there")
        removed = engine.book.remove(alert_id)
        engine.rebuild()
        return removed

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self, listener: Callable[[BrokerEvent], None]) -> None:
        self.broker.add_listener(listener)
        await self.broker.start()
        self._ready_event().set()

    async def stop(self) -> None:
        await self.broker.stop()
        notifier = getattr(self, "notifier", None)
        if notifier is not None:
            await notifier.aclose()

    # -- REST --------------------------------------------------------------------------------

    async def chain(self, symbol: str) -> OptionChain:
        await self.ready()
        return await self.broker.get_chain(symbol)

    async def resolve(self, symbol: str) -> str:
        await self.ready()
        return await self.broker.resolve(symbol)

    async def search(self, text: str) -> list[SymbolMatch]:
        await self.ready()
        return await self.broker.search(text)

    async def account_watchlists(self) -> list[Watchlist]:
        await self.ready()
        return await self.broker.watchlists()

    def order_desk(self) -> OrderDesk:
        """The broker's OrderDesk (dry run, the confirmation gate, execute); BrokerFailure
        while the broker is still starting."""
        if self._ready is None or not self._ready.is_set():
            raise BrokerFailure("not connected yet (still starting or the connection failed)")
        return self.broker.orders

    def trading_mode(self) -> str:
        return str(self.broker.mode)

    async def refresh_metrics(self) -> None:
        """IV rank and beta for what is on screen (REST, so polled rather than streamed)."""
        await self.ready()
        symbols = self.underlyings_shown()
        if symbols:
            await self.broker.metrics(symbols[:100])
