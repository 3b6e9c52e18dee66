"""Strategy shortcuts of the ticket: build the common option strategies from one strike.

All opening legs. ``buy=True`` is the long version (debit vertical, long straddle/strangle, long
butterfly, long calendar, long iron condor); ``buy=False`` the short one. Widths are in points
of the underlying and snap to the nearest listed strike, never onto the centre strike.
"""

from __future__ import annotations

from datetime import date

from ttai_tui.core.models import Expiration, OptionChain, StrikeRow
from ttai_tui.core.orders import OrderLeg

STRATEGIES = ("vertical", "strangle", "straddle", "iron condor", "butterfly", "calendar")


def _near(exp: Expiration, target: float, avoid: float | None = None, direction: int = 0) -> StrikeRow:
    rows = [r for r in exp.strikes if avoid is None or r.strike != avoid]
    if direction > 0:
        rows = [r for r in rows if avoid is None or r.strike > avoid] or rows
    elif direction < 0:
        rows = [r for r in rows if avoid is None or r.strike < avoid] or rows
    return min(rows, key=lambda r: abs(r.strike - target))


def _leg(row: StrikeRow, side: str, buy: bool, qty: int) -> OrderLeg:
    return OrderLeg("Buy to Open" if buy else "Sell to Open", qty, row.call if side == "C" else row.put,
                    "Equity Option")


def build(name: str, chain: OptionChain, exp: Expiration, strike: float, side: str, buy: bool,
          qty: int = 1, width: float = 5.0, calendar_days: int = 28, today: date | None = None
          ) -> tuple[OrderLeg, ...]:
    """The legs of strategy ``name`` centred on ``strike`` (``side`` "C"/"P" where it matters)."""
    centre = _near(exp, strike)
    k = centre.strike
    if name == "vertical":
        d = 1 if side == "C" else -1
        far = _near(exp, k + d * width, avoid=k, direction=d)
        return (_leg(centre, side, buy, qty), _leg(far, side, not buy, qty))
    if name == "straddle":
        return (_leg(centre, "C", buy, qty), _leg(centre, "P", buy, qty))
    if name == "strangle":
        put = _near(exp, k - width, avoid=k, direction=-1)
        call = _near(exp, k + width, avoid=k, direction=1)
        return (_leg(put, "P", buy, qty), _leg(call, "C", buy, qty))
    if name == "iron condor":
        sp = _near(exp, k - width, avoid=k, direction=-1)
        lp = _near(exp, sp.strike - width, avoid=sp.strike, direction=-1)
        sc = _near(exp, k + width, avoid=k, direction=1)
        lc = _near(exp, sc.strike + width, avoid=sc.strike, direction=1)
        # the short iron condor sells the inner strikes (a credit); buy=True is its mirror
        return (_leg(lp, "P", not buy, qty), _leg(sp, "P", buy, qty),
                _leg(sc, "C", buy, qty), _leg(lc, "C", not buy, qty))
    if name == "butterfly":
        lo = _near(exp, k - width, avoid=k, direction=-1)
        hi = _near(exp, k + width, avoid=k, direction=1)
        return (_leg(lo, side, buy, qty), _leg(centre, side, not buy, 2 * qty), _leg(hi, side, buy, qty))
    if name == "calendar":
        later = [e for e in chain.expirations if e.date > exp.date]
        if not later:
            raise ValueError("no later expiration for a calendar")
        want = exp.date.toordinal() + calendar_days
        back = min(later, key=lambda e: abs(e.date.toordinal() - want))
        back_row = next((r for r in back.strikes if r.strike == k), None)
        if back_row is None:
            raise ValueError(f"strike {k:g} is not listed on {back.date}")
        # long calendar: sell the front month, buy the back month
        return (_leg(centre, side, not buy, qty), _leg(back_row, side, buy, qty))
    raise ValueError(f"unknown strategy {name!r}")
