"""``ttai alert add | list | rm | watch``: alerts for scripts, cron and plain ssh sessions.

``add`` checks the alert before storing it: the syntax (`core.alerts.parse_alert`), then the
symbol against the exchange/API (an unknown symbol is refused, exit 1), a position alert
against the account's positions, and shows the current value so a level already passed is
noticed at once. ``watch`` runs the same Broker and AlertEngine as the dashboard and prints
one line per firing (JSON with ``--json``), through reconnects, until Ctrl-C.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

from ttai_tui.headless.commands import (
    EXIT_OK,
    EXIT_USER,
    _broker,
    _err,
    _retry_for,
    _run,
    _wait_until,
)

VALUE_WAIT_S = 6.0


def _book() -> Any:
    from ttai_tui.broker.alerts.store import AlertBook, default_path

    book = AlertBook(default_path())
    if book.load_error:
        _err(f"warning: {book.load_error}")
    return book


def _with_config_rules(book: Any, settings: Any) -> Any:
    from ttai_tui.core.alerts import parse_alert

    rules = [parse_alert(r) for r in settings.alerts.rules]
    if rules:
        book.ensure(rules, time.time())
    return book


def alert_offline(settings: Any, args: Any) -> int:
    """list and rm: the file only, no connection (they work without credentials)."""
    if args.alert_command == "list":
        return _list(_with_config_rules(_book(), settings), bool(args.json))
    return _rm(_book(), args.id)


def alert(settings: Any, target: Any, args: Any) -> int:
    if args.alert_command == "add":
        return _add_cmd(settings, target, args)
    if args.alert_command == "watch":
        return _run(lambda: _watch(settings, target, bool(args.json)))
    return alert_offline(settings, args)


# ---- list / rm ------------------------------------------------------------------------------


def _list(book: Any, as_json: bool) -> int:
    alerts = sorted(book.alerts.values(), key=lambda a: a.id)
    if as_json:
        print(json.dumps([a.to_json() for a in alerts]))
        return EXIT_OK
    if not alerts:
        print("no alerts (add one: ttai alert add SPY last above 605)", file=sys.stderr)
        return EXIT_OK
    from rich.table import Table

    from ttai_tui.headless.commands import _console

    t = Table(box=None, pad_edge=False)
    for col in ("ID", "ALERT", "STATUS", "FIRES", "LAST FIRED", "VALUE", "FROM"):
        t.add_column(col, justify="right" if col in ("ID", "FIRES", "VALUE") else "left")
    for a in alerts:
        st = a.state
        fired = "—" if st.fired_at is None else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(st.fired_at))
        value = "—" if st.fired_value is None else f"{st.fired_value:g}"
        t.add_row(str(a.id), a.text, st.status, str(st.fires), fired, value, a.origin)
    _console().print(t)
    return EXIT_OK


def _rm(book: Any, text: str) -> int:
    try:
        alert_id = int(text)
    except ValueError:
        _err(f'"{text}" is not an alert id (a number; `ttai alert list` shows them)')
        return EXIT_USER
    a = book.alerts.get(alert_id)
    if a is None:
        _err(f"no alert #{alert_id} (`ttai alert list` shows them)")
        return EXIT_USER
    if a.origin == "config":
        _err(f"alert #{alert_id} ({a.text}) comes from the config file's [alerts] rules; remove it there")
        return EXIT_USER
    book.remove(alert_id)
    print(f"removed alert #{alert_id}: {a.text}")
    return EXIT_OK


# ---- add ------------------------------------------------------------------------------------


def _add_cmd(settings: Any, target: Any, args: Any) -> int:
    from ttai_tui.core.alerts import AlertSpecError, parse_alert

    words = list(args.words)
    if args.every:
        words.append("every")
    if args.rearm is not None:
        words += ["rearm", args.rearm]
    try:
        spec = parse_alert(words)
    except AlertSpecError as e:
        _err(f"alert refused: {e}")
        return EXIT_USER
    return _run(lambda: _add(settings, target, spec))


async def _add(settings: Any, target: Any, spec: Any) -> int:
    from ttai_tui.broker.errors import UnknownSymbolError
    from ttai_tui.broker.validate import check_symbols

    broker = _broker(settings, target)
    async with broker:
        account = spec.scope in ("position", "strategy", "portfolio")
        await broker.start(stream=True, account=account, account_required=account,
                           retry_for=_retry_for(settings))
        if spec.scope in ("symbol", "chart") or spec.scope == "strategy":
            await check_symbols(broker.sessions, [spec.target])
        if spec.scope == "position":
            from ttai_tui.broker.alerts.figures import matches

            if not any(matches(p, spec.target) for p in broker.positions):
                held = ", ".join(sorted({p.streamer_symbol for p in broker.positions})) or "none"
                raise UnknownSymbolError(f"no position {spec.target} in the account (positions: {held})")
        value = await current_value(broker, spec)
    book = _book()
    alert = book.add(spec, time.time(), value)
    unit = spec.unit
    now = "" if value is None else f" ({_label(spec)} now {value:g}{unit})"
    print(f"added alert #{alert.id}: {spec.text}{now}")
    if value is not None and spec.level is not None:
        past = value >= spec.level if spec.op == "above" else value <= spec.level
        if past:
            _err(
                f"note: {_label(spec)} is already {spec.op} {spec.level:g}; the alert fires when it "
                "next crosses the level"
            )
    return EXIT_OK


def _label(spec: Any) -> str:
    return spec.field if not spec.target else f"{spec.target} {spec.field}"


async def current_value(broker: Any, spec: Any) -> float | None:
    """The alert's figure now (None when it does not arrive within a few seconds)."""
    from ttai_tui.broker.alerts.figures import account_value, chart_value, symbol_value
    from ttai_tui.core.clock import ny_date

    state = broker.state
    if spec.scope == "symbol":
        if spec.field == "ivrank" or (spec.field == "iv" and not spec.target.startswith(".")):
            await broker.metrics([spec.target])
            return symbol_value(state, spec.field, spec.target)
        kinds = ("Quote", "Trade", "Summary", "Greeks") if spec.target.startswith(".") else ("Quote", "Trade", "Summary")
        broker.subscriptions.declare("alert-add", {(k, spec.target) for k in kinds})
        await _wait_until(lambda: symbol_value(state, spec.field, spec.target) is not None, VALUE_WAIT_S)
        return symbol_value(state, spec.field, spec.target)
    if spec.scope == "chart":
        from ttai_tui.broker.alerts.engine import CANDLE_LOOKBACK_S

        await broker.candle_history(spec.target, spec.timeframe, time.time() - CANDLE_LOOKBACK_S[spec.timeframe])
        got = chart_value(spec, state.candle_series(spec.target, spec.timeframe))
        return None if got is None else float(got[0])
    await _wait_until(
        lambda: account_value(spec, state, broker.positions, broker.balance, ny_date(time.time())) is not None,
        VALUE_WAIT_S,
    )
    return account_value(spec, state, broker.positions, broker.balance, ny_date(time.time()))


# ---- watch ----------------------------------------------------------------------------------


async def _watch(settings: Any, target: Any, as_json: bool) -> int:
    from ttai_tui.broker import events as ev
    from ttai_tui.broker.alerts.deliver import Notifier, firing_payload, firing_text
    from ttai_tui.headless.commands import _stderr_listener

    book = _with_config_rules(_book(), settings)
    broker = _broker(settings, target)
    notifier = Notifier.from_settings(settings.alerts)
    bell = bool(settings.alerts.bell) and sys.stderr.isatty()

    def on_event(e: Any) -> None:
        if not isinstance(e, ev.AlertFired):
            return
        line = json.dumps(firing_payload(e)) if as_json else firing_text(e)
        print(line, flush=True)
        if bell and e.local:
            sys.stderr.write("\a")
            sys.stderr.flush()

    async with broker:
        broker.add_listener(_stderr_listener())
        engine = broker.enable_alerts(book)
        broker.add_listener(on_event)
        broker.add_listener(notifier.on_event)
        try:
            await broker.start(stream=True, account=True)
            armed = sum(1 for a in book.alerts.values() if a.state.status != "fired")
            _err(f"watching {armed} armed alert(s) of {len(book.alerts)} ({book.path}); Ctrl-C to stop")
            while True:
                await asyncio.sleep(3600)
        finally:
            await engine.stop()
            await notifier.aclose()
    return EXIT_OK
