"""Exchange holidays and early closes from the maintained ``exchange_calendars`` package.

Why an adapter: core is pure (``core.clock.SessionCalendar`` takes the data), and importing
``exchange_calendars`` costs about a second (it loads pandas and builds every rule), the whole
start-up budget. So the tables come, in this order, from:

1. the package's own copy, ``data/calendars.json``: generated from ``exchange_calendars`` by
   ``python -m ttai_tui.calendars`` and stamped with its version; used only while the installed
   ``exchange_calendars`` is that same version and the table reaches a year past today
   (``tests/core/test_session_calendar.py`` checks it against the installed package, and fails
   with the command to run when it must be regenerated);
2. a JSON cache in ``paths.cache_dir()`` written by an earlier build, stamped the same way and
   rebuilt when the package is upgraded or the range no longer reaches a year ahead;
3. a build from ``exchange_calendars`` (then written to that cache).

So a new user's first start reads a small JSON file instead of building the calendars, and
the data is always what the installed ``exchange_calendars`` says.

Calendars used: ``XNYS`` for the US equity session and equity-option expirations, ``CMES``
(CME Globex equity products) for the futures exchanges' holidays.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import os
import tempfile
import threading
from pathlib import Path

from ttai_tui.core.clock import SessionCalendar

log = logging.getLogger(__name__)

#: calendars ttai reads, by the name used in routes and code -> exchange_calendars code
SOURCES = {"NYSE": "XNYS", "CME": "CMES"}
YEARS_BACK = 1
YEARS_AHEAD = 2  # exchange_calendars builds sessions up to a year past today by default
MIN_AHEAD = dt.timedelta(days=300)  # a table must reach this far past today to be used

#: the tables shipped in the package, and the years `python -m ttai_tui.calendars` writes there
SHIPPED = Path(__file__).with_name("data") / "calendars.json"
SHIPPED_FIRST, SHIPPED_LAST = dt.date(2024, 1, 1), dt.date(2030, 12, 31)

_lock = threading.Lock()
_loaded: dict[str, SessionCalendar] = {}
_shipped: dict[str, dict[str, object]] | None = None  # SHIPPED's calendars, once read


@functools.cache
def _version() -> str:
    """The installed exchange_calendars' version ("missing" when it is not installed).

    Read from the name of its ``.dist-info`` directory beside the package when there is exactly
    one: importing ``importlib.metadata`` costs ~40 ms, a tenth of the demo exchange's start-up.
    """
    from importlib.util import find_spec

    spec = find_spec("exchange_calendars")  # locates the package without importing it
    if spec is None or spec.origin is None:
        return "missing"
    prefix = "exchange_calendars-"
    infos = list(Path(spec.origin).parent.parent.glob(f"{prefix}*.dist-info"))
    if len(infos) == 1:
        return infos[0].name[len(prefix):-len(".dist-info")]
    from importlib import metadata

    try:
        return metadata.version("exchange_calendars")
    except metadata.PackageNotFoundError:
        return "missing"


def _cache_file(name: str) -> Path:
    from ttai_tui.paths import cache_dir

    return cache_dir() / f"calendar-{name.lower()}.json"


def _window(today: dt.date) -> tuple[dt.date, dt.date]:
    """The years a build covers: from January a year back to December two years ahead."""
    return dt.date(today.year - YEARS_BACK, 1, 1), dt.date(today.year + YEARS_AHEAD, 12, 31)


def _build(name: str, first: dt.date, last: dt.date) -> SessionCalendar:
    """``name``'s closures and early closes over ``[first, last]``, from exchange_calendars."""
    import exchange_calendars as xc
    import pandas as pd

    cal = xc.get_calendar(SOURCES[name], start=str(first), end=str(last))
    sessions = {ts.date() for ts in cal.sessions}
    weekdays = pd.bdate_range(first, last)
    holidays = frozenset(d.date() for d in weekdays if d.date() not in sessions)
    closes = cal.schedule["close"].dt.tz_convert("America/New_York")
    early = tuple(
        (day.date(), c.hour, c.minute)
        for day, c in closes.items()
        if (c.hour, c.minute) < (16, 0) and c.hour >= 9
    ) if name == "NYSE" else tuple(
        (ts.date(), 12, 0) for ts in cal.early_closes
    )
    # the package's own horizon bounds what it knows, whatever we asked for
    known_last = min(last, cal.last_session.date())
    return SessionCalendar(
        holidays=frozenset(h for h in holidays if h <= known_last),
        early_closes=early,
        first=first,
        last=known_last,
    )


def _to_json(cal: SessionCalendar, version: str | None = None) -> dict[str, object]:
    return {
        "version": version or _version(),
        "first": str(cal.first),
        "last": str(cal.last),
        "holidays": sorted(str(d) for d in cal.holidays),
        "early-closes": [[str(d), h, m] for d, h, m in cal.early_closes],
    }


def _from_json(data: dict[str, object]) -> SessionCalendar:
    hol = data["holidays"]
    ec = data["early-closes"]
    if not isinstance(hol, list) or not isinstance(ec, list):
        raise ValueError("calendar cache: holidays/early-closes must be lists")
    return SessionCalendar(
        holidays=frozenset(dt.date.fromisoformat(str(x)) for x in hol),
        early_closes=tuple((dt.date.fromisoformat(str(d)), int(h), int(m)) for d, h, m in ec),
        first=dt.date.fromisoformat(str(data["first"])),
        last=dt.date.fromisoformat(str(data["last"])),
    )


def _read_cache(name: str, today: dt.date) -> SessionCalendar | None:
    path = _cache_file(name)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        log.warning("calendar cache %s unreadable (%s); rebuilding it", path, e)
        return None
    try:
        if not isinstance(data, dict) or data.get("version") != _version():
            return None
        cal = _from_json(data)
    except (KeyError, TypeError, ValueError) as e:
        log.warning("calendar cache %s malformed (%s); rebuilding it", path, e)
        return None
    return cal if _usable(cal, today) else None


def _usable(cal: SessionCalendar, today: dt.date) -> bool:
    return cal.covers(today) and cal.last >= today + MIN_AHEAD


def _read_shipped(name: str, today: dt.date) -> SessionCalendar | None:
    """The package's own table for ``name``, when it is from the installed exchange_calendars
    and covers today plus ``MIN_AHEAD``; None otherwise (then the cache or a build is used)."""
    global _shipped
    if _shipped is None:
        try:
            data = json.loads(SHIPPED.read_text(encoding="utf-8"))
            tables = data["calendars"]
            if not isinstance(tables, dict):
                raise ValueError("'calendars' must be a table")
            _shipped = tables
        except (OSError, ValueError, KeyError, TypeError) as e:
            log.warning("shipped calendars %s unreadable (%s); building them", SHIPPED, e)
            _shipped = {}
    table = _shipped.get(name)
    if not isinstance(table, dict):
        return None
    if table.get("version") != _version():
        log.info("shipped %s calendar is from exchange_calendars %s, installed %s: building it",
                 name, table.get("version"), _version())
        return None
    try:
        cal = _from_json(table)
    except (KeyError, TypeError, ValueError) as e:
        log.warning("shipped %s calendar malformed (%s); building it", name, e)
        return None
    return cal if _usable(cal, today) else None


def _write_cache(name: str, cal: SessionCalendar) -> None:
    path = _cache_file(name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(_to_json(cal), f)
        os.replace(tmp, path)
    except OSError as e:  # a read-only cache only costs the next start the rebuild
        log.warning("could not write calendar cache %s: %s", path, e)


def calendar(name: str = "NYSE", today: dt.date | None = None) -> SessionCalendar:
    """The named calendar (``NYSE`` or ``CME``): memory, else the shipped table, else the disk
    cache, else a build (see the module docstring)."""
    today = today or dt.date.today()
    hit = _loaded.get(name)
    if hit is not None and hit.covers(today):
        return hit
    with _lock:
        hit = _loaded.get(name)
        if hit is not None and hit.covers(today):
            return hit
        cal = _read_shipped(name, today) or _read_cache(name, today)
        if cal is None:
            try:
                cal = _build(name, *_window(today))
            except ImportError as e:
                log.error("exchange_calendars unavailable (%s): only weekends are closed", e)
                cal = SessionCalendar()
            else:
                _write_cache(name, cal)
        _loaded[name] = cal
        return cal


def calendar_if_ready(name: str = "NYSE") -> SessionCalendar | None:
    """The calendar when it is already in memory (never blocks on a build)."""
    return _loaded.get(name)


def write_shipped(path: Path = SHIPPED, first: dt.date = SHIPPED_FIRST, last: dt.date = SHIPPED_LAST) -> Path:
    """Regenerate the package's tables from the installed exchange_calendars (run it after
    upgrading that package: ``python -m ttai_tui.calendars``)."""
    version = _version()
    tables = {name: _to_json(_build(name, first, last), version) for name in SOURCES}
    text = json.dumps({"source": "exchange_calendars", "calendars": tables}, indent=1) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, 0o644)  # package data: readable by everyone, like the rest of the package
    os.replace(tmp, path)
    return path


if __name__ == "__main__":
    print(f"wrote {write_shipped()} from exchange_calendars {_version()}")
