"""Headless order commands: ``ttai orders``, ``ttai order LEG...``, ``ttai order cancel|replace``.

Same safety as the dashboard: validation first, then the dry run's review is printed, then the
one confirmation step (``broker.orders.confirm``) with what the user typed on the terminal, or
``--yes``. With stdin not a terminal and no ``--yes`` nothing is sent (exit 4).
Exit codes: 0 ok · 1 bad input · 3 credentials · 4 not confirmed / refused, nothing sent ·
5 outcome unknown or server unreachable.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Callable, Coroutine
from typing import Any

from ttai_tui.core.orders import (
    EQUITY_OPTION,
    FUTURE_OPTION,
    NOTIONAL,
    PRICE_DECIMALS,
    OrderInfo,
    OrderInvalid,
    OrderLeg,
    OrderRequest,
    Review,
    make_leg,
    parse_quantity,
    price_words,
    review_rows,
)
from ttai_tui.headless.commands import (
    EXIT_OK,
    EXIT_UNREACHABLE,
    EXIT_USER,
    _broker,  # with --demo it starts the demo exchange
    _err,
    _retry_for,  # one-shot: give up after [network] retry_s
)
from ttai_tui.headless.commands import _run as _run_command

EXIT_REFUSED = 4  # refused or not confirmed: nothing was sent (the others are commands')


def _r(v: float | None) -> float | None:
    return None if v is None else round(v, 2)


def review_dict(review: Review) -> dict[str, Any]:
    req = review.request
    return {
        "account": review.account,
        "legs": [_leg_dict(leg) for leg in req.legs],
        "order_type": req.order_type,
        "time_in_force": req.tif,
        "notional_value": req.value,
        "price": req.price,
        "price_effect": req.price_effect,
        "buying_power_effect": _r(review.buying_power_effect),
        "buying_power_effect_words": "uses" if review.buying_power_effect < 0 else "frees",
        "current_buying_power": _r(review.current_buying_power),
        "new_buying_power": _r(review.new_buying_power),
        "fees": _r(review.fees),
        "max_profit": review.max_profit,
        "max_loss": review.max_loss,
        "breakevens": list(review.breakevens),
        "probability_of_profit": None if review.pop is None else round(review.pop, 4),
        "risk_note": review.risk_note or None,
        "warnings": list(review.warnings),
        "errors": list(review.errors),
        "replaces": review.replaces,
    }


def _leg_dict(leg: OrderLeg) -> dict[str, Any]:
    q = leg.quantity
    d: dict[str, Any] = {"action": leg.action, "quantity": q if isinstance(q, int) else float(q),
                         "symbol": leg.symbol, "instrument_type": leg.instrument_type,
                         "multiplier": leg.multiplier}
    ins = leg.instrument
    if ins is not None:
        d["streamer_symbol"] = ins.streamer_symbol
        d["expiration"] = None if ins.expiration is None else str(ins.expiration)
        if ins.typed:
            d["typed"] = ins.typed  # /ES -> the contract it resolved to (symbol)
    return d


def order_dict(o: OrderInfo) -> dict[str, Any]:
    return {
        "id": o.id,
        "status": o.status,
        "account": o.account,
        "underlying": o.underlying,
        "order_type": o.order_type,
        "time_in_force": o.tif,
        "price": o.price,
        "price_effect": o.price_effect,
        "filled_quantity": o.filled_quantity,
        "quantity": o.quantity,
        "legs": [{"action": leg.action, "quantity": leg.quantity, "symbol": leg.symbol,
                  "remaining": leg.remaining} for leg in o.legs],
        "received_at": o.received_at,
        "reject_reason": o.reject_reason,
        "complex_order_id": o.complex_order_id,
    }


def _print_review(review: Review, live: bool) -> None:
    width = max(len(k) for k, _ in review_rows(review))
    if live:
        print(f"*** LIVE account {review.account} ***")
    for k, v in review_rows(review):
        print(f"{k:<{width}}  {v}")


def _age(t: float | None) -> str:
    if t is None:
        return "—"
    s = max(0, int(time.time() - t))
    return f"{s}s" if s < 60 else f"{s // 60}m" if s < 3600 else f"{s // 3600}h"


def _print_orders(orders: list[OrderInfo]) -> None:
    if not orders:
        print("no orders")
        return
    print(f"{'ID':>8}  {'Status':<10} {'Filled':>7}  {'Price':<14} {'TIF':<4} {'Age':>4}  Legs")
    for o in orders:
        legs = "; ".join(f"{leg.action} {leg.quantity:g} {leg.symbol.strip()}" for leg in o.legs)
        price = price_words(o.price, o.price_effect) if o.order_type != "Market" else "market"
        print(f"{o.id:>8}  {o.status:<10} {o.filled_quantity:>3g}/{o.quantity:<3g}  {price:<14} "
              f"{o.tif:<4} {_age(o.received_at):>4}  {legs}")


def _run(fn: Callable[[], Coroutine[object, object, int]]) -> int:
    """The headless exit codes (``commands._run``) plus the order ones: refused or not
    confirmed 4, outcome unknown 5 (never re-sent), invalid order 1."""
    from ttai_tui.broker.orders import NotConfirmed, OrderOutcomeUnknown, OrderRejected

    return _run_command(fn, (
        (NotConfirmed, EXIT_REFUSED),
        (OrderRejected, EXIT_REFUSED),
        (OrderOutcomeUnknown, EXIT_UNREACHABLE),
        (OrderInvalid, EXIT_USER),
    ))


# ---- ttai orders --------------------------------------------------------------------------------


def orders(settings: Any, target: Any, args: Any) -> int:
    async def go() -> int:
        async with _broker(settings, target) as broker:
            await broker.start(stream=False, account=True, account_required=True,
                               retry_for=_retry_for(settings))
            xs = await broker.orders.refresh()
            if not args.all:
                xs = [o for o in xs if o.working]
            if args.json:
                print(json.dumps([order_dict(o) for o in xs]))
            else:
                _print_orders(xs)
        return EXIT_OK

    return _run(go)


# ---- ttai order ---------------------------------------------------------------------------------


def parse_request(words: list[str], args: Any) -> OrderRequest:
    """LEG [LEG ...] with LEG = ACTION QTY SYMBOL, plus --limit/--debit/--credit/--market/--tif;
    or ACTION SYMBOL with --notional DOLLARS (crypto by dollar amount).

    Actions: BTO/STO/BTC/STC for every instrument; BUY/SELL for futures (the API's Buy/Sell)
    and crypto (Buy to Open / Sell to Close). QTY may be a fraction for crypto only."""
    tif = {"day": "Day", "gtc": "GTC"}[args.tif]
    notional = getattr(args, "notional", None)
    if notional is not None:
        # a quantity too (BUY 0.5 BTC/USD) would be dropped in favour of the dollars: refused
        if len(words) != 2 or args.market or args.limit is not None or args.debit or args.credit:
            raise OrderInvalid("--notional DOLLARS takes one leg, ACTION SYMBOL (e.g. BUY BTC/USD) with no "
                               "quantity (the dollars decide it), and no --market, --limit, --debit or --credit")
        leg = make_leg(words[0], 0, words[1])
        return OrderRequest((leg,), NOTIONAL, tif, value=_price(notional))
    if not words or len(words) % 3:
        raise OrderInvalid("each leg is ACTION QTY SYMBOL, e.g. BTO 1 .SPY261218C600, STC 100 AAPL, "
                           "BUY 1 /ESZ6 or BUY 0.5 BTC/USD")
    legs = []
    for i in range(0, len(words), 3):
        action, qty, sym = words[i : i + 3]
        n = parse_quantity(qty, f"leg {i // 3 + 1}: quantity")
        legs.append(make_leg(action, n, sym))
    if args.market:
        if args.limit is not None or args.debit or args.credit:
            raise OrderInvalid("--market takes no --limit, --debit or --credit")
        return OrderRequest(tuple(legs), "Market", tif)
    if args.limit is None:
        raise OrderInvalid("give --limit PRICE with --debit or --credit, or --market")
    if args.debit == args.credit:
        raise OrderInvalid("say --debit or --credit with --limit (the price is unsigned)")
    return OrderRequest(tuple(legs), "Limit", tif, _price(args.limit), "Debit" if args.debit else "Credit")


def _price(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise OrderInvalid(f"price {text!r} is not a number") from None
    if v != v or v in (float("inf"), float("-inf")):
        raise OrderInvalid(f"price {text!r} is not a number")
    return round(v, PRICE_DECIMALS)


MARKET_WAIT_S = 4.0


async def _market_for(broker: Any, req: OrderRequest) -> float | None:
    """Subscribe the underlying and the legs, wait briefly for their quotes (the review's risk
    figures need the underlying's price; a market order's estimate needs the legs' quotes);
    returns the natural price per unit (+ credit / - debit) or None."""
    from ttai_tui.core.orders import natural_and_mid

    state = broker.state
    wants = {(t, req.price_symbol) for t in ("Quote", "Trade")}
    for leg in req.legs:
        wants |= {("Quote", leg.streamer_symbol), ("Greeks", leg.streamer_symbol)}
    broker.subscriptions.declare("order", wants)
    syms = {leg.streamer_symbol for leg in req.legs}
    opts = {leg.streamer_symbol for leg in req.legs if leg.instrument_type in (EQUITY_OPTION, FUTURE_OPTION)}

    def ready() -> bool:
        return (state.price(req.price_symbol) is not None and syms <= set(state.quotes)
                and opts <= set(state.greeks))

    deadline = time.monotonic() + MARKET_WAIT_S
    while not ready() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    quotes = {s: (state.quotes[s].bid, state.quotes[s].ask) for s in syms if s in state.quotes}
    nat, _ = natural_and_mid(req, quotes)
    return nat


def _ask(prompt: str) -> str | None:
    """The user's answer from the terminal; None when stdin is not a terminal."""
    if not sys.stdin.isatty():
        return None
    try:
        return input(f"{prompt}: ")
    except EOFError:
        import logging

        logging.getLogger("ttai_tui.orders").info("confirmation prompt: end of input (not confirmed)")
        return ""


async def _confirm_and_execute(broker: Any, pending: Any, args: Any) -> int:
    """Ask (terminal) or take --yes, pass the answer through the gate, execute once."""
    desk = broker.orders
    review = pending.review
    if args.yes:
        answer = desk.policy.required_answer(pending.account)
    else:
        got = _ask(desk.policy.prompt(pending.account))
        if got is None:
            if args.json and review is not None:
                print(json.dumps({"review": review_dict(review), "sent": False}))
            _err("not confirmed: stdin is not a terminal and --yes was not given; nothing was sent")
            return EXIT_REFUSED
        answer = got
    confirmation = desk.confirm(pending, answer)  # raises NotConfirmed -> exit 4
    info = await desk.execute(confirmation)
    if args.json:
        out = order_dict(info)
        if review is not None:
            out["review"] = review_dict(review)
        print(json.dumps(out))
    else:
        print(f"order {info.id}: {info.status}")
    return EXIT_OK


def order(settings: Any, target: Any, args: Any) -> int:
    words = list(args.legs)
    if words and words[0].lower() in ("cancel", "replace"):
        return _order_change(settings, target, args, words)
    try:
        req = parse_request(words, args)
    except OrderInvalid as e:
        _err(str(e))
        return EXIT_USER
    live = getattr(target, "mode", "") == "live"

    async def go() -> int:
        async with _broker(settings, target) as broker:
            await broker.start(stream=True, account=True, account_required=True,
                               retry_for=_retry_for(settings))
            resolved = await broker.orders.resolve(req)  # /ES -> its active month; unknown: exit 1
            review = await broker.orders.dry_run(resolved, mark=await _market_for(broker, resolved))
            if args.json and (args.dry_run or review.errors):
                print(json.dumps(review_dict(review)))
            elif not args.json:
                _print_review(review, live)
            if review.errors:
                _err("the server would refuse this order; nothing was sent")
                return EXIT_USER if args.dry_run else EXIT_REFUSED
            if args.dry_run:
                return EXIT_OK
            return await _confirm_and_execute(broker, broker.orders.pending(review), args)

    return _run(go)


def _order_change(settings: Any, target: Any, args: Any, words: list[str]) -> int:
    what = words[0].lower()
    if len(words) != 2 or not words[1].isdigit():
        _err(f"usage: ttai order {what} ID" + (" --limit PRICE" if what == "replace" else ""))
        return EXIT_USER
    order_id = words[1]
    if what == "replace" and args.limit is None:
        _err("ttai order replace ID needs --limit PRICE")
        return EXIT_USER
    live = getattr(target, "mode", "") == "live"

    async def go() -> int:
        async with _broker(settings, target) as broker:
            await broker.start(stream=True, account=True, account_required=True,
                               retry_for=_retry_for(settings))
            desk = broker.orders
            current = {o.id: o for o in await desk.refresh()}.get(order_id)
            if current is None:
                _err(f"no order {order_id} today in account {desk.account_number}")
                return EXIT_USER
            if not current.working:
                _err(f"order {order_id} is {current.status}: nothing to {what}")
                return EXIT_USER
            if what == "cancel":
                if not args.json:
                    print(f"cancel order {order_id}: " + "; ".join(
                        f"{leg.action} {leg.quantity:g} {leg.symbol.strip()}" for leg in current.legs))
                return await _confirm_and_execute(broker, desk.pending_cancel(order_id), args)
            base = current.request()
            effect = "Debit" if args.debit else "Credit" if args.credit else base.price_effect
            req = OrderRequest(base.legs, "Limit" if base.order_type == "Market" else base.order_type,
                               base.tif, _price(args.limit), effect, base.stop_trigger, base.gtd_date)
            req = await desk.resolve(req)  # futures / crypto legs: their contract terms
            review = await desk.dry_run(req, replaces=order_id, mark=await _market_for(broker, req))
            if not args.json:
                _print_review(review, live)
            if review.errors:
                _err("the server would refuse this change; nothing was sent")
                return EXIT_REFUSED
            return await _confirm_and_execute(broker, desk.pending(review), args)

    return _run(go)
