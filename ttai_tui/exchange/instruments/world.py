"""The exchange's futures, futures options and crypto: one object the routes and feed ask.

``Instruments(market, feed)`` registers the futures-contract resolver with the market and the
futures-option event family with the feed; REST shapes are built in ``instruments.routes``.
"""

from __future__ import annotations

import datetime as dt
import zlib

from ttai_tui import calendars
from ttai_tui.core.clock import SessionCalendar
from ttai_tui.exchange.account import PaperAccount
from ttai_tui.exchange.book.tradables import Quote, Tradable
from ttai_tui.exchange.clock import day_id, ny_date
from ttai_tui.exchange.feed import NAN, Feed, Row
from ttai_tui.exchange.instruments import fop
from ttai_tui.exchange.instruments.equities import ExtraEquities
from ttai_tui.exchange.instruments.futures import (
    BY_CODE,
    Contract,
    active_index,
    contracts,
    find_contract,
)
from ttai_tui.exchange.instruments.prices import FuturePrices
from ttai_tui.exchange.market import Market
from ttai_tui.exchange.options import OptionBook, OptionQuote
from ttai_tui.exchange.universe import BY_SYMBOL, ROOTS

CRYPTO = tuple(s for s in ROOTS if s.kind == "crypto")
CRYPTO_BY_SYMBOL = {s.symbol.split(":", 1)[0]: s for s in CRYPTO}
#: how finely each pair trades: (quantity decimals, price tick)
CRYPTO_PRECISION = {"BTC/USD": (8, 0.01), "ETH/USD": (8, 0.01), "SOL/USD": (6, 0.01),
                    "LTC/USD": (8, 0.01), "BCH/USD": (8, 0.01), "DOGE/USD": (2, 0.00001)}
_FOP_EVENTS = ("Quote", "Greeks", "TheoPrice", "Trade", "Summary", "Profile")


class Instruments:
    """Futures, futures options and crypto of one exchange."""

    def __init__(self, market: Market, book: OptionBook, feed: Feed,
                 calendar: SessionCalendar | None = None) -> None:
        self.market = market
        self.book = book
        self.calendar = calendar if calendar is not None else calendars.calendar(
            "CME", ny_date(market.t))
        self.prices = FuturePrices(market, self.calendar)
        self.equities = ExtraEquities(market)
        self._fop_cache: dict[str, fop.FopId | None] = {}
        self._fop_day: dt.date | None = None
        self.ref: dict[str, float] = {}  # contract symbol -> listing-day price (strike centre)
        feed.extra.append(self)

    # ------------------------------------------------------------ futures
    def today(self) -> dt.date:
        return ny_date(self.market.t)

    def contracts(self, code: str) -> tuple[Contract, ...]:
        return contracts(code, self.today(), self.calendar)

    def front(self, code: str) -> Contract:
        cs = self.contracts(code)
        return cs[active_index(cs, self.today())]

    def contract(self, symbol: str) -> Contract | None:
        return find_contract(symbol, self.today(), self.calendar)

    def streamer_symbol(self, symbol: str) -> str | None:
        """The market state key of a future (/ESZ6) or crypto pair (BTC/USD), else None."""
        if symbol.startswith("/") and not symbol.startswith("./"):
            c = self.contract(symbol)
            return None if c is None else c.streamer_symbol
        spec = CRYPTO_BY_SYMBOL.get(symbol)
        return None if spec is None else spec.symbol

    def future_price(self, c: Contract) -> float:
        return self.prices.state(c).mid

    # ------------------------------------------------------------ futures options
    def fop_chain(self, code: str) -> tuple[fop.FopExpiration, ...]:
        if code not in fop.OPTION_PRODUCTS:
            return ()
        today = self.today()
        if self._fop_day != today:
            self._fop_day = today
            self._fop_cache.clear()
            self.ref.clear()
        unders = {e[4] for e in fop._raw_expirations(code, today, self.calendar)}
        refs = []
        for c in sorted(unders, key=lambda c: (c.year, c.month)):
            if c.symbol not in self.ref:
                self.ref[c.symbol] = self.prices.state(c).prev_close
            refs.append((c.symbol, self.ref[c.symbol]))
        src = BY_SYMBOL[BY_CODE[code].source]
        return fop.expirations(code, today, self.calendar, tuple(refs), src.vol)

    def future_option(self, symbol: str) -> fop.FopId | None:
        """A listed futures option by streamer symbol or tastytrade symbol."""
        if symbol in self._fop_cache:
            return self._fop_cache[symbol]
        found = self._find_fop(symbol)
        if len(self._fop_cache) > 50000:
            self._fop_cache.clear()
        self._fop_cache[symbol] = found
        return found

    def _find_fop(self, symbol: str) -> fop.FopId | None:
        if not symbol.startswith("./"):
            return None
        parsed = fop.parse_streamer(symbol)
        if parsed is not None:
            root, month, yy, call, strike, _ex = parsed
            code = fop.product_of_root(root)
            if code is None:
                return None
            for e in self.fop_chain(code):
                if (e.root == root and e.month == month and e.year % 100 == yy
                        and any(abs(k - strike) < 1e-9 for k in e.strikes)):
                    fid = fop.FopId(e, call, strike)
                    return fid if fid.streamer == symbol else None
            return None
        # tastytrade symbol: "./ESZ6 EW4X6 261127C6000"
        body = symbol[2:]
        parts = body.split()
        if len(parts) == 2 and len(parts[0]) > 5:  # ./MESZ6EX1Z6 ...: a 5-character future, no space
            parts = [parts[0][:5], parts[0][5:], parts[1]]
        if len(parts) != 3:
            return None
        fut, ocode, rest = parts
        code = next((c for c in fop.OPTION_PRODUCTS if fut.startswith(c) and len(fut) == len(c) + 2), None)
        if code is None or len(rest) < 8:
            return None
        for e in self.fop_chain(code):
            if e.option_code == ocode and f"{e.date:%y%m%d}" == rest[:6]:
                try:
                    strike = float(rest[7:])
                except ValueError:
                    return None
                if rest[6] in "CP" and any(abs(k - strike) < 1e-9 for k in e.strikes):
                    fid = fop.FopId(e, rest[6] == "C", strike)
                    return fid if fid.symbol == symbol else None
        return None

    def fop_quote(self, fid: fop.FopId) -> OptionQuote:
        c = fid.exp.underlying
        st = self.prices.state(c)
        src_sym = c.product.source
        src = self.market.states[src_sym]
        k = st.mid / src.mid if src.mid > 0 else 1.0
        t = max(fid.exp.expires_ts() - self.market.t, 0.0) / (365.0 * 86400.0)
        vol = self.book.surface_vol(src_sym, fid.strike / k, max(t, 1 / 365), src.mid)
        return fop.price(fid, st.mid, vol, self.market.t, st.quote_seq)

    # ------------------------------------------------------------ paper account
    def tradable_future(self, symbol: str) -> Tradable | None:
        """A listed futures contract as the order desk sees it (``/MESZ6``), else None."""
        c = self.contract(symbol)
        if c is None or c.symbol != symbol:
            return None
        p = c.product
        return Tradable(c.symbol, "Future", p.root, p.multiplier, price_tick=p.tick,
                        product_code=p.code, underlying_type="Future", expiration=c.last_trade,
                        micro=p.small)

    def tradable_future_option(self, symbol: str) -> Tradable | None:
        """A listed futures option by its tastytrade symbol (``./ESZ6 EW4Z6 261224C6100``)."""
        fid = self.future_option(symbol)
        if fid is None or fid.symbol != symbol:
            return None
        e = fid.exp
        product = e.product
        return Tradable(fid.symbol, "Future Option", e.underlying.symbol, product.multiplier,
                        price_tick=fop.option_tick(product, 0.0), product_code=product.code,
                        underlying_type="Future", strike=fid.strike, call=fid.call,
                        expiration=e.date, underlying_symbol=e.underlying.symbol,
                        tick_rule=lambda price: fop.option_tick(product, price))

    def tradable_crypto(self, symbol: str) -> Tradable | None:
        """A crypto pair (``BTC/USD``): fractional quantities, priced in its pair's tick."""
        if symbol not in CRYPTO_BY_SYMBOL:
            return None
        decimals, tick = CRYPTO_PRECISION.get(symbol, (8, 0.01))
        return Tradable(symbol, "Cryptocurrency", symbol, 1.0, price_tick=tick, fractional=True,
                        quantity_decimals=decimals, underlying_type="Cryptocurrency")

    def book_quote(self, t: Tradable) -> Quote | None:
        """The current book of a registered future, futures option or crypto pair."""
        if t.instrument_type == "Future":
            c = self.contract(t.symbol)
            if c is None:
                return None
            st = self.prices.state(c)
            return Quote(st.bid, st.ask, float(st.bid_size), float(st.ask_size), st.prev_close)
        if t.instrument_type == "Future Option":
            fid = self.future_option(t.symbol)
            if fid is None:
                return None
            q = self.fop_quote(fid)
            fst = self.prices.state(fid.exp.underlying)
            prev = fop.price(fid, fst.prev_close, q.iv, self.market.t - 86400, 0).theo
            return Quote(q.bid, q.ask, float(q.bid_size), float(q.ask_size), round(prev, 6))
        spec = CRYPTO_BY_SYMBOL.get(t.symbol)
        if spec is None:
            return None
        cst = self.market.states[spec.symbol]
        return Quote(cst.bid, cst.ask, float(cst.bid_size), float(cst.ask_size), cst.prev_close)

    def register(self, account: PaperAccount) -> None:
        """Futures, futures options and crypto trade through the account's orders, margin
        (futures: the product's ``FUTURES_MARGIN``), balances and ledger."""
        account.tradables.register("Future", self.tradable_future, self.book_quote)
        account.tradables.register("Future Option", self.tradable_future_option, self.book_quote)
        account.tradables.register("Cryptocurrency", self.tradable_crypto, self.book_quote)

    def seed_paper(self, account: PaperAccount) -> None:
        """Register the instrument types with the account; the demo account also holds 2 /MES,
        one /ES call about a month out and 0.25 BTC (with their opening trades in the ledger)."""
        self.register(account)
        t0 = self.market.t - 20 * 86400
        mes = self.front("MES")
        mst = self.prices.state(mes)
        tick = mes.product.tick
        avg = round(round(mst.mid * 0.985 / tick) * tick, 2)
        today = self.today()
        exps = [e for e in self.fop_chain("ES") if 20 <= (e.date - today).days <= 45] or list(
            self.fop_chain("ES"))[-1:]
        e = exps[0]
        f = self.prices.state(e.underlying).mid
        k = min(e.strikes, key=lambda x: abs(x - f * 1.02))
        fid = fop.FopId(e, True, k)
        q = self.fop_quote(fid)
        btc = self.market.states["BTC/USD:CXTALP"]
        seeds = ((mes.symbol, "Future", 2.0, avg), (fid.symbol, "Future Option", 1.0,
                 round(q.theo * 0.8, 2)), ("BTC/USD", "Cryptocurrency", 0.25, round(btc.mid * 0.93, 2)))
        for sym, itype, qty, px in seeds:
            t = account.tradables.resolve(itype, sym)
            assert t is not None, f"seeded {itype} {sym} does not resolve"
            account.add_position(t, qty, px, t0)

    # ------------------------------------------------------------ feed (ExtraFeed)
    def supports(self, event_type: str, symbol: str) -> bool:
        return event_type in _FOP_EVENTS and self.future_option(symbol) is not None

    def version(self, event_type: str, symbol: str) -> int:
        fid = self.future_option(symbol)
        if fid is None:
            return 0
        st = self.prices.state(fid.exp.underlying)
        if event_type in ("Quote", "Greeks", "TheoPrice"):
            return st.quote_seq
        if event_type == "Trade":
            return int((self.market.t + zlib.crc32(symbol.encode()) % 7) // 7)
        if event_type == "Summary":
            return int(self.market.t // 10)
        return 0

    def row(self, event_type: str, symbol: str) -> Row | None:
        fid = self.future_option(symbol)
        if fid is None:
            return None
        q = self.fop_quote(fid)
        st = self.prices.state(fid.exp.underlying)
        t = st.quote_time
        g = q.greeks
        if event_type == "Quote":
            return (symbol, 0, 0, 0, t, "X", t, "X", q.bid, q.ask, q.bid_size, q.ask_size)
        if event_type == "Greeks":
            return (symbol, 0, 0, (t // 1000) << 32, t, 0, round(q.theo, 6), round(q.iv, 6),
                    round(g.delta, 6), round(g.gamma, 10), round(g.theta, 6), round(g.rho, 6),
                    round(g.vega, 6))
        if event_type == "TheoPrice":
            return (symbol, 0, 0, (t // 1000) << 32, t, 0, round(q.theo, 6), round(st.mid, 6),
                    round(g.delta, 6), round(g.gamma, 10), 0.0, fop.RISK_FREE_RATE)
        mid = round((q.bid + q.ask) / 2, 6)
        d = day_id(self.today())
        if event_type == "Trade":
            return (symbol, 0, int(self.market.t * 1000), 0, 0, "X", d, "ZERO", False, mid,
                    NAN, 1 + zlib.crc32(symbol.encode()) % 10, q.volume, NAN)
        if event_type == "Summary":
            return (symbol, 0, d, "REGULAR", d - 1, "FINAL", q.open_interest, mid, mid, mid,
                    NAN, NAN, int(q.volume * 0.9))
        if event_type == "Profile":
            e = fid.exp
            desc = (f"{e.product.root} {e.date:%b %d %Y} {fop.strike_text(fid.strike)} "
                    f"{'Call' if fid.call else 'Put'}")
            return (symbol, 0, desc, "INACTIVE", "ACTIVE", 0, 0, 0, NAN, NAN, NAN, NAN, NAN, NAN,
                    NAN, NAN, NAN, NAN, NAN)
        return None
