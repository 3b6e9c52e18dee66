"""`ttai risk`: the paper account's strategies named right, with max profit, max loss and
breakevens equal to the closed forms computed here from the exchange's own positions (strikes,
quantities, average open prices), the gauges, and the what-if grid."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
from argparse import Namespace
from pathlib import Path
from typing import Any

import pytest

from .test_commands import ttai


def _call(url: str, **kw: Any) -> tuple[int, str, str]:
    from ttai_tui.config import Settings, Target
    from ttai_tui.headless import commands

    args = Namespace(**{"json": False, "what_if": False, **kw})
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = commands.risk(Settings(), Target("exchange", url), args)
    return rc, out.getvalue(), err.getvalue()


async def run_risk(url: str, **kw: Any) -> tuple[int, str, str]:
    return await asyncio.to_thread(_call, url, **kw)


def _truth(exchange: Any) -> dict[str, list[Any]]:
    """The exchange's positions by underlying (ground truth, not through the SDK)."""
    out: dict[str, list[Any]] = {}
    for p in exchange.account.positions.values():
        out.setdefault(p.underlying, []).append(p)
    return out


async def test_risk_json_names_and_closed_forms(exchange: Any) -> None:
    rc, out, err = await run_risk(exchange.url, json=True)
    assert rc == 0, err
    doc = json.loads(out)
    by_und = {s["underlying"]: s for s in doc["strategies"]}
    truth = _truth(exchange)
    assert len(doc["strategies"]) == len(truth)  # one strategy per underlying in the paper account

    spy = by_und["SPY"]
    assert (spy["kind"], spy["strategy"]) == ("vertical", "Bull Put Vertical")
    short = next(p for p in truth["SPY"] if p.quantity < 0)
    long_ = next(p for p in truth["SPY"] if p.quantity > 0)
    n = -short.quantity
    credit = (short.avg_open - long_.avg_open) * 100 * n
    width = short.oid.strike - long_.oid.strike
    assert spy["max_profit"] == pytest.approx(credit, abs=0.01)
    assert spy["max_loss"] == pytest.approx(-(width * 100 * n - credit), abs=0.01)
    assert spy["breakevens"] == pytest.approx([short.oid.strike - credit / (100 * n)], abs=1e-3)
    assert 0.0 < spy["pop"] < 1.0 and spy["dte"] > 0

    ic = by_und["IWM"]
    assert (ic["kind"], ic["strategy"]) == ("iron_condor", "Iron Condor")
    legs = {(p.oid.call, p.quantity < 0): p for p in truth["IWM"]}
    sp, lp, sc, lc = legs[(False, True)], legs[(False, False)], legs[(True, True)], legs[(True, False)]
    credit = (sp.avg_open - lp.avg_open + sc.avg_open - lc.avg_open) * 100
    widest = max(sp.oid.strike - lp.oid.strike, lc.oid.strike - sc.oid.strike)
    assert ic["max_profit"] == pytest.approx(credit, abs=0.01)
    assert ic["max_loss"] == pytest.approx(-(widest * 100 - credit), abs=0.01)
    assert ic["breakevens"] == pytest.approx(
        [sp.oid.strike - credit / 100, sc.oid.strike + credit / 100], abs=1e-3)

    tsla = by_und["TSLA"]
    (put,) = truth["TSLA"]
    assert (tsla["kind"], tsla["strategy"]) == ("single", "Short Put")
    assert tsla["max_profit"] == pytest.approx(put.avg_open * 100, abs=0.01)
    assert tsla["max_loss"] == pytest.approx(-(put.oid.strike - put.avg_open) * 100, abs=0.01)
    assert tsla["breakevens"] == pytest.approx([put.oid.strike - put.avg_open], abs=1e-3)

    for sym in ("AAPL", "NVDA", "KO"):
        s = by_und[sym]
        (p,) = truth[sym]
        assert (s["kind"], s["strategy"]) == ("stock", "Long Stock")
        assert s["max_profit"] is None and s["max_profit_unbounded"] is True
        assert s["max_loss"] == pytest.approx(-p.avg_open * p.quantity, abs=0.01)
        assert s["breakevens"] == pytest.approx([p.avg_open], abs=1e-3)
        assert s["delta"] == pytest.approx(p.quantity)

    # futures, futures options and crypto are priced off their underlying's streamer symbol
    (fop,) = [p for p in exchange.account.positions.values() if p.instrument_type == "Future Option"]
    call = by_und[fop.underlying]  # grouped under the future it is an option on (/ESH7)
    assert (call["kind"], call["strategy"]) == ("single", "Long Call")
    assert call["underlying_price"] is not None and call["underlying_price"] > 0
    assert call["max_loss"] == pytest.approx(-fop.avg_open * fop.multiplier, abs=0.01)  # the premium
    assert call["max_profit"] is None and call["max_profit_unbounded"] is True
    assert call["breakevens"] == pytest.approx([fop.strike + fop.avg_open], abs=1e-3)
    for itype, kind in (("Future", "future"), ("Cryptocurrency", "crypto")):
        (pos,) = [p for p in exchange.account.positions.values() if p.instrument_type == itype]
        row = by_und[pos.symbol]
        assert row["kind"] == kind and row["underlying_price"] is not None
        assert row["breakevens"] == pytest.approx([pos.avg_open], abs=1e-3)
        assert row["delta"] == pytest.approx(pos.quantity * pos.multiplier)
    # an S&P future (and its option) takes SPY's beta; crypto has none
    assert by_und[next(p.symbol for p in exchange.account.positions.values()
                       if p.instrument_type == "Future")]["beta"] == 1.0
    assert call["beta"] == 1.0 and by_und["BTC/USD"]["beta"] is None

    gauges = {g["key"]: g for g in doc["gauges"]}
    assert set(gauges) == {"bp_usage", "beta_delta", "largest_position"}
    bal = exchange.account.values()
    # the gauge reads the balance's maintenance requirement (Reg-T: below the initial one)
    assert gauges["bp_usage"]["value"] == pytest.approx(100 * bal["maint"] / bal["nl"], rel=0.05)
    assert gauges["bp_usage"]["status"] in ("ok", "high", "low")
    assert "what_if" not in doc and doc["skipped"] == []


async def test_risk_what_if_grid_json_and_text(exchange: Any) -> None:
    rc, out, err = await run_risk(exchange.url, json=True, what_if=True)
    assert rc == 0, err
    w = json.loads(out)["what_if"]
    assert w["moves_pct"] == [-10, -5, -2, 0, 2, 5, 10] and w["iv_shifts_points"] == [-5, -2, 0, 2, 5]
    rows = {r["label"]: r for r in w["rows"]}
    stock = rows["AAPL Long Stock"]
    (aapl,) = _truth(exchange)["AAPL"]
    # a stock's P&L change for a 10 % move is 10 % of its value, and IV does not touch it
    spot = next(s for s in json.loads(out)["strategies"] if s["underlying"] == "AAPL")["underlying_price"]
    assert stock["by_move"][-1] == pytest.approx(0.10 * spot * aapl.quantity, abs=0.01)
    assert stock["by_iv"] == [0, 0, 0, 0, 0]
    # short premium loses when IV rises, long premium (the /ES call) gains; the portfolio's IV
    # row is their sum, and nothing moves at 0 %
    for label in ("SPY Bull Put Vertical", "IWM Iron Condor", "TSLA Short Put"):
        assert rows[label]["by_iv"][-1] < 0 < rows[label]["by_iv"][0]
    assert rows["/ESH7 Long Call"]["by_iv"][0] < 0 < rows["/ESH7 Long Call"]["by_iv"][-1]
    for i in range(5):
        assert w["portfolio"]["by_iv"][i] == pytest.approx(
            sum(r["by_iv"][i] for r in w["rows"] if r["by_iv"][i] is not None), abs=0.05)
    assert w["portfolio"]["by_move"][3] == 0
    rc, out, err = await run_risk(exchange.url, what_if=True)
    assert rc == 0, err
    for text in ("Bull Put Vertical", "Iron Condor", "Short Put", "Long Stock", "BP used", "β-delta",
                 "What-if", "Portfolio (β-weighted to SPY)", "unlimited"):
        assert text in out


async def test_demo_risk_json_from_the_command_line(tmp_path: Path) -> None:
    rc, out, err = await ttai(tmp_path, "--demo", "risk", "--json")
    assert rc == 0, err
    names = sorted((s["underlying"], s["strategy"]) for s in json.loads(out)["strategies"])
    assert names == [("/ESH7", "Long Call"), ("/MESZ6", "Long Future"), ("AAPL", "Long Stock"),
                     ("BTC/USD", "Long Crypto"), ("IWM", "Iron Condor"), ("KO", "Long Stock"),
                     ("NVDA", "Long Stock"), ("SPY", "Bull Put Vertical"), ("TSLA", "Short Put")]
