"""The Risk tab (key R): strategies, gauges, live payoff diagram, what-if grid; 120x40 and 80x24."""

from __future__ import annotations

from ttai_tui.core.formatting import MISSING
from ttai_tui.ui.widgets.risk import RiskView, money_short

from .conftest import settle, wait_for


def _names(view: RiskView) -> list[str]:
    return [view.table.shown(k, "name") or "" for k in view.table.row_keys_in_order()]


async def _open(pilot, app) -> RiskView:
    await pilot.press("R")
    view = app.dashboard.risk
    await wait_for(pilot, lambda: app.dashboard.active_tab == "tab-risk", what="risk tab")
    await wait_for(pilot, lambda: any("Iron Condor" in n for n in _names(view)), what="strategies")
    await wait_for(pilot, lambda: view.draws > 0, what="payoff drawn")
    return view


async def test_risk_tab_lists_strategies_with_figures_and_a_live_payoff(app_factory):
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await _open(pilot, app)
        assert app.focused is view.table
        names = _names(view)
        for want in ("SPY Bull Put Vertical", "IWM Iron Condor", "TSLA Short Put", "AAPL Long Stock"):
            assert any(n.startswith(want[:17]) for n in names), (want, names)
        await wait_for(pilot, lambda: all(r.profile is not None for r in view.risks), what="prices")
        for key, r in zip(view.table.row_keys_in_order(), view.risks, strict=True):
            p = r.profile
            assert p is not None
            want_p = "∞" if p.max_profit_unbounded else money_short(p.max_profit)
            assert view.table.shown(key, "maxp") == want_p
            assert view.table.shown(key, "maxl") == ("∞" if p.max_loss_unbounded else money_short(p.max_loss))
        gauges = str(view.query_one("#risk-gauges").render())
        assert "BP used (VIX" in gauges and "β-delta" in gauges and "Largest" in gauges
        # live: the figures are recomputed as prices move, never inside the flush itself
        before = view.computes
        await wait_for(pilot, lambda: view.computes >= before + 2, what="live recomputation")
        n = view.computes
        app.flush_now()
        assert view.computes == n
        # the cursor picks the diagram's strategy, with its price and breakevens in the legend
        idx = next(i for i, r in enumerate(view.risks) if r.strategy.name == "Iron Condor")
        view.table.move_cursor(idx)
        await wait_for(pilot, lambda: view._drawn is not None and view._drawn[0] == view.table.selected_key,
                       what="redraw on cursor move")
        legend = str(view.query_one("#risk-legend").render())
        ic = view.risks[idx]
        assert ic.profile is not None and ic.spot is not None
        assert "BE " + " ".join(f"{b:.2f}" for b in ic.profile.breakevens) in legend
        assert "price" in legend and "expiration" in legend and "today" in legend


async def test_what_if_grid_toggle_and_narrow_terminal(app_factory):
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        view = await _open(pilot, app)
        assert view.lower == "risk-payoff-box" and view.plot.size.height >= 4
        await pilot.press("v")
        await wait_for(pilot, lambda: view.whatif_table.has_row("portfolio"), what="what-if grid")
        assert view.lower == "risk-whatif"
        keys = view.whatif_table.row_keys_in_order()
        assert len(keys) == len(view.risks) + 1 and keys[-1] == "portfolio"
        assert view.whatif_table.shown("portfolio", "m3") == "0"  # no move, no change
        assert view.whatif_table.shown("portfolio", "m6") not in (None, MISSING)
        await pilot.press("v")
        await settle(pilot)
        assert view.lower == "risk-payoff-box"


async def test_risk_binding_is_remappable(app_factory):
    from .conftest import ui_settings

    app = app_factory(ui_settings(keys={"focus-risk": "f9"}))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f9")
        await wait_for(pilot, lambda: app.dashboard.active_tab == "tab-risk", what="risk tab via f9")
