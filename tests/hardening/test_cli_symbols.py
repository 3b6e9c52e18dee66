"""Unknown or malformed symbols on the command line: exit 1, one clear line, nothing else.

Runs `ttai --demo quotes|chain|chart SYM` in-process (`cli.main`), against the demo exchange.
A malformed symbol must be refused *before* it reaches a URL (control characters, empty
strings, query/fragment characters), with the same readable reason the config and the
watchlist box give; an unknown one must be named. Never a traceback, never "internal error",
never a raw control character echoed to the terminal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ttai_tui import cli

pytestmark = [pytest.mark.slow, pytest.mark.timeout(60)]


@pytest.fixture
def run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any, keep_root_logging: None
) -> Any:
    monkeypatch.setenv("TTAI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TTAI_KEYRING", "0")
    for var in ("TT_SECRET", "TT_REFRESH", "TTAI_CONFIG"):
        monkeypatch.delenv(var, raising=False)

    def go(*argv: str) -> tuple[int, str, str]:
        code = cli.main(["--demo", *argv])
        out = capsys.readouterr()
        return code, out.out, out.err

    return go


def _check_refusal(code: int, out: str, err: str, needle: str) -> None:
    assert code == 1, (code, out, err)
    assert out.strip() in ("", "[]"), out
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err and "internal error" not in err, err
    assert "\x1b" not in err and "\r" not in err, "control characters echoed to the terminal"
    assert needle.lower() in err.lower(), err


@pytest.mark.parametrize(
    ("command", "symbol"),
    [
        ("quotes", "BAD$$"),
        ("quotes", "NOSUCHSYM"),
        ("quotes", "A" * 60),
        ("quotes", "SPY;RM"),
        ("chart", "BAD$$"),
        ("chain", "NOSUCHSYM"),
    ],
)
def test_unknown_or_malformed_symbol(run: Any, command: str, symbol: str) -> None:
    code, out, err = run(command, symbol)
    _check_refusal(code, out, err, "symbol" if command != "chain" else symbol)


@pytest.mark.parametrize(
    ("command", "symbol"),
    [
        ("quotes", ""),
        ("quotes", "\x1b[2J"),
        ("chain", ""),
        ("chart", ""),
        ("chart", "\x1b]0;x\x07"),
        ("quotes", "SPY?X=1"),
    ],
)
def test_malformed_symbol_refused_before_any_request(run: Any, command: str, symbol: str) -> None:
    code, out, err = run(command, symbol)
    _check_refusal(code, out, err, "not a valid symbol")


def test_good_symbol_still_works(run: Any) -> None:
    """The refusals above are not a broken command: a real symbol answers."""
    import json

    code, out, err = run("quotes", "spy", "--json")
    assert code == 0, err
    assert json.loads(out)[0]["symbol"] == "SPY"
