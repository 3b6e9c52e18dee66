"""Account data: REST at start, reload on account-streamer pushes, live P&L join."""

from __future__ import annotations

from typing import Any

from ttai_tui.broker import events as ev

from .conftest import wait_for


async def test_accounts_balances_positions_and_live_join(make_broker: Any, exchange: Any) -> None:
    b = make_broker()
    await b.start()
    assert b.account is not None and b.account.number == b.accounts[0].number
    bal = b.balance
    assert bal is not None and bal.net_liq is not None and bal.net_liq > 0
    assert bal.option_buying_power is not None and bal.as_of is not None
    assert b.positions
    # positions declare their own live subscriptions (marks, greeks, SPY for beta)
    wants = b.subscriptions.owners()["positions"]
    assert ("Quote", "SPY") in wants
    assert any(t == "Greeks" for t, _ in wants) == any(p.is_option for p in b.positions)
    await wait_for(lambda: all(b.state.mark(p.streamer_symbol) is not None for p in b.positions))
    views = b.position_views()
    for v in views:
        p = v.position
        assert v.open_pnl is not None
        expected = (v.mark - p.average_open_price) * p.quantity * p.multiplier
        assert abs(v.open_pnl - expected) < 1e-6
    assert await wait_for(lambda: exchange.stats.account_active == 1)


async def test_order_fill_push_triggers_reload_and_event(make_broker: Any, exchange: Any) -> None:
    from decimal import Decimal

    from tastytrade import Account
    from tastytrade.instruments import Equity
    from tastytrade.order import MarketOrder, OrderAction, OrderTimeInForce

    b = make_broker(account_poll_s=3600.0)  # the poll must not be what reloads
    seen: list[Any] = []
    b.add_listener(seen.append)
    await b.start()
    await wait_for(lambda: exchange.stats.account_active == 1)
    reloads = b._accounts_svc.reloads
    before = {p.symbol: p.quantity for p in b.positions}
    session = b.sessions.session
    acct = await Account.get(session, b.account.number)
    eq = await Equity.get(session, "MSFT")
    order = MarketOrder(
        time_in_force=OrderTimeInForce.DAY,
        legs=[eq.build_leg(Decimal(3), OrderAction.BUY_TO_OPEN)],
    )
    await acct.place_order(session, order, dry_run=False)
    await wait_for(lambda: any(isinstance(e, ev.OrderFilled) for e in seen), 5.0)
    await wait_for(lambda: b._accounts_svc.reloads > reloads, 5.0)
    after = {p.symbol: p.quantity for p in b.positions}
    assert after.get("MSFT", 0) == before.get("MSFT", 0) + 3
    assert any(isinstance(e, ev.AccountUpdated) for e in seen)


def test_occ_symbols_map_to_streamer_symbols() -> None:
    from tastytrade.instruments import Option

    from ttai_tui.broker.account import occ_to_streamer

    for occ in ("SPY   260717C00500000", "SPY   260717P00502500", "AAPL  270115C00007125"):
        assert occ_to_streamer(occ) == Option.occ_to_streamer_symbol(occ)  # the SDK agrees
    assert occ_to_streamer("SPY   260717P00502500") == ".SPY260717P502.5"


async def test_stop_as_a_push_arrives_does_not_hang(make_broker: Any, exchange: Any) -> None:
    """A push (the account streamer's order update) landing as the broker stops: the poller
    must still end (Python 3.11's wait_for swallowed that cancel and `ttai order cancel` hung)."""
    import asyncio

    b = make_broker()
    await b.start(stream=False)
    svc = b._accounts_svc
    assert svc is not None
    await asyncio.sleep(0.05)  # the poller is waiting for a push
    poller = svc._tasks[0]
    svc.kick()
    await asyncio.sleep(0)  # the push is in; the poller has not run yet
    stop = asyncio.ensure_future(svc.stop())
    await asyncio.wait({stop}, timeout=10)  # a guard against a hang, not a timing assertion
    assert stop.done() and poller.done(), "stop() hung: the account poller swallowed its cancel"
    await b.stop()
