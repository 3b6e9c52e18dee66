"""The paper account: a realistic starting portfolio, balances marked to the live market,
strategy-based margin (``book.margin``), dry-run buying-power effects and fees, orders that fill
like a market (``orders``), complex orders (``book.complex``) and a transaction ledger
(``book.ledger``).
"""

from __future__ import annotations

import itertools

from ttai_tui.exchange.book import margin
from ttai_tui.exchange.book.complex import ComplexDesk, ComplexOrder
from ttai_tui.exchange.book.ledger import Ledger, fmt_price, fmt_qty
from ttai_tui.exchange.book.tradables import MARK_TO_MARKET_TYPES, OPTION_TYPES, Tradable, Tradables
from ttai_tui.exchange.clock import iso
from ttai_tui.exchange.market import Market
from ttai_tui.exchange.options import OptionBook, OptionId, parse_option
from ttai_tui.exchange.positions import Order, OrderError, Position

__all__ = ["ACCOUNT_NUMBER", "Order", "OrderError", "PaperAccount", "Position"]

ACCOUNT_NUMBER = "5WT00001"
START_CASH = 62_500.0


class PaperAccount(ComplexDesk):
    """One margin account; mutated by fills, read by REST routes and the account streamer."""

    def __init__(self, market: Market, book: OptionBook, number: str = ACCOUNT_NUMBER) -> None:
        self.market = market
        self.book = book
        self.number = number
        self.cash = START_CASH
        self.positions: dict[str, Position] = {}
        self.orders: dict[int, Order] = {}
        self.complex: dict[int, ComplexOrder] = {}
        self.tradables = Tradables(market, book)
        self.ledger = Ledger(number)
        self._ids = itertools.count(101)
        self._fill_ids = itertools.count(1)
        self._complex_ids = itertools.count(501)
        self._resolved: dict[tuple[str, str], Tradable | None] = {}
        self.opened_at = market.t - 400 * 86400
        self.closed_now: list[Position] = []  # positions closed by the last fills (for pushes)
        self._seed_portfolio()
        self._seed_ledger()

    # ------------------------------------------------------------ portfolio
    def _pick(self, root: str, dte: int, moneyness: float, call: bool) -> OptionId:
        today = self.book.today()
        exps = [(e, ks) for e, ks in self.book.chain(root) if e.kind == "Regular"]
        e, ks = min(exps, key=lambda x: abs(x[0].dte(today) - dte))
        target = self.market.states[root].mid * moneyness
        k = min(ks, key=lambda x: abs(x - target))
        return OptionId(root, e.date, call, k)

    def _add_opt(self, oid: OptionId, qty: int, richness: float) -> None:
        q = self.book.quote(oid)
        px = round(max(q.theo * richness, 0.05), 2)
        self.positions[oid.occ] = Position(oid.occ, oid.root, qty, px, self.market.t - 9 * 86400, oid,
                                           strike=oid.strike, call=oid.call, expiration=oid.expiration,
                                           underlying_symbol=oid.root)

    def _seed_portfolio(self) -> None:
        m = self.market
        t0 = m.t - 120 * 86400
        self.positions["AAPL"] = Position("AAPL", "AAPL", 100, round(m.states["AAPL"].mid * 0.91, 2), t0)
        self.positions["NVDA"] = Position("NVDA", "NVDA", 50, round(m.states["NVDA"].mid * 0.84, 2), t0)
        self.positions["KO"] = Position("KO", "KO", 200, round(m.states["KO"].mid * 1.03, 2), t0)
        self._add_opt(self._pick("TSLA", 38, 0.88, False), -1, 1.12)  # short put
        sp = self._pick("SPY", 31, 0.965, False)  # bull put vertical
        ks = [k for e, kk in self.book.chain("SPY") if e.date == sp.expiration for k in kk]
        lp = OptionId("SPY", sp.expiration, False, max(k for k in ks if k <= sp.strike - 5))
        self._add_opt(sp, -2, 1.1)
        self._add_opt(lp, 2, 1.05)
        # iron condor on IWM
        ps = self._pick("IWM", 45, 0.95, False)
        cs = self._pick("IWM", 45, 1.05, True)
        kk = [k for e, ks2 in self.book.chain("IWM") if e.date == ps.expiration for k in ks2]
        pl = OptionId("IWM", ps.expiration, False, max(k for k in kk if k <= ps.strike - 5))
        cl = OptionId("IWM", cs.expiration, True, min(k for k in kk if k >= cs.strike + 5))
        for oid, q, r in ((ps, -1, 1.15), (pl, 1, 1.1), (cs, -1, 1.15), (cl, 1, 1.1)):
            self._add_opt(oid, q, r)

    def _seed_ledger(self) -> None:
        """The deposit that funded the account and one Trade per seeded position, so the
        transaction history explains today's cash: deposit - purchases + sales = cash."""
        trades = sorted(self.positions.values(), key=lambda p: (p.opened_at, p.symbol))

        def paid(p: Position) -> float:  # a future's open moves no cash (it settles daily)
            return 0.0 if p.instrument_type in MARK_TO_MARKET_TYPES else p.quantity * p.avg_open * p.multiplier

        self.ledger.deposit(self.opened_at, self.cash + sum(paid(p) for p in trades))
        for p in trades:
            action = "Buy to Open" if p.quantity > 0 else "Sell to Open"
            self.ledger.trade(p.opened_at, order_id=None, symbol=p.symbol, instrument_type=p.instrument_type,
                              underlying=p.underlying, action=action, quantity=abs(p.quantity),
                              price=p.avg_open, multiplier=p.multiplier, cash=-paid(p), fees={})

    def add_position(self, t: Tradable, quantity: float, price: float, opened_at: float) -> Position:
        """Seed a position of a registered instrument type (before any order): it joins the
        starting portfolio, and the starting ledger is rebuilt so it still adds up to the cash."""
        p = Position(t.symbol, t.underlying, quantity, price, opened_at, t.oid, itype=t.instrument_type,
                     mult=t.multiplier, product_code=t.product_code,
                     underlying_symbol=t.underlying_symbol, strike=t.strike, call=t.call,
                     expiration=t.expiration)
        self.positions[t.symbol] = p
        self.ledger = Ledger(self.number)
        self._seed_ledger()
        return p

    def _tradable(self, p: Position) -> Tradable | None:
        key = (p.instrument_type, p.symbol)
        if key not in self._resolved:
            self._resolved[key] = self.tradables.resolve(*key)
        return self._resolved[key]

    def mark(self, symbol: str) -> float:
        """Mid price per unit of a position's instrument."""
        st = self.market.states.get(symbol)
        if st is not None:
            return st.mid
        p = self.positions.get(symbol)
        if p is not None and p.instrument_type not in ("Equity", "Equity Option"):
            return self.mark_position(p)
        oid = parse_option(symbol)
        if oid is None:
            return 0.0
        q = self.book.quote(oid)
        return round((q.bid + q.ask) / 2, 4)

    def mark_position(self, p: Position) -> float:
        if p.instrument_type in ("Equity", "Equity Option"):
            return self.mark(p.symbol) if p.symbol in self.market.states or p.oid else 0.0
        t = self._tradable(p)
        q = self.tradables.quote(t) if t is not None else None
        return q.mid if q is not None else p.avg_open

    # ------------------------------------------------------------ margin / balances
    def _spot(self, p: Position) -> float | None:
        und = p.underlying_symbol or p.underlying
        st = self.market.states.get(und)
        if st is not None:
            return st.mid
        t = self.tradables.resolve("Future", und) if p.instrument_type == "Future Option" else None
        q = self.tradables.quote(t) if t is not None else None
        return q.mid if q is not None else None

    def margin_legs(self, positions: dict[str, Position] | None = None) -> list[margin.MLeg]:
        pos = self.positions if positions is None else positions
        out = []
        for p in pos.values():
            if p.quantity == 0:
                continue
            opt = p.instrument_type in OPTION_TYPES
            st = self.market.states.get(p.underlying)
            out.append(margin.MLeg(
                p.symbol, p.instrument_type, p.underlying, p.quantity, p.multiplier, self.mark_position(p),
                p.opened_at, spot=self._spot(p) if opt else None,
                strike=p.strike if p.strike is not None else (p.oid.strike if p.oid else None),
                call=p.call if p.call is not None else (p.oid.call if p.oid else None),
                expiration=p.expiration or (p.oid.expiration if p.oid else None),
                product_code=p.product_code, broad_index=bool(st and st.spec.is_index)))
        return out

    def strategies(self, positions: dict[str, Position] | None = None) -> list[margin.Strategy]:
        return margin.strategies(self.margin_legs(positions))

    def values(self, positions: dict[str, Position] | None = None,
               cash: float | None = None) -> dict[str, float]:
        """Marked values of ``positions`` (default: the account's) with ``cash``: net liq, the
        Reg-T requirements and derivative buying power (see ``book.margin``)."""
        pos = self.positions if positions is None else positions
        cash = self.cash if cash is None else cash
        v = {"le": 0.0, "se": 0.0, "ld": 0.0, "sd": 0.0, "lf": 0.0, "sf": 0.0, "lfd": 0.0, "sfd": 0.0,
             "lc": 0.0, "sc": 0.0, "fut_pnl": 0.0}
        for p in pos.values():
            mk = self.mark_position(p)
            val = abs(p.quantity) * p.multiplier * mk
            long = p.quantity > 0
            t = p.instrument_type
            if t in MARK_TO_MARKET_TYPES:
                v["fut_pnl"] += (mk - p.avg_open) * p.quantity * p.multiplier
                v["lf" if long else "sf"] += val
            elif t == "Equity Option":
                v["ld" if long else "sd"] += val
            elif t == "Future Option":
                v["lfd" if long else "sfd"] += val
            elif t == "Cryptocurrency":
                v["lc" if long else "sc"] += val
            else:
                v["le" if long else "se"] += val
        nl = (cash + v["le"] - v["se"] + v["ld"] - v["sd"] + v["lfd"] - v["sfd"] + v["lc"] - v["sc"]
              + v["fut_pnl"])
        strats = self.strategies(pos)
        req, maint = margin.total(strats)
        fut_req = sum(s.initial for s in strats if s.name == "Future")
        bp = nl - req - (v["ld"] + v["lfd"]) + (v["sd"] + v["sfd"])
        v.update({"nl": nl, "req": req, "maint": maint, "fut_req": fut_req, "bp": bp,
                  "obp": max(bp, 0.0), "cash": cash})
        return v

    def balances_json(self) -> dict[str, object]:
        v = self.values()
        obp = v["obp"]
        d: dict[str, object] = {k: "0.0" for k in BALANCE_KEYS}
        d.update({
            "account-number": self.number,
            "currency": "USD",
            "cash-balance": f"{self.cash:.2f}",
            "long-equity-value": f"{v['le']:.2f}",
            "short-equity-value": f"{v['se']:.2f}",
            "long-derivative-value": f"{v['ld'] + v['lfd']:.2f}",
            "short-derivative-value": f"{v['sd'] + v['sfd']:.2f}",
            "long-futures-value": f"{v['lf']:.2f}",
            "short-futures-value": f"{v['sf']:.2f}",
            "long-futures-derivative-value": f"{v['lfd']:.2f}",
            "short-futures-derivative-value": f"{v['sfd']:.2f}",
            "long-cryptocurrency-value": f"{v['lc']:.2f}",
            "short-cryptocurrency-value": f"{v['sc']:.2f}",
            "long-margineable-value": f"{v['le']:.2f}",
            "short-margineable-value": f"{v['se']:.2f}",
            "margin-equity": f"{v['nl']:.2f}",
            "equity-buying-power": f"{obp * 2:.2f}",
            "derivative-buying-power": f"{obp:.2f}",
            "day-trading-buying-power": f"{obp * 4:.2f}",
            "available-trading-funds": f"{obp:.2f}",
            "maintenance-requirement": f"{v['maint']:.2f}",
            "reg-t-margin-requirement": f"{v['req']:.2f}",
            "futures-margin-requirement": f"{v['fut_req']:.2f}",
            "futures-overnight-margin-requirement": f"{v['fut_req']:.2f}",
            "futures-intraday-margin-requirement": f"{v['fut_req'] / 2:.2f}",
            "net-liquidating-value": f"{v['nl']:.2f}",
            "cash-available-to-withdraw": f"{max(min(self.cash, obp), 0):.2f}",
            "maintenance-excess": f"{max(v['nl'] - v['maint'], 0):.2f}",
            "used-derivative-buying-power": f"{v['req']:.2f}",
            "effective-cryptocurrency-buying-power": f"{max(min(self.cash, obp), 0):.2f}",
            "snapshot-date": str(self.book.today()),
            "updated-at": iso(self.market.t),
            "pending-cash-effect": "None",
        })
        if v["bp"] < 0:  # a margin call: the deficit, as the real balance reports it
            d["maintenance-call-value"] = f"{-v['bp']:.2f}"
        return d

    def position_json(self, p: Position) -> dict[str, object]:
        mk = self.mark_position(p)
        d: dict[str, object] = {
            "account-number": self.number, "symbol": p.symbol, "instrument-type": p.instrument_type,
            "underlying-symbol": p.underlying, "quantity": fmt_qty(abs(p.quantity)),
            "quantity-direction": "Long" if p.quantity > 0 else "Short" if p.quantity < 0 else "Zero",
            "close-price": f"{self._close_price(p):.4f}", "average-open-price": fmt_price(p.avg_open),
            "multiplier": fmt_qty(p.multiplier), "cost-effect": "Debit" if p.quantity > 0 else "Credit",
            "is-suppressed": False, "is-frozen": False,
            "realized-day-gain": f"{abs(p.realized_today):.2f}",
            "realized-day-gain-effect": "Credit" if p.realized_today >= 0 else "Debit",
            "realized-today": f"{abs(p.realized_today):.2f}",
            "realized-today-effect": "Credit" if p.realized_today >= 0 else "Debit",
            "mark": f"{mk * p.multiplier * abs(p.quantity):.2f}", "mark-price": f"{mk:.4f}",
            "created-at": iso(p.opened_at), "updated-at": iso(self.market.t),
        }
        exp = p.expiration or (p.oid.expiration if p.oid else None)
        if exp is not None:
            d["expires-at"] = f"{exp}T20:00:00.000+00:00"
        return d

    def _close_price(self, p: Position) -> float:
        st = self.market.states.get(p.symbol)
        if st is not None:
            return st.prev_close
        if p.oid is not None:
            return float(self.book_prev_close(p.oid))
        t = self._tradable(p)
        q = self.tradables.quote(t) if t is not None else None
        return q.prev_close if q is not None else p.avg_open

    def book_prev_close(self, oid: OptionId) -> float:
        from ttai_tui.core.pricing import bs_price
        from ttai_tui.exchange.options import years_to
        from ttai_tui.exchange.universe import RISK_FREE_RATE

        st = self.market.states[oid.root]
        t = years_to(oid.expiration, self.market.t) + 1 / 365
        vol = self.book.surface_vol(oid.root, oid.strike, t, st.prev_close)
        return round(bs_price(st.prev_close, oid.strike, t, vol, RISK_FREE_RATE, st.spec.div_yield, oid.call), 2)

BALANCE_KEYS = ["cash-balance", "long-equity-value", "short-equity-value", "long-derivative-value", "short-derivative-value", "long-futures-value", "short-futures-value", "long-futures-derivative-value", "short-futures-derivative-value", "long-margineable-value", "short-margineable-value", "margin-equity", "equity-buying-power", "derivative-buying-power", "day-trading-buying-power", "futures-margin-requirement", "available-trading-funds", "maintenance-requirement", "maintenance-call-value", "reg-t-call-value", "day-trading-call-value", "day-equity-call-value", "net-liquidating-value", "cash-available-to-withdraw", "day-trade-excess", "pending-cash", "long-cryptocurrency-value", "short-cryptocurrency-value", "cryptocurrency-margin-requirement", "unsettled-cryptocurrency-fiat-amount", "closed-loop-available-balance", "equity-offering-margin-requirement", "long-bond-value", "bond-margin-requirement", "used-derivative-buying-power", "reg-t-margin-requirement", "futures-overnight-margin-requirement", "futures-intraday-margin-requirement", "maintenance-excess", "pending-margin-interest", "effective-cryptocurrency-buying-power"]
