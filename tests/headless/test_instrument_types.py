"""Headless commands with futures, futures options and crypto against the in-process exchange."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

from tests.headless.test_commands import run


async def test_quotes_resolve_futures_roots_contracts_and_crypto(exchange: Any, tmp_path: Path) -> None:
    front = exchange.instruments.front("ES")
    rc, out, err = await run("quotes", exchange.url, symbols=["/ES", "/MES", "BTC/USD", "F"], json=True)
    assert rc == 0, err
    rows = {r["symbol"]: r for r in json.loads(out)}
    # /ES is shown as the contract actually quoted: the front month's streamer symbol
    assert list(rows) == [front.streamer_symbol, exchange.instruments.front("MES").streamer_symbol,
                          "BTC/USD:CXTALP", "F"]
    for r in rows.values():
        assert r["bid"] is not None and r["ask"] >= r["bid"] > 0, r
    es = rows[front.streamer_symbol]
    assert es["ask"] - es["bid"] == 0.25 and es["bid"] % 0.25 == 0  # quoted in ES ticks
    # the contract typed in full, in either year form, is the same instrument
    two = f"/ES{front.month_code}{front.year % 100}"
    rc, out, err = await run("quotes", exchange.url, symbols=[front.symbol, two], json=True)
    assert rc == 0, err
    assert {r["symbol"] for r in json.loads(out)} == {front.streamer_symbol}


async def test_unknown_symbol_of_any_shape_exits_1(exchange: Any, tmp_path: Path) -> None:
    for sym in ("/ZZ", "/ESQ9", "XYZ/USD", "./EW4Z26C1:XCME", "NOSUCHX"):
        rc, out, err = await run("quotes", exchange.url, symbols=["SPY", sym])
        assert rc == 1 and out == "", (sym, out)
        assert f"unknown symbol: {sym}" in err and "Traceback" not in err


async def test_chain_of_a_futures_product_is_its_front_contracts_options(exchange: Any, tmp_path: Path) -> None:
    front = exchange.instruments.front("ES")
    rc, out, err = await run("chain", exchange.url, symbol="/ES", dte=30, strikes=3, json=True)
    assert rc == 0, err
    d = json.loads(out)
    assert d["underlying"] == front.streamer_symbol and d["price"] > 1000
    strikes = [s["strike"] for s in d["strikes"]]
    assert len(strikes) == 7 and {b - a for a, b in itertools.pairwise(strikes)} == {5}
    assert strikes[0] <= d["price"] <= strikes[-1]
    for s in d["strikes"]:
        c, p = s["call"], s["put"]
        assert 0 < c["delta"] < 1 and -1 < p["delta"] < 0
        # Black-76 put-call parity on the future: C - P = e^(-rT) (F - K), within the spreads
        assert c["bid"] - p["ask"] - 1 <= d["price"] - s["strike"] <= c["ask"] - p["bid"] + 1
    # a later contract by name: its own options
    nxt = exchange.instruments.contracts("ES")[1]
    rc, out, err = await run("chain", exchange.url, symbol=nxt.symbol, dte=60, strikes=1, json=True)
    assert rc == 0, err
    assert json.loads(out)["underlying"] == nxt.streamer_symbol
    rc, out, err = await run("chain", exchange.url, symbol="/ZZ", dte=30, strikes=1)
    assert rc == 1 and "Traceback" not in err


async def test_positions_mark_futures_futures_options_and_crypto(exchange: Any, tmp_path: Path) -> None:
    rc, out, err = await run("positions", exchange.url, json=True)
    assert rc == 0, err
    rows = {r["instrument_type"]: r for r in json.loads(out)}
    mes, fo, btc = rows["Future"], rows["Future Option"], rows["Cryptocurrency"]
    ins = exchange.instruments
    front = ins.front("MES")
    # multipliers and streamer symbols agree with the instrument data
    assert mes["symbol"] == front.symbol and mes["multiplier"] == front.product.multiplier == 5
    assert mes["streamer_symbol"] == front.streamer_symbol
    fid = ins.future_option(fo["symbol"])
    assert fid is not None and fo["streamer_symbol"] == fid.streamer and fo["multiplier"] == 50
    assert btc["streamer_symbol"] == "BTC/USD:CXTALP" and btc["quantity"] == 0.25
    # open P&L = (mark - average open) x quantity x multiplier, on the live mark
    for r in (mes, fo, btc):
        want = (r["mark"] - r["average_open_price"]) * r["quantity"] * r["multiplier"]
        assert abs(r["open_pnl"] - want) < 0.02 * max(1.0, abs(want)), r
    assert abs(mes["mark"] - ins.prices.state(front).mid) < 5 * front.product.tick
    # a future's delta is quantity x multiplier; beta-weighted it is its notional in SPY shares
    spy = exchange.market.states["SPY"].mid
    assert mes["delta"] == 10.0
    assert abs(mes["beta_delta"] - 10.0 * mes["mark"] / spy) < 1.0
    # a futures option: per-contract delta x 50, weighted by the future's price
    assert 0 < fo["delta"] < 50 and fo["theta"] < 0 and fo["dte"] > 0
    assert btc["delta"] == 0.25 and btc["mark"] > 1000
