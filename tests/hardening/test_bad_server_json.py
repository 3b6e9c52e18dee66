"""Server JSON with missing or odd fields: a clear message, the rest keeps working (issue 8, item 2).

The exchange is real and in-process; one route at a time has its JSON answer corrupted (a
field removed, nulled or given the wrong type) by wrapping the exchange's route dispatcher.
The real `ttai` command then runs against it: the broken command must exit 1 with a short
message naming what failed (no traceback, no pydantic dump), and other commands and the stream
must keep working.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from tests.hardening._follow import REFRESH, SECRET, child_env
from ttai_tui.exchange import accounts_api, catalog
from ttai_tui.exchange.server import ExchangeServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

Mutator = Callable[[Any], Any]


@pytest.fixture
async def corrupt(
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[tuple[ExchangeServer, dict[str, Mutator]]]:
    """An exchange whose answer for a path prefix is passed through mutators[prefix]."""
    mutators: dict[str, Mutator] = {}

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        async def dispatch(s: Any, r: web.Request, p: list[str]) -> web.Response:
            resp = await original(s, r, p)
            path = "/".join(p)
            for prefix, fn in mutators.items():
                if path.startswith(prefix) and resp.status == 200 and resp.body:
                    doc = json.loads(bytes(resp.body))
                    return web.json_response(fn(doc), status=resp.status)
            return resp

        return dispatch

    monkeypatch.setattr(accounts_api, "dispatch", wrap(accounts_api.dispatch))
    monkeypatch.setattr(catalog, "dispatch", wrap(catalog.dispatch))
    server = ExchangeServer(seed=1, client_secret=SECRET, refresh_token=REFRESH)
    await server.start()
    try:
        yield server, mutators
    finally:
        await server.stop()


async def _ttai(home: Path, url: str, *argv: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ttai_tui",
        "--exchange",
        url,
        *argv,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=child_env(home),
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")


def _items(fn: Callable[[dict[str, Any]], None]) -> Mutator:
    def apply(doc: Any) -> Any:
        for item in doc.get("data", {}).get("items", []):
            fn(item)
        return doc

    return apply


def _data(fn: Callable[[dict[str, Any]], None]) -> Mutator:
    def apply(doc: Any) -> Any:
        fn(doc["data"])
        return doc

    return apply


CASES: dict[str, tuple[str, Mutator, list[str]]] = {
    "position without quantity": (
        "accounts/",
        _items(lambda i: i.pop("quantity", None)),
        ["positions", "--json"],
    ),
    "position quantity not a number": (
        "accounts/",
        _items(lambda i: i.__setitem__("quantity", "lots")),
        ["positions", "--json"],
    ),
    "balances with null fields": (
        "accounts/",
        _data(lambda d: d.update({k: None for k in list(d)[:8]})),
        ["balances", "--json"],
    ),
    "balances missing net liq": (
        "accounts/",
        _data(lambda d: d.pop("net-liquidating-value", None)),
        ["balances", "--json"],
    ),
    "chain expirations without strikes": (
        "option-chains/",
        _items(lambda i: [e.pop("strikes", None) for e in i.get("expirations", [])]),
        ["chain", "SPY", "--json"],
    ),
    "chain strike not a number": (
        "option-chains/",
        _items(
            lambda i: [
                s.__setitem__("strike-price", "abc")
                for e in i.get("expirations", [])
                for s in e.get("strikes", [])
            ]
        ),
        ["chain", "SPY", "--json"],
    ),
    "quote token without dxlink-url": (
        "api-quote-tokens",
        _data(lambda d: d.pop("dxlink-url", None)),
        ["quotes", "SPY", "--json"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
async def test_odd_server_json(corrupt: Any, tmp_path: Path, case: str) -> None:
    server, mutators = corrupt
    prefix, fn, argv = CASES[case]
    mutators[prefix] = fn
    code, out, err = await _ttai(tmp_path / "home", server.url, *argv)
    assert "Traceback" not in err and "validation error" not in err.lower(), err
    if code == 0:
        json.loads(out)  # it coped: the output must still be valid JSON
    else:
        assert code == 1, (code, err)
        lines = [line for line in err.splitlines() if line.strip()]
        assert 1 <= len(lines) <= 3 and all(len(line) < 300 for line in lines), err
    # The rest keeps working: an unaffected command still answers.
    mutators.clear()
    code, out, err = await _ttai(tmp_path / "home", server.url, "quotes", "SPY", "--json")
    assert code == 0 and json.loads(out)[0]["bid"] is not None, err
