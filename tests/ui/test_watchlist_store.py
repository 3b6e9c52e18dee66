"""Local watchlist edits are saved atomically and survive a restart; config lists seed it."""

from __future__ import annotations

import json

from ttai_tui.ui.watchlist_store import WatchlistStore


def test_edits_survive_restart_and_unedited_config_lists_follow_the_config(tmp_path):
    path = tmp_path / "data" / "watchlists.json"
    store = WatchlistStore(path, {"Default": ["SPY", "QQQ"], "Tech": ["AAPL"]})
    store.set_symbols("Default", ["QQQ", "SPY", "IWM"])
    again = WatchlistStore(path, {"Default": ["SPY"], "Tech": ["AAPL", "MSFT"]})
    assert again.symbols("Default") == ["QQQ", "SPY", "IWM"]  # local edit wins
    assert again.symbols("Tech") == ["AAPL", "MSFT"]  # never edited: the config's version
    data = json.loads(path.read_text())
    assert set(data["lists"]) == {"Default"}
    assert not list(path.parent.glob("*.tmp"))  # the temp file was renamed away


def test_account_lists_merge_without_clobbering_local_ones(tmp_path):
    store = WatchlistStore(tmp_path / "w.json", {"Default": ["SPY"]})
    added = store.add_account_lists([("Default", ("TSLA",)), ("Earnings", ("NFLX", "META"))])
    assert added == ["Default (account)", "Earnings"]
    assert store.symbols("Default") == ["SPY"]
    assert store.symbols("Earnings") == ["NFLX", "META"]
    store.set_symbols("Earnings", ["NFLX"])  # an edited account list becomes local
    again = WatchlistStore(tmp_path / "w.json", {"Default": ["SPY"]})
    assert again.symbols("Earnings") == ["NFLX"]


def test_corrupt_file_keeps_config_lists_and_says_so(tmp_path):
    path = tmp_path / "w.json"
    path.write_text("{not json")
    store = WatchlistStore(path, {"Default": ["SPY"]})
    assert store.symbols("Default") == ["SPY"]
    assert store.load_error and str(path) in store.load_error


def test_corrupt_file_with_a_backup_offers_it_and_restores_it(tmp_path):
    path = tmp_path / "w.json"
    WatchlistStore(path, {"Default": ["SPY"]}).set_symbols("Default", ["SPY", "TSLA"])
    WatchlistStore(path, {"Default": ["SPY"]}).set_symbols("Default", ["SPY", "TSLA", "NVDA"])
    path.write_text('{"version": 1, "lists": {"Def')  # e.g. the disk filled during an edit
    store = WatchlistStore(path, {"Default": ["SPY"]})
    assert store.symbols("Default") == ["SPY"] and store.backup is not None
    store.restore_backup()
    assert store.symbols("Default") == ["SPY", "TSLA"]  # the previous good version
    assert store.load_error is None and store.backup is None
    assert (tmp_path / "w.json.corrupt").read_text().startswith('{"version": 1')  # kept
    assert WatchlistStore(path, {"Default": ["SPY"]}).symbols("Default") == ["SPY", "TSLA"]


def test_resolved_entries_stream_as_their_symbol_and_are_saved_as_written(tmp_path):
    from ttai_tui.ui.watchlist_store import needs_resolving

    path = tmp_path / "w.json"
    store = WatchlistStore(path, {"F": ["SPY", "/ES", "/ESZ26:XCME", "BTC/USD", "BRK/B"]})
    assert store.unresolved() == ["/ES", "BTC/USD", "BRK/B"]  # BRK/B: the broker decides
    assert not needs_resolving(".SPY260717C500") and not needs_resolving("./EW4Z26C6000:XCME")
    store.set_streamer("/ES", "/ESH27:XCME")
    store.set_streamer("BTC/USD", "BTC/USD:CXTALP")
    store.set_streamer("BRK/B", "BRK/B")  # not a pair: streams as written
    assert store.unresolved() == []
    assert store.symbols("F") == ["SPY", "/ESH27:XCME", "/ESZ26:XCME", "BTC/USD:CXTALP", "BRK/B"]
    store.set_symbols("F", ["/ESZ26:XCME", "/ESH27:XCME", "SPY", "BTC/USD:CXTALP"])
    assert store.lists["F"] == ["/ESZ26:XCME", "/ES", "SPY", "BTC/USD"]
    assert json.loads(path.read_text())["lists"]["F"] == ["/ESZ26:XCME", "/ES", "SPY", "BTC/USD"]
