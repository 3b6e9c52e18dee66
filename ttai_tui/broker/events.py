"""Plain domain events the broker hands to listeners (``Broker.add_listener``).

Why plain dataclasses: the broker never imports Textual; the UI wraps these into Messages, the
headless commands print them. They never carry secrets or SDK objects.
"""

from __future__ import annotations

from dataclasses import dataclass

from ttai_tui.core.models import AccountInfo
from ttai_tui.core.orders import OrderInfo


@dataclass(slots=True, frozen=True)
class Connected:
    """The market-data stream is authorised and (re)subscribed."""

    attempt: int  # 0 on the first connection, >0 after reconnects
    at: float


@dataclass(slots=True, frozen=True)
class DataFlowing:
    """The first market data of a connection is in MarketState (once per connection): a view
    can draw it now instead of at its next refresh tick."""

    attempt: int  # as in the Connected event of the same connection
    at: float


@dataclass(slots=True, frozen=True)
class Connecting:
    """Start-up could not reach the server yet; the next attempt is at ``next_try``."""

    attempt: int
    delay: float
    next_try: float
    reason: str


@dataclass(slots=True, frozen=True)
class Reconnecting:
    """The stream dropped; the next attempt is at ``next_try`` (clock time)."""

    attempt: int
    delay: float
    next_try: float
    reason: str


@dataclass(slots=True, frozen=True)
class StreamFailed:
    """The stream gave up for good (only for unrecoverable causes such as bad credentials)."""

    reason: str


@dataclass(slots=True, frozen=True)
class TokenRefreshed:
    """The access token was renewed; ``expires_at`` is epoch seconds."""

    expires_at: float
    refreshes: int


@dataclass(slots=True, frozen=True)
class AccountUpdated:
    """Balances and/or positions of ``account`` were reloaded (read them from the Broker)."""

    account: AccountInfo
    positions: bool = True
    balances: bool = True


@dataclass(slots=True, frozen=True)
class OrderFilled:
    """An order of the current account filled (from the account streamer)."""

    account: str
    order_id: str
    symbol: str
    description: str


@dataclass(slots=True, frozen=True)
class OrderUpdated:
    """An order of the current account changed (a send's answer or an account-streamer push)."""

    order: OrderInfo


@dataclass(slots=True, frozen=True)
class BrokerError:
    """Something failed that the user should hear about (the broker keeps running)."""

    message: str
    where: str = ""


@dataclass(slots=True, frozen=True)
class CredentialsRejected:
    """The provider secret / refresh token were refused. Show a modal; never echo them."""

    message: str


@dataclass(slots=True, frozen=True)
class AlertFired:
    """An alert crossed its level on fresh data (``broker.alerts``); ``at`` is clock time."""

    alert_id: int
    text: str
    value: float
    reference: float | None  # the level, or the indicator's value / the level touched
    at: float
    fires: int
    unit: str = ""
    local: bool = True  # False: fired in another process (seen in the alerts file)


BrokerEvent = (
    Connected
    | DataFlowing
    | Connecting
    | Reconnecting
    | StreamFailed
    | TokenRefreshed
    | AccountUpdated
    | OrderFilled
    | OrderUpdated
    | BrokerError
    | CredentialsRejected
    | AlertFired
)
