"""The `ttai` command: argument parsing and wiring only.

Everything heavy (Textual, the SDK, aiohttp, pandas) is imported inside the branch that
needs it, so `ttai --version` and `ttai --help` answer instantly. Exit codes: 0 ok,
1 user error (unknown symbol or expiration), 2 configuration error, 3 credentials
missing or refused, 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from ttai_tui import __version__

EXIT_OK, EXIT_USER, EXIT_CONFIG, EXIT_CREDENTIALS, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

DESCRIPTION = """\
A keyboard-driven terminal dashboard for TastyTrade: streaming watchlists, option chains
with live greeks, positions, balances and charts. With no credentials it runs against a
built-in simulated exchange (DEMO), so every feature can be tried without an account."""

EPILOG = """\
modes: live when credentials are configured (TT_SECRET / TT_REFRESH, [credentials] in the
config, or `ttai login`), otherwise demo. The screen always says LIVE, SANDBOX or DEMO.
config: --config PATH, else $TTAI_CONFIG, else the platform config directory
(`ttai config path` prints it). exit codes: 0 ok, 1 bad symbol/expiration, 2 bad config,
3 credentials missing or refused."""


def _global_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    """Options accepted before or after the subcommand (`ttai --demo quotes` = `ttai quotes --demo`)."""
    d = {"default": argparse.SUPPRESS} if suppress else {}
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

    ch = add("chart", "print a candlestick chart with indicators and levels")
    ch.add_argument("symbol", metavar="SYM")
    ch.add_argument("--timeframe", default=None, choices=["1m", "5m", "15m", "1h", "1d"], help="bar size (default from config)")
    ch.add_argument("--indicators", default=None, metavar="LIST", help="e.g. sma20,bb20,rsi14 (default from config)")
    ch.add_argument("--levels", action="store_true", help="draw support and resistance levels")
    ch.add_argument("--width", type=int, default=None, metavar="W", help="columns (default: terminal width)")
    ch.add_argument("--height", type=int, default=None, metavar="H", help="rows (default: terminal height)")
    ch.add_argument("--no-color", action="store_true", help="no ANSI colours (also when NO_COLOR is set or stdout is not a terminal)")

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
        import logging

        logging.getLogger("ttai").exception("unhandled error in `ttai %s`", args.command or "")
        _err(f"internal error: {type(exc).__name__}: {_redact(str(exc))} (details in the log: `ttai config path`)")
        return EXIT_USER


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

    if command is None:
        from ttai_tui.ui.app import run_app

        return run_app(settings, target)
    from ttai_tui.headless import commands

    return getattr(commands, command)(settings, target, args)


def _redact(text: str) -> str:
    try:
        from ttai_tui.secrets import redact
    except ImportError:
        return text
    return redact(text)


def _register_secret(value: str | None) -> None:
    if not value:
        return
    try:
        from ttai_tui.secrets import register_secret
    except ImportError:
        return
    register_secret(value)


def _permission_warnings(path: object) -> None:
    try:
        from ttai_tui.secrets import check_permissions
    except ImportError:
        return
    message = check_permissions(path)
    if message:
        _err(f"warning: {message}")
