"""The alerts file: survives restarts, shared by processes, corrupt files kept aside, never lost."""

from __future__ import annotations

import json
from pathlib import Path

from ttai_tui.broker.alerts.store import AlertBook
from ttai_tui.core.alerts import FIRED, parse_alert


def test_alerts_and_their_fired_state_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "alerts.json"
    book = AlertBook(path)
    a = book.add(parse_alert("SPY last above 605"), 1000.0, 604.5)
    b = book.add(parse_alert("QQQ change below -2 every"), 1001.0)
    a.state.status, a.state.fires, a.state.fired_at, a.state.fired_value = FIRED, 1, 1002.0, 605.01
    book.record(a)

    again = AlertBook(path)  # a new process
    assert again.load_error is None
    assert [x.text for x in again.alerts.values()] == ["SPY last above 605", "QQQ change below -2 every"]
    got = again.alerts[a.id]
    assert (got.state.status, got.state.fires, got.state.fired_at, got.state.fired_value) == (FIRED, 1, 1002.0, 605.01)
    assert got.created_value == 604.5
    assert again.alerts[b.id].state.status == "armed"
    # ids are never reused, even after a removal
    again.remove(b.id)
    c = again.add(parse_alert("IWM last below 200"), 1003.0)
    assert c.id == 3


def test_two_books_on_one_file_see_each_others_changes(tmp_path: Path) -> None:
    path = tmp_path / "alerts.json"
    cli, app = AlertBook(path), AlertBook(path)
    a = cli.add(parse_alert("SPY last above 605"), 1.0)
    assert app.sync() and a.id in app.alerts
    # the dashboard fires it; the CLI's list sees it fired
    mine = app.alerts[a.id]
    mine.state.status, mine.state.fires, mine.state.fired_value = FIRED, 1, 605.2
    app.record(mine)
    cli.sync()
    assert cli.alerts[a.id].state.status == FIRED and cli.alerts[a.id].state.fired_value == 605.2
    cli.remove(a.id)
    assert app.sync() and a.id not in app.alerts
    assert not app.sync()  # nothing changed since


def test_a_corrupt_file_is_kept_aside_and_the_backup_restored(tmp_path: Path) -> None:
    path = tmp_path / "alerts.json"
    book = AlertBook(path)
    book.add(parse_alert("SPY last above 605"), 1.0)
    book.add(parse_alert("QQQ last below 400"), 2.0)  # the first version is now the .bak
    path.write_text('{"version": 1, "alerts": [ {"id": 1,')  # a half-written or damaged file

    again = AlertBook(path)
    assert again.load_error is not None
    assert "corrupt" in again.load_error and "alerts.json.corrupt" in again.load_error
    assert (tmp_path / "alerts.json.corrupt").read_text().startswith('{"version": 1, "alerts": [ {"id": 1,')
    assert [a.text for a in again.alerts.values()] == ["SPY last above 605"]  # from the backup
    json.loads(path.read_text())  # the file in place parses again


def test_a_corrupt_file_without_backup_is_kept_aside_with_a_message(tmp_path: Path) -> None:
    path = tmp_path / "alerts.json"
    path.write_text("not json at all")
    book = AlertBook(path)
    assert book.load_error is not None and "no usable backup" in book.load_error
    assert (tmp_path / "alerts.json.corrupt").read_text() == "not json at all"
    assert book.alerts == {}
    book.add(parse_alert("SPY last above 605"), 1.0)  # and the book works again
    assert AlertBook(path).alerts[1].text == "SPY last above 605"


def test_an_entry_that_no_longer_parses_is_kept_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "alerts.json"
    bad = {"id": 7, "alert": "SPY lst above 605"}
    path.write_text(json.dumps({"version": 1, "next_id": 8, "alerts": [bad]}))
    book = AlertBook(path)
    assert book.load_error is not None and "kept in the file" in book.load_error
    a = book.add(parse_alert("SPY last above 605"), 1.0)
    assert a.id == 8
    saved = json.loads(path.read_text())["alerts"]
    assert bad in saved and len(saved) == 2


def test_config_rules_are_added_once(tmp_path: Path) -> None:
    path = tmp_path / "alerts.json"
    rules = [parse_alert("SPY last above 605"), parse_alert("portfolio daypnl below -1000")]
    book = AlertBook(path)
    assert len(book.ensure(rules, 1.0)) == 2
    assert AlertBook(path).ensure(rules, 2.0) == []
    assert {a.origin for a in AlertBook(path).alerts.values()} == {"config"}
