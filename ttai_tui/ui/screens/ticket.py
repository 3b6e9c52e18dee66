"""The order ticket (modal): legs, buy/sell, quantity, type, time in force, price from the mid.

Keyboard only (mouse optional): every key is a binding with an id (remappable in [keys]) and is
listed in the ticket itself. `enter` asks the server for the dry run and shows the review; only
`y` there (or the account's last four digits in LIVE when configured) passes the confirmation
gate, and the send happens here, once, in a worker. A refused or failed send keeps the ticket
open with the server's words; it never shows as working.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ttai_tui.broker.errors import BrokerFailure
from ttai_tui.core.clock import ny_date
from ttai_tui.core.models import Expiration, OptionChain
from ttai_tui.core.orders import (
    CRYPTO,
    FUTURE,
    FUTURE_OPTION,
    LOOKED_UP,
    ORDER_TYPES,
    PRICE_DECIMALS,
    TIFS,
    OrderInfo,
    OrderInvalid,
    OrderLeg,
    OrderRequest,
    Review,
    natural_and_mid,
    order_tick,
    parse_quantity,
    price_text,
    price_words,
    quantity_text,
    step_price,
    validate,
)
from ttai_tui.ui.bridge import Bridge, require_bridge

log = logging.getLogger("ttai_tui.ui.ticket")

FLIP = {"Buy to Open": "Sell to Open", "Sell to Open": "Buy to Open",
        "Buy to Close": "Sell to Close", "Sell to Close": "Buy to Close", "Buy": "Sell", "Sell": "Buy"}
#: crypto is never short: buying opens, selling closes
CRYPTO_FLIP = {"Buy to Open": "Sell to Close", "Sell to Close": "Buy to Open"}


def flipped(leg: OrderLeg) -> OrderLeg:
    table = CRYPTO_FLIP if leg.instrument_type == CRYPTO else FLIP
    return replace(leg, action=table.get(leg.action, leg.action))
STRATEGY_KEYS = {"vertical": "V", "strangle": "G", "straddle": "D", "iron condor": "I",
                 "butterfly": "Y", "calendar": "C"}


@dataclass
class TicketContext:
    """Where the ticket came from: the chain (for strategy shortcuts and adding legs)."""

    chain: OptionChain | None = None
    expiration: Expiration | None = None
    strike: float | None = None
    side: str | None = None  # "C" | "P"


@dataclass
class ReviewReady(Message):
    review: Review | None
    error: str | None = None


@dataclass
class LegsResolved(Message):
    """The server's contract terms for the ticket's futures / futures-option / crypto legs:
    ``legs[i]`` is what ``asked[i]`` (a leg's symbol when the lookup started) resolved to."""

    legs: list[OrderLeg] | None
    error: str | None = None
    asked: list[str] | None = None


@dataclass
class SendDone(Message):
    order: OrderInfo | None
    error: str | None = None
    #: the send may have reached the server (lost connection, internal error): not "not sent"
    unknown: bool = False


class TicketScreen(ModalScreen[None]):
    AUTO_FOCUS = ""  # keys go to the screen's bindings; inputs are focused on purpose
    BINDINGS = [
        Binding("escape", "close", "Close", id="ticket-close", tooltip="Close the ticket (nothing is sent)"),
        Binding("enter", "review", "Review", id="ticket-review", tooltip="Dry run and review (sends nothing)"),
        Binding("up,k", "price(1)", "Price +", id="ticket-price-up", tooltip="Price up one tick"),
        Binding("down,j", "price(-1)", "Price -", id="ticket-price-down", tooltip="Price down one tick"),
        Binding("pageup", "price(10)", "Price ++", id="ticket-price-up-10", show=False, tooltip="Price up ten ticks"),
        Binding("pagedown", "price(-10)", "Price --", id="ticket-price-down-10", show=False,
                tooltip="Price down ten ticks"),
        Binding("m", "to_mid", "Mid", id="ticket-mid", tooltip="Price to the mid"),
        Binding("n", "to_natural", "Natural", id="ticket-natural", tooltip="Price to the natural price"),
        Binding("p", "edit('price')", "Type price", id="ticket-type-price", tooltip="Type a price"),
        Binding("b", "flip_side", "Buy/Sell", id="ticket-side", tooltip="Buy <-> sell (every leg)"),
        Binding("d", "flip_effect", "Debit/Credit", id="ticket-effect", tooltip="Debit <-> credit"),
        Binding("plus,equals_sign", "qty(1)", "Qty +", id="ticket-qty-up", tooltip="Quantity up"),
        Binding("minus", "qty(-1)", "Qty -", id="ticket-qty-down", tooltip="Quantity down"),
        Binding("q", "edit('qty')", "Type qty", id="ticket-type-qty", tooltip="Type a quantity"),
        Binding("t", "cycle_type", "Type", id="ticket-order-type", tooltip="Limit / market / stop / stop-limit"),
        Binding("f", "cycle_tif", "TIF", id="ticket-tif", tooltip="Day / GTC / GTD"),
        Binding("right_square_bracket", "gtd(1)", "GTD +1d", id="ticket-gtd-later", show=False,
                tooltip="GTD date one day later"),
        Binding("left_square_bracket", "gtd(-1)", "GTD -1d", id="ticket-gtd-earlier", show=False,
                tooltip="GTD date one day earlier"),
        Binding("greater_than_sign", "stop(1)", "Stop +", id="ticket-stop-up", show=False,
                tooltip="Stop price up one tick"),
        Binding("less_than_sign", "stop(-1)", "Stop -", id="ticket-stop-down", show=False,
                tooltip="Stop price down one tick"),
        Binding("a", "add_leg", "Add leg", id="ticket-add-leg",
                tooltip="Add a leg: pick a strike in the chain, enter adds it"),
        Binding("x", "remove_leg", "Drop leg", id="ticket-remove-leg", tooltip="Remove the last leg"),
        Binding("V", "strategy('vertical')", "Vertical", id="ticket-vertical", show=False,
                tooltip="Vertical spread from the first leg"),
        Binding("G", "strategy('strangle')", "Strangle", id="ticket-strangle", show=False,
                tooltip="Strangle around the first leg's strike"),
        Binding("D", "strategy('straddle')", "Straddle", id="ticket-straddle", show=False,
                tooltip="Straddle at the first leg's strike"),
        Binding("I", "strategy('iron condor')", "Iron condor", id="ticket-iron-condor", show=False,
                tooltip="Iron condor around the first leg's strike"),
        Binding("Y", "strategy('butterfly')", "Butterfly", id="ticket-butterfly", show=False,
                tooltip="Butterfly centred on the first leg's strike"),
        Binding("C", "strategy('calendar')", "Calendar", id="ticket-calendar", show=False,
                tooltip="Calendar: this expiration against a later one"),
    ]

    def __init__(self, legs: list[OrderLeg], *, title: str = "Order", context: TicketContext | None = None,
                 order_type: str = "Limit", replaces: OrderInfo | None = None) -> None:
        super().__init__()
        self.legs = list(legs)
        self.title_text = title
        self.context = context or TicketContext()
        self.qty: int | Decimal = _gcd(legs)
        self.ratios = [max(1, int(leg.quantity // self.qty)) for leg in legs]
        self.resolving = False
        self.awaiting_desk = False  # the contract lookup waits for the broker's order desk
        self.order_type = order_type
        self.tif = "Day"
        self.gtd: date | None = None
        self.price: float | None = None
        self.effect: str | None = None
        self.stop: float | None = None
        self.manual_price = False
        self.message: tuple[str, str] | None = None  # (text, style)
        self.editing: str | None = None
        self.busy = False
        self.last_order: OrderInfo | None = None
        self.replaces = replaces
        if replaces is not None:  # same legs; price (and type/TIF) change
            self.order_type = replaces.order_type if replaces.order_type in ORDER_TYPES else "Limit"
            self.tif = replaces.tif if replaces.tif in TIFS else "Day"
            self.gtd = replaces.gtd_date
            self.price, self.effect = replaces.price, replaces.price_effect
            self.stop = replaces.stop_trigger
            self.manual_price = True

    # -- layout ----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="ticket-box"):
            yield Static("", id="ticket-banner")
            yield Static("", id="ticket-body", markup=False)
            yield Input(id="ticket-input", placeholder="")
            yield Static("", id="ticket-keys", markup=False)

    def on_mount(self) -> None:
        self.query_one("#ticket-input").display = False
        live = self._live()
        banner = self.query_one("#ticket-banner", Static)
        if live:
            banner.update(Text(f" LIVE  account {self._account()} ", "bold white on red"))
        else:
            banner.display = False
        box = self.query_one("#ticket-box")
        box.border_title = self.title_text
        if live:
            box.add_class("live")
        self._subscribe()
        self.set_interval(0.5, self._poll, name="ticket-quotes")
        self._resolve_legs()
        self._tick()

    def on_unmount(self) -> None:
        try:
            self.bridge.set_subscriptions("ticket", set())
        except Exception:
            log.exception("ticket: releasing subscriptions failed")

    @property
    def bridge(self) -> Bridge:
        return require_bridge(self)

    # -- futures, futures options, crypto: the contract from the server ------------------------

    def _resolve_legs(self) -> None:
        """Look up the legs whose terms only the server knows (/ES -> its active month)."""
        if all(leg.instrument_type not in LOOKED_UP or leg.instrument is not None for leg in self.legs):
            return
        try:
            desk = self.bridge.order_desk()
        except Exception as e:  # not connected yet: looked up again on the next tick (_poll)
            if not self.awaiting_desk:
                log.info("ticket: no order desk to look up contracts yet: %s", e)
            self.awaiting_desk = True
            self.message = (f"cannot look up {self.legs[0].symbol} yet ({e}); trying again…", "yellow")
            return
        self.awaiting_desk = False
        self.resolving = True
        self.message = (f"looking up {', '.join(leg.symbol.strip() for leg in self.legs)} on the server…", "dim")
        self.run_worker(self._lookup(desk, OrderRequest(tuple(self.legs))), group="ticket-lookup",
                        exclusive=True, exit_on_error=False)

    async def _lookup(self, desk: Any, req: OrderRequest) -> None:
        try:
            resolved = await desk.resolve(req)
        except Exception as e:  # unknown / expired contract, or no connection: named in the ticket
            log.info("ticket: contract lookup failed: %s", e)
            self.post_message(LegsResolved(None, str(e) or type(e).__name__))
            return
        self.post_message(LegsResolved(list(resolved.legs), asked=[leg.symbol for leg in req.legs]))

    def on_legs_resolved(self, msg: LegsResolved) -> None:
        self.resolving = False
        if msg.legs is None:
            self._say(f"{msg.error}", "bold red")
            return
        # matched by symbol: a leg may have been dropped (x) or added (a) while the server answered
        found = dict(zip(msg.asked or [], msg.legs, strict=True))
        self.legs = [replace(found[old.symbol], action=old.action, quantity=old.quantity)
                     if old.symbol in found else old for old in self.legs]
        if any(leg.instrument_type in LOOKED_UP and leg.instrument is None for leg in self.legs):
            self._resolve_legs()  # a leg added meanwhile
            return
        notes = [leg.instrument.resolved_note for leg in self.legs
                 if leg.instrument is not None and leg.instrument.resolved_note]
        self.message = ("; ".join(notes), "cyan") if notes else None
        self.manual_price = self.manual_price and self.replaces is not None
        self._subscribe()
        self._tick()

    def _live(self) -> bool:
        try:
            return bool(self.bridge.trading_mode() == "live")
        except Exception:
            log.exception("ticket: trading mode unknown")
            return False

    def _account(self) -> str:
        return str(self.bridge.account() or "—")

    def _subscribe(self) -> None:
        self.bridge.set_subscriptions("ticket", {leg.streamer_symbol for leg in self.legs} |
                                      {leg.price_symbol for leg in self.legs[:1]})

    # -- the order -------------------------------------------------------------------------------

    def request(self) -> OrderRequest:
        legs = tuple(replace(leg, quantity=r * self.qty) for leg, r in zip(self.legs, self.ratios, strict=True))
        otype = self.order_type
        price = None if otype in ("Market", "Stop") else self.price
        effect = None if price is None else self.effect
        stop = self.stop if otype in ("Stop", "Stop Limit") else None
        return OrderRequest(legs, otype, self.tif, price, effect, stop, self.gtd if self.tif == "GTD" else None)

    def _quotes(self) -> dict[str, tuple[float | None, float | None]]:
        state = self.bridge.state
        out: dict[str, tuple[float | None, float | None]] = {}
        for leg in self.legs:
            q = state.quotes.get(leg.streamer_symbol)
            if q is not None:
                out[leg.streamer_symbol] = (q.bid, q.ask)
        return out

    def natural_mid(self) -> tuple[float | None, float | None]:
        return natural_and_mid(self.request(), self._quotes())

    def _poll(self) -> None:
        """Every half second: the contract lookup once the connection is up, then the prices."""
        if self.awaiting_desk:
            self._resolve_legs()
        self._tick()

    def _tick(self) -> None:
        _nat, mid = self.natural_mid()
        if not self.manual_price and mid is not None and self.legs:
            self._set_from_net(mid)
        if self.stop is None and mid is not None and self.legs:
            self.stop = step_price(self.request(), abs(mid), 0)
        self._redraw()

    def _set_from_net(self, net: float) -> None:
        req = self.request()
        self.effect = "Credit" if net > 0 else "Debit"
        self.price = step_price(req, abs(net), 0)

    def _redraw(self) -> None:
        req = self.request()
        nat, mid = natural_and_mid(req, self._quotes())
        t = Text(no_wrap=False)
        for i, leg in enumerate(req.legs, 1):
            t.append(f"{i}. ", "dim")
            t.append(leg.action, "green" if leg.is_buy else "red")
            t.append(f" {quantity_text(leg.quantity)} {leg.name.strip()}")
            ins = leg.instrument
            if ins is not None and leg.instrument_type in (FUTURE, FUTURE_OPTION):
                exp = f" exp {ins.expiration:%b %d %Y}" if ins.expiration else ""
                t.append(f"  ×{ins.multiplier:g}{exp}", "dim")
            elif ins is None and leg.instrument_type in LOOKED_UP:
                t.append("  (looking up…)" if self.resolving else "  (not found)", "dim")
            t.append("\n")
        if not req.legs:
            t.append("no legs: press a to add one from the chain\n", "yellow")
        t.append("\nType  ", "dim")
        t.append(req.order_type, "bold")
        t.append("   TIF  ", "dim")
        t.append(req.tif + (f" {req.gtd_date}" if req.gtd_date else ""), "bold")
        t.append("   Qty  ", "dim")
        t.append(quantity_text(self.qty), "bold")
        t.append("\n")
        if req.order_type in ("Limit", "Stop Limit"):
            t.append("Price ", "dim")
            t.append(price_words(req.price, req.price_effect), "bold yellow")
            if req.price is not None:
                tick = order_tick(req, req.price)
                t.append(f"  (tick {price_text(tick, tick)})", "dim")
        else:
            t.append("Price ", "dim")
            t.append("market", "bold yellow")
        if req.order_type in ("Stop", "Stop Limit"):
            t.append("   Stop ", "dim")
            t.append("—" if self.stop is None else f"{self.stop:.2f}", "bold")
        t.append("\nMid   ", "dim")
        t.append(_net_words(mid))
        t.append("   Natural ", "dim")
        t.append(_net_words(nat))
        notional = req.notional()
        if notional is not None and req.is_future:
            t.append("\nNotional ", "dim")
            t.append(f"${notional:,.2f}", "bold")
            t.append(" (margined, not paid)", "dim")
        elif notional is not None and req.price_effect:
            t.append("\nTotal ", "dim")
            t.append(f"${notional:,.2f} {req.price_effect.lower()}", "bold")
        if self.message is not None:
            t.append("\n\n" + self.message[0], self.message[1])
        self.query_one("#ticket-body", Static).update(t)
        self.query_one("#ticket-keys", Static).update(Text(
            "enter review · ↑↓ price · m mid · n natural · p type price · b buy/sell · d debit/credit · "
            "+/- qty · t type · f TIF · a add leg · x drop leg · V/G/D/I/Y/C strategies · esc close",
            "dim"))

    def _say(self, text: str, style: str = "yellow") -> None:
        self.message = (text, style)
        self._redraw()

    # -- actions ---------------------------------------------------------------------------------

    def action_close(self) -> None:
        if self.editing:
            self._stop_editing()
            return
        self.dismiss(None)

    def action_price(self, steps: int) -> None:
        req = self.request()
        if self.price is None:
            _, mid = self.natural_mid()
            if mid is None:
                self._say("no quote yet to start the price from: type one with p")
                return
            self._set_from_net(mid)
        assert self.price is not None
        self.price = step_price(req, self.price, steps)
        self.manual_price = True
        self.message = None
        self._redraw()

    def action_to_mid(self) -> None:
        _, mid = self.natural_mid()
        if mid is None:
            self._say("no quote yet")
            return
        self._set_from_net(mid)
        self.manual_price = False
        self._redraw()

    def action_to_natural(self) -> None:
        nat, _ = self.natural_mid()
        if nat is None:
            self._say("no quote yet")
            return
        self._set_from_net(nat)
        self.manual_price = True
        self._redraw()

    def action_flip_side(self) -> None:
        if self._fixed_legs():
            return
        self.legs = [flipped(leg) for leg in self.legs]
        self.manual_price = False
        self._tick()

    def action_flip_effect(self) -> None:
        self.effect = "Credit" if self.effect == "Debit" else "Debit"
        self.manual_price = True
        self._redraw()

    def action_qty(self, step: int) -> None:
        if self._fixed_legs():
            return
        if isinstance(self.qty, Decimal):  # a crypto fraction steps in its last typed digit
            exp = self.qty.as_tuple().exponent
            unit = Decimal(1).scaleb(exp) if isinstance(exp, int) and exp < 0 else Decimal(1)
            step_q: int | Decimal = unit * step
        else:
            step_q = step
        if self.qty + step_q <= 0:
            self._say("the quantity is already the smallest step: type a smaller one with q"
                      if self._fractional() else "the quantity is at least 1")
            return
        new_qty = self.qty + step_q
        self.qty = int(new_qty) if isinstance(new_qty, Decimal) and new_qty == new_qty.to_integral_value() \
            else new_qty
        self.message = None
        self._redraw()

    def action_cycle_type(self) -> None:
        self.order_type = ORDER_TYPES[(ORDER_TYPES.index(self.order_type) + 1) % len(ORDER_TYPES)]
        self._redraw()

    def action_cycle_tif(self) -> None:
        self.tif = TIFS[(TIFS.index(self.tif) + 1) % len(TIFS)]
        if self.tif == "GTD" and self.gtd is None:
            self.gtd = ny_date(self.bridge.clock.now()) + timedelta(days=30)
        self._redraw()

    def action_gtd(self, days: int) -> None:
        if self.tif != "GTD" or self.gtd is None:
            self._say("GTD dates apply to GTD orders: press f to choose GTD")
            return
        today = ny_date(self.bridge.clock.now())
        self.gtd = max(today + timedelta(days=1), self.gtd + timedelta(days=days))
        self._redraw()

    def action_stop(self, steps: int) -> None:
        if self.order_type not in ("Stop", "Stop Limit") or self.stop is None:
            self._say("stop prices apply to stop orders: press t")
            return
        self.stop = step_price(self.request(), self.stop, steps)
        self._redraw()

    def action_edit(self, what: str) -> None:
        box = self.query_one("#ticket-input", Input)
        self.editing = what
        box.placeholder = "price, e.g. 1.25 (enter sets it, esc cancels)" if what == "price" else \
            "quantity, e.g. 0.05 (enter sets it, esc cancels)" if self._fractional() else \
            "quantity, e.g. 2 (enter sets it, esc cancels)"
        box.value = ""
        box.display = True
        box.focus()

    def _stop_editing(self) -> None:
        box = self.query_one("#ticket-input", Input)
        box.display = False
        self.editing = None
        self.set_focus(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        what, text = self.editing, event.value.strip()
        self._stop_editing()
        if not text:
            self._redraw()
            return
        try:
            if what == "qty":
                try:
                    n = parse_quantity(text)
                except OrderInvalid as e:
                    raise ValueError(str(e)) from None
                if isinstance(n, Decimal) and not self._fractional():
                    names = ", ".join(leg.name.strip() for leg in self.legs)
                    self._say(f"quantity {text} is fractional: only crypto trades in fractions "
                              f"({names} trades whole units)", "red")
                    return
                self.qty = n
            else:
                v = float(text)
                if not v > 0 or v != v or v == float("inf"):
                    raise ValueError
                self.price = round(v, PRICE_DECIMALS)
                self.manual_price = True
                if self.effect is None:
                    self.effect = "Debit"
            self.message = None
        except ValueError:
            log.debug("ticket: bad %s typed: %r", what, text)
            self._say(f"{text!r} is not a valid {'quantity' if what == 'qty' else 'price'}", "red")
            return
        self._redraw()

    def _fractional(self) -> bool:
        return len(self.legs) == 1 and self.legs[0].instrument_type == CRYPTO

    def action_remove_leg(self) -> None:
        if self._fixed_legs():
            return
        if len(self.legs) <= 1:
            self._say("an order needs at least one leg")
            return
        self.legs.pop()
        self.ratios.pop()
        self.manual_price = False
        self._subscribe()
        self._tick()

    def _fixed_legs(self) -> bool:
        if self.replaces is not None:
            self._say("a replace keeps the order's legs and quantity: change the price (↑↓, p)")
            return True
        return False

    def add_leg(self, leg: OrderLeg) -> None:
        """A leg picked in the chain while the ticket was parked (`a`)."""
        if any(x.symbol == leg.symbol for x in self.legs):
            self._say(f"{leg.symbol.strip()} is already a leg", "red")
            return
        if len(self.legs) >= 4:
            self._say("an order has at most 4 legs", "red")
            return
        self.legs.append(leg)
        self.ratios.append(1)
        self.manual_price = False
        self._subscribe()
        self._tick()

    def action_add_leg(self) -> None:
        if self._fixed_legs():
            return
        from ttai_tui.ui.trading import TradingMixin

        app = self.app
        if isinstance(app, TradingMixin):
            app.park_ticket(self)
        else:
            self._say("adding legs needs the dashboard's chain", "red")

    def action_strategy(self, name: str) -> None:
        if self._fixed_legs():
            return
        ctx = self.context
        first = self.legs[0] if self.legs else None
        opt = first.option if first is not None else None
        if ctx.chain is None or opt is None:
            self._say("strategy shortcuts start from an option picked in the chain", "red")
            return
        exp = next((e for e in ctx.chain.expirations if e.date == opt.expiration), ctx.expiration)
        if exp is None:
            self._say("the chain has no such expiration", "red")
            return
        from ttai_tui.core.strategies import build

        settings = getattr(self.app, "settings", None)
        trading = getattr(settings, "trading", None)
        width = float(getattr(trading, "spread_width", 5.0))
        days = int(getattr(trading, "calendar_days", 28))
        try:
            legs = build(name, ctx.chain, exp, opt.strike, opt.option_type, first.is_buy if first else True,
                         1, width, days)
        except ValueError as e:
            self._say(str(e), "red")
            return
        self.legs = list(legs)
        self.ratios = [int(leg.quantity) for leg in legs]
        self.legs = [replace(leg, quantity=r) for leg, r in zip(self.legs, self.ratios, strict=True)]
        self.manual_price = False
        self.title_text = name.title()
        self.query_one("#ticket-box").border_title = f"{self.title_text} · {opt.root}"
        self._subscribe()
        self._say(f"{name}: legs built from {opt.label} (width {width:g}); b flips long/short", "cyan")
        self._tick()

    # -- review and send -------------------------------------------------------------------------

    def action_review(self) -> None:
        if self.editing or self.busy:
            return
        if self.resolving:
            self._say("still looking up the contract on the server…", "yellow")
            return
        req = self.request()
        today = ny_date(self.bridge.clock.now())
        try:
            desk = self.bridge.order_desk()
            validate(req, desk.policy.limits, today)
        except OrderInvalid as e:
            log.info("ticket refused before sending: %s", e)
            self._say(str(e), "bold red")
            return
        except Exception as e:  # not connected yet
            log.info("ticket: no order desk: %s", e)
            self._say(str(e), "bold red")
            return
        self.busy = True
        self._say("asking the server for the dry run…", "dim")
        _, mid = self.natural_mid()
        self.run_worker(self._dry_run(desk, req, mid), group="ticket-dry-run", exclusive=True, exit_on_error=False)

    async def _dry_run(self, desk: Any, req: OrderRequest, mid: float | None) -> None:
        try:
            replaces = self.replaces.id if self.replaces is not None else None
            review = await desk.dry_run(req, mark=mid, replaces=replaces)
        except Exception as e:  # shown in the ticket; nothing was sent
            log.info("dry run failed: %s", e)
            self.post_message(ReviewReady(None, str(e) or type(e).__name__))
            return
        self.post_message(ReviewReady(review))

    def on_review_ready(self, msg: ReviewReady) -> None:
        self.busy = False
        if msg.review is None:
            self._say(f"dry run failed: {msg.error}", "bold red")
            return
        self.message = None
        self._redraw()
        from ttai_tui.ui.screens.review import ReviewScreen

        desk = self.bridge.order_desk()
        self.app.push_screen(ReviewScreen(msg.review, desk, live=self._live()), self._reviewed)

    def _reviewed(self, confirmation: Any) -> None:
        if confirmation is None:
            self._say("not sent", "dim")
            return
        self.busy = True
        self._say("sending…", "bold")
        desk = self.bridge.order_desk()
        self.run_worker(self._send(desk, confirmation), group="ticket-send", exclusive=True, exit_on_error=False)

    async def _send(self, desk: Any, confirmation: Any) -> None:
        from ttai_tui.broker.orders import NotConfirmed, OrderRejected

        try:
            info = await desk.execute(confirmation)
        except (OrderRejected, NotConfirmed) as e:  # refused: nothing is working
            log.info("send refused: %s", e)
            self.post_message(SendDone(None, str(e) or type(e).__name__))
            return
        except Exception as e:  # lost connection or a ttai bug: it may have reached the server
            log.warning("send outcome unknown: %s", e, exc_info=not isinstance(e, BrokerFailure))
            self.post_message(SendDone(None, str(e) or type(e).__name__, unknown=True))
            return
        self.post_message(SendDone(info))

    def on_send_done(self, msg: SendDone) -> None:
        self.busy = False
        if msg.order is None and msg.unknown:  # never "not sent": sending again could double it
            self._say(f"OUTCOME UNKNOWN: the order may be working: {msg.error}; check the orders "
                      "view (o) before sending again", "bold red")
            self.app.notify(str(msg.error), title="Order outcome unknown", severity="error", timeout=12)
            return
        if msg.order is None:
            self._say(f"NOT SENT / NOT WORKING: {msg.error}", "bold red")
            self.app.notify(str(msg.error), title="Order not placed", severity="error", timeout=8)
            return
        o = msg.order
        self.last_order = o
        self.app.notify(f"order {o.id}: {o.status}", title="Order sent", timeout=5)
        self.dismiss(None)

    def on_key(self, event: events.Key) -> None:
        # digits typed straight into the ticket start a price edit (quicker than p)
        if self.editing is None and event.character and event.character in "0123456789.":
            self.action_edit("price")
            box = self.query_one("#ticket-input", Input)
            box.value = event.character
            box.cursor_position = 1
            event.stop()


def _gcd(legs: list[OrderLeg]) -> int | Decimal:
    """The ticket's quantity: the legs' common factor (a crypto leg's own fraction)."""
    qs = [leg.quantity for leg in legs]
    if len(qs) == 1 and isinstance(qs[0], Decimal) and qs[0] > 0:
        return qs[0]
    return max(1, math.gcd(*(int(q) for q in qs))) if qs else 1


def _net_words(net: float | None) -> str:
    if net is None:
        return "—"
    return price_words(abs(net), "Credit" if net > 0 else "Debit")
