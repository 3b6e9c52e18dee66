"""Cells that are wider than their column: a grouped number keeps every digit by dropping its
separators; only what still does not fit is cut, with an ellipsis saying so. At 80x24 the
watchlist shows futures and crypto rows whole (it cut /MESZ26 to '/MESZ…' and 21,438.25 to
'21,438.…')."""

from __future__ import annotations

from ttai_tui.core.clock import FrozenClock
from ttai_tui.core.market_state import MarketState
from ttai_tui.core.models import Quote, Trade
from ttai_tui.ui.widgets.live_table import _fit
from ttai_tui.ui.widgets.watchlist import COLUMNS, row_values


def test_a_grouped_number_drops_its_separators_before_it_is_cut() -> None:
    assert _fit("21,438.25", 8, "right") == "21438.25"
    assert _fit("1,234,567", 8, "right") == " 1234567"
    assert _fit("600.01", 8, "right") == "  600.01"  # fits: unchanged
    assert _fit("-12,905.12", 8, "right") == "-12,905…"  # 9 digits and signs in 8: cut, and says so
    assert _fit("Apple, Inc.", 6, "left") == "Apple…"  # text keeps its commas


def test_futures_and_crypto_rows_show_whole_symbols_and_prices() -> None:
    state = MarketState(FrozenClock())
    rows = {"/MESZ26:XCME": 6024.75, "/NQZ26:XCME": 21438.25, "BTC/USD:CXTALP": 94906.12}
    for sym, px in rows.items():
        state.quotes[sym] = Quote(sym, bid=px - 0.25, ask=px + 0.25, time=1.0, updated=1.0)
        state.trades[sym] = Trade(sym, price=px, time=1.0, updated=1.0)
    width = {c.key: c for c in COLUMNS}
    for sym, px in rows.items():
        cells, _raw = row_values(state, sym, stale=False)
        shown = {k: _fit(text, width[k].width, width[k].justify) for k, (text, _style) in cells.items()}
        assert "…" not in "".join(shown.values()), shown
        assert shown["symbol"].strip() == sym.split(":")[0]
        assert float(shown["last"].replace(",", "")) == px
        assert float(shown["bid"].replace(",", "")) == px - 0.25
    assert sum(c.width + 2 for c in COLUMNS) <= 78  # and the row still fits an 80-column screen
