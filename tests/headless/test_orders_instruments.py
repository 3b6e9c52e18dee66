"""`ttai order` for futures, futures options and crypto, as subprocesses against the exchange."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .test_commands import ttai


def _ask(exchange: Any, kind: str, symbol: str) -> float:
    t = exchange.account.tradables.resolve(kind, symbol)
    q = exchange.account.tradables.quote(t)
    return float(q.ask)


async def test_future_dry_run_json_names_the_contract(exchange: Any, tmp_path: Path) -> None:
    front = exchange.instruments.front("ES")
    limit = _ask(exchange, "Future", front.symbol) - 50.0  # a resting buy, on the 0.25 grid
    rc, out, err = await ttai(tmp_path, "--exchange", exchange.url, "order", "BUY", "1", "/ES",
                              "--limit", f"{limit:.2f}", "--debit", "--dry-run", "--json")
    assert rc == 0, err
    review = json.loads(out)
    (leg,) = review["legs"]
    assert leg["symbol"] == front.symbol and leg["typed"] == "/ES" and leg["action"] == "Buy"
    assert leg["instrument_type"] == "Future" and leg["multiplier"] == 50.0
    assert review["buying_power_effect"] < 0 and review["fees"] > 0
    # margin, not the notional: an ES contract ties up far less than price x 50
    assert -review["buying_power_effect"] < limit * 50 * 0.5
    assert exchange.stats.orders_placed == 0
    # off the grid: refused before anything is sent, naming the tick
    rc, out, err = await ttai(tmp_path, "--exchange", exchange.url, "order", "BUY", "1", "/ES",
                              "--limit", f"{limit + 0.1:.2f}", "--debit", "--dry-run")
    assert rc == 1 and "tick 0.25" in err
    rc, out, err = await ttai(tmp_path, "--exchange", exchange.url, "order", "BUY", "2.5", "/ES",
                              "--market", "--dry-run")
    assert rc == 1 and "only crypto trades in fractions" in err
    rc, out, err = await ttai(tmp_path, "--exchange", exchange.url, "order", "BUY", "1", "/ESZ5",
                              "--market", "--dry-run")
    assert rc == 1 and "unknown futures contract /ESZ5" in err


async def test_future_option_leg_from_the_chain(exchange: Any, tmp_path: Path) -> None:
    rc, out, err = await ttai(tmp_path, "--exchange", exchange.url, "chain", "/ES", "--strikes", "1", "--json")
    assert rc == 0, err
    call = json.loads(out)["strikes"][1]["call"]
    sym = call["order_symbol"]
    assert sym.startswith("./ES")
    # typed with single spaces: the API's padding is restored
    typed = " ".join(sym.split())
    price = round(call["bid"] * 4) / 4 - 0.25
    rc, out, err = await ttai(tmp_path, "--exchange", exchange.url, "order", "BTO", "1", typed,
                              "--limit", f"{price:.2f}", "--debit", "--dry-run", "--json")
    assert rc == 0, err
    review = json.loads(out)
    assert review["legs"][0]["symbol"] == sym and review["legs"][0]["multiplier"] == 50.0
    assert review["max_loss"] == round(price * 50, 2)
    rc, out, err = await ttai(tmp_path, "--exchange", exchange.url, "order", "BUY", "1", typed,
                              "--market", "--dry-run")
    assert rc == 1 and "open/close effect" in err


async def test_crypto_fraction_market_order_fills(exchange: Any, tmp_path: Path) -> None:
    held = exchange.account.positions["BTC/USD"].quantity if "BTC/USD" in exchange.account.positions else 0.0
    # 0.5 BTC (~$47,000) at market is above the default max_notional ($25,000): a market order
    # is capped at the market's price (it used to pass every notional cap and fill)
    placed_before = exchange.stats.orders_placed
    rc, out, err = await ttai(tmp_path, "--exchange", exchange.url, "order", "BUY", "0.5", "BTC/USD",
                              "--market", "--yes")
    assert rc == 1 and "max_notional" in err and exchange.stats.orders_placed == placed_before, err
    rc, out, err = await ttai(tmp_path, "--exchange", exchange.url, "order", "BUY", "0.2", "BTC/USD",
                              "--market", "--yes", "--json")
    assert rc == 0, err
    placed = json.loads(out)
    assert placed["status"] in ("Filled", "Live", "Received")
    assert placed["review"]["legs"][0] == {**placed["review"]["legs"][0], "quantity": 0.2,
                                           "action": "Buy to Open", "instrument_type": "Cryptocurrency"}
    o = exchange.account.orders[int(placed["id"])]
    assert o.status == "Filled"
    assert abs(exchange.account.positions["BTC/USD"].quantity - (held + 0.2)) < 1e-9
    (tmp_path / "config").mkdir(exist_ok=True)
    (tmp_path / "config" / "config.toml").write_text("[trading]\nmax_notional = 0\n")  # caps off
    rc, out, err = await ttai(tmp_path, "--exchange", exchange.url, "order", "SELL", "50", "BTC/USD",
                              "--market", "--dry-run")
    assert rc != 0 and "no matching position" in err + out  # more than is held: the server says so
    rc, out, err = await ttai(tmp_path, "--exchange", exchange.url, "order", "BUY", "BTC/USD",
                              "--notional", "100", "--dry-run", "--json")
    assert rc == 0, err
    review = json.loads(out)
    assert review["order_type"] == "Notional Market" and review["notional_value"] == 100.0
    assert -review["buying_power_effect"] >= 100.0
