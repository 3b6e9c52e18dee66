"""Configuration: precedence, validation messages, unknown keys, the example file."""

from __future__ import annotations

from pathlib import Path

import pytest

from ttai_tui import config, paths

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    monkeypatch.setenv("TTAI_HOME", str(tmp_path / "home"))
    for var in ("TTAI_CONFIG", "TT_SECRET", "TT_REFRESH", "TTAI_ENVIRONMENT", "TTAI_ACCOUNT", "TTAI_LOG_LEVEL"):
        monkeypatch.delenv(var, raising=False)


def write(tmp_path: Path, text: str, name: str = "c.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_no_file_gives_defaults_and_demo():
    loaded = config.load_settings()
    assert not loaded.exists
    assert loaded.settings.ui.refresh_hz == 15
    assert loaded.settings.chain.strikes == 10
    assert config.resolve_target(loaded.settings).mode == "demo"


def test_example_file_loads_without_errors_or_warnings():
    loaded = config.load_settings(ROOT / "config.example.toml")
    assert loaded.warnings == []
    assert loaded.settings.watchlists["Default"][0] == "SPY"
    assert "Volatile" in loaded.settings.watchlists


def test_precedence_flag_over_env_over_file(tmp_path, monkeypatch):
    file_cfg = write(tmp_path, 'environment = "demo"\n[log]\nlevel = "DEBUG"\n', "file.toml")
    env_cfg = write(tmp_path, 'environment = "demo"\n[log]\nlevel = "ERROR"\n', "env.toml")
    # file via $TTAI_CONFIG, overridden by --config
    monkeypatch.setenv("TTAI_CONFIG", str(env_cfg))
    assert config.load_settings().settings.log.level == "ERROR"
    assert config.load_settings(file_cfg).settings.log.level == "DEBUG"
    # env var beats the file
    monkeypatch.setenv("TTAI_LOG_LEVEL", "warning")
    assert config.load_settings(file_cfg).settings.log.level == "WARNING"
    # and the flag beats the configured environment
    monkeypatch.setenv("TT_SECRET", "s3")
    monkeypatch.setenv("TT_REFRESH", "r3")
    s = config.load_settings(write(tmp_path, 'environment = "live"\n')).settings
    assert config.resolve_target(s).mode == "live"
    assert config.resolve_target(s, demo=True).mode == "demo"
    assert config.resolve_target(s, sandbox=True).mode == "sandbox"
    assert config.resolve_target(s, exchange="http://127.0.0.1:9/").url == "http://127.0.0.1:9"


def test_env_secrets_override_file_and_stay_hidden(tmp_path, monkeypatch):
    p = write(tmp_path, '[credentials]\nprovider_secret = "file-secret"\nrefresh_token = "file-refresh"\n')
    creds = config.load_settings(p).settings.credentials
    assert creds.provider_secret.get() == "file-secret" and creds.source == "config file"
    monkeypatch.setenv("TT_SECRET", "env-secret")
    monkeypatch.setenv("TT_REFRESH", "env-refresh")
    creds = config.load_settings(p).settings.credentials
    assert creds.provider_secret.get() == "env-secret" and creds.refresh_token.get() == "env-refresh"
    assert creds.source == "environment"
    assert "env-secret" not in repr(creds) and "env-secret" not in str(creds.provider_secret)
    dumped = str(config.effective_settings(config.load_settings(p).settings))
    assert "env-secret" not in dumped and "file-secret" not in dumped and "env-refresh" not in dumped


def test_auto_is_live_with_credentials(monkeypatch):
    monkeypatch.setenv("TT_SECRET", "a")
    monkeypatch.setenv("TT_REFRESH", "b")
    target = config.resolve_target(config.load_settings().settings)
    assert target.mode == "live" and target.label == "LIVE"


def test_live_without_credentials_is_refused(tmp_path):
    s = config.load_settings(write(tmp_path, 'environment = "live"\n')).settings
    with pytest.raises(config.MissingCredentials, match="TT_SECRET"):
        config.resolve_target(s)


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ('[chain]\nstrikes = "ten"\n', "chain.strikes", "whole number"),
        ("[chain]\nstrikes = 0\n", "chain.strikes", "from 1 to 100"),
        ("[ui]\nrefresh_hz = 0.1\n", "ui.refresh_hz", "number from 1 to 60"),
        ('[chart]\ntimeframe = "2m"\n', "chart.timeframe", '"1m"'),
        ('[chart]\nindicators = ["sma0"]\n', "chart.indicators", "sma<N>"),
        ('[chart]\nindicators = ["sma20\\n"]\n', "chart.indicators", "sma<N>"),
        ('[watchlists]\nMine = ["SPY", "BAD$$"]\n', "watchlists.Mine", "not a valid symbol"),
        ('environment = "prod"\n', "environment", '"live"'),
        ('chain = "x"\n', "chain", "[chain] table"),
        ('[log]\nlevel = "LOUD"\n', "log.level", '"DEBUG"'),
        ('[keys]\nquit = 5\n', "keys.quit", "key name"),
        ("[demo]\nmarket_hours = 1\n", "demo.market_hours", "true or false"),
        ('[chart]\nvolume = "yes"\n', "chart.volume", "true or false"),
    ],
)
def test_bad_values_name_file_key_value_and_expectation(tmp_path, text, key, expected):
    p = write(tmp_path, text)
    with pytest.raises(config.ConfigError) as info:
        config.load_settings(p)
    msg = str(info.value)
    assert msg.startswith(str(p)) and f"{key} = " in msg and expected in msg
    assert "\n" not in msg


def test_bad_secret_value_is_not_echoed(tmp_path):
    with pytest.raises(config.ConfigError) as info:
        config.load_settings(write(tmp_path, "[credentials]\nprovider_secret = 12345678\n"))
    assert "credentials.provider_secret" in str(info.value) and "12345678" not in str(info.value)


def test_invalid_toml_and_missing_explicit_file(tmp_path):
    with pytest.raises(config.ConfigError, match="not valid TOML"):
        config.load_settings(write(tmp_path, "[chain\n"))
    with pytest.raises(config.ConfigError, match="no such config file"):
        config.load_settings(tmp_path / "nope.toml")


def test_unknown_keys_warn_with_a_hint(tmp_path):
    loaded = config.load_settings(write(tmp_path, "colour = 1\n[ui]\nrefesh_hz = 5\n"))
    assert any("'colour'" in w for w in loaded.warnings)
    assert any("'ui.refesh_hz'" in w and "refresh_hz" in w for w in loaded.warnings)
    assert loaded.settings.ui.refresh_hz == 15


def test_symbols_are_normalised_and_deduplicated(tmp_path):
    s = config.load_settings(write(tmp_path, '[watchlists]\nA = ["spy", "SPY", "brk/b", "/ES"]\n')).settings
    assert s.watchlists["A"] == ["SPY", "BRK/B", "/ES"]


def test_paths_honour_ttai_home(tmp_path):
    assert paths.config_file() == tmp_path / "home" / "config" / "config.toml"
    assert paths.log_dir() == tmp_path / "home" / "log"


def test_credential_store_is_consulted_unless_the_caller_says_not(monkeypatch):
    calls = []
    monkeypatch.setattr(config, "_stored_credentials", lambda: calls.append(1) or ("st-secret", "st-refresh"))
    creds = config.load_settings().settings.credentials
    assert creds.source == "credential store" and creds.refresh_token.get() == "st-refresh"
    calls.clear()
    creds = config.load_settings(credential_store=False).settings.credentials
    assert calls == [] and creds.source == "none" and not creds.complete
