"""Counters an operator or test reads from ``GET /_exchange/stats`` (or ``server.stats``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Stats:
    token_refreshes: int = 0
    refresh_failures: int = 0
    quote_tokens: int = 0
    rest_requests: int = 0
    dxlink_connections: int = 0  # total ever opened
    dxlink_active: int = 0
    account_connections: int = 0
    account_active: int = 0
    events_sent: int = 0
    frames_sent: int = 0
    events_by_type: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    orders_placed: int = 0
    orders_filled: int = 0

    def to_json(self, subscriptions: dict[str, int]) -> dict[str, object]:
        return {
            "token-refreshes": self.token_refreshes,
            "refresh-failures": self.refresh_failures,
            "quote-tokens": self.quote_tokens,
            "rest-requests": self.rest_requests,
            "connections": {
                "dxlink-total": self.dxlink_connections,
                "dxlink-active": self.dxlink_active,
                "account-total": self.account_connections,
                "account-active": self.account_active,
            },
            "subscriptions": subscriptions,
            "events-sent": self.events_sent,
            "frames-sent": self.frames_sent,
            "events-by-type": dict(self.events_by_type),
            "faults-injected": dict(self.faults),
            "orders-placed": self.orders_placed,
            "orders-filled": self.orders_filled,
        }
