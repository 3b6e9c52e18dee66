"""`ttai alert add | list | rm | watch` end to end, as separate processes, against the exchange."""

from __future__ import annotations

import asyncio
import json
import math
import signal
import sys
from pathlib import Path
from typing import Any

from .test_commands import _env, ctrl_c_as_a_terminal_sends_it, ttai


def shift_spy(exchange: Any, pct: float) -> None:
    m = exchange.market
    m.log_p[m.i_spx] += math.log(1.0 + pct / 100.0)


async def test_bad_alerts_are_refused_naming_the_problem(exchange: Any, tmp_path: Path) -> None:
    url = exchange.url
    for words, problem in (
        (["NOSUCHX", "last", "above", "5"], "unknown symbol: NOSUCHX"),
        (["SPY", "lst", "above", "5"], 'unknown field "lst"'),
        (["SPY", "last", "above", "6o5"], 'level "6o5" is not a number'),
        (["SPY", "last", "over", "5"], '"over" is not a direction'),
        (["position", ".SPY990101P1", "delta", "below", "-30"], "no position .SPY990101P1"),
    ):
        rc, out, err = await ttai(tmp_path, "--exchange", url, "alert", "add", *words)
        assert rc == 1, (words, err)
        assert problem in err and "Traceback" not in err
        assert out == ""
    rc, out, _ = await ttai(tmp_path, "alert", "list", "--json")
    assert rc == 0 and json.loads(out) == []  # nothing was stored


async def test_add_list_rm_survive_between_processes(exchange: Any, tmp_path: Path) -> None:
    url = exchange.url
    rc, out, err = await ttai(tmp_path, "--exchange", url, "alert", "add", "SPY", "last", "above", "1000")
    assert rc == 0, err
    assert out.startswith("added alert #1: SPY last above 1000 (SPY last now ")
    rc, out, err = await ttai(tmp_path, "--exchange", url, "alert", "add", "QQQ", "change", "below", "-2", "--every", "--rearm", "0.5")
    assert rc == 0, err
    assert "added alert #2: QQQ change below -2 every rearm 0.5" in out
    rc, out, err = await ttai(tmp_path, "--exchange", url, "alert", "add", "SPY", "last", "above", "1")
    assert rc == 0 and "already above 1" in err  # the level is already passed: said at once
    rc, out, _ = await ttai(tmp_path, "alert", "list", "--json")
    listed = json.loads(out)
    assert [(a["id"], a["alert"], a["status"]) for a in listed] == [
        (1, "SPY last above 1000", "armed"),
        (2, "QQQ change below -2 every rearm 0.5", "armed"),
        (3, "SPY last above 1", "armed"),
    ]
    rc, out, _ = await ttai(tmp_path, "alert", "list")
    assert rc == 0 and "SPY last above 1000" in out and "armed" in out
    rc, out, _ = await ttai(tmp_path, "alert", "rm", "1")
    assert rc == 0 and "removed alert #1" in out
    for bad, problem in (("1", "no alert #1"), ("x", '"x" is not an alert id')):
        rc, _, err = await ttai(tmp_path, "alert", "rm", bad)
        assert rc == 1 and problem in err
    rc, out, _ = await ttai(tmp_path, "alert", "list", "--json")
    assert [a["id"] for a in json.loads(out)] == [2, 3]


async def test_a_corrupt_alerts_file_is_kept_aside_with_a_message(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(parents=True)
    (data / "alerts.json").write_text('{"alerts": [')
    rc, out, err = await ttai(tmp_path, "alert", "list", "--json")
    assert rc == 0 and json.loads(out) == []
    assert "corrupt" in err and "alerts.json.corrupt" in err
    assert (data / "alerts.json.corrupt").read_text() == '{"alerts": ['


async def test_watch_prints_a_json_line_when_spy_trades_through(exchange: Any, tmp_path: Path) -> None:
    url = exchange.url
    price = exchange.market.states["SPY"].last
    level = round(price * 1.003, 2)
    rc, out, err = await ttai(tmp_path, "--exchange", url, "alert", "add", "SPY", "last", "above", str(level))
    assert rc == 0, err
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ttai_tui", "--exchange", url, "alert", "watch", "--json",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=_env(tmp_path),
        preexec_fn=ctrl_c_as_a_terminal_sends_it,
    )
    assert proc.stdout is not None and proc.stderr is not None
    try:
        line = await asyncio.wait_for(proc.stderr.readline(), 30)
        assert b"watching 1 armed alert" in line
        await asyncio.sleep(1.5)  # the stream's first values set the baseline
        shift_spy(exchange, 1.0)
        out = await asyncio.wait_for(proc.stdout.readline(), 15)
        fired = json.loads(out)
        assert fired["id"] == 1 and fired["alert"] == f"SPY last above {level:g}"
        assert fired["value"] >= level and fired["reference"] == level and fired["fires"] == 1
        assert fired["time"].endswith("+00:00")
    finally:
        proc.send_signal(signal.SIGINT)
        rc = await asyncio.wait_for(proc.wait(), 10)
    assert rc == 130
    # the firing is in the file for every other process (the dashboard's list, `alert list`)
    rc, out, _ = await ttai(tmp_path, "alert", "list", "--json")
    (a,) = json.loads(out)
    assert a["status"] == "fired" and a["fires"] == 1 and a["fired_value"] >= level
