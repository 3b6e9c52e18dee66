"""Orders through the real SDK against the exchange on loopback: dry run, the confirmation gate,
place, fill, replace, cancel, rejection, and a connection lost after sending (never re-sent)."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from ttai_tui.broker import events as ev
from ttai_tui.broker.orders import (
    Confirmation,
    NotConfirmed,
    OrderRejected,
    Pending,
    TradingPolicy,
    confirm,
)
from ttai_tui.core.orders import Limits, OrderInvalid, OrderRequest, make_leg, step_price

from .conftest import wait_for


def _mid(b: Any, sym: str) -> float:
    q = b.state.quotes[sym]
    return (q.bid + q.ask) / 2


async def _spy_call(b: Any) -> tuple[str, str]:
    chain = await b.get_chain("SPY")
    price = None
    b.subscriptions.declare("t", {("Quote", "SPY")})
    await wait_for(lambda: b.state.price("SPY") is not None)
    price = b.state.price("SPY")
    exp = chain.expirations[min(3, len(chain.expirations) - 1)]
    row = min(exp.strikes, key=lambda r: abs(r.strike - price * 1.02))
    return row.call, row.call_streamer


async def test_dry_run_review_has_bp_fees_and_risk(make_broker: Any, exchange: Any) -> None:
    b = make_broker()
    await b.start()
    occ, streamer = await _spy_call(b)
    b.subscriptions.declare("t2", {("Quote", streamer)})
    await wait_for(lambda: streamer in b.state.quotes)
    req = OrderRequest((make_leg("BTO", 1, occ),), "Limit", "Day", round(_mid(b, streamer), 2), "Debit")
    before = exchange.stats.orders_placed
    review = await b.orders.dry_run(req)
    assert exchange.stats.orders_placed == before  # a dry run places nothing
    assert review.sendable and review.account == b.account.number
    assert review.buying_power_effect < 0  # buying an option uses buying power
    assert review.new_buying_power is not None and review.current_buying_power is not None
    assert abs(review.current_buying_power + review.buying_power_effect - review.new_buying_power) < 0.02
    assert review.fees > 0
    # long call: max loss is the premium paid, profit unlimited, breakeven strike + premium
    assert review.max_loss == pytest.approx(req.price * 100, abs=0.01)
    assert review.max_profit is None
    strike = int(occ[-8:]) / 1000
    assert review.breakevens == (pytest.approx(strike + req.price, abs=0.01),)


async def test_place_fill_positions_and_events(make_broker: Any, exchange: Any) -> None:
    b = make_broker(account_poll_s=3600.0)
    seen: list[Any] = []
    b.add_listener(seen.append)
    await b.start()
    await wait_for(lambda: exchange.stats.account_active == 1)
    b.subscriptions.declare("t", {("Quote", "MSFT")})
    await wait_for(lambda: "MSFT" in b.state.quotes)
    ask = b.state.quotes["MSFT"].ask
    req = OrderRequest((make_leg("BTO", 2, "MSFT"),), "Limit", "Day", step_price(
        OrderRequest((make_leg("BTO", 2, "MSFT"),)), ask + 1.0, 0), "Debit")
    held = {p.symbol: p.quantity for p in b.positions}.get("MSFT", 0)
    review = await b.orders.dry_run(req)
    c = b.orders.confirm(b.orders.pending(review), "y")
    info = await b.orders.execute(c)
    assert info.id and info.status in ("Live", "Filled", "Received")
    await wait_for(lambda: b.orders.orders[info.id].status == "Filled", 5.0)
    assert any(isinstance(e, ev.OrderUpdated) and e.order.id == info.id and e.order.status == "Filled"
               for e in seen)
    await wait_for(lambda: {p.symbol: p.quantity for p in b.positions}.get("MSFT", 0) == held + 2, 5.0)
    # a used confirmation can never send again
    with pytest.raises(NotConfirmed):
        await b.orders.execute(c)


async def test_resting_order_replace_then_cancel(make_broker: Any, exchange: Any) -> None:
    b = make_broker()
    await b.start()
    b.subscriptions.declare("t", {("Quote", "KO")})
    await wait_for(lambda: "KO" in b.state.quotes)
    low = round(b.state.quotes["KO"].bid * 0.5, 2)
    req = OrderRequest((make_leg("BTO", 1, "KO"),), "Limit", "GTC", low, "Debit")
    desk = b.orders
    info = await desk.execute(desk.confirm(desk.pending(await desk.dry_run(req)), "y"))
    assert info.status == "Live" and info.price == pytest.approx(low)
    refreshed = {o.id: o for o in await desk.refresh()}
    assert refreshed[info.id].working
    new = req.with_price(low + 0.01)
    review = await desk.dry_run(new, replaces=info.id)
    replaced = await desk.execute(desk.confirm(desk.pending(review), "y"))
    assert replaced.price == pytest.approx(low + 0.01)
    # a replace is a cancel-replace, as on the real API: the working order has a new id
    assert replaced.id != info.id
    by_id = {o.id: o for o in await desk.refresh()}
    assert by_id[replaced.id].working and not by_id[info.id].working
    with pytest.raises(NotConfirmed):
        desk.confirm(desk.pending_cancel(replaced.id), "n")
    assert {o.id: o for o in await desk.refresh()}[replaced.id].working
    cancelled = await desk.execute(desk.confirm(desk.pending_cancel(replaced.id), "y"))
    assert cancelled.status == "Cancelled" and not cancelled.working


async def test_server_rejection_is_verbatim_and_never_working(make_broker: Any, exchange: Any) -> None:
    b = make_broker()
    await b.start()
    # far more than the account can pay for: the exchange refuses with insufficient buying power
    req = OrderRequest((make_leg("BTO", 20000, "NVDA"),), "Market", "Day")
    desk = b.orders
    desk.policy = TradingPolicy(limits=Limits())
    review = await desk.dry_run(req)
    assert not review.sendable
    assert any("buying power" in e for e in review.errors)
    with pytest.raises(NotConfirmed):
        desk.confirm(desk.pending(review), "y")
    # even a forged review without errors: the server refuses the send, nothing is working
    from dataclasses import replace

    forged = replace(review, errors=())
    with pytest.raises(OrderRejected, match="buying power"):
        await desk.execute(desk.confirm(desk.pending(forged), "y"))
    assert not [o for o in await desk.refresh() if o.working]


async def test_lost_connection_after_send_asks_server_and_never_resends(
    make_broker: Any, exchange: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The request reaches the server but the answer is lost: ttai finds the order by asking."""
    from tastytrade import Account

    b = make_broker()
    await b.start()
    b.subscriptions.declare("t", {("Quote", "KO")})
    await wait_for(lambda: "KO" in b.state.quotes)
    req = OrderRequest((make_leg("BTO", 1, "KO"),), "Limit", "Day",
                       round(b.state.quotes["KO"].bid * 0.5, 2), "Debit")
    desk = b.orders
    review = await desk.dry_run(req)
    real = Account.place_order
    sends: list[bool] = []

    async def answer_lost(self: Any, session: Any, order: Any, dry_run: bool = True) -> Any:
        sends.append(dry_run)
        await real(self, session, order, dry_run=dry_run)  # the server gets it ...
        raise ConnectionResetError("connection reset by peer")  # ... the answer is lost

    monkeypatch.setattr(Account, "place_order", answer_lost)
    before = exchange.stats.orders_placed
    info = await desk.execute(desk.confirm(desk.pending(review), "y"))
    assert sends == [False]  # sent exactly once
    assert exchange.stats.orders_placed == before + 1
    assert info.status == "Live" and info.id in desk.orders


async def test_replace_whose_answer_is_lost_reports_the_replacing_order(
    make_broker: Any, exchange: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A replace is a cancel-replace. When its answer is lost, ttai asked for the old order and
    reported it 'Cancelled' while the replacement worked at the new price: the user saw nothing
    working and could send the order again. It reports the order that replaced it."""
    from tastytrade import Account

    b = make_broker()
    await b.start()
    b.subscriptions.declare("t", {("Quote", "KO")})
    await wait_for(lambda: "KO" in b.state.quotes)
    low = round(b.state.quotes["KO"].bid * 0.5, 2)
    req = OrderRequest((make_leg("BTO", 1, "KO"),), "Limit", "Day", low, "Debit")
    desk = b.orders
    info = await desk.execute(desk.confirm(desk.pending(await desk.dry_run(req)), "y"))
    review = await desk.dry_run(req.with_price(low + 0.01), replaces=info.id)
    real = Account.replace_order
    sends: list[int] = []

    async def answer_lost(self: Any, session: Any, old_order_id: int, new_order: Any) -> Any:
        sends.append(old_order_id)
        await real(self, session, old_order_id, new_order)  # the server replaces it ...
        raise ConnectionResetError("connection reset by peer")  # ... the answer is lost

    monkeypatch.setattr(Account, "replace_order", answer_lost)
    replaced = await desk.execute(desk.confirm(desk.pending(review), "y"))
    assert sends == [int(info.id)]  # sent exactly once
    assert replaced.id != info.id and replaced.working
    assert replaced.price == pytest.approx(low + 0.01)
    working = [o for o in await desk.refresh() if o.working]
    assert [o.id for o in working] == [replaced.id]


async def test_market_order_is_capped_at_the_market_price(make_broker: Any) -> None:
    """A market order has no price of its own, so it passed every notional cap (1,000 NVDA at
    market against a $25,000 cap). It is capped at the price it is reviewed at, and without a
    quote it cannot be sent."""
    b = make_broker()
    await b.start()
    desk = b.orders
    desk.policy = TradingPolicy(limits=Limits(max_quantity=10_000, max_notional=25_000.0))
    b.subscriptions.declare("t", {("Quote", "NVDA")})
    await wait_for(lambda: "NVDA" in b.state.quotes)
    ask = b.state.quotes["NVDA"].ask
    big = OrderRequest((make_leg("BTO", 1000, "NVDA"),), "Market", "Day")
    with pytest.raises(OrderInvalid, match=r"above the configured cap .*max_notional"):
        await desk.dry_run(big, mark=-ask)
    small = OrderRequest((make_leg("BTO", 10, "NVDA"),), "Market", "Day")
    review = await desk.dry_run(small, mark=-ask)
    assert review.sendable and review.market == -ask
    with pytest.raises(NotConfirmed, match="max_notional"):  # the gate checks it again
        from dataclasses import replace

        desk.confirm(desk.pending(replace(review, request=big)), "y")
    blind = await desk.dry_run(small)  # no quote to check the cap against
    assert not blind.sendable and "no quote" in blind.errors[0]
    with pytest.raises(NotConfirmed):
        desk.confirm(desk.pending(blind), "y")


async def test_lost_connection_before_server_means_not_placed(
    make_broker: Any, exchange: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tastytrade import Account

    b = make_broker()
    await b.start()
    req = OrderRequest((make_leg("BTO", 1, "KO"),), "Limit", "Day", 1.00, "Debit")
    desk = b.orders
    review = await desk.dry_run(req)
    sends: list[bool] = []

    async def never_arrives(self: Any, session: Any, order: Any, dry_run: bool = True) -> Any:
        sends.append(dry_run)
        raise TimeoutError

    monkeypatch.setattr(Account, "place_order", never_arrives)
    with pytest.raises(OrderRejected, match="not placed"):
        await desk.execute(desk.confirm(desk.pending(review), "y"))
    assert sends == [False]
    assert not [o for o in await desk.refresh() if o.working]


def test_gate_answers_and_live_account_digits() -> None:
    req = OrderRequest((make_leg("BTO", 1, "KO"),), "Limit", "Day", 1.0, "Debit")
    from ttai_tui.core.orders import Review

    review = Review(req, -100.0, 1000.0, 900.0, 100.0, 0.1, account="5WT00001")
    p = Pending("place", "5WT00001", review=review)
    assert confirm(p, "y", TradingPolicy()).genuine
    for bad in ("", "n", "Y ", "yes", "0001"):
        if bad.strip() == "y":
            continue
        with pytest.raises(NotConfirmed):
            confirm(p, bad, TradingPolicy())
    live = TradingPolicy(live=True, confirm_live="account-digits")
    with pytest.raises(NotConfirmed):
        confirm(p, "y", live)
    assert confirm(p, "0001", live).genuine
    capped = TradingPolicy(limits=Limits(max_quantity=1, max_notional=0.5))
    with pytest.raises(NotConfirmed, match="notional"):
        confirm(p, "y", capped)
    with pytest.raises(NotConfirmed):
        Confirmation(p, object())  # only the gate can make one


def test_validation_names_the_problem() -> None:
    from ttai_tui.core.orders import validate

    cases = [
        (OrderRequest(()), "no legs"),
        (OrderRequest((make_leg("BTO", 1, "KO"),), "Limit", "Day", None, "Debit"), "needs a price"),
        (OrderRequest((make_leg("BTO", 1, "KO"),), "Limit", "Day", 1.0, None), "debit or a credit"),
        (OrderRequest((make_leg("BTO", 1, ".AAPL261218C250"),), "Limit", "Day", 3.52, "Debit"), "tick 0.05"),
        (OrderRequest((make_leg("BTO", 1, "KO"), make_leg("BTO", 1, "AAPL")), "Limit", "Day", 1.0, "Debit"),
         "one underlying"),
        (OrderRequest((make_leg("BTO", 0, "KO"),), "Market"), "quantity"),
        (OrderRequest((make_leg("BTO", 1, "KO"),), "Limit", "GTD", 1.0, "Debit"), "GTD order needs a date"),
    ]
    for req, words in cases:
        with pytest.raises(OrderInvalid, match=words):
            validate(req)
    with pytest.raises(OrderInvalid, match="needs an open/close effect"):
        make_leg("BUY", 1, "KO")  # BUY/SELL are for futures and crypto
    with pytest.raises(OrderInvalid, match="unknown action"):
        make_leg("HOLD", 1, "KO")
    with pytest.raises(OrderInvalid, match="neither"):
        make_leg("BTO", 1, "not a symbol!")
    assert make_leg("BTO", 1, ".SPY261218C600").symbol == "SPY   261218C00600000"
    assert make_leg("STO", 1, "SPY   261218P00592500").option.strike == 592.5  # type: ignore[union-attr]


SEND_METHODS = {"replace_order", "delete_order", "place_complex_order", "replace_complex_order",
                "delete_complex_order"}


def test_no_code_path_sends_without_the_gate() -> None:
    """Every SDK call that changes an order on the server is inside OrderDesk._transmit, and
    _transmit refuses anything but a fresh Confirmation, which only confirm() can make."""
    root = Path(__file__).resolve().parents[2] / "ttai_tui"
    sites: list[tuple[str, str]] = []
    for path in root.rglob("*.py"):
        if "exchange" in path.parts:  # the simulated exchange is the server, not a client
            continue
        tree = ast.parse(path.read_text())
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(fn):
                if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                    continue
                name = node.func.attr
                live_place = name == "place_order" and not any(
                    k.arg == "dry_run" and isinstance(k.value, ast.Constant) and k.value.value is True
                    for k in node.keywords)
                if name in SEND_METHODS or live_place or name in ("_post", "_put", "_delete"):
                    sites.append((path.name, fn.name))
    assert sites and set(sites) == {("orders.py", "_transmit")}, sites
    src = (root / "broker" / "orders.py").read_text()
    body = src[src.index("async def _transmit"):src.index("async def _once")]
    assert "c.genuine" in body and "c.used" in body


async def test_transmit_refuses_without_confirmation(make_broker: Any, exchange: Any) -> None:
    b = make_broker()
    await b.start()
    before = exchange.stats.orders_placed
    req = OrderRequest((make_leg("BTO", 1, "KO"),), "Market")
    review = await b.orders.dry_run(req)
    for fake in (None, object(), Pending("place", b.account.number, review=review)):
        with pytest.raises(NotConfirmed):
            await b.orders.execute(fake)  # type: ignore[arg-type]
    assert exchange.stats.orders_placed == before
