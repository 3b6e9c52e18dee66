"""The balances strip: net liq, buying power, cash, maintenance, day P&L and as-of time.

Balances change on the account poll (seconds), so the strip is redrawn by the flush timer
only when its text changed; the as-of age is part of the text, so a stale strip says so.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from ttai_tui.core.clock import NEW_YORK
from ttai_tui.core.formatting import MISSING, fmt_age, fmt_money
from ttai_tui.core.models import Balance
from ttai_tui.ui.widgets.span_static import SpanStatic

STALE_SECONDS = 120.0


def _pnl_style(v: float | None) -> str:
    if v is None:
        return "dim"
    return "green" if v > 0 else "red" if v < 0 else ""


def balances_text(b: Balance | None, now: float, width: int, live_day_pnl: float | None = None) -> Text:
    """One line on wide terminals, two short lines below 120 columns.

    When the account does not report a day P&L, the live sum over positions is shown instead
    (marked with a trailing "*", explained in the help), never a made-up 0.
    """
    narrow = width < 120
    t = Text(no_wrap=True, overflow="ellipsis")
    if b is None:
        t.append("Balances " + MISSING + " (not loaded yet)", "dim")
        return t
    items = [
        ("Net Liq" if not narrow else "NLV", fmt_money(b.net_liq), ""),
        ("Option BP" if not narrow else "OBP", fmt_money(b.option_buying_power), ""),
        ("Equity BP" if not narrow else "EBP", fmt_money(b.equity_buying_power), ""),
        ("Cash", fmt_money(b.cash), ""),
        ("Maint Req" if not narrow else "Maint", fmt_money(b.maintenance_requirement), ""),
        ("Day P&L", fmt_money(b.day_pnl, signed=True), _pnl_style(b.day_pnl)),
    ]
    if b.day_pnl is None and live_day_pnl is not None:
        items[-1] = ("Day P&L", fmt_money(live_day_pnl, signed=True) + "*", _pnl_style(live_day_pnl))
    for i, (label, value, style) in enumerate(items):
        if narrow and i == 4:
            t.append("\n")
        elif i:
            t.append(" │ ", "grey42")
        t.append(label + " ", "grey62")
        t.append(value, style or ("dim" if value == MISSING else "bold"))
    when = b.as_of if b.as_of is not None else (b.fetched or None)
    age = None if when is None else now - when
    t.append(" │ ", "grey42")
    stale = age is not None and age > STALE_SECONDS
    if when is None or age is None:
        t.append("as of " + MISSING, "grey62")
    else:
        clock = "" if narrow else datetime.fromtimestamp(when, NEW_YORK).strftime("%H:%M:%S ")
        t.append(f"as of {clock}({fmt_age(age)} ago)" if clock else f"as of {fmt_age(age)} ago",
                 "yellow" if stale else "grey62")
    return t


class BalancesStrip(SpanStatic, can_focus=True):
    """Focusable (key `b`) so the user can land on it; it shows the same figures either way."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self._last: str | None = None

    def show(self, balance: Balance | None, now: float, live_day_pnl: float | None = None) -> None:
        text = balances_text(balance, now, self.size.width or 80, live_day_pnl)
        if text.plain != self._last:
            self._last = text.plain
            self.show_text(text)  # fixed height (CSS): no relayout; only the changed columns

    @property
    def plain(self) -> str:
        return self._last or ""
