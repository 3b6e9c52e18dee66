"""Accounts, balances and positions: REST at start, on account-streamer pushes, and on a poll.

Why three triggers: REST gives the truth at start; the account streamer (AlertStreamer) tells us
promptly when something changed (balance, position, order fill) so we reload; a slow poll is the
safety net for a streamer that silently died. Reloads are debounced so a burst of pushes costs
one REST round.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, SupportsFloat

from ttai_tui.broker import events as ev
from ttai_tui.broker.backoff import background_policy
from ttai_tui.broker.errors import BrokerFailure
from ttai_tui.broker.subscriptions import SubscriptionManager
from ttai_tui.broker.tasks import cancel_all
from ttai_tui.core.clock import NEW_YORK, Clock, ny_date
from ttai_tui.core.market_state import MarketState
from ttai_tui.core.models import AccountInfo, Balance, Position
from ttai_tui.core.portfolio import BETA_BENCHMARK

if TYPE_CHECKING:
    from tastytrade import Account, AlertStreamer, Session
    from tastytrade.account import AccountBalance, CurrentPosition
    from tastytrade.instruments import Cryptocurrency, Future
    from tastytrade.order import PlacedOrder

    from ttai_tui.broker.session import SessionManager

log = logging.getLogger(__name__)
DEBOUNCE_S = 0.3


def occ_to_streamer(occ: str) -> str:
    """``SPY   260717C00500000`` -> ``.SPY260717C500`` (``.SPY260717C502.5`` for halves)."""
    root = occ[:6].strip()
    rest = occ[6:].replace(" ", "")
    if len(rest) < 15:
        return occ
    exp, kind, digits = rest[:6], rest[6], rest[7:15]
    strike = int(digits) / 1000.0
    s = f"{strike:.3f}".rstrip("0").rstrip(".")
    return f".{root}{exp}{kind}{s}"


def _parse_occ(occ: str) -> tuple[Any, float, str] | None:
    rest = occ[6:].replace(" ", "")
    if len(rest) < 15 or rest[6] not in "CP":
        return None
    try:
        exp = datetime.strptime(rest[:6], "%y%m%d").date()
        return exp, int(rest[7:15]) / 1000.0, rest[6]
    except ValueError:
        log.debug("not an OCC option symbol: %r", occ[:40])
        return None


async def _futures(session: Session, symbols: list[str]) -> list[Future]:
    from tastytrade.instruments import Future

    return await Future.get(session, symbols)  # a list of symbols: the list overload


async def _cryptos(session: Session, symbols: list[str]) -> list[Cryptocurrency]:
    from tastytrade.instruments import Cryptocurrency

    return await Cryptocurrency.get(session, symbols)


def _f(v: SupportsFloat | None) -> float | None:
    return None if v is None else float(v)


def to_position(p: CurrentPosition, today: date) -> Position:
    """SDK ``CurrentPosition`` -> core ``Position`` (signed quantity, streamer symbol)."""
    itype = getattr(p.instrument_type, "value", str(p.instrument_type))
    qty = float(p.quantity)
    if str(p.quantity_direction).lower().startswith("short"):
        qty = -abs(qty)
    expiration = strike = kind = None
    streamer = p.symbol
    if itype == "Equity Option":
        parsed = _parse_occ(p.symbol)
        if parsed is not None:
            expiration, strike, kind = parsed
            streamer = occ_to_streamer(p.symbol)
    created = getattr(p, "created_at", None)
    opened_today = created is not None and created.astimezone(NEW_YORK).date() == today
    return Position(
        account=p.account_number,
        symbol=p.symbol,
        underlying=p.underlying_symbol,
        instrument_type=itype,
        quantity=qty,
        average_open_price=_f(p.average_open_price),
        close_price=_f(p.close_price) or None,
        multiplier=float(p.multiplier or 1),
        streamer_symbol=streamer,
        realized_day_gain=_f(p.realized_day_gain),
        opened_today=opened_today,
        expiration=expiration,
        strike=strike,
        option_type=kind,
        mark_from_rest=_f(p.mark_price) or _f(p.mark),
    )


def to_balance(b: AccountBalance, now: float) -> Balance:
    updated = getattr(b, "updated_at", None)
    return Balance(
        account=b.account_number,
        net_liq=_f(b.net_liquidating_value),
        option_buying_power=_f(b.derivative_buying_power),
        equity_buying_power=_f(b.equity_buying_power),
        cash=_f(b.cash_balance),
        maintenance_requirement=_f(b.maintenance_requirement),
        day_pnl=None,
        as_of=updated.timestamp() if updated is not None else None,
        fetched=now,
    )


#: index futures are beta-weighted with their ETF's beta (/ES moves with SPY, /NQ with QQQ)
INDEX_FUTURE_PROXY = {"ES": "SPY", "MES": "SPY", "NQ": "QQQ", "MNQ": "QQQ", "RTY": "IWM",
                      "M2K": "IWM", "YM": "DIA", "MYM": "DIA"}


def _product(future_symbol: str) -> str:
    """``/MESZ6`` -> ``MES`` (code = the symbol less its month letter and year digit)."""
    return future_symbol.lstrip("/")[:-2]


def wants_for_positions(positions: list[Position]) -> set[tuple[str, str]]:
    """Live data the positions view needs: marks, greeks, underlyings, and SPY for beta."""
    wants: set[tuple[str, str]] = set()
    for p in positions:
        wants.add(("Quote", p.streamer_symbol))
        wants.add(("Trade", p.streamer_symbol))
        if p.is_option:
            und = p.underlying_streamer or p.underlying
            wants.add(("Greeks", p.streamer_symbol))
            wants.add(("Quote", und))
            wants.add(("Trade", und))
    if positions:
        wants.add(("Quote", BETA_BENCHMARK))
        wants.add(("Trade", BETA_BENCHMARK))
    return wants


class AccountService:
    """Holds the current account's data; ``load()`` then ``start()``; ``refresh()`` any time."""

    def __init__(
        self,
        sessions: SessionManager,
        state: MarketState,
        subs: SubscriptionManager,
        clock: Clock,
        emit: Callable[[ev.BrokerEvent], None],
        *,
        default_account: str | None = None,
        poll_s: float = 60.0,
        base_url: str | None = None,
    ) -> None:
        self.sessions = sessions
        self.state = state
        self.subs = subs
        self.clock = clock
        self.emit = emit
        self.default_account = default_account
        self.poll_s = poll_s
        self.base_url = base_url  # REST URL of an exchange/demo target; None: the live API
        self.accounts: list[AccountInfo] = []
        self.account: AccountInfo | None = None
        self.positions: list[Position] = []
        self.balance: Balance | None = None
        self.reloads = 0
        self.alerts = 0
        self._sdk: dict[str, Any] = {}
        self._streamers: dict[str, str] = {}  # tastytrade symbol -> streamer symbol
        self._fop_info: dict[str, tuple[str, date, float, str]] = {}
        self._tasks: list[asyncio.Task[Any]] = []
        self._kick = asyncio.Event()
        self._lock = asyncio.Lock()
        self._backoff = background_policy()

    async def load(self) -> None:
        """Accounts, then the default account's balances and positions."""
        from tastytrade import Account

        sdk_accounts = await self.sessions.call(Account.get, what="accounts")
        self._sdk = {a.account_number: a for a in sdk_accounts}
        self.accounts = [
            AccountInfo(
                number=a.account_number,
                nickname=a.nickname or "",
                type_name=a.account_type_name or "",
                margin_or_cash=a.margin_or_cash or "",
                is_test=bool(getattr(a, "is_test_drive", False)),
            )
            for a in sdk_accounts
        ]
        if not self.accounts:
            raise BrokerFailure("no open accounts for these credentials")
        wanted = self.default_account
        self.account = next((a for a in self.accounts if a.number == wanted), self.accounts[0])
        await self.refresh()

    def kick(self) -> None:
        """Reload soon (debounced): an order filled, whether or not the streamer said so."""
        self._kick.set()

    def sdk_account(self) -> Account | None:
        """The SDK Account of the current account (for the order desk), or None."""
        return None if self.account is None else self._sdk.get(self.account.number)

    async def select(self, number: str) -> None:
        acct = next((a for a in self.accounts if a.number == number), None)
        if acct is None:
            raise BrokerFailure(f"unknown account {number}")
        self.account = acct
        await self.refresh()
        self._restart_alerts()

    async def refresh(self) -> None:
        """Reload balances and positions of the current account (one at a time)."""
        if self.account is None:
            return
        async with self._lock:
            acct = self._sdk[self.account.number]
            now = self.clock.now()
            bal, pos = await asyncio.gather(
                self.sessions.call(acct.get_balances, what="balances"),
                self.sessions.call(acct.get_positions, what="positions"),
            )
            today = ny_date(now)
            self.balance = to_balance(bal, now)
            self.positions = await self._with_streamers([to_position(p, today) for p in pos])
            self.reloads += 1
            self.subs.declare("positions", wants_for_positions(self.positions))
            unders = {p.beta_symbol or p.underlying for p in self.positions} | {BETA_BENCHMARK}
            try:
                from ttai_tui.broker.rest import market_metrics

                self.state.set_metrics(await market_metrics(self.sessions, sorted(unders)))
            except BrokerFailure as e:  # beta is a nice-to-have; P&L still works
                log.info("market metrics unavailable: %s", e)
        self.emit(ev.AccountUpdated(self.account))

    async def _with_streamers(self, positions: list[Position]) -> list[Position]:
        """Futures, futures options and crypto positions carry tastytrade symbols (/MESZ6,
        ./ESZ6 EW4Z6 261224C6100, BTC/USD); DXLink wants streamer symbols, which only the
        instrument routes know. Looked up once per symbol (cached), in at most three calls."""
        kinds = {"Future", "Future Option", "Cryptocurrency"}
        todo = [p for p in positions if p.instrument_type in kinds and p.symbol not in self._streamers]
        try:
            fops = [p.symbol for p in todo if p.instrument_type == "Future Option"]
            if fops:  # the SDK gets futures options one at a time
                # imported here: the SDK's instrument models (~25 ms) are not needed otherwise
                from tastytrade.instruments import FutureOption

                got = await asyncio.gather(*(self.sessions.call(
                    FutureOption.get, sym, what=f"futures option {sym}") for sym in fops))
                for fo in got:
                    self._streamers[fo.symbol] = str(fo.streamer_symbol)
                    self._fop_info[fo.symbol] = (fo.underlying_symbol, fo.expiration_date,
                                                 float(fo.strike_price), fo.option_type.value)
            futs = sorted({p.symbol for p in todo if p.instrument_type == "Future"}
                          | {u for u, *_ in self._fop_info.values() if u not in self._streamers})
            if futs:
                for f in await self.sessions.call(_futures, futs, what="futures"):
                    self._streamers[f.symbol] = str(f.streamer_symbol)
            coins = [p.symbol for p in todo if p.instrument_type == "Cryptocurrency"]
            if coins:
                for c in await self.sessions.call(_cryptos, coins, what="crypto"):
                    self._streamers[c.symbol] = str(c.streamer_symbol)
        except BrokerFailure as e:  # the rows still show, from REST marks, until the next poll
            log.warning("streamer symbols of futures/crypto positions unavailable: %s", e)
        out = []
        for p in positions:
            if p.instrument_type not in kinds:
                out.append(p)
                continue
            streamer = self._streamers.get(p.symbol, p.symbol)
            if p.instrument_type == "Future Option" and p.symbol in self._fop_info:
                und, exp, strike, kind = self._fop_info[p.symbol]
                out.append(replace(p, streamer_symbol=streamer, expiration=exp, strike=strike,
                                   option_type=kind, underlying_streamer=self._streamers.get(und),
                                   beta_symbol=INDEX_FUTURE_PROXY.get(_product(und))))
            elif p.instrument_type == "Future":
                out.append(replace(p, streamer_symbol=streamer, underlying_streamer=streamer,
                                   beta_symbol=INDEX_FUTURE_PROXY.get(_product(p.symbol))))
            else:
                out.append(replace(p, streamer_symbol=streamer, underlying_streamer=streamer))
        return out

    # ---- background ----------------------------------------------------------------------

    def start(self) -> None:
        self._tasks.append(asyncio.create_task(self._poller(), name="ttai-account-poll"))
        self._restart_alerts()

    def _restart_alerts(self) -> None:
        for t in self._tasks[1:]:
            t.cancel()
        del self._tasks[1:]
        self._tasks.append(asyncio.create_task(self._alerts(), name="ttai-account-stream"))

    async def stop(self) -> None:
        await cancel_all(self._tasks)
        self._tasks.clear()

    async def _poller(self) -> None:
        """Reload on a push (debounced) or every ``poll_s`` seconds."""
        while True:
            try:
                # asyncio.timeout, not wait_for: on 3.11 wait_for swallows a cancel that arrives
                # as the event is set (a push at stop), and stop() would then wait for ever
                async with asyncio.timeout(self.poll_s):
                    await self._kick.wait()
                await asyncio.sleep(DEBOUNCE_S)
            except TimeoutError:
                pass  # no push for poll_s: the periodic reload
            self._kick.clear()
            try:
                if self.account is None:
                    await self.load()  # the first load failed: keep trying
                else:
                    await self.refresh()
            except BrokerFailure as e:
                self.emit(ev.BrokerError(str(e), "account"))
            except Exception as e:  # keep polling whatever happened
                log.warning("account refresh failed: %s", type(e).__name__)

    async def _alerts(self) -> None:
        """Account streamer with reconnects; any push schedules a reload."""
        from tastytrade.order import PlacedOrder

        from ttai_tui.broker.endpoint import make_alert_streamer

        failures = 0
        while True:
            try:
                streamer = make_alert_streamer(self.sessions.session, self.base_url)
                async with streamer as st:
                    assert self.account is not None
                    await st.subscribe_accounts([self._sdk[self.account.number]])
                    failures = 0
                    async with asyncio.TaskGroup() as tg:
                        for cls_name in ("AccountBalance", "CurrentPosition"):
                            tg.create_task(self._listen_kick(st, cls_name))
                        tg.create_task(self._listen_orders(st, PlacedOrder))
            except* Exception as eg:
                log.info("account streamer dropped: %s", [type(e).__name__ for e in eg.exceptions])
            failures += 1
            await asyncio.sleep(self._backoff.delay(failures))

    async def _listen_kick(self, st: AlertStreamer, cls_name: str) -> None:
        from tastytrade.streamer import MAP_ALERTS

        async for _ in st.listen(MAP_ALERTS[cls_name]):
            self.alerts += 1
            self._kick.set()

    async def _listen_orders(self, st: AlertStreamer, cls: type[PlacedOrder]) -> None:
        async for order in st.listen(cls):
            self.alerts += 1
            self._kick.set()
            try:
                from ttai_tui.broker.orders import to_order_info

                self.emit(ev.OrderUpdated(to_order_info(order)))
            except Exception:  # one odd push must not stop the order listener
                log.exception("order push not understood")
            status = getattr(order.status, "value", str(order.status))
            if status == "Filled" and self.account is not None:
                legs = getattr(order, "legs", []) or []
                sym = legs[0].symbol if legs else getattr(order, "underlying_symbol", "")
                self.emit(
                    ev.OrderFilled(self.account.number, str(order.id), sym, f"order {order.id} · {sym.strip()}")
                )
