"""Order risk figures (through the risk engine) against hand-computed payoffs at expiration."""

from __future__ import annotations

import pytest

from ttai_tui.core.order_risk import order_risk
from ttai_tui.core.orders import OrderRequest, make_leg

NOW = 1_781_706_600.0  # 2026-06-17


def test_put_credit_vertical() -> None:
    req = OrderRequest((make_leg("STO", 2, ".SPY260717P580"), make_leg("BTO", 2, ".SPY260717P575")),
                       "Limit", "Day", 1.50, "Credit")
    r = order_risk(req, None, 600.0, {}, NOW)
    assert r.max_profit == pytest.approx(1.50 * 2 * 100)
    assert r.max_loss == pytest.approx((5 - 1.50) * 2 * 100)
    assert r.breakevens == (pytest.approx(580 - 1.50),)


def test_long_call_and_short_call_unbounded() -> None:
    long_call = OrderRequest((make_leg("BTO", 1, ".SPY260717C600"),), "Limit", "Day", 10.0, "Debit")
    r = order_risk(long_call, None, 600.0, {}, NOW)
    assert r.max_profit is None and "profit unlimited" in r.note
    assert r.max_loss == pytest.approx(1000.0) and r.breakevens == (pytest.approx(610.0),)
    short_call = OrderRequest((make_leg("STO", 1, ".SPY260717C600"),), "Limit", "Day", 10.0, "Credit")
    r = order_risk(short_call, None, 600.0, {}, NOW)
    assert r.max_loss is None and "loss unlimited" in r.note and r.max_profit == pytest.approx(1000.0)


def test_iron_condor_market_order_uses_the_natural_price() -> None:
    legs = (make_leg("BTO", 1, ".IWM260717P200"), make_leg("STO", 1, ".IWM260717P205"),
            make_leg("STO", 1, ".IWM260717C235"), make_leg("BTO", 1, ".IWM260717C240"))
    r = order_risk(OrderRequest(legs, "Market"), 1.20, 220.0, {}, NOW)
    assert r.max_profit == pytest.approx(120.0) and r.max_loss == pytest.approx(380.0)
    assert r.breakevens == (pytest.approx(203.80), pytest.approx(236.20))


def test_closing_and_missing_inputs_say_why() -> None:
    close = OrderRequest((make_leg("STC", 1, ".SPY260717C600"),), "Limit", "Day", 10.0, "Credit")
    assert "closing order" in order_risk(close, None, 600.0, {}, NOW).note
    opening = OrderRequest((make_leg("BTO", 1, ".SPY260717C600"),), "Limit", "Day", 10.0, "Debit")
    r = order_risk(opening, None, None, {}, NOW)
    assert r.max_loss is None and "no price" in r.note
