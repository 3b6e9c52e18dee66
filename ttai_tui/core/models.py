"""Plain domain records shared by the broker (writer) and the views (readers).

Why plain mutable dataclasses with slots: the broker updates one record per symbol *in place*
for every streamed event, so the hot path allocates nothing beyond what the SDK already made.
Every numeric field is ``float | None``: ``None`` means "not known", and views render it as
``—``. Nothing here ever substitutes 0 for a missing value.

Times: ``time`` fields are exchange event times in epoch seconds (None when the feed sent 0);
``updated`` fields are the local clock time (epoch seconds, from the injectable clock) at
which the broker last wrote the record, so every row can say how old its data is.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(slots=True)
class Quote:
    """Best bid/offer for one streamer symbol (DXLink ``Quote``)."""

    symbol: str
    bid: float | None = None
    ask: float | None = None
    bid_size: float | None = None
    ask_size: float | None = None
    time: float | None = None
    updated: float = 0.0


@dataclass(slots=True)
class Trade:
    """Last trade for one symbol (DXLink ``Trade``)."""

    symbol: str
    price: float | None = None
    change: float | None = None
    size: float | None = None
    day_volume: float | None = None
    time: float | None = None
    updated: float = 0.0


@dataclass(slots=True)
class Summary:
    """Daily summary (DXLink ``Summary``): session OHLC, previous close, open interest."""

    symbol: str
    open: float | None = None
    high: float | None = None
    low: float | None = None
    close: float | None = None
    prev_close: float | None = None
    prev_volume: float | None = None
    open_interest: float | None = None
    updated: float = 0.0


@dataclass(slots=True)
class Greeks:
    """Option greeks (DXLink ``Greeks``); ``volatility`` is a fraction (0.25 = 25 %)."""

    symbol: str
    price: float | None = None
    volatility: float | None = None
    delta: float | None = None
    gamma: float | None = None
    theta: float | None = None
    vega: float | None = None
    rho: float | None = None
    time: float | None = None
    updated: float = 0.0


@dataclass(slots=True)
class Profile:
    """Instrument profile (DXLink ``Profile``)."""

    symbol: str
    description: str | None = None
    beta: float | None = None
    high_52w: float | None = None
    low_52w: float | None = None
    shares: float | None = None
    trading_status: str | None = None
    updated: float = 0.0


@dataclass(slots=True)
class Metrics:
    """Market metrics from REST (IV rank etc.); ``iv_*`` are fractions, beta vs SPY."""

    symbol: str
    iv_index: float | None = None
    iv_rank: float | None = None
    iv_percentile: float | None = None
    hv_30: float | None = None
    beta: float | None = None
    liquidity_rating: float | None = None
    updated: float = 0.0


@dataclass(slots=True)
class Candle:
    """One OHLCV bar; ``time`` is the bar start in epoch seconds."""

    time: float
    open: float | None
    high: float | None
    low: float | None
    close: float | None
    volume: float | None = None


@dataclass(slots=True)
class Position:
    """One account position as REST reports it; P&L is derived live (core.portfolio).

    ``quantity`` is signed (negative = short). ``close_price`` is the previous session close
    used as the base for day P&L; ``opened_today`` switches that base to the open price.
    """

    account: str
    symbol: str
    underlying: str
    instrument_type: str
    quantity: float
    average_open_price: float | None
    close_price: float | None
    multiplier: float
    streamer_symbol: str
    realized_day_gain: float | None = None
    opened_today: bool = False
    expiration: date | None = None
    strike: float | None = None
    option_type: str | None = None  # "C" / "P" for options
    mark_from_rest: float | None = None
    #: streamer symbol of what the position's price follows when ``underlying`` is not one
    #: (a future's own contract, a futures option's future); None: ``underlying`` itself
    underlying_streamer: str | None = None
    #: whose beta weights the position when not the underlying's (an ETF for index futures)
    beta_symbol: str | None = None

    @property
    def is_option(self) -> bool:
        return self.option_type is not None


@dataclass(slots=True)
class Balance:
    """Account balances; ``as_of`` is the server's updated-at (epoch seconds)."""

    account: str
    net_liq: float | None = None
    option_buying_power: float | None = None
    equity_buying_power: float | None = None
    cash: float | None = None
    maintenance_requirement: float | None = None
    day_pnl: float | None = None
    as_of: float | None = None
    fetched: float = 0.0


@dataclass(slots=True, frozen=True)
class AccountInfo:
    """An account the credentials can see."""

    number: str
    nickname: str = ""
    type_name: str = ""
    margin_or_cash: str = ""
    is_test: bool = False


class StreamState(enum.Enum):
    """Lifecycle of the market-data stream, as the status bar shows it."""

    STOPPED = "stopped"
    CONNECTING = "connecting"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    FAILED = "failed"


@dataclass(slots=True)
class StreamStatus:
    """What the streaming supervisor last published (read it, never write it).

    ``next_try`` is the clock time of the next connection attempt while RECONNECTING;
    ``last_event`` is the clock time the last market event was applied (None before any).
    """

    state: StreamState = StreamState.STOPPED
    attempt: int = 0
    next_try: float | None = None
    reason: str | None = None
    last_event: float | None = None
    connected_since: float | None = None
    reconnects: int = 0
    events: int = 0

    def last_event_age(self, now: float) -> float | None:
        """Seconds since the last event, or None when nothing arrived yet."""
        return None if self.last_event is None else max(0.0, now - self.last_event)


@dataclass(slots=True, frozen=True)
class TokenStatus:
    """Access-token state for the status bar (never contains the token itself)."""

    expires_at: float | None = None
    refreshes: int = 0
    last_error: str | None = None


# --- option chains -------------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class StrikeRow:
    """One strike of one expiration: the OCC symbols and the DXLink streamer symbols."""

    strike: float
    call: str
    put: str
    call_streamer: str
    put_streamer: str


@dataclass(slots=True, frozen=True)
class Expiration:
    """One expiration date with its strikes sorted ascending."""

    date: date
    days_to_expiration: int
    expiration_type: str
    settlement_type: str
    strikes: tuple[StrikeRow, ...]


@dataclass(slots=True, frozen=True)
class OptionChain:
    """An underlying's option chain, expirations sorted by date."""

    underlying: str
    root: str
    shares_per_contract: float
    expirations: tuple[Expiration, ...]
    fetched: datetime | None = None


@dataclass(slots=True, frozen=True)
class SymbolMatch:
    """A symbol-search hit."""

    symbol: str
    description: str


@dataclass(slots=True, frozen=True)
class Watchlist:
    """A named list of symbols (from the config or the account)."""

    name: str
    symbols: tuple[str, ...] = field(default_factory=tuple)
