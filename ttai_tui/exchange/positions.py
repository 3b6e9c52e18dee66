"""Value types of the paper account: positions, orders and the order-rejection error."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ttai_tui.exchange.options import OptionId


class OrderError(Exception):
    """An order the exchange rejects. ``code`` is the API's error code; ``preflight`` errors
    (buying power, price increment, market closed) answer 422 ``preflight_check_failure`` with
    the code in ``errors`` like the real API, the others ``status`` (400 unless given) with the
    code itself as the error's code (``rest.Rest.handle``)."""

    def __init__(self, message: str, code: str = "order_rejected", preflight: bool = False,
                 status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.preflight = preflight
        self.status = status if status is not None else (422 if preflight else 400)


@dataclass
class Position:
    symbol: str  # ticker, OCC symbol, future, future option or crypto pair
    underlying: str
    quantity: float  # signed: negative is short
    avg_open: float  # per unit of price
    opened_at: float
    oid: OptionId | None = None
    realized_today: float = 0.0
    itype: str = ""  # instrument type; "" = derived (Equity / Equity Option)
    mult: float = 0.0  # multiplier; 0 = derived (1 / 100)
    product_code: str | None = None
    underlying_symbol: str | None = None  # priced underlying of options (a future for FOPs)
    strike: float | None = None
    call: bool | None = None
    expiration: dt.date | None = None

    @property
    def multiplier(self) -> float:
        return self.mult or (100 if self.oid else 1)

    @property
    def instrument_type(self) -> str:
        return self.itype or ("Equity Option" if self.oid else "Equity")


@dataclass
class Order:
    id: int
    legs: list[dict[str, object]]  # instrument-type, symbol, action, quantity (+ "_t": Tradable)
    order_type: str  # Limit | Market | Stop | Stop Limit | Notional Market
    tif: str
    price: float | None  # unsigned, per unit of size
    effect: str  # "Credit" | "Debit" | "None"
    underlying: str
    size: float
    status: str = "Live"
    received_at: float = 0.0
    updated_at: float = 0.0
    fills: list[dict[str, object]] = field(default_factory=list)
    stop_trigger: float | None = None
    value: float | None = None  # notional orders: dollars, unsigned
    value_effect: str = "None"
    gtc_date: dt.date | None = None
    filled_units: float = 0.0  # units of ``size`` filled so far
    triggered: bool = False  # stop orders: the trigger was hit
    complex_id: int | None = None
    contingent: bool = False  # OTO/OTOCO children before their trigger fills
    next_fill_at: float = 0.0  # partial fills: displayed size refreshes after this time
    underlying_type: str = "Equity"
    replaces: int | None = None
    replaced_by: int | None = None
    source: str = ""
    reject_reason: str | None = None
    external_identifier: str | None = None  # the client's reference, echoed in every answer

    @property
    def remaining_units(self) -> float:
        return max(self.size - self.filled_units, 0.0)

    @property
    def working(self) -> bool:
        return self.status in ("Live", "Received", "Contingent")
