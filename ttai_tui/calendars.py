"""Exchange holidays and early closes from the maintained ``exchange_calendars`` package.

Why an adapter: core is pure (``core.clock.SessionCalendar`` takes the data), and importing
``exchange_calendars`` costs seconds (it loads pandas and builds every rule), far more than the
start-up budget. So the first build writes a small JSON cache (``paths.cache_dir()``), stamped
with the package version and the years it covers; later runs read the JSON and never import
the package. The cache is rebuilt when the package is upgraded or the covered range no longer
reaches a year ahead.

Calendars used: ``XNYS`` for the US equity session and equity-option expirations, ``CMES``
(CME Globex equity products) for the futures exchanges' holidays.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import tempfile
import threading
from importlib import metadata
from pathlib import Path

from ttai_tui.core.clock import SessionCalendar

log = logging.getLogger(__name__)

#: calendars ttai reads, by the name used in routes and code -> exchange_calendars code
SOURCES = {"NYSE": "XNYS", "CME": "CMES"}
YEARS_BACK = 1
YEARS_AHEAD = 2  # exchange_calendars builds sessions up to a year past today by default

_lock = threading.Lock()
_loaded: dict[str, SessionCalendar] = {}


def _version() -> str:
    try:
        return metadata.version("exchange_calendars")
    except metadata.PackageNotFoundError:
        return "missing"


def _cache_file(name: str) -> Path:
    from ttai_tui.paths import cache_dir

    return cache_dir() / f"calendar-{name.lower()}.json"


def _build(name: str, today: dt.date) -> SessionCalendar:
    import exchange_calendars as xc
    import pandas as pd

    first = dt.date(today.year - YEARS_BACK, 1, 1)
    last = dt.date(today.year + YEARS_AHEAD, 12, 31)
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


def _to_json(cal: SessionCalendar) -> dict[str, object]:
    return {
        "version": _version(),
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
    if not cal.covers(today) or cal.last < today + dt.timedelta(days=300):
        return None
    return cal


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
    """The named calendar (``NYSE`` or ``CME``): memory, else the disk cache, else a build."""
    today = today or dt.date.today()
    hit = _loaded.get(name)
    if hit is not None and hit.covers(today):
        return hit
    with _lock:
        hit = _loaded.get(name)
        if hit is not None and hit.covers(today):
            return hit
        cal = _read_cache(name, today)
        if cal is None:
            try:
                cal = _build(name, today)
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
