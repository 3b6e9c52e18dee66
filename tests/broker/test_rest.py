"""REST helpers through the facade: watchlists, symbol search, market metrics."""

from __future__ import annotations

from typing import Any


async def test_watchlists_search_and_metrics(make_broker: Any, exchange: Any) -> None:
    b = make_broker()
    await b.start(stream=False, account=False)
    lists = await b.watchlists()
    names = [w.name for w in lists]
    assert names == sorted(exchange.watchlists, key=lambda n: exchange.watchlists[n]["order-index"])
    first = lists[0]
    assert first.symbols and all(isinstance(s, str) and s for s in first.symbols)
    hits = await b.search("NVD")
    assert any(h.symbol == "NVDA" and h.description for h in hits)
    assert await b.search("   ") == []
    metrics = await b.metrics(["SPY", "AAPL", ".SPY260717C500"])  # option symbols are skipped
    by = {m.symbol: m for m in metrics}
    assert set(by) == {"SPY", "AAPL"}
    spy = by["SPY"]
    assert spy.iv_rank is not None and 0 <= spy.iv_rank <= 1
    assert spy.iv_index is not None and 0 < spy.iv_index < 2
    assert b.state.iv_rank("AAPL") == by["AAPL"].iv_rank  # stored for the views
    assert b.state.take_dirty("metrics-view") >= {"SPY", "AAPL"}
