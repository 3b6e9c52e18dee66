"""Positions grouped by underlying with live P&L and totals; balances strip; `r` refresh."""

from __future__ import annotations

from ttai_tui.core.formatting import MISSING
from ttai_tui.ui.messages import AccountDataChanged
from ttai_tui.ui.widgets.positions import TOTAL_KEY

from .conftest import settle, wait_for


async def test_positions_grouped_live_with_totals(app_factory):
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        dash = app.dashboard
        await pilot.press("p")
        view = dash.positions
        await wait_for(pilot, lambda: view.table.has_row(TOTAL_KEY), what="positions")
        positions = app.bridge.positions()
        assert positions
        keys = view.table.row_keys_in_order()
        assert keys[-1] == TOTAL_KEY
        groups = [k for k in keys if k.startswith("g:")]
        assert {g[2:] for g in groups} == {p.underlying for p in positions}
        # every position sits under its own group header
        current = None
        for k in keys[:-1]:
            if k.startswith("g:"):
                current = k[2:]
            else:
                p = next(p for p in positions if f"{p.account}:{p.symbol}" == k)
                assert p.underlying == current
        # live marks and P&L arrive; options show their DTE
        await wait_for(
            pilot,
            lambda: all(view.table.shown(f"{p.account}:{p.symbol}", "mark") != MISSING for p in positions),
            what="position marks",
        )
        assert view.table.shown(TOTAL_KEY, "open") != MISSING
        opt = next((p for p in positions if p.is_option), None)
        if opt is not None:
            assert view.table.shown(f"{opt.account}:{opt.symbol}", "dte").isdigit()


async def test_balances_strip_and_refresh_key(app_factory):
    seen: list[object] = []
    app = app_factory()
    async with app.run_test(size=(160, 48), message_hook=seen.append) as pilot:
        bal = app.dashboard.query_one("#balances")
        await wait_for(pilot, lambda: "Net Liq $" in bal.plain, what="balances")
        for label in ("Net Liq", "Option BP", "Equity BP", "Cash", "Maint Req", "Day P&L", "as of"):
            assert label in bal.plain
        before = sum(isinstance(m, AccountDataChanged) for m in seen)
        await pilot.press("r")
        await wait_for(pilot, lambda: sum(isinstance(m, AccountDataChanged) for m in seen) > before,
                       what="account refresh")


async def test_balances_fit_two_lines_at_80_columns(app_factory):
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        bal = app.dashboard.query_one("#balances")
        await wait_for(pilot, lambda: "NLV $" in bal.plain, what="balances")
        lines = bal.plain.split("\n")
        assert len(lines) == 2 and all(len(line) <= 78 for line in lines)
        await pilot.press("b")
        await settle(pilot)
        assert app.focused is bal
