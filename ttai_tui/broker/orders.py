"""Orders through the SDK: dry run, the confirmation gate, place, replace, cancel, working orders.

The safety rules (DESIGN.md "Orders") live here, in one place:

* ``confirm()`` is THE gate. It is the only code that can make a ``Confirmation``; every path
  that changes an order on the server (UI ticket, orders view, headless commands) needs one, and
  ``_transmit`` is the only function that calls the SDK's sending methods (a test inspects the
  source to keep it so). A confirmation is used once: a send is never repeated with it.
* A send is made once. If the server refuses it, the user sees the refusal verbatim and nothing
  is shown as working. If the connection fails or times out after the request left, the outcome
  is unknown: we ask the server which orders it has (never send again) and report what it says.
* Every order sent is logged with its id; no secrets are in these records.

Nothing here returns SDK types: callers get ``core.orders`` values.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ttai_tui.broker import events as ev
from ttai_tui.broker.errors import BrokerFailure, HttpStatusError
from ttai_tui.core.orders import (
    NOTIONAL,
    PRICE_DECIMALS,
    LegState,
    Limits,
    OrderInfo,
    OrderInvalid,
    OrderRequest,
    Review,
    notional_cap,
    price_words,
    validate,
)
from ttai_tui.core.symbols import printable

if TYPE_CHECKING:  # the risk engine (numpy) loads when an order is first reviewed
    from ttai_tui.core.order_risk import OrderRisk

log = logging.getLogger("ttai_tui.orders")

SEND_TIMEOUT_S = 15.0
RESOLVE_TRIES = 3
FOLLOW_EVERY_S = 0.5  # after a send, read the order's status this often ...
FOLLOW_POLLS = 10  # ... this many times, or until it is finished


class OrderRejected(BrokerFailure):
    """The server refused the order (or the request): nothing is working. Message verbatim."""


class OrderOutcomeUnknown(BrokerFailure):
    """The request may or may not have reached the server and it could not be asked since."""


class NotConfirmed(BrokerFailure):
    """The confirmation answer was not the one required: nothing was sent."""


# ---- the gate ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TradingPolicy:
    """How sends are confirmed and capped ([trading] in the config)."""

    live: bool = False
    confirm_live: str = "y"  # "y" or "account-digits" (type the account's last four digits)
    limits: Limits = field(default_factory=Limits)

    def required_answer(self, account: str) -> str:
        if self.live and self.confirm_live == "account-digits":
            return account[-4:]
        return "y"

    def prompt(self, account: str) -> str:
        if self.live and self.confirm_live == "account-digits":
            return f"type the last four digits of account {account} to send"
        return "press y to send, any other key to go back"


@dataclass(frozen=True, slots=True)
class Pending:
    """An order change waiting for the user's yes: a reviewed new order, a reviewed replace,
    or a cancel of a known order."""

    kind: str  # "place" | "replace" | "cancel"
    account: str
    review: Review | None = None
    order_id: str | None = None


_GATE = object()


class Confirmation:
    """Proof that the user said yes to exactly ``pending``; made only by ``confirm``."""

    __slots__ = ("_key", "pending", "used")

    def __init__(self, pending: Pending, key: object) -> None:
        if key is not _GATE:
            raise NotConfirmed("a confirmation can only come from the confirmation step")
        self.pending = pending
        self.used = False
        self._key = key

    @property
    def genuine(self) -> bool:
        return self._key is _GATE


def confirm(pending: Pending, answer: str, policy: TradingPolicy) -> Confirmation:
    """THE confirmation step: every sending path (ticket, orders view, headless) calls this
    with what the user typed (or ``"y"`` for ``--yes``). Raises NotConfirmed otherwise."""
    want = policy.required_answer(pending.account)
    if (answer or "").strip() != want:
        raise NotConfirmed("not confirmed: nothing was sent")
    if pending.kind in ("place", "replace"):
        review = pending.review
        if review is None:
            raise NotConfirmed("no review: nothing was sent")
        if review.errors:
            raise NotConfirmed("the server reported errors for this order: nothing was sent")
        try:
            validate(review.request, policy.limits, market=review.market)
        except OrderInvalid as e:
            raise NotConfirmed(f"{e}: nothing was sent") from None
    elif pending.order_id is None:
        raise NotConfirmed("no order to cancel")
    return Confirmation(pending, _GATE)


# ---- SDK <-> core ----------------------------------------------------------------------------


def to_sdk_order(req: OrderRequest, external_id: str | None = None) -> Any:
    """A core request as the SDK's typed order (signed price: negative is a debit)."""
    from tastytrade.order import (
        InstrumentType,
        Leg,
        LimitOrder,
        MarketOrder,
        NotionalOrder,
        OrderAction,
        OrderTimeInForce,
        StopLimitOrder,
        StopOrder,
    )

    notional = req.order_type == NOTIONAL
    legs = [
        Leg(instrument_type=InstrumentType(leg.instrument_type), symbol=leg.symbol,
            action=OrderAction(leg.action), quantity=None if notional else Decimal(leg.quantity))
        for leg in req.legs
    ]
    common: dict[str, Any] = {"time_in_force": OrderTimeInForce(req.tif), "legs": legs}
    if req.tif == "GTD" and req.gtd_date is not None:
        common["gtc_date"] = req.gtd_date
    if external_id:
        common["external_identifier"] = external_id
    signed = Decimal(0)
    if req.price is not None:
        p = _decimal_price(req.price)
        signed = -p if req.price_effect == "Debit" else p
    if req.order_type == "Limit":
        return LimitOrder(price=signed, **common)
    if req.order_type == "Market":
        return MarketOrder(**common)
    if notional:  # dollars: negative buys (a debit), positive sells
        value = Decimal(f"{req.value or 0:.2f}")
        return NotionalOrder(value=-value if req.legs[0].is_buy else value, **common)
    if req.order_type == "Stop":
        return StopOrder(stop_trigger=_decimal_price(req.stop_trigger or 0.0), **common)
    return StopLimitOrder(price=signed, stop_trigger=_decimal_price(req.stop_trigger or 0.0), **common)


def _decimal_price(price: float) -> Decimal:
    """The price as sent: all the decimals a tick can need (/ZN 110.515625, not 110.5156)."""
    return Decimal(f"{price:.{PRICE_DECIMALS}f}").normalize()


def _f(v: Any) -> float | None:
    return None if v is None else float(v)


def _ts(v: Any) -> float | None:
    return None if v is None else float(v.timestamp())


def _val(v: Any) -> str:
    return str(getattr(v, "value", v))


def to_order_info(o: Any) -> OrderInfo:
    """SDK PlacedOrder -> OrderInfo (unsigned price, effect in words)."""
    price = _f(getattr(o, "price", None))
    effect = None
    if price is not None:
        effect = "Debit" if price < 0 else "Credit"
        price = abs(price)
    legs = tuple(
        LegState(leg.symbol, _val(leg.instrument_type), _val(leg.action),
                 float(leg.quantity or 0), _f(leg.remaining_quantity))
        for leg in o.legs
    )
    return OrderInfo(
        id=str(getattr(o, "id", "")),
        account=o.account_number,
        status=_val(o.status),
        order_type=_val(o.order_type),
        tif=_val(o.time_in_force),
        underlying=o.underlying_symbol,
        legs=legs,
        price=price,
        price_effect=effect,
        stop_trigger=_f(o.stop_trigger),
        size=_f(o.size),
        received_at=_ts(o.received_at),
        updated_at=_ts(o.updated_at),
        terminal_at=_ts(o.terminal_at),
        reject_reason=o.reject_reason,
        complex_order_id=None if o.complex_order_id is None else str(o.complex_order_id),
        complex_order_tag=o.complex_order_tag,
        cancellable=bool(o.cancellable),
        editable=bool(o.editable),
        gtd_date=o.gtc_date,
    )


def _messages(items: Any) -> tuple[str, ...]:
    return tuple(printable(f"{m.message}", 300) for m in (items or []))


def review_from(resp: Any, req: OrderRequest, account: str) -> Review:
    """The dry run's response as a Review (risk figures are filled in by the caller)."""
    bp = resp.buying_power_effect
    fees = resp.fee_calculation
    total_fees = -float(fees.total_fees) if fees is not None else 0.0  # SDK: debit is negative
    return Review(
        request=req,
        buying_power_effect=float(bp.change_in_buying_power),
        current_buying_power=_f(bp.current_buying_power),
        new_buying_power=_f(bp.new_buying_power),
        margin_requirement_change=_f(bp.change_in_margin_requirement),
        fees=total_fees,
        warnings=_messages(resp.warnings),
        errors=_messages(resp.errors),
        account=account,
    )


def _same_legs(info: OrderInfo, req: OrderRequest) -> bool:
    a = sorted((leg.symbol.replace(" ", ""), leg.action, round(leg.quantity, 8)) for leg in info.legs)
    b = sorted((leg.symbol.replace(" ", ""), leg.action, round(leg.units, 8)) for leg in req.legs)
    return a == b


# ---- the desk ---------------------------------------------------------------------------------


@dataclass
class SendRecord:
    """What was sent and when (for resolving an unknown outcome; logged without secrets)."""

    external_id: str
    request: OrderRequest
    started: float
    known_ids: set[str] = field(default_factory=set)


class OrderDesk:
    """Dry runs, sends through the gate, and the account's orders of today (kept current from
    the account streamer's Order pushes, which the account service forwards as events)."""

    def __init__(
        self,
        sessions: Any,
        account_of: Callable[[], Any],
        emit: Callable[[ev.BrokerEvent], None],
        policy: TradingPolicy,
        *,
        risk: Callable[[OrderRequest, float | None], OrderRisk] | None = None,
    ) -> None:
        self.sessions = sessions
        self._account_of = account_of  # () -> SDK Account of the current account (or None)
        self.emit = emit
        self.policy = policy
        self.risk = risk
        self.orders: dict[str, OrderInfo] = {}
        self.sent: list[tuple[str, str]] = []  # (order id, status) of every send, in order
        self._lock = asyncio.Lock()
        self._followers: set[asyncio.Task[None]] = set()

    # -- reading --------------------------------------------------------------------------------

    def _account(self) -> Any:
        acct = self._account_of()
        if acct is None:
            raise BrokerFailure("no account loaded yet")
        return acct

    @property
    def account_number(self) -> str:
        return str(self._account().account_number)

    async def refresh(self) -> list[OrderInfo]:
        """Today's orders of the current account from the server (working and finished)."""
        acct = self._account()
        placed = await self.sessions.call(acct.get_live_orders, what="orders")
        orders = {str(o.id): to_order_info(o) for o in placed}
        try:
            complex_orders = await self.sessions.call(acct.get_live_complex_orders, what="complex orders")
        except BrokerFailure as e:  # the plain orders still show
            log.info("complex orders unavailable: %s", e)
            complex_orders = []
        for c in complex_orders:  # OCO / OTOCO: their orders grouped under the complex order
            members = [*(c.orders or []), *([c.trigger_order] if c.trigger_order is not None else [])]
            for o in members:
                info = replace(to_order_info(o), complex_order_id=str(c.id), complex_order_tag=_val(c.type))
                orders[info.id] = info
        self.orders = orders
        return self.list()

    def list(self, working_only: bool = False) -> list[OrderInfo]:
        xs = sorted(self.orders.values(), key=lambda o: -(o.received_at or o.updated_at or 0.0))
        return [o for o in xs if o.working] if working_only else xs

    def on_event(self, event: ev.BrokerEvent) -> None:
        """Broker listener: keep the table current from the account streamer."""
        if isinstance(event, ev.OrderUpdated):
            self.orders[event.order.id] = event.order

    # -- dry run --------------------------------------------------------------------------------

    async def resolve(self, req: OrderRequest) -> OrderRequest:
        """Futures, futures-option and crypto legs with their contract terms from the server
        (``/ES`` becomes its active month); UnknownSymbolError names an unknown contract."""
        from ttai_tui.broker.instruments import resolve_request

        return await resolve_request(self.sessions, req)

    async def dry_run(self, req: OrderRequest, *, replaces: str | None = None,
                      mark: float | None = None) -> Review:
        """Resolve contracts, validate, then ask the server what the order would do. Sends nothing.
        ``mark``: the order's price per unit from the quotes (+ credit / - debit): the risk
        figures start from it, and a market order's notional is capped at it."""
        req = await self.resolve(req)
        market = mark if req.order_type == "Market" else None
        validate(req, self.policy.limits, market=market)
        acct = self._account()
        sdk_order = to_sdk_order(req)
        from tastytrade.utils import TastytradeError

        try:
            resp = await self.sessions.call(acct.place_order, sdk_order, dry_run=True, what="order dry run")
            review = review_from(resp, req, str(acct.account_number))
        except BrokerFailure as e:
            # a refusal of the dry run is shown in the review as the server's error, verbatim
            log.info("dry run refused: %s", e)
            text = str(e).removeprefix("order dry run failed: ")
            review = Review(req, 0.0, None, None, None, 0.0, errors=(text,), account=str(acct.account_number))
        except TastytradeError as e:  # sessions.call maps these; kept for safety
            log.info("dry run refused: %s", e)
            review = Review(req, 0.0, None, None, None, 0.0, errors=(str(e),), account=str(acct.account_number))
        if self.risk is not None:
            try:
                r = self.risk(req, mark)
                review = replace(review, max_profit=r.max_profit, max_loss=r.max_loss,
                                 breakevens=r.breakevens, pop=r.pop, risk_note=r.note)
            except Exception:  # risk figures are advisory; the review still shows
                log.exception("risk figures failed for %s", [leg.symbol for leg in req.legs])
        if replaces is not None:
            review = replace(review, replaces=replaces)
        cap, key = notional_cap(req, self.policy.limits)
        if req.order_type == "Market" and market is None and cap and not review.errors:
            # the cap cannot be checked: not sendable (confirm refuses a review with errors)
            review = replace(review, errors=(f"no quote for {req.legs[0].name.strip()} yet to check the "
                                             f"notional cap ([trading] {key}) against: wait for a quote "
                                             "or use a limit order",))
        return replace(review, market=market)

    def pending(self, review: Review) -> Pending:
        kind = "replace" if review.replaces else "place"
        return Pending(kind, review.account, review=review, order_id=review.replaces)

    def pending_cancel(self, order_id: str) -> Pending:
        return Pending("cancel", self.account_number, order_id=order_id)

    def confirm(self, pending: Pending, answer: str) -> Confirmation:
        """The gate, with this desk's policy (see module ``confirm``)."""
        return confirm(pending, answer, self.policy)

    # -- sending (only with a confirmation) ------------------------------------------------------

    async def execute(self, confirmation: Confirmation) -> OrderInfo:
        """Carry out a confirmed place / replace / cancel; returns the server's view of the order.

        Raises OrderRejected (nothing working), OrderOutcomeUnknown (could not find out)."""
        async with self._lock:
            return await self._transmit(confirmation)

    async def _transmit(self, c: Confirmation) -> OrderInfo:
        """The ONLY caller of the SDK's sending methods (place_order with dry_run=False,
        replace_order, delete_order)."""
        if not isinstance(c, Confirmation) or not c.genuine:
            raise NotConfirmed("not confirmed: nothing was sent")
        if c.used:
            raise NotConfirmed("this confirmation was already used: an order is never re-sent")
        c.used = True
        p = c.pending
        acct = self._account()
        if str(acct.account_number) != p.account:
            raise NotConfirmed(f"the account changed to {acct.account_number} since the review: nothing was sent")
        session = self.sessions.session
        order_id = int(p.order_id) if p.order_id is not None else 0
        if p.kind == "cancel":
            try:
                await self._once(lambda: acct.delete_order(session, order_id), f"cancel order {order_id}")
            except OrderOutcomeUnknown as e:
                log.warning("cancel of order %s: %s; asking the server (not re-sending)", order_id, e)
            info = await self._fetch(acct, str(order_id))
            log.info("order %s cancel sent (account %s): %s", p.order_id, p.account, info.status)
            self._record(info)
            return info
        assert p.review is not None
        req = p.review.request
        if p.kind == "replace":
            sdk_order = to_sdk_order(req)
            try:
                placed = await self._once(lambda: acct.replace_order(session, order_id, sdk_order),
                                          f"replace order {p.order_id}")
                info = to_order_info(placed)
            except OrderOutcomeUnknown as e:
                log.warning("replace of order %s: %s; asking the server (not re-sending)", order_id, e)
                info = await self._replacement(acct, str(order_id))
            log.info("order %s replaced (account %s): %s %s -> %s", p.order_id, p.account,
                     req.order_type, _price_log(req), info.status)
            self._record(info)
            return info
        ext = f"ttai-{uuid.uuid4().hex[:16]}"
        record = SendRecord(ext, req, time.time(), set(self.orders))
        sdk_order = to_sdk_order(req, ext)
        log.info("sending order %s (account %s): %s %s %s", ext, p.account, req.order_type,
                 _price_log(req), [leg.label for leg in req.legs])
        try:
            resp = await self._once(lambda: acct.place_order(session, sdk_order, dry_run=False), "order")
        except OrderOutcomeUnknown:
            info = await self._resolve(acct, record)
            self._record(info)
            return info
        info = to_order_info(resp.order)
        log.info("order %s placed (account %s, ref %s): %s", info.id, p.account, ext, info.status)
        self._record(info)
        self._follow(acct, info)
        return info

    async def _once(self, call: Callable[[], Any], what: str) -> Any:
        """One request, never repeated, except after a 401 (the server refused it unread)."""
        import httpx2
        import pydantic
        from tastytrade.utils import TastytradeError

        for attempt in (1, 2):
            try:
                return await asyncio.wait_for(call(), SEND_TIMEOUT_S)
            except HttpStatusError as e:
                if e.status == 401 and attempt == 1:
                    await self.sessions.refresh(force=True)
                    continue
                if e.status == 429:
                    raise OrderRejected(f"{what}: the server is rate limiting; nothing was done, try again") from None
                if e.status >= 500:
                    raise OrderOutcomeUnknown(f"{what}: the server failed (HTTP {e.status})") from None
                raise OrderRejected(f"{what} refused: HTTP {e.status}") from None
            except TastytradeError as e:
                text = printable("; ".join(x for x in str(e).splitlines() if x.strip()), 300)
                raise OrderRejected(f"{what} rejected: {text}") from None
            except pydantic.ValidationError as e:
                # the server answered 2xx but in a shape we cannot read: it may have acted
                raise OrderOutcomeUnknown(f"{what}: unreadable answer ({e.error_count()} problems)") from None
            except (OSError, TimeoutError, httpx2.TransportError) as e:
                raise OrderOutcomeUnknown(f"{what}: connection lost ({type(e).__name__})") from None
        raise OrderRejected(f"{what}: not authorised")

    async def _fetch(self, acct: Any, order_id: str) -> OrderInfo:
        placed = await self.sessions.call(acct.get_order, int(order_id), what=f"order {order_id}")
        return to_order_info(placed)

    async def _replacement(self, acct: Any, order_id: str) -> OrderInfo:
        """After a lost connection on a replace: the order that replaced ``order_id`` when the
        server made one (a replace is a cancel-replace: the old order reads Cancelled while the
        new one works), else ``order_id`` as it is now. Reads only; nothing is re-sent."""
        placed = await self.sessions.call(acct.get_order, int(order_id), what=f"order {order_id}")
        new_id = placed.replacing_order_id
        if new_id is None:
            return to_order_info(placed)
        info = await self._fetch(acct, str(new_id))
        log.info("order %s was replaced by order %s after a lost connection: %s", order_id, info.id, info.status)
        return info

    async def _resolve(self, acct: Any, record: SendRecord) -> OrderInfo:
        """After a lost connection: ask the server which order it has; never send again."""
        log.warning("order %s: outcome unknown; asking the server (not re-sending)", record.external_id)
        last: Exception | None = None
        for i in range(RESOLVE_TRIES):
            try:
                placed = await self.sessions.call(acct.get_live_orders, what="orders")
            except BrokerFailure as e:
                log.info("order %s: asking the server failed (%s)", record.external_id, e)
                last = e
                await asyncio.sleep(0.5 * (i + 1))
                continue
            infos = [to_order_info(o) for o in placed]
            by_ext = [o for o, raw in zip(infos, placed, strict=True)
                      if getattr(raw, "external_identifier", None) == record.external_id]
            match = by_ext or [
                o for o in infos
                if o.id not in record.known_ids and _same_legs(o, record.request)
                and (o.received_at is None or o.received_at >= record.started - 5.0)
            ]
            if match:
                info = match[0]
                log.info("order %s found on the server after a lost connection: %s (ref %s)",
                         info.id, info.status, record.external_id)
                return info
            log.info("order %s is not on the server: it was not placed", record.external_id)
            raise OrderRejected("the connection was lost and the server has no such order: it was not placed")
        raise OrderOutcomeUnknown(
            "the connection was lost after sending and the server could not be asked "
            f"({type(last).__name__ if last else 'no answer'}); check the orders view before "
            "sending again")

    def _follow(self, acct: Any, info: OrderInfo) -> None:
        """Poll a fresh order for a few seconds (reads only): its fill reaches the screen even
        when the account streamer is down or not yet connected."""
        if not info.working:
            return
        task = asyncio.get_running_loop().create_task(self._poll(acct, info.id), name=f"ttai-follow-{info.id}")
        self._followers.add(task)
        task.add_done_callback(self._followers.discard)

    async def _poll(self, acct: Any, order_id: str) -> None:
        for _ in range(FOLLOW_POLLS):
            await asyncio.sleep(FOLLOW_EVERY_S)
            known = self.orders.get(order_id)
            if known is not None and not known.working:
                return  # the streamer (or a later call) already told us
            try:
                info = await self._fetch(acct, order_id)
            except BrokerFailure as e:
                log.info("following order %s: %s", order_id, e)
                continue
            if known is None or (info.status, info.filled_quantity) != (known.status, known.filled_quantity):
                self.orders[info.id] = info
                self.emit(ev.OrderUpdated(info))
            if not info.working:
                return

    async def stop(self) -> None:
        from ttai_tui.broker.tasks import cancel_all

        await cancel_all(list(self._followers))

    def _record(self, info: OrderInfo) -> None:
        self.orders[info.id] = info
        self.sent.append((info.id, info.status))
        self.emit(ev.OrderUpdated(info))


def _price_log(req: OrderRequest) -> str:
    if req.price is None:
        return "market"
    return price_words(req.price, req.price_effect)


def policy_from_settings(settings: Any, mode: str) -> TradingPolicy:
    t = getattr(settings, "trading", None) if settings is not None else None
    live = mode == "live"
    if t is None:
        return TradingPolicy(live=live)
    return TradingPolicy(live=live, confirm_live=t.confirm_live,
                         limits=Limits(t.max_quantity, t.max_notional, t.max_futures_notional))
