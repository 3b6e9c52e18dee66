"""The paper account: a realistic starting portfolio, balances marked to the live market, margin,
dry-run buying-power effects and fees, and limit orders that fill when the market reaches them.

Margin is a simplified but recognisable tastytrade/Reg-T picture: 25 % maintenance on long stock,
max loss for defined-risk option spreads, the naked formula (20 % of the underlying less the OTM
amount plus premium, floor 10 %) for uncovered short options.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from ttai_tui.exchange.clock import iso
from ttai_tui.exchange.market import Market
from ttai_tui.exchange.options import OptionBook, OptionId, parse_option
from ttai_tui.exchange.orders import OrderDesk
from ttai_tui.exchange.positions import Order, OrderError, Position

__all__ = ["ACCOUNT_NUMBER", "Order", "OrderError", "PaperAccount", "Position"]

ACCOUNT_NUMBER = "5WT00001"
START_CASH = 62_500.0
class PaperAccount(OrderDesk):
    """One margin account; mutated by fills, read by REST routes and the account streamer."""

    def __init__(self, market: Market, book: OptionBook, number: str = ACCOUNT_NUMBER) -> None:
        self.market = market
        self.book = book
        self.number = number
        self.cash = START_CASH
        self.positions: dict[str, Position] = {}
        self.orders: dict[int, Order] = {}
        self._ids = itertools.count(101)
        self._fill_ids = itertools.count(1)
        self.opened_at = market.t - 400 * 86400
        self.closed_now: list[Position] = []  # positions closed by the last fills (for pushes)
        #: (mark, previous close) of instruments the market does not hold by symbol
        #: (futures, futures options, crypto); each answers None for symbols not its own
        self.quoters: list[Callable[[str], tuple[float, float] | None]] = []
        self._seed_portfolio()

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
        self.positions[oid.occ] = Position(oid.occ, oid.root, qty, px, self.market.t - 9 * 86400, oid)

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

    def mark(self, symbol: str) -> float:
        """Mid price per share of a position's instrument."""
        st = self.market.states.get(symbol)
        if st is not None:
            return st.mid
        for quote in self.quoters:
            hit = quote(symbol)
            if hit is not None:
                return hit[0]
        oid = parse_option(symbol)
        if oid is None:
            return 0.0
        q = self.book.quote(oid)
        return round((q.bid + q.ask) / 2, 4)

    # ------------------------------------------------------------ margin / balances
    def requirement(self, positions: dict[str, Position] | None = None) -> float:
        pos = self.positions if positions is None else positions
        req = 0.0
        by_und: dict[str, list[Position]] = {}
        for p in pos.values():
            if p.margin is not None:  # futures: the product's margin per contract
                req += abs(p.quantity) * p.margin
            elif p.kind is not None:  # futures options (premium) and crypto: 100 % of value
                req += abs(p.quantity) * p.multiplier * self.mark(p.symbol) * (p.quantity < 0)
            elif p.oid is None:
                req += abs(p.quantity) * self.mark(p.symbol) * (0.25 if p.quantity > 0 else 0.3)
            else:
                by_und.setdefault(p.underlying, []).append(p)
        for und, legs in by_und.items():
            req += self._option_requirement(und, legs)
        return req

    def _option_requirement(self, und: str, legs: list[Position]) -> float:
        spot = self.market.states[und].mid
        naked = 0.0
        for p in legs:
            if p.quantity >= 0 or p.oid is None:
                continue
            prem = self.mark(p.symbol)
            k = p.oid.strike
            otm = max(k - spot, 0.0) if p.oid.call else max(spot - k, 0.0)
            base = spot if p.oid.call else k
            naked += max(0.2 * spot - otm + prem, 0.1 * base + prem) * 100 * -p.quantity
        strikes = sorted({p.oid.strike for p in legs if p.oid})
        grid = [0.0, *strikes, strikes[-1] * 3 if strikes else spot * 3]
        worst = 0.0
        for s in grid:
            pay = sum(
                p.quantity * 100 * (max(s - p.oid.strike, 0.0) if p.oid.call else max(p.oid.strike - s, 0.0))
                for p in legs if p.oid
            )
            worst = min(worst, pay)
        calls_net = sum(p.quantity for p in legs if p.oid and p.oid.call)
        if calls_net < 0:  # uncovered calls: unbounded loss, naked formula applies
            return naked
        return min(-worst, naked) if naked > 0 else 0.0

    def values(self) -> dict[str, float]:
        le = se = ld = sd = fut = 0.0
        for p in self.positions.values():
            if p.kind == "Future":  # marked to market: only the gain since the open counts
                fut += (self.mark(p.symbol) - p.avg_open) * p.multiplier * p.quantity
                continue
            v = abs(p.quantity) * p.multiplier * self.mark(p.symbol)
            if not p.is_derivative:
                if p.quantity > 0:
                    le += v
                else:
                    se += v
            elif p.quantity > 0:
                ld += v
            else:
                sd += v
        nl = self.cash + le - se + ld - sd + fut
        req = self.requirement()
        return {"le": le, "se": se, "ld": ld, "sd": sd, "nl": nl, "req": req,
                "obp": max(nl - req - ld, 0.0)}

    def balances_json(self) -> dict[str, object]:
        v = self.values()
        obp = v["obp"]
        d: dict[str, object] = {k: "0.0" for k in BALANCE_KEYS}
        d.update({
            "account-number": self.number,
            "cash-balance": f"{self.cash:.2f}",
            "long-equity-value": f"{v['le']:.2f}",
            "short-equity-value": f"{v['se']:.2f}",
            "long-derivative-value": f"{v['ld']:.2f}",
            "short-derivative-value": f"{v['sd']:.2f}",
            "long-margineable-value": f"{v['le']:.2f}",
            "margin-equity": f"{v['nl']:.2f}",
            "equity-buying-power": f"{obp * 2:.2f}",
            "derivative-buying-power": f"{obp:.2f}",
            "day-trading-buying-power": f"{obp * 4:.2f}",
            "available-trading-funds": f"{obp:.2f}",
            "maintenance-requirement": f"{v['req']:.2f}",
            "reg-t-margin-requirement": f"{v['req']:.2f}",
            "net-liquidating-value": f"{v['nl']:.2f}",
            "cash-available-to-withdraw": f"{max(min(self.cash, obp), 0):.2f}",
            "maintenance-excess": f"{max(v['nl'] - v['req'], 0):.2f}",
            "used-derivative-buying-power": f"{v['req']:.2f}",
            "effective-cryptocurrency-buying-power": f"{obp:.2f}",
            "snapshot-date": str(self.book.today()),
            "updated-at": iso(self.market.t),
            "pending-cash-effect": "None",
        })
        return d

    def position_json(self, p: Position) -> dict[str, object]:
        mk = self.mark(p.symbol)
        return {
            "account-number": self.number, "symbol": p.symbol, "instrument-type": p.instrument_type,
            "underlying-symbol": p.underlying, "quantity": str(abs(p.quantity)),
            "quantity-direction": "Long" if p.quantity > 0 else "Short" if p.quantity < 0 else "Zero",
            "close-price": f"{self._close_price(p):.4f}", "average-open-price": f"{p.avg_open:.4f}",
            "multiplier": str(p.multiplier), "cost-effect": "Debit" if p.quantity > 0 else "Credit",
            "is-suppressed": False, "is-frozen": False,
            "realized-day-gain": f"{abs(p.realized_today):.2f}",
            "realized-day-gain-effect": "Credit" if p.realized_today >= 0 else "Debit",
            "realized-today": f"{abs(p.realized_today):.2f}",
            "realized-today-effect": "Credit" if p.realized_today >= 0 else "Debit",
            "mark": f"{mk * p.multiplier * abs(p.quantity):.2f}", "mark-price": f"{mk:.4f}",
            "created-at": iso(p.opened_at), "updated-at": iso(self.market.t),
            **({"expires-at": f"{p.oid.expiration}T20:00:00.000+00:00"} if p.oid else {}),
        }

    def _close_price(self, p: Position) -> float:
        for quote in self.quoters:
            hit = quote(p.symbol)
            if hit is not None:
                return hit[1]
        if p.oid is None:
            return self.market.states[p.underlying].prev_close
        return float(self.book_prev_close(p.oid))

    def book_prev_close(self, oid: OptionId) -> float:
        from ttai_tui.core.pricing import bs_price
        from ttai_tui.exchange.options import years_to
        from ttai_tui.exchange.universe import RISK_FREE_RATE

        st = self.market.states[oid.root]
        t = years_to(oid.expiration, self.market.t) + 1 / 365
        vol = self.book.surface_vol(oid.root, oid.strike, t, st.prev_close)
        return round(bs_price(st.prev_close, oid.strike, t, vol, RISK_FREE_RATE, st.spec.div_yield, oid.call), 2)

    # ------------------------------------------------------------ orders


BALANCE_KEYS = ["cash-balance", "long-equity-value", "short-equity-value", "long-derivative-value", "short-derivative-value", "long-futures-value", "short-futures-value", "long-futures-derivative-value", "short-futures-derivative-value", "long-margineable-value", "short-margineable-value", "margin-equity", "equity-buying-power", "derivative-buying-power", "day-trading-buying-power", "futures-margin-requirement", "available-trading-funds", "maintenance-requirement", "maintenance-call-value", "reg-t-call-value", "day-trading-call-value", "day-equity-call-value", "net-liquidating-value", "cash-available-to-withdraw", "day-trade-excess", "pending-cash", "long-cryptocurrency-value", "short-cryptocurrency-value", "cryptocurrency-margin-requirement", "unsettled-cryptocurrency-fiat-amount", "closed-loop-available-balance", "equity-offering-margin-requirement", "long-bond-value", "bond-margin-requirement", "used-derivative-buying-power", "reg-t-margin-requirement", "futures-overnight-margin-requirement", "futures-intraday-margin-requirement", "maintenance-excess", "pending-margin-interest", "effective-cryptocurrency-buying-power"]
