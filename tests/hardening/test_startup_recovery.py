"""ttai started before its server (issue 15, item 3), as a user would meet it.

* `ttai quotes --follow` started before the exchange exists keeps trying (saying so on stderr)
  and streams once the exchange comes up; the same when the exchange answers 503 at start-up,
  is killed, and comes back.
* The dashboard (real app, Pilot) started before the exchange exists says
  "connecting… retry in Ns" and goes live on its own once the exchange comes up.
* A one-shot command against a dead server retries for `[network] retry_s`, then exits 5.
* A ttai bug exits 70 and names the log file.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.broker.test_startup import free_port
from tests.hardening._follow import REFRESH, SECRET, Follow, child_env
from ttai_tui.exchange.server import ExchangeServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


def _server(port: int) -> ExchangeServer:
    return ExchangeServer(seed=1, port=port, client_secret=SECRET, refresh_token=REFRESH)


async def test_follow_started_before_the_exchange_streams_once_it_is_up(tmp_path: Path) -> None:
    port = free_port()
    f = await Follow(f"http://127.0.0.1:{port}", tmp_path / "home").start()
    server = _server(port)
    try:
        for _ in range(300):  # the child needs a moment to start (longer on a busy machine)
            if f.stderr_text().count("retrying in") >= 2 or not f.alive:
                break
            await asyncio.sleep(0.1)
        assert f.alive, f.stderr_text()
        said = f.stderr_text()
        assert "cannot reach" in said and "retrying in" in said, said
        await server.start()
        t_up = time.monotonic()
        took = await f.first_data_after(t_up, 30.0)
        assert took is not None, f"no data after the exchange came up: {f.stderr_text()[-600:]}"
    finally:
        await f.stop()
        await server.stop()


async def test_follow_survives_503_kill_and_restart_during_start_up(tmp_path: Path) -> None:
    server = _server(0)
    await server.start()
    port = server.port
    server.faults.error_rate, server.faults.error_codes = 1.0, (503,)
    f = await Follow(server.url, tmp_path / "home").start()
    try:
        for _ in range(300):  # the child needs a moment to start (longer on a busy machine)
            if "HTTP 503" in f.stderr_text() or not f.alive:
                break
            await asyncio.sleep(0.1)
        assert "HTTP 503" in f.stderr_text(), f.stderr_text()
        await server.stop()  # killed during start-up
        await asyncio.sleep(2.0)
        assert f.alive, f.stderr_text()
        server = _server(port)
        await server.start()
        took = await f.first_data_after(time.monotonic(), 30.0)
        assert took is not None, f"no data after the restart: {f.stderr_text()[-600:]}"
    finally:
        await f.stop()
        await server.stop()


async def test_dashboard_started_before_the_exchange_goes_live_on_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.hardening.test_faults_dashboard import _app, _status, _until, _watch

    monkeypatch.setenv("TTAI_HOME", str(tmp_path / "home"))
    port = free_port()
    app = _app(f"http://127.0.0.1:{port}")
    server = _server(port)
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            seen = await _watch(pilot, 4.0)
            assert app.is_running
            assert any("connecting… retry in" in s and "(try" in s for s in seen), seen
            assert "not started" not in _status(app)
            await server.start()
            took = await _until(
                pilot,
                lambda: "streaming" in _status(app) and app.bridge.state.quote("SPY") is not None,
                30.0,
            )
            assert took is not None, f"never went live: {_status(app)!r}"
            await app.action_quit()
    finally:
        await server.stop()


async def _ttai(home: Path, *argv: str) -> tuple[int, str, float]:
    t0 = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ttai_tui", *argv,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=child_env(home),
    )
    _out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, err.decode(errors="replace"), time.monotonic() - t0


async def test_one_shot_against_a_dead_server_retries_then_exits_5(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    (home / "config" / "config.toml").write_text("[network]\nretry_s = 2\n")
    url = f"http://127.0.0.1:{free_port()}"
    one_shots = (["quotes", "SPY"], ["balances"], ["orders"], ["risk"], ["alert", "add", "SPY", "last", "above", "700"],
                 ["order", "BTO", "1", "KO", "--limit", "1.00", "--debit", "--yes"])
    for argv in one_shots:  # every one-shot command gives up (none retries forever), nothing sent
        code, err, took = await _ttai(home, "--exchange", url, *argv)
        assert code == 5, (argv, code, err)
        assert "cannot reach" in err and "gave up after" in err, err
        assert "Traceback" not in err
        assert took >= 2.0  # it did retry for the configured time


def test_internal_error_exits_70_and_names_the_log(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any, keep_root_logging: None
) -> None:
    from ttai_tui import cli
    from ttai_tui.headless import commands

    def boom(settings: Any, target: Any, args: Any) -> int:
        raise AttributeError("'NoneType' object has no attribute 'bid'")

    monkeypatch.setattr(commands, "quotes", boom)
    assert cli.main(["--demo", "quotes", "SPY"]) == 70
    err = capsys.readouterr().err
    log = home / "log" / "ttai.log"
    assert "internal error: AttributeError" in err and str(log) in err, err
    for handler in __import__("logging").getLogger().handlers:
        handler.flush()
    assert "Traceback" in log.read_text()


def test_a_crashed_dashboard_exits_70(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    """Textual ends an app on an unhandled exception with its code 1 (the documented code for a
    bad symbol): run_app turns that into 70 and says where the log is."""
    from ttai_tui.ui import app as app_module

    class Crashed:
        return_code = 1

        def run(self) -> None:
            return None

    from ttai_tui.ui import span_writer

    monkeypatch.setattr(app_module, "make_app", lambda settings, target: Crashed())
    monkeypatch.setattr(span_writer, "install", lambda: False)
    assert app_module.run_app(None, None) == 70  # type: ignore[arg-type]
    assert "internal error" in capsys.readouterr().err
