"""The New York session with holidays and early closes passed in (core stays pure), and the
adapter that reads them from exchange_calendars and caches them."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from ttai_tui.core.clock import NEW_YORK, SessionCalendar, market_session


def _ts(y: int, m: int, d: int, hh: int, mm: int) -> float:
    return dt.datetime(y, m, d, hh, mm, tzinfo=NEW_YORK).timestamp()


CAL = SessionCalendar(
    holidays=frozenset({dt.date(2026, 11, 26), dt.date(2026, 12, 25)}),
    early_closes=((dt.date(2026, 11, 27), 13, 0),),
    first=dt.date(2026, 1, 1), last=dt.date(2026, 12, 31),
)


def test_holiday_is_closed_and_the_next_session_skips_it() -> None:
    s = market_session(_ts(2026, 11, 26, 11, 0), CAL)  # Thanksgiving, a Thursday
    assert s.state == "closed"
    assert s.next_change is not None and s.next_change.date() == dt.date(2026, 11, 27)
    assert market_session(_ts(2026, 11, 26, 11, 0)).state == "open"  # without the calendar


def test_early_close_ends_the_session_at_13_and_post_at_17() -> None:
    assert market_session(_ts(2026, 11, 27, 12, 59), CAL).state == "open"
    s = market_session(_ts(2026, 11, 27, 13, 0), CAL)
    assert s.state == "post" and s.next_change is not None and s.next_change.hour == 17
    assert market_session(_ts(2026, 11, 27, 17, 0), CAL).state == "closed"


def test_trading_day_arithmetic() -> None:
    assert CAL.previous_trading_day(dt.date(2026, 12, 25)) == dt.date(2026, 12, 24)
    assert CAL.add_trading_days(dt.date(2026, 12, 24), 1) == dt.date(2026, 12, 28)
    assert CAL.add_trading_days(dt.date(2026, 11, 30), -2) == dt.date(2026, 11, 25)


def test_adapter_reads_exchange_calendars_and_caches(tmp_path, monkeypatch) -> None:
    from ttai_tui import calendars

    monkeypatch.setenv("TTAI_HOME", str(tmp_path))
    monkeypatch.setattr(calendars, "_loaded", {})
    monkeypatch.setattr(calendars, "_shipped", {})  # as if the package had no table of its own
    today = dt.date(2026, 11, 29)
    nyse = calendars.calendar("NYSE", today)
    # independent facts: NYSE's 2027 holidays and half days (nyse.com)
    assert {dt.date(2027, 3, 26), dt.date(2027, 6, 18), dt.date(2027, 11, 25)} <= nyse.holidays
    assert (dt.date(2026, 12, 24), 13, 0) in nyse.early_closes
    assert dt.date(2026, 7, 2) not in nyse.holidays and nyse.last >= dt.date(2027, 9, 1)
    cache = tmp_path / "cache" / "calendar-nyse.json"
    data = json.loads(cache.read_text())
    assert "2027-03-26" in data["holidays"]
    # a later start reads the cache instead of importing the package
    monkeypatch.setattr(calendars, "_loaded", {})
    monkeypatch.setattr(calendars, "_build", lambda *a: pytest.fail("rebuilt despite the cache"))
    assert calendars.calendar("NYSE", today) == nyse
    # a corrupt cache is rebuilt (logged), never fatal
    cache.write_text("{not json")
    monkeypatch.setattr(calendars, "_loaded", {})
    monkeypatch.setattr(calendars, "_build", lambda name, first, last: nyse)
    assert calendars.calendar("NYSE", today) == nyse
    assert json.loads(cache.read_text())["holidays"]


@pytest.mark.parametrize("name", ["NYSE", "CME"])
def test_shipped_tables_are_what_the_installed_exchange_calendars_says(name: str) -> None:
    """The package's own tables (read at start-up instead of building the calendars) hold, for
    every covered day, exactly the closures and early closes of the installed package."""
    from ttai_tui import calendars

    table = json.loads(calendars.SHIPPED.read_text())["calendars"][name]
    assert table["version"] == calendars._version(), (
        f"data/calendars.json is from exchange_calendars {table['version']}, "
        f"{calendars._version()} is installed: run `python -m ttai_tui.calendars`"
    )
    shipped = calendars._from_json(table)
    built = calendars._build(name, calendars.SHIPPED_FIRST, calendars.SHIPPED_LAST)
    assert (shipped.first, shipped.last) == (calendars.SHIPPED_FIRST, calendars.SHIPPED_LAST)
    assert shipped.holidays == built.holidays
    assert sorted(shipped.early_closes) == sorted(built.early_closes)
    assert shipped.last == built.last


def test_the_installed_version_is_the_one_packaging_metadata_reports() -> None:
    from importlib import metadata

    from ttai_tui import calendars

    assert calendars._version() == metadata.version("exchange_calendars")


def test_a_new_home_reads_the_shipped_table_without_building(tmp_path, monkeypatch) -> None:
    from ttai_tui import calendars

    monkeypatch.setenv("TTAI_HOME", str(tmp_path))
    monkeypatch.setattr(calendars, "_loaded", {})
    monkeypatch.setattr(calendars, "_build", lambda *a: pytest.fail("built despite the shipped table"))
    nyse = calendars.calendar("NYSE", dt.date(2026, 11, 29))
    # independent facts (nyse.com): Good Friday 2027, Juneteenth observed 2027, Thanksgiving
    # 2027 closed; the day after Thanksgiving 2026 and Christmas Eve 2026 close at 13:00
    assert {dt.date(2027, 3, 26), dt.date(2027, 6, 18), dt.date(2027, 11, 25)} <= nyse.holidays
    assert {(dt.date(2026, 11, 27), 13, 0), (dt.date(2026, 12, 24), 13, 0)} <= set(nyse.early_closes)
    cme = calendars.calendar("CME", dt.date(2026, 11, 29))
    assert dt.date(2026, 12, 25) in cme.holidays and dt.date(2026, 11, 26) not in cme.holidays
    assert not (tmp_path / "cache").exists()  # nothing to cache


def test_past_the_shipped_years_or_from_another_version_it_builds(tmp_path, monkeypatch) -> None:
    """The shipped table is used only where it is the installed package's answer: a day it
    does not reach a year past, or another exchange_calendars version, means a build."""
    from ttai_tui import calendars
    from ttai_tui.core.clock import SessionCalendar

    monkeypatch.setenv("TTAI_HOME", str(tmp_path))
    built: list[tuple[str, dt.date, dt.date]] = []

    def build(name: str, first: dt.date, last: dt.date) -> SessionCalendar:
        built.append((name, first, last))
        return SessionCalendar(first=first, last=last)

    monkeypatch.setattr(calendars, "_build", build)
    monkeypatch.setattr(calendars, "_loaded", {})
    late = calendars.SHIPPED_LAST - dt.timedelta(days=200)  # covered, but not a year ahead
    assert calendars.calendar("NYSE", late).last == dt.date(late.year + 2, 12, 31)
    assert built == [("NYSE", dt.date(late.year - 1, 1, 1), dt.date(late.year + 2, 12, 31))]

    built.clear()
    monkeypatch.setattr(calendars, "_loaded", {})
    monkeypatch.setattr(calendars, "_version", lambda: "0.0-not-the-shipped-one")
    calendars.calendar("CME", dt.date(2026, 11, 29))
    assert [b[0] for b in built] == ["CME"]


def test_fractional_quantities_are_not_rounded_away() -> None:
    from ttai_tui.core.formatting import MISSING, fmt_qty

    assert fmt_qty(0.25) == "0.25" and fmt_qty(0.00012345) == "0.00012345"
    assert fmt_qty(-2.0) == "-2" and fmt_qty(1500.0) == "1,500" and fmt_qty(None) == MISSING
