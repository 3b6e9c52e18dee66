"""The simulated market behaves like one: deterministic per seed, volatility clusters, betas show
up in correlations, spreads scale with price, history and live path join up, options price
consistently (mid ~ theo, put-call parity within the spread, skew and term structure)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from ttai_tui.core.pricing import bs_price, implied_vol
from ttai_tui.exchange.clock import NY
from ttai_tui.exchange.market import Market
from ttai_tui.exchange.options import OptionBook, OptionId, years_to
from ttai_tui.exchange.universe import RISK_FREE_RATE, UNIVERSE

# a Wednesday, 11:00 New York
WED = dt.datetime(2026, 6, 3, 11, 0, tzinfo=NY).timestamp()


def fixed_clock(t: float):
    return lambda: t


@pytest.fixture(scope="module")
def market() -> Market:
    m = Market(seed=1, clock=fixed_clock(WED))
    m.advance(WED + 600)
    return m


def _rets(closes: list[float]) -> np.ndarray:
    c = np.asarray(closes)
    return np.diff(np.log(c))


def test_same_seed_same_market_different_seed_different():
    a = Market(seed=7, clock=fixed_clock(WED))
    b = Market(seed=7, clock=fixed_clock(WED))
    c = Market(seed=8, clock=fixed_clock(WED))
    assert a.states["AAPL"].hist.daily.c == b.states["AAPL"].hist.daily.c
    assert a.states["AAPL"].hist.daily.c != c.states["AAPL"].hist.daily.c
    for m in (a, b):
        m.advance(WED + 120)
    assert [s.last for s in a.states.values()] == [s.last for s in b.states.values()]


def test_history_is_long_enough_and_joins_the_live_path(market):
    for spec in UNIVERSE:
        st = market.states[spec.symbol]
        h = st.hist
        assert len(h.daily) >= 252 + 5
        assert len(h.minutes) >= 5 * 390
        assert all(lo <= min(o, c) and hi >= max(o, c)
                   for o, hi, lo, c in zip(h.daily.o, h.daily.h, h.daily.low, h.daily.c, strict=True))
        # the past minute sessions aggregate exactly into their daily bars
        day = h.daily
        i = len(day) - 1
        sel = slice(4 * 390, 5 * 390)
        assert day.c[i] == h.minutes.c[sel.stop - 1] and day.o[i] == h.minutes.o[sel.start]
        assert st.prev_close == day.c[-1]
        # live price continued from the last generated bar (10 minutes of steps)
        assert abs(math.log(st.last / h.minutes.c[h.today_first - 1])) < 0.2
        # today's daily bar comes from the same ticks as the minute bars
        today = market.daily_bars(spec.symbol)
        assert today.c[-1] == st.last
        assert today.h[-1] >= max(h.minutes.h[h.today_first:]) - 1e-9


def test_live_minute_candle_tracks_trades(market):
    st = market.states["SPY"]
    assert st.hist.minutes.c[-1] == st.last
    assert st.hist.minutes.t[-1] == st.trade_time // 60000 * 60000


def test_realistic_vols_betas_and_clustering(market):
    spx = _rets(market.states["SPX"].hist.daily.c)
    vols, corrs, clustering = {}, {}, []
    for spec in UNIVERSE:
        r = _rets(market.states[spec.symbol].hist.daily.c)
        vols[spec.symbol] = r.std() * math.sqrt(252)
        corrs[spec.symbol] = np.corrcoef(r, spx)[0, 1]
        a = np.abs(r - r.mean())
        clustering.append(np.corrcoef(a[:-1], a[1:])[0, 1])
    assert 0.08 < vols["SPY"] < 0.3 and vols["GME"] > 2 * vols["SPY"]
    assert vols["TSLA"] > vols["KO"]
    assert corrs["QQQ"] > 0.7 and corrs["NVDA"] > 0.3 and corrs["GLD"] < 0.3
    assert float(np.mean(clustering)) > 0.02  # |returns| autocorrelate: volatility clusters


def test_quotes_spreads_scale_with_price(market):
    for spec in UNIVERSE:
        st = market.states[spec.symbol]
        assert 0 < st.bid < st.ask and st.bid_size > 0 and st.ask_size > 0
        assert (st.ask - st.bid) / st.mid < 0.002
    w = {s: market.states[s].ask - market.states[s].bid for s in ("KO", "NFLX", "SPY", "COST")}
    assert w["NFLX"] > w["KO"] and w["COST"] > w["KO"]


def test_vix_moves_against_spx():
    m = Market(seed=3, clock=fixed_clock(WED))
    vix, spx = [], []
    for i in range(1, 31):
        m.advance(WED + 10 * i)
        vix.append(math.log(m.states["VIX"].price))
        spx.append(math.log(m.states["SPX"].price))
    assert np.corrcoef(np.diff(vix), np.diff(spx))[0, 1] < -0.5
    assert 9 < m.states["VIX"].price < 80


def test_market_hours_freeze_outside_the_session():
    sat = dt.datetime(2026, 6, 6, 12, 0, tzinfo=NY).timestamp()
    m = Market(seed=1, market_hours=True, clock=fixed_clock(sat))
    before = m.states["AAPL"].last
    assert m.advance(sat + 600) == 0 and m.states["AAPL"].last == before
    open_ = Market(seed=1, market_hours=True, clock=fixed_clock(WED))
    assert open_.advance(WED + 60) > 0


def test_option_quotes_are_consistent(market):
    book = OptionBook(market)
    spot = market.states["SPY"].mid
    today = book.today()
    checked = 0
    for exp, strikes in book.chain("SPY")[::3]:
        t = years_to(exp, market.t)
        for k in strikes[:: max(1, len(strikes) // 12)]:
            c = book.quote(OptionId("SPY", exp.date, True, k))
            p = book.quote(OptionId("SPY", exp.date, False, k))
            for q in (c, p):
                mid = (q.bid + q.ask) / 2
                assert q.bid <= q.theo + 1e-9 <= q.ask + 1e-9 or q.theo < 0.01
                assert abs(mid - q.theo) <= (q.ask - q.bid) / 2 + 0.006
                assert q.open_interest >= 0
            if t <= 0:
                continue
            parity = spot * math.exp(-0.012 * t) - k * math.exp(-RISK_FREE_RATE * t)
            cmid, pmid = (c.bid + c.ask) / 2, (p.bid + p.ask) / 2
            assert abs((cmid - pmid) - parity) <= (c.ask - c.bid + p.ask - p.bid) / 2 + 0.02
            # greeks and theo come from the same vol: re-pricing recovers it
            assert c.theo == pytest.approx(bs_price(spot, k, t, c.iv, RISK_FREE_RATE, 0.012, True), abs=1e-6)
            if c.greeks.vega > 0.01:
                assert implied_vol(c.theo, spot, k, t, RISK_FREE_RATE, 0.012, True) == pytest.approx(c.iv, abs=1e-4)
            checked += 1
    assert checked > 30 and today.year >= 2026


def test_surface_has_skew_and_term_structure(market):
    book = OptionBook(market)
    spot = market.states["SPY"].mid
    t = 30 / 365
    assert book.surface_vol("SPY", spot * 0.9, t, spot) > book.surface_vol("SPY", spot, t, spot)
    assert book.surface_vol("SPY", spot * 1.05, t, spot) < book.surface_vol("SPY", spot, t, spot)
    # NVDA reports within days: expirations after earnings carry the event premium
    n = market.states["NVDA"].mid
    before = book.surface_vol("NVDA", n, 2 / 365, n)
    after = book.surface_vol("NVDA", n, 9 / 365, n)
    assert after > before


def test_day_roll_settles_expired_options_and_expires_day_orders():
    from ttai_tui.exchange.account import PaperAccount

    m = Market(seed=1, clock=fixed_clock(WED))
    book = OptionBook(m)
    acct = PaperAccount(m, book)
    first_exp = min(p.oid.expiration for p in acct.positions.values() if p.oid)
    n_before = len(acct.positions)
    order = acct.parse_order({"order-type": "Limit", "time-in-force": "Day", "price": "1.00",
                              "price-effect": "Debit", "legs": [{"instrument-type": "Equity", "symbol": "KO",
                                                                 "action": "Buy to Open", "quantity": 1}]})
    acct.place(order)
    after_expiry = dt.datetime.combine(first_exp + dt.timedelta(days=1), dt.time(10), NY).timestamp()
    m.t = after_expiry - 1
    m.advance(after_expiry)
    cash = acct.cash
    expiring = [(p.oid, p.quantity) for p in acct.positions.values() if p.oid and p.oid.expiration == first_exp]
    want = 0.0
    for oid, qty in expiring:
        spot = m.states[oid.root].prev_close
        want += (max(spot - oid.strike, 0.0) if oid.call else max(oid.strike - spot, 0.0)) * 100 * qty
    changed = acct.roll_day()
    assert order in changed and order.status == "Expired"
    assert len(acct.positions) == n_before - len(expiring) and expiring
    assert all(p.oid is None or p.oid.expiration > first_exp for p in acct.positions.values())
    assert acct.cash == pytest.approx(cash + want)  # cash-settled at intrinsic
    assert {p.quantity for p in acct.closed_now} == {0}
