"""The `ttai` command: argument parsing and wiring only.

Everything heavy (Textual, the SDK, aiohttp, pandas) is imported inside the branch that
needs it, so `ttai --version` and `ttai --help` answer instantly. Exit codes: 0 ok,
1 user error (unknown symbol or expiration), 2 configuration error, 3 credentials
missing or refused, 4 order not confirmed, 5 server unreachable after the bounded retry,
70 internal error (a ttai bug: the message names the log file), 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ttai_tui import __version__

if TYPE_CHECKING:
    from ttai_tui.config import Settings

EXIT_OK, EXIT_USER, EXIT_CONFIG, EXIT_CREDENTIALS, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXIT_INTERNAL = 70  # EX_SOFTWARE (sysexits.h): a bug in ttai, not in the input or the network

DESCRIPTION = """\
A keyboard-driven terminal dashboard for TastyTrade: streaming watchlists, option chains
with live greeks, positions, balances and charts. With no credentials it runs against a
built-in simulated exchange (DEMO), so every feature can be tried without an account."""

EPILOG = """\
modes: live when credentials are configured (TT_SECRET / TT_REFRESH, [credentials] in the
config, or `ttai login`), otherwise demo. The screen always says LIVE, SANDBOX or DEMO.
config: --config PATH, else $TTAI_CONFIG, else the platform config directory
(`ttai config path` prints it). exit codes: 0 ok, 1 bad symbol/expiration, 2 bad config,
3 credentials missing or refused, 4 order not confirmed (nothing sent), 5 server unreachable
(after [network] retry_s), 70 internal error (see the log file it names), 130 Ctrl-C."""


ALERT_HELP = """\
add an alert; the same syntax as the config's [alerts] rules:
  SPY last above 605            last | mark | bid | ask | change (%) | iv (%) | ivrank
  SPY 5m close above sma50      chart: close vs a number or sma/ema/wma/hma<N>/vwap
  SPY 5m rsi14 below 30         chart: RSI vs a number
  SPY 5m close touches level    chart: a support/resistance level
  position .SPY260717P500 delta below -30    pnl | daypnl | delta | dte
  strategy SPY pnl below -500   all positions of one underlying
  portfolio bwdelta above 500   bwdelta | daypnl | bp (% of net liq)"""


def _global_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    """Options accepted before or after the subcommand (`ttai --demo quotes` = `ttai quotes --demo`)."""
    d: dict[str, Any] = {"default": argparse.SUPPRESS} if suppress else {}
    g = parser.add_argument_group("connection")
    mode = g.add_mutually_exclusive_group()
    mode.add_argument("--demo", action="store_true", help="run against the built-in simulated exchange", **d)
    mode.add_argument("--sandbox", action="store_true", help="use TastyTrade's certification (sandbox) environment", **d)
    mode.add_argument("--exchange", metavar="URL", help="connect to a running simulated exchange (`ttai exchange`)", **d)
    g.add_argument("--config", metavar="PATH", help="config file to use instead of the default location", **d)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ttai", description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"ttai {__version__}")
    _global_options(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        _global_options(p, suppress=True)
        return p

    cfg = add("config", "show where the config file is, or validate it")
    cfg_sub = cfg.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    for name, text in (
        ("path", "print where the config file is looked for"),
        ("check", "validate the config and print the effective settings (secrets redacted)"),
    ):
        _global_options(cfg_sub.add_parser(name, help=text, description=text), suppress=True)

    ex = add("exchange", "run the simulated TastyTrade exchange (REST + DXLink) standalone")
    ex.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    ex.add_argument("--port", type=int, default=8765, help="port to listen on (default 8765; 0 picks a free one)")
    ex.add_argument("--seed", type=int, default=1, help="random seed of the simulated market (default 1)")
    ex.add_argument("--client-secret", metavar="S", help="provider secret to require (default: accept any)")
    ex.add_argument("--refresh-token", metavar="T", help="refresh token to require (default: accept any)")
    ex.add_argument("--market-hours", action="store_true", help="follow real US market hours instead of trading 24/7")
    ex.add_argument("--rate", type=float, default=None, metavar="N", help="target market events per second")
    f = ex.add_argument_group("fault knobs")
    f.add_argument("--token-lifetime", type=float, default=900.0, metavar="SECONDS", help="access-token lifetime (default 900)")
    f.add_argument("--drop-every", type=float, metavar="SECONDS", help="close every DXLink connection after this long")
    f.add_argument("--error-rate", type=float, default=0.0, metavar="FRACTION", help="share of REST calls answered with an error")
    f.add_argument("--error-codes", default="500,503", metavar="CODES", help="error codes to use (default 500,503; 429 adds Retry-After)")
    f.add_argument("--delay", type=float, default=0.0, metavar="SECONDS", help="delay every REST response")
    f.add_argument("--malformed-every", type=float, metavar="SECONDS", help="send a malformed FEED_DATA this often")
    f.add_argument("--refuse-auth", action="store_true", help="never authorize DXLink connections")

    q = add("quotes", "print quotes for symbols, or stream them with --follow")
    q.add_argument("symbols", nargs="+", metavar="SYM", help="symbols, e.g. SPY QQQ")
    q.add_argument("--follow", "-f", action="store_true", help="keep streaming updates (through reconnects)")
    q.add_argument("--json", action="store_true", help="JSON output (one object per line with --follow)")

    c = add("chain", "print an option chain: calls | strike | puts")
    c.add_argument("symbol", metavar="SYM")
    which = c.add_mutually_exclusive_group()
    which.add_argument("--expiration", metavar="YYYY-MM-DD", help="expiration date")
    which.add_argument("--dte", type=int, metavar="N", help="expiration nearest N days out (default from config)")
    c.add_argument("--strikes", type=int, metavar="N", help="strikes on each side of the money (default from config)")
    c.add_argument("--json", action="store_true", help="JSON output")

    for name, text in (("positions", "print positions with live P&L and greeks"), ("balances", "print account balances")):
        p = add(name, text)
        p.add_argument("--json", action="store_true", help="JSON output")

    rk = add("risk", "print strategies with max profit/loss, breakevens, POP, greeks and the risk gauges")
    rk.add_argument("--json", action="store_true", help="JSON output")
    rk.add_argument("--what-if", action="store_true", help="add the what-if grid (price moves and IV shifts)")

    ch = add("chart", "print a candlestick chart with indicators and levels")
    ch.add_argument("symbol", metavar="SYM")
    ch.add_argument("--timeframe", default=None, choices=["1m", "5m", "15m", "1h", "1d"], help="bar size (default from config)")
    ch.add_argument("--indicators", default=None, metavar="LIST", help="e.g. sma20,bb20,rsi14 (default from config)")
    ch.add_argument("--levels", action="store_true", help="draw support and resistance levels")
    ch.add_argument("--width", type=int, default=None, metavar="W", help="columns (default: terminal width)")
    ch.add_argument("--height", type=int, default=None, metavar="H", help="rows (default: terminal height)")
    ch.add_argument("--no-color", action="store_true", help="no ANSI colours (also when NO_COLOR is set or stdout is not a terminal)")

    sv = add("serve", "serve the dashboard to a web browser, locked by a per-run access token")
    sv.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, this machine only)")
    sv.add_argument("--port", type=int, default=None, help="port to listen on (default from config: 8470; 0 picks a free one)")
    sv.add_argument("--allow-remote", action="store_true", help="allow a --host other than loopback (use TLS or an ssh tunnel)")
    sv.add_argument("--max-sessions", type=int, default=None, metavar="N", help="browser tabs at once (default from config: 1)")
    o = add("orders", "print today's working orders (with --all also the filled, cancelled and rejected)")
    o.add_argument("--all", action="store_true", help="include today's finished orders")
    o.add_argument("--json", action="store_true", help="JSON output")

    od = add("order", "review and send an order (dry run first; asks for confirmation), or cancel/replace one")
    od.add_argument("legs", nargs="+", metavar="LEG",
                    help="ACTION QTY SYMBOL per leg (BTO 1 .SPY261218C600, STC 100 AAPL; OCC symbols too; "
                         "BUY 1 /ESZ6, BTO 1 './ESZ6 EW4Z6 261218C6000', BUY 0.5 BTC/USD), "
                         "or `cancel ID`, or `replace ID --limit P`")
    od.add_argument("--limit", metavar="P", help="limit price, unsigned (per unit: net for spreads)")
    od.add_argument("--debit", action="store_true", help="the limit price is paid")
    od.add_argument("--credit", action="store_true", help="the limit price is received")
    od.add_argument("--market", action="store_true", help="market order")
    od.add_argument("--notional", metavar="DOLLARS",
                    help="crypto: buy or sell this many dollars' worth at market (leg: ACTION SYMBOL)")
    od.add_argument("--tif", choices=["day", "gtc"], default="day", help="time in force (default day)")
    od.add_argument("--dry-run", action="store_true", help="print the review only; send nothing")
    od.add_argument("--yes", action="store_true",
                    help="confirm without asking (needed when stdin is not a terminal: exit 4 otherwise)")
    od.add_argument("--json", action="store_true", help="JSON output")
    al = add("alert", "alerts on prices, volatility, positions and indicators (see README \"Alerts\")")
    al_sub = al.add_subparsers(dest="alert_command", metavar="ACTION", required=True)
    a_add = al_sub.add_parser("add", help="add an alert, e.g. SPY last above 605", description=ALERT_HELP,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    a_add.add_argument("words", nargs="+", metavar="WORD", help="the alert, e.g. SPY last above 605")
    a_add.add_argument("--every", action="store_true", help="fire at every crossing (default: once)")
    a_add.add_argument("--rearm", metavar="M", help="how far back past the level before it can fire again")
    a_list = al_sub.add_parser("list", help="list alerts: armed, fired, values and times")
    a_list.add_argument("--json", action="store_true", help="JSON output")
    a_rm = al_sub.add_parser("rm", help="remove an alert by id")
    a_rm.add_argument("id", metavar="ID")
    a_watch = al_sub.add_parser("watch", help="evaluate alerts on the live stream; one line per firing")
    a_watch.add_argument("--json", action="store_true", help="one JSON object per firing")
    for p in (a_add, a_list, a_rm, a_watch):
        _global_options(p, suppress=True)

    add("login", "store TastyTrade credentials in the system keyring (or a 0600 file)")
    add("logout", "remove stored TastyTrade credentials")
    return parser


def _err(message: str) -> None:
    print(f"ttai: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `ttai quotes ... | head`: the reader went away; that is not an error.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # the last line of defence: a message, the details in the log
        return internal_error(exc, f"`ttai {args.command or ''}`")


def internal_error(exc: BaseException, where: str) -> int:
    """Log a ttai bug with its traceback, tell the user where the log is, return exit 70."""
    import logging

    from ttai_tui.logsetup import current_log_file
    from ttai_tui.secrets import redact

    logging.getLogger("ttai").error("unhandled error in %s", where, exc_info=exc)
    log = current_log_file()
    details = f"details in {log}" if log is not None else "no log file was open"
    _err(f"internal error: {type(exc).__name__}: {redact(str(exc))} ({details})")
    return EXIT_INTERNAL


def _dispatch(args: argparse.Namespace) -> int:
    from ttai_tui import config, paths

    command = args.command
    if command == "config" and args.config_command == "path":
        path = paths.config_file(args.config)
        state = "exists" if path.is_file() else "not found; defaults are used (demo mode)"
        print(path)
        print(f"({state})", file=sys.stderr)
        return EXIT_OK

    try:
        # the demo never uses account credentials: do not open the keyring for it
        demo_only = bool(args.demo) and command not in ("config", "login", "logout")
        loaded = config.load_settings(args.config, credential_store=not demo_only)
    except config.ConfigError as exc:
        _err(str(exc))
        return EXIT_CONFIG
    for warning in loaded.warnings:
        _err(f"warning: {warning}")
    _permission_warnings(loaded.path)
    settings = loaded.settings

    if command == "config":
        print(f"# {loaded.path} ({'found' if loaded.exists else 'not found: defaults'})")
        print(json.dumps(config.effective_settings(settings), indent=2))
        print("config OK", file=sys.stderr)
        return EXIT_OK

    from ttai_tui.logsetup import setup_logging

    setup_logging(settings.log.level, settings.log.file)
    for s in (settings.credentials.provider_secret, settings.credentials.refresh_token):
        _register_secret(s.get() if s else None)

    if command == "exchange":
        from ttai_tui.exchange.cli import run

        return run(args)
    if command == "alert" and args.alert_command in ("list", "rm"):
        from ttai_tui.headless.alerts import alert_offline

        return alert_offline(settings, args)
    if command in ("login", "logout"):
        from ttai_tui import secrets

        return getattr(secrets, command)(settings, args)

    try:
        target = config.resolve_target(settings, args.demo, args.sandbox, args.exchange)
    except config.ConfigError as exc:
        _err(str(exc))
        return EXIT_CONFIG
    except config.MissingCredentials as exc:
        _err(str(exc))
        return EXIT_CREDENTIALS

    if command == "serve":
        return _serve(args, settings)
    if command is None:
        from ttai_tui.ui import heap

        heap.hold_collector()  # until the first prices are drawn (ui/heap.py); run_app ends it
        if target.mode == "demo" and not target.url:
            from ttai_tui.demo import prespawn

            prespawn(settings)  # the exchange starts on the other core while the UI loads
        from ttai_tui.ui.app import run_app

        return run_app(settings, target)
    if command == "alert":
        from ttai_tui.headless.alerts import alert

        return alert(settings, target, args)
    from ttai_tui.headless import commands

    return getattr(commands, command)(settings, target, args)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    """`ttai serve`: refuse a reachable address unless asked, then hand over to the web server."""
    from ttai_tui.web.server import WebServer, is_loopback, serve, session_command

    if not is_loopback(args.host) and not args.allow_remote:
        _err(
            f"refusing to serve on {args.host}: anyone who can reach it could watch (and trade) this account. "
            "Use an ssh tunnel (see README, 'In a browser'), or add --allow-remote if you really mean it."
        )
        return EXIT_USER
    if not is_loopback(args.host):
        _err(
            f"warning: serving on {args.host} without TLS: the access token and the screen travel in clear text. "
            "Prefer 127.0.0.1 with `ssh -L`, or put a TLS proxy in front."
        )
    port = settings.serve.port if args.port is None else args.port
    limit = settings.serve.max_sessions if args.max_sessions is None else args.max_sessions
    if not 0 <= port <= 65535 or limit < 1:
        _err("--port must be 0-65535 and --max-sessions at least 1")
        return EXIT_USER
    flags: list[str] = []
    for name in ("demo", "sandbox"):
        if getattr(args, name, False):
            flags.append(f"--{name}")
    if getattr(args, "exchange", None):
        flags += ["--exchange", args.exchange]
    if getattr(args, "config", None):
        flags += ["--config", args.config]
    server = WebServer(session_command(sys.executable, flags), host=args.host, port=port, max_sessions=limit)
    _register_secret(server.token)  # the logs never carry it
    return serve(server)


def _register_secret(value: str | None) -> None:
    if not value:
        return
    from ttai_tui.secrets import register_secret

    register_secret(value)


def _permission_warnings(path: Path) -> None:
    from ttai_tui.secrets import check_permissions

    message = check_permissions(path)
    if message:
        _err(f"warning: {message}")
