"""`ttai order` / `ttai orders` end to end, as subprocesses against the in-process exchange."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .test_commands import ttai


async def _spy_call(exchange: Any, tmp_path: Path) -> tuple[str, float]:
    rc, out, err = await ttai(tmp_path, "--exchange", exchange.url, "chain", "SPY", "--strikes", "1", "--json")
    assert rc == 0, err
    row = json.loads(out)["strikes"][1]["call"]
    return row["symbol"], round((row["bid"] + row["ask"]) / 2, 2)


async def test_dry_run_json_review_sends_nothing(exchange: Any, tmp_path: Path) -> None:
    sym, mid = await _spy_call(exchange, tmp_path)
    rc, out, err = await ttai(tmp_path, "--exchange", exchange.url, "order", "BTO", "1", sym,
                              "--limit", f"{mid:.2f}", "--debit", "--dry-run", "--json")
    assert rc == 0, err
    review = json.loads(out)
    for key in ("buying_power_effect", "fees", "max_profit", "max_loss", "breakevens", "warnings"):
        assert key in review
    assert review["buying_power_effect"] < 0 and review["fees"] > 0
    assert review["max_loss"] == round(mid * 100, 2) and review["max_profit"] is None
    assert exchange.stats.orders_placed == 0


async def test_no_terminal_no_yes_exits_4_and_sends_nothing(exchange: Any, tmp_path: Path) -> None:
    sym, mid = await _spy_call(exchange, tmp_path)
    # the subprocess's stdin is not a terminal (asyncio gives it the parent's, piped under pytest)
    rc, out, err = await ttai(tmp_path, "--exchange", exchange.url, "order", "BTO", "1", sym,
                              "--limit", f"{mid:.2f}", "--debit")
    assert rc == 4, err
    assert "nothing was sent" in err
    assert "Buying power" in out  # the review was printed
    assert exchange.stats.orders_placed == 0
    assert not exchange.account.orders


async def test_place_list_replace_cancel(exchange: Any, tmp_path: Path) -> None:
    url = exchange.url
    # a resting buy far under the market
    rc, out, err = await ttai(tmp_path, "--exchange", url, "order", "BTO", "1", "KO", "--limit", "1.00",
                              "--debit", "--tif", "gtc", "--yes", "--json")
    assert rc == 0, err
    placed = json.loads(out)
    oid = placed["id"]
    assert placed["status"] == "Live" and placed["review"]["fees"] >= 0
    rc, out, err = await ttai(tmp_path, "--exchange", url, "orders", "--json")
    assert rc == 0, err
    (row,) = json.loads(out)
    assert row["id"] == oid and row["status"] == "Live" and row["price"] == 1.0
    assert row["price_effect"] == "Debit" and row["time_in_force"] == "GTC"
    rc, out, err = await ttai(tmp_path, "--exchange", url, "order", "replace", oid, "--limit", "1.05",
                              "--yes", "--json")
    assert rc == 0, err
    # a replace is a cancel-replace, as on the real API: the working order has a new id
    new_id = str(json.loads(out)["id"])
    assert new_id != oid and exchange.account.orders[int(new_id)].price == 1.05
    assert exchange.account.orders[int(oid)].status != "Live"
    oid = new_id
    rc, out, err = await ttai(tmp_path, "--exchange", url, "order", "cancel", oid)  # no --yes, no tty
    assert rc == 4 and exchange.account.orders[int(oid)].status == "Live"
    rc, out, err = await ttai(tmp_path, "--exchange", url, "order", "cancel", oid, "--yes")
    assert rc == 0, err
    assert exchange.account.orders[int(oid)].status == "Cancelled"
    rc, out, err = await ttai(tmp_path, "--exchange", url, "orders")
    assert rc == 0 and "no orders" in out
    rc, out, err = await ttai(tmp_path, "--exchange", url, "orders", "--all")
    assert rc == 0 and oid in out and "Cancelled" in out


async def test_bad_input_is_named_and_nothing_is_sent(exchange: Any, tmp_path: Path) -> None:
    url = exchange.url
    for args, words in (
        (["BTO", "1"], "ACTION QTY SYMBOL"),
        (["BUY", "1", "KO"], "needs an open/close effect"),
        (["BTO", "x", "KO"], "is not a number"),
        (["BTO", "1", "KO", "--limit", "1.00"], "--debit or --credit"),
        (["BTO", "1", "KO"], "--limit PRICE"),
        (["BTO", "1", "KO", "--limit", "1.005", "--debit"], "tick"),
        # a quantity with --notional was dropped: 0.5 BTC asked, $100 bought
        (["BUY", "0.5", "BTC/USD", "--notional", "100"], "with no quantity"),
    ):
        rc, out, err = await ttai(tmp_path, "--exchange", url, "order", *args, "--yes")
        assert rc == 1, (args, err)
        assert words in err and "Traceback" not in err
    rc, out, err = await ttai(tmp_path, "--exchange", url, "order", "BTO", "1", "NOSUCHX", "--market", "--yes")
    assert rc == 4 and "NOSUCHX" in err + out
    assert exchange.stats.orders_placed == 0
