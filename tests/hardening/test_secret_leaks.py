"""No credential ever shows: one session exercises every path, then everything is grepped.

Known secret strings are used for the provider secret and refresh token, and the exchange
records every access token and DXLink token it issued. After config check, login/logout, a
`quotes --follow` run long enough for several token refreshes and reconnects (DEBUG logging,
the most talkative), refused credentials, an unknown symbol, an invalid config and a crash in
a command, the log files, every stdout/stderr and every file under TTAI_HOME are searched for
all of them.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.hardening._follow import REFRESH, SECRET, Follow, child_env
from ttai_tui import cli
from ttai_tui.exchange.server import ExchangeServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


async def _ttai(home: Path, *argv: str, stdin: str | None = None, **env: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ttai_tui",
        *argv,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=child_env(home, **env),
    )
    out, _ = await asyncio.wait_for(proc.communicate(stdin.encode() if stdin else None), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(errors="replace")


def _files(root: Path) -> dict[str, str]:
    return {
        str(p): p.read_bytes().decode("utf-8", errors="replace")
        for p in root.rglob("*")
        if p.is_file()
    }


async def test_no_secret_anywhere_after_a_full_session(tmp_path: Path) -> None:
    home = tmp_path / "home"
    server = ExchangeServer(seed=1, client_secret=SECRET, refresh_token=REFRESH, token_lifetime=2.0)
    await server.start()
    outputs: list[str] = []
    try:
        # 1. config check, with the secrets in a private config file as well as the environment.
        cfg = tmp_path / "config.toml"
        cfg.write_text(
            f'[credentials]\nprovider_secret = "{SECRET}"\nrefresh_token = "{REFRESH}"\n'
        )
        cfg.chmod(0o600)
        code, out = await _ttai(home, "--config", str(cfg), "config", "check")
        assert code == 0, out
        assert "********" in out
        outputs.append(out)
        # ...and with a bad credentials value (the message must hide it).
        bad = tmp_path / "bad.toml"
        bad.write_text(f'[credentials]\nprovider_secret = ["{SECRET}"]\n')
        code, out = await _ttai(home, "--config", str(bad), "config", "check")
        assert code == 2 and "credentials.provider_secret" in out, out
        outputs.append(out)

        # 2. login (stores both) and logout, from a pipe.
        code, out = await _ttai(home, "login", stdin=f"{SECRET}\n{REFRESH}\n")
        assert code == 0, out
        outputs.append(out)

        # 3. a streaming run with 2 s tokens, DEBUG logging and two reconnects.
        os.environ.pop("TTAI_LOG_LEVEL", None)
        f = Follow(server.url, home)
        f.proc = None
        await _follow_with_debug(f, server)
        outputs.append(f.stderr_text() + "\n".join(str(q) for _t, q, _w in f.out))
        assert server.stats.token_refreshes >= 3, "the run did not refresh tokens"

        # 4. error paths: refused credentials (exit 3), unknown symbol (exit 1).
        code, out = await _ttai(
            home, "--exchange", server.url, "quotes", "SPY", TT_SECRET="wrong-secret-value"
        )
        assert code == 3, out
        outputs.append(out)
        code, out = await _ttai(home, "--exchange", server.url, "quotes", "NOSUCHSYM")
        assert code == 1, out
        outputs.append(out)

        code, out = await _ttai(home, "logout")
        assert code == 0, out
        outputs.append(out)
    finally:
        issued = list(server.access_tokens) + list(server.quote_tokens)
        await server.stop()

    assert len(issued) >= 4
    needles = [SECRET, REFRESH, *issued]
    files = _files(home)
    assert any("log" in name for name in files), "no log file was written"
    leaks = [
        (where, n)
        for where, text in [*files.items(), *((f"output {i}", o) for i, o in enumerate(outputs))]
        for n in needles
        if n in text
    ]
    assert not leaks, f"secrets leaked: {leaks[:5]}"


async def _follow_with_debug(f: Follow, server: ExchangeServer) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ttai_tui",
        "--exchange",
        server.url,
        "quotes",
        "SPY",
        "--follow",
        "--json",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=child_env(f.home, TTAI_LOG_LEVEL="DEBUG"),
        start_new_session=True,
    )
    f.proc = proc
    assert proc.stdout is not None and proc.stderr is not None
    f._readers = [
        asyncio.create_task(f._read_out(proc.stdout)),
        asyncio.create_task(f._read_err(proc.stderr)),
    ]
    assert await f.first_data_after(0.0, 30) is not None, f.stderr_text()
    await asyncio.sleep(3.0)
    await server.drop_connections()
    await asyncio.sleep(2.0)
    server.expire_access_tokens()
    await server.drop_connections()
    await asyncio.sleep(2.5)
    assert f.alive
    await f.stop()


def test_crash_message_and_log_are_redacted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any, keep_root_logging: None
) -> None:
    """The last line of defence in cli.main: an unexpected exception quoting a credential."""
    home = tmp_path / "home"
    monkeypatch.setenv("TTAI_HOME", str(home))
    monkeypatch.setenv("TTAI_KEYRING", "0")
    monkeypatch.setenv("TT_SECRET", SECRET)
    monkeypatch.setenv("TT_REFRESH", REFRESH)
    from ttai_tui.headless import commands

    def boom(settings: Any, target: Any, args: Any) -> int:
        raise RuntimeError(f"token endpoint said no to {SECRET} / {REFRESH}")

    monkeypatch.setattr(commands, "quotes", boom)
    code = cli.main(["--demo", "quotes", "SPY"])
    err = capsys.readouterr().err
    assert code != 0
    assert "internal error" in err and "RuntimeError" in err
    assert SECRET not in err and REFRESH not in err
    for handler in __import__("logging").getLogger().handlers:
        handler.flush()
    logs = "".join(_files(home / "log").values())
    assert "RuntimeError" in logs and "Traceback" in logs  # the context is kept
    assert SECRET not in logs and REFRESH not in logs
