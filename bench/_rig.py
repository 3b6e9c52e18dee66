"""The load rig shared by the UI and memory benches: an exchange process and a 50-symbol setup.

Why a separate exchange *process*: the figures are about the app (its CPU, its memory, its frame
times); an in-process exchange producing 10,000 events/s would bill its own work to the app.
In rate mode (`ExchangeServer(rate=N)`, also `ttai exchange --rate N`) the exchange sends N events
per second per DXLink connection, round-robin over everything the client subscribed, so the app
sees the rate no matter how many symbols it watches.

The watchlist holds every listed name of the simulated exchange plus option contracts of QQQ
(read with `ttai chain QQQ --json`) up to 50 symbols; the chain shows 41 strikes (20 each side
of the money, `chain.strikes = 20`) of SPY's expiration nearest 7 days (`chain.dte = 7`: the
simulated monthly lists only ~30 strikes, the near weekly ~60), opened from the watchlist.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from bench._pty import bench_env, free_port, kill_group, ttai_command, write_config

REPO = Path(__file__).resolve().parents[1]
RATE = 10_000
WATCHLIST_SIZE = 50
CHAIN_STRIKES = 20  # each side: 2 * 20 + 1 = 41 rows
CHAIN_DTE = 7  # the weekly nearest 7 days lists ~60 SPY strikes; the monthly only ~30


def _wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"`ttai exchange` exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"`ttai exchange` not listening on {port} after {timeout:.0f}s")


@contextlib.contextmanager
def exchange_process(home: Path, rate: int = RATE, timeout: float = 30.0) -> Iterator[str]:
    """The exchange (`_exchange_proc.py`) at N events/s on a free loopback port; yields its URL."""
    port = free_port()
    log = (home / "exchange.out").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench._exchange_proc", str(port), str(rate)],
        cwd=REPO,
        env=bench_env(home),
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_port(port, proc, timeout)
        yield f"http://127.0.0.1:{port}"
    finally:
        kill_group(proc)
        log.close()


def listed_names() -> list[str]:
    """Every name the simulated exchange lists (equities, ETFs, indices)."""
    from ttai_tui.exchange.universe import UNIVERSE

    return [s.symbol for s in UNIVERSE]


def option_symbols(home: Path, url: str, underlying: str = "QQQ", strikes: int = 6) -> list[str]:
    """Streamer symbols of `underlying`'s options near the money, via `ttai chain --json`."""
    out = subprocess.run(
        [*ttai_command(), "chain", underlying, "--strikes", str(strikes), "--json", "--exchange", url],
        env=bench_env(home),
        capture_output=True,
        timeout=60,
        check=True,
    )
    data = json.loads(out.stdout)
    syms: list[str] = []
    for row in data["strikes"]:
        for side in ("call", "put"):
            s = row.get(side, {}).get("symbol")
            if s:
                syms.append(s)
    return syms


def watchlist_symbols(home: Path, url: str, size: int = WATCHLIST_SIZE) -> list[str]:
    """`size` symbols: the listed names first, then QQQ options; SPY stays first."""
    names = listed_names()
    syms = ["SPY", *[n for n in names if n != "SPY"]]
    if len(syms) < size:
        with contextlib.suppress(Exception):  # fewer symbols is better than no figure
            syms += option_symbols(home, url, strikes=(size - len(syms)) // 2 + 1)
    return syms[:size]


def config_text(symbols: list[str], strikes: int = CHAIN_STRIKES, dte: int = CHAIN_DTE) -> str:
    quoted = ", ".join(json.dumps(s) for s in symbols)
    return f"[watchlists]\nBench = [{quoted}]\n\n[chain]\nstrikes = {strikes}\ndte = {dte}\n"


def prepare_home(home: Path, url: str) -> list[str]:
    """Write the bench config under `home`; returns the watchlist."""
    symbols = watchlist_symbols(home, url)
    write_config(home, config_text(symbols))
    return symbols
