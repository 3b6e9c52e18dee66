"""Headless subcommands: ``ttai quotes | chain | positions | balances | chart``.

They run the very same Broker (session, refresher, stream supervisor, MarketState) as the
dashboard, so a script or a plain ssh session sees exactly what the TUI would. Exit codes:
0 ok, 1 unknown symbol/expiration or other user-facing failure, 3 credentials refused,
5 server unreachable after the bounded retry (``[network] retry_s``; ``quotes --follow`` keeps
trying like the dashboard), 130 Ctrl-C. Imports stay lazy so ``ttai --version`` never pays for
the SDK.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from argparse import Namespace

    from rich.console import Console

    from ttai_tui.broker.events import BrokerEvent
    from ttai_tui.broker.service import Broker
    from ttai_tui.config import Settings, Target
    from ttai_tui.core.market_state import MarketState

EXIT_OK, EXIT_USER, EXIT_CREDENTIALS, EXIT_UNREACHABLE, EXIT_INTERRUPTED = 0, 1, 3, 5, 130
QUOTE_WAIT_S = 10.0
CHAIN_WAIT_S = 6.0


def _err(msg: str) -> None:
    print(f"ttai: {msg}", file=sys.stderr, flush=True)


ExitCodes = tuple[tuple[type[Exception], int], ...]


def _run(coro_fn: Callable[[], Coroutine[object, object, int]], codes: ExitCodes = ()) -> int:
    """Run one command; a failure the user can act on becomes its documented exit code and a
    one-line message (never a traceback). ``codes`` (checked first, in order) adds a command's
    own failures, e.g. an order refused (4). Any other exception is a ttai bug: it propagates to
    ``cli.main`` (exit 70, naming the log file)."""
    from ttai_tui.broker.errors import (
        BrokerFailure,
        CredentialsRejectedError,
        ServerUnreachable,
        UnknownSymbolError,
    )

    table: ExitCodes = (
        *codes,
        (CredentialsRejectedError, EXIT_CREDENTIALS),
        (UnknownSymbolError, EXIT_USER),
        (ServerUnreachable, EXIT_UNREACHABLE),  # network, DNS, timeouts, 5xx after the retries
        (BrokerFailure, EXIT_USER),  # the server answered and refused the request
    )
    try:
        return asyncio.run(coro_fn())
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as e:
        code = next((c for kind, c in table if isinstance(e, kind)), None)
        if code is None:
            raise
        _err(str(e))
        return code


def _symbol(text: str) -> str:
    """Validate a symbol argument before anything is sent anywhere (ValueError: one line)."""
    from ttai_tui.core.symbols import normalise_symbol

    return normalise_symbol(text)


def _broker(settings: Settings, target: Target) -> Broker:
    from ttai_tui.broker.service import Broker
    from ttai_tui.core.market_state import MarketState
    from ttai_tui.demo import demo_server

    state = MarketState()
    # a script wants a quick, clear failure rather than long retries of one request; reaching
    # the server at all is retried for ``[network] retry_s`` (see _retry_for)
    return Broker(
        target, settings, state, session_options={"max_retries": 3},
        local_server=demo_server(settings, target),
    )


def _retry_for(settings: Settings) -> float:
    """How long a one-shot command keeps trying to reach the server (then exit 5)."""
    return float(settings.network.retry_s)


async def _keep_trying(broker: Broker, step: Callable[[], Awaitable[object]]) -> None:
    """``await step()`` until the server answers it (``--follow`` never gives up on a flaky
    server; only refused credentials or an unknown symbol end it)."""
    from ttai_tui.broker.errors import ServerUnreachable

    attempt = 0
    while True:
        try:
            await step()
            return
        except ServerUnreachable as e:
            attempt += 1
            delay = broker.stream.backoff(attempt)
            _err(f"{e}; retrying in {delay:.1f}s (attempt {attempt})")
            await asyncio.sleep(delay)


def _console() -> Console:
    """A rich console; when piped, wide enough that scripts never get truncated cells."""
    from rich.console import Console

    width = None if sys.stdout.isatty() else 200
    return Console(highlight=False, soft_wrap=False, width=width)


async def _wait_until(pred: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        await asyncio.sleep(step)
    return pred()


# ---- quotes -------------------------------------------------------------------------------


def quotes(settings: Settings, target: Target, args: Namespace) -> int:
    """A table of quotes, or with --follow a live stream (JSON lines with --json)."""
    try:
        symbols = list(dict.fromkeys(_symbol(s) for s in args.symbols))
    except ValueError as e:
        _err(str(e))
        return EXIT_USER
    return _run(lambda: _quotes(settings, target, symbols, bool(args.follow), bool(args.json)))


async def _quotes(settings: Settings, target: Target, symbols: list[str], follow: bool, as_json: bool) -> int:
    from ttai_tui.broker.validate import resolve_symbols
    from ttai_tui.headless import render

    broker = _broker(settings, target)
    async with broker:
        fresh = _FreshQuotes(broker.state)
        if follow:
            broker.add_listener(_stderr_listener())
            broker.add_listener(fresh.on_event)
        # --follow keeps trying to reach the server like the dashboard; a snapshot gives up
        await broker.start(stream=True, account=False, retry_for=None if follow else _retry_for(settings))
        resolved: dict[str, str] = {}

        async def resolve() -> None:
            # /ES -> its front month's streamer symbol, BTC/USD -> BTC/USD:CXTALP: rows show
            # the contract actually quoted
            resolved.update(await resolve_symbols(broker.sessions, symbols))

        if follow:
            await _keep_trying(broker, resolve)
        else:
            await resolve()
        symbols = list(dict.fromkeys(resolved[s] for s in symbols if s in resolved))
        broker.subscriptions.declare(
            "quotes", {(t, s) for s in symbols for t in ("Quote", "Trade", "Summary")}
        )
        state = broker.state
        await _wait_until(lambda: all(s in state.quotes for s in symbols), QUOTE_WAIT_S)
        if not follow:
            # a snapshot should also show last and change: give trades and summaries a moment
            await _wait_until(
                lambda: all(s in state.trades and s in state.summaries for s in symbols), 2.0
            )
            if as_json:
                print(json.dumps([render.quote_dict(state, s) for s in symbols]))
            else:
                _console().print(render.quotes_table(state, symbols))
            return EXIT_OK
        wanted = set(symbols)
        state.take_dirty("cli")  # start from now
        for s in symbols:
            if fresh.ready(s):
                _emit_quote(state, s, as_json)
        while True:
            await asyncio.sleep(0.05)
            for s in sorted(state.take_dirty("cli") & wanted):
                if fresh.ready(s):
                    _emit_quote(state, s, as_json)


class _FreshQuotes:
    """Which followed symbols may be printed now.

    After the stream reconnects, a symbol's next line waits for its first quote on the new
    connection: its trade or summary can arrive first (the snapshot sends one event type at a
    time), and printing then would show the quote held from before the outage as if it were live.
    """

    def __init__(self, state: MarketState) -> None:
        self.state = state
        self.held: dict[str, float] = {}  # symbol -> `updated` of the quote held over an outage

    def on_event(self, e: BrokerEvent) -> None:
        from ttai_tui.broker import events as ev

        if isinstance(e, ev.Reconnecting):
            for s, q in self.state.quotes.items():
                self.held.setdefault(s, q.updated)

    def ready(self, symbol: str) -> bool:
        q = self.state.quotes.get(symbol)
        if q is None:
            return False
        held = self.held.get(symbol)
        if held is None:
            return True
        if q.updated == held:
            return False
        del self.held[symbol]
        return True


def _emit_quote(state: MarketState, symbol: str, as_json: bool) -> None:
    from ttai_tui.headless.render import quote_dict, quote_line

    if as_json:
        print(json.dumps(quote_dict(state, symbol)), flush=True)
    else:
        print(quote_line(state, symbol), flush=True)


def _stderr_listener() -> Callable[[BrokerEvent], None]:
    """Start-up retries and stream trouble, said on stderr (stdout stays the data)."""
    from ttai_tui.broker import events as ev

    def on_event(e: BrokerEvent) -> None:
        if isinstance(e, ev.Connecting):
            _err(f"{e.reason}; retrying in {e.delay:.1f}s (attempt {e.attempt})")
        elif isinstance(e, ev.Reconnecting):
            _err(f"stream lost ({e.reason}); reconnecting in {e.delay:.1f}s (attempt {e.attempt})")
        elif isinstance(e, ev.Connected) and e.attempt:
            _err("stream reconnected")
        elif isinstance(e, ev.StreamFailed):
            _err(f"stream failed: {e.reason}")

    return on_event


# ---- chain --------------------------------------------------------------------------------


def chain(settings: Settings, target: Target, args: Namespace) -> int:
    """calls | strike | puts for one expiration, N strikes around the money."""
    try:
        args.symbol = _symbol(args.symbol)
    except ValueError as e:
        _err(str(e))
        return EXIT_USER
    return _run(lambda: _chain(settings, target, args))


async def _chain(settings: Settings, target: Target, args: Namespace) -> int:
    from datetime import date

    from ttai_tui.broker.chains import ChainWindow
    from ttai_tui.core.chain import find_expiration, nearest_expiration
    from ttai_tui.core.clock import ny_date
    from ttai_tui.headless import render

    symbol = args.symbol.strip().upper()
    chain_cfg = getattr(settings, "chain", None)
    per_side = args.strikes if args.strikes is not None else getattr(chain_cfg, "strikes", 10)
    if per_side <= 0:
        _err("--strikes must be positive")
        return EXIT_USER
    count = 2 * per_side + 1  # as in the dashboard and the config: N strikes each side of the money
    broker = _broker(settings, target)
    async with broker:
        await broker.start(stream=True, account=False, retry_for=_retry_for(settings))
        ch = await broker.get_chain(symbol)
        today = ny_date(broker.clock.now())
        if args.expiration:
            try:
                when = date.fromisoformat(args.expiration)
            except ValueError:
                _err(f"bad expiration {args.expiration!r}: use YYYY-MM-DD")
                return EXIT_USER
            exp = find_expiration(ch, when)
            if exp is None:
                near = ", ".join(str(e.date) for e in ch.expirations[:8])
                _err(f"{symbol} has no expiration on {when}; available: {near} ...")
                return EXIT_USER
        else:
            dte = args.dte if args.dte is not None else getattr(chain_cfg, "dte", 30)
            exp = nearest_expiration(ch, dte, today)
            if exp is None:
                _err(f"{symbol} has no expiration on or after today")
                return EXIT_USER
        state = broker.state
        und = ch.underlying  # /ES -> the contract its options are on (/ESZ26:XCME)
        broker.subscriptions.declare("underlying", {("Quote", und), ("Trade", und)})
        await _wait_until(lambda: state.mark(und) is not None, CHAIN_WAIT_S)
        window = ChainWindow(broker.subscriptions, state)
        rows = window.show(ch, exp, count)
        syms = [s for r in rows for s in (r.call_streamer, r.put_streamer)]
        await _wait_until(
            lambda: all(s in state.quotes and s in state.greeks for s in syms), CHAIN_WAIT_S
        )
        await asyncio.sleep(0.3)  # let summaries (open interest) land
        rows = window.rows
        days = (exp.date - today).days
        if args.json:
            print(json.dumps(render.chain_dict(state, ch, exp, rows, days)))
        else:
            con = _console()
            con.print(render.chain_table(state, ch, exp, rows, days, compact=con.width < 120))
        return EXIT_OK


# ---- positions / balances -----------------------------------------------------------------


def positions(settings: Settings, target: Target, args: Namespace) -> int:
    return _run(lambda: _positions(settings, target, bool(args.json)))


async def _positions(settings: Settings, target: Target, as_json: bool) -> int:
    from ttai_tui.headless import render

    broker = _broker(settings, target)
    async with broker:
        await broker.start(stream=True, account=True, account_required=True, retry_for=_retry_for(settings))
        state = broker.state
        syms = [p.streamer_symbol for p in broker.positions]
        await _wait_until(lambda: all(state.mark(s) is not None for s in syms), QUOTE_WAIT_S)
        await _wait_until(
            lambda: all(p.streamer_symbol in state.greeks for p in broker.positions if p.is_option),
            2.0,
        )
        views = broker.position_views()
        if as_json:
            print(json.dumps(render.positions_list(views, broker.account)))
        else:
            _console().print(render.positions_table(views, broker.account))
        return EXIT_OK


def balances(settings: Settings, target: Target, args: Namespace) -> int:
    return _run(lambda: _balances(settings, target, bool(args.json)))


async def _balances(settings: Settings, target: Target, as_json: bool) -> int:
    from ttai_tui.headless import render

    broker = _broker(settings, target)
    async with broker:
        await broker.start(stream=False, account=True, account_required=True, retry_for=_retry_for(settings))
        bal = broker.balance
        if as_json:
            print(json.dumps(render.balance_dict(bal, broker.account)))
        else:
            _console().print(render.balance_table(bal, broker.account))
        return EXIT_OK


# ---- chart --------------------------------------------------------------------------------

WARM_UP_BARS = 200  # enough for sma200, the longest overlay the picker offers


def chart(settings: Settings, target: Target, args: Namespace) -> int:
    try:
        args.symbol = _symbol(args.symbol)
    except ValueError as e:
        _err(str(e))
        return EXIT_USER
    return _run(lambda: _chart(settings, target, args))


async def _chart(settings: Settings, target: Target, args: Namespace) -> int:
    import shutil

    from ttai_tui.broker.validate import check_symbols
    from ttai_tui.chart import ChartSpec, render_text
    from ttai_tui.core.candles import TIMEFRAME_SECONDS

    chart_cfg = getattr(settings, "chart", None)
    symbol = args.symbol.strip().upper()
    timeframe = args.timeframe or getattr(chart_cfg, "timeframe", "5m")
    indicators: Any = args.indicators
    if indicators is None:
        indicators = list(getattr(chart_cfg, "indicators", []))
    try:  # a bad indicator spec is a user error: say so before connecting anywhere
        spec = ChartSpec.build(
            indicators,
            symbol=symbol,
            timeframe=timeframe,
            lower=getattr(chart_cfg, "lower", None),
            levels=bool(args.levels) or bool(getattr(chart_cfg, "levels", False)),
            fibonacci=bool(getattr(chart_cfg, "fibonacci", False)),
            volume=bool(getattr(chart_cfg, "volume", True)),
        )
    except ValueError as e:
        _err(str(e))
        return EXIT_USER
    size = shutil.get_terminal_size((100, 30))
    width = args.width or size.columns
    height = args.height or max(15, size.lines - 2)
    # one bar per column, plus history for the indicators' warm-up (drawn off-screen)
    bars = max(60, min(400, width)) + WARM_UP_BARS
    broker = _broker(settings, target)
    async with broker:
        await broker.start(stream=True, account=False, retry_for=_retry_for(settings))
        await check_symbols(broker.sessions, [symbol])
        span = TIMEFRAME_SECONDS.get(timeframe, 300) * bars
        # nights, weekends and holidays have no bars
        span = int(span * 1.5) if timeframe == "1d" else span * 3 + 4 * 86400
        await broker.candle_history(symbol, timeframe, broker.clock.now() - span)
        arrays = broker.state.candle_series(symbol, timeframe).arrays()
        now = broker.clock.now()
    data = {k: v[-bars:] for k, v in arrays.items()}
    # colours only on a terminal without NO_COLOR (render_text decides), never with --no-color
    color = False if getattr(args, "no_color", False) else None
    text = render_text(data, spec, width=width, height=height, color=color, now=now)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return EXIT_OK


# ---- orders (ttai_tui/headless/orders.py) -------------------------------------------------------


def orders(settings: Settings, target: Target, args: Namespace) -> int:
    from ttai_tui.headless.orders import orders as run

    return run(settings, target, args)


def order(settings: Settings, target: Target, args: Namespace) -> int:
    from ttai_tui.headless.orders import order as run

    return run(settings, target, args)
# ---- risk ---------------------------------------------------------------------------------


def risk(settings: Settings, target: Target, args: Namespace) -> int:
    from ttai_tui.headless.risk import run_risk

    return _run(lambda: run_risk(settings, target, bool(args.json), bool(args.what_if)))
