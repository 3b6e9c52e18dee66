"""[alerts] in the config: rules are checked with the alert syntax; the webhook is never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from ttai_tui import config


def load(tmp_path: Path, text: str) -> config.Settings:
    p = tmp_path / "config.toml"
    p.write_text(text)
    return config.load_settings(p, env={}, credential_store=False).settings


def test_alert_settings_and_rules(tmp_path: Path) -> None:
    s = load(tmp_path, '[alerts]\nrules = ["spy last above 605", "portfolio bp above 50 every"]\n'
                       'bell = false\nwebhook = "http://127.0.0.1:9000/hook/token123"\n')
    assert s.alerts.rules == ("SPY last above 605", "portfolio bp above 50 every")
    assert s.alerts.bell is False and s.alerts.desktop is False
    shown = config.effective_settings(s)["alerts"]
    assert "token123" not in str(shown) and shown["webhook"] == "http://127.0.0.1:9000/…"


@pytest.mark.parametrize(
    "text, problem",
    [
        ('[alerts]\nrules = ["SPY lst above 1"]\n', 'unknown field "lst"'),
        ('[alerts]\nrules = "SPY last above 1"\n', "a list of alerts"),
        ('[alerts]\nwebhook = "ftp://x"\n', "an http(s) URL"),
        ('[alerts]\nwebhook_retries = 50\n', "a whole number from 0 to 10"),
    ],
)
def test_bad_alert_config_names_the_key(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(config.ConfigError) as e:
        load(tmp_path, text)
    assert "alerts." in str(e.value) and problem in str(e.value)
