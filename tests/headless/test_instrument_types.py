"""Headless commands with futures, futures options and crypto against the in-process exchange."""

from __future__ import annotations

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
