"""Bad config input: every invalid file exits 2 naming the key, never a traceback (hypothesis).

Documents are generated per known key from two pools: values the Settings contract says are
valid, and values that are plainly wrong (wrong type, out of any sensible range, malformed
symbols). The oracle is simple: a document exits 0 iff every value came from the valid pool;
otherwise it exits 2 and the one-line message names the file and one of the bad keys as a
dotted path.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.hardening._toml import dump_toml
from ttai_tui import cli, storage

FUZZ = settings(
    max_examples=int(__import__("os").environ.get("FUZZ_N", "120")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

# Printable text; control characters have their own test below.
_text = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=5)
_syms = st.sampled_from(["SPY", "QQQ", "AAPL", "/ES", "BRK/B", "$SPX", ".SPY260116C500", "BRK.B"])
_bad_syms = st.sampled_from(["BAD$$", "", " ", "sp y!", "A" * 40, "💥", "SPY;rm"])
_other = st.one_of(
    st.dictionaries(st.sampled_from(["x", "y"]), st.integers(), min_size=1, max_size=2)
)

_ints_far = st.one_of(st.integers(max_value=-1), st.integers(min_value=10**7, max_value=2**62))
_wrong_scalar_for_str = st.one_of(
    st.integers(),
    st.booleans(),
    st.floats(allow_nan=False),
    st.lists(st.integers(), max_size=2),
    _other,
)
_wrong_for_number = st.one_of(_text, st.booleans(), st.lists(st.integers(), max_size=2), _other)
_wrong_for_bool = st.one_of(_text, st.integers(), st.floats(allow_nan=False), _other)

# dotted key -> (valid values, invalid values)
KEYS: dict[str, tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]]] = {
    "environment": (
        st.sampled_from(["auto", "demo", "live", "sandbox"]),
        st.one_of(st.sampled_from(["prod", "LIVE ", "", "paper"]), _wrong_scalar_for_str),
    ),
    "account": (
        st.sampled_from(["5WT00001", "ABCD", "5WX12345678"]),
        st.one_of(st.sampled_from(["", "a b", "x", "5WT-0001"]), _wrong_scalar_for_str),
    ),
    "credentials.provider_secret": (st.sampled_from(["s3cr3t-value"]), _wrong_scalar_for_str),
    "credentials.refresh_token": (st.sampled_from(["r3fr3sh-value"]), _wrong_scalar_for_str),
    "chain.strikes": (st.integers(1, 50), st.one_of(_ints_far, st.just(0), _wrong_for_number)),
    "chain.dte": (st.integers(0, 365), st.one_of(_ints_far, _wrong_for_number)),
    "chart.timeframe": (
        st.sampled_from(["1m", "5m", "15m", "1h", "1d"]),
        st.one_of(st.sampled_from(["2m", "1H", "day", ""]), _wrong_scalar_for_str),
    ),
    "chart.indicators": (
        st.lists(st.sampled_from(["sma20", "ema50", "bb20", "wma10", "hma9"]), max_size=4),
        st.one_of(
            st.lists(st.sampled_from(["foo", "sma", "ema-3", ""]), min_size=1, max_size=3),
            _text,
            st.integers(),
            _other,
        ),
    ),
    "chart.lower": (
        st.sampled_from(["rsi", "macd", "none"]),
        st.one_of(st.sampled_from(["vol", ""]), _wrong_scalar_for_str),
    ),
    "chart.levels": (st.booleans(), _wrong_for_bool),
    "chart.fibonacci": (st.booleans(), _wrong_for_bool),
    "ui.refresh_hz": (
        st.one_of(st.floats(1, 60), st.integers(1, 60)),
        st.one_of(
            st.floats(max_value=0.5),
            st.floats(min_value=61),
            st.just(float("nan")),
            st.just(float("inf")),
            _wrong_for_number,
        ),
    ),
    "ui.theme": (
        st.sampled_from(["textual-dark", "nord"]),
        st.one_of(st.integers(), st.booleans(), st.lists(st.integers(), max_size=2), _other),
    ),
    "ui.flash": (st.booleans(), _wrong_for_bool),
    "log.level": (
        st.sampled_from(["DEBUG", "info", "Warning", "ERROR"]),
        st.one_of(st.sampled_from(["LOUD", "", "trace"]), _wrong_scalar_for_str),
    ),
    "log.file": (
        st.sampled_from(["~/ttai.log", "/tmp/x/ttai.log"]),
        st.one_of(st.just(""), st.integers(), st.booleans(), _other),
    ),
    "demo.seed": (
        st.integers(0, 2**31 - 1),
        st.one_of(st.integers(max_value=-1), _wrong_for_number),
    ),
    "demo.market_hours": (st.booleans(), _wrong_for_bool),
    "watchlists.Default": (
        st.lists(_syms, max_size=5),
        st.one_of(
            st.lists(_bad_syms, min_size=1, max_size=3),
            _text,
            st.integers(),
            st.lists(st.integers(), min_size=1, max_size=2),
        ),
    ),
    "watchlists.My list": (
        st.lists(_syms, max_size=5),
        st.lists(_bad_syms, min_size=1, max_size=3),
    ),
    "keys.quit": (
        st.sampled_from(["q", "ctrl+q", "q,ctrl+c"]),
        st.one_of(st.just(""), st.integers(), st.booleans(), st.lists(_text, max_size=2)),
    ),
}


@st.composite
def documents(draw: st.DrawFn) -> tuple[dict[str, Any], set[str]]:
    chosen = draw(st.lists(st.sampled_from(sorted(KEYS)), unique=True, max_size=7))
    doc: dict[str, Any] = {}
    bad: set[str] = set()
    for dotted in chosen:
        good, wrong = KEYS[dotted]
        if draw(st.booleans()):
            value = draw(wrong)
            bad.add(dotted)
        else:
            value = draw(good)
        parts = dotted.split(".")
        table = doc
        for p in parts[:-1]:
            table = table.setdefault(p, {})
        table[parts[-1]] = value
    return doc, bad


def _run(path: Path, capsys: Any) -> tuple[int, str, str]:
    code = cli.main(["--config", str(path), "config", "check"])
    out = capsys.readouterr()
    return code, out.out, out.err


def _write(home: Path, doc: dict[str, Any]) -> Path:
    path = home / "fuzz.toml"
    storage.atomic_write_text(path, dump_toml(doc), private=True, backup=False)
    return path


@FUZZ
@given(documents())
@example(({"chain": {"strikes": "10"}}, {"chain.strikes"}))
@example(({"watchlists": {"Default": ["BAD$$"]}}, {"watchlists.Default"}))
@example(({"ui": {"refresh_hz": float("nan")}}, {"ui.refresh_hz"}))
@example(({"credentials": {"provider_secret": 12345}}, {"credentials.provider_secret"}))
def test_generated_configs(home: Path, capsys: Any, case: tuple[dict[str, Any], set[str]]) -> None:
    doc, bad = case
    path = _write(home, doc)
    code, out, err = _run(path, capsys)
    assert "Traceback" not in out + err
    if not bad:
        assert code == 0, err
        assert "config OK" in err
        return
    assert code == 2, (doc, err)
    lines = [line for line in err.splitlines() if not line.startswith("ttai: warning")]
    assert len(lines) == 1, err
    message = lines[0]
    assert str(path) in message
    assert any(f" {key} = " in message or f": {key} = " in message for key in bad), (bad, message)
    assert "expected" in message
    assert "s3cr3t-value" not in err and "r3fr3sh-value" not in err


@FUZZ
@given(
    st.sampled_from(["chain", "chart", "ui", "log", "demo", "credentials", "watchlists", "keys"]),
    st.one_of(st.integers(), _text, st.lists(st.integers(), max_size=2), st.booleans()),
)
def test_section_of_the_wrong_type(home: Path, capsys: Any, section: str, value: Any) -> None:
    code, _out, err = _run(_write(home, {section: value}), capsys)
    assert code == 2, err
    assert f"{section} = " in err and "expected" in err and "Traceback" not in err


@FUZZ
@given(st.text(max_size=200))
def test_arbitrary_text_never_crashes(home: Path, capsys: Any, text: str) -> None:
    path = home / "garbage.toml"
    storage.atomic_write_bytes(
        path, text.encode("utf-8", "surrogatepass"), private=True, backup=False
    )
    code, out, err = _run(path, capsys)
    assert code in (0, 2), err
    assert "Traceback" not in out + err and "internal error" not in err
    if code == 2:
        assert str(path) in err


@FUZZ
@given(st.binary(max_size=64))
def test_arbitrary_bytes_never_crash(home: Path, capsys: Any, data: bytes) -> None:
    path = home / "bytes.toml"
    storage.atomic_write_bytes(path, data, private=True, backup=False)
    code, _out, err = _run(path, capsys)
    assert code in (0, 2) and "internal error" not in err


@pytest.mark.parametrize("value", ["\r", "x\ny", "\x1b]0;pwned\x07", "\x1b[2J"])
def test_control_characters_in_bad_values_stay_escaped(home: Path, capsys: Any, value: str) -> None:
    code, _out, err = _run(_write(home, {"chart": {"fibonacci": value}}), capsys)
    assert code == 2
    assert err.count("\n") == 1 and "\x1b" not in err and "\r" not in err


@pytest.mark.parametrize("key", ["enviroment", "chain.strike", "ui.refreshhz", "colour"])
def test_unknown_keys_warn_by_name(home: Path, capsys: Any, key: str) -> None:
    parts = key.split(".")
    doc: dict[str, Any] = {parts[0]: {parts[1]: 1}} if len(parts) == 2 else {key: 1}
    code, _out, err = _run(_write(home, doc), capsys)
    assert code == 0
    assert "warning" in err and (parts[-1] in err)


def test_bad_environment_variable_names_it(
    home: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TTAI_ENVIRONMENT", "production")
    code, _out, err = _run(_write(home, {}), capsys)
    assert code == 2 and "TTAI_ENVIRONMENT" in err and "Traceback" not in err


def test_subprocess_invalid_config(home: Path) -> None:
    path = _write(home, {"ui": {"refresh_hz": 500}, "chain": {"strikes": 10}})
    proc = subprocess.run(
        [sys.executable, "-m", "ttai_tui", "--config", str(path), "config", "check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.strip().count("\n") == 0, proc.stderr
    assert "ui.refresh_hz = 500" in proc.stderr and str(path) in proc.stderr
    assert "Traceback" not in proc.stderr
