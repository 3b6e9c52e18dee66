"""Candle series: history plus the forming bar, with DXLink indexed-event semantics.

DXLink candles are *indexed events*: each carries an ``index`` (unique per bar of a candle
symbol) and ``eventFlags``:

* ``SNAPSHOT_BEGIN`` (0x4) starts a snapshot: everything received until ``SNAPSHOT_END`` (0x8) or
  ``SNAPSHOT_SNIP`` (0x10) *replaces* the series (this is how history arrives, and how it is
  re-sent after a reconnect, so a reconnect never duplicates bars).
* ``TX_PENDING`` (0x1) marks part of a transaction: such events are held back until an event
  without it arrives, then applied together.
* ``REMOVE_EVENT`` (0x2) deletes the bar with that index (with BEGIN+END: an empty snapshot).
* Any other event upserts its bar by index: updating the forming bar in place, or appending the
  next one.

Readers call :meth:`CandleSeries.arrays` and get numpy arrays sorted by time, cached until the
series changes; ``version`` lets them skip work when nothing changed.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported by arrays(): the dashboard's start-up does not load numpy
    import numpy as np

TX_PENDING = 0x1
REMOVE_EVENT = 0x2
SNAPSHOT_BEGIN = 0x4
SNAPSHOT_END = 0x8
SNAPSHOT_SNIP = 0x10

_NAN = math.nan
# row = (time_s, open, high, low, close, volume); missing values are NaN in the arrays
Row = tuple[float, float, float, float, float, float]
FIELDS = ("time", "open", "high", "low", "close", "volume")

TIMEFRAME_SECONDS: dict[str, int] = {
    "1m": 60, "5m": 300, "15m": 900, "30m": 1800, "1h": 3600, "4h": 14400, "1d": 86400,
}


def candle_symbol(symbol: str, timeframe: str, extended_hours: bool = False) -> str:
    """The DXLink candle symbol the SDK subscribes (``SPY{=5m,tho=true}``)."""
    return f"{symbol}{{={timeframe}}}" if extended_hours else f"{symbol}{{={timeframe},tho=true}}"


def parse_candle_symbol(candle_sym: str) -> tuple[str, str] | None:
    """``SPY{=5m,tho=true}`` -> ``("SPY", "5m")``; None if it is not a candle symbol."""
    i = candle_sym.find("{=")
    if i <= 0 or not candle_sym.endswith("}"):
        return None
    inner = candle_sym[i + 2 : -1]
    return candle_sym[:i], inner.split(",", 1)[0]


class CandleSeries:
    """Bars of one (symbol, timeframe), merged from history and live updates."""

    __slots__ = ("_cache", "_pending_tx", "_rows", "_snap", "symbol", "timeframe", "version")

    def __init__(self, symbol: str, timeframe: str) -> None:
        self.symbol = symbol
        self.timeframe = timeframe
        self.version = 0
        self._rows: dict[int, Row] = {}
        self._snap: dict[int, Row] | None = None
        self._pending_tx: list[tuple[int, int, Row]] = []
        self._cache: dict[str, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def loading(self) -> bool:
        """True while a snapshot (history) is still arriving."""
        return self._snap is not None

    def apply(
        self,
        index: int,
        flags: int,
        time_s: float,
        open_: float | None,
        high: float | None,
        low: float | None,
        close: float | None,
        volume: float | None,
    ) -> None:
        """Apply one candle event. 0 or None prices (the SDK maps NaN OHLC to 0) are missing."""
        row: Row = (
            time_s,
            open_ if open_ else _NAN,
            high if high else _NAN,
            low if low else _NAN,
            close if close else _NAN,
            _NAN if volume is None else volume,
        )
        if flags & SNAPSHOT_BEGIN:
            self._snap = {}
            self._pending_tx.clear()
        if self._snap is not None:
            if not flags & REMOVE_EVENT:
                self._snap[index] = row
            if flags & (SNAPSHOT_END | SNAPSHOT_SNIP):
                self._rows = self._snap
                self._snap = None
                self._changed()
            return
        if flags & TX_PENDING:
            self._pending_tx.append((index, flags, row))
            return
        if self._pending_tx:
            for idx, fl, r in self._pending_tx:
                self._upsert(idx, fl, r)
            self._pending_tx.clear()
        self._upsert(index, flags, row)
        self._changed()

    def _upsert(self, index: int, flags: int, row: Row) -> None:
        if flags & REMOVE_EVENT:
            self._rows.pop(index, None)
        else:
            self._rows[index] = row

    def _changed(self) -> None:
        self.version += 1
        self._cache = None

    def arrays(self) -> dict[str, np.ndarray]:
        """``{"time","open","high","low","close","volume"}`` float64 arrays sorted by time.

        Missing values are NaN. The dict is cached until the next change; do not mutate it.
        """
        if self._cache is None:
            import numpy as np

            rows = sorted(self._rows.values())
            mat = np.array(rows, dtype=np.float64) if rows else np.empty((0, 6))
            self._cache = {name: mat[:, i] for i, name in enumerate(FIELDS)}
        return self._cache

    def last_close(self) -> float | None:
        """Close of the newest bar, or None."""
        c = self.arrays()["close"]
        if not len(c) or c[-1] != c[-1]:
            return None
        return float(c[-1])
