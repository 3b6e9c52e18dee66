"""Position P&L/greeks against hand-computed values; chain windows; formatting."""

from __future__ import annotations

from datetime import date

import pytest

from ttai_tui.core.chain import atm_window, expected_move, nearest_expiration, window_symbols
from ttai_tui.core.clock import FrozenClock, market_session
from ttai_tui.core.formatting import (
    MISSING,
    fmt_age,
    fmt_change,
    fmt_money,
    fmt_pct,
    fmt_price,
    fmt_ratio_pct,
    fmt_size,
    fmt_strike,
)
from ttai_tui.core.market_state import MarketState
from ttai_tui.core.models import Expiration, Metrics, OptionChain, Position, StrikeRow
from ttai_tui.core.portfolio import position_view, totals


def _state() -> MarketState:
    s = MarketState(FrozenClock())
    for sym, bid, ask in (("SPY", 499.0, 501.0), ("AAPL", 199.0, 201.0), (".AAPL260717C200", 4.9, 5.1)):
        q = s.record_quote(sym)
        q.bid, q.ask = bid, ask
    g = s.record_greeks(".AAPL260717C200")
    g.delta, g.gamma, g.theta, g.vega = 0.5, 0.02, -0.05, 0.3
    s.set_metrics([Metrics("AAPL", beta=1.2)])
    return s


def test_short_call_greeks_and_pnl() -> None:
    s = _state()
    p = Position("A1", "AAPL  260717C00200000", "AAPL", "Equity Option", -2, 6.0, 5.5, 100,
                 ".AAPL260717C200", realized_day_gain=0.0, expiration=date(2026, 7, 17),
                 strike=200.0, option_type="C")
    v = position_view(p, s, date(2026, 7, 1))
    assert v.mark == pytest.approx(5.0)
    assert v.open_pnl == pytest.approx((5.0 - 6.0) * -2 * 100)  # +200
    assert v.day_pnl == pytest.approx((5.0 - 5.5) * -2 * 100)  # +100
    assert v.delta == pytest.approx(0.5 * -2 * 100)  # -100 shares
    assert v.theta == pytest.approx(-0.05 * -2 * 100)  # +10 / day
    assert v.gamma == pytest.approx(0.02 * -200)
    assert v.vega == pytest.approx(0.3 * -200)
    # beta-weighted: -100 * 1.2 * 200 / 500 = -48 SPY shares
    assert v.beta_delta == pytest.approx(-48.0)
    assert v.dte == 16


def test_equity_position_and_missing_mark() -> None:
    s = _state()
    p = Position("A1", "SPY", "SPY", "Equity", 10, 480.0, 495.0, 1, "SPY", realized_day_gain=5.0)
    v = position_view(p, s)
    assert v.open_pnl == pytest.approx(200.0)
    assert v.day_pnl == pytest.approx(55.0)
    assert v.delta == 10 and v.beta_delta == pytest.approx(10.0)
    unknown = Position("A1", "XYZ", "XYZ", "Equity", 5, 10.0, 9.0, 1, "XYZ")
    u = position_view(unknown, s)
    assert u.mark is None and u.open_pnl is None and u.day_pnl is None and u.beta_delta is None
    t = totals([v, u])
    assert t.open_pnl == pytest.approx(200.0)
    assert totals([u]).open_pnl is None


def _rows(strikes: list[float]) -> tuple[StrikeRow, ...]:
    return tuple(StrikeRow(k, f"C{k}", f"P{k}", f".C{k}", f".P{k}") for k in strikes)


def test_atm_window_centres_and_slides() -> None:
    rows = _rows([90, 95, 100, 105, 110, 115, 120])
    assert [r.strike for r in atm_window(rows, 101, 3)] == [95, 100, 105]
    assert [r.strike for r in atm_window(rows, 103, 4)] == [100, 105, 110, 115]
    assert [r.strike for r in atm_window(rows, 50, 3)] == [90, 95, 100]  # slides at the edge
    assert [r.strike for r in atm_window(rows, 500, 3)] == [110, 115, 120]
    assert len(atm_window(rows, None, 3)) == 3
    assert len(atm_window(rows, 100, 99)) == 7
    assert window_symbols(list(rows[:1])) == {".C90", ".P90"}


def test_nearest_expiration() -> None:
    def e(d: str, dte: int) -> Expiration:
        return Expiration(date.fromisoformat(d), dte, "Regular", "PM", _rows([100]))

    ch = OptionChain("SPY", "SPY", 100, (e("2026-07-03", 2), e("2026-07-31", 30), e("2026-08-21", 51)))
    assert nearest_expiration(ch, 30).date == date(2026, 7, 31)
    assert nearest_expiration(ch, 0).date == date(2026, 7, 3)
    assert nearest_expiration(ch, 45, today=date(2026, 7, 1)).date == date(2026, 8, 21)
    assert expected_move(100.0, 0.2, 365) == pytest.approx(20.0)
    assert expected_move(None, 0.2, 30) is None


def test_formatting_missing_is_dash_never_zero() -> None:
    for f in (fmt_price, fmt_change, fmt_pct, fmt_ratio_pct, fmt_size, fmt_money, fmt_age, fmt_strike):
        assert f(None) == MISSING
        assert f(float("nan")) == MISSING
    assert fmt_price(0.0) == "0.00"
    assert fmt_price(1234.5) == "1,234.50"
    assert fmt_change(1.234) == "+1.23"
    assert fmt_pct(-0.5) == "-0.50%"
    assert fmt_ratio_pct(0.2346) == "23.5%"
    assert fmt_size(12_345) == "12.3K" and fmt_size(950) == "950"
    assert fmt_money(-12.0) == "-$12.00" and fmt_money(3, signed=True) == "+$3.00"
    assert fmt_strike(502.5) == "502.5" and fmt_strike(500.0) == "500"
    assert fmt_age(125) == "2m"


def test_market_session_new_york() -> None:
    # 2026-06-01 is a Monday; 14:30 UTC = 10:30 New York (EDT)
    from datetime import UTC, datetime

    t = datetime(2026, 6, 1, 14, 30, tzinfo=UTC).timestamp()
    assert market_session(t).state == "open"
    assert market_session(t + 6 * 3600).state == "post"
    sat = datetime(2026, 6, 6, 15, 0, tzinfo=UTC).timestamp()
    assert market_session(sat).state == "closed"
    assert market_session(sat).next_change.weekday() == 0


def test_symbol_syntax() -> None:
    from ttai_tui.core.symbols import normalise_symbol

    assert normalise_symbol(" spy ") == "SPY"
    assert normalise_symbol("brk/b") == "BRK/B"
    assert normalise_symbol("/ESZ6") == "/ESZ6"
    assert normalise_symbol(".SPY260717C500") == ".SPY260717C500"
    for bad in ("", " ", "SPY?X=1", "../x", "BAD$$", "SPY;RM", "A" * 30, "\x1b[2J"):
        with pytest.raises(ValueError, match="not a valid symbol") as info:
            normalise_symbol(bad)
        assert "\x1b" not in str(info.value)
