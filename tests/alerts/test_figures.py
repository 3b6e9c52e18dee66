"""The figures alerts watch, checked against independent definitions, and account alerts on
the engine (positions, strategies, the portfolio) with their freshness rule."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import numpy as np

from tests.analysis import reference as ref
from ttai_tui.broker import events as ev
from ttai_tui.broker.alerts.engine import AlertEngine
from ttai_tui.broker.alerts.figures import account_value, bp_usage_pct, chart_value
from ttai_tui.broker.alerts.store import AlertBook
from ttai_tui.core.alerts import parse_alert
from ttai_tui.core.clock import SYSTEM_CLOCK
from ttai_tui.core.market_state import MarketState
from ttai_tui.core.models import Balance, Greeks, Metrics, Position, Quote

TODAY = date(2026, 7, 1)


def bars(closes: list[float]) -> dict[str, np.ndarray]:
    c = np.asarray(closes, dtype=float)
    n = len(c)
    return {
        "time": np.arange(n, dtype=float) * 300.0 + 1.79e9,
        "open": c, "high": c + 0.5, "low": c - 0.5, "close": c, "volume": np.full(n, 1000.0),
    }


def two(got: object) -> tuple[float, float]:
    assert isinstance(got, tuple) and len(got) == 2
    return float(got[0]), float(got[1])


def closes(n: int = 120) -> list[float]:
    return [100.0 + 5.0 * math.sin(i / 7.0) + 0.05 * i for i in range(n)]


def test_close_versus_an_indicator_and_rsi_match_the_textbook_definitions() -> None:
    c = closes()
    close, sma50 = two(chart_value(parse_alert("SPY 5m close above sma50"), bars(c)))
    assert close == c[-1]
    assert math.isclose(sma50, ref.sma(c, 50)[-1] or 0.0, rel_tol=1e-12)
    _, ema20 = two(chart_value(parse_alert("SPY 5m close below ema20"), bars(c)))
    assert math.isclose(ema20, ref.ema(c, 20)[-1] or 0.0, rel_tol=1e-9)
    rsi, level = two(chart_value(parse_alert("SPY 5m rsi14 above 70"), bars(c)))
    assert level == 70 and math.isclose(rsi, ref.rsi(c, 14)[-1] or 0.0, rel_tol=1e-9)


def test_support_resistance_levels_for_touch_alerts() -> None:
    got = chart_value(parse_alert("SPY 5m close touches level"), bars(closes()))
    assert got is not None and len(got) == 3
    _close, levels, tol = got
    assert levels and tol > 0
    assert all(90.0 < lv < 115.0 for lv in levels)  # levels of this series, not of another scale


def position(sym: str, und: str, qty: float, avg: float, close: float, opt: bool) -> Position:
    return Position(
        account="5WT1", symbol=sym, underlying=und, instrument_type="Equity Option" if opt else "Equity",
        quantity=qty, average_open_price=avg, close_price=close, multiplier=100.0 if opt else 1.0,
        streamer_symbol=sym, expiration=date(2026, 7, 17) if opt else None,
        option_type="P" if opt else None,
    )


def market() -> tuple[MarketState, list[Position]]:
    s = MarketState()
    put = position(".SPY260717P500", "SPY", -2, 3.00, 2.50, True)
    shares = position("AAPL", "AAPL", 100, 200.0, 210.0, False)
    for sym, bid, ask in ((".SPY260717P500", 1.9, 2.1), ("SPY", 599.9, 600.1), ("AAPL", 219.9, 220.1)):
        s.quotes[sym] = Quote(sym, bid=bid, ask=ask)
    s.greeks[".SPY260717P500"] = Greeks(".SPY260717P500", delta=-0.20)
    s.metrics["AAPL"] = Metrics("AAPL", beta=1.2)
    return s, [put, shares]


def test_position_strategy_and_portfolio_figures() -> None:
    s, pos = market()
    put_pnl = (2.0 - 3.0) * -2 * 100  # short 2 puts sold at 3.00, now 2.00: +200
    v = account_value(parse_alert("position .SPY260717P500 pnl above 0"), s, pos, None, TODAY)
    assert v == put_pnl
    assert account_value(parse_alert("position .SPY260717P500 delta below 0"), s, pos, None, TODAY) == 40.0
    assert account_value(parse_alert("position .SPY260717P500 dte below 7"), s, pos, None, TODAY) == 16.0
    assert account_value(parse_alert("strategy SPY daypnl above 0"), s, pos, None, TODAY) == (2.0 - 2.5) * -200
    bw = account_value(parse_alert("portfolio bwdelta above 0"), s, pos, None, TODAY)
    assert bw is not None and math.isclose(bw, 40.0 + 100 * 1.2 * 220.0 / 600.0)
    bal = Balance("5WT1", net_liq=100_000.0, maintenance_requirement=25_000.0)
    assert bp_usage_pct(bal) == 25.0
    assert account_value(parse_alert("portfolio bp above 50"), s, pos, bal, TODAY) == 25.0
    assert account_value(parse_alert("position .QQQ1 pnl above 0"), s, pos, None, TODAY) is None


def test_a_position_alert_fires_on_fresh_quotes_only(tmp_path: Path) -> None:
    from tastytrade.dxfeed import Quote as SdkQuote

    s, pos = market()
    book = AlertBook(tmp_path / "alerts.json")
    book.add(parse_alert("position .SPY260717P500 pnl below 100 every rearm 10"), 0.0)
    fired: list[ev.AlertFired] = []
    eng = AlertEngine(book, s, SYSTEM_CLOCK, lambda e: fired.append(e) if isinstance(e, ev.AlertFired) else None,
                      positions=lambda: pos)

    def q(bid: float, ask: float) -> list[SdkQuote]:
        return [SdkQuote(event_symbol=".SPY260717P500", event_time=0, sequence=0, time_nano_part=0,
                         bid_time=0, bid_exchange_code="Q", bid_price=bid, bid_size=1, ask_time=0,
                         ask_exchange_code="Q", ask_price=ask, ask_size=1)]

    def batch(bid: float, ask: float) -> None:
        from ttai_tui.broker.apply import apply_quotes

        apply_quotes(s, q(bid, ask), 0.0)
        eng.on_batch("Quote", q(bid, ask))

    batch(1.9, 2.1)  # the first value (a subscription snapshot): P&L +200, baseline only
    batch(2.4, 2.6)  # +100 on live data: touches the level
    batch(2.5, 2.7)  # +80: waiting to re-arm (back above 110)
    assert [round(f.value, 6) for f in fired] == [100.0]
    eng.on_broker_event(ev.Connected(1, 0.0))
    batch(1.9, 2.1)  # +200 in the reconnect's snapshot: re-armed, never a firing
    eng.on_broker_event(ev.Connected(2, 0.0))
    batch(2.9, 3.1)  # 0 in the next reconnect's snapshot: below 100, but nobody saw it cross
    batch(3.0, 3.2)  # -20 live: still below, no crossing
    assert [round(f.value, 6) for f in fired] == [100.0]
    batch(1.9, 2.1)  # +200 live: re-arms
    batch(2.6, 2.8)  # +60 live: fires
    assert [round(f.value, 6) for f in fired] == [100.0, 60.0]
