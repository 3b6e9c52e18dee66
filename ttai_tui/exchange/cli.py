"""``ttai exchange``: run the simulated exchange standalone until Ctrl-C / SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from typing import Any

from ttai_tui.exchange.faults import Faults


def parse_codes(value: Any) -> tuple[int, ...]:
    """``"429,500,503"`` (or a list of ints) -> (429, 500, 503); rejects non-HTTP-error codes."""
    if value is None or value == "":
        return (429, 500, 503)
    items = value.split(",") if isinstance(value, str) else list(value)
    codes = tuple(int(str(x).strip()) for x in items if str(x).strip())
    if not codes or any(c < 400 or c > 599 for c in codes):
        raise ValueError(f"error codes must be HTTP 4xx/5xx statuses, got {value!r}")
    return codes


def faults_from_args(args: argparse.Namespace) -> Faults:
    rate = float(getattr(args, "error_rate", 0.0) or 0.0)
    if not 0.0 <= rate <= 1.0:
        raise ValueError("--error-rate must be between 0 and 1")
    return Faults(
        drop_every=getattr(args, "drop_every", None),
        error_rate=rate,
        error_codes=parse_codes(getattr(args, "error_codes", None)),
        delay=float(getattr(args, "delay", 0.0) or 0.0),
        malformed_every=getattr(args, "malformed_every", None),
        refuse_auth=bool(getattr(args, "refuse_auth", False)),
    )


def describe(server: Any) -> str:
    lines = [
        f"ttai simulated exchange listening on {server.url}",
        f"  REST        {server.url}",
        f"  DXLink      {server.ws_url}/dxlink (announced by /api-quote-tokens)",
        f"  account     {server.ws_url}/notifications",
        f"  stats       {server.url}/_exchange/stats",
        f"  connect:    ttai --exchange {server.url}",
    ]
    if server.accepts_any_credentials:
        lines.append("  credentials: any non-empty client secret and refresh token are accepted")
    else:
        lines.append("  credentials: only the configured client secret / refresh token are accepted")
    f = server.faults
    knobs = [
        f"token-lifetime={server.token_lifetime:g}s",
        *([f"drop-every={f.drop_every:g}s"] if f.drop_every else []),
        *([f"error-rate={f.error_rate:g} codes={','.join(map(str, f.error_codes))}"] if f.error_rate else []),
        *([f"delay={f.delay:g}s"] if f.delay else []),
        *([f"malformed-every={f.malformed_every:g}s"] if f.malformed_every else []),
        *(["refuse-auth"] if f.refuse_auth else []),
        *([f"rate={server.rate:g}/s"] if server.rate else []),
        *(["market-hours"] if server.market.market_hours else ["continuous clock"]),
    ]
    lines.append("  knobs:      " + " ".join(knobs))
    lines.append("Ctrl-C stops it.")
    return "\n".join(lines)


async def serve(args: argparse.Namespace) -> int:
    from ttai_tui.exchange.server import ExchangeServer

    server = ExchangeServer(
        seed=int(getattr(args, "seed", 1) or 1),
        host=getattr(args, "host", None) or "127.0.0.1",
        port=int(getattr(args, "port", 0) or 0),
        client_secret=getattr(args, "client_secret", None),
        refresh_token=getattr(args, "refresh_token", None),
        token_lifetime=float(getattr(args, "token_lifetime", 900) or 900),
        faults=faults_from_args(args),
        market_hours=bool(getattr(args, "market_hours", False)),
        rate=getattr(args, "rate", None),
    )
    try:
        await server.start()
    except OSError as e:
        print(f"ttai exchange: cannot listen on {server.host}:{server.port}: {e.strerror or e}",
              file=sys.stderr)
        return 1
    print(describe(server), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await server.stop()
    print("ttai exchange stopped", flush=True)
    return 0


def run(args: argparse.Namespace) -> int:
    """Entry point of ``ttai exchange`` (args: the argparse Namespace built by ttai_tui.cli)."""
    try:
        faults_from_args(args)
    except ValueError as e:
        print(f"ttai exchange: {e}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(serve(args))
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    """Stand-alone parser for ``python -m ttai_tui.exchange`` (same dests as ``ttai exchange``)."""
    p = argparse.ArgumentParser(prog="python -m ttai_tui.exchange", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--client-secret")
    p.add_argument("--refresh-token")
    p.add_argument("--market-hours", action="store_true")
    p.add_argument("--rate", type=float)
    p.add_argument("--token-lifetime", type=float, default=900.0)
    p.add_argument("--drop-every", type=float)
    p.add_argument("--error-rate", type=float, default=0.0)
    p.add_argument("--error-codes", default="429,500,503")
    p.add_argument("--delay", type=float, default=0.0)
    p.add_argument("--malformed-every", type=float)
    p.add_argument("--refuse-auth", action="store_true")
    return p
