"""Orders as plain data: what the user asks for, what the server says about it, and the checks
made before anything leaves the app.

Why here (pure, no I/O): the ticket, the review, the orders view and the headless commands all
build, validate and describe the same objects; the broker turns them into SDK orders and back.
Prices are always unsigned with the debit/credit stated in words; signs are an SDK detail.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from datetime import date

ACTIONS = {
    "BTO": "Buy to Open",
    "STO": "Sell to Open",
    "BTC": "Buy to Close",
    "STC": "Sell to Close",
}
ORDER_TYPES = ("Limit", "Market", "Stop", "Stop Limit")
TIFS = ("Day", "GTC", "GTD")
WORKING = frozenset({"Received", "Routed", "In Flight", "Live", "Contingent", "Cancel Requested",
                     "Replace Requested"})
TERMINAL = frozenset({"Filled", "Cancelled", "Expired", "Rejected", "Removed", "Partially Removed"})
PENNY_ROOTS = frozenset({"SPY", "QQQ", "IWM"})  # penny-pilot names: 0.01 at every price

_STREAMER_RE = re.compile(r"^\.([A-Z]{1,6})(\d{6})([CP])(\d+(?:\.\d+)?)\Z")
_OCC_RE = re.compile(r"^([A-Z]{1,6})\s*(\d{6})([CP])(\d{8})\Z")
_EQUITY_RE = re.compile(r"^[A-Z][A-Z0-9.\-/]{0,9}\Z")


class OrderInvalid(ValueError):
    """A leg, quantity or price that must not be sent; the message names the problem."""


@dataclass(frozen=True, slots=True)
class OptionSymbol:
    root: str
    expiration: date
    option_type: str  # "C" | "P"
    strike: float

    @property
    def occ(self) -> str:
        return f"{self.root:<6}{self.expiration:%y%m%d}{self.option_type}{round(self.strike * 1000):08d}"

    @property
    def streamer(self) -> str:
        k = f"{self.strike:.3f}".rstrip("0").rstrip(".")
        return f".{self.root}{self.expiration:%y%m%d}{self.option_type}{k}"

    @property
    def label(self) -> str:
        return f"{self.root} {self.expiration:%b%d'%y} {self.strike:g}{self.option_type}"


def parse_option_symbol(text: str) -> OptionSymbol | None:
    """``.SPY261218C600`` (streamer) or ``SPY   261218C00600000`` / ``SPY261218C00600000`` (OCC)."""
    s = text.strip().upper()
    m = _STREAMER_RE.match(s)
    if m:
        root, ymd, cp, k = m.groups()
        strike = float(k)
    else:
        m = _OCC_RE.match(s)
        if not m:
            return None
        root, ymd, cp, k8 = m.groups()
        strike = int(k8) / 1000.0
    try:
        exp = date(2000 + int(ymd[:2]), int(ymd[2:4]), int(ymd[4:]))
    except ValueError:
        return None
    if strike <= 0:
        return None
    return OptionSymbol(root, exp, cp, strike)


@dataclass(frozen=True, slots=True)
class OrderLeg:
    """One leg: ``action`` is the API's words ("Buy to Open"), ``symbol`` the OCC or ticker."""

    action: str
    quantity: int
    symbol: str
    instrument_type: str = "Equity"  # "Equity" | "Equity Option"

    @property
    def is_buy(self) -> bool:
        return self.action.startswith("Buy")

    @property
    def option(self) -> OptionSymbol | None:
        return parse_option_symbol(self.symbol) if self.instrument_type == "Equity Option" else None

    @property
    def underlying(self) -> str:
        o = self.option
        return o.root if o is not None else self.symbol

    @property
    def streamer_symbol(self) -> str:
        o = self.option
        return o.streamer if o is not None else self.symbol

    @property
    def multiplier(self) -> int:
        return 100 if self.instrument_type == "Equity Option" else 1

    @property
    def label(self) -> str:
        o = self.option
        return f"{self.action} {self.quantity} {o.label if o else self.symbol}"


def make_leg(action: str, quantity: int, symbol: str) -> OrderLeg:
    """A leg from user words: BTO/STO/BTC/STC (or the API's words), a ticker, OCC or streamer symbol."""
    act = ACTIONS.get(action.strip().upper(), action.strip())
    if act not in ACTIONS.values():
        raise OrderInvalid(f"unknown action {action!r}: use BTO, STO, BTC or STC")
    opt = parse_option_symbol(symbol)
    if opt is not None:
        return OrderLeg(act, quantity, opt.occ, "Equity Option")
    sym = symbol.strip().upper()
    if not _EQUITY_RE.match(sym):
        raise OrderInvalid(f"{symbol!r} is neither a stock symbol nor an option symbol "
                           "(like .SPY261218C600 or SPY   261218C00600000)")
    return OrderLeg(act, quantity, sym, "Equity")


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What the user wants to send. ``price`` is per unit of the order (net for spreads),
    unsigned; ``price_effect`` says Debit or Credit. Market orders have no price."""

    legs: tuple[OrderLeg, ...]
    order_type: str = "Limit"
    tif: str = "Day"
    price: float | None = None
    price_effect: str | None = None  # "Debit" | "Credit"
    stop_trigger: float | None = None
    gtd_date: date | None = None

    @property
    def underlying(self) -> str:
        return self.legs[0].underlying if self.legs else ""

    @property
    def size(self) -> int:
        return math.gcd(*(leg.quantity for leg in self.legs)) if self.legs else 0

    @property
    def multiplier(self) -> int:
        return max((leg.multiplier for leg in self.legs), default=1)

    @property
    def quantity(self) -> int:
        return sum(leg.quantity for leg in self.legs)

    def notional(self) -> float | None:
        """Price x size x multiplier: the money the order moves at its price (None: market)."""
        px = self.price if self.price is not None else self.stop_trigger
        if px is None:
            return None
        return px * self.size * self.multiplier

    def with_price(self, price: float) -> OrderRequest:
        return replace(self, price=round(price, 4))


def price_words(price: float | None, effect: str | None) -> str:
    """``1.25 debit`` / ``0.80 credit`` / ``market``: the direction in words, never a sign."""
    if price is None:
        return "market"
    word = (effect or "").lower()
    return f"{price:.2f} {word}".strip()


def signed_net(price: float, effect: str | None) -> float:
    """+ credit / - debit, for arithmetic only."""
    return price if effect == "Credit" else -price


def tick_size(leg: OrderLeg, price: float) -> float:
    """Minimum price increment: stocks 0.01; options 0.01 below 3.00 (and for penny-pilot
    names at any price), 0.05 from 3.00."""
    if leg.instrument_type != "Equity Option":
        return 0.01
    if leg.underlying in PENNY_ROOTS or abs(price) < 3.0:
        return 0.01
    return 0.05


def order_tick(req: OrderRequest, price: float) -> float:
    """A multi-leg option order trades in 0.01 increments; single legs use their own tick."""
    if len(req.legs) > 1:
        return 0.01
    return tick_size(req.legs[0], price) if req.legs else 0.01


def step_price(req: OrderRequest, price: float, steps: int) -> float:
    """Move ``price`` by ``steps`` ticks, snapped to the tick grid, never below one tick."""
    tick = order_tick(req, price)
    snapped = round(round(price / tick) * tick, 4)
    moved = round(snapped + steps * tick, 4)
    tick2 = order_tick(req, moved)
    if tick2 != tick:
        moved = round(round(moved / tick2) * tick2, 4)
    return max(tick2, moved)


def on_tick(req: OrderRequest, price: float) -> bool:
    tick = order_tick(req, price)
    return abs(price / tick - round(price / tick)) < 1e-6


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-order caps from [trading]; 0 disables a cap."""

    max_quantity: int = 0
    max_notional: float = 0.0


def validate(req: OrderRequest, limits: Limits = Limits(), today: date | None = None) -> None:
    """Raise OrderInvalid naming the first problem; nothing is sent when this raises."""
    if not req.legs:
        raise OrderInvalid("the order has no legs")
    if len(req.legs) > 4:
        raise OrderInvalid("an order has at most 4 legs")
    seen: set[str] = set()
    unds = set()
    for i, leg in enumerate(req.legs, 1):
        if leg.action not in ACTIONS.values():
            raise OrderInvalid(f"leg {i}: unknown action {leg.action!r}")
        if not isinstance(leg.quantity, int) or leg.quantity <= 0:
            raise OrderInvalid(f"leg {i}: quantity must be a whole number above 0 (got {leg.quantity})")
        if leg.instrument_type == "Equity Option":
            o = leg.option
            if o is None:
                raise OrderInvalid(f"leg {i}: {leg.symbol!r} is not a valid option symbol")
            if today is not None and o.expiration < today:
                raise OrderInvalid(f"leg {i}: {o.label} expired on {o.expiration}")
        elif leg.instrument_type == "Equity":
            if not _EQUITY_RE.match(leg.symbol):
                raise OrderInvalid(f"leg {i}: {leg.symbol!r} is not a valid stock symbol")
        else:
            raise OrderInvalid(f"leg {i}: {leg.instrument_type} orders are not supported by ttai yet")
        if leg.symbol in seen:
            raise OrderInvalid(f"leg {i}: {leg.symbol.strip()} appears twice")
        seen.add(leg.symbol)
        unds.add(leg.underlying)
    if len(unds) > 1:
        raise OrderInvalid("all legs must share one underlying (got " + ", ".join(sorted(unds)) + ")")
    if req.order_type not in ORDER_TYPES:
        raise OrderInvalid(f"unknown order type {req.order_type!r}")
    if req.tif not in TIFS:
        raise OrderInvalid(f"unknown time in force {req.tif!r}")
    if req.tif == "GTD":
        if req.gtd_date is None:
            raise OrderInvalid("a GTD order needs a date")
        if today is not None and req.gtd_date <= today:
            raise OrderInvalid(f"the GTD date {req.gtd_date} is not after today")
    if req.order_type in ("Limit", "Stop Limit"):
        if req.price is None or not math.isfinite(req.price):
            raise OrderInvalid(f"a {req.order_type.lower()} order needs a price")
        if req.price < 0:
            raise OrderInvalid("the price is unsigned; say debit or credit instead of a sign")
        if req.price == 0 and len(req.legs) == 1:
            raise OrderInvalid("the price must be above 0")
        if req.price_effect not in ("Debit", "Credit"):
            raise OrderInvalid("say whether the price is a debit or a credit")
        if not on_tick(req, req.price):
            raise OrderInvalid(f"the price {req.price:.2f} is not a multiple of the tick "
                               f"{order_tick(req, req.price):.2f}")
    if req.order_type in ("Stop", "Stop Limit"):
        if len(req.legs) > 1:
            raise OrderInvalid("stop orders have one leg")
        if req.stop_trigger is None or not math.isfinite(req.stop_trigger) or req.stop_trigger <= 0:
            raise OrderInvalid("a stop order needs a stop price above 0")
    if req.order_type == "Market" and req.price is not None:
        raise OrderInvalid("a market order has no price")
    if limits.max_quantity and any(leg.quantity > limits.max_quantity for leg in req.legs):
        raise OrderInvalid(f"quantity above the configured cap of {limits.max_quantity} per leg "
                           "([trading] max_quantity)")
    notional = req.notional()
    if limits.max_notional and notional is not None and notional > limits.max_notional:
        raise OrderInvalid(f"notional {notional:,.2f} is above the configured cap of "
                           f"{limits.max_notional:,.2f} ([trading] max_notional)")


def natural_and_mid(req: OrderRequest, quotes: dict[str, tuple[float | None, float | None]]
                    ) -> tuple[float | None, float | None]:
    """(natural, mid) per unit of size, signed + credit / - debit; None if a quote is missing.
    ``quotes`` maps streamer symbol -> (bid, ask). Natural buys at the ask and sells at the bid."""
    size = req.size or 1
    nat = mid = 0.0
    for leg in req.legs:
        bid, ask = quotes.get(leg.streamer_symbol, (None, None))
        if bid is None or ask is None:
            return None, None
        ratio = leg.quantity / size
        if leg.is_buy:
            nat -= ratio * ask
            mid -= ratio * (bid + ask) / 2
        else:
            nat += ratio * bid
            mid += ratio * (bid + ask) / 2
    return round(nat, 4), round(mid, 4)


# ---- what the server says -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LegState:
    symbol: str
    instrument_type: str
    action: str
    quantity: float
    remaining: float | None

    @property
    def filled(self) -> float:
        return self.quantity - (self.remaining if self.remaining is not None else self.quantity)


@dataclass(frozen=True, slots=True)
class OrderInfo:
    """A placed order as the server reports it (REST or the account streamer)."""

    id: str
    account: str
    status: str
    order_type: str
    tif: str
    underlying: str
    legs: tuple[LegState, ...]
    price: float | None = None
    price_effect: str | None = None
    stop_trigger: float | None = None
    size: float | None = None
    received_at: float | None = None  # epoch seconds
    updated_at: float | None = None
    terminal_at: float | None = None
    reject_reason: str | None = None
    complex_order_id: str | None = None
    complex_order_tag: str | None = None
    cancellable: bool = False
    editable: bool = False

    @property
    def working(self) -> bool:
        return self.status in WORKING

    @property
    def filled_quantity(self) -> float:
        return sum(leg.filled for leg in self.legs)

    @property
    def quantity(self) -> float:
        return sum(leg.quantity for leg in self.legs)

    def request(self) -> OrderRequest:
        """The same order as a request (for replace: same legs, new price)."""
        return OrderRequest(
            tuple(OrderLeg(leg.action, int(leg.quantity), leg.symbol, leg.instrument_type)
                  for leg in self.legs),
            self.order_type, self.tif if self.tif in TIFS else "Day", self.price,
            self.price_effect if self.price_effect in ("Debit", "Credit") else None,
            self.stop_trigger,
        )


@dataclass(frozen=True, slots=True)
class Review:
    """The dry run's answer, plus ttai's own max profit/loss and breakevens.

    Money is signed + for money in / buying power gained and - for money out / used, and shown
    in words. ``errors`` non-empty means the server would refuse it: it cannot be sent.
    """

    request: OrderRequest
    buying_power_effect: float  # + frees buying power, - uses it
    current_buying_power: float | None
    new_buying_power: float | None
    margin_requirement_change: float | None
    fees: float  # total, >= 0 means a cost
    warnings: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    max_profit: float | None = None  # None: unlimited / unknown (see risk_note)
    max_loss: float | None = None
    breakevens: tuple[float, ...] = ()
    pop: float | None = None  # probability of profit at expiration (risk engine)
    risk_note: str = ""
    account: str = ""
    replaces: str | None = None  # order id this review would replace
    extras: dict[str, str] = field(default_factory=dict)

    @property
    def sendable(self) -> bool:
        return not self.errors


def money_words(value: float | None) -> str:
    """``$123.40 debit`` / ``$80.00 credit`` for signed cash (+ in, - out)."""
    if value is None:
        return "—"
    if abs(value) < 0.005:
        return "$0.00"
    return f"${abs(value):,.2f} {'credit' if value > 0 else 'debit'}"


def bp_words(value: float | None) -> str:
    """Buying-power change in words: ``uses $500.00`` / ``frees $120.00``."""
    if value is None:
        return "—"
    if abs(value) < 0.005:
        return "no change"
    return f"{'frees' if value > 0 else 'uses'} ${abs(value):,.2f}"


def _dollars(v: float | None) -> str:
    return "—" if v is None else f"${v:,.2f}"


def order_summary(req: OrderRequest) -> str:
    """``Limit 1.25 debit, Day`` (the price in words)."""
    if req.order_type == "Market":
        head = "Market"
    elif req.order_type == "Stop":
        head = f"Stop at {req.stop_trigger:.2f}" if req.stop_trigger is not None else "Stop"
    elif req.order_type == "Stop Limit":
        stop = f"{req.stop_trigger:.2f}" if req.stop_trigger is not None else "—"
        head = f"Stop {stop}, limit {price_words(req.price, req.price_effect)}"
    else:
        head = f"Limit {price_words(req.price, req.price_effect)}"
    tif = f"GTD {req.gtd_date}" if req.tif == "GTD" and req.gtd_date else req.tif
    return f"{head}, {tif}"


def review_rows(review: Review) -> list[tuple[str, str]]:
    """The review as (label, text) rows: the same words in the ticket's review and the CLI."""
    req = review.request
    rows = [(f"Leg {i}", leg.label) for i, leg in enumerate(req.legs, 1)]
    rows.append(("Order", order_summary(req)))
    notional = req.notional()
    if notional is not None and req.price_effect in ("Debit", "Credit"):
        rows.append(("Total", f"{_dollars(notional)} {req.price_effect.lower()}"))
    rows += [
        ("Buying power", bp_words(review.buying_power_effect)),
        ("Current BP", _dollars(review.current_buying_power)),
        ("New BP", _dollars(review.new_buying_power)),
        ("Fees", _dollars(review.fees)),
        ("Max profit", "unlimited" if review.max_profit is None and "profit unlimited" in review.risk_note
         else _dollars(review.max_profit)),
        ("Max loss", "unlimited" if review.max_loss is None and "loss unlimited" in review.risk_note
         else _dollars(review.max_loss)),
        ("Breakevens", ", ".join(f"{b:.2f}" for b in review.breakevens) or "—"),
    ]
    if review.pop is not None:
        rows.append(("Prob. of profit", f"{review.pop * 100:.0f}%"))
    if review.risk_note:
        rows.append(("Note", review.risk_note))
    if review.replaces:
        rows.insert(0, ("Replaces", f"order {review.replaces}"))
    rows += [("Warning", w) for w in review.warnings]
    rows += [("Error", e) for e in review.errors]
    return rows
