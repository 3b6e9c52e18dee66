"""The alert form (`A`) and the Alerts tab (`!`), with Pilot, against the exchange."""

from __future__ import annotations

import math
from typing import Any

from textual.widgets import Input, Static

from ttai_tui.ui.screens.alert_form import AlertFormScreen

from .conftest import wait_for


def shift_spy(exchange: Any, pct: float) -> None:
    m = exchange.market
    m.log_p[m.i_spx] += math.log(1.0 + pct / 100.0)


def form_value(app: Any, name: str) -> str:
    return app.screen.query_one(f"#alert-{name}", Input).value


async def set_value(pilot: Any, name: str, text: str) -> None:
    inp = pilot.app.screen.query_one(f"#alert-{name}", Input)
    inp.focus()
    inp.value = ""
    await pilot.press(*list(text))


def preview(app: Any) -> str:
    return str(app.screen.query_one("#alert-preview", Static).render())


def rows(app: Any) -> list[list[str]]:
    t = app.dashboard.alerts.table
    return [[str(c) for c in t.get_row_at(i)] for i in range(t.row_count)]


async def test_form_prefilled_from_the_watchlist_refuses_bad_input_and_saves(app_factory: Any) -> None:
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        state = app.bridge.state
        await wait_for(pilot, lambda: state.price("SPY") is not None, what="SPY price")
        await pilot.press("A")
        await wait_for(pilot, lambda: isinstance(app.screen, AlertFormScreen), what="form")
        assert form_value(app, "target") == "SPY" and form_value(app, "field") == "last"
        assert abs(float(form_value(app, "value")) - state.price("SPY")) < 1.0
        assert preview(app).startswith("→ SPY last above ")
        # a malformed number: named, nothing saved, the form stays
        await set_value(pilot, "value", "6o5")
        await pilot.press("enter")
        await wait_for(pilot, lambda: 'level "6o5" is not a number' in preview(app), what="error")
        assert isinstance(app.screen, AlertFormScreen)
        # an unknown symbol: checked with the exchange, refused
        await set_value(pilot, "value", "605")
        await set_value(pilot, "target", "NOSUCHX")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "unknown symbol: NOSUCHX" in preview(app), what="unknown symbol")
        assert not app.bridge.alerts.book.alerts
        # fixed: saved, armed, listed
        await set_value(pilot, "target", "SPY")
        await pilot.press("tab", "tab", "tab", "tab", "space")  # to "every time", tick it
        await wait_for(pilot, lambda: "every" in preview(app), what="every")
        app.screen.query_one("#alert-value", Input).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, AlertFormScreen), what="saved")
        (alert,) = app.bridge.alerts.book.alerts.values()
        assert alert.text == "SPY last above 605 every"
        await pilot.press("exclamation_mark")
        await wait_for(pilot, lambda: app.dashboard.active_tab == "tab-alerts", what="alerts tab")
        await wait_for(pilot, lambda: rows(app) and rows(app)[0][1] == "SPY last above 605 every", what="row")
        assert rows(app)[0][2] == "armed"
        # delete removes it (from the file too)
        await pilot.press("delete")
        await wait_for(pilot, lambda: not rows(app), what="removed")
        assert not app.bridge.alerts.book.alerts


async def test_list_shows_an_alert_fired_on_the_stream_with_value_and_time(
    app_factory: Any, exchange: Any, monkeypatch: Any
) -> None:
    from ttai_tui.core.alerts import parse_alert

    notes: list[str] = []
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        state = app.bridge.state
        await wait_for(pilot, lambda: state.last("SPY") is not None and app.bridge.alerts is not None, what="SPY")
        level = round(state.last("SPY") * 1.004, 2)
        engine = app.bridge.alerts
        engine.book.add(parse_alert(f"SPY last above {level}"), 0.0)
        engine.rebuild()
        await pilot.press("exclamation_mark")
        await wait_for(pilot, lambda: rows(app) and rows(app)[0][2] == "armed", what="armed row")
        await wait_for(pilot, lambda: engine.book.alerts[1].state.prev is not None, what="baseline")
        monkeypatch.setattr(app, "notify", lambda message, **kw: notes.append(str(message)))
        shift_spy(exchange, 1.0)
        await wait_for(pilot, lambda: rows(app)[0][2] == "FIRED", timeout=15, what="fired row")
        row = rows(app)[0]
        assert float(row[5].replace(",", "")) >= level  # the value that fired it
        assert row[4].count(":") == 2  # the time it fired
        assert any(f"SPY last above {level:g}" in n for n in notes)


async def test_A_on_a_position_prefills_the_position(app_factory: Any) -> None:
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("p")
        view = app.dashboard.positions
        await wait_for(pilot, lambda: any(not k.startswith("g:") for k in view.table.row_keys_in_order()), what="positions")
        key = view.table.selected_key
        assert key is not None and key.startswith("g:")  # the first row is a group: a strategy
        await pilot.press("A")
        await wait_for(pilot, lambda: isinstance(app.screen, AlertFormScreen), what="form")
        assert form_value(app, "target") == f"strategy {key[2:]}" and form_value(app, "field") == "pnl"
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, AlertFormScreen), what="closed")
        await pilot.press("j")  # the first position of that group
        await wait_for(pilot, lambda: not str(view.table.selected_key).startswith("g:"), what="a position row")
        pos = next(p for p in app.bridge.positions() if f"{p.account}:{p.symbol}" == view.table.selected_key)
        await pilot.press("A")
        await wait_for(pilot, lambda: isinstance(app.screen, AlertFormScreen), what="form")
        assert form_value(app, "target") == f"position {pos.streamer_symbol}"
        assert form_value(app, "field") == "pnl"
        await pilot.press("escape")
