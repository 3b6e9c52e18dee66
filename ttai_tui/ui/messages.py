"""Discrete happenings as Textual messages (never one per tick).

The broker's listener callback and the widgets post these; handlers on the app and the
dashboard screen turn them into status-bar state, notifications and navigation.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class BrokerEvent(Message):
    """Something the broker reported (connected, reconnecting, token refreshed, fill, error)."""

    kind: str
    detail: str = ""
    severity: str = "information"


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
class AlertFired(Message):
    """An alert fired (the broker's AlertFired, carried to the UI)."""

    alert_id: int
    text: str
    value: float
    unit: str = ""
    local: bool = True  # False: another ttai process saw it (bell only for our own)
