"""MarketState: the latest value per symbol per event kind, plus dirty tracking for views.

Writers (the broker's streaming supervisor) update records *in place* and mark the symbol
pending; readers (UI timers, headless commands) call :meth:`MarketState.take_dirty` with their
own consumer name and redraw only those symbols. Several consumers (watchlist, chain,
positions, ...) each drain independently: a write costs one ``set.add`` regardless of how many
consumers there are, because pending symbols are fanned out to consumers lazily on drain.

Keys are DXLink *streamer* symbols (``SPY``, ``.SPY260717C500``). Missing values stay None.

Writer API (broker only): ``quotes``/``trades``/``summaries``/``greeks``/``profiles`` dicts,
``pending`` set, ``record_*`` helpers, ``apply_candle``, ``set_metrics``. Everything else is
read API.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ttai_tui.core.candles import CandleSeries
from ttai_tui.core.clock import SYSTEM_CLOCK, Clock
from ttai_tui.core.models import Greeks, Metrics, Profile, Quote, Summary, Trade

KINDS = ("Quote", "Trade", "Summary", "Greeks", "Profile")


class MarketState:
    """Latest market data per streamer symbol; see module docstring for the contract."""

    def __init__(self, clock: Clock = SYSTEM_CLOCK) -> None:
        self.clock = clock
        self.quotes: dict[str, Quote] = {}
        self.trades: dict[str, Trade] = {}
        self.summaries: dict[str, Summary] = {}
        self.greeks: dict[str, Greeks] = {}
        self.profiles: dict[str, Profile] = {}
        self.metrics: dict[str, Metrics] = {}
        self.candles: dict[tuple[str, str], CandleSeries] = {}
        #: symbols written since the last fan-out (writers add to it directly)
        self.pending: set[str] = set()
        self._consumers: dict[str, set[str]] = {}
        self._candle_dirty: dict[str, set[tuple[str, str]]] = {}
        self.events = 0  # total events applied (for the status bar and benchmarks)
        #: per-symbol callbacks the writer calls with the updated record after *each* event
        #: (the alerts: every update is seen, not only a batch's last); empty when unused
        self.quote_watch: dict[str, Callable[[Quote], None]] = {}
        self.trade_watch: dict[str, Callable[[Trade], None]] = {}

    # ---- writer helpers (one record per symbol, created on first use) -----------------

    def record_quote(self, symbol: str) -> Quote:
        q = self.quotes.get(symbol)
        if q is None:
            q = self.quotes[symbol] = Quote(symbol)
        return q

    def record_trade(self, symbol: str) -> Trade:
        t = self.trades.get(symbol)
        if t is None:
            t = self.trades[symbol] = Trade(symbol)
        return t

    def record_summary(self, symbol: str) -> Summary:
        s = self.summaries.get(symbol)
        if s is None:
            s = self.summaries[symbol] = Summary(symbol)
        return s

    def record_greeks(self, symbol: str) -> Greeks:
        g = self.greeks.get(symbol)
        if g is None:
            g = self.greeks[symbol] = Greeks(symbol)
        return g

    def record_profile(self, symbol: str) -> Profile:
        p = self.profiles.get(symbol)
        if p is None:
            p = self.profiles[symbol] = Profile(symbol)
        return p

    def set_metrics(self, metrics: Iterable[Metrics]) -> None:
        """Store REST market metrics (IV rank, beta); marks their symbols dirty."""
        now = self.clock.now()
        for m in metrics:
            m.updated = now
            self.metrics[m.symbol] = m
            self.pending.add(m.symbol)

    def candle_series(self, symbol: str, timeframe: str) -> CandleSeries:
        """The series for (symbol, timeframe), created empty on first use."""
        key = (symbol, timeframe)
        s = self.candles.get(key)
        if s is None:
            s = self.candles[key] = CandleSeries(symbol, timeframe)
        return s

    def apply_candle(
        self,
        symbol: str,
        timeframe: str,
        index: int,
        flags: int,
        time_s: float,
        open_: float | None,
        high: float | None,
        low: float | None,
        close: float | None,
        volume: float | None,
    ) -> None:
        """Merge one candle event into its series and mark the series dirty for all readers."""
        series = self.candle_series(symbol, timeframe)
        before = series.version
        series.apply(index, flags, time_s, open_, high, low, close, volume)
        if series.version != before:
            key = (symbol, timeframe)
            for dirty in self._candle_dirty.values():
                dirty.add(key)

    def clear_candles(self, symbol: str, timeframe: str) -> None:
        """Forget a series (after its last subscriber left)."""
        self.candles.pop((symbol, timeframe), None)

    # ---- reader API ---------------------------------------------------------------------

    def take_dirty(self, consumer: str = "default") -> set[str]:
        """Symbols changed since this consumer's previous call (all known ones on the first)."""
        pending = self.pending
        if pending:
            self.pending = set()
            for s in self._consumers.values():
                s |= pending
        mine = self._consumers.get(consumer)
        if mine is None:
            self._consumers[consumer] = set()
            return self.known_symbols()
        self._consumers[consumer] = set()
        return mine

    def take_dirty_candles(self, consumer: str = "default") -> set[tuple[str, str]]:
        """(symbol, timeframe) series changed since this consumer's previous call."""
        mine = self._candle_dirty.get(consumer)
        self._candle_dirty[consumer] = set()
        return set(self.candles) if mine is None else mine

    def known_symbols(self) -> set[str]:
        out = set(self.quotes)
        out.update(self.trades, self.summaries, self.greeks, self.profiles, self.metrics)
        return out

    def quote(self, symbol: str) -> Quote | None:
        return self.quotes.get(symbol)

    def trade(self, symbol: str) -> Trade | None:
        return self.trades.get(symbol)

    def summary(self, symbol: str) -> Summary | None:
        return self.summaries.get(symbol)

    def greek(self, symbol: str) -> Greeks | None:
        return self.greeks.get(symbol)

    def profile(self, symbol: str) -> Profile | None:
        return self.profiles.get(symbol)

    def metric(self, symbol: str) -> Metrics | None:
        return self.metrics.get(symbol)

    def last(self, symbol: str) -> float | None:
        t = self.trades.get(symbol)
        return None if t is None else t.price

    def mark(self, symbol: str) -> float | None:
        """Mid of bid/ask when both are known and sane; else the last trade; else None.

        A zero bid with a positive ask (far OTM options) still gives a mid; a missing or crossed
        side falls back to the last trade price.
        """
        q = self.quotes.get(symbol)
        if q is not None:
            b, a = q.bid, q.ask
            if b is not None and a is not None and a > 0 and b <= a:
                return (b + a) / 2.0
        return self.last(symbol)

    def prev_close(self, symbol: str) -> float | None:
        s = self.summaries.get(symbol)
        return None if s is None else s.prev_close

    def price(self, symbol: str) -> float | None:
        """Last trade if known, else mark: what "change" is measured from."""
        p = self.last(symbol)
        return self.mark(symbol) if p is None else p

    def change(self, symbol: str) -> float | None:
        """Price minus the previous close; None if either is unknown."""
        p, pc = self.price(symbol), self.prev_close(symbol)
        if p is None or pc is None:
            return None
        return p - pc

    def change_pct(self, symbol: str) -> float | None:
        """Change in percent of the previous close (1.5 = +1.5 %)."""
        ch, pc = self.change(symbol), self.prev_close(symbol)
        if ch is None or not pc:
            return None
        return ch / pc * 100.0

    def iv(self, symbol: str) -> float | None:
        """Implied volatility as a fraction: option greeks, else the underlying's IV index."""
        g = self.greeks.get(symbol)
        if g is not None and g.volatility is not None:
            return g.volatility
        m = self.metrics.get(symbol)
        return None if m is None else m.iv_index

    def iv_rank(self, symbol: str) -> float | None:
        m = self.metrics.get(symbol)
        return None if m is None else m.iv_rank

    def volume(self, symbol: str) -> float | None:
        t = self.trades.get(symbol)
        return None if t is None else t.day_volume

    def updated(self, symbol: str) -> float | None:
        """Latest local time any record of this symbol changed (None if never)."""
        best: float | None = None
        for table in (self.quotes, self.trades, self.summaries, self.greeks, self.profiles):
            r = table.get(symbol)
            if r is not None and (best is None or r.updated > best):
                best = r.updated
        return best

    def age(self, symbol: str) -> float | None:
        """Seconds since this symbol last changed, by the injected clock."""
        u = self.updated(symbol)
        return None if u is None else max(0.0, self.clock.now() - u)

    def forget(self, symbols: Iterable[str]) -> None:
        """Drop records nobody subscribes any more (keeps memory flat over a day)."""
        for s in symbols:
            for table in (self.quotes, self.trades, self.summaries, self.greeks, self.profiles):
                table.pop(s, None)
