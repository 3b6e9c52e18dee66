"""What the UI needs from the broker, in one narrow interface.

Why: widgets must never touch the network, and the UI should not care whether data comes from
a live account, the sandbox or the in-process demo exchange. `BrokerBridge` (ui/broker_bridge.py)
adapts `ttai_tui.broker.service.Broker` to this; `StaticBridge` serves a fixed MarketState for
snapshot tests (a frozen, deterministic screen) and for the window before the broker is up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, cast, runtime_checkable

from textual.message_pump import MessagePump
from textual.types import NoActiveAppError

from ttai_tui.broker.events import BrokerEvent
from ttai_tui.core.clock import SYSTEM_CLOCK, Clock
from ttai_tui.core.market_state import MarketState

if TYPE_CHECKING:
    from ttai_tui.broker.alerts.engine import AlertEngine
    from ttai_tui.broker.alerts.store import Alert
    from ttai_tui.broker.orders import OrderDesk
    from ttai_tui.config import Settings
    from ttai_tui.core.alerts import AlertSpec

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


class Bridge(Protocol):
    state: MarketState
    clock: Clock

    def account(self) -> str | None: ...
    def accounts(self) -> list[AccountInfo]: ...
    def stream_status(self) -> StreamStatus | None: ...
    def token_status(self) -> TokenStatus | None: ...
    def set_subscriptions(self, owner: str, symbols: set[str]) -> None: ...
    def set_candles(self, owner: str, symbol: str | None, timeframe: str) -> None: ...
    def positions(self) -> list[Position]: ...
    def balance(self) -> Balance | None: ...
    async def start(self, listener: Callable[[BrokerEvent], None]) -> None: ...
    async def stop(self) -> None: ...
    async def chain(self, symbol: str) -> OptionChain: ...
    async def search(self, text: str) -> list[SymbolMatch]: ...
    async def resolve(self, symbol: str) -> str: ...
    async def account_watchlists(self) -> list[Watchlist]: ...
    async def refresh_account(self) -> None: ...
    async def switch_account(self, number: str) -> None: ...
    async def refresh_metrics(self) -> None: ...
    def order_desk(self) -> OrderDesk: ...
    def trading_mode(self) -> str: ...
    @property
    def alerts(self) -> AlertEngine | None: ...
    def enable_alerts(self, settings: Settings) -> AlertEngine | None: ...
    async def add_alert(self, spec: AlertSpec, value: float | None) -> Alert: ...
    def remove_alert(self, alert_id: int) -> Alert: ...


class StaticBridge:
    """A bridge over a MarketState that someone else fills (snapshot fixtures, startup)."""

    def __init__(
        self,
        state: MarketState | None = None,
        clock: Clock = SYSTEM_CLOCK,
        *,
        chains: dict[str, OptionChain] | None = None,
        positions: list[Position] | None = None,
        balance: Balance | None = None,
        account: str | None = None,
        stream: StreamStatus | None = None,
        token: TokenStatus | None = None,
        matches: list[SymbolMatch] | None = None,
    ) -> None:
        self.clock = clock
        self.state = state if state is not None else MarketState(clock)
        self.chains = chains or {}
        self._positions = positions or []
        self._balance = balance
        self._account = account
        self._stream = stream
        self._token = token
        self._matches = matches or []
        self.subscriptions: dict[str, set[str]] = {}
        self.candles: dict[str, tuple[str | None, str]] = {}
        self.refreshes = 0

    def account(self) -> str | None:
        return self._account

    def accounts(self) -> list[AccountInfo]:
        return [AccountInfo(self._account)] if self._account else []

    def stream_status(self) -> StreamStatus | None:
        return self._stream

    def token_status(self) -> TokenStatus | None:
        return self._token

    def set_subscriptions(self, owner: str, symbols: set[str]) -> None:
        self.subscriptions[owner] = set(symbols)

    def set_candles(self, owner: str, symbol: str | None, timeframe: str) -> None:
        self.candles[owner] = (symbol, timeframe)

    def positions(self) -> list[Position]:
        return self._positions

    def balance(self) -> Balance | None:
        return self._balance

    async def start(self, listener: Callable[[BrokerEvent], None]) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def chain(self, symbol: str) -> OptionChain:
        from ttai_tui.broker.errors import UnknownSymbolError

        try:
            return self.chains[symbol]
        except KeyError:
            raise UnknownSymbolError(f"no option chain for {symbol}") from None

    async def search(self, text: str) -> list[SymbolMatch]:
        t = text.upper()
        return [m for m in self._matches if m.symbol.startswith(t)]

    async def resolve(self, symbol: str) -> str:
        """No exchange to ask: say so instead of guessing a streamer symbol."""
        from ttai_tui.broker.errors import BrokerFailure

        raise BrokerFailure(f"cannot look up {symbol} until the broker is connected")

    async def account_watchlists(self) -> list[Watchlist]:
        return []

    async def refresh_account(self) -> None:
        self.refreshes += 1

    async def switch_account(self, number: str) -> None:
        self._account = number

    async def refresh_metrics(self) -> None:
        return None

    def order_desk(self) -> OrderDesk:
        """No trading on a static bridge (snapshots, start-up): say so instead of pretending."""
        from ttai_tui.broker.errors import BrokerFailure

        raise BrokerFailure("trading is not available until the broker is connected")

    def trading_mode(self) -> str:
        return "demo"

    # no broker to evaluate alerts on (snapshots, start-up): none run, and adding one says so
    @property
    def alerts(self) -> AlertEngine | None:
        return None

    def enable_alerts(self, settings: Settings) -> AlertEngine | None:
        return None

    async def add_alert(self, spec: AlertSpec, value: float | None) -> Alert:
        from ttai_tui.broker.errors import BrokerFailure

        raise BrokerFailure("alerts are not running")

    def remove_alert(self, alert_id: int) -> Alert:
        from ttai_tui.broker.errors import BrokerFailure

        raise BrokerFailure("alerts are not running")


@runtime_checkable
class BridgeHost(Protocol):
    """An app that carries a bridge (TtaiApp); widget tests may mount views in a plain App."""

    bridge: Bridge


_HOST_TYPES: set[type] = set()


def bridge_of(node: MessagePump) -> Bridge | None:
    """The bridge of the app ``node`` runs in; None outside a ttai app (or with no app).

    Views call this on every flush (the chain once per row), and an ``isinstance`` against a
    runtime-checkable Protocol inspects the class's members each time (about 30 µs, 16 % of a
    flush under streaming), so a class whose instance carried a bridge is remembered (TtaiApp
    sets it in its constructor, before any view exists).
    """
    try:
        app = node.app
    except NoActiveAppError:
        return None
    if type(app) in _HOST_TYPES:
        return cast(BridgeHost, app).bridge
    if isinstance(app, BridgeHost):
        _HOST_TYPES.add(type(app))
        return app.bridge
    return None


def require_bridge(node: MessagePump) -> Bridge:
    """``bridge_of(node)`` for views that cannot work without one."""
    bridge = bridge_of(node)
    if bridge is None:
        raise LookupError(f"{type(node).__name__} needs a ttai app with a bridge")
    return bridge
