"""Import the SDK without building the NYSE calendar until something uses it.

``tastytrade.utils`` runs ``NYSE = get_calendar("NYSE")`` at import: importing
``pandas_market_calendars`` (and ``exchange_calendars`` under it) and building the calendar
costs ~0.1-0.2 s of every start-up, while the dashboard needs the calendar only for a few
date helpers (monthly expirations, market-open checks), if at all.

:func:`import_sdk` imports ``tastytrade`` while a stand-in module answers for
``pandas_market_calendars``: its ``get_calendar(name, ...)`` returns a :class:`LazyCalendar`
that builds the real calendar (with the real ``get_calendar`` and the same arguments) on first
attribute access and then delegates every attribute to it. The stand-in is in ``sys.modules``
only for the duration of that import, so any later ``import pandas_market_calendars`` (ours or
the SDK's) gets the real module. The SDK itself is not modified.
"""

from __future__ import annotations

import importlib
import sys
import threading
import types
from typing import Any

MODULE = "pandas_market_calendars"
_lock = threading.Lock()


class LazyCalendar:
    """``get_calendar(*args, **kwargs)``, built on first use; then a transparent delegate."""

    __slots__ = ("_args", "_kwargs", "_real")

    def __init__(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self._args = args
        self._kwargs = kwargs
        self._real: Any = None

    def _resolve(self) -> Any:
        if self._real is None:
            with _lock:
                if self._real is None:
                    self._real = importlib.import_module(MODULE).get_calendar(*self._args, **self._kwargs)
        return self._real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._resolve(), name)

    def __repr__(self) -> str:
        return repr(self._resolve())


class _StandIn(types.ModuleType):
    """``pandas_market_calendars`` during the SDK import: a lazy ``get_calendar``, and the
    real module for any other name (loaded on demand)."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if sys.modules.get(MODULE) is self:
            del sys.modules[MODULE]
        return getattr(importlib.import_module(MODULE), name)


def _lazy_get_calendar(*args: Any, **kwargs: Any) -> LazyCalendar:
    return LazyCalendar(args, kwargs)


def import_sdk() -> types.ModuleType:
    """``import tastytrade``, with the NYSE calendar deferred (a no-op once imported)."""
    if "tastytrade" in sys.modules or MODULE in sys.modules:
        return importlib.import_module("tastytrade")
    stand_in = _StandIn(MODULE)
    stand_in.get_calendar = _lazy_get_calendar  # type: ignore[attr-defined]
    sys.modules[MODULE] = stand_in
    try:
        return importlib.import_module("tastytrade")
    finally:
        if sys.modules.get(MODULE) is stand_in:
            del sys.modules[MODULE]
