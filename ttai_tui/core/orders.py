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
from decimal import Decimal, InvalidOperation

ACTIONS = {
    "BTO": "Buy to Open",
    "STO": "Sell to Open",
    "BTC": "Buy to Close",
    "STC": "Sell to Close",
}
ORDER_TYPES = ("Limit", "Market", "Stop", "Stop Limit")
NOTIONAL = "Notional Market"  # crypto bought or sold for a dollar amount (no quantity)
#: the API's instrument-type strings of what ttai trades
EQUITY, EQUITY_OPTION, FUTURE, FUTURE_OPTION, CRYPTO = (
    "Equity", "Equity Option", "Future", "Future Option", "Cryptocurrency")
#: legs whose contract terms (multiplier, tick, expiry) come from the server (``Instrument``)
LOOKED_UP = frozenset({FUTURE, FUTURE_OPTION, CRYPTO})
#: the action words each instrument type takes (futures: also plain Buy/Sell)
TYPE_ACTIONS = {
    EQUITY: frozenset(ACTIONS.values()),
    EQUITY_OPTION: frozenset(ACTIONS.values()),
    FUTURE: frozenset({*ACTIONS.values(), "Buy", "Sell"}),
    FUTURE_OPTION: frozenset(ACTIONS.values()),
    CRYPTO: frozenset({"Buy to Open", "Sell to Close"}),
}
TIFS = ("Day", "GTC", "GTD")
WORKING = frozenset({"Received", "Routed", "In Flight", "Live", "Contingent", "Cancel Requested",
                     "Replace Requested"})
TERMINAL = frozenset({"Filled", "Cancelled", "Expired", "Rejected", "Removed", "Partially Removed"})
PENNY_ROOTS = frozenset({"SPY", "QQQ", "IWM"})  # penny-pilot names: 0.01 at every price
#: decimals a price keeps: 1/64 ticks (/ZN 110.515625) need 6, small crypto pairs' ticks more
PRICE_DECIMALS = 8

_STREAMER_RE = re.compile(r"^\.([A-Z]{1,6})(\d{6})([CP])(\d+(?:\.\d+)?)\Z")
_OCC_RE = re.compile(r"^([A-Z]{1,6})\s*(\d{6})([CP])(\d{8})\Z")
_EQUITY_RE = re.compile(r"^[A-Z][A-Z0-9.\-/]{0,9}\Z")
#: /ES (a product: its active month) or /ESZ6, /ESZ26 (a contract); a venue suffix is dropped
_FUTURE_RE = re.compile(r"^/[A-Z0-9]{1,7}\Z")
#: ./ESZ6 EW4Z6 261218C6000: future code, option contract code, yymmdd, C|P, strike
_FOP_TAIL_RE = re.compile(r"^(\d{6})([CP])(\d+(?:\.\d+)?)\Z")
_FOP_CODE_RE = re.compile(r"^[A-Z0-9]{2,6}\Z")
_CRYPTO_RE = re.compile(r"^[A-Z0-9]{2,8}/USD\Z")


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


def fop_symbol(text: str) -> str | None:
    """A futures-option symbol in the API's spacing (future code padded to 5, contract code to 6),
    from what a user typed with any spaces, or None when it is not one."""
    s = text.strip().upper()
    if not s.startswith("./"):
        return None
    parts = s[2:].split()
    if len(parts) == 2 and len(parts[0]) > 5:  # ./MCLM5MW2K5 250509C62.5: a 5-character future
        parts = [parts[0][:5], parts[0][5:], parts[1]]
    if len(parts) != 3 or not all(_FOP_CODE_RE.match(x) for x in parts[:2]):
        return None
    fut, code, tail = parts
    if not _FOP_TAIL_RE.match(tail):
        return None
    return f"./{fut:<5}{code:<6}{tail}"


def instrument_type_of(symbol: str) -> str:
    """The instrument type a symbol's shape says (``/ES`` Future, ``./ES..`` Future Option,
    ``BTC/USD`` Cryptocurrency, ``.SPY..`` or OCC Equity Option, else Equity)."""
    s = symbol.strip().upper().split(":", 1)[0]
    if s.startswith("./"):
        return FUTURE_OPTION
    if s.startswith("/"):
        return FUTURE
    if _CRYPTO_RE.match(s):
        return CRYPTO
    if parse_option_symbol(s) is not None:
        return EQUITY_OPTION
    return EQUITY


def tick_at(ticks: tuple[tuple[float, float | None], ...], price: float) -> float:
    """The increment at ``price`` from the API's tick sizes: (tick, below this price) pairs, the
    last without a threshold (``[{value 0.05, threshold 10}, {value 0.25}]``)."""
    for tick, below in ticks:
        if below is None or abs(price) < below:
            return tick
    return ticks[-1][0] if ticks else 0.01


@dataclass(frozen=True, slots=True)
class Instrument:
    """A future, futures option or crypto pair as the server describes it (the broker looks it
    up before a ticket opens or a dry run): the contract terms an order is checked against."""

    symbol: str  # the API's symbol: /ESZ6, ./ESZ6 EW4Z6 261218C6000, BTC/USD
    instrument_type: str
    streamer_symbol: str  # /ESZ26:XCME, ./EW4Z26C6000:XCME, BTC/USD:CXTALP
    underlying: str  # what all legs of one order share: the product (/ES) or the pair
    multiplier: float  # dollars per 1.00 of price per unit of quantity (ES 50, CL 1000)
    ticks: tuple[tuple[float, float | None], ...] = ((0.01, None),)
    quantity_decimals: int = 0  # crypto: digits after the point a quantity may have
    expiration: date | None = None
    closing_only: bool = False
    description: str = ""
    typed: str = ""  # what the user typed when it differs (/ES for the active month /ESZ6)
    price_symbol: str = ""  # streamer symbol whose price drives it (a future for its options)
    option_type: str | None = None  # futures options: "C" | "P", strike
    strike: float | None = None
    roll_target: str = ""  # futures: the contract a roll moves to (the next active month)

    @property
    def fractional(self) -> bool:
        return self.quantity_decimals > 0

    @property
    def resolved_note(self) -> str:
        """``/ES is /ESZ6 (Dec 2026, active month)`` when the user named the product."""
        if not self.typed or self.typed == self.symbol:
            return ""
        when = f"{self.expiration:%b %Y}, " if self.expiration else ""
        return f"{self.typed} is {self.symbol} ({when}active month)"


def parse_quantity(text: str, what: str = "quantity") -> int | Decimal:
    """``2`` -> 2, ``0.5`` -> Decimal("0.5"); OrderInvalid for anything else or <= 0."""
    try:
        d = Decimal(text.strip())
    except InvalidOperation:
        raise OrderInvalid(f"{what} {text!r} is not a number") from None
    if not d.is_finite() or d <= 0:
        raise OrderInvalid(f"{what} {text!r} must be a number above 0")
    return int(d) if d == d.to_integral_value() else d.normalize()


def quantity_text(q: int | Decimal | float) -> str:
    return f"{q:g}" if isinstance(q, float) else format(q, "f") if isinstance(q, Decimal) else str(q)


@dataclass(frozen=True, slots=True)
class OrderLeg:
    """One leg: ``action`` is the API's words ("Buy to Open"), ``symbol`` the OCC or ticker."""

    action: str
    quantity: int | Decimal  # Decimal only for a crypto fraction; 0 in a notional order
    symbol: str
    instrument_type: str = EQUITY  # the API's instrument-type string
    #: futures, futures options and crypto: the contract terms from the server
    instrument: Instrument | None = None

    @property
    def is_buy(self) -> bool:
        return self.action.startswith("Buy")

    @property
    def units(self) -> float:
        return float(self.quantity)

    @property
    def option(self) -> OptionSymbol | None:
        return parse_option_symbol(self.symbol) if self.instrument_type == EQUITY_OPTION else None

    @property
    def underlying(self) -> str:
        if self.instrument is not None:
            return self.instrument.underlying
        o = self.option
        return o.root if o is not None else self.symbol

    @property
    def streamer_symbol(self) -> str:
        if self.instrument is not None:
            return self.instrument.streamer_symbol
        o = self.option
        return o.streamer if o is not None else self.symbol

    @property
    def price_symbol(self) -> str:
        """The streamer symbol whose price the risk figures start from."""
        if self.instrument is not None:
            return self.instrument.price_symbol or self.instrument.streamer_symbol
        return self.underlying

    @property
    def multiplier(self) -> float:
        if self.instrument is not None:
            return self.instrument.multiplier
        return 100 if self.instrument_type == EQUITY_OPTION else 1

    @property
    def name(self) -> str:
        """``SPY Dec18'26 600C``, ``/ESZ6 Dec18'26 6025C`` (a futures option), else the symbol."""
        o = self.option
        if o is not None:
            return o.label
        ins = self.instrument
        if ins is not None and ins.option_type and ins.strike is not None and ins.expiration is not None:
            return f"{ins.underlying} {ins.expiration:%b%d'%y} {ins.strike:g}{ins.option_type}"
        return self.symbol

    @property
    def label(self) -> str:
        return f"{self.action} {quantity_text(self.quantity)} {self.name}"


def make_leg(action: str, quantity: int | Decimal, symbol: str) -> OrderLeg:
    """A leg from user words. Actions: BTO/STO/BTC/STC (or the API's words) for every type;
    BUY/SELL for futures (the API's Buy/Sell) and crypto (Buy to Open / Sell to Close, since
    crypto is never short). Symbols: a ticker, an OCC or ``.SPY..`` option, ``/ES`` or ``/ESZ6``,
    ``./ESZ6 EW4Z6 261218C6000``, ``BTC/USD``. Futures and crypto legs still need their
    ``Instrument`` from the server (``broker.instruments.resolve_legs``)."""
    itype = instrument_type_of(symbol)
    word = action.strip().upper()
    if itype == FUTURE and word in ("BUY", "SELL"):
        act = word.title()
    elif itype == CRYPTO and word in ("BUY", "SELL"):
        act = "Buy to Open" if word == "BUY" else "Sell to Close"
    else:
        act = ACTIONS.get(word, action.strip())
    if act in ("Buy", "Sell") or word in ("BUY", "SELL"):
        if itype not in (FUTURE, CRYPTO):
            raise OrderInvalid(f"{action!r} needs an open/close effect for {itype.lower()} orders: "
                               "use BTO, STO, BTC or STC (BUY/SELL are for futures and crypto)")
    elif act not in ACTIONS.values():
        raise OrderInvalid(f"unknown action {action!r}: use BTO, STO, BTC or STC "
                           "(or BUY/SELL for futures and crypto)")
    if act not in TYPE_ACTIONS[itype]:
        raise OrderInvalid(f"{act} is not possible for crypto: it cannot be sold short "
                           "(use BUY / BTO to buy and SELL / STC to sell)")
    sym = symbol.strip().upper().split(":", 1)[0]
    if itype == FUTURE_OPTION:
        fop = fop_symbol(symbol)
        if fop is None:
            raise OrderInvalid(f"{symbol!r} is not a futures-option symbol "
                               "(like './ESZ6 EW4Z6 261218C6000')")
        return OrderLeg(act, quantity, fop, itype)
    if itype == FUTURE:
        if not _FUTURE_RE.match(sym):
            raise OrderInvalid(f"{symbol!r} is not a futures symbol (like /ES or /ESZ6)")
        return OrderLeg(act, quantity, sym, itype)
    if itype == CRYPTO:
        return OrderLeg(act, quantity, sym, itype)
    opt = parse_option_symbol(symbol)
    if opt is not None:
        return OrderLeg(act, quantity, opt.occ, EQUITY_OPTION)
    if not _EQUITY_RE.match(sym):
        raise OrderInvalid(f"{symbol!r} is neither a stock symbol nor an option symbol "
                           "(like .SPY261218C600 or SPY   261218C00600000), a future (/ES, /ESZ6), "
                           "a futures option or a crypto pair (BTC/USD)")
    return OrderLeg(act, quantity, sym, EQUITY)


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
    value: float | None = None  # Notional Market: dollars to buy (Debit) or sell (Credit) for

    @property
    def underlying(self) -> str:
        return self.legs[0].underlying if self.legs else ""

    @property
    def price_symbol(self) -> str:
        """Streamer symbol of the price the order's risk is measured against."""
        return self.legs[0].price_symbol if self.legs else ""

    @property
    def size(self) -> int | Decimal:
        """Units of the order: the legs' common factor (a crypto fraction for one fractional leg)."""
        if not self.legs:
            return 0
        qs = [leg.quantity for leg in self.legs]
        if all(isinstance(q, int) for q in qs):
            return math.gcd(*(int(q) for q in qs))
        return qs[0] if len(qs) == 1 else 1

    @property
    def multiplier(self) -> float:
        return max((leg.multiplier for leg in self.legs), default=1)

    @property
    def quantity(self) -> int | Decimal:
        total: int | Decimal = 0
        for leg in self.legs:
            total += leg.quantity
        return total

    @property
    def is_future(self) -> bool:
        """Futures are margined, not paid for: their notional value is exposure, not cash."""
        return any(leg.instrument_type == FUTURE for leg in self.legs)

    def notional(self, market: float | None = None) -> float | None:
        """Price x size x multiplier: the money the order moves at its price; a market order's at
        ``market`` (its price per unit, either sign, when reviewed), else None; a notional
        order's value."""
        if self.order_type == NOTIONAL:
            return self.value
        px = self.price if self.price is not None else self.stop_trigger
        if px is None and market is not None and self.order_type == "Market":
            px = abs(market)
        if px is None:
            return None
        return px * float(self.size) * self.multiplier

    def with_price(self, price: float) -> OrderRequest:
        return replace(self, price=round(price, PRICE_DECIMALS))


def price_words(price: float | None, effect: str | None) -> str:
    """``1.25 debit`` / ``0.80 credit`` / ``market``: the direction in words, never a sign.
    Prices finer than a cent (1/64 ticks, small crypto pairs) keep their decimals."""
    if price is None:
        return "market"
    word = (effect or "").lower()
    text = f"{price:.6f}".rstrip("0")
    if len(text.split(".")[1]) < 2:
        text = f"{price:.2f}"
    return f"{text} {word}".strip()


def signed_net(price: float, effect: str | None) -> float:
    """+ credit / - debit, for arithmetic only."""
    return price if effect == "Credit" else -price


def tick_size(leg: OrderLeg, price: float) -> float:
    """Minimum price increment: the server's tick sizes for futures, futures options (by
    premium: ES 0.05 under 10, 0.25 from 10) and crypto; stocks 0.01; options 0.01 below 3.00
    (and for penny-pilot names at any price), 0.05 from 3.00."""
    if leg.instrument is not None:
        return tick_at(leg.instrument.ticks, price)
    if leg.instrument_type != EQUITY_OPTION:
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
    snapped = round(round(price / tick) * tick, PRICE_DECIMALS)
    moved = round(snapped + steps * tick, PRICE_DECIMALS)
    tick2 = order_tick(req, moved)
    if tick2 != tick:
        moved = round(round(moved / tick2) * tick2, PRICE_DECIMALS)
    return max(tick2, moved)


def on_tick(req: OrderRequest, price: float) -> bool:
    tick = order_tick(req, price)
    return abs(price / tick - round(price / tick)) < 1e-6


def price_text(price: float, tick: float = 0.01) -> str:
    """A price with as many decimals as its tick needs (1/64 ticks: 6, 0.25: 2, 0.00001: 5)."""
    decimals = 2
    while decimals < 8 and abs(round(tick, decimals) - tick) > 1e-12:
        decimals += 1
    return f"{price:,.{decimals}f}"


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-order caps from [trading]; 0 disables a cap."""

    max_quantity: int = 0
    max_notional: float = 0.0
    #: futures are margined, so their notional (ES: ~$300,000 a contract) has its own cap
    max_futures_notional: float = 0.0


def validate(req: OrderRequest, limits: Limits = Limits(), today: date | None = None,
             market: float | None = None) -> None:
    """Raise OrderInvalid naming the first problem; nothing is sent when this raises.
    ``market``: a market order's price per unit (either sign) when it was reviewed, so the
    notional caps hold for it too."""
    if not req.legs:
        raise OrderInvalid("the order has no legs")
    if len(req.legs) > 4:
        raise OrderInvalid("an order has at most 4 legs")
    seen: set[str] = set()
    unds = set()
    for i, leg in enumerate(req.legs, 1):
        if leg.instrument_type not in TYPE_ACTIONS:
            raise OrderInvalid(f"leg {i}: {leg.instrument_type} orders are not supported by ttai")
        if leg.action not in TYPE_ACTIONS[leg.instrument_type]:
            raise OrderInvalid(f"leg {i}: {leg.action!r} is not an action for a {leg.instrument_type.lower()}"
                               + (" (crypto cannot be sold short)" if leg.instrument_type == CRYPTO else ""))
        _check_quantity(i, leg, req.order_type)
        if leg.instrument_type == EQUITY_OPTION:
            o = leg.option
            if o is None:
                raise OrderInvalid(f"leg {i}: {leg.symbol!r} is not a valid option symbol")
            if today is not None and o.expiration < today:
                raise OrderInvalid(f"leg {i}: {o.label} expired on {o.expiration}")
        elif leg.instrument_type == EQUITY:
            if not _EQUITY_RE.match(leg.symbol):
                raise OrderInvalid(f"leg {i}: {leg.symbol!r} is not a valid stock symbol")
        else:
            ins = leg.instrument
            if ins is None or ins.symbol != leg.symbol:
                raise OrderInvalid(f"leg {i}: {leg.symbol} has not been looked up on the server "
                                   "(unknown contract)")
            if today is not None and ins.expiration is not None and ins.expiration < today:
                raise OrderInvalid(f"leg {i}: {leg.symbol} expired on {ins.expiration}")
            if ins.closing_only and not leg.action.endswith("Close"):
                raise OrderInvalid(f"leg {i}: {leg.symbol} is closing only: it can only be closed")
        if leg.symbol in seen:
            raise OrderInvalid(f"leg {i}: {leg.symbol.strip()} appears twice")
        seen.add(leg.symbol)
        unds.add(leg.underlying)
    if len(unds) > 1:
        raise OrderInvalid("all legs must share one underlying (got " + ", ".join(sorted(unds)) + ")")
    if req.order_type == NOTIONAL:
        _check_notional(req)
    elif req.order_type not in ORDER_TYPES:
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
            tick = order_tick(req, req.price)
            raise OrderInvalid(f"the price {price_text(req.price, tick)} is not a multiple of the tick "
                               f"{price_text(tick, tick)} for {req.legs[0].name if len(req.legs) == 1 else 'a spread'}")
    if req.order_type in ("Stop", "Stop Limit"):
        if len(req.legs) > 1:
            raise OrderInvalid("stop orders have one leg")
        if req.stop_trigger is None or not math.isfinite(req.stop_trigger) or req.stop_trigger <= 0:
            raise OrderInvalid("a stop order needs a stop price above 0")
    if req.order_type == "Market" and req.price is not None:
        raise OrderInvalid("a market order has no price")
    if limits.max_quantity and any(leg.units > limits.max_quantity for leg in req.legs):
        raise OrderInvalid(f"quantity above the configured cap of {limits.max_quantity} per leg "
                           "([trading] max_quantity)")
    notional = req.notional(market)
    cap, key = notional_cap(req, limits)
    if cap and notional is not None and notional > cap:
        raise OrderInvalid(f"notional {notional:,.2f} is above the configured cap of "
                           f"{cap:,.2f} ([trading] {key})")


def notional_cap(req: OrderRequest, limits: Limits) -> tuple[float, str]:
    """The notional cap that applies to ``req`` (0: none) and its config key."""
    if req.is_future:
        return limits.max_futures_notional, "max_futures_notional"
    return limits.max_notional, "max_notional"


def _check_quantity(i: int, leg: OrderLeg, order_type: str) -> None:
    q = leg.quantity
    if order_type == NOTIONAL:
        return  # a notional order has a dollar value instead (checked with the order)
    if isinstance(q, bool) or not isinstance(q, int | Decimal) or q <= 0:
        raise OrderInvalid(f"leg {i}: quantity must be a number above 0 (got {q})")
    if isinstance(q, Decimal) and q != q.to_integral_value():
        ins = leg.instrument
        if leg.instrument_type != CRYPTO:
            raise OrderInvalid(f"leg {i}: quantity {quantity_text(q)} is fractional: only crypto trades "
                               f"in fractions ({leg.name} trades whole "
                               f"{'contracts' if leg.instrument_type != EQUITY else 'shares'})")
        exp = q.as_tuple().exponent
        places = -exp if isinstance(exp, int) and exp < 0 else 0
        if ins is not None and places > ins.quantity_decimals:
            raise OrderInvalid(f"leg {i}: {leg.symbol} trades in steps of "
                               f"{format(Decimal(1).scaleb(-ins.quantity_decimals), 'f')} "
                               f"(quantity {quantity_text(q)} has {places} decimals)")


def _check_notional(req: OrderRequest) -> None:
    if len(req.legs) != 1:
        raise OrderInvalid("a notional (dollar amount) order has one leg")
    leg = req.legs[0]
    if leg.instrument_type != CRYPTO:
        raise OrderInvalid("ttai sends notional (dollar amount) orders for crypto only")
    if req.value is None or not math.isfinite(req.value) or req.value <= 0:
        raise OrderInvalid("a notional order needs a dollar amount above 0")
    if req.price is not None:
        raise OrderInvalid("a notional order has no price")


def natural_and_mid(req: OrderRequest, quotes: dict[str, tuple[float | None, float | None]]
                    ) -> tuple[float | None, float | None]:
    """(natural, mid) per unit of size, signed + credit / - debit; None if a quote is missing.
    ``quotes`` maps streamer symbol -> (bid, ask). Natural buys at the ask and sells at the bid."""
    size = float(req.size) or 1.0
    nat = mid = 0.0
    for leg in req.legs:
        bid, ask = quotes.get(leg.streamer_symbol, (None, None))
        if bid is None or ask is None:
            return None, None
        ratio = leg.units / size if req.order_type != NOTIONAL else 1.0
        if leg.is_buy:
            nat -= ratio * ask
            mid -= ratio * (bid + ask) / 2
        else:
            nat += ratio * bid
            mid += ratio * (bid + ask) / 2
    return round(nat, PRICE_DECIMALS), round(mid, PRICE_DECIMALS)


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
    gtd_date: date | None = None  # a GTD order's last day (the API's gtc-date)

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
            tuple(OrderLeg(leg.action, _quantity_of(leg.quantity), leg.symbol, leg.instrument_type)
                  for leg in self.legs),
            self.order_type, self.tif if self.tif in TIFS else "Day", self.price,
            self.price_effect if self.price_effect in ("Debit", "Credit") else None,
            self.stop_trigger, self.gtd_date if self.tif == "GTD" else None,
        )


def _quantity_of(q: float) -> int | Decimal:
    return int(q) if float(q).is_integer() else Decimal(str(q))


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
    market: float | None = None  # a market order: its price per unit when reviewed (the caps')

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
    return "—" if v is None else f"-${-v:,.2f}" if v < 0 else f"${v:,.2f}"


def order_summary(req: OrderRequest) -> str:
    """``Limit 1.25 debit, Day`` (the price in words)."""
    if req.order_type == NOTIONAL:
        head = f"Market for ${req.value or 0:,.2f} {'debit' if req.legs and req.legs[0].is_buy else 'credit'}"
    elif req.order_type == "Market":
        head = "Market"
    elif req.order_type == "Stop":
        head = f"Stop at {price_words(req.stop_trigger, None)}" if req.stop_trigger is not None else "Stop"
    elif req.order_type == "Stop Limit":
        stop = price_words(req.stop_trigger, None) if req.stop_trigger is not None else "—"
        head = f"Stop {stop}, limit {price_words(req.price, req.price_effect)}"
    else:
        head = f"Limit {price_words(req.price, req.price_effect)}"
    tif = f"GTD {req.gtd_date}" if req.tif == "GTD" and req.gtd_date else req.tif
    return f"{head}, {tif}"


def review_rows(review: Review) -> list[tuple[str, str]]:
    """The review as (label, text) rows: the same words in the ticket's review and the CLI."""
    req = review.request
    rows = [(f"Leg {i}", f"{leg.action} ${req.value or 0:,.2f} of {leg.name}" if req.order_type == NOTIONAL
             else leg.label) for i, leg in enumerate(req.legs, 1)]
    for leg in req.legs:
        ins = leg.instrument
        if ins is not None and ins.resolved_note:
            rows.append(("Contract", ins.resolved_note))
    if req.legs and req.legs[0].instrument_type in (FUTURE, FUTURE_OPTION):
        m = req.legs[0].multiplier
        rows.append(("Multiplier", f"{m:g} (${m:,.2f} per 1.00 of price)"))
    rows.append(("Order", order_summary(req)))
    notional = req.notional()
    if notional is not None and req.is_future:
        rows.append(("Notional", f"{_dollars(notional)} (futures are margined: not paid up front)"))
    elif notional is not None and req.price_effect in ("Debit", "Credit"):
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
