"""Market-data events in DXLink's COMPACT form, built from the live market and option book.

Each event type has a canonical field order (the SDK 13.2.3 declaration order, which is what the
SDK requests); a row builder returns the values in that order. A client asking for another order
or a subset gets a mapped copy, and fields the exchange does not know are sent as "NaN".
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from typing import Protocol

from ttai_tui.core.pricing import bs_price
from ttai_tui.exchange.candles import Bar, candle_rows, parse_candle_symbol
from ttai_tui.exchange.clock import day_id
from ttai_tui.exchange.market import Market, SymState
from ttai_tui.exchange.options import OptionBook, OptionId, parse_option, years_to
from ttai_tui.exchange.universe import BY_SYMBOL, RISK_FREE_RATE

NAN = "NaN"

CANON: dict[str, tuple[str, ...]] = {
    "Quote": ("eventSymbol", "eventTime", "sequence", "timeNanoPart", "bidTime",
              "bidExchangeCode", "askTime", "askExchangeCode", "bidPrice", "askPrice",
              "bidSize", "askSize"),
    "Trade": ("eventSymbol", "eventTime", "time", "timeNanoPart", "sequence", "exchangeCode",
              "dayId", "tickDirection", "extendedTradingHours", "price", "change", "size",
              "dayVolume", "dayTurnover"),
    "Greeks": ("eventSymbol", "eventTime", "eventFlags", "index", "time", "sequence", "price",
               "volatility", "delta", "gamma", "theta", "rho", "vega"),
    "Summary": ("eventSymbol", "eventTime", "dayId", "dayClosePriceType", "prevDayId",
                "prevDayClosePriceType", "openInterest", "dayOpenPrice", "dayHighPrice",
                "dayLowPrice", "dayClosePrice", "prevDayClosePrice", "prevDayVolume"),
    "Profile": ("eventSymbol", "eventTime", "description", "shortSaleRestriction",
                "tradingStatus", "haltStartTime", "haltEndTime", "exDividendDayId",
                "statusReason", "high52WeekPrice", "low52WeekPrice", "beta", "shares",
                "highLimitPrice", "lowLimitPrice", "earningsPerShare", "exDividendAmount",
                "dividendFrequency", "freeFloat"),
    "Candle": ("eventSymbol", "eventTime", "eventFlags", "index", "time", "sequence", "count",
               "volume", "vwap", "bidVolume", "askVolume", "impVolatility", "openInterest",
               "open", "high", "low", "close"),
    "TheoPrice": ("eventSymbol", "eventTime", "eventFlags", "index", "time", "sequence",
                  "price", "underlyingPrice", "delta", "gamma", "dividend", "interest"),
    "Underlying": ("eventSymbol", "eventTime", "eventFlags", "index", "time", "sequence",
                   "volatility", "frontVolatility", "backVolatility", "callVolume", "putVolume",
                   "optionVolume", "putCallRatio"),
    "TimeAndSale": ("eventSymbol", "eventTime", "eventFlags", "index", "time", "timeNanoPart",
                    "sequence", "exchangeCode", "price", "size", "bidPrice", "askPrice",
                    "tradeThroughExempt", "aggressorSide", "spreadLeg", "extendedTradingHours",
                    "validTick", "type", "buyer", "seller", "exchangeSaleConditions"),
}
EVENT_TYPES = tuple(CANON)

Row = tuple[object, ...]


class ExtraFeed(Protocol):
    """Events for a family of symbols the market does not hold as paths (futures options)."""

    def supports(self, event_type: str, symbol: str) -> bool: ...

    def version(self, event_type: str, symbol: str) -> int: ...

    def row(self, event_type: str, symbol: str) -> Row | None: ...


def mapper(event_type: str, fields: tuple[str, ...]) -> Callable[[Row], Row] | None:
    """None when the requested order is the canonical one (the fast path); else a reorderer."""
    canon = CANON[event_type]
    if fields == canon:
        return None
    # -2: "eventType", which DXLink fills with the event's type name when a client asks for it
    pos = [canon.index(f) if f in canon else -2 if f == "eventType" else -1 for f in fields]

    def remap(row: Row) -> Row:
        return tuple(row[p] if p >= 0 else event_type if p == -2 else NAN for p in pos)

    return remap


def _p(x: float | None) -> object:
    """Prices to cents (4 places under $1); missing -> "NaN"."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return NAN
    return round(x, 2) if abs(x) >= 1 else round(x, 4)


def _g(x: float, nd: int = 6) -> object:
    return round(x, nd) if math.isfinite(x) else NAN


class Feed:
    """Row builders and change versions for every (event type, symbol) the exchange serves."""

    def __init__(self, market: Market, book: OptionBook) -> None:
        self.market = market
        self.book = book
        self._opt_cache: dict[str, OptionId | None] = {}
        self._day_cache: dict[str, tuple[float, float]] = {}  # (prev close, day open)
        #: feeds for symbols that are neither paths nor equity options (futures options)
        self.extra: list[ExtraFeed] = []

    # ------------------------------------------------------------ classification
    def option(self, symbol: str) -> OptionId | None:
        if symbol in self._opt_cache:
            return self._opt_cache[symbol]
        oid = parse_option(symbol) if symbol.startswith(".") else None
        if oid is not None and (self.market.state(oid.root) is None or not self.book.listed(oid)):
            oid = None
        if len(self._opt_cache) > 100000:
            self._opt_cache.clear()
        self._opt_cache[symbol] = oid
        return oid

    def supports(self, event_type: str, symbol: str) -> bool:
        """Whether the real feed has this event for this kind of symbol."""
        if event_type == "Candle":
            return self._candle_base(symbol) is not None
        st = self.market.state(symbol)
        if st is not None:
            if event_type in ("Greeks", "TheoPrice"):
                return False
            if event_type == "Underlying":
                return st.spec.optionable
            if event_type == "TimeAndSale":  # indices have no trades to report
                return not st.spec.is_index
            return True
        oid = self.option(symbol)
        if oid is not None:
            return event_type != "Underlying"
        return any(x.supports(event_type, symbol) for x in self.extra)

    # ------------------------------------------------------------ change detection
    def version(self, event_type: str, symbol: str) -> int:
        """A number that changes when the event's content may have changed."""
        m = self.market
        if event_type == "Candle":
            cb = self._candle_base(symbol)
            return m.states[cb[0]].candle_seq if cb else 0
        st = m.state(symbol)
        if st is not None:
            if event_type == "Quote":
                return st.quote_seq
            if event_type in ("Trade", "TimeAndSale"):
                return st.trade_seq
            if event_type == "Summary":
                return st.trade_seq // 10 + int(m.t // 2)
            if event_type == "Underlying":
                return int(m.t // 5)
            return 0  # Profile: once
        oid = self.option(symbol)
        if oid is None:
            return next((x.version(event_type, symbol) for x in self.extra
                         if x.supports(event_type, symbol)), 0)
        ust = m.states[oid.root]
        if event_type in ("Quote", "Greeks", "TheoPrice"):
            return ust.quote_seq
        if event_type in ("Trade", "TimeAndSale"):
            return int((m.t + zlib.crc32(symbol.encode()) % 7) // 7)
        if event_type == "Summary":
            return int(m.t // 10)
        return 0

    # ------------------------------------------------------------ rows
    def row(self, event_type: str, symbol: str) -> Row | None:
        st = self.market.state(symbol)
        if st is not None:
            fn = _EQ.get(event_type)
            return fn(self, st) if fn else None
        oid = self.option(symbol)
        if oid is None:
            return next((x.row(event_type, symbol) for x in self.extra
                         if x.supports(event_type, symbol)), None)
        fn2 = _OPT.get(event_type)
        return fn2(self, symbol, oid) if fn2 else None

    def _candle_base(self, symbol: str) -> tuple[str, tuple[int, str], OptionId | None] | None:
        base, period = parse_candle_symbol(symbol)
        if self.market.state(base) is not None:
            return base, period, None
        oid = self.option(base)
        if oid is None:
            return None
        return oid.root, period, oid

    def candle_history(self, symbol: str, from_time: int) -> list[Row]:
        cb = self._candle_base(symbol)
        if cb is None:
            return []
        base, period, oid = cb
        tf = self._option_bars(oid) if oid else None
        return candle_rows(self.market, symbol, base, period, from_time, transform=tf)

    def candle_live(self, symbol: str) -> Row | None:
        cb = self._candle_base(symbol)
        if cb is None:
            return None
        base, period, oid = cb
        tf = self._option_bars(oid) if oid else None
        rows = candle_rows(self.market, symbol, base, period, 0, last_only=True, transform=tf)
        return rows[0] if rows else None

    def _option_bars(self, oid: OptionId) -> Callable[[list[Bar]], list[Bar]]:
        """Option candles priced off the underlying's bars with the surface at each bar's time
        (a call's high is at the underlying's high, a put's at its low)."""
        spec = BY_SYMBOL[oid.root]

        def price(s: float, t_ms: int) -> float:
            t = years_to(oid.expiration, t_ms / 1000.0)
            vol = self.book.surface_vol(oid.root, oid.strike, t, s)
            return round(bs_price(s, oid.strike, t, vol, RISK_FREE_RATE, spec.div_yield, oid.call), 2)

        def tf(bars: list[Bar]) -> list[Bar]:
            out: list[Bar] = []
            for t, o, h, lo, c, v, n in bars:
                po, pc = price(o, t), price(c, t)
                ph, pl = (price(h, t), price(lo, t)) if oid.call else (price(lo, t), price(h, t))
                out.append((t, po, max(ph, po, pc), min(pl, po, pc), pc,
                            float(int(v / 20000) + 1) if v else 0.0, n))
            return out

        return tf

    # equities / indices ---------------------------------------------------------
    def _eq_quote(self, st: SymState) -> Row:
        t = st.quote_time
        return (st.symbol, 0, 0, 0, t, "Q", t, "Q", _p(st.bid), _p(st.ask), st.bid_size, st.ask_size)

    def _eq_trade(self, st: SymState) -> Row:
        return (st.symbol, 0, st.trade_time, 0, st.trade_seq, "Q", day_id(st.day),
                st.tick_direction, False, _p(st.last), _p(st.change), st.last_size,
                # an index has no traded volume: "NaN", as the real feed, never a fake 0
                *(("NaN", "NaN") if st.spec.is_index else (int(st.day_volume), round(st.day_turnover, 2))))

    def _eq_summary(self, st: SymState) -> Row:
        d = day_id(st.day)
        return (st.symbol, 0, d, "REGULAR", d - 1 - (2 if (d + 3) % 7 == 0 else 0), "FINAL", 0,
                _p(st.day_open), _p(st.day_high), _p(st.day_low), NAN, _p(st.prev_close),
                int(st.prev_volume))

    def _eq_profile(self, st: SymState) -> Row:
        spec = st.spec
        daily = st.hist.daily
        hi52 = max([*daily.h[-252:], st.day_high or st.last])
        lo52 = min([*daily.low[-252:], st.day_low or st.last])
        shares = spec.shares_bn * 1e9 if spec.shares_bn else NAN
        div = st.last * spec.div_yield / 4 if spec.div_yield else NAN
        return (st.symbol, 0, spec.description, "INACTIVE", "ACTIVE", 0, 0, 0, NAN, _p(hi52),
                _p(lo52), spec.beta, shares, NAN, NAN, spec.eps or NAN,
                _p(div) if isinstance(div, float) else NAN, 4 if spec.div_yield else NAN,
                round(shares * 0.98) if isinstance(shares, float) else NAN)

    def _eq_underlying(self, st: SymState) -> Row:
        sym = st.symbol
        spot = st.mid
        front = self.book.surface_vol(sym, spot, 7 / 365, spot)
        back = self.book.surface_vol(sym, spot, 60 / 365, spot)
        iv30 = self.book.surface_vol(sym, spot, 30 / 365, spot)
        adv = st.spec.adv_m * 1e6 if st.spec.adv_m else 2e6
        frac = min(1.0, st.day_volume / adv) if st.spec.adv_m else min(
            1.0, (self.market.t - self.market.start_time) / 23400 + 0.35)
        total = int(adv / 60 * frac) + 1
        pcr = 0.6 + 0.8 * min(1.0, max(0.0, self.market.iv_level(sym) / st.spec.vol - 0.6))
        puts = int(total * pcr / (1 + pcr))
        t = int(self.market.t * 1000)
        return (sym, 0, 0, (t // 1000) << 32, t, 0, _g(iv30, 4), _g(front, 4), _g(back, 4), total - puts,
                puts, total, round(pcr, 3))

    def _eq_tns(self, st: SymState) -> Row:
        t = st.trade_time
        side = "BUY" if st.last >= st.ask else "SELL" if st.last <= st.bid else "UNDEFINED"
        return (st.symbol, 0, 0, ((t // 1000) << 32) | (st.trade_seq & 0x3FFFFF), t, 0,
                st.trade_seq, "Q", _p(st.last), st.last_size, _p(st.bid), _p(st.ask), "0", side,
                False, False, True, "NEW", None, None, NAN)

    # options ---------------------------------------------------------------------
    def _opt_quote(self, sym: str, oid: OptionId) -> Row:
        q = self.book.quote(oid)
        t = self.market.states[oid.root].quote_time
        return (sym, 0, 0, 0, t, "X", t, "X", q.bid, q.ask, q.bid_size, q.ask_size)

    def _opt_greeks(self, sym: str, oid: OptionId) -> Row:
        q = self.book.quote(oid)
        g = q.greeks
        t = self.market.states[oid.root].quote_time
        return (sym, 0, 0, (t // 1000) << 32, t, 0, _p(q.theo), _g(q.iv), _g(g.delta),
                _g(g.gamma, 8), _g(g.theta), _g(g.rho), _g(g.vega))

    def _opt_theo(self, sym: str, oid: OptionId) -> Row:
        q = self.book.quote(oid)
        g = q.greeks
        t = self.market.states[oid.root].quote_time
        return (sym, 0, 0, (t // 1000) << 32, t, 0, _p(q.theo), _p(q.underlying), _g(g.delta),
                _g(g.gamma, 8), q.div, q.rate)

    def _opt_trade(self, sym: str, oid: OptionId) -> Row:
        q = self.book.quote(oid)
        st = self.market.states[oid.root]
        px = round((q.bid + q.ask) / 2, 2)
        prev = self._prev_close(sym, oid)
        size = 1 + zlib.crc32(f"{sym}|{int(self.market.t // 7)}".encode()) % 10
        return (sym, 0, int(self.market.t * 1000), 0, 0, "X", day_id(st.day),
                "ZERO", False, px, _p(px - prev), size, q.volume, round(q.volume * px * 100, 2))

    def _opt_tns(self, sym: str, oid: OptionId) -> Row:
        q = self.book.quote(oid)
        t = int(self.market.t * 1000)
        px = round((q.bid + q.ask) / 2, 2)
        return (sym, 0, 0, (t // 1000) << 32, t, 0, 0, "X", px, 1, q.bid, q.ask, "0", "UNDEFINED",
                False, False, True, "NEW", None, None, NAN)

    def _opt_summary(self, sym: str, oid: OptionId) -> Row:
        q = self.book.quote(oid)
        st = self.market.states[oid.root]
        d = day_id(st.day)
        prev = self._prev_close(sym, oid)
        mid = round((q.bid + q.ask) / 2, 2)
        op = self._day_open(sym, oid)
        return (sym, 0, d, "REGULAR", d - 1, "FINAL", q.open_interest, op, max(op, mid),
                min(op, mid), NAN, prev, int(q.volume * 0.9))

    def _opt_profile(self, sym: str, oid: OptionId) -> Row:
        desc = f"{oid.root} {oid.expiration:%b %d %Y} {oid.strike:g} {'Call' if oid.call else 'Put'}"
        return (sym, 0, desc, "INACTIVE", "ACTIVE", 0, 0, 0, NAN, NAN, NAN, NAN, NAN, NAN, NAN,
                NAN, NAN, NAN, NAN)

    def _prev_close(self, sym: str, oid: OptionId) -> float:
        return self._day_vals(sym, oid)[0]

    def _day_open(self, sym: str, oid: OptionId) -> float:
        return self._day_vals(sym, oid)[1]

    def _day_vals(self, sym: str, oid: OptionId) -> tuple[float, float]:
        st = self.market.states[oid.root]
        key = f"{sym}|{st.day}"
        hit = self._day_cache.get(key)
        if hit is None:
            t = years_to(oid.expiration, self.market.t) + 1 / 365
            vol = self.book.surface_vol(oid.root, oid.strike, t, st.prev_close)
            prev = bs_price(st.prev_close, oid.strike, t, vol, RISK_FREE_RATE,
                            st.spec.div_yield, oid.call)
            o = st.day_open or st.prev_close
            op = bs_price(o, oid.strike, t, vol, RISK_FREE_RATE, st.spec.div_yield, oid.call)
            hit = (round(prev, 2), round(op, 2))
            if len(self._day_cache) > 100000:
                self._day_cache.clear()
            self._day_cache[key] = hit
        return hit


_EQ: dict[str, Callable[[Feed, SymState], Row]] = {
    "Quote": Feed._eq_quote,
    "Trade": Feed._eq_trade,
    "Summary": Feed._eq_summary,
    "Profile": Feed._eq_profile,
    "Underlying": Feed._eq_underlying,
    "TimeAndSale": Feed._eq_tns,
}
_OPT: dict[str, Callable[[Feed, str, OptionId], Row]] = {
    "Quote": Feed._opt_quote,
    "Greeks": Feed._opt_greeks,
    "TheoPrice": Feed._opt_theo,
    "Trade": Feed._opt_trade,
    "TimeAndSale": Feed._opt_tns,
    "Summary": Feed._opt_summary,
    "Profile": Feed._opt_profile,
}
