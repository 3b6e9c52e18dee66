"""Import the SDK without paying for the NYSE calendar and pandas until something uses them.

At import, ``tastytrade.utils`` runs ``from pandas import Timestamp`` and
``NYSE = get_calendar("NYSE")``. Importing pandas costs ~0.18 s and building the calendar
(``pandas_market_calendars`` and ``exchange_calendars``) another ~0.1-0.2 s of every start-up,
while the dashboard needs them only for a few date helpers (monthly expirations, market-open
checks), if at all. ``Timestamp`` appears there only in annotations inside function bodies.

:func:`import_sdk` imports ``tastytrade`` while stand-in modules answer for the two packages:

- ``pandas_market_calendars.get_calendar(name, ...)`` returns a :class:`LazyCalendar` that
  builds the real calendar (with the real ``get_calendar`` and the same arguments) on first
  attribute access and then delegates every attribute to it;
- ``pandas.Timestamp`` is a :func:`deferred_type`: a class that imports pandas when first
  called, inspected or used in ``isinstance``/``issubclass``, and answers as the real one.

Any other name asked of a stand-in imports the real package at once. The stand-ins are in
``sys.modules`` only for the duration of that import, so any later ``import pandas`` (ours or the
SDK's) gets the real module; a package already imported is used as it is. The SDK itself is not
modified.
"""

from __future__ import annotations

import importlib
import sys
import threading
import types
from typing import Any

CALENDARS = "pandas_market_calendars"
PANDAS = "pandas"
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
                    self._real = importlib.import_module(CALENDARS).get_calendar(*self._args, **self._kwargs)
        return self._real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._resolve(), name)

    def __repr__(self) -> str:
        return repr(self._resolve())


class _Deferred(type):
    """Metaclass of a stand-in class for ``module.name``, imported on first real use."""

    def _resolve(cls) -> Any:
        real = cls.__dict__["_real"]
        if real is None:
            with _lock:
                real = cls.__dict__["_real"]
                if real is None:
                    real = getattr(importlib.import_module(cls.__dict__["_module"]), cls.__name__)
                    type.__setattr__(cls, "_real", real)
        return real

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return cls._resolve()(*args, **kwargs)

    def __getattr__(cls, name: str) -> Any:
        return getattr(cls._resolve(), name)

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, cls._resolve())

    def __subclasscheck__(cls, sub: type) -> bool:
        return issubclass(sub, cls._resolve())

    def __repr__(cls) -> str:
        return repr(cls._resolve())


def deferred_type(module: str, name: str) -> Any:
    """A stand-in for the class ``module.name`` that imports ``module`` only when used."""
    return _Deferred(name, (), {"_module": module, "_real": None, "__module__": module})


class _StandIn(types.ModuleType):
    """A package during the SDK import: the names set on it are lazy; any other name removes the
    stand-in and comes from the real package (imported then)."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), name)


def _lazy_get_calendar(*args: Any, **kwargs: Any) -> LazyCalendar:
    return LazyCalendar(args, kwargs)


def _stand_ins() -> dict[str, _StandIn]:
    calendars = _StandIn(CALENDARS)
    calendars.__dict__["get_calendar"] = _lazy_get_calendar  # a module attribute set at run time
    pandas = _StandIn(PANDAS)
    pandas.__dict__["Timestamp"] = deferred_type(PANDAS, "Timestamp")
    return {CALENDARS: calendars, PANDAS: pandas}


def import_sdk() -> types.ModuleType:
    """``import tastytrade``, with the NYSE calendar and pandas deferred (a no-op once imported)."""
    if "tastytrade" in sys.modules:
        return importlib.import_module("tastytrade")
    installed = {name: mod for name, mod in _stand_ins().items() if name not in sys.modules}
    sys.modules.update(installed)
    try:
        return importlib.import_module("tastytrade")
    finally:
        for name, mod in installed.items():
            if sys.modules.get(name) is mod:
                del sys.modules[name]
