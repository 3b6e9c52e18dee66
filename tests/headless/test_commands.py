"""Headless commands end to end: `python -m ttai_tui ...` against the in-process exchange."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TT_SECRET", "TT_REFRESH")}
    env["TTAI_HOME"] = str(tmp_path)
    env["NO_COLOR"] = "1"
    env.update(extra)
    return env


def ctrl_c_as_a_terminal_sends_it() -> None:
    """preexec_fn for a child the test stops with SIGINT: SIGINT at its default and unblocked, as
    a shell in a terminal starts a program. In full `-n 2` runs a child inherited an ignored
    SIGINT from the test worker (some earlier test in the worker leaves it so) and, ignoring
    Ctrl-C as POSIX says a program started that way should, never stopped."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    signal.signal(signal.SIGINT, signal.SIG_DFL)


async def ttai(tmp_path: Path, *args: str, timeout: float = 90.0, **env: str) -> tuple[int, str, str]:
    """Run `ttai ARGS` as a user would. ``timeout`` only guards against a hang (a loaded CI
    machine can take tens of seconds for a cold start); a hang fails with what the process said
    and the tail of its log, and the process is killed, not left behind."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ttai_tui", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=_env(tmp_path, **env),
    )
    communicate = asyncio.ensure_future(proc.communicate())
    try:
        out, err = await asyncio.wait_for(asyncio.shield(communicate), timeout)
    except TimeoutError:
        proc.kill()
        out, err = await communicate
        logs = "".join(p.read_text(errors="replace") for p in (tmp_path / "log").glob("*.log*"))
        raise AssertionError(
            f"`ttai {' '.join(args)}` still running after {timeout:.0f}s; stderr: "
            f"{err.decode(errors='replace')[-1500:]!r}; log tail: {logs[-3000:]}"
        ) from None
    return proc.returncode or 0, out.decode(), err.decode()


def _call(command: str, url: str, **kw: Any) -> tuple[int, str, str]:
    """Run one headless command in this process (own thread, own event loop), capturing output."""
    import contextlib
    import io
    from argparse import Namespace

    from ttai_tui.config import Settings, Target
    from ttai_tui.headless import commands

    defaults: dict[str, dict[str, Any]] = {
        "quotes": {"follow": False, "json": False},
        "chain": {"expiration": None, "dte": None, "strikes": None, "json": False},
        "positions": {"json": False},
        "balances": {"json": False},
        "chart": {"timeframe": None, "indicators": None, "levels": False, "width": None, "height": None,
                  "no_color": False},
    }
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = kw.pop("tty", False)  # stdout claims to be a terminal (colour unless told otherwise)
    args = Namespace(**{**defaults[command], **kw})
    out, err = Terminal() if tty else io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = getattr(commands, command)(Settings(), Target("exchange", url), args)
    return rc, out.getvalue(), err.getvalue()


async def run(command: str, url: str, **kw: Any) -> tuple[int, str, str]:
    """In-process headless command while the exchange keeps serving on this loop."""
    return await asyncio.to_thread(_call, command, url, **kw)


async def test_quotes_table_and_json(exchange: Any, tmp_path: Path) -> None:
    rc, out, err = await ttai(tmp_path, "--exchange", exchange.url, "quotes", "SPY", "AAPL")
    assert rc == 0, err
    assert "SPY" in out and "AAPL" in out and "Bid" in out
    rc, out, err = await run("quotes", exchange.url, symbols=["SPY"], json=True)
    assert rc == 0, err
    (row,) = json.loads(out)
    assert row["symbol"] == "SPY" and row["bid"] > 0 and row["ask"] >= row["bid"]
    assert row["last"] is not None and row["time"].endswith("Z")


async def test_unknown_symbol_exits_1_with_a_clear_message(exchange: Any, tmp_path: Path) -> None:
    rc, out, err = await run("quotes", exchange.url, symbols=["SPY", "NOSUCHX"])
    assert out == ""
    assert rc == 1
    assert "unknown symbol: NOSUCHX" in err and "Traceback" not in err


async def test_follow_json_keeps_streaming_through_a_drop(exchange: Any, tmp_path: Path) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ttai_tui", "--exchange", exchange.url,
        "quotes", "SPY", "QQQ", "--follow", "--json",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=_env(tmp_path),
        preexec_fn=ctrl_c_as_a_terminal_sends_it,
    )
    assert proc.stdout is not None and proc.stderr is not None
    lines: list[tuple[float, dict[str, Any]]] = []

    async def read() -> None:
        assert proc.stdout is not None
        while line := await proc.stdout.readline():
            lines.append((time.monotonic(), json.loads(line)))

    reader = asyncio.create_task(read())
    try:
        t0 = time.monotonic()
        while not {"SPY", "QQQ"} <= {d["symbol"] for _, d in lines}:
            assert time.monotonic() - t0 < 20, "no quotes"
            await asyncio.sleep(0.05)
        assert await exchange.drop_connections() >= 1
        dropped = time.monotonic()
        await asyncio.sleep(2.5)
        after = {d["symbol"] for t, d in lines if t > dropped + 0.3}
        assert after == {"SPY", "QQQ"}
        for _, d in lines:
            assert {"symbol", "bid", "ask", "last", "time"} <= set(d)
    finally:
        proc.send_signal(signal.SIGINT)
        rc = await asyncio.wait_for(proc.wait(), 10)
        reader.cancel()
    err = (await proc.stderr.read()).decode()
    assert "reconnect" in err
    assert rc == 130


async def test_chain_json_and_table(exchange: Any, tmp_path: Path) -> None:
    rc, out, err = await run("chain", exchange.url, symbol="SPY", dte=30, strikes=2, json=True)
    assert rc == 0, err
    d = json.loads(out)
    assert d["underlying"] == "SPY" and d["price"] > 0 and len(d["strikes"]) == 5  # 2 each side + the one at the money
    strikes = [s["strike"] for s in d["strikes"]]
    assert strikes == sorted(strikes) and strikes[0] <= d["price"] <= strikes[-1]
    for s in d["strikes"]:
        c, p = s["call"], s["put"]
        assert 0 < c["delta"] < 1 and -1 < p["delta"] < 0
        for side in (c, p):
            for k in ("bid", "ask", "gamma", "theta", "vega", "iv", "open_interest"):
                assert side[k] is not None, k
    rc, out, err = await run("chain", exchange.url, symbol="SPY", expiration=d["expiration"], strikes=3)
    assert rc == 0, err
    assert "Strike" in out and "IV" in out and "OI" in out


async def test_chain_unknown_expiration_or_symbol_exits_1(exchange: Any, tmp_path: Path) -> None:
    rc, _, err = await run("chain", exchange.url, symbol="SPY", expiration="2001-01-05")
    assert rc == 1 and "no expiration on 2001-01-05" in err
    rc, _, err = await run("chain", exchange.url, symbol="NOSUCHX")
    assert rc == 1 and "NOSUCHX" in err and "Traceback" not in err


async def test_positions_and_balances(exchange: Any, tmp_path: Path) -> None:
    rc, out, err = await run("positions", exchange.url, json=True)
    assert rc == 0, err
    rows = json.loads(out)
    assert rows and all(r["mark"] is not None and r["open_pnl"] is not None for r in rows)
    rc, out, err = await run("balances", exchange.url, json=True)
    assert rc == 0, err
    bal = json.loads(out)
    truth = exchange.account.values()
    assert bal["net_liq"] == pytest.approx(truth["nl"], rel=0.02)
    rc, out, err = await run("balances", exchange.url)
    assert rc == 0 and "Net liquidating value" in out


async def test_refused_credentials_exit_3_without_echo(exchange: Any, tmp_path: Path) -> None:
    exchange.client_secret = "right-secret"
    rc, out, err = await ttai(
        tmp_path, "--exchange", exchange.url, "balances",
        TT_SECRET="wrong-secret-123", TT_REFRESH="refresh-456",
    )
    assert rc == 3
    assert "refused" in err
    assert "wrong-secret-123" not in out + err and "refresh-456" not in out + err


async def test_demo_mode_runs_the_exchange_in_process(tmp_path: Path) -> None:
    rc, out, err = await ttai(tmp_path, "--demo", "quotes", "SPY", "--json")
    assert rc == 0, err
    assert json.loads(out)[0]["bid"] > 0


async def test_chart_prints_candles_and_rejects_bad_indicators(exchange: Any, tmp_path: Path) -> None:
    rc, out, err = await run(
        "chart", exchange.url, symbol="SPY", timeframe="5m", indicators="sma20", width=80, height=20
    )
    assert rc == 0, err
    lines = out.splitlines()
    assert "SPY" in lines[0] and "5m" in lines[0]
    assert len(lines) >= 15 and max(len(line) for line in lines) <= 80
    assert "█" in out or "│" in out
    rc, out, err = await run("chart", exchange.url, symbol="SPY", indicators="bogus7")
    assert rc == 1 and "bogus7" in err and out == ""


async def test_chart_no_color_is_readable_monochrome(exchange: Any, monkeypatch: Any) -> None:
    """`--no-color` wins even on a terminal: no escapes, and the candles still read by shape."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    kw: dict[str, Any] = {"symbol": "SPY", "timeframe": "5m", "indicators": "sma20,rsi14",
                          "width": 100, "height": 30, "tty": True}  # fmt: skip
    rc, coloured, err = await run("chart", exchange.url, **kw)
    assert rc == 0 and "\x1b[" in coloured, err  # a terminal gets colours by default
    rc, out, err = await run("chart", exchange.url, **kw, no_color=True)
    assert rc == 0, err
    assert "\x1b" not in out
    monkeypatch.setenv("NO_COLOR", "1")
    rc, env_out, err = await run("chart", exchange.url, **kw)
    assert rc == 0 and "\x1b" not in env_out
    lines = out.splitlines()
    assert re.search(r"O [\d,]+\.\d\d +H [\d,]+\.\d\d +L [\d,]+\.\d\d +C [\d,]+\.\d\d", lines[0])
    assert "sma20" in out and "─ volume" in out and "◀" in out
    assert set(out) & set("┃╹╻╽╿") or set(out) & set("█▀▄")  # candle bodies


async def test_unreachable_exchange_fails_fast_and_clearly(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = tmp_path / "fast.toml"
    cfg.write_text("[network]\nretry_s = 1\n")  # the bounded retry, shortened
    rc, out, err = await ttai(
        tmp_path, "--config", str(cfg), "--exchange", f"http://127.0.0.1:{port}", "balances"
    )
    assert rc == 5 and out == ""  # 5: server unreachable after the bounded retry (not 1)
    assert f"cannot reach http://127.0.0.1:{port}" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("command", "kw"),
    [
        ("quotes", {"symbols": [""]}),
        ("quotes", {"symbols": ["SPY", "SPY?X=1"]}),
        ("chain", {"symbol": "../x"}),
        ("chart", {"symbol": "\x1b]0;x\x07"}),
    ],
)
def test_malformed_symbols_are_refused_before_connecting(command: str, kw: dict[str, Any]) -> None:
    # the URL is never contacted: validation happens before any broker exists
    rc, out, err = _call(command, "http://127.0.0.1:9", **kw)
    assert rc == 1 and out == ""
    assert "not a valid symbol" in err and "\x1b" not in err and len(err.splitlines()) == 1
