"""Discrete happenings as Textual messages (never one per tick).

The broker's listener callback and the widgets post these; handlers on the app and the
dashboard screen turn them into status-bar state, notifications and navigation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual.message import Message
from textual.notifications import SeverityLevel


@dataclass
class BrokerEvent(Message):
    """Something the broker reported (connected, reconnecting, token refreshed, fill, error)."""

    kind: str
    detail: str = ""
    severity: SeverityLevel = "information"


@dataclass
class AuthFailed(Message):
    """Credentials were refused: show the login modal (message has no secrets)."""

    reason: str


@dataclass
class AccountDataChanged(Message):
    """Positions / balances were (re)loaded; the views re-diff their rows."""


@dataclass
class OpenSymbol(Message):
    """Open this underlying in the chain and the chart (watchlist `enter`, palette)."""

    symbol: str


@dataclass
class AccountWatchlists(Message):
    """The account's TastyTrade watchlists arrived: (name, symbols) pairs."""

    lists: list[tuple[str, tuple[str, ...]]]


@dataclass
class OpenTicket(Message):
    """Open the order ticket with these legs (core OrderLeg); ``context`` is a TicketContext
    (the chain it came from) or None. With a ticket parked (`a` in the ticket), the legs are
    added to it instead."""

    legs: list[Any]
    title: str = "Order"
    context: Any = None
    order_type: str = "Limit"


@dataclass
class OrdersChanged(Message):
    """An order of the account changed (send answer or account-streamer push)."""

    order: Any = field(default=None)


def trade_symbol(symbol: str) -> OpenTicket:
    """A ticket for ``symbol`` (watchlist `T`, the command palette): shares of a stock, one
    futures contract (``/ES`` or ``/ESZ26:XCME``: the ticket looks the contract up), or one unit
    of a crypto pair (the quantity takes fractions)."""
    from ttai_tui.core.orders import (
        CRYPTO,
        EQUITY,
        FUTURE,
        FUTURE_OPTION,
        OrderInvalid,
        OrderLeg,
        instrument_type_of,
        make_leg,
    )

    itype = instrument_type_of(symbol)
    what = {FUTURE: "future", FUTURE_OPTION: "futures option", CRYPTO: "crypto"}.get(itype, "shares")
    try:
        leg = make_leg("BUY" if itype in (FUTURE, CRYPTO) else "BTO", 1, symbol)
    except OrderInvalid as e:  # an index or odd symbol: the ticket will say it cannot be traded
        import logging

        logging.getLogger("ttai_tui.ui").info("ticket for %r: %s", symbol, e)
        leg = OrderLeg("Buy to Open", 1, symbol, EQUITY)
    return OpenTicket([leg], f"{symbol.split(':', 1)[0]} {what}")


@dataclass
class AlertFired(Message):
    """An alert fired (the broker's AlertFired, carried to the UI)."""

    alert_id: int
    text: str
    value: float
    unit: str = ""
    local: bool = True  # False: another ttai process saw it (bell only for our own)
