"""Value types of the paper account: positions, orders and the order-rejection error."""

from __future__ import annotations

from dataclasses import dataclass, field

from ttai_tui.exchange.options import OptionId


class OrderError(Exception):
    """An order the exchange rejects; becomes a 400 validation_error envelope."""


@dataclass
class Position:
    symbol: str  # ticker, OCC symbol, /MESZ6, ./ESZ6 EW4Z6 261224C6100 or BTC/USD
    underlying: str
    quantity: float  # signed: negative is short (fractional for crypto)
    avg_open: float  # per share / per unit of the price
    opened_at: float
    oid: OptionId | None = None
    realized_today: float = 0.0
    kind: str | None = None  # "Future" | "Future Option" | "Cryptocurrency" (None: equity/option)
    mult: float | None = None  # contract multiplier of futures and futures options
    margin: float | None = None  # initial margin per futures contract

    @property
    def multiplier(self) -> float:
        if self.mult is not None:
            return self.mult
        return 100 if self.oid else 1

    @property
    def instrument_type(self) -> str:
        return self.kind or ("Equity Option" if self.oid else "Equity")

    @property
    def is_derivative(self) -> bool:
        return self.oid is not None or self.kind == "Future Option"


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
