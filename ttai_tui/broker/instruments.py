"""Contract terms of futures, futures options and crypto legs, from the server.

Why: an order for /ES, a futures option or BTC/USD cannot be checked or priced without what
only the server knows: which contract /ES means today (its active month), the multiplier
(ES 50, CL 1000, a futures option's notional value), the price increments (a future's tick, a
futures option's tick by premium from its future's ``option-tick-sizes``, a pair's tick), how
many decimals a crypto quantity may have, whether it is closing only, when it expires. The
ticket and ``ttai order`` resolve every such leg here before validating it; an unknown or
expired contract is an ``UnknownSymbolError`` naming it.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ttai_tui.broker.errors import BrokerFailure, UnknownSymbolError
from ttai_tui.core.orders import (
    CRYPTO,
    FUTURE,
    FUTURE_OPTION,
    LOOKED_UP,
    Instrument,
    OrderLeg,
    OrderRequest,
)

if TYPE_CHECKING:
    from tastytrade.instruments import FutureOption


def _ticks(items: Any, fallback: Any) -> tuple[tuple[float, float | None], ...]:
    """SDK TickSize list -> (tick, below threshold) pairs, the threshold-less one last."""
    out = [(float(t.value), None if t.threshold is None else float(t.threshold)) for t in (items or [])]
    out.sort(key=lambda x: (x[1] is None, x[1] or 0.0))
    if not out and fallback is not None:
        out = [(float(fallback), None)]
    return tuple(out) or ((0.01, None),)


def future_instrument(fut: Any, typed: str) -> Instrument:
    """SDK ``Future`` -> Instrument (the order's underlying is the product, ``/ES``)."""
    sym = str(fut.symbol)
    product = f"/{fut.product_code}"
    # only a product (/ES) names "the active month"; /ESZ26:XCME is this contract's streamer form
    typed = product if typed.split(":", 1)[0] == product else ""
    return Instrument(
        symbol=sym, instrument_type=FUTURE, streamer_symbol=str(fut.streamer_symbol or sym),
        underlying=product, multiplier=float(fut.notional_multiplier),
        ticks=_ticks(fut.tick_sizes, fut.tick_size), expiration=fut.expiration_date,
        closing_only=bool(fut.is_closing_only), description=f"{fut.product_code} {fut.expiration_date:%b %Y}",
        typed=typed, price_symbol=str(fut.streamer_symbol or sym),
        roll_target=str(fut.roll_target_symbol or ""),
    )


async def _future(sessions: Any, symbol: str) -> Instrument:
    from ttai_tui.broker.validate import future_for

    fut = await future_for(sessions, symbol)
    if fut is None:
        raise UnknownSymbolError(f"unknown futures contract {symbol}: no such product or contract "
                                 "is listed (expired contracts are no longer listed)")
    return future_instrument(fut, symbol)


def fop_multiplier(fo: FutureOption) -> float:
    """Dollars per 1.00 of a futures option's premium: notional-value / display-factor. The
    API's ``multiplier`` field is 1.0 on futures options (ES: notional-value 0.5, display-factor
    0.01, so 50; MNQ: 0.02 / 0.01 = 2); read alone, notional-value is a hundredth of it."""
    factor = float(fo.display_factor)
    if factor <= 0:
        raise BrokerFailure(f"futures option {str(fo.symbol).strip()}: the server sent no "
                                 f"usable display-factor ({fo.display_factor})")
    return round(float(fo.notional_value) / factor, 8)


async def _future_option(sessions: Any, symbol: str) -> Instrument:
    from tastytrade.instruments import Future, FutureOption

    try:
        fo = await sessions.call(FutureOption.get, symbol, what=f"futures option {symbol.strip()}")
    except UnknownSymbolError:
        raise UnknownSymbolError(f"unknown futures option {symbol.strip()}: not listed (or expired)") from None
    fut = await sessions.call(Future.get, fo.underlying_symbol, what=f"future {fo.underlying_symbol}")
    return Instrument(
        symbol=str(fo.symbol), instrument_type=FUTURE_OPTION, streamer_symbol=str(fo.streamer_symbol),
        underlying=str(fo.underlying_symbol), multiplier=fop_multiplier(fo),
        ticks=_ticks(fut.option_tick_sizes, None), expiration=fo.expiration_date,
        closing_only=bool(fo.is_closing_only), description=f"{fo.underlying_symbol} option",
        price_symbol=str(fut.streamer_symbol or fut.symbol), option_type=str(fo.option_type.value),
        strike=float(fo.strike_price),
    )


async def _crypto(sessions: Any, symbol: str) -> Instrument:
    from tastytrade.instruments import Cryptocurrency

    try:
        coin = await sessions.call(Cryptocurrency.get, symbol, what=f"cryptocurrency {symbol}")
    except UnknownSymbolError:
        raise UnknownSymbolError(f"unknown crypto pair {symbol}") from None
    decimals = max((int(v.max_quantity_precision) for v in coin.destination_venue_symbols
                    if v.max_quantity_precision is not None), default=8)
    return Instrument(
        symbol=str(coin.symbol), instrument_type=CRYPTO, streamer_symbol=str(coin.streamer_symbol),
        underlying=str(coin.symbol), multiplier=1.0, ticks=_ticks(None, coin.tick_size),
        quantity_decimals=decimals, closing_only=bool(coin.is_closing_only),
        description=str(coin.description), price_symbol=str(coin.streamer_symbol),
    )


async def lookup(sessions: Any, instrument_type: str, symbol: str) -> Instrument:
    """The server's terms for one futures / futures-option / crypto symbol."""
    if instrument_type == FUTURE:
        return await _future(sessions, symbol)
    if instrument_type == FUTURE_OPTION:
        return await _future_option(sessions, symbol)
    if instrument_type == CRYPTO:
        return await _crypto(sessions, symbol)
    raise ValueError(f"{instrument_type} legs need no lookup")


async def resolve_leg(sessions: Any, leg: OrderLeg) -> OrderLeg:
    """The leg with its Instrument and the API's symbol (``/ES`` -> ``/ESZ6``)."""
    if leg.instrument_type not in LOOKED_UP or (leg.instrument is not None and leg.instrument.symbol == leg.symbol):
        return leg
    ins = await lookup(sessions, leg.instrument_type, leg.symbol)
    return replace(leg, symbol=ins.symbol, instrument=ins)


async def resolve_request(sessions: Any, req: OrderRequest) -> OrderRequest:
    """Every futures, futures-option and crypto leg of ``req`` resolved (in parallel)."""
    if all(leg.instrument_type not in LOOKED_UP or leg.instrument is not None for leg in req.legs):
        return req
    legs = await asyncio.gather(*(resolve_leg(sessions, leg) for leg in req.legs))
    return replace(req, legs=tuple(legs))

