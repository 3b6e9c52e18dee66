"""Value types of the paper account: positions, orders and the order-rejection error."""

from __future__ import annotations

from dataclasses import dataclass, field

from ttai_tui.exchange.options import OptionId


class OrderError(Exception):
    """An order the exchange rejects; becomes a 400 validation_error envelope."""


@dataclass
class Position:
    symbol: str  # ticker or OCC symbol
    underlying: str
    quantity: int  # signed: negative is short
    avg_open: float  # per share
    opened_at: float
    oid: OptionId | None = None
    realized_today: float = 0.0

    @property
    def multiplier(self) -> int:
        return 100 if self.oid else 1

    @property
    def instrument_type(self) -> str:
        return "Equity Option" if self.oid else "Equity"


@dataclass
class Order:
    id: int
    legs: list[dict[str, object]]
    order_type: str
    tif: str
    price: float | None  # unsigned, per unit of size
    effect: str  # "Credit" | "Debit" | "None"
    underlying: str
    size: int
    status: str = "Live"
    received_at: float = 0.0
    updated_at: float = 0.0
    fills: list[dict[str, object]] = field(default_factory=list)
    fill_price: float | None = None
