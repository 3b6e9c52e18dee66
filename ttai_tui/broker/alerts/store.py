"""The alerts file: ``<data_dir>/alerts.json``, shared by the dashboard and the headless commands.

Why one file for several processes: ``ttai alert add`` in one shell, ``ttai alert watch`` in
another and the dashboard in a third must agree on the alerts and on which have fired. Every
change is a locked read-modify-write (``fcntl.flock`` on ``alerts.json.lock``) saved with
``storage.save_json`` (temp file, fsync, rename, previous version kept as ``.bak``); readers
notice changes by the file's modification time (`AlertBook.sync`).

A file that cannot be parsed is never dropped silently: it is copied to ``alerts.json.corrupt``,
the previous version (``.bak``) is restored when it parses, and ``load_error`` says what
happened so the UI and the CLI can show it. Entries that no longer parse (edited by hand) are
kept in the file untouched and reported, not deleted.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ttai_tui import storage
from ttai_tui.core.alerts import FIRED, REARMING, AlertSpec, AlertSpecError, AlertState, parse_alert

log = logging.getLogger(__name__)

FILE_NAME = "alerts.json"
VERSION = 1


@dataclass(slots=True)
class Alert:
    """One alert: its definition, where it stands, and where it came from."""

    id: int
    spec: AlertSpec
    created_at: float
    created_value: float | None = None
    origin: str = "user"  # "user" (CLI, dashboard) or "config" ([alerts] rules)
    state: AlertState = field(default_factory=AlertState)

    @property
    def text(self) -> str:
        return self.spec.text

    def to_json(self) -> dict[str, Any]:
        st = self.state
        return {
            "id": self.id,
            "alert": self.spec.text,
            "origin": self.origin,
            "created_at": self.created_at,
            "created_value": self.created_value,
            "status": st.status,
            "fires": st.fires,
            "fired_at": st.fired_at,
            "fired_value": st.fired_value,
        }


def _opt_float(v: object) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def _from_json(d: dict[str, Any]) -> Alert:
    spec = parse_alert(str(d["alert"]))
    st = AlertState()
    status = d.get("status")
    if status in (FIRED, REARMING):
        st.status = str(status)
    st.fires = int(d.get("fires") or 0)
    st.fired_at = _opt_float(d.get("fired_at"))
    st.fired_value = _opt_float(d.get("fired_value"))
    return Alert(
        id=int(d["id"]),
        spec=spec,
        created_at=float(d.get("created_at") or 0.0),
        created_value=_opt_float(d.get("created_value")),
        origin=str(d.get("origin") or "user"),
        state=st,
    )


class AlertBook:
    """The alerts of one data directory, in id order."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.alerts: dict[int, Alert] = {}
        self.next_id = 1
        self.load_error: str | None = None
        self.bad_entries: list[dict[str, Any]] = []  # kept verbatim, written back
        self._mtime: int | None = None
        self.load()

    # ---- reading ----------------------------------------------------------------------

    def _read(self) -> dict[str, Any] | None:
        try:
            data = storage.load_json(self.path, default=None)
        except storage.CorruptFileError as exc:
            data = self._recover(exc)
        except storage.StorageError as exc:
            self.load_error = str(exc)
            log.warning("alerts file unreadable: %s", exc)
            return None
        if data is not None and not isinstance(data, dict):
            self.load_error = f"{self.path} is not an alerts file (expected a JSON object)"
            log.warning("%s", self.load_error)
            return None
        return data

    def _recover(self, exc: storage.CorruptFileError) -> dict[str, Any] | None:
        """Keep the corrupt bytes aside, restore the backup if it parses, say what happened."""
        aside = self.path.with_name(self.path.name + ".corrupt")
        if exc.backup is not None:
            storage.restore_backup(self.path)  # copies the corrupt file to .corrupt first
            self.load_error = (
                f"alerts file {self.path} was corrupt; it is kept as {aside} and the previous "
                f"version was restored from {exc.backup}"
            )
            log.warning("%s (%s)", self.load_error, exc)
            data = storage.load_json(self.path, default=None)
            return data if isinstance(data, dict) else None
        storage.atomic_write_bytes(aside, self.path.read_bytes(), private=True, backup=False)
        self.path.unlink()
        self.load_error = (
            f"alerts file {self.path} was corrupt and had no usable backup; it is kept as "
            f"{aside}; starting with no alerts"
        )
        log.warning("%s (%s)", self.load_error, exc)
        return None

    def _parse(self, data: dict[str, Any] | None) -> tuple[dict[int, Alert], list[dict[str, Any]], int]:
        alerts: dict[int, Alert] = {}
        bad: list[dict[str, Any]] = []
        next_id = 1
        if data is None:
            return alerts, bad, next_id
        raw = data.get("alerts")
        for entry in raw if isinstance(raw, list) else []:
            try:
                a = _from_json(entry)
            except (AlertSpecError, KeyError, TypeError, ValueError) as exc:
                log.warning("alerts file: entry %r kept but not used: %s", entry, exc)
                bad.append(entry if isinstance(entry, dict) else {"raw": entry})
                continue
            alerts[a.id] = a
        nid = data.get("next_id")
        next_id = max([nid if isinstance(nid, int) else 1, *(i + 1 for i in alerts)])
        return alerts, bad, next_id

    def _stat(self) -> int | None:
        try:
            return self.path.stat().st_mtime_ns
        except OSError:
            return None

    def load(self) -> None:
        with self._lock():
            data = self._read()
            self._mtime = self._stat()
        self.alerts, self.bad_entries, self.next_id = self._parse(data)
        if self.bad_entries and self.load_error is None:
            self.load_error = (
                f"{len(self.bad_entries)} alert(s) in {self.path} could not be read; "
                "they are kept in the file unchanged (see the log)"
            )

    def sync(self) -> bool:
        """Pick up changes other processes made (added/removed alerts, firings); True if any.

        Runtime state (the baseline of each alert) is kept; a fired status or a higher fire
        count from the file wins over ours.
        """
        m = self._stat()
        if m == self._mtime:
            return False
        with self._lock():
            data = self._read()
            self._mtime = self._stat()
        theirs, self.bad_entries, self.next_id = self._parse(data)
        merged: dict[int, Alert] = {}
        for i, a in theirs.items():
            mine = self.alerts.get(i)
            if mine is None or mine.spec != a.spec:
                merged[i] = a
                continue
            if a.state.fires > mine.state.fires or (
                a.state.status == FIRED and mine.state.status != FIRED
            ):
                mine.state.status = a.state.status
                mine.state.fires = a.state.fires
                mine.state.fired_at = a.state.fired_at
                mine.state.fired_value = a.state.fired_value
            merged[i] = mine
        self.alerts = merged
        return True

    # ---- writing ------------------------------------------------------------------------

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _write(self, alerts: dict[int, Alert], bad: list[dict[str, Any]], next_id: int) -> None:
        data = {
            "version": VERSION,
            "next_id": next_id,
            "alerts": [a.to_json() for a in sorted(alerts.values(), key=lambda a: a.id)] + bad,
        }
        storage.save_json(self.path, data)
        self._mtime = self._stat()

    def add(
        self, spec: AlertSpec, now: float, created_value: float | None = None, origin: str = "user"
    ) -> Alert:
        """Store a new alert (locked read-modify-write, so concurrent adds get distinct ids)."""
        with self._lock():
            data = self._read()
            theirs, bad, next_id = self._parse(data)
            alert = Alert(next_id, spec, now, created_value, origin)
            theirs[alert.id] = alert
            self._write(theirs, bad, next_id + 1)
        self.alerts, self.bad_entries, self.next_id = theirs, bad, next_id + 1
        return alert

    def remove(self, alert_id: int) -> Alert:
        """Delete one alert; KeyError when there is no such id."""
        with self._lock():
            theirs, bad, next_id = self._parse(self._read())
            alert = theirs.pop(alert_id)
            self._write(theirs, bad, next_id)
        self.alerts.pop(alert_id, None)
        self.alerts, self.bad_entries, self.next_id = theirs, bad, next_id
        return alert

    def record(self, alert: Alert) -> None:
        """Persist where ``alert`` stands (after a firing or a re-arm)."""
        with self._lock():
            theirs, bad, next_id = self._parse(self._read())
            cur = theirs.get(alert.id)
            if cur is None or cur.spec != alert.spec:
                return  # removed (or replaced) meanwhile: nothing to record
            cur.state.status = alert.state.status
            cur.state.fires = max(cur.state.fires, alert.state.fires)
            cur.state.fired_at = alert.state.fired_at
            cur.state.fired_value = alert.state.fired_value
            self._write(theirs, bad, next_id)

    def ensure(self, specs: list[AlertSpec], now: float, origin: str = "config") -> list[Alert]:
        """Add the config's rules that are not in the file yet (matched by their text)."""
        have = {a.spec.text for a in self.alerts.values()}
        added = []
        for spec in specs:
            if spec.text not in have:
                added.append(self.add(spec, now, None, origin))
                have.add(spec.text)
        return added


def default_path() -> Path:
    from ttai_tui import paths

    return paths.data_dir() / FILE_NAME
